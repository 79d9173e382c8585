import CourtyardStore
import Foundation
import Hummingbird
import HummingbirdTesting
import SQLKit
import Testing

@testable import CourtyardServer

/// The hand-over (交接) on its page: the office fills in the checklist, and the community, the steward and the property
/// company each find it on their home page and sign it on their own account.
@Suite struct HandoverPageTests {
    /// The demo's hand-over that waits for signatures, with the zone served by the `property` account's company and a
    /// steward account for its compound.
    static func waiting(_ client: any TestClientProtocol, _ services: Services) async throws -> (
        project: Int64, zone: Int64
    ) {
        let project = try await SelectionTests.ints(
            services,
            """
            SELECT p.id FROM handovers h JOIN projects p ON p.id = h.project_id WHERE p.stage = 'accepted'
              AND (SELECT COUNT(*) FROM handover_signatures s WHERE s.project_id = p.id) < 4 ORDER BY p.id
            """)[0]
        let compound = try await SelectionTests.ints(
            services, "SELECT compound_id AS id FROM projects WHERE id = \(bind: project)")[0]
        let zone = try await SelectionTests.ints(
            services, "SELECT zone_id AS id FROM compounds WHERE id = \(bind: compound)")[
                0]
        let company = try await SelectionTests.ints(
            services, "SELECT scope_id AS id FROM users WHERE username = 'property'")[
                0]
        try await services.database.withConnection { db in
            try await db.raw("UPDATE zones SET property_company_id = \(bind: company) WHERE id = \(bind: zone)").run()
        }
        let admin = try await client.token("admin", TestApp.adminPassword)
        let made = try await client.call(
            .post, "/api/v1/users", token: admin,
            body:
                #"{"username":"ho-louzhang","password":"hand-over-2026","role":"steward","scope":"compound:\#(compound)"}"#
        )
        #expect(made.status == .created, "\(made.text)")
        return (project, zone)
    }

    static func signatures(_ services: Services, _ project: Int64) async throws -> Int64 {
        try await SelectionTests.ints(
            services, "SELECT COUNT(*) AS n FROM handover_signatures WHERE project_id = \(bind: project)", "n")[0]
    }

    /// The demo's waiting hand-over has a steward account in its compound, who finds it at home and may sign it.
    @Test func theDemosWaitingHandoverHasAStewardWhoFindsItAtHome() async throws {
        try await TestApp.with(demo: true) { client, services in
            let (cookie, _) = try await client.session("louzhang2")
            let (status, home, _) = try await PageTests.page(client, "/", cookie: cookie)
            #expect(status == .ok)
            #expect(home.contains("待我签字的交接") && home.contains("待业主代表（楼长）签字"))
            let project = try await SelectionTests.ints(
                services,
                """
                SELECT h.project_id AS id FROM handovers h JOIN projects p ON p.id = h.project_id
                WHERE p.stage = 'accepted'
                  AND (SELECT COUNT(*) FROM handover_signatures s WHERE s.project_id = p.id) < 4 ORDER BY h.project_id
                """)[0]
            let (_, page, _) = try await PageTests.page(client, "/projects/\(project)/handover", cookie: cookie)
            #expect(page.contains("以业主代表（楼长）身份签字"))
            // The project page says what the hand-over still lacks above its step into 移交管理; before, it offered
            // the step and refused it only after a file was chosen and sent.
            let office = try await client.session("office")
            let (_, projectPage, _) = try await PageTests.page(client, "/projects/\(project)", cookie: office.cookie)
            #expect(projectPage.contains("移交前还缺：社区签字、业主代表签字、物业服务企业签字"))
        }
    }

    @Test func eachPartyFindsTheHandoverAtHomeAndSignsItOnItsPage() async throws {
        try await TestApp.with(demo: true) { client, services in
            let (project, zone) = try await Self.waiting(client, services)
            let office = try await CoordinationPageTests.office(client)
            let page = "/projects/\(project)/handover"
            // The zone's page and the project's page lead to it.
            #expect(try await office.get("/zones/\(zone)").1.contains(#"href="\#(page)""#))
            #expect(try await office.get("/projects/\(project)").1.contains(#"href="\#(page)""#))
            let seen = try await office.get(page)
            #expect(seen.0 == .ok)
            #expect(seen.1.contains("移交前还缺：社区签字、业主代表签字、物业服务企业签字"), "\(seen.1)")
            #expect(seen.1.contains("3号楼北侧外墙一处渗水") && seen.1.contains("消防控制柜钥匙"))
            #expect(seen.1.contains("您这一方已经在这一版清单上签字。") && seen.1.contains("这份清单已有 1 方签字"))
            #expect(!seen.1.contains("以街道办事处身份签字"))

            // The property company: listed on its home page, signs there, and has no form for the checklist.
            let (cookie, csrf) = try await client.session("property")
            let property = CoordinationPageTests.Browser(client: client, cookie: cookie, csrf: csrf)
            #expect(try await property.get("/").1.contains("待我签字的交接"))
            #expect(try await property.get("/").1.contains(#"href="\#(page)""#))
            let theirs = try await property.get(page)
            #expect(theirs.0 == .ok && theirs.1.contains("以物业服务企业身份签字"))
            #expect(theirs.1.contains(#"<a href="/property-company" aria-current="page">"#), "a tab says where it is")
            #expect(!theirs.1.contains("保存交接清单") && !theirs.1.contains(#"href="/projects/\#(project)""#))
            // Signing confirms the checklist: without the box that says it was read, nothing is signed.
            let unticked = try await property.post(page + "/sign", [("version", "1")])
            #expect(unticked.0 == .unprocessableContent && unticked.2.contains("请先勾选上面的核对确认，再签字"))
            #expect(unticked.2.contains(#"aria-describedby="sign-error""#))
            #expect(try await Self.signatures(services, project) == 1)
            let signed = try await property.post(page + "/sign", [("version", "1"), ("confirm", "1")])
            #expect(signed.0 == .seeOther && signed.1 == page + "?saved=signed#saved")
            let after = try await property.get(page + "?saved=signed")
            #expect(after.1.contains("已签字。") && after.1.contains("您这一方已经在这一版清单上签字。"))
            #expect(!(try await property.get("/").1.contains(#"href="\#(page)""#)))

            // The steward signs for the owners; then all four have signed.
            let (sc, scsrf) = try await client.session("ho-louzhang", "hand-over-2026")
            let steward = CoordinationPageTests.Browser(client: client, cookie: sc, csrf: scsrf)
            #expect(try await steward.get("/").1.contains(#"href="\#(page)""#))
            #expect(try await steward.post(page + "/sign", [("version", "1"), ("confirm", "1")]).0 == .seeOther)
            // The demo community account works in this compound's community.
            let (cc0, ccsrf0) = try await client.session("community")
            let community = CoordinationPageTests.Browser(client: client, cookie: cc0, csrf: ccsrf0)
            #expect(try await community.get("/").1.contains(#"href="\#(page)""#))
            #expect(try await community.post(page + "/sign", [("version", "1"), ("confirm", "1")]).0 == .seeOther)
            #expect(try await office.get(page).1.contains("四方已在当前清单上签字"))
            #expect(try await Self.signatures(services, project) == 4)

            // A contractor reads the project but is not a party: it cannot sign.
            let (cc, ccsrf) = try await client.session("contractor")
            let contractor = CoordinationPageTests.Browser(client: client, cookie: cc, csrf: ccsrf)
            #expect(try await contractor.post(page + "/sign", [("version", "1"), ("confirm", "1")]).0 == .forbidden)
            #expect(try await Self.signatures(services, project) == 4)
        }
    }

    @Test func aDocumentsFileIsUploadedOnThePageAndEveryPartyCanOpenIt() async throws {
        try await TestApp.with(demo: true) { client, services in
            let (project, _) = try await Self.waiting(client, services)
            let (cookie, csrf) = try await client.session("office")
            let page = "/projects/\(project)/handover"
            func upload(_ document: String, _ file: [UInt8]) async throws -> (HTTPResponse.Status, String) {
                let boundary = "HoV3r"
                var body = ""
                for (k, v) in [("_csrf", csrf), ("document", document)] {
                    body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(k)\"\r\n\r\n\(v)\r\n"
                }
                body +=
                    "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"竣工图.pdf\"\r\n"
                    + "Content-Type: application/pdf\r\n\r\n"
                return try await client.execute(
                    uri: page + "/file", method: .post,
                    headers: [.cookie: cookie, .contentType: "multipart/form-data; boundary=\(boundary)"],
                    body: ByteBuffer(bytes: Array(body.utf8) + file + Array("\r\n--\(boundary)--\r\n".utf8))
                ) { ($0.status, $0.headers[.location] ?? String(buffer: $0.body)) }
            }
            let attachments = try await SelectionTests.count(services, "attachments")
            let wrong = try await upload("99", ProjectTests.pdf)
            #expect(wrong.0 == .unprocessableContent && wrong.1.contains("请选择要上传文件的资料。"))
            #expect(try await SelectionTests.count(services, "attachments") == attachments)
            let done = try await upload("0", ProjectTests.pdf)
            #expect(done.0 == .seeOther && done.1 == page + "?saved=file#saved", "\(done.1)")
            let office = CoordinationPageTests.Browser(client: client, cookie: cookie, csrf: csrf)
            let seen = try await office.get(page)
            let file = try #require(seen.1.firstMatch(of: #/href="(/api/v1/attachments/\d+)"/#)?.output.1)
            #expect(seen.1.contains("打开文件") && seen.1.contains("（已有文件，上传将替换）"))
            // The property company, which signs for what it receives, opens it; a steward elsewhere does not.
            let (pc, _) = try await client.session("property")
            let opened = try await client.execute(uri: String(file), method: .get, headers: [.cookie: pc]) {
                ($0.status, $0.headers[.contentDisposition] ?? "")
            }
            #expect(opened.0 == .ok)
            // It keeps its name, Chinese and all, when saved from the browser.
            #expect(opened.1 == #"inline; filename="attachment.pdf"; filename*=UTF-8''%E7%AB%A3%E5%B7%A5%E5%9B%BE.pdf"#)
            let (sc, _) = try await client.session("steward")
            let stranger = try await client.execute(uri: String(file), method: .get, headers: [.cookie: sc]) {
                $0.status
            }
            #expect(stranger == .notFound)
            // A file uploaded for something else (a contractor's site photo) cannot be named as a document here:
            // it would open to every party of the hand-over.
            let theirs = try await client.upload(
                ProjectTests.pdf, filename: "site.pdf", token: try await client.token("contractor"))
            let borrowed = try #require(theirs.json["id"]?.intValue)
            let named = try await client.call(
                .put, "/api/v1/projects/\(project)/handover", token: try await client.token("office"),
                body: #"""
                    {"facilities":[],"documents":[{"kind":"other","name":"照片","attachment_id":\#(borrowed)}],
                     "keys":[],"defects":[],"warranty_until":"2030-12-31"}
                    """#)
            #expect(named.status == .unprocessableContent, "\(named.text)")
            #expect(named.json["error"]?["field"]?.stringValue == "documents[0].attachment_id")
        }
    }

    @Test func aRefusedChecklistNamesItsRowsKeepsWhatWasTypedAndVoidsNothing() async throws {
        try await TestApp.with(demo: true) { client, services in
            let (project, _) = try await Self.waiting(client, services)
            let office = try await CoordinationPageTests.office(client)
            let page = "/projects/\(project)/handover"
            let before = try await Self.signatures(services, project)
            #expect(before == 1)
            let rows: [(String, String)] = [
                ("facility_name", "路灯"), ("facility_quantity", "14"), ("facility_condition", "good"),
                ("facility_name", "健身器材"), ("facility_quantity", "abc"), ("facility_condition", "fair"),
                ("facility_name", ""), ("facility_quantity", ""), ("facility_condition", "good"),
                ("document_kind", "warranty"), ("document_name", "工程质量保修书"), ("document_attachment", ""),
                ("key_name", "配电室钥匙"), ("key_quantity", "2"),
                ("defect_description", "屋面渗水"), ("defect_due_on", "2099-01-01"), ("defect_state", "open"),
                ("warranty_until", "2030-12-31"),
            ]
            let refused = try await office.post(page, rows)
            #expect(refused.0 == .unprocessableContent)
            #expect(refused.2.contains("设施设备第 2 行：数量请填 0 到 1000000 之间的整数。"), "\(refused.2)")
            #expect(refused.2.contains("遗留问题第 1 行：未整改的问题，整改期限须在保修期内（至 2030-12-31）。"))
            #expect(refused.2.contains(#"value="abc""#) && refused.2.contains(#"value="2099-01-01""#))
            #expect(refused.2.contains(#"<details id="checklist-form" open>"#))
            #expect(try await Self.signatures(services, project) == before)

            var fixed = rows
            fixed[4] = ("facility_quantity", "3")
            fixed[15] = ("defect_due_on", "2027-06-30")
            let saved = try await office.post(page, fixed)
            #expect(saved.0 == .seeOther && saved.1 == page + "?saved=checklist#saved")
            // The change voids the signatures given on the earlier version; every party signs version 2.
            #expect(try await Self.signatures(services, project) == 0)
            let now = try await office.get(page + "?saved=checklist")
            #expect(now.1.contains("交接清单已保存。") && now.1.contains("交接清单第 2 版"))
            #expect(now.1.contains("健身器材") && !now.1.contains("单元门禁"))
            #expect(now.1.contains("以街道办事处身份签字"))
            // The audit log says what changed in the checklist, by its lists' names.
            let audit = try await office.get("/audit").1
            #expect(audit.contains("设施设备") && audit.contains("保修期至"), "\(audit)")
            // What changed, as the lists read, and whose hand-over it was: the compound, not a number.
            #expect(audit.contains("路灯 14（完好）、健身器材 3（一般）"))
            let compound = try await services.database.withConnection { db in
                try await db.raw(
                    "SELECT c.name FROM projects p JOIN compounds c ON c.id = p.compound_id WHERE p.id = \(bind: project)"
                ).first()!.decode(column: "name", as: String.self)
            }
            #expect(audit.contains("交接 \(compound)<"), "\(compound)")

            // The property company read version 2; the office changes it again before they sign: their signature
            // would land on a checklist they never saw, so it is refused and they are shown the new one.
            var again = fixed
            again[13] = ("key_quantity", "3")
            #expect(try await office.post(page, again).0 == .seeOther)
            let (pc, pcsrf) = try await client.session("property")
            let property = CoordinationPageTests.Browser(client: client, cookie: pc, csrf: pcsrf)
            let stale = try await property.post(page + "/sign", [("version", "2"), ("confirm", "1")])
            #expect(stale.0 == .conflict && stale.2.contains("交接清单在您阅读之后又有人修改过了"))
            // It names the part that changed (the keys), so the company checks that, not every table again.
            #expect(stale.2.contains("改动的部分：钥匙。"), "\(stale.2)")
            #expect(try await Self.signatures(services, project) == 0)

            // A form opened on version 3 does not overwrite version 4 saved meanwhile from another screen.
            var older = again
            older.append(("version", "3"))
            let newer = again.map { $0.0 == "key_quantity" ? ($0.0, "9") : $0 } + [("version", "3")]
            #expect(try await office.post(page, newer).0 == .seeOther)
            let lost = try await office.post(page, older)
            #expect(lost.0 == .conflict && lost.2.contains("交接清单在您阅读之后又有人修改过了"))
            // The community signs what the office wrote; it does not rewrite it.
            let (cc, ccsrf) = try await client.session("community")
            let community = CoordinationPageTests.Browser(client: client, cookie: cc, csrf: ccsrf)
            #expect(try await community.post(page, fixed).0 == .forbidden)
            #expect(!(try await community.get(page).1.contains("保存交接清单")))

            // Two thousand rows: refused at once, and the page shows no more rows than a list may hold.
            let flood = (0..<2000).flatMap { [("facility_name", "灯\($0)"), ("facility_quantity", "1")] }
            let drowned = try await office.post(page, flood + [("warranty_until", "2030-12-31")])
            #expect(drowned.0 == .unprocessableContent && drowned.2.contains("设施设备最多 500 行。"))
            #expect(drowned.2.components(separatedBy: #"name="facility_name""#).count - 1 == 503)

            // Clearing every row by mistake does not wipe the checklist.
            let empty = try await office.post(
                page, [("facility_name", ""), ("facility_quantity", ""), ("warranty_until", "")])
            #expect(empty.0 == .unprocessableContent)
            #expect(empty.2.contains("清单是空的") && empty.2.contains("请填写保修期至哪一天。"))
            #expect(try await office.get(page).1.contains("健身器材"))
        }
    }
}

/// A stored file's name in its `Content-Disposition`: kept, never able to break the header.
@Suite struct ContentDispositionTests {
    @Test func aNameIsKeptAndCannotBreakTheHeader() {
        #expect(ContentDisposition.inline(filename: "plan.pdf") == #"inline; filename="plan.pdf""#)
        #expect(
            ContentDisposition.inline(filename: "竣工 图.PDF")
                == #"inline; filename="attachment.PDF"; filename*=UTF-8''%E7%AB%A3%E5%B7%A5%20%E5%9B%BE.PDF"#)
        // A line end or a quote would end the header or the name; a path is not a name.
        let hostile = ContentDisposition.inline(filename: "../../x\r\nSet-Cookie: a=\"b\".pdf")
        #expect(!hostile.contains("\r") && !hostile.contains("\n") && hostile.hasPrefix(#"inline; filename="x"#))
        #expect(hostile.filter { $0 == "\"" }.count == 2)
        #expect(ContentDisposition.inline(filename: "") == #"inline; filename="attachment""#)
    }
}
