import Foundation

/// Offices save CSV from Excel and WPS as UTF-8 (with or without a BOM) or as GB18030/GBK.
public enum TextDecoding {
    public static let gb18030 = String.Encoding(rawValue: 0x8000_0632)

    public enum Failure: Error, Equatable { case undecodable }

    /// UTF-8 when the bytes are valid UTF-8, else GB18030 (a superset of GBK and GB2312).
    public static func decode(_ data: [UInt8]) throws -> String {
        let bytes = withoutBOM(data)
        if let s = String(validating: bytes, as: UTF8.self) { return s }
        return try fromGB18030(bytes)
    }

    /// The text as UTF-8 bytes, decoded as `decode` decodes it: a UTF-8 file's own bytes, without its BOM.
    public static func utf8(_ data: [UInt8]) throws -> [UInt8] {
        let bytes = withoutBOM(data)
        if String(validating: bytes, as: UTF8.self) != nil { return Array(bytes) }
        return Array(try fromGB18030(bytes).utf8)
    }

    static func withoutBOM(_ data: [UInt8]) -> ArraySlice<UInt8> {
        data.starts(with: [0xEF, 0xBB, 0xBF]) ? data.dropFirst(3) : data[...]
    }

    static func fromGB18030(_ bytes: ArraySlice<UInt8>) throws -> String {
        guard let s = String(data: Data(bytes), encoding: gb18030) else { throw Failure.undecodable }
        return s
    }
}
