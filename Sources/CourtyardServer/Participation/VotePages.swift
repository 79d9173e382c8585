import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

/// Owners' votes: the list, and a vote's result with the rule that decided it.
enum VotePages {
    static func add(to router: Router<AppContext>, services: Services) {
        let votes = VoteRepository(database: services.database)
        Pages.get(router, "/votes") { _, context, f in
            let actor = try context.require(.readRegistry)
            let items = try await votes.list(actor: actor, compoundId: nil)
            let places = try await Places.load(items, services: services)
            let rows = items.map { v -> [String] in
                let id = v["id"]?.intValue ?? 0
                return [
                    "<a href=\"/votes/\(id)\">\(esc(v["title"]?.stringValue ?? ""))</a>", esc(places.name(of: v)),
                    esc(f.t("vote.matter.\(v["matter"]?.intValue ?? 9)")),
                    esc(f.t("vote.status." + (v["status"]?.stringValue ?? "draft"))),
                    String(v["ballots_cast"]?.intValue ?? 0),
                    String(v["eligible_households"]?.intValue ?? 0), outcome(v, f),
                ]
            }
            let body =
                items.isEmpty
                ? "<p class=\"muted\">\(esc(f.t("common.none")))</p>"
                : Pages.table(
                    [
                        (f.t("vote.title"), false), (f.t("col.compound"), false), (f.t("vote.matter"), false),
                        (f.t("vote.status"), false),
                        (f.t("vote.ballots"), true), (f.t("vote.eligibleHouseholds"), true),
                        (f.t("vote.outcome"), false),
                    ], rows)
            return f.render(title: f.t("nav.votes"), body: body)
        }
        Pages.get(router, "/votes/:id") { _, context, f in
            let actor = try context.require(.readRegistry)
            let v = try await votes.get(id: try context.parameters.require("id", as: Int64.self), actor: actor)
            let place = try await Places.load([v], services: services).name(of: v)
            var body =
                "<p>\(esc(f.t("col.compound"))): \(esc(place))</p><p>\(esc(f.t("vote.matter"))): \(esc(f.t("vote.matter.\(v["matter"]?.intValue ?? 9)"))) · \(esc(f.t("vote.status." + (v["status"]?.stringValue ?? "draft"))))</p>"
            let t = v["thresholds"]
            body += "<h2>\(esc(f.t("vote.rule")))</h2><ul>"
            for (key, label) in [
                ("quorum_area", "vote.quorumArea"), ("quorum_owners", "vote.quorumOwners"),
                ("approval_area", "vote.approvalArea"), ("approval_owners", "vote.approvalOwners"),
            ] {
                body += "<li>\(esc(f.t(label))) \(esc(t?[key]?.stringValue ?? ""))</li>"
            }
            body += "</ul>"
            if let r = v["result"], r != .null {
                body += "<h2>\(esc(f.t("vote.result")))</h2>"
                body += Pages.table(
                    [("", false), (f.t("vote.owners"), true), (f.t("vote.area"), true)],
                    [
                        [
                            esc(f.t("vote.eligible")), String(r["eligible_owners"]?.intValue ?? 0),
                            esc(r["eligible_area"]?.stringValue ?? ""),
                        ],
                        [
                            esc(f.t("vote.participating")), String(r["participating_owners"]?.intValue ?? 0),
                            esc(r["participating_area"]?.stringValue ?? ""),
                        ],
                        [
                            esc(f.t("vote.approving")), String(r["approving_owners"]?.intValue ?? 0),
                            esc(r["approving_area"]?.stringValue ?? ""),
                        ],
                    ])
                let quorum = r["quorum_met"] == .bool(true)
                body +=
                    "<p class=\"note \(r["passed"] == .bool(true) ? "ok" : "bad")\" role=\"status\">\(esc(f.t(quorum ? "vote.quorumMet" : "vote.quorumNotMet"))) · \(outcome(v, f))</p>"
            } else {
                body +=
                    "<p>\(esc(f.t("vote.ballots"))): \(v["ballots_cast"]?.intValue ?? 0) / \(v["eligible_households"]?.intValue ?? 0)</p>"
            }
            return f.render(title: v["title"]?.stringValue ?? "", body: body)
        }
    }

    static func outcome(_ v: JSONValue, _ f: PageFrame) -> String {
        guard let r = v["result"], r != .null else { return "" }
        return esc(f.t(r["passed"] == .bool(true) ? "vote.passed" : "vote.failed"))
    }
}
