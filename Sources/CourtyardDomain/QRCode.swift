/// QR codes (ISO/IEC 18004) for the links residents scan from a printed notice: byte mode, error
/// correction level M, versions 1 to 10 (links up to 213 bytes).
public struct QRCode: Sendable {
    public let size: Int
    /// modules[y][x], true for dark.
    public private(set) var modules: [[Bool]]
    private var isFunction: [[Bool]]
    public let version: Int

    public enum Failure: Error, Equatable { case tooLong(Int) }

    // Level M, by version (index 0 unused).
    static let eccPerBlock = [0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26]
    static let numBlocks = [0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5]

    public init(text: String) throws(Failure) {
        let bytes = Array(text.utf8)
        var ver = 1
        while ver <= 10 && 4 + (ver <= 9 ? 8 : 16) + 8 * bytes.count > Self.dataCodewords(ver) * 8 { ver += 1 }
        guard ver <= 10 else { throw .tooLong(bytes.count) }
        version = ver
        size = ver * 4 + 17
        modules = Array(repeating: Array(repeating: false, count: size), count: size)
        isFunction = modules
        drawFunctionPatterns()
        drawCodewords(Self.addEccAndInterleave(Self.dataBits(bytes, version: ver), version: ver))
        var best = 0
        var bestPenalty = Int.max
        for mask in 0..<8 {
            applyMask(mask)
            drawFormatBits(mask)
            let p = penalty()
            if p < bestPenalty {
                best = mask
                bestPenalty = p
            }
            applyMask(mask)
        }
        applyMask(best)
        drawFormatBits(best)
    }

    static func rawDataModules(_ ver: Int) -> Int {
        var result = (16 * ver + 128) * ver + 64
        if ver >= 2 {
            let numAlign = ver / 7 + 2
            result -= (25 * numAlign - 10) * numAlign - 55
            if ver >= 7 { result -= 36 }
        }
        return result
    }

    static func dataCodewords(_ ver: Int) -> Int { rawDataModules(ver) / 8 - eccPerBlock[ver] * numBlocks[ver] }

    /// Mode, length, the bytes, terminator and padding, as codewords.
    static func dataBits(_ bytes: [UInt8], version ver: Int) -> [UInt8] {
        var bits: [Bool] = []
        func append(_ value: Int, _ count: Int) {
            for i in stride(from: count - 1, through: 0, by: -1) { bits.append((value >> i) & 1 == 1) }
        }
        append(0b0100, 4)
        append(bytes.count, ver <= 9 ? 8 : 16)
        for b in bytes { append(Int(b), 8) }
        let capacity = dataCodewords(ver) * 8
        append(0, min(4, capacity - bits.count))
        append(0, (8 - bits.count % 8) % 8)
        var out: [UInt8] = stride(from: 0, to: bits.count, by: 8).map { i in
            bits[i..<i + 8].reduce(UInt8(0)) { $0 << 1 | ($1 ? 1 : 0) }
        }
        var pad: UInt8 = 0xEC
        while out.count < dataCodewords(ver) {
            out.append(pad)
            pad = pad == 0xEC ? 0x11 : 0xEC
        }
        return out
    }

    static func multiply(_ x: UInt8, _ y: UInt8) -> UInt8 {
        var z = 0
        for i in stride(from: 7, through: 0, by: -1) {
            z = (z << 1) ^ ((z >> 7) * 0x11D)
            z ^= ((Int(y) >> i) & 1) * Int(x)
        }
        return UInt8(z & 0xFF)
    }

    static func rsDivisor(_ degree: Int) -> [UInt8] {
        var result = Array(repeating: UInt8(0), count: degree)
        result[degree - 1] = 1
        var root: UInt8 = 1
        for _ in 0..<degree {
            for j in 0..<degree {
                result[j] = multiply(result[j], root)
                if j + 1 < degree { result[j] ^= result[j + 1] }
            }
            root = multiply(root, 0x02)
        }
        return result
    }

    static func rsRemainder(_ data: [UInt8], _ divisor: [UInt8]) -> [UInt8] {
        var result = Array(repeating: UInt8(0), count: divisor.count)
        for b in data {
            let factor = b ^ result.removeFirst()
            result.append(0)
            for i in result.indices { result[i] ^= multiply(divisor[i], factor) }
        }
        return result
    }

    static func addEccAndInterleave(_ data: [UInt8], version ver: Int) -> [UInt8] {
        let blocksCount = numBlocks[ver]
        let eccLen = eccPerBlock[ver]
        let raw = rawDataModules(ver) / 8
        let numShort = blocksCount - raw % blocksCount
        let shortLen = raw / blocksCount
        let divisor = rsDivisor(eccLen)
        var blocks: [[UInt8]] = []
        var k = 0
        for i in 0..<blocksCount {
            let n = shortLen - eccLen + (i < numShort ? 0 : 1)
            var block = Array(data[k..<k + n])
            k += n
            let ecc = rsRemainder(block, divisor)
            if i < numShort { block.append(0) }
            blocks.append(block + ecc)
        }
        var out: [UInt8] = []
        for i in 0..<blocks[0].count {
            for (j, b) in blocks.enumerated() where i != shortLen - eccLen || j >= numShort { out.append(b[i]) }
        }
        return out
    }

    private mutating func set(_ x: Int, _ y: Int, _ dark: Bool) {
        modules[y][x] = dark
        isFunction[y][x] = true
    }

    private mutating func drawFunctionPatterns() {
        for i in 0..<size {
            set(6, i, i % 2 == 0)
            set(i, 6, i % 2 == 0)
        }
        for (cx, cy) in [(3, 3), (size - 4, 3), (3, size - 4)] {
            for dy in -4...4 {
                for dx in -4...4 {
                    let d = max(abs(dx), abs(dy))
                    let x = cx + dx
                    let y = cy + dy
                    if x >= 0 && x < size && y >= 0 && y < size { set(x, y, d != 2 && d != 4) }
                }
            }
        }
        let positions = alignmentPositions()
        let n = positions.count
        for i in 0..<n {
            for j in 0..<n where !((i == 0 && j == 0) || (i == 0 && j == n - 1) || (i == n - 1 && j == 0)) {
                for dy in -2...2 {
                    for dx in -2...2 { set(positions[i] + dx, positions[j] + dy, max(abs(dx), abs(dy)) != 1) }
                }
            }
        }
        drawFormatBits(0)
        if version >= 7 {
            var rem = version
            for _ in 0..<12 { rem = (rem << 1) ^ ((rem >> 11) * 0x1F25) }
            let bits = version << 12 | rem
            for i in 0..<18 {
                let bit = (bits >> i) & 1 == 1
                let a = size - 11 + i % 3
                let b = i / 3
                set(a, b, bit)
                set(b, a, bit)
            }
        }
    }

    private func alignmentPositions() -> [Int] {
        guard version > 1 else { return [] }
        let n = version / 7 + 2
        let step = (version * 4 + n * 2 + 1) / (n * 2 - 2) * 2
        var result = [6]
        var pos = size - 7
        for _ in 0..<(n - 1) {
            result.insert(pos, at: 1)
            pos -= step
        }
        return result
    }

    /// Level M's format bits are 00; then the mask, a BCH code and the fixed XOR pattern.
    private mutating func drawFormatBits(_ mask: Int) {
        let data = 0 << 3 | mask
        var rem = data
        for _ in 0..<10 { rem = (rem << 1) ^ ((rem >> 9) * 0x537) }
        let bits = (data << 10 | rem) ^ 0x5412
        func bit(_ i: Int) -> Bool { (bits >> i) & 1 == 1 }
        for i in 0...5 { set(8, i, bit(i)) }
        set(8, 7, bit(6))
        set(8, 8, bit(7))
        set(7, 8, bit(8))
        for i in 9..<15 { set(14 - i, 8, bit(i)) }
        for i in 0..<8 { set(size - 1 - i, 8, bit(i)) }
        for i in 8..<15 { set(8, size - 15 + i, bit(i)) }
        set(8, size - 8, true)
    }

    private mutating func drawCodewords(_ data: [UInt8]) {
        var i = 0
        var right = size - 1
        while right >= 1 {
            if right == 6 { right = 5 }
            for vert in 0..<size {
                for j in 0..<2 {
                    let x = right - j
                    let upward = (right + 1) & 2 == 0
                    let y = upward ? size - 1 - vert : vert
                    if !isFunction[y][x] && i < data.count * 8 {
                        modules[y][x] = (Int(data[i >> 3]) >> (7 - (i & 7))) & 1 == 1
                        i += 1
                    }
                }
            }
            right -= 2
        }
    }

    private mutating func applyMask(_ mask: Int) {
        for y in 0..<size {
            for x in 0..<size where !isFunction[y][x] {
                let invert: Bool =
                    switch mask {
                    case 0: (x + y) % 2 == 0
                    case 1: y % 2 == 0
                    case 2: x % 3 == 0
                    case 3: (x + y) % 3 == 0
                    case 4: (x / 3 + y / 2) % 2 == 0
                    case 5: x * y % 2 + x * y % 3 == 0
                    case 6: (x * y % 2 + x * y % 3) % 2 == 0
                    default: ((x + y) % 2 + x * y % 3) % 2 == 0
                    }
                if invert { modules[y][x].toggle() }
            }
        }
    }

    /// Runs of five or more, 2×2 blocks and the dark/light balance (the finder-like rule is left out: any mask decodes).
    private func penalty() -> Int {
        var score = 0
        for line in 0..<size {
            for horizontal in [true, false] {
                var run = 1
                for k in 1..<size {
                    let a = horizontal ? modules[line][k] : modules[k][line]
                    let b = horizontal ? modules[line][k - 1] : modules[k - 1][line]
                    if a == b {
                        run += 1
                        if run == 5 { score += 3 } else if run > 5 { score += 1 }
                    } else {
                        run = 1
                    }
                }
            }
        }
        for y in 0..<size - 1 {
            for x in 0..<size - 1
            where modules[y][x] == modules[y][x + 1] && modules[y][x] == modules[y + 1][x]
                && modules[y][x] == modules[y + 1][x + 1]
            {
                score += 3
            }
        }
        let dark = modules.reduce(0) { $0 + $1.filter { $0 }.count }
        let total = size * size
        score += max(0, (abs(dark * 20 - total * 10) + total - 1) / total - 1) * 10
        return score
    }

    /// The code as SVG, with the four-module quiet zone the standard asks for.
    public func svg(moduleSize: Int = 8) -> String {
        let full = (size + 8) * moduleSize
        var path = ""
        for y in 0..<size {
            for x in 0..<size where modules[y][x] { path += "M\(x + 4),\(y + 4)h1v1h-1z" }
        }
        return
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(full)\" height=\"\(full)\" viewBox=\"0 0 \(size + 8) \(size + 8)\" shape-rendering=\"crispEdges\">"
            + "<rect width=\"\(size + 8)\" height=\"\(size + 8)\" fill=\"#fff\"/><path d=\"\(path)\" fill=\"#000\"/></svg>"
    }
}
