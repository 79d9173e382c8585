/// One sheet as read: its name and its non-empty rows, each with the row number the clerk sees.
/// Empty rows are not kept and empty trailing cells are never materialised, so memory follows
/// what the sheet holds, not how far apart its cells are.
public struct Worksheet: Sendable, Equatable {
    public struct Row: Sendable, Equatable {
        public var number: Int
        public var cells: [String]
        public init(number: Int, cells: [String]) {
            self.number = number
            self.cells = cells
        }
    }
    public var name: String
    public var rows: [Row]
    /// Cells given their value by a vertical merged range, by column index.
    public var mergedCells: [Int: Int]
    public init(name: String, rows: [Row], mergedCells: [Int: Int] = [:]) {
        self.name = name
        self.rows = rows
        self.mergedCells = mergedCells
    }

    /// The rows as a dense table, empty rows included, for small sheets and tests.
    public var table: [[String]] {
        var out: [[String]] = []
        for r in rows {
            while out.count < r.number - 1 { out.append([]) }
            out.append(r.cells)
        }
        return out
    }
}

/// What a sheet may hold. Excel's own grid is 16,384 columns by 1,048,576 rows; a household sheet
/// needs a dozen columns, so the product allows far fewer, and bounds the work a file can cause.
public struct SheetLimits: Sendable {
    public static let excelColumns = 16_384
    public static let excelRows = 1_048_576

    /// Columns a row may use (A…GR).
    public var columns = 200
    /// The last row number a sheet may use.
    public var rows = 1_000_000
    /// Cells a file may hold in all, counting empty cells before the last one of each row:
    /// about 16 bytes each plus their text, so a file can never take more than a few hundred MB.
    public var cells = 16_000_000
    /// Bytes the XML parts of a workbook may inflate to, all parts together; inflating stops there.
    public var inflatedBytes = 512 * 1024 * 1024
    /// Sheets a workbook may hold.
    public var sheets = 64

    public init() {}
    public static let standard = SheetLimits()
}

/// Why a sheet was refused; each says what is wrong and where, for the clerk.
public enum SheetLimitFailure: Error, Equatable, Sendable {
    /// A row uses a column past the limit: (row number, column letters).
    case tooManyColumns(row: Int, column: String, limit: Int)
    /// A row number past the limit.
    case tooManyRows(row: Int, limit: Int)
    /// More cells than the limit.
    case tooManyCells(limit: Int)
    /// The workbook inflates past the limit, in bytes.
    case tooLarge(limit: Int)
    /// A cell reference outside Excel's grid.
    case badReference(String)

    public var message: String {
        switch self {
        case .tooManyColumns(let row, let column, let limit):
            return "row \(row) has a cell in column \(column); a sheet may use at most \(limit) columns"
        case .tooManyRows(let row, let limit):
            return "row \(row) lies beyond the last row a sheet may use (\(limit))"
        case .tooManyCells(let limit):
            return "the file holds more than \(limit) cells"
        case .tooLarge(let limit):
            return "the workbook unpacks to more than \(limit / (1024 * 1024)) MB"
        case .badReference(let ref):
            return "cell reference “\(ref)” is not a cell of a worksheet"
        }
    }
}

/// Counts cells against the file's ceiling as rows are kept.
struct CellBudget {
    let limits: SheetLimits
    var used = 0
    mutating func spend(_ n: Int) throws {
        used += n
        if used > limits.cells { throw SheetLimitFailure.tooManyCells(limit: limits.cells) }
    }
}

extension SheetLimitFailure {
    /// The error code a client sees.
    public var code: String {
        switch self {
        case .tooLarge: return "too_large"
        case .tooManyColumns: return "too_many_columns"
        case .tooManyRows: return "too_many_rows"
        case .tooManyCells: return "too_many_cells"
        case .badReference: return "unreadable_file"
        }
    }
}
