import CourtyardDomain
import CourtyardServer
import CourtyardStore
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// GeoReport v2 as the specification defines it: discovery, services, keyed POST, requests by status and id, errors as lists, JSON and XML.
@Suite struct Open311Tests {
    static func wellFormed(_ xml: String) -> Bool { XMLParser(data: Data(xml.utf8)).parse() }

    @Test func servicesRequestsAndErrorsInJSONAndXML() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.token("office")
            let discovery = try await client.call(.get, "/open311/discovery.json", token: nil)
            #expect(
                discovery.json["endpoints"]?.arrayItemsForTests.first?["specification"]?.stringValue
                    == "http://wiki.open311.org/GeoReport_v2")
            // Its endpoint's address is the one asked at: a shared cache keeps one copy per address.
            #expect(discovery.headers[.vary] == "Host")
            let list = try await client.call(.get, "/open311/v2/services.json", token: nil)
            guard case .array(let servicesList) = list.json else {
                Issue.record("services is not a list")
                return
            }
            #expect(servicesList.count == ReportCategory.allCases.count)
            for s in servicesList {
                #expect(
                    s["service_code"] != nil && s["service_name"] != nil && s["metadata"] == .bool(false)
                        && s["type"]?.stringValue == "realtime")
            }
            let xml = try await client.execute(uri: "/open311/v2/services.xml", method: .get) { r in
                (r.headers[.contentType], String(buffer: r.body))
            }
            #expect(
                xml.0?.hasPrefix("text/xml") == true && Self.wellFormed(xml.1)
                    && xml.1.contains("<services><service><service_code>"))

            // Filing needs a key; the key is shown once.
            let key = try await client.call(.post, "/api/v1/open311/keys", token: office, body: #"{"name":"市民热线"}"#)
            #expect(key.status == .created)
            let apiKey = key.json["api_key"]!.stringValue!
            let compound = try await services.registry.list(.compounds, query: ListQuery(limit: 1), actor: .system)
                .items[0].id
            func post(_ form: String, _ ext: String = "json") async throws -> (HTTPResponse.Status, String) {
                try await client.execute(
                    uri: "/open311/v2/requests.\(ext)", method: .post,
                    headers: [.contentType: "application/x-www-form-urlencoded"],
                    body: ByteBuffer(string: form)
                ) { r in (r.status, String(buffer: r.body)) }
            }
            let noKey = try await post("service_code=safety&address_id=\(compound)&description=x")
            #expect(
                noKey.0 == .forbidden && JSONValue.parse(noKey.1)?.arrayItemsForTests.first?["code"]?.intValue == 403)
            let noPlace = try await post("api_key=\(apiKey)&service_code=safety&lat=34.7&long=113.6&description=x")
            #expect(
                noPlace.0 == .badRequest && JSONValue.parse(noPlace.1)?.arrayItemsForTests.first?["description"] != nil)
            let badCode = try await post(
                "api_key=\(apiKey)&service_code=pothole&address_id=\(compound)&description=x", "xml")
            #expect(
                badCode.0 == .badRequest && badCode.1.contains("<errors><error><code>400</code>")
                    && Self.wellFormed(badCode.1))
            let filed = try await post(
                "api_key=\(apiKey)&service_code=water_drainage&address_id=\(compound)&description=%E4%B8%8B%E6%B0%B4%E7%AE%A1%E5%A0%B5%E4%BA%86%EF%BC%8C13900001111&first_name=%E5%BB%BA%E5%9B%BD&last_name=%E7%8E%8B&phone=13912345678"
            )
            #expect(filed.0 == .created)
            guard let id = JSONValue.parse(filed.1)?.arrayItemsForTests.first?["service_request_id"]?.stringValue else {
                Issue.record("no id")
                return
            }

            // Reading: the request is open, its place and code are given, never who filed it; the text only with a key.
            let one = try await client.call(.get, "/open311/v2/requests/\(id).json", token: nil)
            let r = one.json.arrayItemsForTests.first
            #expect(
                r?["status"]?.stringValue == "open" && r?["service_code"]?.stringValue == "water_drainage"
                    && r?["address_id"]?.stringValue == String(compound))
            #expect(
                r?["description"]?.stringValue == "" && !one.text.contains("13912345678") && !one.text.contains("王"))
            // Not yet assigned, it is the sub-district's office that answers for it, by that office's name.
            let office311 = try #require(r?["agency_responsible"]?.stringValue)
            #expect(office311.hasSuffix("街道办事处") && office311.count > "街道办事处".count, "\(office311)")
            let keyed = try await client.call(.get, "/open311/v2/requests/\(id).json?api_key=\(apiKey)", token: nil)
            // A phone typed into the text is masked even for a keyed client.
            #expect(keyed.json.arrayItemsForTests.first?["description"]?.stringValue == "下水管堵了，139****1111")
            // The office sees the same report, with the reporter.
            let report = try await client.call(.get, "/api/v1/reports/\(id)", token: office)
            #expect(
                report.json["reporter_phone"]?.stringValue == "13912345678"
                    && report.json["category"]?.stringValue == "water_drainage")
            _ = try await client.call(
                .post, "/api/v1/reports/\(id)/transitions", token: office, body: #"{"to":"rejected","note":"重复"}"#)
            let closed = try await client.call(
                .get, "/open311/v2/requests.json?status=closed&service_code=water_drainage", token: nil)
            #expect(
                closed.json.arrayItemsForTests.contains {
                    $0["service_request_id"]?.stringValue == id && $0["status"]?.stringValue == "closed"
                })
            // Dates are read as times, whatever their offset, and a day alone as that whole day in China.
            let today = Clock.today
            for query in [
                "end_date=\(today)", "start_date=\(today)", "start_date=\(today)T00:00:00%2B08:00",
                "start_date=\(today.adding(days: -1))T16:00:00Z",
            ] {
                let found = try await client.call(.get, "/open311/v2/requests.json?\(query)", token: nil)
                #expect(
                    found.json.arrayItemsForTests.contains { $0["service_request_id"]?.stringValue == id }, "\(query)")
            }
            let tomorrow = try await client.call(
                .get, "/open311/v2/requests.json?start_date=\(today.adding(days: 1))", token: nil)
            #expect(!tomorrow.json.arrayItemsForTests.contains { $0["service_request_id"]?.stringValue == id })
            let garbage = try await client.call(.get, "/open311/v2/requests.json?start_date=garbage", token: nil)
            #expect(garbage.status == .badRequest && garbage.json.arrayItemsForTests.first?["code"]?.intValue == 400)
            let open = try await client.call(.get, "/open311/v2/requests.json?status=open", token: nil)
            #expect(!open.json.arrayItemsForTests.contains { $0["service_request_id"]?.stringValue == id })
            let many = try await client.call(
                .get, "/open311/v2/requests.json?service_request_id=\(id),999999", token: nil)
            #expect(many.json.arrayCount == 1)
            let xmlOne = try await client.execute(uri: "/open311/v2/requests/\(id).xml", method: .get) {
                String(buffer: $0.body)
            }
            #expect(
                Self.wellFormed(xmlOne)
                    && xmlOne.contains(
                        "<service_requests><request><service_request_id>\(id)</service_request_id><status>closed</status>"
                    ))
            let missing = try await client.execute(uri: "/open311/v2/requests/999999.xml", method: .get) { r in
                (r.status, String(buffer: r.body))
            }
            #expect(missing.0 == .notFound && missing.1.contains("<errors>"))
            #expect(
                try await client.call(.get, "/open311/v2/requests.json?status=pending", token: nil).status
                    == .badRequest)
        }
    }
}
