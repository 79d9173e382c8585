import CourtyardDomain
import CourtyardServer
import CourtyardStore
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@Suite struct PublicPageTests {
    @Test func anyoneSeesTheCompoundWithoutPersonalDataAndCanReportAProblem() async throws {
        try await TestApp.with(demo: true) { client, services in
            let compound = try await services.registry.list(.compounds, query: ListQuery(limit: 1), actor: .system)
                .items[0].id
            let owner = try await services.registry.list(.residents, query: ListQuery(limit: 1), actor: .system).items[
                0]
            let (status, page) = try await client.execute(uri: "/public/compounds/\(compound)", method: .get) {
                ($0.status, String(buffer: $0.body))
            }
            #expect(status == .ok)
            #expect(page.contains("选聘物业服务企业"))  // the demo's closed vote
            // Its figures say what each counts: owners, and floor area, that took part and that approved.
            #expect(page.contains("人（共 ") && page.contains("同意的专有面积 ") && page.contains("（参与表决的 "))
            #expect(!page.contains(owner["phone"]!.stringValue!))
            #expect(!page.contains(owner["name"]!.stringValue!))
            func send(_ form: String) async throws -> (HTTPResponse.Status, String) {
                let (status, body, location) = try await client.execute(
                    uri: "/public/compounds/\(compound)/reports", method: .post,
                    headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: form)
                ) { ($0.status, String(buffer: $0.body), $0.headers[.location]) }
                guard status == .seeOther, let location else { return (status, body) }
                return try await client.execute(uri: location, method: .get) { (status, String(buffer: $0.body)) }
            }
            let secret = "%E6%A5%BC%E9%81%93%E7%81%AF%E5%9D%8F%E4%BA%86"  // 楼道灯坏了
            let (made, thanks) = try await send(
                "category=power_lighting&description=\(secret)&name=%E8%B5%B5%E5%A4%A7%E5%A6%88&phone=13512345678")
            #expect(made == .seeOther)
            #expect(thanks.contains("已收到"))
            // The code's page shows what was written, to tell two reports apart, never who wrote it.
            #expect(!thanks.contains("13512345678") && !thanks.contains("赵大妈") && thanks.contains("楼道灯坏了"))
            #expect(thanks.contains("供电照明"))
            let office = try await client.token("office")
            let reports = try await client.call(.get, "/api/v1/reports?compound_id=\(compound)", token: office)
            #expect(reports.json.items.first?["reporter_phone"]?.stringValue == "13512345678")
            #expect(reports.json.items.first?["description"]?.stringValue == "楼道灯坏了")
            let (bad, _) = try await send("category=ufo&description=x")
            #expect(bad == .unprocessableContent)
            // A building that is no number is refused, not filed as a report with no building.
            let (noBuilding, said) = try await send("category=other&description=y&building_id=abc")
            #expect(noBuilding == .unprocessableContent && said.contains("所选楼栋不属于这个小区"))
            // Five reports in ten minutes from one address, then a pause.
            var last = (HTTPResponse.Status.ok, "")
            // (Five different ones: the same report sent again is the one already filed, and takes none of the five.)
            for i in 0..<5 { last = try await send("category=other&description=x\(i)") }
            #expect(last.0 == .tooManyRequests)
            // Said once, as it is: not also as a form with fields to correct.
            #expect(last.1.contains("提交过于频繁") && !last.1.contains("请按表单中标出的提示"))
            // The last one allowed, sent again (a reload after its receipt): its code, not "too many".
            let (again, location) = try await client.execute(
                uri: "/public/compounds/\(compound)/reports", method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "category=other&description=x3")
            ) { ($0.status, $0.headers[.location] ?? "") }
            #expect(again == .seeOther && location.contains("again=1"), "\(again)")
            let (missing, gone) = try await client.execute(uri: "/public/compounds/999999", method: .get) {
                ($0.status, String(buffer: $0.body))
            }
            // Said to a resident, not in the staff's words about scope.
            #expect(missing == .notFound && gone.contains("找不到这个页面") && !gone.contains("管辖范围"))
        }
    }
}
