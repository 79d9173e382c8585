import CourtyardDomain
import Foundation
import SQLKit

/// What a property company sees of its work: the zones and compounds it serves under contract, the supervision
/// reports on them, and its record per zone.
public struct PropertyCompanyView: Codable, Sendable {
    public struct ServedCompound: Codable, Sendable {
        public var id: Int64
        public var name: String
        public var address: String
    }

    public struct Record: Codable, Sendable {
        public var reports: Int64
        public var open: Int64
        public var fixed: Int64
        public var fixedWithinServiceLevel: Int64
        /// Percentage of reports fixed within the service level, exact to 0.01; null with no reports.
        public var shareFixedWithinServiceLevel: String?
        /// Residents' satisfaction: the mean of the latest satisfaction survey's rate on each project in the zone's
        /// compounds, a percentage with one decimal; null before any survey has answers.
        public var satisfactionPercent: String?
        enum CodingKeys: String, CodingKey {
            case reports, open, fixed, fixedWithinServiceLevel = "fixed_within_service_level"
            case shareFixedWithinServiceLevel = "share_fixed_within_service_level"
            case satisfactionPercent = "satisfaction_percent"
        }
    }

    public struct ServedZone: Codable, Sendable {
        public var zoneId: Int64
        public var name: String
        public var households: Int64
        public var areaM2: String
        public var compounds: [ServedCompound]
        public var contract: PropertySelection.Contract?
        public var record: Record
        enum CodingKeys: String, CodingKey {
            case zoneId = "zone_id", name, households, areaM2 = "area_m2", compounds, contract, record
        }
    }

    public struct ServedReport: Codable, Sendable {
        public var id: Int64
        public var compoundId: Int64
        public var compoundName: String
        public var category: String
        public var description: String
        public var state: String
        public var dueOn: Day?
        public var overdue: Bool
        public var submittedAt: String
        enum CodingKeys: String, CodingKey {
            case id, compoundId = "compound_id", compoundName = "compound_name", category, description, state
            case dueOn = "due_on", overdue, submittedAt = "submitted_at"
        }
    }

    public var organisationId: Int64
    public var name: String
    public var zones: [ServedZone]
    public var reports: [ServedReport]
    enum CodingKeys: String, CodingKey { case organisationId = "organisation_id", name, zones, reports }
}

public struct PropertyCompanyRepository: Sendable {
    public let database: Database
    public init(database: Database) { self.database = database }

    /// A property company's view: its own account sees only its own; the office sees those of its sub-district.
    public func view(organisationId: Int64, actor: Actor) async throws -> PropertyCompanyView {
        if actor.role == .propertyCompany {
            guard actor.scope.kind == .organisation, actor.scope.id == organisationId else { throw StoreError.notFound }
        } else if !Permissions.allows(actor.role, .manageZones) {
            throw AccessError.forbidden
        }
        return try await database.withConnection { db in
            guard
                let org = try await db.raw(
                    "SELECT name, kind, subdistrict_id FROM organisations WHERE id = \(bind: organisationId)"
                ).first(), try org.text("kind") == OrganisationKind.propertyCompany.rawValue
            else { throw StoreError.notFound }
            if actor.scope.kind == .subdistrict, try org.optionalInt("subdistrict_id") != actor.scope.id {
                throw StoreError.notFound
            }
            let zoneRepo = ZoneRepository(database: database)
            let rows = try await db.raw(
                ZoneRepository.select + " WHERE z.property_company_id = \(bind: organisationId) ORDER BY z.id"
            ).all()
            let zones = try await zoneRepo.load(rows, db: db)
            let today = Clock.today
            var served: [PropertyCompanyView.ServedZone] = []
            var reports: [PropertyCompanyView.ServedReport] = []
            for z in zones {
                let compounds = try await db.raw(
                    "SELECT id, name, address FROM compounds WHERE zone_id = \(bind: z.id) ORDER BY id"
                ).all().map {
                    PropertyCompanyView.ServedCompound(
                        id: try $0.int("id"), name: try $0.text("name"), address: try $0.text("address"))
                }
                let contract = try await db.raw(
                    """
                    SELECT contract_json FROM property_selections WHERE zone_id = \(bind: z.id) AND state = 'contracted'
                    ORDER BY id DESC LIMIT 1
                    """
                ).first().flatMap { try $0.optionalText("contract_json") }.map {
                    try JSONDecoder().decode(PropertySelection.Contract.self, from: Data($0.utf8))
                }
                let rows = try await db.raw(
                    """
                    SELECT r.id, r.compound_id, c.name AS compound_name, r.category, r.description, r.state, r.due_on,
                      r.submitted_at, (SELECT MIN(e.at) FROM report_events e WHERE e.report_id = r.id
                        AND e.to_state = 'fixed') AS fixed_at
                    FROM reports r JOIN compounds c ON c.id = r.compound_id WHERE c.zone_id = \(bind: z.id)
                    ORDER BY r.id DESC
                    """
                ).all()
                var record = PropertyCompanyView.Record(
                    reports: 0, open: 0, fixed: 0, fixedWithinServiceLevel: 0, shareFixedWithinServiceLevel: nil,
                    satisfactionPercent: try await Self.satisfaction(zoneId: z.id, db: db))
                for r in rows {
                    let state = try r.text("state")
                    let due = try r.optionalText("due_on").flatMap { Day($0) }
                    let fixedOn = try r.optionalText("fixed_at").flatMap { Day.from(iso: $0) }
                    record.reports += 1
                    if state == "rejected" {
                        record.reports -= 1
                        continue
                    }
                    if fixedOn != nil { record.fixed += 1 }
                    if PropertyRecordRules.fixedInTime(fixedOn: fixedOn, dueOn: due) {
                        record.fixedWithinServiceLevel += 1
                    }
                    let closed = ["verified", "closed"].contains(state)
                    if !closed { record.open += 1 }
                    if reports.count < 200 {
                        reports.append(
                            .init(
                                id: try r.int("id"), compoundId: try r.int("compound_id"),
                                compoundName: try r.text("compound_name"), category: try r.text("category"),
                                description: try r.text("description"), state: state, dueOn: due,
                                overdue: !closed && state != "fixed" && due.map { $0 < today } == true,
                                submittedAt: try r.text("submitted_at")))
                    }
                }
                record.shareFixedWithinServiceLevel = PropertyRecordRules.percent(
                    record.fixedWithinServiceLevel, of: record.reports)
                served.append(
                    .init(
                        zoneId: z.id, name: z.name, households: z.households, areaM2: z.areaM2, compounds: compounds,
                        contract: contract, record: record))
            }
            return PropertyCompanyView(
                organisationId: organisationId, name: try org.text("name"), zones: served, reports: reports)
        }
    }

    /// Residents' satisfaction over the projects in the zone's compounds.
    static func satisfaction(zoneId: Int64, db: any SQLDatabase) async throws -> String? {
        let projects = try await db.raw(
            "SELECT p.id FROM projects p JOIN compounds c ON c.id = p.compound_id WHERE c.zone_id = \(bind: zoneId)"
        ).all().map { try $0.int("id") }
        let rates = try await QuestionnaireRepository.satisfactionByProject(projectIds: projects, db: db)
        return PropertyRecordRules.meanSatisfaction(tenths: projects.compactMap { rates[$0] })
    }
}
