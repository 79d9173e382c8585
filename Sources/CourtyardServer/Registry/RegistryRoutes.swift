import CourtyardDomain
import CourtyardSheets
import CourtyardStore
import Foundation
import Hummingbird

/// The registry's resources, all alike and all described by their `ResourceSpec`: list (with filters, cursor and
/// CSV), read, create, update, delete; and a household's ties to its residents.
enum RegistryRoutes {
    static func add(to api: RouterGroup<AppContext>, services: Services) {
        for spec in ResourceSpec.all + [ResourceSpec.subdistricts] {
            RegistryResourceController(spec: spec, services: services).register(on: api)
        }
        HouseholdResidentsController(services: services).register(on: api)
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

    /// A list as CSV: the JSON fields as columns, nested lists left out.
    static func csvResponse(_ spec: ResourceSpec, _ records: [Record], filename: String) -> Response {
        ListCSV.response(
            columns: ["id"] + spec.fields.map(\.name) + ["version"], items: records.map(\.json), filename: filename)
    }

    /// A record as the API shows it, with its entity tag.
    static func response(_ record: Record, status: HTTPResponse.Status = .ok) -> Response {
        JSONBody.response(record.json, status: status, etag: etag(record))
    }
}

/// One registry resource's five routes; its fields, filters, scope and capabilities come from its spec.
struct RegistryResourceController {
    let spec: ResourceSpec
    let services: Services

    func register(on api: RouterGroup<AppContext>) {
        let path = RouterPath(stringLiteral: spec.name)
        let item = RouterPath(stringLiteral: spec.name + "/:id")
        api.get(path, use: list)
        api.get(item, use: read)
        api.post(path, use: create)
        api.patch(item, use: update)
        api.delete(item, use: delete)
    }

    @Sendable func list(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(spec.readCapability)
        let query = try RegistryRoutes.listQuery(request, spec: spec)
        if spec.name == "compounds", request.uri.queryParameters.get("format") == "geojson" {
            return try await geoJSON(actor)
        }
        if ListCSV.wanted(request) {
            let records = try await services.registry.listAll(spec, query: query, actor: actor)
            return RegistryRoutes.csvResponse(spec, records, filename: spec.name)
        }
        let page = try await services.registry.list(spec, query: query, actor: actor)
        return JSONBody.response(
            .object([
                ("items", .array(page.items.map(\.json))),
                ("next_cursor", page.next.map { .string(String($0)) } ?? .null),
            ]))
    }

    @Sendable func read(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(spec.readCapability)
        let record = try await services.registry.get(
            spec, id: try context.parameters.require("id", as: Int64.self), actor: actor)
        let tag = RegistryRoutes.etag(record)
        if request.headers[.ifNoneMatch] == tag { return Response(status: .notModified, headers: [.eTag: tag]) }
        return RegistryRoutes.response(record)
    }

    @Sendable func create(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(spec.writeCapability)
        // The body is checked field by field against the spec, which also documents it.
        let body = try await JSONBody.object(request, context: context)
        let record = try await services.registry.create(spec, input: body, actor: actor)
        var response = RegistryRoutes.response(record, status: .created)
        response.headers[.location] = "/api/v1/\(spec.name)/\(record.id)"
        return response
    }

    @Sendable func update(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(spec.writeCapability)
        let id = try context.parameters.require("id", as: Int64.self)
        let body = try await JSONBody.object(request, context: context)
        let record = try await services.registry.update(
            spec, id: id, input: body, expectedVersion: try RegistryRoutes.expectedVersion(request, id: id),
            actor: actor)
        return RegistryRoutes.response(record)
    }

    @Sendable func delete(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(spec.writeCapability)
        let id = try context.parameters.require("id", as: Int64.self)
        try await services.registry.delete(
            spec, id: id, expectedVersion: try RegistryRoutes.expectedVersion(request, id: id), actor: actor)
        return Response(status: .noContent)
    }
}

/// A resident tied to a household: who, as what, and whether they live elsewhere.
struct HouseholdTieBody: Decodable {
    var residentId: Int64
    var relation: ResidentRelation
    var livesElsewhere: Bool

    enum CodingKeys: String, CodingKey {
        case residentId = "resident_id", relation
        case livesElsewhere = "lives_elsewhere"
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        guard let rid = (try? c.decodeIfPresent(Int64.self, forKey: .residentId)) ?? nil else {
            throw AppError.unprocessable("required", "resident_id is required", field: "resident_id")
        }
        // Left out, the relation is owner; given, it is one of the relations' names and nothing else.
        let text = c.contains(.relation) ? ((try? c.decode(String.self, forKey: .relation)) ?? "") : "owner"
        guard let relation = ResidentRelation(rawValue: text) else {
            throw AppError.unprocessable("invalid", "relation must be owner, co_owner or tenant", field: "relation")
        }
        var elsewhere = false
        if c.contains(.livesElsewhere) {
            guard let b = try? c.decode(Bool.self, forKey: .livesElsewhere) else {
                throw AppError.unprocessable(
                    "invalid", "lives_elsewhere must be true or false", field: "lives_elsewhere")
            }
            elsewhere = b
        }
        residentId = rid
        self.relation = relation
        livesElsewhere = elsewhere
    }
}

/// A household's residents: tie one (or change the tie), untie one.
struct HouseholdResidentsController {
    let services: Services

    func register(on api: RouterGroup<AppContext>) {
        api.post("households/:id/residents", use: link)
        api.delete("households/:id/residents/:resident_id", use: unlink)
    }

    @Sendable func link(_ request: Request, _ context: AppContext) async throws -> Response {
        let body = try await JSONBody.decode(HouseholdTieBody.self, request, context: context)
        let record = try await services.registry.link(
            householdId: try context.parameters.require("id", as: Int64.self), residentId: body.residentId,
            relation: body.relation, livesElsewhere: body.livesElsewhere, actor: try context.actor())
        return RegistryRoutes.response(record)
    }

    @Sendable func unlink(_ request: Request, _ context: AppContext) async throws -> Response {
        let record = try await services.registry.unlink(
            householdId: try context.parameters.require("id", as: Int64.self),
            residentId: try context.parameters.require("resident_id", as: Int64.self), actor: try context.actor())
        return RegistryRoutes.response(record)
    }
}
