import CourtyardDomain
import Foundation
import SQLKit

/// Supervision reports as Open311 service requests.
public struct Open311Repository: Sendable {
    public let database: Database
    public init(database: Database) { self.database = database }

    public struct Filters: Sendable {
        public var serviceCode: String?, status: String?, start: String?, end: String?
        public init(serviceCode: String?, status: String?, start: String?, end: String?) {
            self.serviceCode = serviceCode
            self.status = status
            self.start = start
            self.end = end
        }
    }

    /// The compound a request names: by id, or by its exact name or address; inside the key's sub-district.
    public func compound(id: Int64?, text: String, subdistrictId: Int64?) async throws -> Int64? {
        try await database.withConnection { db in
            var sql: SQLQueryString = "SELECT id FROM compounds WHERE "
            if let id { sql += "id = \(bind: id)" } else { sql += "(name = \(bind: text) OR address = \(bind: text))" }
            if let sd = subdistrictId { sql += " AND subdistrict_id = \(bind: sd)" }
            return try await db.raw(sql + " ORDER BY id LIMIT 1").first()?.int("id")
        }
    }

    static let closedStates = ["closed", "rejected"]

    /// Whose reports a client may read the text of: none without a key; a key's own sub-district;
    /// everywhere only for a city-wide key an administrator made before keys named a sub-district.
    public enum TextReach: Sendable, Equatable {
        case none, everywhere
        case subdistrict(Int64)

        public init(key: (name: String, subdistrictId: Int64?)?) {
            guard let key else {
                self = .none
                return
            }
            self = key.subdistrictId.map { .subdistrict($0) } ?? .everywhere
        }

        func shows(_ subdistrictId: Int64) -> Bool {
            switch self {
            case .none: false
            case .everywhere: true
            case .subdistrict(let sd): sd == subdistrictId
            }
        }
    }

    /// A supervision report as a GeoReport v2 service request; every field is text, as the specification has it.
    public struct ServiceRequest: Codable, Sendable, Equatable {
        public var serviceRequestId: String
        public var status: String
        public var statusNotes: String
        public var serviceName: String
        public var serviceCode: String
        public var description: String
        public var agencyResponsible: String
        public var serviceNotice: String
        public var requestedDatetime: String
        public var updatedDatetime: String
        public var expectedDatetime: String
        public var address: String
        public var addressId: String
        public var zipcode: String
        public var lat: String
        public var long: String
        public var mediaUrl: String

        enum CodingKeys: String, CodingKey {
            case serviceRequestId = "service_request_id", status, statusNotes = "status_notes"
            case serviceName = "service_name", serviceCode = "service_code", description
            case agencyResponsible = "agency_responsible", serviceNotice = "service_notice"
            case requestedDatetime = "requested_datetime", updatedDatetime = "updated_datetime"
            case expectedDatetime = "expected_datetime", address, addressId = "address_id", zipcode, lat, long
            case mediaUrl = "media_url"
        }
    }

    /// Requests as GeoReport defines them; never who reported, and the text only to keyed clients.
    public func requests(ids: [Int64]?, filters: Filters?, text: TextReach, serviceNames: [ReportCategory: String])
        async throws -> [ServiceRequest]
    {
        let rows = try await database.withConnection { db in
            var sql: SQLQueryString = """
                SELECT r.id, r.subdistrict_id, r.category, r.description, r.state, r.submitted_at, r.due_on,
                  t.id AS compound_id, t.name AS compound_name, t.address,
                  o.name AS agency, s.name AS office,
                  (SELECT MAX(e.at) FROM report_events e WHERE e.report_id = r.id) AS updated_at
                FROM reports r JOIN compounds t ON t.id = r.compound_id JOIN subdistricts s ON s.id = r.subdistrict_id
                LEFT JOIN organisations o ON o.id = r.assignee_organisation_id WHERE 1=1
                """
            if let ids { sql += ids.isEmpty ? " AND 1=0" : " AND r.id IN (\(binds: ids))" }
            if let f = filters {
                if let c = f.serviceCode { sql += " AND r.category = \(bind: c)" }
                if f.status == "closed" { sql += " AND r.state IN ('closed', 'rejected')" }
                if f.status == "open" { sql += " AND r.state NOT IN ('closed', 'rejected')" }
                if let s = f.start { sql += " AND r.submitted_at >= \(bind: s)" }
                if let e = f.end { sql += " AND r.submitted_at <= \(bind: e)" }
            }
            sql += " ORDER BY r.id DESC LIMIT 1000"
            return try await db.raw(sql).all()
        }
        return try rows.map { r in
            let state = try r.text("state")
            let category = ReportCategory(rawValue: try r.text("category")) ?? .other
            let submitted = try r.text("submitted_at")
            return ServiceRequest(
                serviceRequestId: String(try r.int("id")),
                status: Self.closedStates.contains(state) ? "closed" : "open",
                statusNotes: state.replacingOccurrences(of: "_", with: " "),
                serviceName: serviceNames[category] ?? category.rawValue, serviceCode: category.rawValue,
                // A phone number typed into the text is the office's to call, not the client's to read.
                description: text.shows(try r.int("subdistrict_id"))
                    ? PersonalData.maskPhones(in: try r.text("description")) : "",
                // The company or department it is assigned to, else the sub-district's office that received it.
                agencyResponsible: try r.optionalText("agency") ?? "\(try r.text("office"))办事处", serviceNotice: "",
                requestedDatetime: submitted, updatedDatetime: try r.optionalText("updated_at") ?? submitted,
                expectedDatetime: try r.optionalText("due_on").map { "\($0)T23:59:59+08:00" } ?? "",
                address: [try r.text("compound_name"), try r.text("address")].filter { !$0.isEmpty }.joined(
                    separator: " "),
                addressId: String(try r.int("compound_id")), zipcode: "", lat: "", long: "", mediaUrl: "")
        }
    }
}
