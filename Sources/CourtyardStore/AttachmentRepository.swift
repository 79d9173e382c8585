import CourtyardDomain
import Crypto
import Foundation
import NIOCore
import SQLKit

/// Photos and PDFs, kept in the database so every app server reads the same bytes.
public struct AttachmentRepository: Sendable {
    public let database: Database
    public init(database: Database) { self.database = database }

    /// 10 MB: a phone photo is 2-5 MB, a scanned notice a few hundred kB.
    public static let maxBytes = 10 * 1024 * 1024

    /// The type is read from the bytes, never from the name or the header a client sends.
    public static func sniff(_ bytes: [UInt8]) -> String? {
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "image/png" }
        if bytes.starts(with: Array("%PDF-".utf8)) { return "application/pdf" }
        if bytes.count > 12, bytes.starts(with: Array("RIFF".utf8)), Array(bytes[8..<12]) == Array("WEBP".utf8) { return "image/webp" }
        return nil
    }

    public func create(filename: String, bytes: [UInt8], actor: Actor) async throws -> JSONValue {
        guard !bytes.isEmpty else { throw ValidationError(field: "file", code: "empty", message: "the file is empty") }
        guard bytes.count <= Self.maxBytes else { throw ValidationError(field: "file", code: "too_large", message: "a file is at most 10 MB") }
        guard let type = Self.sniff(bytes) else {
            throw ValidationError(field: "file", code: "unsupported_type", message: "attach a JPEG, PNG or WebP photo or a PDF")
        }
        let name = String(TextNormalizer.clean(filename).prefix(200))
        let digest = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        let id: Int64 = try await database.transaction { db in
            let id = try await db.raw("""
                INSERT INTO attachments (filename, content_type, size_bytes, sha256, data, created_at, created_by)
                VALUES (\(bind: name.isEmpty ? "file" : name), \(bind: type), \(bind: Int64(bytes.count)), \(bind: digest),
                  \(bind: ByteBuffer(bytes: bytes)), \(bind: Clock.isoNow()), \(bind: actor.username)) RETURNING id
                """).first()!.int("id")
            try await AuditLog.record(db: db, actor: actor, action: "create", entity: "attachments", entityId: id, subdistrictId: nil,
                before: nil, after: .object([("filename", .string(name)), ("size_bytes", .int(Int64(bytes.count))), ("sha256", .string(digest))]))
            return id
        }
        return .object([("id", .int(id)), ("filename", .string(name)), ("content_type", .string(type)), ("size_bytes", .int(Int64(bytes.count))),
                        ("sha256", .string(digest))])
    }

    public func read(id: Int64) async throws -> (filename: String, contentType: String, bytes: ByteBuffer) {
        try await database.withConnection { db in
            guard let r = try await db.raw("SELECT filename, content_type, data FROM attachments WHERE id = \(bind: id)").first() else {
                throw StoreError.notFound
            }
            return (try r.text("filename"), try r.text("content_type"), try r.decode(column: "data", as: ByteBuffer.self))
        }
    }

    /// Every id names a stored attachment; otherwise a 422 on `field`.
    static func requireExisting(_ ids: [Int64], field: String, db: any SQLDatabase) async throws {
        guard !ids.isEmpty else { return }
        let found = try await db.raw("SELECT id FROM attachments WHERE id IN (\(binds: ids))").all().count
        guard found == Set(ids).count else { throw ValidationError(field: field, code: "not_found", message: "an attachment in \(field) does not exist") }
    }
}
