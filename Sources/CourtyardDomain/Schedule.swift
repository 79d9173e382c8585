/// Critical-path scheduling in working days (倒排工期 and forward planning).
///
/// A task of duration d that starts on working day s occupies working days s … s+d-1, so its
/// finish is the last day worked; a successor starts on the next working day.
public enum Schedule {
    public struct Task: Sendable, Equatable {
        public var id: Int64
        public var duration: Int
        public var dependsOn: [Int64]
        /// Working days to wait after a predecessor finishes (e.g. curing), by predecessor; none when absent.
        public var lags: [Int64: Int]
        public init(id: Int64, duration: Int, dependsOn: [Int64] = [], lags: [Int64: Int] = [:]) {
            self.id = id
            self.duration = duration
            self.dependsOn = dependsOn
            self.lags = lags
        }
    }

    public enum Mode: String, CaseIterable, Codable, Sendable {
        /// From the deadline: every task as late as it may be, the critical chain ending on the deadline.
        case backward
        /// From a start date: every task as early as it may be.
        case forward
    }

    public struct Row: Sendable, Equatable {
        public var id: Int64
        public var earlyStart: Day, earlyFinish: Day, lateStart: Day, lateFinish: Day
        /// Working days the task may slip without moving the end (forward) or needing an earlier start (backward).
        public var totalFloat: Int
        public var critical: Bool
    }

    public struct Result: Sendable, Equatable {
        public var rows: [Row]
        public var start: Day
        public var finish: Day
    }

    public enum Failure: Error, Equatable {
        /// The ids on a dependency cycle, in order.
        case cycle([Int64])
        case unknownDependency(task: Int64, dependsOn: Int64)
    }

    /// Tasks in an order where every task follows what it depends on; a cycle is named.
    public static func order(_ tasks: [Task]) throws(Failure) -> [Task] {
        let byId = Dictionary(tasks.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        for t in tasks {
            for d in t.dependsOn where byId[d] == nil { throw .unknownDependency(task: t.id, dependsOn: d) }
        }
        var state: [Int64: Int] = [:]  // 1 visiting, 2 done
        var out: [Task] = []
        var path: [Int64] = []
        func visit(_ id: Int64) throws(Failure) {
            if state[id] == 2 { return }
            if state[id] == 1 {
                let from = path.firstIndex(of: id) ?? 0
                throw .cycle(Array(path[from...]) + [id])
            }
            state[id] = 1
            path.append(id)
            for d in byId[id]!.dependsOn { try visit(d) }
            path.removeLast()
            state[id] = 2
            out.append(byId[id]!)
        }
        for t in tasks { try visit(t.id) }
        return out
    }

    /// Would making `task` depend on `dependsOn` close a cycle? Checked before a change is stored.
    public static func wouldCycle(_ tasks: [Task], task: Int64, dependsOn: [Int64]) -> [Int64]? {
        var changed = tasks.filter { $0.id != task }
        changed.append(Task(id: task, duration: 1, dependsOn: dependsOn))
        do {
            _ = try order(changed)
            return nil
        } catch {
            if case .cycle(let ids) = error { return ids }
            return nil
        }
    }

    /// Schedules `tasks` from `anchor`: the deadline (backward) or the start date (forward).
    public static func compute(_ tasks: [Task], mode: Mode, anchor: Day, calendar: WorkCalendar) throws(Failure)
        -> Result
    {
        let sorted = try order(tasks)
        // Early pass in working-day numbers, 0 = the first day of the project.
        var es: [Int64: Int] = [:]
        var ef: [Int64: Int] = [:]
        for t in sorted {
            let s = t.dependsOn.map { ef[$0]! + 1 + (t.lags[$0] ?? 0) }.max() ?? 0
            es[t.id] = s
            ef[t.id] = s + max(t.duration, 1) - 1
        }
        let end = ef.values.max() ?? 0
        var lf: [Int64: Int] = [:]
        var ls: [Int64: Int] = [:]
        var successors: [Int64: [(id: Int64, lag: Int)]] = [:]
        for t in sorted { for d in t.dependsOn { successors[d, default: []].append((t.id, t.lags[d] ?? 0)) } }
        for t in sorted.reversed() {
            let f = successors[t.id].map { $0.map { ls[$0.id]! - 1 - $0.lag }.min()! } ?? end
            lf[t.id] = f
            ls[t.id] = f - max(t.duration, 1) + 1
        }
        // Number 0 falls on the start date (forward) or `end` on the last working day by the deadline (backward).
        let line = WorkingDayLine(calendar: calendar, anchor: anchor, anchorIsEnd: mode == .backward, span: end)
        let rows = tasks.map { t in
            Row(
                id: t.id, earlyStart: line.day(es[t.id]!), earlyFinish: line.day(ef[t.id]!),
                lateStart: line.day(ls[t.id]!),
                lateFinish: line.day(lf[t.id]!), totalFloat: ls[t.id]! - es[t.id]!, critical: ls[t.id]! == es[t.id]!)
        }
        return Result(rows: rows, start: line.day(0), finish: line.day(end))
    }
}

/// Maps working-day numbers 0 … span to dates on one calendar.
struct WorkingDayLine {
    var days: [Day]

    init(calendar: WorkCalendar, anchor: Day, anchorIsEnd: Bool, span: Int) {
        var list: [Day] = []
        if anchorIsEnd {
            var d = anchor
            while !calendar.isWorkingDay(d) { d = d.adding(days: -1) }
            list.append(d)
            while list.count <= span {
                d = d.adding(days: -1)
                if calendar.isWorkingDay(d) { list.append(d) }
            }
            list.reverse()
        } else {
            var d = calendar.adding(workingDays: 0, to: anchor)
            list.append(d)
            while list.count <= span {
                d = d.adding(days: 1)
                if calendar.isWorkingDay(d) { list.append(d) }
            }
        }
        days = list
    }

    func day(_ n: Int) -> Day { days[min(max(n, 0), days.count - 1)] }
}
