import CourtyardDomain
import CourtyardStore
import Hummingbird

/// Owners' votes under Civil Code Art. 278.
enum VoteRoutes {
    static func add(to api: RouterGroup<AppContext>, services: Services) {
        let votes = VoteRepository(database: services.database)
        api.post("votes") { request, context -> Response in
            let actor = try context.require(.manageVotes)
            let body = try await JSONBody.object(request, context: context)
            guard let title = body["title"]?.stringValue else {
                throw AppError.unprocessable("required", "title is required", field: "title")
            }
            guard let m = body["matter"]?.intValue, let matter = VoteMatter(rawValue: Int(m)) else {
                throw AppError.unprocessable("invalid", "matter must be 1 to 9 (Civil Code Art. 278)", field: "matter")
            }
            let vote = try await votes.create(
                title: title, matter: matter, electorate: try electorate(body["electorate"]),
                thresholds: try thresholds(body["thresholds"]), actor: actor)
            return JSONBody.response(vote, status: .created)
        }
        api.get("votes") { request, context -> Response in
            let actor = try context.require(.readRegistry)
            let paging = try ListPage.paging(request)
            let compound = request.uri.queryParameters.get("compound_id").flatMap(Int64.init)
            return ListPage.response(try await votes.list(actor: actor, compoundId: compound, paging: paging), paging)
        }
        api.get("votes/:id") { _, context -> Response in
            JSONBody.response(
                try await votes.get(
                    id: try context.parameters.require("id", as: Int64.self), actor: try context.require(.readRegistry))
            )
        }
        api.post("votes/:id/open") { _, context -> Response in
            JSONBody.response(
                try await votes.open(
                    id: try context.parameters.require("id", as: Int64.self), actor: try context.require(.manageVotes)))
        }
        api.post("votes/:id/close") { _, context -> Response in
            JSONBody.response(
                try await votes.close(
                    id: try context.parameters.require("id", as: Int64.self), actor: try context.require(.manageVotes)))
        }
        api.post("votes/:id/ballots") { request, context -> Response in
            let actor = try context.require(.enterBallots)
            let body = try await JSONBody.object(request, context: context)
            let household = try body.requiredID("household_id")
            let choice = try body.requiredCase("choice", VoteChoice.self)
            let paper = try VoteRules.paperNumber(
                channel: body["channel"]?.stringValue, paperNumber: body["paper_number"]?.stringValue
            ).get()
            let ballot = try await votes.cast(
                voteId: try context.parameters.require("id", as: Int64.self), householdId: household,
                choice: choice, paperNumber: paper, actor: actor)
            return JSONBody.response(ballot, status: .created)
        }
        api.post("votes/:id/ballots/:ballot_id/void") { request, context -> Response in
            let actor = try context.require(.manageVotes)
            let body = try await JSONBody.object(request, context: context)
            try await votes.void(
                voteId: try context.parameters.require("id", as: Int64.self),
                ballotId: try context.parameters.require("ballot_id", as: Int64.self),
                reason: body["reason"]?.stringValue ?? "", actor: actor)
            return Response(status: .noContent)
        }
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
