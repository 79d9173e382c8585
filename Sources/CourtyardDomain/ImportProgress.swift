import Foundation

/// How far an import of a household sheet has got: rows read from the file, rows checked, households written,
/// and the number to expect in the current phase once it is known (the file's data rows when checking, the
/// households to write when writing).
public struct ImportProgress: Sendable, Equatable {
    public enum Phase: String, Sendable, Equatable {
        /// Waiting for its turn: a server reads one sheet at a time, and another is being read.
        case waiting
        /// Reading the file into rows; how many there will be is not known yet.
        case reading
        /// Checking each row's cells.
        case checking
        /// Comparing the sheet with what the database holds (a dry run ends here).
        case comparing
        /// Writing the difference, in one transaction.
        case writing
    }
    public var phase: Phase
    public var read: Int
    public var checked: Int
    public var written: Int
    public var total: Int?

    public init(phase: Phase = .reading, read: Int = 0, checked: Int = 0, written: Int = 0, total: Int? = nil) {
        self.phase = phase
        self.read = read
        self.checked = checked
        self.written = written
        self.total = total
    }

    /// The part of the current phase done, 0...1, when it can be told: not while waiting or reading (the rows to
    /// come are not known) nor while comparing (one step).
    public var fraction: Double? {
        guard let total, total > 0 else { return nil }
        switch phase {
        case .waiting, .reading, .comparing: return nil
        case .checking: return min(1, Double(checked) / Double(total))
        case .writing: return min(1, Double(written) / Double(total))
        }
    }
}

/// Counts an import's progress from whichever threads do the work and passes each change to `report`.
/// The work tells it every `step` rows, not every row, so a city's 320,000-row sheet makes a few hundred
/// calls in all: a row costs an integer comparison, never a lock.
public final class ImportProgressMeter: @unchecked Sendable {
    /// How many rows the readers and checkers let pass between two reports.
    public static let step = 2_000

    private let lock = NSLock()
    private var state = ImportProgress()
    private let report: @Sendable (ImportProgress) -> Void

    public init(_ report: @escaping @Sendable (ImportProgress) -> Void = { _ in }) {
        self.report = report
    }

    /// The progress as it stands.
    public var current: ImportProgress { lock.withLock { state } }

    /// Rows read from the file so far.
    public func read(_ rows: Int) { update { $0.read = max($0.read, rows) } }

    /// More rows checked (called by several checking threads at once).
    public func checked(adding rows: Int) { update { $0.checked += rows } }

    /// Households written so far.
    public func written(_ rows: Int) { update { $0.written = max($0.written, rows) } }

    /// A new phase, with the number it will count to when known.
    public func begin(_ phase: ImportProgress.Phase, total: Int?) {
        update {
            $0.phase = phase
            $0.total = total
        }
    }

    private func update(_ change: (inout ImportProgress) -> Void) {
        let now = lock.withLock {
            change(&state)
            return state
        }
        report(now)
    }
}
