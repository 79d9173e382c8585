import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

/// Selecting a zone's property company: the selection and its notice, bids until the deadline, the panel's
/// scores, the ranking, putting the result to the owners, the office's decisions and the contract.
struct SelectionController {
    let services: Services
    var repo: SelectionRepository { SelectionRepository(database: services.database) }

    func register(on api: RouterGroup<AppContext>) {
        api.get("property_selections", use: list)
        api.post("property_selections", use: create)
        api.get("property_selections/:id", use: read)
        api.get("property_selections/:id/bids", use: bids)
        api.post("property_selections/:id/bids", use: bid)
        api.get("property_selections/:id/scores", use: scores)
        api.put("property_selections/:id/scores", use: score)
        api.get("property_selections/:id/ranking", use: ranking)
        api.post("property_selections/:id/proposal", use: propose)
        api.post("property_selections/:id/decisions", use: decide)
        api.post("property_selections/:id/contract", use: contract)
    }

    struct NewSelection: Decodable {
        var zoneId: Int64
        var method: SelectionMethod
        var criteria: [SelectionCriterion]
        var deadline: String
        var panelUserIds: [Int64]
        enum CodingKeys: String, CodingKey {
            case zoneId = "zone_id", method, criteria, deadline, panelUserIds = "panel_user_ids"
        }
    }

    struct NewBid: Decodable {
        var organisationId: Int64
        var feeFenPerM2Month: Int64
        var plan: String
        var attachments: [Int64]?
        enum CodingKeys: String, CodingKey {
            case organisationId = "organisation_id", feeFenPerM2Month = "fee_fen_per_m2_month", plan, attachments
        }
    }

    struct Proposal: Decodable {
        var bidId: Int64
        enum CodingKeys: String, CodingKey { case bidId = "bid_id" }
    }

    struct Decision: Decodable {
        var compoundId: Int64
        var approved: Bool
        var basis: String
        enum CodingKeys: String, CodingKey { case compoundId = "compound_id", approved, basis }
    }

    struct Contract: Decodable {
        var termFrom: Day
        var termUntil: Day
        var feeFenPerM2Month: Int64
        var scope: String
        var attachmentId: Int64?
        enum CodingKeys: String, CodingKey {
            case termFrom = "term_from", termUntil = "term_until", feeFenPerM2Month = "fee_fen_per_m2_month", scope
            case attachmentId = "attachment_id"
        }
    }

    /// An RFC 3339 time with its offset ("2026-12-20T17:00:00+08:00").
    static func time(_ text: String, field: String) throws -> Date {
        let f = ISO8601DateFormatter()
        if let d = f.date(from: text) { return d }
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: text) { return d }
        throw AppError.unprocessable(
            "invalid", "\(field) is a time with its offset, e.g. 2026-12-20T17:00:00+08:00", field: field)
    }

    @Sendable func list(_ request: Request, _ context: AppContext) async throws -> Response {
        let paging = try ListPage.paging(request)
        let zone = try StewardRoutes.id(request, "zone_id")
        return try ListPage.response(
            try await repo.list(actor: try context.actor(), zoneId: zone, paging: paging), paging)
    }

    @Sendable func create(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(.manageZones)
        let b = try await JSONBody.decode(NewSelection.self, request, context: context)
        let selection = try await repo.create(
            .init(
                zoneId: b.zoneId, method: b.method,
                criteria: b.criteria.map { .init(name: TextNormalizer.clean($0.name), weight: $0.weight) },
                deadline: try Self.time(b.deadline, field: "deadline"), panelUserIds: b.panelUserIds), actor: actor)
        var r = try JSONBody.response(selection, status: .created)
        r.headers[.location] = "/api/v1/property_selections/\(selection.id)"
        return r
    }

    @Sendable func read(_ request: Request, _ context: AppContext) async throws -> Response {
        try JSONBody.response(
            try await repo.get(id: try context.parameters.require("id", as: Int64.self), actor: try context.actor()))
    }

    @Sendable func bids(_ request: Request, _ context: AppContext) async throws -> Response {
        let paging = try ListPage.paging(request)
        return try ListPage.response(
            all: try await repo.bids(
                selectionId: try context.parameters.require("id", as: Int64.self), actor: try context.actor()), paging)
    }

    @Sendable func bid(_ request: Request, _ context: AppContext) async throws -> Response {
        let b = try await JSONBody.decode(NewBid.self, request, context: context)
        let bid = try await repo.bid(
            selectionId: try context.parameters.require("id", as: Int64.self),
            .init(
                organisationId: b.organisationId, feeFenPerM2Month: b.feeFenPerM2Month, plan: b.plan,
                attachments: b.attachments ?? []), actor: try context.actor())
        return try JSONBody.response(bid, status: .created)
    }

    @Sendable func scores(_ request: Request, _ context: AppContext) async throws -> Response {
        try JSONBody.response(
            try await repo.scores(
                selectionId: try context.parameters.require("id", as: Int64.self), actor: try context.actor()))
    }

    /// `[{"bid_id", "criterion", "score"}]`: a JSON list, each score 0 to 100 with at most two decimals.
    @Sendable func score(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.actor()
        let buffer = try await request.collectBody(upTo: 256 * 1024)
        guard case .some(.array(let items)) = try? JSONParser.parse(String(buffer: buffer)) else {
            throw AppError.badRequest("invalid_json", "the body is a JSON list of {bid_id, criterion, score}")
        }
        guard !items.isEmpty, items.count <= 2000 else {
            throw AppError.unprocessable("invalid", "give 1 to 2,000 scores", field: "[0]")
        }
        var entries: [SelectionRepository.ScoreInput] = []
        for (i, item) in items.enumerated() {
            guard case .object = item else {
                throw AppError.unprocessable("invalid", "each entry is an object", field: "[\(i)]")
            }
            guard let bid = item["bid_id"]?.intValue else {
                throw AppError.unprocessable("required", "bid_id is an id", field: "[\(i)].bid_id")
            }
            guard let criterion = item["criterion"]?.stringValue else {
                throw AppError.unprocessable("required", "criterion is a criterion's name", field: "[\(i)].criterion")
            }
            let text: String? =
                switch item["score"] {
                case .int(let v)?: String(v)
                case .number(let s)?: s
                default: nil
                }
            guard let t = text, let centi = SelectionRules.scoreCenti(t) else {
                throw AppError.unprocessable(
                    "invalid", "score is a number from 0 to 100 with at most two decimals", field: "[\(i)].score")
            }
            entries.append(.init(bidId: bid, criterion: TextNormalizer.clean(criterion), scoreCenti: centi))
        }
        return try JSONBody.response(
            try await repo.score(
                selectionId: try context.parameters.require("id", as: Int64.self), entries, actor: actor))
    }

    @Sendable func ranking(_ request: Request, _ context: AppContext) async throws -> Response {
        let items = try await repo.ranking(
            selectionId: try context.parameters.require("id", as: Int64.self), actor: try context.actor())
        return try JSONBody.response(["items": items])
    }

    @Sendable func propose(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(.manageZones)
        let b = try await JSONBody.decode(Proposal.self, request, context: context)
        return try JSONBody.response(
            try await repo.propose(
                selectionId: try context.parameters.require("id", as: Int64.self), bidId: b.bidId, actor: actor))
    }

    @Sendable func decide(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(.manageZones)
        let b = try await JSONBody.decode(Decision.self, request, context: context)
        return try JSONBody.response(
            try await repo.decide(
                selectionId: try context.parameters.require("id", as: Int64.self), compoundId: b.compoundId,
                approved: b.approved, basis: b.basis, actor: actor))
    }

    @Sendable func contract(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(.manageZones)
        let b = try await JSONBody.decode(Contract.self, request, context: context)
        return try JSONBody.response(
            try await repo.contract(
                selectionId: try context.parameters.require("id", as: Int64.self),
                .init(
                    termFrom: b.termFrom, termUntil: b.termUntil, feeFenPerM2Month: b.feeFenPerM2Month, scope: b.scope,
                    attachmentId: b.attachmentId), actor: actor))
    }
}
