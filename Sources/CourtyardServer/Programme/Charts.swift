import CourtyardDomain
import CourtyardSheets
import CourtyardStore

/// Charts drawn on the server as SVG: they print, work without JavaScript and stay legible in black and white.
enum Chart {
    static func text(
        _ x: Int, _ y: Int, _ s: String, size: Int = 12, anchor: String = "start", weight: String = "normal"
    ) -> String {
        "<text x=\"\(x)\" y=\"\(y)\" font-size=\"\(size)\" text-anchor=\"\(anchor)\" font-weight=\"\(weight)\">\(XLSX.escape(s))</text>"
    }

    static func open(width: Int, height: Int, title: String) -> String {
        """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" role="img" \
        font-family="\(fonts)"><title>\(XLSX.escape(title))</title>\
        <rect width="\(width)" height="\(height)" fill="#fff"/>
        """
    }

    static let fonts = "Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif"

    /// First days of the months between two days, for the axis.
    static func monthStarts(from a: Day, to b: Day) -> [Day] {
        var out: [Day] = []
        var (y, m, _) = a.civil
        while let d = Day(year: y, month: m, day: 1), d <= b {
            if d >= a { out.append(d) }
            m += 1
            if m > 12 {
                m = 1
                y += 1
            }
        }
        return out
    }
}

/// A chart drawn at its own size: its marks (`body`, without the outer `<svg>`), which make a whole SVG document
/// for a download, or, on a page, a box that scrolls sideways on a phone.
struct ChartDrawing {
    let width: Int
    let height: Int
    let title: String
    let body: String

    /// The chart as an SVG document, for `…/gantt.svg` and the like.
    var svg: String { Chart.open(width: width, height: height, title: title) + body + "</svg>" }

    /// The chart for a page, inline and never scaled down, so its 11 and 12 px text stays that size on a phone:
    /// in a box that scrolls sideways when the screen is narrower than the chart, with its first `key` pixels
    /// (the task names, the axis and the legend) drawn again in a column that stays at the left while the rest
    /// scrolls. The box can be scrolled with the keyboard, and reads as one picture with the chart's title.
    func scrolling(key: Int, hint: String) -> TrustedHTML {
        let title = XLSX.escape(self.title)
        func pane(_ x: Int, _ w: Int, _ cls: String) -> String {
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"\(cls)\" width=\"\(w)\" height=\"\(height)\" "
                + "viewBox=\"\(x) 0 \(w) \(height)\" font-family=\"\(Chart.fonts)\" aria-hidden=\"true\" "
                + "focusable=\"false\"><rect width=\"\(width)\" height=\"\(height)\" fill=\"#fff\"/>\(body)</svg>"
        }
        return TrustedHTML(
            "<div class=\"chart-scroll\" role=\"region\" aria-label=\"\(title)\" tabindex=\"0\">"
                + "<div class=\"chart-pane\" role=\"img\" aria-label=\"\(title)\">"
                + pane(0, key, "chart-key") + pane(key, width - key, "chart-rest") + "</div></div>"
                + "<p class=\"muted chart-hint\">\(XLSX.escape(hint))</p>")
    }
}

/// A project's schedule as a Gantt chart: critical tasks marked, the baseline ghosted beneath, actuals as a line, today and the deadline.
enum GanttChart {
    /// The width of the task names' column, which stays in view while the bars scroll on a phone.
    static let names = 210

    static func draw(_ plan: ScheduleRepository.Plan, today: Day, lang: Lang) -> String {
        drawing(plan, today: today, lang: lang).svg
    }

    static func drawing(_ plan: ScheduleRepository.Plan, today: Day, lang: Lang) -> ChartDrawing {
        let left = names
        let width = 980
        let right = 20
        let top = 44
        let rowH = 28
        let byId = Dictionary(plan.tasks.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let rows = plan.result.rows.sorted { (plan.planned($0).start, $0.id) < (plan.planned($1).start, $1.id) }
        var days: [Day] = [plan.result.start, plan.result.finish, plan.deadline]
        for t in plan.tasks {
            days += [t.baselineStart, t.baselineFinish, t.actualStart, t.actualFinish].compactMap { $0 }
        }
        let first = days.min()!
        let last = days.max()!
        let span = Double(last.ordinal - first.ordinal + 1)
        let scale = Double(width - left - right) / span
        func x(_ d: Day) -> Int { left + Int((Double(d.ordinal - first.ordinal) * scale).rounded()) }
        func w(_ a: Day, _ b: Day) -> Int { max(2, Int((Double(b.ordinal - a.ordinal + 1) * scale).rounded())) }
        let height = top + max(rows.count, 1) * rowH + 72
        var s = ""
        for m in Chart.monthStarts(from: first, to: last) {
            s += "<line x1=\"\(x(m))\" y1=\"\(top - 8)\" x2=\"\(x(m))\" y2=\"\(height - 64)\" stroke=\"#ddd\"/>"
            s += Chart.text(x(m) + 3, top - 14, String(m.description.prefix(7)), size: 11)
        }
        for (i, r) in rows.enumerated() {
            let y = top + i * rowH
            let t = byId[r.id]!
            if i % 2 == 1 { s += "<rect x=\"0\" y=\"\(y)\" width=\"\(width)\" height=\"\(rowH)\" fill=\"#f6f7f9\"/>" }
            let label = t.name.count > 14 ? String(t.name.prefix(13)) + "…" : t.name
            s += Chart.text(8, y + 18, label, size: 12, weight: r.critical ? "bold" : "normal")
            if let bs = t.baselineStart, let bf = t.baselineFinish {
                s +=
                    "<rect x=\"\(x(bs))\" y=\"\(y + 19)\" width=\"\(w(bs, bf))\" height=\"5\" fill=\"#9ca3af\" opacity=\"0.7\"/>"
            }
            let p = plan.planned(r)
            let fill = r.critical ? "#b91c1c" : "#2563eb"
            s +=
                "<rect x=\"\(x(p.start))\" y=\"\(y + 5)\" width=\"\(w(p.start, p.finish))\" height=\"12\" fill=\"\(fill)\""
            s += r.critical ? " stroke=\"#000\" stroke-width=\"1.5\"/>" : "/>"
            if let a = t.actualStart {
                let end = t.actualFinish ?? max(a, min(today, last))
                s += "<rect x=\"\(x(a))\" y=\"\(y + 1)\" width=\"\(w(a, end))\" height=\"3\" fill=\"#15803d\"/>"
            }
            s += "<title>\(XLSX.escape(t.name))</title>"
        }
        let bottom = height - 64
        s +=
            "<line x1=\"\(x(plan.deadline))\" y1=\"\(top - 8)\" x2=\"\(x(plan.deadline))\" y2=\"\(bottom)\" stroke=\"#000\" stroke-width=\"2\"/>"
        let nearEdge = x(plan.deadline) > width - 120
        s += Chart.text(
            x(plan.deadline), bottom + 14, lang.t("gantt.deadline") + " " + plan.deadline.description, size: 11,
            anchor: nearEdge ? "end" : "middle")
        if today >= first && today <= last {
            s +=
                "<line x1=\"\(x(today))\" y1=\"\(top - 8)\" x2=\"\(x(today))\" y2=\"\(bottom)\" stroke=\"#c2410c\" stroke-width=\"2\" stroke-dasharray=\"5 3\"/>"
            // Near an edge the word is set inward, not cut off by it.
            let anchor = x(today) > width - 60 ? "end" : (x(today) < left + 30 ? "start" : "middle")
            s += Chart.text(x(today), top - 26, lang.t("gantt.today"), size: 11, anchor: anchor)
        }
        // The legend in two rows under the names, so it stays in view with them.
        let ly = height - 28
        s +=
            "<rect x=\"8\" y=\"\(ly - 10)\" width=\"18\" height=\"10\" fill=\"#2563eb\"/>"
            + Chart.text(30, ly, lang.t("gantt.planned"), size: 11)
        s +=
            "<rect x=\"108\" y=\"\(ly - 10)\" width=\"18\" height=\"10\" fill=\"#b91c1c\" stroke=\"#000\"/>"
            + Chart.text(130, ly, lang.t("gantt.critical"), size: 11)
        s +=
            "<rect x=\"8\" y=\"\(ly + 10)\" width=\"18\" height=\"5\" fill=\"#9ca3af\"/>"
            + Chart.text(30, ly + 16, lang.t("gantt.baseline"), size: 11)
        s +=
            "<rect x=\"108\" y=\"\(ly + 11)\" width=\"18\" height=\"3\" fill=\"#15803d\"/>"
            + Chart.text(130, ly + 16, lang.t("gantt.actual"), size: 11)
        return ChartDrawing(width: width, height: height, title: lang.t("gantt.title"), body: s)
    }
}

/// Planned against actual cumulative completions of a batch, week by week.
enum SCurveChart {
    /// The width of the percentage axis, which stays in view while the curves scroll on a phone.
    static let axis = 60

    static func draw(planned: [Day], actual: [Day], total: Int, today: Day, lang: Lang, title: String) -> String {
        drawing(planned: planned, actual: actual, total: total, today: today, lang: lang, title: title).svg
    }

    static func drawing(planned: [Day], actual: [Day], total: Int, today: Day, lang: Lang, title: String)
        -> ChartDrawing
    {
        let width = 900
        let height = 420
        let left = axis
        let right = 30
        let top = 40
        let bottom = 60
        var s = Chart.text(left, 24, title, size: 15, weight: "bold")
        guard total > 0, let first = (planned + actual).min(), let lastPlanned = (planned + actual + [today]).max()
        else {
            return ChartDrawing(
                width: width, height: height, title: title, body: s + Chart.text(left, 80, lang.t("scurve.empty")))
        }
        let start = first.adding(days: -7)
        let end = lastPlanned.adding(days: 7)
        let span = Double(end.ordinal - start.ordinal)
        func x(_ d: Day) -> Int { left + Int(Double(d.ordinal - start.ordinal) / span * Double(width - left - right)) }
        func y(_ n: Int) -> Int { height - bottom - Int(Double(n) / Double(total) * Double(height - top - bottom)) }
        for pct in stride(from: 0, through: 100, by: 25) {
            // A percentage's own height, not a whole count's: with 2 projects 25% and 0% are not the same line.
            let yy = height - bottom - pct * (height - top - bottom) / 100
            s += "<line x1=\"\(left)\" y1=\"\(yy)\" x2=\"\(width - right)\" y2=\"\(yy)\" stroke=\"#e5e7eb\"/>"
            s += Chart.text(left - 6, yy + 4, "\(pct)%", size: 11, anchor: "end")
        }
        for m in Chart.monthStarts(from: start, to: end) {
            s += Chart.text(x(m), height - bottom + 18, String(m.description.prefix(7)), size: 11, anchor: "middle")
        }
        func steps(_ days: [Day], until: Day) -> String {
            var pts = ["\(x(start)),\(y(0))"]
            var n = 0
            for d in days where d <= until {
                pts.append("\(x(d)),\(y(n))")
                n += 1
                pts.append("\(x(d)),\(y(n))")
            }
            pts.append("\(x(until)),\(y(n))")
            return pts.joined(separator: " ")
        }
        s +=
            "<polyline points=\"\(steps(planned, until: end))\" fill=\"none\" stroke=\"#2563eb\" stroke-width=\"2\" stroke-dasharray=\"6 4\"/>"
        s +=
            "<polyline points=\"\(steps(actual, until: min(today, end)))\" fill=\"none\" stroke=\"#15803d\" stroke-width=\"3\"/>"
        if today >= start && today <= end {
            s +=
                "<line x1=\"\(x(today))\" y1=\"\(top)\" x2=\"\(x(today))\" y2=\"\(height - bottom)\" stroke=\"#c2410c\" stroke-dasharray=\"5 3\"/>"
        }
        let ly = height - 14
        s +=
            "<line x1=\"\(left)\" y1=\"\(ly - 4)\" x2=\"\(left + 24)\" y2=\"\(ly - 4)\" stroke=\"#2563eb\" stroke-width=\"2\" stroke-dasharray=\"6 4\"/>"
        s += Chart.text(left + 30, ly, lang.t("scurve.planned") + " \(planned.count)", size: 11)
        s +=
            "<line x1=\"\(left + 200)\" y1=\"\(ly - 4)\" x2=\"\(left + 224)\" y2=\"\(ly - 4)\" stroke=\"#15803d\" stroke-width=\"3\"/>"
        s += Chart.text(
            left + 230, ly, lang.t("scurve.actual") + " \(actual.filter { $0 <= today }.count) / \(total)", size: 11)
        return ChartDrawing(width: width, height: height, title: title, body: s)
    }
}
