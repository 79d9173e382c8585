import CourtyardDomain
import CourtyardSheets
import CourtyardStore

/// The battle map (挂图作战): every target household as a cell, building by building, entrance by entrance, floor by
/// floor (top floor on top), coloured by status with a mark that survives black-and-white printing; A3 landscape.
enum BattleMap {
    static let cellW = 62
    static let cellH = 30
    static let gap = 2
    static let floorLabelW = 30
    static let maxWidth = 1600

    /// Fill, text colour and the mark that tells statuses apart without colour.
    static func style(_ s: TargetStatus) -> (fill: String, ink: String, mark: String) {
        switch s {
        case .notContacted: ("#f3f4f6", "#111827", "")
        case .contacted: ("#fcd34d", "#111827", "…")
        case .agreed: ("#15803d", "#ffffff", "✓")
        case .refused: ("#b91c1c", "#ffffff", "✗")
        case .unreachable: ("#4b5563", "#ffffff", "?")
        }
    }

    struct Entrance {
        var name: String
        var byFloor: [Int: [CampaignTarget]]
        var columns: Int { max(1, byFloor.values.map(\.count).max() ?? 1) }
        var width: Int { columns * (cellW + gap) }
    }

    struct Building {
        var compound: String
        var name: String
        var entrances: [Entrance]
        var floors: [Int]
        var tally: CampaignTally
        var width: Int { floorLabelW + entrances.map(\.width).reduce(0, +) + 8 * entrances.count + 8 }
        var height: Int { 48 + floors.count * (cellH + gap) + 10 }
    }

    static func buildings(_ targets: [CampaignTarget]) -> [Building] {
        var order: [Int64] = []
        var byBuilding: [Int64: [CampaignTarget]] = [:]
        for t in targets {
            if byBuilding[t.buildingId] == nil { order.append(t.buildingId) }
            byBuilding[t.buildingId, default: []].append(t)
        }
        return order.map { id in
            let ts = byBuilding[id]!
            var entranceOrder: [Int64] = []
            var byEntrance: [Int64: [CampaignTarget]] = [:]
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
                floors: Set(ts.map { $0.floor ?? 0 }).sorted(by: >), tally: CampaignTally(ts.map(\.status)))
        }
    }

    static func draw(title: String, targets: [CampaignTarget], lang: Lang) -> String {
        let blocks = buildings(targets)
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
        let tally = CampaignTally(targets.map(\.status))
        var s = Chart.open(width: width, height: height, title: title)
        s +=
            "<style>@page { size: A3 landscape; margin: 8mm } @media print { svg { width: 100%; height: auto } } text { dominant-baseline: auto }</style>"
        s += Chart.text(20, 34, title, size: 22, weight: "bold")
        let summary =
            "\(lang.t("campaign.status.targets")) \(tally.targets) · \(lang.t("campaign.status.agreed")) \(tally.agreed) · \(lang.t("campaign.col.agreedRate")) \(tally.agreedRate)%"
        s += Chart.text(20, 60, summary, size: 14)
        // The legend, with each status's count.
        var lx = 20
        for status in TargetStatus.allCases {
            let st = style(status)
            let count =
                switch status {
                case .notContacted: tally.notContacted
                case .contacted: tally.contacted
                case .agreed: tally.agreed
                case .refused: tally.refused
                case .unreachable: tally.unreachable
                }
            s += "<g class=\"legend\" data-legend=\"\(status.rawValue)\">"
            s +=
                "<rect x=\"\(lx)\" y=\"76\" width=\"28\" height=\"20\" fill=\"\(st.fill)\" stroke=\"#6b7280\"/>"
            s += Chart.text(lx + 14, 91, st.mark, size: 13, anchor: "middle").replacingOccurrences(
                of: "<text ", with: "<text fill=\"\(st.ink)\" ")
            s += Chart.text(lx + 34, 91, "\(lang.t("campaign.status." + status.rawValue)) \(count)", size: 13)
            s += "</g>"
            lx += 150
        }
        for (label, ly) in labels { s += Chart.text(20, ly, label, size: 16, weight: "bold") }
        for (b, bx, by) in placed {
            s +=
                "<rect x=\"\(bx)\" y=\"\(by)\" width=\"\(b.width)\" height=\"\(b.height)\" fill=\"none\" stroke=\"#374151\" stroke-width=\"1.5\"/>"
            s += Chart.text(
                bx + 8, by + 18,
                "\(b.name)  \(b.tally.agreed)/\(b.tally.targets)", size: 14, weight: "bold")
            var ex = bx + floorLabelW + 4
            for (i, f) in b.floors.enumerated() {
                let fy = by + 44 + i * (cellH + gap)
                s += Chart.text(bx + floorLabelW - 4, fy + 19, f == 0 ? "—" : "\(f)F", size: 10, anchor: "end")
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
                        let st = style(t.status)
                        let room = t.room.count > 7 ? String(t.room.prefix(6)) + "…" : t.room
                        s +=
                            "<g class=\"cell\" data-household-id=\"\(t.householdId)\" data-status=\"\(t.status.rawValue)\">"
                        s +=
                            "<title>\(XLSX.escape(t.room + " " + lang.t("campaign.status." + t.status.rawValue)))</title>"
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
        if targets.isEmpty { s += Chart.text(20, 140, lang.t("campaign.noTargets"), size: 14) }
        s += "</svg>"
        return s
    }
}
