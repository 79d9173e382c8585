import CourtyardDomain
import CourtyardSheets
import CourtyardStore
import Foundation
import Hummingbird

/// Open311 GeoReport v2: supervision reports as service requests, in JSON and XML.
/// Reading needs no key; filing needs an `api_key` from `POST /api/v1/open311/keys`.
enum Open311Routes {
    enum Format: String { case json, xml }

    struct Failure: Error {
        var status: HTTPResponse.Status
        var code: Int
        var description: String
    }

    static func add(to router: Router<AppContext>, services: Services) {
        let limiter = RateLimiter("open311.file", limit: 60, window: 60)
        for format in [Format.json, .xml] {
            router.get("open311/discovery.\(format.rawValue)") { request, _ -> Response in
                // Its link carries the address asked at: a shared cache keeps one copy per address.
                var response = render(
                    format, root: "discovery", item: nil, value: discovery(request, services: services))
                response.headers[.vary] = "Host"
                return response
            }
            router.get("open311/v2/services.\(format.rawValue)") { _, _ -> Response in
                render(format, root: "services", item: "service", value: .array(serviceList))
            }
            router.get("open311/v2/requests.\(format.rawValue)") { request, _ -> Response in
                try await answer(format) {
                    let key = try await validKey(request.uri.queryParameters.get("api_key"), services)
                    let text = Open311Repository.TextReach(key: key)
                    return try await list(request, services: services, text: text)
                }
            }
            router.post("open311/v2/requests.\(format.rawValue)") { request, context -> Response in
                try await answer(format, status: .created) {
                    guard try await limiter.allow(context.remoteHost, in: services.database) else {
                        throw Failure(status: .tooManyRequests, code: 429, description: "too many requests; slow down")
                    }
                    return try await file(request, context: context, services: services)
                }
            }
        }
        router.get("open311/v2/services/:file") { _, context -> Response in
            let (code, format) = try split(try context.parameters.require("file"))
            return try await answer(format) {
                guard ReportCategory(rawValue: code) != nil else {
                    throw Failure(status: .notFound, code: 404, description: "no service \(code)")
                }
                throw Failure(
                    status: .notFound, code: 404, description: "service \(code) has no attributes (metadata is false)")
            }
        }
        router.get("open311/v2/requests/:file") { request, context -> Response in
            let (id, format) = try split(try context.parameters.require("file"))
            return try await answer(format) {
                guard let n = Int64(id) else {
                    throw Failure(status: .notFound, code: 404, description: "no request \(id)")
                }
                let key = try await validKey(request.uri.queryParameters.get("api_key"), services)
                let text = Open311Repository.TextReach(key: key)
                let found = try await requests(services: services, ids: [n], filters: nil, text: text)
                guard !found.isEmpty else {
                    throw Failure(status: .notFound, code: 404, description: "no request \(id)")
                }
                return try JSONValueCoding.encode(found)
            }
        }
    }

    static func split(_ file: String) throws -> (String, Format) {
        guard let dot = file.lastIndex(of: "."), let f = Format(rawValue: String(file[file.index(after: dot)...]))
        else {
            throw AppError.notFound
        }
        return (String(file[..<dot]), f)
    }

    static func discovery(_ request: Request, services: Services) -> JSONValue {
        let base = services.publicLink("/open311/v2", request: request)
        return .object([
            ("changeset", .string("2026-11-25T00:00:00Z")),
            ("contact", .string("街道改造专班 / the sub-district renovation task force")),
            ("key_service", .string("POST /api/v1/open311/keys with an officer's account")),
            (
                "endpoints",
                .array([
                    .object([
                        ("specification", .string("http://wiki.open311.org/GeoReport_v2")),
                        ("url", .string(base)), ("changeset", .string("2026-11-25T00:00:00Z")),
                        ("type", .string("production")),
                        ("formats", .array([.string("application/json"), .string("text/xml")])),
                    ])
                ])
            ),
        ])
    }

    static let serviceNames: [ReportCategory: String] = [
        .safety: "施工安全 Site safety", .noiseDust: "噪音扬尘 Noise and dust", .waterDrainage: "供排水 Water and drainage",
        .powerLighting: "供电照明 Power and lighting", .gasHeating: "燃气供热 Gas and heating",
        .roadsPaving: "道路铺装 Roads and paving",
        .greening: "绿化 Greening", .accessParking: "出行停车 Access and parking", .workQuality: "施工质量 Quality of work",
        .other: "其他 Other",
    ]

    static var serviceList: [JSONValue] {
        ReportCategory.allCases.map { c in
            .object([
                ("service_code", .string(c.rawValue)), ("service_name", .string(serviceNames[c] ?? c.rawValue)),
                ("description", .string("A problem during the renovation works: \(serviceNames[c] ?? c.rawValue)")),
                ("metadata", .bool(false)), ("type", .string("realtime")),
                ("keywords", .string(c.rawValue.replacingOccurrences(of: "_", with: ","))),
                ("group", .string("renovation")),
            ])
        }
    }

    static func validKey(_ key: String?, _ services: Services) async throws -> (name: String, subdistrictId: Int64?)? {
        guard let key, !key.isEmpty else { return nil }
        return try await IntegrationRepository(database: services.database).open311Client(key: key)
    }

    /// A keyed POST: the location is the compound, by `address_id` (its id) or `address_string` (its name or address).
    static func file(_ request: Request, context: AppContext, services: Services) async throws -> JSONValue {
        let params = try await formParameters(request, context: context)
        guard let client = try await validKey(params["api_key"], services) else {
            throw Failure(status: .forbidden, code: 403, description: "api_key is missing or not valid")
        }
        guard let code = params["service_code"], let category = ReportCategory(rawValue: code) else {
            throw Failure(
                status: .badRequest, code: 400,
                description:
                    "service_code must be one of \(ReportCategory.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let compound = try await locate(params, subdistrictId: client.subdistrictId, services: services)
        let name = [params["last_name"], params["first_name"]].compactMap { $0 }.joined()
        let report = ReportRepository.NewReport(
            compoundId: compound, buildingId: nil, category: category, description: params["description"] ?? "",
            reporterName: name, reporterPhone: params["phone"] ?? "")
        let actor = Actor(userId: nil, username: "open311:\(client.name)", role: .viewer, scope: .global)
        do {
            let id = try await ReportRepository.filing(services.database).file(report, actor: actor, publicPage: true)
            return .array([
                .object([
                    ("service_request_id", .string(String(id))),
                    ("service_notice", .string("受理时限 1 个工作日 / acknowledged within 1 working day")),
                    ("account_id", .null),
                ])
            ])
        } catch let e as ValidationError {
            throw Failure(status: .badRequest, code: 400, description: "\(e.field ?? ""): \(e.message)")
        }
    }

    static func locate(_ p: [String: String], subdistrictId: Int64?, services: Services) async throws -> Int64 {
        let byId = p["address_id"].flatMap { Int64($0) }
        let text = TextNormalizer.clean(p["address_string"] ?? "")
        if byId == nil && text.isEmpty, let lat = p["lat"], let lon = p["long"] {
            return try await nearest(lat: lat, long: lon, subdistrictId: subdistrictId, services: services)
        }
        guard byId != nil || !text.isEmpty else {
            throw Failure(
                status: .badRequest, code: 400,
                description:
                    "give the location as address_id (the compound's id), address_string (its name or address) or lat and long"
            )
        }
        guard
            let id = try await Open311Repository(database: services.database).compound(
                id: byId, text: text, subdistrictId: subdistrictId)
        else {
            throw Failure(status: .badRequest, code: 400, description: "no compound matches that location")
        }
        return id
    }

    /// The compound nearest to a WGS-84 point (GeoReport's lat/long), within `placingRadius` metres.
    static let placingRadius = 300.0

    static func nearest(lat: String, long: String, subdistrictId: Int64?, services: Services) async throws -> Int64 {
        guard let la = GeoPoint.parseE7(lat), abs(la) <= 900_000_000, let lo = GeoPoint.parseE7(long),
            abs(lo) <= 1_800_000_000
        else {
            throw Failure(status: .badRequest, code: 400, description: "lat and long are WGS-84 degrees")
        }
        let places = try await ZoneRepository(database: services.database).located(subdistrictId: subdistrictId)
        guard
            let id = ChinaDatum.nearest(
                to: GeoPoint(latE7: la, lonE7: lo), among: places, within: placingRadius)
        else {
            throw Failure(
                status: .badRequest, code: 400,
                description:
                    "no compound lies within 300 m of lat/long; give address_id or address_string instead")
        }
        return id
    }

    static func list(_ request: Request, services: Services, text: Open311Repository.TextReach) async throws
        -> JSONValue
    {
        let q = request.uri.queryParameters
        var ids: [Int64]?
        if let list = q.get("service_request_id") {
            ids = list.split(separator: ",").compactMap { Int64($0.trimmingCharacters(in: .whitespaces)) }
        }
        if let s = q.get("status"), !["open", "closed"].contains(s) {
            throw Failure(status: .badRequest, code: 400, description: "status is open or closed")
        }
        if let c = q.get("service_code"), ReportCategory(rawValue: c) == nil {
            throw Failure(status: .badRequest, code: 400, description: "unknown service_code \(c)")
        }
        let filters = Open311Repository.Filters(
            serviceCode: q.get("service_code"), status: q.get("status"),
            start: try instant(q.get("start_date"), name: "start_date", endOfDay: false),
            end: try instant(q.get("end_date"), name: "end_date", endOfDay: true))
        return try JSONValueCoding.encode(
            try await requests(services: services, ids: ids, filters: filters, text: text))
    }

    /// A `start_date` or `end_date` as the store compares times (UTC text): a W3C date and time with any offset,
    /// or a day alone (China time), from its first second for a start to its last for an end. Anything else is a 400.
    static func instant(_ raw: String?, name: String, endOfDay: Bool) throws -> String? {
        guard let raw, !raw.isEmpty else { return nil }
        if let day = Day(raw) {
            let first = day.ordinal * 86400 - EventInstant.chinaOffset
            return EventInstant(seconds: first + (endOfDay ? 86399 : 0)).utcText
        }
        guard let at = EventInstant(parsing: raw) else {
            throw Failure(status: .badRequest, code: 400, description: "\(name) is a date and time (W3C format)")
        }
        return at.utcText
    }

    static func requests(
        services: Services, ids: [Int64]?, filters: Open311Repository.Filters?,
        text: Open311Repository.TextReach
    ) async throws -> [Open311Repository.ServiceRequest] {
        try await Open311Repository(database: services.database).requests(
            ids: ids, filters: filters, text: text,
            serviceNames: serviceNames)
    }

    static func formParameters(_ request: Request, context: AppContext) async throws -> [String: String] {
        if request.headers[.contentType]?.contains("json") == true {
            let body = try await JSONBody.object(request, context: context)
            return body.compactMapValues { $0 == .null ? nil : $0.cellText }
        }
        var fields = try await Pages.form(request, context, checkCSRF: false)
        for (k, v) in request.uri.queryParameters where fields[String(k)] == nil { fields[String(k)] = String(v) }
        return fields
    }

    /// Runs a handler and renders its value, or GeoReport's error list with the status.
    static func answer(_ format: Format, status: HTTPResponse.Status = .ok, _ body: () async throws -> JSONValue)
        async throws -> Response
    {
        do {
            return render(format, root: "service_requests", item: "request", value: try await body(), status: status)
        } catch let f as Failure {
            let errors = JSONValue.array([
                .object([("code", .int(Int64(f.code))), ("description", .string(f.description))])
            ])
            return render(format, root: "errors", item: "error", value: errors, status: f.status)
        } catch {
            guard let e = AppError.from(error) else { throw error }
            let errors = JSONValue.array([
                .object([("code", .int(Int64(e.status.code))), ("description", .string(e.message))])
            ])
            return render(format, root: "errors", item: "error", value: errors, status: e.status)
        }
    }

    static func render(
        _ format: Format, root: String, item: String?, value: JSONValue, status: HTTPResponse.Status = .ok
    ) -> Response {
        switch format {
        case .json:
            return JSONBody.response(value, status: status)
        case .xml:
            var s = "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
            xml(root, value, item: item, into: &s)
            return Response(
                status: status, headers: [.contentType: "text/xml; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: s)))
        }
    }

    /// GeoReport's XML: a list's entries each under `item`, an object's fields as elements.
    static func xml(_ tag: String, _ v: JSONValue, item: String?, into s: inout String) {
        s += "<\(tag)>"
        switch v {
        case .array(let a):
            for x in a { xml(item ?? "item", x, item: nil, into: &s) }
        case .object(let pairs):
            for (k, x) in pairs {
                if case .array(let inner) = x, k == "formats" || k == "endpoints" {
                    s += "<\(k)>"
                    for i in inner { xml(k == "formats" ? "format" : "endpoint", i, item: nil, into: &s) }
                    s += "</\(k)>"
                } else {
                    xml(k, x, item: nil, into: &s)
                }
            }
        case .null: break
        default: s += XLSX.escape(v.cellText)
        }
        s += "</\(tag)>"
    }
}
