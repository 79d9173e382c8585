import CourtyardDomain
import CourtyardSheets
import Foundation

/// A bulletin as an office posts it (printable HTML, A4, black and white) and as tables (CSV, XLSX).
enum BulletinDocument {
    static func title(_ b: JSONValue, lang: Lang) -> String {
        let issue = b["issue_no"]?.intValue.map { String($0) } ?? lang.t("bulletin.draftIssue")
        return lang.t("bulletin.heading").replacingOccurrences(of: "{n}", with: issue)
    }

    /// "通报（第2期）" for lists and page titles.
    static func shortTitle(_ b: JSONValue, lang: Lang) -> String { lang.t("bulletin.name") + title(b, lang: lang) }

    /// "+1.2" / "-0.5" / "0.0", or a dash when there is no earlier bulletin.
    static func change(_ v: JSONValue?, _ key: String) -> String {
        guard let c = v?[key]?.cellText, !c.isEmpty else { return "—" }
        return c.hasPrefix("-") || c == "0.0" ? c : "+" + c
    }

    static func problems(_ c: JSONValue, lang: Lang) -> String {
        c["problems"].arrayItems.compactMap(\.stringValue).map { p in
            let parts = p.split(separator: ":")
            return lang.t("bulletin.problem.\(parts[0])").replacingOccurrences(of: "{n}", with: parts.count > 1 ? String(parts[1]) : "")
        }.joined(separator: "；")
    }

    static let communityColumns = ["name", "compounds_planned", "compounds_started", "start_rate_by_compounds", "compounds_completed",
                                   "completion_rate_by_compounds", "households_planned", "households_completed", "completion_rate_by_households"]
    static let compoundColumns = ["name", "community_name", "households", "started_on", "percent_complete", "completed_on"]

    static func html(_ b: JSONValue, lang: Lang) -> String {
        let t = lang.t
        let totals = b["totals"] ?? .null
        let cp = b["change_pp"]
        var s = "<!doctype html><html lang=\"\(lang.htmlTag)\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        s += "<title>\(esc(title(b, lang: lang)))</title><style>\(css)</style></head><body><article class=\"bulletin\">"
        if b["state"]?.stringValue == "draft" { s += "<p class=\"draft\">\(esc(t("bulletin.draftMark")))</p>" }
        s += "<h1>\(esc(t("bulletin.title")))<br><small>\(esc(title(b, lang: lang)))</small></h1>"
        s += "<p class=\"meta\">\(esc(b["issuing_unit"]?.stringValue ?? t("bulletin.city")))　\(esc(t("bulletin.asOf"))) \(esc(b["as_of"]?.cellText ?? ""))　\(esc(t("bulletin.batch"))) \(esc(b["batch_year"]?.cellText ?? ""))</p>"
        let summary = t("bulletin.summary")
            .replacingOccurrences(of: "{cp}", with: totals["compounds_planned"]?.cellText ?? "0")
            .replacingOccurrences(of: "{hp}", with: totals["households_planned"]?.cellText ?? "0")
            .replacingOccurrences(of: "{cs}", with: totals["compounds_started"]?.cellText ?? "0")
            .replacingOccurrences(of: "{cc}", with: totals["compounds_completed"]?.cellText ?? "0")
            .replacingOccurrences(of: "{hs}", with: totals["households_started"]?.cellText ?? "0")
            .replacingOccurrences(of: "{hc}", with: totals["households_completed"]?.cellText ?? "0")
            .replacingOccurrences(of: "{sr}", with: totals["start_rate_by_compounds"]?.cellText ?? "0")
            .replacingOccurrences(of: "{cr}", with: totals["completion_rate_by_compounds"]?.cellText ?? "0")
            .replacingOccurrences(of: "{srh}", with: totals["start_rate_by_households"]?.cellText ?? "0")
            .replacingOccurrences(of: "{crh}", with: totals["completion_rate_by_households"]?.cellText ?? "0")
        s += "<p>\(esc(summary))</p>"
        if cp != nil && cp != .null {
            s += "<p>" + esc(t("bulletin.changeSummary")
                .replacingOccurrences(of: "{sr}", with: change(cp, "start_rate_by_compounds"))
                .replacingOccurrences(of: "{cr}", with: change(cp, "completion_rate_by_compounds"))) + "</p>"
        }
        s += "<h2>\(esc(t("bulletin.ranking")))</h2><table><thead><tr>"
        for h in ["bulletin.col.unit", "bulletin.col.planned", "bulletin.col.started", "bulletin.col.startRate", "bulletin.col.completed",
                  "bulletin.col.completionRate", "bulletin.col.change", "bulletin.col.rank"] { s += "<th>\(esc(t(h)))</th>" }
        s += "</tr></thead><tbody>"
        // A city-wide bulletin ranks sub-districts; a sub-district's ranks its communities.
        let communities = b["subdistricts"].arrayItems.isEmpty ? b["communities"].arrayItems : b["subdistricts"].arrayItems
        let worstRank = communities.compactMap { $0["rank"]?.intValue }.max() ?? 0
        for c in communities {
            let laggard = communities.count > 1 && c["rank"]?.intValue == worstRank
            s += "<tr\(laggard ? " class=\"laggard\"" : "")><td>\(esc(c["name"]?.cellText ?? ""))\(laggard ? "（\(esc(t("bulletin.laggard")))）" : "")</td>"
            for k in ["compounds_planned", "compounds_started"] { s += "<td class=\"n\">\(esc(c[k]?.cellText ?? ""))</td>" }
            s += "<td class=\"n\">\(esc(c["start_rate_by_compounds"]?.cellText ?? ""))%</td><td class=\"n\">\(esc(c["compounds_completed"]?.cellText ?? ""))</td>"
            s += "<td class=\"n\">\(esc(c["completion_rate_by_compounds"]?.cellText ?? ""))%</td>"
            s += "<td class=\"n\">\(esc(change(c["change_pp"], "completion_rate_by_compounds")))</td><td class=\"n\">\(esc(c["rank"]?.cellText ?? ""))</td></tr>"
        }
        s += "</tbody></table><h2>\(esc(t("bulletin.compounds")))</h2><table><thead><tr>"
        for h in ["col.compound", "col.community", "dash.households", "bulletin.col.startedOn", "bulletin.col.progress", "bulletin.col.problems",
                  "bulletin.col.responsible"] { s += "<th>\(esc(t(h)))</th>" }
        s += "</tr></thead><tbody>"
        for c in b["compounds"].arrayItems {
            s += "<tr><td>\(esc(c["name"]?.cellText ?? ""))</td><td>\(esc(c["community_name"]?.cellText ?? ""))</td>"
            s += "<td class=\"n\">\(esc(c["households"]?.cellText ?? ""))</td><td>\(esc(c["started_on"]?.cellText ?? "—"))</td>"
            s += "<td class=\"n\">\(esc(c["percent_complete"]?.cellText ?? ""))%</td><td>\(esc(problems(c, lang: lang)))</td>"
            s += "<td>\(esc(c["responsible"]?.cellText ?? ""))</td></tr>"
        }
        s += "</tbody></table><h2>\(esc(t("bulletin.problems")))</h2><ol>"
        let overdue = b["overdue"] ?? .null
        for task in overdue["tasks"].arrayItems.prefix(50) {
            s += "<li>" + esc(t("bulletin.overdueTask").replacingOccurrences(of: "{compound}", with: task["compound_name"]?.cellText ?? "")
                .replacingOccurrences(of: "{task}", with: task["task"]?.cellText ?? "").replacingOccurrences(of: "{date}", with: task["late_finish"]?.cellText ?? "")) + "</li>"
        }
        for f in overdue["findings"].arrayItems.prefix(50) {
            s += "<li>" + esc(t("bulletin.overdueFinding").replacingOccurrences(of: "{compound}", with: f["compound_name"]?.cellText ?? "")
                .replacingOccurrences(of: "{finding}", with: f["finding"]?.cellText ?? "").replacingOccurrences(of: "{date}", with: f["due_on"]?.cellText ?? "")) + "</li>"
        }
        if overdue["tasks"].arrayItems.isEmpty && overdue["findings"].arrayItems.isEmpty { s += "<li>\(esc(t("bulletin.noProblems")))</li>" }
        s += "</ol>"
        if let next = b["next_steps"]?.stringValue, !next.isEmpty {
            s += "<h2>\(esc(t("bulletin.nextSteps")))</h2><p class=\"pre\">\(esc(next))</p>"
        }
        return s + "</article></body></html>"
    }

    static let css = """
        body{font-family:"Noto Serif CJK SC","Noto Sans CJK SC",serif;color:#000;background:#fff;margin:0;padding:16px;line-height:1.6}
        .bulletin{max-width:190mm;margin:0 auto}h1{text-align:center;font-size:22px;margin:8px 0}h1 small{font-size:16px;font-weight:normal}
        h2{font-size:16px;margin:18px 0 6px;border-bottom:1px solid #000}.meta{text-align:center}.draft{border:2px solid #000;padding:4px;text-align:center;font-weight:bold}
        table{border-collapse:collapse;width:100%;font-size:13px}th,td{border:1px solid #000;padding:3px 5px;text-align:left}.n{text-align:right}
        tr.laggard td{font-weight:bold}.pre{white-space:pre-wrap}
        @media print{body{padding:0}@page{size:A4;margin:15mm}tr{page-break-inside:avoid}}
        @media (max-width:600px){table{font-size:12px}}
        """

    static func csv(_ b: JSONValue, lang: Lang) -> String {
        var rows: [[String]] = [[title(b, lang: lang)], [lang.t("bulletin.asOf"), b["as_of"]?.cellText ?? ""]]
        let totals = b["totals"] ?? .null
        rows.append(["unit", "compounds_started", "compounds_completed", "households_planned",
            "households_started", "households_completed"] + Rates.keys + Rates.keys.map { "change_pp_\($0)" } + ["rank"])
        func line(_ name: String, _ v: JSONValue, change: JSONValue?, rank: String) -> [String] {
            [name] + ["compounds_planned", "compounds_started", "compounds_completed", "households_planned", "households_started", "households_completed"]
                .map { v[$0]?.cellText ?? "" } + Rates.keys.map { v[$0]?.cellText ?? "" } + Rates.keys.map { change?[$0]?.cellText ?? "" } + [rank]
        }
        rows.append(line(lang.t("bulletin.total"), totals, change: b["change_pp"], rank: ""))
        for c in b["communities"].arrayItems { rows.append(line(c["name"]?.cellText ?? "", c, change: c["change_pp"], rank: c["rank"]?.cellText ?? "")) }
        rows.append([])
        rows.append(["compound", "community", "households", "stage", "started_on", "completed_on", "percent_complete", "overdue_tasks",
                     "overdue_findings", "open_reports", "responsible"])
        for c in b["compounds"].arrayItems {
            rows.append(["name", "community_name", "households", "stage", "started_on", "completed_on", "percent_complete", "overdue_tasks",
                         "overdue_findings", "open_reports", "responsible"].map { c[$0]?.cellText ?? "" })
        }
        return CSV.write(rows)
    }

    static func xlsx(_ b: JSONValue, lang: Lang) throws -> Data {
        let numeric = Set(["compounds_planned", "compounds_started", "compounds_completed", "households_planned", "households_started",
                                    "households_completed", "rank", "households", "percent_complete", "overdue_tasks", "overdue_findings", "open_reports"])
            .union(Rates.keys)
        func cells(_ v: JSONValue, _ keys: [String]) -> [XLSX.Cell] {
            keys.map { k in numeric.contains(k) ? .number(v[k]?.cellText ?? "") : .text(v[k]?.cellText ?? "") }
        }
        let unitKeys = ["name", "compounds_planned", "compounds_started", "compounds_completed", "households_planned", "households_started",
                        "households_completed"] + Rates.keys
        var totals = (b["totals"] ?? .null)
        if case .object(var p) = totals { p.insert(("name", .string(lang.t("bulletin.total"))), at: 0); totals = .object(p) }
        let compoundKeys = ["name", "community_name", "households", "stage", "started_on", "completed_on", "percent_complete", "overdue_tasks",
                            "overdue_findings", "open_reports", "responsible"]
        return try XLSX.write(sheets: [
            .init(name: lang.t("bulletin.sheet.ranking"), header: unitKeys + ["rank"],
                  rows: [cells(totals, unitKeys) + [.text("")]] + b["communities"].arrayItems.map { cells($0, unitKeys + ["rank"]) }),
            .init(name: lang.t("bulletin.sheet.compounds"), header: compoundKeys, rows: b["compounds"].arrayItems.map { cells($0, compoundKeys) }),
        ])
    }
}
