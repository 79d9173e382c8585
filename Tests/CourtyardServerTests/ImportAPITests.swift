import CourtyardDomain
import CourtyardServer
import CourtyardSheets
import CourtyardStore
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@Suite struct ImportAPITests {
    static let header = "社区,小区,地址,建成年份,楼栋,单元,房号,楼层,建筑面积,业主姓名,联系电话,是否外住\n"
    static let good =
        header + """
            幸福里社区,纺织厂家属院,建设路10号,1985,1号楼,1单元,101,1,85.6㎡,张三,13812345678,否
            幸福里社区,纺织厂家属院,建设路10号,1985,1号楼,1单元,102,1,７０.５,李四,139 0000 0000,是
            光明社区,机械厂宿舍,人民路3号,1990,2号楼,1单元,201,2,60平方米,张三,13812345678,否

            """

    static func post(
        _ client: any TestClientProtocol, _ token: String, _ body: [UInt8], query: String, type: String = "text/csv"
    )
        async throws -> (HTTPResponse.Status, JSONValue)
    {
        try await client.execute(
            uri: "/api/v1/imports?\(query)", method: .post,
            headers: [.authorization: "Bearer \(token)", .contentType: type], body: ByteBuffer(bytes: body)
        ) { r in
            (r.status, try json(r))
        }
    }

    @Test func dryRunThenApplyThenNothingChanges() async throws {
        try await TestApp.with { client, _ in
            let token = try await client.token("admin", TestApp.adminPassword)
            let bytes = Array(Self.good.utf8)
            let (s1, dry) = try await Self.post(client, token, bytes, query: "dry_run=true&subdistrict=建设路街道")
            #expect(s1 == .ok)
            #expect(dry["applied"] == .bool(false))
            #expect(dry["households"]?["created"]?.intValue == 3)
            let list = try await client.call(.get, "/api/v1/households", token: token)
            #expect(list.json.items.isEmpty)
            let (s2, applied) = try await Self.post(client, token, bytes, query: "subdistrict=建设路街道")
            #expect(s2 == .created)
            #expect(applied["residents"]?["created"]?.intValue == 2)
            let (_, again) = try await Self.post(client, token, bytes, query: "")
            #expect(again["households"]?["unchanged"]?.intValue == 3)
            #expect(again["households"]?["created"]?.intValue == 0)
            let history = try await client.call(.get, "/api/v1/imports", token: token)
            #expect(history.json.items.map { $0["status"]?.stringValue } == ["applied", "applied", "checked"])
        }
    }

    /// With a second sub-district in the database, an officer, who may import only into their own, is not asked
    /// which: a sheet sent without one goes into theirs; the administrator is asked.
    @Test func anOfficerWithSeveralSubdistrictsImportsIntoTheirOwn() async throws {
        try await TestApp.with(demo: true) { client, services in
            try await services.database.withConnection { db in
                try await db.raw("INSERT INTO subdistricts (name) VALUES ('测试第二街道')").run()
            }
            let office = try await client.token("office")
            let (status, dry) = try await Self.post(client, office, Array(Self.good.utf8), query: "dry_run=true")
            #expect(status == .ok, "\(dry)")
            let admin = try await client.token("admin", TestApp.adminPassword)
            let (asked, _) = try await Self.post(client, admin, Array(Self.good.utf8), query: "dry_run=true")
            #expect(asked == .unprocessableContent)
        }
    }

    @Test func badRowsAreAllReportedAndNothingIsWritten() async throws {
        try await TestApp.with { client, _ in
            let token = try await client.token("admin", TestApp.adminPassword)
            let bad =
                Self.header + """
                    幸福里社区,纺织厂家属院,建设路10号,1985,1号楼,1单元,101,1,85.6,张三,13812345678,否
                    幸福里社区,纺织厂家属院,建设路10号,1985,1号楼,1单元,102,1,八十,李四,13900000000,否
                    幸福里社区,纺织厂家属院,建设路10号,1985,1号楼,1单元,103,1,70,王五,not-a-phone,也许

                    """
            let (status, body) = try await Self.post(client, token, Array(bad.utf8), query: "subdistrict=S")
            #expect(status == .unprocessableContent)
            #expect(body.errorCode == "invalid_rows")
            guard case .array(let errors) = body["report"]?["errors"] ?? .null else {
                Issue.record("no errors")
                return
            }
            let found = Set(errors.map { "\($0["row"]?.intValue ?? 0):\($0["column"]?.stringValue ?? "")" })
            #expect(found == ["3:area_m2", "4:owner_phone", "4:lives_elsewhere"])
            // Each problem is said in Chinese, quoting the cell; the code and column stay the API's.
            let words = errors.compactMap { $0["message"]?.stringValue }
            #expect(words.contains("建筑面积“八十”不是平方米数（最多两位小数，如 68.25）"), "\(words)")
            #expect(words.contains("是否外住应填“是”或“否”，这里填的是“也许”"))
            #expect(body["error"]?["message"]?.stringValue == "文件中有错误，什么都没有写入；请按报告逐行改正后再导入。")
            let list = try await client.call(.get, "/api/v1/communities", token: token)
            #expect(list.json.items.isEmpty)
            let (s2, _) = try await Self.post(
                client, token, Array("not,a,sheet\n1,2,3\n".utf8), query: "subdistrict=S&dry_run=1")
            #expect(s2 == .ok)
            let (s3, broken) = try await Self.post(
                client, token, [0x50, 0x4B, 0x03, 0x04, 1, 2, 3], query: "subdistrict=S",
                type: "application/octet-stream")
            #expect(s3 == .unprocessableContent)
            #expect(broken.errorCode == "unreadable_file")
        }
    }

    /// The report's fields in the order the OpenAPI document lists them; the answer says each problem in the
    /// client's language, the import history keeps it as it was first written.
    @Test func theReportKeepsItsShapeInTheAnswerAndTheHistory() async throws {
        @Sendable func keys(_ v: JSONValue?) -> [String] {
            guard case .object(let pairs) = v ?? .null else { return [] }
            return pairs.map(\.0)
        }
        try await TestApp.with { client, _ in
            let token = try await client.token("admin", TestApp.adminPassword)
            let sheet =
                Self.header + """
                    幸福里社区,纺织厂家属院,建设路10号,1985,1号楼,1单元,101,1,八十,张三,13812345678,否
                    ,,,,,,102,1,70,李四,13900000000,否

                    """
            // Read in order: the tests' own reader keeps no key order.
            func ordered(_ query: String) async throws -> (HTTPResponse.Status, JSONValue) {
                try await client.execute(
                    uri: "/api/v1/imports?\(query)", method: .post,
                    headers: [.authorization: "Bearer \(token)", .contentType: "text/csv"],
                    body: ByteBuffer(bytes: Array(sheet.utf8))
                ) { r in (r.status, (try? JSONParser.parse(String(buffer: r.body))) ?? .null) }
            }
            let (status, body) = try await ordered("subdistrict=S&dry_run=true&lang=en")
            #expect(status == .ok)
            #expect(
                keys(body) == [
                    "id", "dry_run", "applied", "rows", "subdistrict", "communities", "compounds", "buildings",
                    "entrances", "households", "residents", "error_count", "errors", "reading", "reading_summary",
                ])
            #expect(keys(body["households"]) == ["created", "updated", "unchanged"])
            #expect(
                keys(body["errors"]?.arrayItemsForTests.first) == [
                    "row", "column", "code", "message", "sheet", "values",
                ])
            #expect(body["errors"]?.arrayItemsForTests.first?["values"]?["value"]?.stringValue == "八十")
            #expect(body["errors"]?.arrayItemsForTests.first?["sheet"] == .null && body["error_count"]?.intValue == 1)
            #expect(body["errors"]?.arrayItemsForTests.first?["message"]?.stringValue?.contains("八十") == true)
            #expect(keys(body["reading"]) == ["format", "sheets", "skipped_sheets"])
            #expect(
                keys(body["reading"]?["sheets"]?.arrayItemsForTests.first)
                    == ["name", "header_row", "rows", "columns", "ignored_columns", "filled_down", "merged"])
            #expect(
                keys(body["reading"]?["sheets"]?.arrayItemsForTests.first?["filled_down"])
                    == ["community", "compound", "building", "entrance"])
            #expect(body["reading_summary"]?.arrayItemsForTests.isEmpty == false)
            let id = try #require(body["id"]?.intValue)
            let (_, zh) = try await ordered("subdistrict=S&dry_run=true")
            #expect(zh["errors"]?.arrayItemsForTests.first?["message"]?.stringValue?.hasPrefix("建筑面积") == true)
            let kept = try await client.execute(
                uri: "/api/v1/imports/\(id)", method: .get, headers: [.authorization: "Bearer \(token)"]
            ) { r in (try? JSONParser.parse(String(buffer: r.body))) ?? .null }
            #expect(keys(kept["report"]) == Array(keys(body).dropLast()))
            #expect(kept["report"]?["id"]?.intValue == id)
            let keptProblem = kept["report"]?["errors"]?.arrayItemsForTests.first
            #expect(keptProblem?["code"] == body["errors"]?.arrayItemsForTests.first?["code"])
            #expect(keptProblem?["message"]?.stringValue?.contains("八十") == true)
        }
    }

    @Test func acceptsGB18030AndXLSXAndExportsBothWays() async throws {
        try await TestApp.with { client, _ in
            let token = try await client.token("admin", TestApp.adminPassword)
            let gbk = try #require(Self.good.data(using: TextDecoding.gb18030))
            let (s1, r1) = try await Self.post(client, token, Array(gbk), query: "subdistrict=S")
            #expect(s1 == .created)
            #expect(r1["households"]?["created"]?.intValue == 3)
            let xlsx = try await client.execute(
                uri: "/api/v1/exports/registry?format=xlsx", method: .get,
                headers: [.authorization: "Bearer \(token)"]
            ) { Array($0.body.readableBytesView) }
            let table = try XLSX.read(xlsx)
            #expect(table.count == 4)
            #expect(table[0] == RegistrySheet.columns)
            #expect(table[1][8] == "85.6")
            let (s2, r2) = try await Self.post(
                client, token, xlsx, query: "dry_run=true",
                type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            #expect(s2 == .ok)
            #expect(r2["households"]?["unchanged"]?.intValue == 3)
            let csv = try await client.call(.get, "/api/v1/exports/registry?format=csv", token: token)
            #expect(csv.text.contains("幸福里社区,纺织厂家属院,建设路10号,1985,1号楼,1单元,102,1,70.50,李四,13900000000,是"))
        }
    }
}
