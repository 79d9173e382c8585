import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

/// Zones (片区) of ownerless compounds, selecting each zone's property company (物业选聘) and handing compounds over
/// (交接) to it.
enum ZoneRoutes {
    static func add(to api: RouterGroup<AppContext>, services: Services) {
        ZoneController(services: services).register(on: api)
        SelectionController(services: services).register(on: api)
        HandoverController(services: services).register(on: api)
        PropertyCompanyController(services: services).register(on: api)
    }

    /// Refuses fields a body does not know, naming the first.
    static func onlyKnown(_ body: [String: JSONValue], _ known: Set<String>) throws {
        if let k = body.keys.sorted().first(where: { !known.contains($0) }) {
            throw AppError.unprocessable("unknown_field", "\(k) is not a field here", field: k)
        }
    }

    static func geoJSON(_ features: [JSONValue]) -> Response {
        var r = JSONBody.response(.object([("type", .string("FeatureCollection")), ("features", .array(features))]))
        r.headers[.contentType] = "application/geo+json; charset=utf-8"
        return r
    }

    /// A compound as a GeoJSON feature: a point in WGS-84 (longitude first), or no geometry when not located.
    static func feature(_ p: CompoundPlace) -> JSONValue {
        .object([
            ("type", .string("Feature")), ("id", .int(p.id)),
            (
                "geometry",
                p.point.map {
                    .object([
                        ("type", .string("Point")),
                        ("coordinates", .array([.number(GeoPoint.text($0.lonE7)), .number(GeoPoint.text($0.latE7))])),
                    ])
                } ?? .null
            ),
            (
                "properties",
                .object([
                    ("name", .string(p.name)), ("address", .string(p.address)),
                    ("community_id", .int(p.communityId)), ("zone_id", p.zoneId.map { .int($0) } ?? .null),
                ])
            ),
        ])
    }
}

/// `GET /api/v1/compounds?format=geojson`: every compound in scope as a point.
extension RegistryResourceController {
    func geoJSON(_ actor: Actor) async throws -> Response {
        let places = try await ZoneRepository(database: services.database).places(actor: actor)
        return ZoneRoutes.geoJSON(places.map(ZoneRoutes.feature))
    }
}

struct ZoneController {
    let services: Services
    var repo: ZoneRepository { ZoneRepository(database: services.database) }

    func register(on api: RouterGroup<AppContext>) {
        api.get("zones", use: list)
        api.post("zones", use: create)
        api.get("zones/:id", use: read)
        api.patch("zones/:id", use: update)
        api.delete("zones/:id", use: delete)
    }

    static let fields: Set<String> = ["name", "subdistrict_id", "community_id", "compound_ids"]

    static func input(_ body: [String: JSONValue]) throws -> ZoneRepository.Input {
        try ZoneRoutes.onlyKnown(body, fields)
        var compounds: [Int64]?
        if let v = body["compound_ids"], v != .null {
            guard case .array(let items) = v else {
                throw AppError.unprocessable("invalid", "compound_ids is a list of ids", field: "compound_ids")
            }
            compounds = try items.enumerated().map { i, item in
                guard let id = item.intValue, id > 0 else {
                    throw AppError.unprocessable("invalid", "compound_ids lists ids", field: "compound_ids[\(i)]")
                }
                return id
            }
        }
        if let v = body["name"], v.stringValue == nil {
            throw AppError.unprocessable("invalid", "name must be text", field: "name")
        }
        let sd = try body.optionalInt("subdistrict_id")
        return .init(
            name: body["name"]?.stringValue, subdistrictId: sd ?? nil,
            communityId: try body.optionalInt("community_id"),
            compoundIds: compounds)
    }

    static func etag(_ z: Zone) -> String { "\"\(z.id)-\(z.version)\"" }

    @Sendable func list(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.actor()
        switch request.uri.queryParameters.get("format") {
        case "geojson":
            let zones = try await repo.list(actor: actor)
            let places = try await repo.zonePlaces(actor: actor)
            return ZoneRoutes.geoJSON(zones.map { z in Self.feature(z, places.filter { $0.zoneId == z.id }) })
        case nil, "json": break
        default: throw AppError.badRequest("invalid_format", "format is json or geojson", field: "format")
        }
        let paging = try ListPage.paging(request)
        return try ListPage.response(try await repo.list(actor: actor, paging: paging), paging)
    }

    /// A zone as a GeoJSON feature: its located compounds as a multipoint (a zone has no drawn boundary).
    static func feature(_ z: Zone, _ places: [CompoundPlace]) -> JSONValue {
        let points: [JSONValue] = places.compactMap { p in
            p.point.map { .array([.number(GeoPoint.text($0.lonE7)), .number(GeoPoint.text($0.latE7))]) }
        }
        return .object([
            ("type", .string("Feature")), ("id", .int(z.id)),
            (
                "geometry",
                points.isEmpty ? .null : .object([("type", .string("MultiPoint")), ("coordinates", .array(points))])
            ),
            (
                "properties",
                .object([
                    ("name", .string(z.name)), ("households", .int(z.households)), ("area_m2", .string(z.areaM2)),
                    ("compound_ids", .array(z.compoundIds.map { .int($0) })),
                    ("property_company_name", z.propertyCompanyName.map { .string($0) } ?? .null),
                ])
            ),
        ])
    }

    @Sendable func read(_ request: Request, _ context: AppContext) async throws -> Response {
        let zone = try await repo.get(
            id: try context.parameters.require("id", as: Int64.self), actor: try context.actor())
        return try JSONBody.response(zone, etag: Self.etag(zone))
    }

    @Sendable func create(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(.manageZones)
        let input = try Self.input(try await JSONBody.object(request, context: context))
        let zone = try await repo.create(input, actor: actor)
        var r = try JSONBody.response(zone, status: .created, etag: Self.etag(zone))
        r.headers[.location] = "/api/v1/zones/\(zone.id)"
        return r
    }

    @Sendable func update(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(.manageZones)
        let id = try context.parameters.require("id", as: Int64.self)
        let input = try Self.input(try await JSONBody.object(request, context: context))
        let zone = try await repo.update(
            id: id, input, expectedVersion: try RegistryRoutes.expectedVersion(request, id: id), actor: actor)
        return try JSONBody.response(zone, etag: Self.etag(zone))
    }

    @Sendable func delete(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(.manageZones)
        let id = try context.parameters.require("id", as: Int64.self)
        try await repo.delete(
            id: id, expectedVersion: try RegistryRoutes.expectedVersion(request, id: id), actor: actor)
        return Response(status: .noContent)
    }
}
