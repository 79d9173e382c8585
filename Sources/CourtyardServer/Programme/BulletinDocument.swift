import CourtyardDomain
import CourtyardSheets
import CourtyardStore
import Foundation

/// A bulletin as an office posts it (printable HTML, A4, black and white) and as tables (CSV, XLSX).
enum BulletinDocument {
    static func title(issueNo: Int64?, lang: Lang) -> String {
        let issue = issueNo.map { String($0) } ?? lang.t("bulletin.draftIssue")
        return lang.t("bulletin.heading").replacingOccurrences(of: "{n}", with: issue)
    }

    static func title(_ b: JSONValue, lang: Lang) -> String { title(issueNo: b["issue_no"]?.intValue, lang: lang) }

    /// "通报（第2期）" for lists and page titles.
    static func shortTitle(issueNo: Int64?, lang: Lang) -> String {
        lang.t("bulletin.name") + title(issueNo: issueNo, lang: lang)
    }

    /// "+1.2" / "-0.5" / "0.0", or a dash when there is no earlier bulletin.
    static func change(_ rates: BulletinRates?, _ rate: KeyPath<BulletinRates, ExactDecimal>) -> String {
        guard let c = rates?[keyPath: rate].numberText, !c.isEmpty else { return "—" }
        return c.hasPrefix("-") || c == "0.0" ? c : "+" + c
    }

    /// What holds a compound up, in words: "逾期任务2项；待处理报事1件".
    static func problems(_ c: BulletinContent.CompoundLine, lang: Lang) -> String {
        c.problems.map { p in
            let parts = p.split(separator: ":")
            return lang.t("bulletin.problem.\(parts.first ?? "")").replacingOccurrences(
                of: "{n}", with: parts.count > 1 ? String(parts[1]) : "")
        }.joined(separator: "；")
    }

    /// The issuing office as it signs: "建设路街道办事处" for a sub-district, the city's office for a city-wide issue.
    static func issuer(_ b: BulletinContent, lang: Lang) -> String {
        guard let unit = b.issuingUnit, !unit.isEmpty else { return lang.t("bulletin.cityIssuer") }
        return lang.t("bulletin.issuer").replacingOccurrences(of: "{unit}", with: unit)
    }

    /// A date as a Chinese document writes it (2026年11月23日), or as ISO text in English.
    static func written(_ day: String, lang: Lang) -> String {
        guard lang == .zh, let d = Day(day) else { return day }
        let c = d.civil
        return "\(c.year)年\(c.month)月\(c.day)日"
    }

    /// The document number (文号): 街改通〔2026〕3号, from the year of the as-of date and the issue number.
    static func documentNumber(_ b: BulletinContent, lang: Lang) -> String {
        let n = b.issueNo.map(String.init) ?? lang.t("bulletin.draftIssue")
        return lang.t("bulletin.documentNumber").replacingOccurrences(of: "{year}", with: String(b.asOf.civil.year))
            .replacingOccurrences(of: "{n}", with: n)
    }

    /// The printed bulletin: a whole A4 document of its own, not a page of the site.
    static func html(_ b: BulletinContent, lang: Lang) -> String {
        let frame = PageFrame(lang: lang, account: nil, csrf: "", path: "")
        return Views.render("programme-bulletin-print", BulletinPrint(b, lang: lang), frame: frame).html
    }

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
