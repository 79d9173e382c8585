import CourtyardDemo
import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import CourtyardServer

/// The import page's progress: a large sheet's upload becomes a job the page follows, one per sub-district,
/// seen only by the account that started it (or an administrator); and the counts the page shows.
@Suite struct ImportProgressTests {
    /// A sheet of `n` households in one compound, with the clerk's headers.
    static func sheet(_ n: Int) -> [UInt8] {
        var text = ImportAPITests.header
        for i in 0..<n {
            text += "进度社区,进度小区,进度路1号,1990,\(i / 200 + 1)号楼,\(i / 50 % 4 + 1)单元,\(i % 50 + 101),1,60,,,否\n"
        }
        return Array(text.utf8)
    }

    /// Everything a meter reported, in order.
    final class Reports: @unchecked Sendable {
        private let lock = NSLock()
        private var items: [ImportProgress] = []
        func add(_ p: ImportProgress) { lock.withLock { items.append(p) } }
        var all: [ImportProgress] { lock.withLock { items } }
    }

    /// Opened by the test to let a held import go on.
    actor Gate {
        private var open = false
        func release() { open = true }
        func wait() async {
            while !open { try? await Task.sleep(for: .milliseconds(10)) }
        }
    }

    static func multipart(_ file: [UInt8], csrf: String, dryRun: Bool = true) -> ByteBuffer {
        let boundary = "XyZ123"
        var body = "--\(boundary)\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n\(csrf)\r\n"
        if dryRun { body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"dry_run\"\r\n\r\n1\r\n" }
        body +=
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\n"
            + "Content-Type: text/csv\r\n\r\n"
        return ByteBuffer(bytes: Array(body.utf8) + file + Array("\r\n--\(boundary)--\r\n".utf8))
    }

    static func upload(_ client: any TestClientProtocol, _ file: [UInt8], cookie: String, csrf: String) async throws
        -> (HTTPResponse.Status, String, HTTPFields)
    {
        try await client.execute(
            uri: "/import", method: .post,
            headers: [.cookie: cookie, .contentType: "multipart/form-data; boundary=XyZ123"],
            body: multipart(file, csrf: csrf)
        ) { ($0.status, String(buffer: $0.body), $0.headers) }
    }

    @Test func theMeterHearsRowsReadCheckedAndWrittenEveryFewThousandRows() async throws {
        try await TestApp.with { _, services in
            let reports = Reports()
            let meter = ImportProgressMeter { reports.add($0) }
            let parsed = try RegistryFiles.parse(Self.sheet(5_000), progress: meter)
            #expect(parsed.errors.isEmpty)
            #expect(meter.current.read == 5_001)  // the header is a row read too
            #expect(meter.current.checked == 5_000)
            #expect(meter.current.total == 5_000)
            #expect(meter.current.phase == .checking)
            let report = try await services.importer.run(
                rows: parsed.rows, errors: parsed.errors, reading: parsed.reading, subdistrict: "进度街道",
                dryRun: false, filename: "big.csv", actor: .system, progress: meter)
            #expect(report.households.created == 5_000)
            #expect(meter.current.phase == .writing)
            #expect(meter.current.written == 5_000)
            #expect(meter.current.total == 5_000)
            let all = reports.all
            // Reported in steps, not per row: reading, checking and writing 5,000 rows is a handful of calls.
            #expect(all.count >= 6 && all.count <= 20, "\(all.count) reports")
            #expect(all.contains { $0.phase == .reading && $0.read == 2_000 })
            #expect(all.contains { $0.phase == .writing && $0.written == 2_000 })
            #expect(zip(all, all.dropFirst()).allSatisfy { $0.read <= $1.read && $0.written <= $1.written })
        }
    }

    @Test func theJobPageShowsProgressThenTheResult() async throws {
        try await TestApp.with(demo: true) { client, services in
            let (cookie, csrf) = try await client.session("office")
            let office = try #require(try await services.accounts.find(username: "office")).actor
            let gate = Gate()
            let target = try await ImportJobs.key(subdistrict: nil, actor: office, services: services)
            let upload = Upload(bytes: Self.sheet(10), filename: "big.csv", dryRun: true, subdistrict: nil)
            let id = try await services.importJobs.start(target: target, actor: office, file: upload) { meter in
                meter.read(12_000)
                meter.begin(.checking, total: 12_000)
                meter.checked(adding: 4_000)
                await gate.wait()
                return try await ImportRoutes.runImport(upload, services: services, actor: office, progress: meter)
            }
            // The job reaches the gate in its own task: on a busy machine that may take more than a moment.
            var (s1, working, _) = try await PageTests.page(client, "/import/jobs/\(id)", cookie: cookie)
            for _ in 0..<200 where !working.contains("已检查 4,000 行") {
                try await Task.sleep(for: .milliseconds(50))
                (s1, working, _) = try await PageTests.page(client, "/import/jobs/\(id)", cookie: cookie)
            }
            #expect(s1 == .ok)
            #expect(working.contains("已读取 12,000 行，已检查 4,000 行（共 12,000 行）"))
            #expect(working.contains("<meta http-equiv=\"refresh\" content=\"1\">"))
            #expect(working.contains("<progress class=\"work\" max=\"1000\" value=\"333\">"))
            // The import page links to it while it runs.
            let (_, importPage, _) = try await PageTests.page(client, "/import", cookie: cookie)
            #expect(importPage.contains("/import/jobs/\(id)"))

            // A second import into the same sub-district is refused while the first runs, in the page's language.
            let (s2, refused, _) = try await Self.upload(client, Self.sheet(10), cookie: cookie, csrf: csrf)
            #expect(s2 == .conflict)
            #expect(refused.contains("本街道已有一个导入正在进行"))
            let (s3, refusedEn, _) = try await client.execute(
                uri: "/import?lang=en", method: .post,
                headers: [.cookie: cookie, .contentType: "multipart/form-data; boundary=XyZ123"],
                body: Self.multipart(Self.sheet(10), csrf: csrf)
            ) { ($0.status, String(buffer: $0.body), $0.headers) }
            #expect(s3 == .conflict)
            #expect(refusedEn.contains("An import into this sub-district is already running"))

            await gate.release()
            await services.importJobs.wait(id, upTo: .seconds(30))
            let (s4, done, _) = try await PageTests.page(client, "/import/jobs/\(id)", cookie: cookie)
            #expect(s4 == .ok)
            #expect(done.contains("检查通过，尚未写入"))
            #expect(!done.contains("http-equiv=\"refresh\""))

            // Once it has finished, the next upload runs (answered at once, or on its page when the machine is slow).
            var (s5, again, headers) = try await Self.upload(client, Self.sheet(10), cookie: cookie, csrf: csrf)
            if s5 == .seeOther, let location = headers[.location] {
                await services.importJobs.wait(String(location.split(separator: "/").last!), upTo: .seconds(60))
                (s5, again, _) = try await PageTests.page(client, location, cookie: cookie)
            }
            #expect(s5 == .ok)
            #expect(again.contains("检查通过，尚未写入"))
        }
    }

    @Test func aLargeUploadAnswersWithItsJobPage() async throws {
        try await TestApp.with(demo: true) { client, services in
            await services.importJobs.setAnswerWithin(.zero)
            let (cookie, csrf) = try await client.session("office")
            let (status, _, headers) = try await Self.upload(client, Self.sheet(3_000), cookie: cookie, csrf: csrf)
            #expect(status == .seeOther)
            let location = try #require(headers[.location])
            #expect(location.hasPrefix("/import/jobs/"))
            let id = String(location.dropFirst("/import/jobs/".count))
            await services.importJobs.wait(id, upTo: .seconds(60))
            let (s, page, _) = try await PageTests.page(client, location, cookie: cookie)
            #expect(s == .ok)
            #expect(page.contains("检查通过，尚未写入"))
            #expect(page.contains("3000"))
        }
    }

    /// While the server reads another sheet, the job's page says that this one waits its turn, not that none of its
    /// rows have been read; then it goes on by itself.
    @Test func aJobWaitingForAnotherSheetSaysSo() async throws {
        try await TestApp.with(demo: true) { client, services in
            await services.importJobs.setAnswerWithin(.zero)
            let gate = Gate()
            let held = Task { try await services.importGate.serially { await gate.wait() } }
            let (cookie, csrf) = try await client.session("office")
            let (status, _, headers) = try await Self.upload(client, Self.sheet(10), cookie: cookie, csrf: csrf)
            #expect(status == .seeOther)
            let location = try #require(headers[.location])
            let (_, waiting, _) = try await PageTests.page(client, location, cookie: cookie)
            #expect(waiting.contains("排队等候：本服务器正在读取另一份表格") && !waiting.contains("已读取 0 行"))
            await gate.release()
            try await held.value
            await services.importJobs.wait(String(location.dropFirst("/import/jobs/".count)), upTo: .seconds(60))
            let (_, done, _) = try await PageTests.page(client, location, cookie: cookie)
            #expect(done.contains("检查通过，尚未写入") && !done.contains("排队等候"))
        }
    }

    @Test func onlyItsAccountOrAnAdministratorSeesAJob() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try #require(try await services.accounts.find(username: "office"))
            let gate = Gate()
            let upload = Upload(bytes: [], filename: "big.csv", dryRun: true, subdistrict: nil)
            let id = try await services.importJobs.start(
                target: "id:\(office.scope.id ?? 0)", actor: office.actor, file: upload
            ) { meter in
                meter.read(2_000)
                await gate.wait()
                throw AppError.unprocessable("test", "stopped")
            }
            // Another officer of the same sub-district.
            _ = try await services.accounts.create(
                username: "office2", passwordHash: try await hashPassword("another-pass-123", services: services),
                role: .subdistrictOfficer, scope: office.scope, actor: .system)
            let (other, _) = try await client.session("office2", "another-pass-123")
            let (s1, hidden, _) = try await PageTests.page(client, "/import/jobs/\(id)", cookie: other)
            #expect(s1 == .notFound)
            #expect(!hidden.contains("已读取 2,000 行"))
            let (_, importPage, _) = try await PageTests.page(client, "/import", cookie: other)
            #expect(!importPage.contains(id))
            let (s2, _, _) = try await PageTests.page(client, "/import/jobs/not-a-job", cookie: other)
            #expect(s2 == .notFound)
            let (admin, _) = try await client.session("admin", TestApp.adminPassword)
            let (s3, shown, _) = try await PageTests.page(client, "/import/jobs/\(id)", cookie: admin)
            #expect(s3 == .ok)
            #expect(shown.contains("已读取 2,000 行"))
            await gate.release()
        }
    }
}
