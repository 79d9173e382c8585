import CourtyardDomain
import CourtyardSheets
import CourtyardStore

/// The battle map (挂图作战): every household in question as a cell, building by building, entrance by entrance,
/// floor by floor (top floor on top), coloured by its status with a mark that survives black-and-white printing;
/// A3 landscape. The same chart serves a campaign (contacted, agreed …), a vote (who voted) and a questionnaire
/// (who answered).
enum BattleMap {
    static let cellW = 62
    static let cellH = 30
    static let gap = 2
    static let floorLabelW = 30
    static let maxWidth = 1600

    /// One status of the chart: its key (`data-status`), its words, fill, text colour and mark.
    struct Status {
        var key: String
        var label: String
        var fill: String
        var ink: String
        var mark: String
    }

    /// One household's cell: where it is and its status's key.
    struct Cell {
        var householdId: Int64
        var compoundName: String
        var buildingId: Int64
        var buildingName: String
        var entranceId: Int64
        var entranceName: String
        var room: String
        var floor: Int?
        var status: String
    }

    /// What is drawn: the statuses in legend order, the one a building's count counts ("agreed", "voted"), and
    /// the summary line under the title.
    struct Legend {
        var statuses: [Status]
        var done: String
        var summary: String
    }

    static func style(_ s: TargetStatus) -> (fill: String, ink: String, mark: String) {
        switch s {
        case .notContacted: ("#f3f4f6", "#111827", "")
        case .contacted: ("#fcd34d", "#111827", "…")
        case .agreed: ("#15803d", "#ffffff", "✓")
        case .refused: ("#b91c1c", "#ffffff", "✗")
        case .unreachable: ("#4b5563", "#ffffff", "?")
        }
    }

    /// A campaign's chart: its targets by status, with the agreed rate.
    static func campaign(title: String, goal: CampaignGoal, targets: [CampaignTarget], lang: Lang) -> String {
        let tally = CampaignTally(targets.map(\.status))
        let statuses = TargetStatus.allCases.map { s in
            let st = style(s)
            return Status(
                key: s.rawValue, label: lang.t("campaign.status." + s.rawValue), fill: st.fill, ink: st.ink,
                mark: st.mark)
        }
        let summary =
            "\(lang.t("campaign.status.targets")) \(tally.targets) · \(lang.t("campaign.status.agreed")) \(tally.agreed)"
            + " · \(lang.t("campaign.rateOf." + goal.rawValue)) \(tally.goalRate(goal))%"
        let cells = targets.map { t in
            Cell(
                householdId: t.householdId, compoundName: t.compoundName, buildingId: t.buildingId,
                buildingName: t.buildingName, entranceId: t.entranceId, entranceName: t.entranceName, room: t.room,
                floor: t.floor, status: t.status.rawValue)
        }
        return draw(
            title: title, cells: cells, legend: Legend(statuses: statuses, done: "agreed", summary: summary), lang: lang
        )
    }

    /// Who took part (`done` is "voted" or "answered") and who has not yet, over the households in question.
    static func participation(title: String, households: [ParticipationCell], done: String, lang: Lang) -> String {
        let statuses = [
            Status(key: done, label: lang.t("map.status." + done), fill: "#15803d", ink: "#ffffff", mark: "✓"),
            Status(
                key: "not_" + done, label: lang.t("map.status.not_" + done), fill: "#f3f4f6", ink: "#111827", mark: ""),
        ]
        let n = households.filter(\.done).count
        let rate = Percent.text(Percent.tenths(Int64(n), of: Int64(households.count)))
        let summary =
            "\(lang.t("map.households")) \(households.count) · \(lang.t("map.status." + done)) \(n)"
            + " · \(lang.t("map.rate")) \(rate)%"
        let cells = households.map { h in
            Cell(
                householdId: h.householdId, compoundName: h.compoundName, buildingId: h.buildingId,
                buildingName: h.buildingName, entranceId: h.entranceId, entranceName: h.entranceName, room: h.room,
                floor: h.floor, status: h.done ? done : "not_" + done)
        }
        return draw(
            title: title, cells: cells, legend: Legend(statuses: statuses, done: done, summary: summary), lang: lang)
    }

    struct Entrance {
        var name: String
        var byFloor: [Int: [Cell]]
        var columns: Int { max(1, byFloor.values.map(\.count).max() ?? 1) }
        var width: Int { columns * (cellW + gap) }
    }

    struct Building {
        var compound: String
        var name: String
        var entrances: [Entrance]
        var floors: [Int]
        var done: Int
        var total: Int
        var width: Int { floorLabelW + entrances.map(\.width).reduce(0, +) + 8 * entrances.count + 8 }
        var height: Int { 48 + floors.count * (cellH + gap) + 10 }
    }

    static func buildings(_ cells: [Cell], done: String) -> [Building] {
        var order: [Int64] = []
        var byBuilding: [Int64: [Cell]] = [:]
        for t in cells {
            if byBuilding[t.buildingId] == nil { order.append(t.buildingId) }
            byBuilding[t.buildingId, default: []].append(t)
        }
        return order.map { id in
            let ts = byBuilding[id]!
            var entranceOrder: [Int64] = []
            var byEntrance: [Int64: [Cell]] = [:]
            for t in ts {
                if byEntrance[t.entranceId] == nil { entranceOrder.append(t.entranceId) }
                byEntrance[t.entranceId, default: []].append(t)
            }
            let entrances = entranceOrder.map { e in
                Entrance(
                    name: byEntrance[e]![0].entranceName,
                    byFloor: Dictionary(grouping: byEntrance[e]!, by: { $0.floor ?? 0 }))
            }
            return Building(
                compound: ts[0].compoundName, name: ts[0].buildingName, entrances: entrances,
                floors: Set(ts.map { $0.floor ?? 0 }).sorted(by: >), done: ts.filter { $0.status == done }.count,
                total: ts.count)
        }
    }

    static func draw(title: String, cells: [Cell], legend: Legend, lang: Lang) -> String {
        let blocks = buildings(cells, done: legend.done)
        // Lay the buildings out in rows, each compound starting a new row under its name.
        var placed: [(Building, x: Int, y: Int)] = []
        var labels: [(String, y: Int)] = []
        var x = 20
        var y = 120
        var rowHeight = 0
        var compound: String?
        for b in blocks {
            if b.compound != compound {
                if compound != nil { y += rowHeight + 16 }
                labels.append((b.compound, y + 16))
                y += 28
                x = 20
                rowHeight = 0
                compound = b.compound
            } else if x + b.width > maxWidth - 20 && x > 20 {
                y += rowHeight + 16
                x = 20
                rowHeight = 0
            }
            placed.append((b, x, y))
            x += b.width + 16
            rowHeight = max(rowHeight, b.height)
        }
        let contentWidth = max(760, (placed.map { $0.x + $0.0.width }.max() ?? 0) + 20)
        let width = max(contentWidth, 760)
        let height = y + rowHeight + 40
        var s = Chart.open(width: width, height: height, title: title)
        s +=
            "<style>@page { size: A3 landscape; margin: 8mm } @media print { svg { width: 100%; height: auto } } text { dominant-baseline: auto }</style>"
        s += Chart.text(20, 34, title, size: 22, weight: "bold")
        s += Chart.text(20, 60, legend.summary, size: 14)
        // The legend, with each status's count.
        var lx = 20
        for st in legend.statuses {
            let count = cells.filter { $0.status == st.key }.count
            s += "<g class=\"legend\" data-legend=\"\(st.key)\">"
            s += "<rect x=\"\(lx)\" y=\"76\" width=\"28\" height=\"20\" fill=\"\(st.fill)\" stroke=\"#6b7280\"/>"
            s += Chart.text(lx + 14, 91, st.mark, size: 13, anchor: "middle").replacingOccurrences(
                of: "<text ", with: "<text fill=\"\(st.ink)\" ")
            s += Chart.text(lx + 34, 91, "\(st.label) \(count)", size: 13)
            s += "</g>"
            lx += 150
        }
        let styles = Dictionary(legend.statuses.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        for (label, ly) in labels { s += Chart.text(20, ly, label, size: 16, weight: "bold") }
        for (b, bx, by) in placed {
            s +=
                "<rect x=\"\(bx)\" y=\"\(by)\" width=\"\(b.width)\" height=\"\(b.height)\" fill=\"none\" stroke=\"#374151\" stroke-width=\"1.5\"/>"
            s += Chart.text(
                bx + 8, by + 18,
                "\(b.name)  \(b.done)/\(b.total)", size: 14, weight: "bold")
            var ex = bx + floorLabelW + 4
            for (i, f) in b.floors.enumerated() {
                let fy = by + 44 + i * (cellH + gap)
                s += Chart.text(
                    bx + floorLabelW - 4, fy + 19, f == 0 ? "—" : Floors.label(f, lang), size: 10, anchor: "end")
            }
            for e in b.entrances {
                s += Chart.text(ex, by + 38, e.name, size: 11)
                for (i, f) in b.floors.enumerated() {
                    let fy = by + 44 + i * (cellH + gap)
                    for (k, t) in (e.byFloor[f] ?? []).sorted(by: {
                        ($0.room, $0.householdId) < ($1.room, $1.householdId)
                    })
                    .enumerated() {
                        let cx = ex + k * (cellW + gap)
                        let st = styles[t.status] ?? legend.statuses[0]
                        let room = t.room.count > 7 ? String(t.room.prefix(6)) + "…" : t.room
                        s +=
                            "<g class=\"cell\" data-household-id=\"\(t.householdId)\" data-status=\"\(t.status)\">"
                        s +=
                            "<title>\(XLSX.escape(t.room + " " + st.label))</title>"
                        s +=
                            "<rect x=\"\(cx)\" y=\"\(fy)\" width=\"\(cellW)\" height=\"\(cellH)\" fill=\"\(st.fill)\" stroke=\"#6b7280\"/>"
                        s +=
                            "<text x=\"\(cx + 4)\" y=\"\(fy + 19)\" font-size=\"11\" fill=\"\(st.ink)\">\(XLSX.escape(room))</text>"
                        if !st.mark.isEmpty {
                            s +=
                                "<text x=\"\(cx + cellW - 4)\" y=\"\(fy + 19)\" font-size=\"13\" text-anchor=\"end\" fill=\"\(st.ink)\">\(st.mark)</text>"
                        }
                        s += "</g>"
                    }
                }
                ex += e.width + 8
            }
        }
        if cells.isEmpty { s += Chart.text(20, 140, lang.t("campaign.noTargets"), size: 14) }
        s += "</svg>"
        return s
    }
}

/// A floor as the interface says it: 10层 in Chinese, Floor 10 in English.
enum Floors {
    static func label(_ n: Int, _ lang: Lang) -> String {
        lang.t("floor.label").replacingOccurrences(of: "{n}", with: String(n))
    }
}
