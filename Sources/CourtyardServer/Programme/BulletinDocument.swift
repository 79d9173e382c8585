import CourtyardDomain
import CourtyardSheets
import CourtyardStore
import Foundation

/// A bulletin as an office posts it (printable HTML, A4, black and white) and as tables (CSV, XLSX).
enum BulletinDocument {
    static func title(_ b: JSONValue, lang: Lang) -> String {
        let issue = b["issue_no"]?.intValue.map { String($0) } ?? lang.t("bulletin.draftIssue")
        return lang.t("bulletin.heading").replacingOccurrences(of: "{n}", with: issue)
    }

    /// "通报（第2期）" for lists and page titles.
    static func shortTitle(_ b: JSONValue, lang: Lang) -> String { lang.t("bulletin.name") + title(b, lang: lang) }

    static func shortTitle(_ b: BulletinSummary, lang: Lang) -> String {
        let issue = b.issueNo.map { String($0) } ?? lang.t("bulletin.draftIssue")
        return lang.t("bulletin.name") + lang.t("bulletin.heading").replacingOccurrences(of: "{n}", with: issue)
    }

    /// "+1.2" / "-0.5" / "0.0", or a dash when there is no earlier bulletin.
    static func change(_ v: JSONValue?, _ key: String) -> String {
        guard let c = v?[key]?.cellText, !c.isEmpty else { return "—" }
        return c.hasPrefix("-") || c == "0.0" ? c : "+" + c
    }

    static func problems(_ c: JSONValue, lang: Lang) -> String {
        c["problems"].arrayItems.compactMap(\.stringValue).map { p in
            let parts = p.split(separator: ":")
            return lang.t("bulletin.problem.\(parts[0])").replacingOccurrences(
                of: "{n}", with: parts.count > 1 ? String(parts[1]) : "")
        }.joined(separator: "；")
    }

    /// The issuing office as it signs: "建设路街道办事处" for a sub-district, the city's office for a city-wide issue.
    static func issuer(_ b: JSONValue, lang: Lang) -> String {
        guard let unit = b["issuing_unit"]?.stringValue, !unit.isEmpty else { return lang.t("bulletin.cityIssuer") }
        return lang.t("bulletin.issuer").replacingOccurrences(of: "{unit}", with: unit)
    }

    /// A date as a Chinese document writes it (2026年11月23日), or as ISO text in English.
    static func written(_ day: String, lang: Lang) -> String {
        guard lang == .zh, let d = Day(day) else { return day }
        let c = d.civil
        return "\(c.year)年\(c.month)月\(c.day)日"
    }

    /// The document number (文号): 街改通〔2026〕3号, from the year of the as-of date and the issue number.
    static func documentNumber(_ b: JSONValue, lang: Lang) -> String {
        let year = String((b["as_of"]?.cellText ?? "").prefix(4))
        let n = b["issue_no"]?.intValue.map(String.init) ?? lang.t("bulletin.draftIssue")
        return lang.t("bulletin.documentNumber").replacingOccurrences(of: "{year}", with: year)
            .replacingOccurrences(of: "{n}", with: n)
    }

    /// The red header (红头): the issuing office in red, the document number, a red rule.
    static func redHeader(_ b: JSONValue, lang: Lang) -> String {
        "<header class=\"redhead\"><p class=\"office\">\(esc(issuer(b, lang: lang)))</p>"
            + "<p class=\"docno\">\(esc(documentNumber(b, lang: lang)))</p></header>"
    }

    /// The closing block (落款): the issuer and the date of issue (publication, or the as-of date for a draft).
    static func closing(_ b: JSONValue, lang: Lang) -> String {
        let issued =
            b["published_at"]?.stringValue.map { beijingTime($0, dateOnly: true) } ?? b["as_of"]?.cellText ?? ""
        return
            "<footer class=\"closing\"><p>\(esc(issuer(b, lang: lang)))</p><p>\(esc(written(issued, lang: lang)))</p></footer>"
    }

    static func html(_ b: JSONValue, lang: Lang) -> String {
        let t = lang.t
        let totals = b["totals"] ?? .null
        let cp = b["change_pp"]
        // The printed title is also the page's title, which browsers offer as the PDF's file name.
        let fullTitle = t("bulletin.title") + title(b, lang: lang)
        var s =
            "<!doctype html><html lang=\"\(lang.htmlTag)\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        s += "<title>\(esc(fullTitle))</title><style>\(css)</style></head><body><article class=\"bulletin\">"
        if b["state"]?.stringValue == "draft" { s += "<p class=\"draft\">\(esc(t("bulletin.draftMark")))</p>" }
        s += redHeader(b, lang: lang)
        s += "<h1>\(esc(t("bulletin.title")))<br><small>\(esc(title(b, lang: lang)))</small></h1>"
        s +=
            "<p class=\"meta\">\(esc(t("bulletin.asOf"))) \(esc(written(b["as_of"]?.cellText ?? "", lang: lang)))　"
            + "\(esc(t("bulletin.batch"))) \(esc(b["batch_year"]?.cellText ?? ""))</p>"
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
            s +=
                "<p>"
                + esc(
                    t("bulletin.changeSummary")
                        .replacingOccurrences(of: "{sr}", with: change(cp, "start_rate_by_compounds"))
                        .replacingOccurrences(of: "{cr}", with: change(cp, "completion_rate_by_compounds"))) + "</p>"
        }
        s += "<h2>\(esc(t("bulletin.ranking")))</h2><table><thead><tr>"
        for h in [
            "bulletin.col.unit", "bulletin.col.planned", "bulletin.col.started", "bulletin.col.startRate",
            "bulletin.col.completed",
            "bulletin.col.completionRate", "bulletin.col.change", "bulletin.col.rank",
        ] { s += "<th>\(esc(t(h)))</th>" }
        s += "</tr></thead><tbody>"
        // A city-wide bulletin ranks sub-districts; a sub-district's ranks its communities.
        let communities =
            b["subdistricts"].arrayItems.isEmpty ? b["communities"].arrayItems : b["subdistricts"].arrayItems
        let worstRank = communities.compactMap { $0["rank"]?.intValue }.max() ?? 0
        for c in communities {
            let laggard = communities.count > 1 && c["rank"]?.intValue == worstRank
            s +=
                "<tr\(laggard ? " class=\"laggard\"" : "")><td>\(esc(c["name"]?.cellText ?? ""))\(laggard ? "（\(esc(t("bulletin.laggard")))）" : "")</td>"
            for k in ["compounds_planned", "compounds_started"] {
                s += "<td class=\"n\">\(esc(c[k]?.cellText ?? ""))</td>"
            }
            s +=
                "<td class=\"n\">\(esc(c["start_rate_by_compounds"]?.cellText ?? ""))%</td><td class=\"n\">\(esc(c["compounds_completed"]?.cellText ?? ""))</td>"
            s += "<td class=\"n\">\(esc(c["completion_rate_by_compounds"]?.cellText ?? ""))%</td>"
            s +=
                "<td class=\"n\">\(esc(change(c["change_pp"], "completion_rate_by_compounds")))</td><td class=\"n\">\(esc(c["rank"]?.cellText ?? ""))</td></tr>"
        }
        s += "</tbody></table><h2>\(esc(t("bulletin.compounds")))</h2><table><thead><tr>"
        for h in [
            "col.compound", "col.community", "dash.households", "bulletin.col.startedOn", "bulletin.col.progress",
            "bulletin.col.problems",
            "bulletin.col.responsible",
        ] { s += "<th>\(esc(t(h)))</th>" }
        s += "</tr></thead><tbody>"
        for c in b["compounds"].arrayItems {
            s += "<tr><td>\(esc(c["name"]?.cellText ?? ""))</td><td>\(esc(c["community_name"]?.cellText ?? ""))</td>"
            s +=
                "<td class=\"n\">\(esc(c["households"]?.cellText ?? ""))</td><td>\(esc(c["started_on"]?.cellText ?? "—"))</td>"
            s +=
                "<td class=\"n\">\(esc(c["percent_complete"]?.cellText ?? ""))%</td><td>\(esc(problems(c, lang: lang)))</td>"
            s += "<td>\(esc(c["responsible"]?.cellText ?? ""))</td></tr>"
        }
        s += "</tbody></table><h2>\(esc(t("bulletin.problems")))</h2><ol>"
        let overdue = b["overdue"] ?? .null
        for task in overdue["tasks"].arrayItems.prefix(50) {
            s +=
                "<li>"
                + esc(
                    t("bulletin.overdueTask").replacingOccurrences(
                        of: "{compound}", with: task["compound_name"]?.cellText ?? ""
                    )
                    .replacingOccurrences(of: "{task}", with: task["task"]?.cellText ?? "").replacingOccurrences(
                        of: "{date}", with: task["late_finish"]?.cellText ?? "")) + "</li>"
        }
        for f in overdue["findings"].arrayItems.prefix(50) {
            s +=
                "<li>"
                + esc(
                    t("bulletin.overdueFinding").replacingOccurrences(
                        of: "{compound}", with: f["compound_name"]?.cellText ?? ""
                    )
                    .replacingOccurrences(of: "{finding}", with: f["finding"]?.cellText ?? "").replacingOccurrences(
                        of: "{date}", with: f["due_on"]?.cellText ?? "")) + "</li>"
        }
        if overdue["tasks"].arrayItems.isEmpty && overdue["findings"].arrayItems.isEmpty {
            s += "<li>\(esc(t("bulletin.noProblems")))</li>"
        }
        s += "</ol>"
        if let next = b["next_steps"]?.stringValue, !next.isEmpty {
            s += "<h2>\(esc(t("bulletin.nextSteps")))</h2><p class=\"pre\">\(esc(next))</p>"
        }
        return s + closing(b, lang: lang) + "</article></body></html>"
    }

    static let css = """
        body{font-family:"Noto Serif CJK SC","Noto Sans CJK SC",serif;color:#000;background:#fff;margin:0;padding:16px;line-height:1.6}
        .bulletin{max-width:190mm;margin:0 auto}h1{text-align:center;font-size:22px;margin:8px 0}h1 small{font-size:16px;font-weight:normal}
        h2{font-size:16px;margin:18px 0 6px;border-bottom:1px solid #000}.meta{text-align:center}.draft{border:2px solid #000;padding:4px;text-align:center;font-weight:bold}
        table{border-collapse:collapse;width:100%;font-size:13px}th,td{border:1px solid #000;padding:3px 5px;text-align:left}.n{text-align:right}
        tr.laggard td{font-weight:bold}.pre{white-space:pre-wrap}
        .redhead{text-align:center;border-bottom:3px solid #c00;margin-bottom:14px;padding-bottom:6px}
        .redhead .office{color:#c00;font-size:30px;font-weight:bold;letter-spacing:4px;margin:8px 0}
        .redhead .docno{margin:4px 0}.closing{text-align:right;margin-top:28px}.closing p{margin:2px 0}
        @media print{body{padding:0}@page{size:A4;margin:15mm}tr{page-break-inside:avoid}}
        @media (max-width:600px){table{font-size:12px}}
        """

    /// A column of the exported tables: where its value sits in the bulletin's JSON (`change_pp.x` for a change),
    /// its header in the catalogue, and whether a spreadsheet should treat it as a number.
    struct Column: Sendable {
        let key: String
        let numeric: Bool
        /// The header's catalogue key, when it is not the field's own (the compounds table's name is a compound's).
        var headerKey: String? = nil

        var header: String { "bulletin.export." + (headerKey ?? key) }

        func value(in v: JSONValue, lang: Lang) -> String {
            let parts = key.split(separator: ".", maxSplits: 1).map(String.init)
            let text = (parts.count == 2 ? v[parts[0]]?[parts[1]] : v[key])?.cellText ?? ""
            return key == "stage" && !text.isEmpty ? lang.t("stage.\(text)") : text
        }
    }

    static let counts = [
        "compounds_planned", "compounds_started", "compounds_completed", "households_planned",
        "households_started", "households_completed",
    ]
    /// The ranking table: each unit's counts, its four rates, their change since the previous issue, and its rank.
    static let unitColumns: [Column] =
        [Column(key: "name", numeric: false)]
        + (counts + Rates.keys + Rates.keys.map { "change_pp." + $0 } + ["rank"]).map { Column(key: $0, numeric: true) }
    /// The compounds table, one row per project in the batch.
    static let compoundTableColumns: [Column] = [
        ("name", false), ("community_name", false), ("households", true), ("stage", false), ("started_on", false),
        ("completed_on", false), ("percent_complete", true), ("overdue_tasks", true), ("open_findings", true),
        ("overdue_findings", true), ("open_reports", true), ("responsible", false), ("satisfaction_rate", true),
    ].map { Column(key: $0.0, numeric: $0.1, headerKey: $0.0 == "name" ? "compound" : nil) }

    /// Sub-districts in a city-wide bulletin, communities in a sub-district's; the totals row first.
    static func unitRows(_ b: JSONValue, lang: Lang) -> [JSONValue] {
        var totals = b["totals"] ?? .null
        if case .object(var pairs) = totals {
            pairs.insert(("name", .string(lang.t("bulletin.total"))), at: 0)
            pairs.append(("change_pp", b["change_pp"] ?? .null))
            totals = .object(pairs)
        }
        let units = b["subdistricts"].arrayItems.isEmpty ? b["communities"].arrayItems : b["subdistricts"].arrayItems
        return [totals] + units
    }

    /// The full printed title, "关于…的通报（第3期）", with the issuing unit and the date it speaks of.
    static func titleRows(_ b: JSONValue, lang: Lang) -> [[String]] {
        [
            [lang.t("bulletin.title") + title(b, lang: lang)],
            [
                b["issuing_unit"]?.stringValue ?? lang.t("bulletin.city"), lang.t("bulletin.asOf"),
                b["as_of"]?.cellText ?? "",
            ],
        ]
    }

    static func csv(_ b: JSONValue, lang: Lang) -> String {
        func table(_ columns: [Column], _ rows: [JSONValue]) -> [[String]] {
            [columns.map { lang.t($0.header) }] + rows.map { row in columns.map { $0.value(in: row, lang: lang) } }
        }
        let rows =
            titleRows(b, lang: lang) + table(unitColumns, unitRows(b, lang: lang)) + [[]]
            + table(compoundTableColumns, b["compounds"].arrayItems)
        return CSV.write(rows)
    }

    static func xlsx(_ b: JSONValue, lang: Lang) throws -> Data {
        func sheet(_ name: String, _ columns: [Column], _ rows: [JSONValue]) -> XLSX.Sheet {
            .init(
                name: lang.t(name), header: columns.map { lang.t($0.header) },
                rows: rows.map { row in
                    columns.map { c in
                        let v = c.value(in: row, lang: lang)
                        return c.numeric && !v.isEmpty ? .number(v) : .text(v)
                    }
                })
        }
        return try XLSX.write(sheets: [
            sheet("bulletin.sheet.ranking", unitColumns, unitRows(b, lang: lang)),
            sheet("bulletin.sheet.compounds", compoundTableColumns, b["compounds"].arrayItems),
        ])
    }
}
