import CourtyardDomain
import CourtyardStore
import Hummingbird

/// Owners' votes under Civil Code Art. 278.
enum VoteRoutes {
    static func add(to api: RouterGroup<AppContext>, services: Services) {
        VoteController(services: services).register(on: api)
    }
}

/// Votes and their ballots.
struct VoteController {
    let services: Services
    var votes: VoteRepository { VoteRepository(database: services.database) }

    func register(on api: RouterGroup<AppContext>) {
        api.post("votes", use: create)
        api.get("votes", use: list)
        api.get("votes/:id", use: read)
        api.get("votes/:id/map.svg", use: map)
        api.post("votes/:id/open", use: open)
        api.post("votes/:id/close", use: close)
        api.post("votes/:id/ballots", use: cast)
        api.post("votes/:id/ballots/:ballot_id/void", use: void)
    }

    /// A new vote. The electorate and local thresholds are read by hand, field by field, so that a mistake
    /// inside them is named as the whole `electorate` or `thresholds`.
    struct NewVote: Decodable {
        var title: LooseField?
        var matter: LooseField?
        var electorate: LooseField?
        var thresholds: LooseField?
    }

    struct NewBallot: Decodable {
        var householdId: LooseField?
        var choice: LooseField?
        var channel: LooseField?
        var paperNumber: LooseField?
        enum CodingKeys: String, CodingKey {
            case householdId = "household_id", choice, channel, paperNumber = "paper_number"
        }
    }

    struct VoidBallot: Decodable {
        var reason: LooseField?
    }

    @Sendable func create(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(.manageVotes)
        let body = try await JSONBody.decode(NewVote.self, request, context: context)
        guard let title = body.title?.json.stringValue else {
            throw AppError.unprocessable("required", "title is required", field: "title")
        }
        guard let m = body.matter?.json.intValue, let matter = VoteMatter(rawValue: Int(m)) else {
            throw AppError.unprocessable("invalid", "matter must be 1 to 9 (Civil Code Art. 278)", field: "matter")
        }
        let vote = try await votes.create(
            title: title, matter: matter, electorate: try Self.electorate(body.electorate?.json),
            thresholds: try Self.thresholds(body.thresholds?.json), actor: actor)
        return try JSONBody.response(vote, status: .created)
    }

    @Sendable func list(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(.readRegistry)
        let paging = try ListPage.paging(request)
        let compound = request.uri.queryParameters.get("compound_id").flatMap(Int64.init)
        return try ListPage.response(try await votes.list(actor: actor, compoundId: compound, paging: paging), paging)
    }

    @Sendable func read(_ request: Request, _ context: AppContext) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        return try JSONBody.response(try await votes.get(id: id, actor: try context.require(.readRegistry)))
    }

    /// The battle map of who has voted (not how), household by household.
    @Sendable func map(_ request: Request, _ context: AppContext) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        let (title, cells) = try await votes.participation(id: id, actor: try context.require(.readRegistry))
        return ProjectRoutes.svg(
            BattleMap.participation(title: title, households: cells, done: "voted", lang: context.lang))
    }

    @Sendable func open(_ request: Request, _ context: AppContext) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        return try JSONBody.response(try await votes.open(id: id, actor: try context.require(.manageVotes)))
    }

    @Sendable func close(_ request: Request, _ context: AppContext) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        return try JSONBody.response(try await votes.close(id: id, actor: try context.require(.manageVotes)))
    }

    @Sendable func cast(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(.enterBallots)
        let body = try await JSONBody.decode(NewBallot.self, request, context: context)
        guard let household = body.householdId?.json.intValue else {
            throw AppError.unprocessable("required", "household_id is required", field: "household_id")
        }
        guard let choice = body.choice?.json.stringValue.flatMap(VoteChoice.init(rawValue:)) else {
            throw AppError.unprocessable(
                "invalid", "choice must be one of \(VoteChoice.allCases.map(\.rawValue).joined(separator: ", "))",
                field: "choice")
        }
        let paper = try VoteRules.paperNumber(
            channel: body.channel?.json.stringValue, paperNumber: body.paperNumber?.json.stringValue
        ).get()
        let ballot = try await votes.cast(
            voteId: try context.parameters.require("id", as: Int64.self), householdId: household, choice: choice,
            paperNumber: paper, actor: actor)
        return try JSONBody.response(ballot, status: .created)
    }

    @Sendable func void(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.actor()
        let body = try await JSONBody.decode(VoidBallot.self, request, context: context)
        try await votes.void(
            voteId: try context.parameters.require("id", as: Int64.self),
            ballotId: try context.parameters.require("ballot_id", as: Int64.self),
            reason: body.reason?.json.stringValue ?? "", actor: actor)
        return Response(status: .noContent)
    }

    static func electorate(_ v: JSONValue?) throws -> ElectorateSpec {
        func ids(_ key: String) throws -> [Int64]? {
            guard let value = v?[key] else { return nil }
            guard case .array(let a) = value, !a.isEmpty, a.count <= 10_000 else {
                throw AppError.unprocessable("invalid", "\(key) must be a non-empty list of ids", field: "electorate")
            }
            return try a.map {
                guard let i = $0.intValue, i > 0 else {
                    throw AppError.unprocessable("invalid", "\(key) holds ids", field: "electorate")
                }
                return i
            }
        }
        if let c = v?["compound_id"]?.intValue { return .compound(c) }
        if let b = try ids("building_ids") { return .buildings(b) }
        if let e = try ids("entrance_ids") { return .entrances(e) }
        if let h = try ids("household_ids") { return .households(h) }
        throw AppError.unprocessable(
            "required", "electorate needs compound_id, building_ids, entrance_ids or household_ids", field: "electorate"
        )
    }

    /// Local rules: each threshold as {"numerator", "denominator", "inclusive"}; any left out keeps Art. 278's.
    static func thresholds(_ v: JSONValue?) throws -> VoteThresholds? {
        guard let v, v != .null else { return nil }
        func one(_ key: String) throws -> Threshold? {
            guard let t = v[key] else { return nil }
            let max = Threshold.maxDenominator
            guard let n = t["numerator"]?.intValue, let d = t["denominator"]?.intValue, n >= 0, d > 0, n <= d, d <= max
            else {
                throw AppError.unprocessable(
                    "invalid",
                    "\(key) needs whole numbers numerator ≤ denominator, the denominator at most \(max)",
                    field: "thresholds")
            }
            return Threshold(n, d, inclusive: t["inclusive"] != .bool(false))
        }
        let base = VoteThresholds.article278(.other)
        return VoteThresholds(
            quorumArea: try one("quorum_area") ?? base.quorumArea,
            quorumOwners: try one("quorum_owners") ?? base.quorumOwners,
            approvalArea: try one("approval_area") ?? base.approvalArea,
            approvalOwners: try one("approval_owners") ?? base.approvalOwners)
    }
}
