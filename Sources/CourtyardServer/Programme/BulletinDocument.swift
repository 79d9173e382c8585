import CourtyardDomain
import CourtyardSheets
import CourtyardStore
import Foundation

/// A bulletin as an office posts it (printable HTML, A4, black and white) and as tables (CSV, XLSX).
enum BulletinDocument {
    /// "（第2期）", or "（草稿）" for a draft, which has no number yet.
    static func title(issueNo: Int64?, lang: Lang) -> String {
        guard let issueNo else { return lang.t("bulletin.headingDraft") }
        return lang.t("bulletin.heading").replacingOccurrences(of: "{n}", with: String(issueNo))
    }

    /// "通报（第2期）" for lists and page titles.
    static func shortTitle(issueNo: Int64?, lang: Lang) -> String {
        lang.t("bulletin.name") + title(issueNo: issueNo, lang: lang)
    }

    /// "+1.2" / "-0.5" / "0.0", or a dash when there is no earlier bulletin.
    static func change(_ rates: BulletinRates?, _ rate: KeyPath<BulletinRates, PercentTenths>) -> String {
        guard let c = rates?[keyPath: rate].numberText, !c.isEmpty else { return "—" }
        return c.hasPrefix("-") || c == "0.0" ? c : "+" + c
    }

    /// What holds a compound up, in words: "逾期任务2项；待处理报事1件".
    static func problems(_ c: BulletinCompound, lang: Lang) -> String {
        c.problems.map { p in
            let parts = p.split(separator: ":")
            return lang.t("bulletin.problem.\(parts.first ?? "")").replacingOccurrences(
                of: "{n}", with: parts.count > 1 ? String(parts[1]) : "")
        }.joined(separator: "；")
    }

    /// The issuing office as it signs: "建设路街道办事处" for a sub-district, the city's office for a city-wide issue.
    static func issuer(_ b: Bulletin, lang: Lang) -> String {
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
    static func documentNumber(_ b: Bulletin, lang: Lang) -> String {
        let key = b.issueNo == nil ? "bulletin.documentNumberDraft" : "bulletin.documentNumber"
        return lang.t(key).replacingOccurrences(of: "{year}", with: String(b.asOf.civil.year))
            .replacingOccurrences(of: "{n}", with: b.issueNo.map(String.init) ?? "")
    }

    /// The printed bulletin: a whole A4 document of its own, not a page of the site.
    static func html(_ b: Bulletin, lang: Lang) -> String {
        let frame = PageFrame(lang: lang, account: nil, csrf: "", path: "")
        return Views.render("programme-bulletin-print", BulletinPrint(b, lang: lang), frame: frame).html
    }

    /// A column of the exported tables: its header's catalogue key (`bulletin.export.…`), whether a spreadsheet
    /// should treat it as a number, and how a row gives its value.
    struct Column<Row>: Sendable {
        let key: String
        let numeric: Bool
        let value: @Sendable (Row, Lang) -> String

        var header: String { "bulletin.export." + key }

        static func text(_ key: String, _ path: KeyPath<Row, String> & Sendable) -> Column {
            Column(key: key, numeric: false) { row, _ in row[keyPath: path] }
        }
        static func text(_ key: String, _ path: KeyPath<Row, String?> & Sendable) -> Column {
            Column(key: key, numeric: false) { row, _ in row[keyPath: path] ?? "" }
        }
        static func day(_ key: String, _ path: KeyPath<Row, Day?> & Sendable) -> Column {
            Column(key: key, numeric: false) { row, _ in row[keyPath: path]?.description ?? "" }
        }
        static func count(_ key: String, _ path: KeyPath<Row, Int64> & Sendable) -> Column {
            Column(key: key, numeric: true) { row, _ in String(row[keyPath: path]) }
        }
        static func percent(_ key: String, _ path: KeyPath<Row, PercentTenths?> & Sendable) -> Column {
            Column(key: key, numeric: true) { row, _ in row[keyPath: path]?.numberText ?? "" }
        }
    }

    /// The ranking table: each unit's counts, its four rates, their change since the previous issue, and its rank.
    static let unitColumns: [Column<BulletinUnit>] = {
        typealias C = Column<BulletinUnit>
        let rates: [(String, KeyPath<BulletinRates, PercentTenths> & Sendable)] = [
            ("start_rate_by_compounds", \.startRateByCompounds),
            ("completion_rate_by_compounds", \.completionRateByCompounds),
            ("start_rate_by_households", \.startRateByHouseholds),
            ("completion_rate_by_households", \.completionRateByHouseholds),
        ]
        let counts: [C] = [
            .count("compounds_planned", \.compoundsPlanned), .count("compounds_started", \.compoundsStarted),
            .count("compounds_completed", \.compoundsCompleted), .count("households_planned", \.householdsPlanned),
            .count("households_started", \.householdsStarted),
            .count("households_completed", \.householdsCompleted),
        ]
        let now = rates.map { key, path in C(key: key, numeric: true) { u, _ in u.rates[keyPath: path].numberText } }
        let change = rates.map { key, path in
            C(key: "change_pp." + key, numeric: true) { u, _ in u.changePp?[keyPath: path].numberText ?? "" }
        }
        let rank = C(key: "rank", numeric: true) { u, _ in u.rank.map(String.init) ?? "" }
        return [.text("name", \.name)] + counts + now + change + [rank]
    }()

    /// The compounds table, one row per project in the batch.
    static let compoundTableColumns: [Column<BulletinCompound>] = {
        typealias C = Column<BulletinCompound>
        let stage = C(key: "stage", numeric: false) { c, lang in lang.t("stage.\(c.stage.rawValue)") }
        let percent = C(key: "percent_complete", numeric: true) { c, _ in c.percentComplete.numberText }
        return [
            .text("compound", \.name), .text("community_name", \.communityName), .count("households", \.households),
            stage, .day("started_on", \.startedOn), .day("completed_on", \.completedOn), percent,
            .count("overdue_tasks", \.overdueTasks), .count("open_findings", \.openFindings),
            .count("overdue_findings", \.overdueFindings), .count("open_reports", \.openReports),
            .text("responsible", \.responsible), .percent("satisfaction_rate", \.satisfactionRate),
        ]
    }()

    /// Sub-districts in a city-wide bulletin, communities in a sub-district's; the totals row first.
    static func unitRows(_ b: Bulletin, lang: Lang) -> [BulletinUnit] {
        var totals = b.totals
        totals.name = lang.t("bulletin.total")
        totals.changePp = b.changePp
        return [totals] + b.units
    }

    /// The full printed title, "关于…的通报（第3期）", with the issuing unit and the date it speaks of.
    static func titleRows(_ b: Bulletin, lang: Lang) -> [[String]] {
        [
            [lang.t("bulletin.title") + title(issueNo: b.issueNo, lang: lang)],
            [b.issuingUnit ?? lang.t("bulletin.city"), lang.t("bulletin.asOf"), b.asOf.description],
        ]
    }

    static func table<Row>(_ columns: [Column<Row>], _ rows: [Row], lang: Lang) -> [[String]] {
        [columns.map { lang.t($0.header) }] + rows.map { row in columns.map { $0.value(row, lang) } }
    }

    static func csv(_ b: Bulletin, lang: Lang) -> String {
        let rows =
            titleRows(b, lang: lang) + table(unitColumns, unitRows(b, lang: lang), lang: lang) + [[]]
            + table(compoundTableColumns, b.compounds, lang: lang)
        return CSV.write(rows)
    }

    static func xlsx(_ b: Bulletin, lang: Lang) throws -> Data {
        func sheet<Row>(_ name: String, _ columns: [Column<Row>], _ rows: [Row]) -> XLSX.Sheet {
            .init(
                name: lang.t(name), header: columns.map { lang.t($0.header) },
                rows: rows.map { row in
                    columns.map { c in
                        let v = c.value(row, lang)
                        return c.numeric && !v.isEmpty ? .number(v) : .text(v)
                    }
                })
        }
        return try XLSX.write(sheets: [
            sheet("bulletin.sheet.ranking", unitColumns, unitRows(b, lang: lang)),
            sheet("bulletin.sheet.compounds", compoundTableColumns, b.compounds),
        ])
    }
}
