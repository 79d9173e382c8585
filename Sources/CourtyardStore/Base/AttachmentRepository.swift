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
        if bytes.count > 12, bytes.starts(with: Array("RIFF".utf8)), Array(bytes[8..<12]) == Array("WEBP".utf8) {
            return "image/webp"
        }
        return nil
    }

    public func create(filename: String, bytes: [UInt8], actor: Actor) async throws -> AttachmentInfo {
        guard !bytes.isEmpty else { throw ValidationError(field: "file", code: "empty", message: "the file is empty") }
        guard bytes.count <= Self.maxBytes else {
            throw ValidationError(field: "file", code: "too_large", message: "a file is at most 10 MB")
        }
        guard let type = Self.sniff(bytes) else {
            throw ValidationError(
                field: "file", code: "unsupported_type", message: "attach a JPEG, PNG or WebP photo or a PDF")
        }
        if type.hasPrefix("image/") { try Self.checkPicture(bytes) }
        return try await database.transaction { db in
            try await Self.insert(filename: filename, bytes: bytes, type: type, actor: actor, db: db)
        }
    }

    /// A picture larger than any camera takes: 48 million pixels (a phone's largest) pass.
    public static let mostPixels = 50_000_000, longestSide = 12_000

    /// A photo is kept only when its header can be read and its size is one a browser can show: a file that only
    /// starts like a JPEG, or one that says it is 30,000 pixels square (a browser showing it needs gigabytes), is not.
    static func checkPicture(_ bytes: [UInt8]) throws {
        guard let size = PhotoSize.of(bytes) else {
            throw ValidationError(field: "file", code: "unsupported_type", message: "the photo cannot be read")
        }
        guard max(size.width, size.height) <= longestSide, size.width * size.height <= mostPixels else {
            var e = ValidationError(
                field: "file", code: "too_many_pixels",
                message: "the photo is too large to show (\(size.width) × \(size.height))")
            e.values["size"] = "\(size.width) × \(size.height)"
            throw e
        }
    }

    /// Removes a file stored a moment ago for a form that was then refused, so a refused form keeps no file; only the
    /// account that stored it removes it.
    public func discard(id: Int64, actor: Actor) async throws {
        try await database.transaction { db in
            let gone = try await db.raw(
                "DELETE FROM attachments WHERE id = \(bind: id) AND created_by = \(bind: actor.username) RETURNING id"
            ).all()
            guard !gone.isEmpty else { return }
            try await AuditLog.record(
                db: db, actor: actor, action: "delete", entity: "attachments", entityId: id, subdistrictId: nil,
                before: nil, after: nil)
        }
    }

    /// Stores a checked file inside the caller's transaction (a report and its photos are written together).
    static func insert(filename: String, bytes: [UInt8], type: String, actor: Actor, db: any SQLDatabase)
        async throws -> AttachmentInfo
    {
        let name = String(TextNormalizer.clean(filename).prefix(200))
        let digest = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        let id = try await db.raw(
            """
            INSERT INTO attachments (filename, content_type, size_bytes, sha256, data, created_at, created_by)
            VALUES (\(bind: name.isEmpty ? "file" : name), \(bind: type), \(bind: Int64(bytes.count)), \(bind: digest),
              \(bind: ByteBuffer(bytes: bytes)), \(bind: Clock.isoNow()), \(bind: actor.username)) RETURNING id
            """
        ).first()!.int("id")
        try await AuditLog.record(
            db: db, actor: actor, action: "create", entity: "attachments", entityId: id, subdistrictId: nil,
            before: nil,
            after: .object([
                ("filename", .string(name)), ("size_bytes", .int(Int64(bytes.count))), ("sha256", .string(digest)),
            ]))
        return AttachmentInfo(
            id: id, filename: name, contentType: type, sizeBytes: Int64(bytes.count), sha256: digest)
    }

    /// The file, for someone who may read it (`readable`); 404 otherwise, as for anything out of scope.
    public typealias File = (filename: String, contentType: String, bytes: ByteBuffer)

    public func read(id: Int64, actor: Actor) async throws -> File {
        try await database.withConnection { db in
            guard try await Self.readable(id, actor: actor, db: db) else { throw StoreError.notFound }
            return try await Self.file(id, db: db)
        }
    }

    /// What a record's files are called, their type and size, in the order given; for a record the caller has
    /// already been allowed to read (a notice, public once published), so that a link names the file, not its id.
    public func infos(_ ids: [Int64]) async throws -> [AttachmentInfo] {
        guard !ids.isEmpty else { return [] }
        let asked = Array(Set(ids.prefix(50)))
        return try await database.withConnection { db in
            var found: [Int64: AttachmentInfo] = [:]
            let sql: SQLQueryString =
                "SELECT id, filename, content_type, size_bytes, sha256 FROM attachments WHERE id IN (\(binds: asked))"
            for r in try await db.raw(sql).all() {
                let id = try r.int("id")
                found[id] = AttachmentInfo(
                    id: id, filename: try r.text("filename"), contentType: try r.text("content_type"),
                    sizeBytes: try r.int("size_bytes"), sha256: try r.text("sha256"))
            }
            return ids.compactMap { found[$0] }
        }
    }

    /// A file a published notice shows, which makes it public.
    public func readPublic(id: Int64) async throws -> File {
        try await database.withConnection { db in
            guard try await Self.published(id, db: db) else { throw StoreError.notFound }
            return try await Self.file(id, db: db)
        }
    }

    /// A photo of a report's fix, for the person who holds the report's tracking code (its reporter, who is asked
    /// whether it is fixed). Any other file, or a wrong code, is not found.
    public func readFixPhoto(id: Int64, code typed: String) async throws -> File {
        guard let code = TrackingCode.normalize(typed) else { throw StoreError.notFound }
        return try await database.withConnection { db in
            let sql: SQLQueryString = """
                SELECT e.photos_json AS refs FROM report_events e JOIN reports r ON r.id = e.report_id
                WHERE r.tracking_code = \(bind: code) AND e.to_state = 'fixed' AND e.photos_json LIKE \(bind: "%\(id)%")
                """
            guard try await Self.anyRow(sql, db: db, matching: { $0.idList?.contains(id) == true }) else {
                throw StoreError.notFound
            }
            // Served without where it was taken and under a name of its own, not the uploader's.
            let file = try await Self.file(id, db: db)
            guard let clean = PhotoMetadata.strip(Array(buffer: file.bytes)) else { throw StoreError.notFound }
            let ext = file.contentType.split(separator: "/").last.map(String.init) ?? "jpg"
            return ("fix-\(id).\(ext == "jpeg" ? "jpg" : ext)", file.contentType, ByteBuffer(bytes: clean))
        }
    }

    static func file(_ id: Int64, db: any SQLDatabase) async throws -> File {
        let sql: SQLQueryString = "SELECT filename, content_type, data FROM attachments WHERE id = \(bind: id)"
        guard let r = try await db.raw(sql).first() else { throw StoreError.notFound }
        return (try r.text("filename"), try r.text("content_type"), try r.decode(column: "data", as: ByteBuffer.self))
    }

    /// An attachment is read by whoever reads a record it is attached to: a report's photos, a site log's or a
    /// finding's photos, a project gate's evidence, a notice's files (anyone's, once the notice is published).
    /// Its uploader reads it too, and an administrator everything. Nobody else learns even that it exists.
    static func readable(_ id: Int64, actor: Actor, db: any SQLDatabase) async throws -> Bool {
        let sql: SQLQueryString = "SELECT created_by FROM attachments WHERE id = \(bind: id)"
        guard let row = try await db.raw(sql).first() else { return false }
        if actor.role == .admin && actor.scope.kind == nil { return true }
        if actor.userId != nil, try row.text("created_by") == actor.username { return true }
        if try await published(id, db: db) { return true }
        let like = "%\(id)%"
        let listed: @Sendable (JSONValue) -> Bool = { $0.idList?.contains(id) == true }
        // A coordination request's files and its evidence: whoever sees the request (the office, the department).
        for column in ["attachments_json", "evidence_json"] {
            let sql: SQLQueryString =
                "SELECT c.\(unsafeRaw: column) AS refs FROM coordination_requests c WHERE c.\(unsafeRaw: column) LIKE \(bind: like) AND "
                + CoordinationRequestRepository.scope(actor)
            if try await anyRow(sql, db: db, matching: listed) { return true }
        }
        // A report's photos and those of its fix: whoever reads the report.
        for from in ["reports x JOIN reports r ON r.id = x.id", "report_events x JOIN reports r ON r.id = x.report_id"]
        where ReportRepository.canRead(actor) {
            let sql: SQLQueryString =
                "SELECT x.photos_json AS refs FROM \(unsafeRaw: from) JOIN compounds t ON t.id = r.compound_id "
                + "WHERE x.photos_json LIKE \(bind: like) AND " + ReportRepository.scope(actor)
            if try await anyRow(sql, db: db, matching: listed) { return true }
        }
        if Permissions.allows(actor.role, .readRegistry) {
            let sql: SQLQueryString =
                "SELECT n.attachments_json AS refs FROM notices n "
                + "JOIN compounds t ON t.id = n.compound_id WHERE n.attachments_json LIKE \(bind: like) AND "
                + ResourceSpec.compounds.scopeCondition(actor.scope)
            if try await anyRow(sql, db: db, matching: listed) { return true }
        }
        if Permissions.allows(actor.role, .readProjects) {
            let evidence: @Sendable (JSONValue) -> Bool = { refs in
                guard case .array(let items) = refs else { return false }
                // A document names its attachment; gates passed before evidence was typed named it as `attachment`.
                return items.contains {
                    ($0["kind"]?.stringValue == "document" && $0["attachment_id"]?.intValue == id)
                        || ($0["kind"]?.stringValue == "attachment" && $0["id"]?.intValue == id)
                }
            }
            for (table, column, matches) in [
                ("site_logs", "photos_json", listed), ("findings", "photos_json", listed),
                // The photos of a fix, for whoever re-inspects it.
                ("findings", "rectification_photos_json", listed),
                ("gate_passes", "evidence_json", evidence),
            ] {
                let sql: SQLQueryString =
                    "SELECT x.\(unsafeRaw: column) AS refs FROM \(unsafeRaw: table) x "
                    + "JOIN projects p ON p.id = x.project_id WHERE x.\(unsafeRaw: column) LIKE \(bind: like) AND "
                    + ProjectRepository.scope(actor)
                if try await anyRow(sql, db: db, matching: matches) { return true }
            }
        }
        return try await HandoverRepository.holdsDocument(id, actor: actor, db: db)
    }

    /// Whether a row's `refs` JSON really names the attachment (LIKE only narrows: 12 also matches 112).
    static func anyRow(_ sql: SQLQueryString, db: any SQLDatabase, matching: (JSONValue) -> Bool) async throws -> Bool {
        try await db.raw(sql).all().contains { matching(JSONValue.parse((try? $0.text("refs")) ?? "") ?? .null) }
    }

    static func published(_ id: Int64, db: any SQLDatabase) async throws -> Bool {
        let sql: SQLQueryString = """
            SELECT attachments_json FROM notices WHERE state = 'published' AND attachments_json LIKE \(bind: "%\(id)%")
            """
        if try await db.raw(sql)
            .all().contains(where: {
                ((try? $0.storedIds("attachments_json")) ?? []).contains(id)
            })
        {
            return true
        }
        // A community event's report is on the community's public news page, with its photos.
        let reports: SQLQueryString = """
            SELECT report_photos_json FROM events WHERE report_text IS NOT NULL AND state = 'scheduled'
              AND report_photos_json LIKE \(bind: "%\(id)%")
            """
        return try await db.raw(reports).all().contains {
            ((try? $0.storedIds("report_photos_json")) ?? []).contains(id)
        }
    }

    /// Photos a person shows to the public (a report's fix): each one they uploaded themselves, a well-formed JPEG,
    /// PNG or WebP within `PhotoSize`'s limits. Anyone else's file, a PDF or a broken picture is a 422 on `field`.
    static func requireOwnPhotos(_ ids: [Int64], field: String, actor: Actor, db: any SQLDatabase) async throws {
        for id in Set(ids) {
            let sql: SQLQueryString = "SELECT content_type, created_by, data FROM attachments WHERE id = \(bind: id)"
            guard let row = try await db.raw(sql).first(), try row.text("created_by") == actor.username else {
                throw ValidationError(field: field, code: "not_found", message: "\(field) are photos you uploaded")
            }
            let bytes = Array(buffer: try row.decode(column: "data", as: ByteBuffer.self))
            guard try row.text("content_type").hasPrefix("image/"),
                let clean = PhotoMetadata.strip(bytes), let size = PhotoSize.of(clean), size.problem == nil
            else {
                throw ValidationError(field: field, code: "invalid", message: "\(field) are JPEG, PNG or WebP photos")
            }
        }
    }

    /// The most files one list may name (a log's photos, a request's attachments).
    public static let mostInList = 30

    /// Every id names an attachment the actor may read; otherwise a 422 on `field`, the same whether the file is
    /// missing or someone else's, so naming a file on one's own record never opens it.
    static func requireReadable(_ ids: [Int64], field: String, actor: Actor, db: any SQLDatabase) async throws {
        // Bounded before anything is read: a list of 120,000 made a page of as many pictures.
        guard ids.count <= mostInList else {
            throw ValidationError(field: field, code: "too_many", message: "at most \(mostInList) files")
        }
        guard Set(ids).count == ids.count else {
            throw ValidationError(field: field, code: "repeated", message: "a file is named twice")
        }
        for id in ids where try await !readable(id, actor: actor, db: db) {
            throw ValidationError(field: field, code: "not_found", message: "an attachment in \(field) does not exist")
        }
    }
}

/// A stored file as its upload answers: what it was taken as, and its digest.
public struct AttachmentInfo: Codable, Sendable, Equatable {
    public var id: Int64
    public var filename: String
    public var contentType: String
    public var sizeBytes: Int64
    public var sha256: String

    enum CodingKeys: String, CodingKey {
        case id, filename, contentType = "content_type", sizeBytes = "size_bytes", sha256
    }
}
