import CourtyardDomain
import CourtyardSheets
import CourtyardStore
import Foundation
import Hummingbird

/// The registry's resources, all alike: list (with filters, cursor and CSV), read, create, update, delete.
enum RegistryRoutes {
    static func add(to api: RouterGroup<AppContext>, services: Services) {
        for spec in ResourceSpec.all + [ResourceSpec.subdistricts] { addResource(spec, to: api, services: services) }
        api.post("households/:id/residents") { request, context -> Response in
            let body = try await JSONBody.object(request, context: context)
            let rid = try body.requiredID("resident_id")
            let relationText = body["relation"].map { $0.stringValue ?? "" } ?? "owner"
            guard let relation = ResidentRelation(rawValue: relationText) else {
                throw AppError.unprocessable("invalid", "relation must be owner, co_owner or tenant", field: "relation")
            }
            var elsewhere = false
            if let v = body["lives_elsewhere"] {
                guard case .bool(let b) = v else {
                    throw AppError.unprocessable(
                        "invalid", "lives_elsewhere must be true or false", field: "lives_elsewhere")
                }
                elsewhere = b
            }
            let record = try await services.registry.link(
                householdId: try context.parameters.require("id", as: Int64.self),
                residentId: rid, relation: relation, livesElsewhere: elsewhere, actor: try context.actor())
            return JSONBody.response(record.json, etag: etag(record))
        }
        api.delete("households/:id/residents/:resident_id") { _, context -> Response in
            let record = try await services.registry.unlink(
                householdId: try context.parameters.require("id", as: Int64.self),
                residentId: try context.parameters.require("resident_id", as: Int64.self), actor: try context.actor())
            return JSONBody.response(record.json, etag: etag(record))
        }
    }

    static func etag(_ r: Record) -> String { "\"\(r.id)-\(r.version)\"" }

    /// The version an If-Match header names; nil when absent or `*`. One that is not an entity tag this server
    /// gives (`"id-version"`) is a 400, not a silent pass; another record's tag is a 412.
    static func expectedVersion(_ request: Request, id: Int64) throws -> Int? {
        guard var tag = request.headers[.ifMatch]?.trimmingCharacters(in: .whitespaces) else { return nil }
        if tag.isEmpty || tag == "*" { return nil }
        guard tag.range(of: OpenAPIDocument.entityTagPattern, options: .regularExpression) != nil else {
            throw AppError.badRequest(
                "invalid_if_match", "If-Match is an ETag this server gave, as \"id-version\"",
                field: "If-Match")
        }
        if tag.hasPrefix("W/") { tag.removeFirst(2) }
        let parts = tag.trimmingCharacters(in: CharacterSet(charactersIn: "\"")).split(separator: "-")
        guard parts.count == 2, let v = Int(parts[1]) else { throw AppError.stale }
        // Another record's tag matches no version of this one: a 412, once the body has been judged.
        return Int64(parts[0]) == id ? v : -1
    }

    static func listQuery(_ request: Request, spec: ResourceSpec) throws -> ListQuery {
        let params = request.uri.queryParameters
        var q = ListQuery()
        for (k, v) in params {
            let key = String(k)
            let value = String(v)
            switch key {
            case "limit":
                guard let n = Int(value), n >= 1, n <= 1000 else {
                    throw AppError.badRequest("invalid_limit", "limit must be 1 to 1000", field: "limit")
                }
                q.limit = n
            case "cursor":
                guard let c = Int64(value) else {
                    throw AppError.badRequest("invalid_cursor", "cursor is not one this server gave", field: "cursor")
                }
                q.cursor = c
            case "q": q.search = value
            case "format", "lang": continue
            default:
                guard spec.filters[key] != nil else {
                    throw AppError.badRequest("unknown_filter", "\(spec.name) cannot be filtered by \(key)", field: key)
                }
                q.filters[key] = value
            }
        }
        return q
    }

    static func addResource(_ spec: ResourceSpec, to api: RouterGroup<AppContext>, services: Services) {
        let path = RouterPath(stringLiteral: spec.name)
        let item = RouterPath(stringLiteral: spec.name + "/:id")
        api.get(path) { request, context -> Response in
            let actor = try context.require(spec.readCapability)
            let query = try listQuery(request, spec: spec)
            if request.uri.queryParameters.get("format") == "csv" {
                let records = try await services.registry.listAll(spec, query: query, actor: actor)
                return csvResponse(spec, records, filename: spec.name)
            }
            let page = try await services.registry.list(spec, query: query, actor: actor)
            return JSONBody.response(
                .object([
                    ("items", .array(page.items.map(\.json))),
                    ("next_cursor", page.next.map { .string(String($0)) } ?? .null),
                ]))
        }
        api.get(item) { request, context -> Response in
            let actor = try context.require(spec.readCapability)
            let record = try await services.registry.get(
                spec, id: try context.parameters.require("id", as: Int64.self), actor: actor)
            let tag = etag(record)
            if request.headers[.ifNoneMatch] == tag { return Response(status: .notModified, headers: [.eTag: tag]) }
            return JSONBody.response(record.json, etag: tag)
        }
        api.post(path) { request, context -> Response in
            let actor = try context.require(spec.writeCapability)
            let body = try await JSONBody.object(request, context: context)
            let record = try await services.registry.create(spec, input: body, actor: actor)
            var response = JSONBody.response(record.json, status: .created, etag: etag(record))
            response.headers[.location] = "/api/v1/\(spec.name)/\(record.id)"
            return response
        }
        api.patch(item) { request, context -> Response in
            let actor = try context.require(spec.writeCapability)
            let id = try context.parameters.require("id", as: Int64.self)
            let body = try await JSONBody.object(request, context: context)
            let record = try await services.registry.update(
                spec, id: id, input: body,
                expectedVersion: try expectedVersion(request, id: id), actor: actor)
            return JSONBody.response(record.json, etag: etag(record))
        }
        api.delete(item) { request, context -> Response in
            let actor = try context.require(spec.writeCapability)
            let id = try context.parameters.require("id", as: Int64.self)
            try await services.registry.delete(
                spec, id: id, expectedVersion: try expectedVersion(request, id: id), actor: actor)
            return Response(status: .noContent)
        }
    }

    /// A list as CSV: the JSON fields as columns, nested lists left out.
    static func csvResponse(_ spec: ResourceSpec, _ records: [Record], filename: String) -> Response {
        ListCSV.response(
            columns: ["id"] + spec.fields.map(\.name) + ["version"], items: records.map(\.json), filename: filename)
    }
}
