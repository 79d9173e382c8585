/// The roles an account can hold.
public enum Role: String, CaseIterable, Codable, Sendable {
    case admin
    case subdistrictOfficer = "subdistrict_officer"
    case communityStaff = "community_staff"
    case contractor, supervisor
    case pmCompany = "pm_company"
    case department
    case propertyCompany = "property_company"
    case steward, viewer

    /// Roles that belong to an organisation rather than to a place.
    public var isOrganisational: Bool {
        switch self {
        case .contractor, .supervisor, .pmCompany, .department, .propertyCompany: true
        default: false
        }
    }
}

public enum ScopeKind: String, CaseIterable, Codable, Sendable {
    case subdistrict, community, compound, organisation
    /// A steward's places: one building, or one entrance of it (楼长制).
    case building, entrance
}

/// Where an account may look: everywhere (admin), or below one place or organisation.
public struct Scope: Hashable, Sendable, CustomStringConvertible {
    public var kind: ScopeKind?
    public var id: Int64?

    public static let global = Scope(kind: nil, id: nil)
    public init(kind: ScopeKind?, id: Int64?) {
        self.kind = kind
        self.id = id
    }

    /// "community:12" as the CLI and the API write it.
    public static func parse(_ text: String) -> Scope? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let kind = ScopeKind(rawValue: String(parts[0])), let id = Int64(parts[1]), id > 0
        else { return nil }
        return Scope(kind: kind, id: id)
    }

    public var description: String {
        guard let kind, let id else { return "global" }
        return "\(kind.rawValue):\(id)"
    }
}

/// What kind of thing an action touches; permissions are granted per area.
public enum Capability: Sendable {
    case readRegistry, writeRegistry, readPersonalData, importRegistry
    case readOrganisations, writeOrganisations
    case readUsers, writeUsers, readAudit, writeSubdistricts
    case manageVotes, enterBallots
    case manageReports, fileReports, editCalendars
    /// Projects: reading (organisations only their own), running them, the ledger and site checks, bulletins.
    case readProjects, manageProjects, writeSiteLogs, writeSiteChecks, manageBulletins
    /// Asking a city department for something a project needs (协调事项): the office, and on their own projects the
    /// contractor, the supervisor and the pm company, whose people on site are the first to meet the gas pipe.
    case fileCoordinationRequests
    /// Questionnaires, notices and webhooks: running residents' participation and its notifications.
    case manageParticipation, manageIntegrations
    /// Appointing stewards and forming self-governance bodies; running outreach campaigns.
    case manageStewards
    /// Recording a visit, a call or a letter to a household (stewards, community staff, the office).
    case writeContacts
    /// Zones of ownerless compounds, selecting their property company and handing compounds over to it.
    case manageZones
}

/// The role half of every access check; the scope half is each resource's SQL condition (`ResourceSpec.scopeCondition`).
public enum Permissions {
    public static func allows(_ role: Role, _ capability: Capability) -> Bool {
        switch capability {
        case .readRegistry:
            return [.admin, .subdistrictOfficer, .communityStaff, .steward, .viewer].contains(role)
        case .writeRegistry:
            return [.admin, .subdistrictOfficer, .communityStaff].contains(role)
        case .readPersonalData:
            return [.admin, .subdistrictOfficer, .communityStaff, .steward].contains(role)
        case .importRegistry:
            return [.admin, .subdistrictOfficer].contains(role)
        case .readOrganisations:
            return true
        case .writeOrganisations:
            return [.admin, .subdistrictOfficer].contains(role)
        case .readUsers, .readAudit:
            return [.admin, .subdistrictOfficer].contains(role)
        case .writeUsers, .writeSubdistricts:
            return role == .admin
        case .manageVotes:
            return [.admin, .subdistrictOfficer, .communityStaff].contains(role)
        case .enterBallots, .fileReports:
            return [.admin, .subdistrictOfficer, .communityStaff, .steward].contains(role)
        case .editCalendars:
            return [.admin, .subdistrictOfficer].contains(role)
        case .manageReports:
            return [.admin, .subdistrictOfficer, .communityStaff].contains(role)
        case .readProjects:
            return role != .department && role != .propertyCompany
        case .manageProjects:
            return [.admin, .subdistrictOfficer, .communityStaff].contains(role)
        case .writeSiteLogs:
            return [.admin, .subdistrictOfficer, .contractor, .pmCompany].contains(role)
        case .writeSiteChecks:
            return [.admin, .subdistrictOfficer, .pmCompany, .supervisor].contains(role)
        case .fileCoordinationRequests:
            return [.admin, .subdistrictOfficer, .communityStaff, .contractor, .supervisor, .pmCompany].contains(role)
        case .manageBulletins, .manageIntegrations:
            return [.admin, .subdistrictOfficer].contains(role)
        case .manageParticipation:
            return [.admin, .subdistrictOfficer, .communityStaff].contains(role)
        case .manageStewards:
            return [.admin, .subdistrictOfficer, .communityStaff].contains(role)
        case .writeContacts:
            return [.admin, .subdistrictOfficer, .communityStaff, .steward].contains(role)
        case .manageZones:
            return [.admin, .subdistrictOfficer].contains(role)
        }
    }

    /// The scope kinds a role may be given; admin is always global.
    public static func allowedScopes(for role: Role) -> [ScopeKind] {
        switch role {
        case .admin: []
        case .subdistrictOfficer: [.subdistrict]
        case .communityStaff: [.community, .subdistrict]
        case .steward: [.compound, .community, .building, .entrance]
        case .viewer: [.subdistrict, .community, .compound]
        case .contractor, .supervisor, .pmCompany, .department, .propertyCompany: [.organisation]
        }
    }
}

/// Kinds of organisation and, for departments, which one.
public enum OrganisationKind: String, CaseIterable, Codable, Sendable {
    case contractor, supervisor, designer
    case pmCompany = "pm_company"
    case department
    case propertyCompany = "property_company"
}

public enum DepartmentKind: String, CaseIterable, Codable, Sendable {
    case housing, planning, water
    case cityManagement = "city_management"
    case power, telecom, gas, heating
    case municipalWorks = "municipal_works"
    case greening
}

public enum ResidentRelation: String, CaseIterable, Codable, Sendable {
    case owner
    case coOwner = "co_owner"
    case tenant
}
