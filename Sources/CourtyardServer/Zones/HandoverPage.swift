import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

extension SiteRoute {
    static func handover(_ project: Int64) -> SiteRoute { SiteRoute("/projects/\(project)/handover") }
    static func handoverSaved(_ project: Int64, _ what: String) -> SiteRoute {
        SiteRoute("/projects/\(project)/handover", query: [("saved", what)])
    }
    static func handoverSign(_ project: Int64) -> SiteRoute { SiteRoute("/projects/\(project)/handover/sign") }
    static func handoverFile(_ project: Int64) -> SiteRoute { SiteRoute("/projects/\(project)/handover/file") }
}

/// A compound's hand-over (交接) to its property company on a page of its own: the checklist of facilities,
/// documents, keys and open defects; the four parties' signatures on its current version; the office's form for the
/// checklist and each party's button to sign it. The community, the steward and the property company reach it from
/// their home pages, where a hand-over waiting for their signature is listed.
struct HandoverPage {
    struct Signature {
        var party: String
        var signed: Bool
        var who: String
        var when: String
    }
    struct Cell {
        var label: String
        var value: String
        var href: String? = nil
        /// Free text (a name, a defect) wraps; a number or a date stays on its line.
        var wrap = false
    }
    struct Line {
        var cells: [Cell]
    }
    struct Table {
        var heading: String
        var columns: [String]
        var lines: [Line]
        var hasLines: Bool
    }
    struct SignForm {
        var action: String
        /// The version its signer read: a checklist changed since is not signed unread.
        var version: String
        var button: String
        var text: String
        /// The box its signer ticks to say the checklist was read; the sign is refused without it.
        var confirm: String
        /// Why the last attempt was refused (the box left unticked), said beside the box.
        var problem: String?
    }

    var note: PageNote?
    var heading: String
    var place: String
    var projectHref: String?
    var status: String
    var statusTone: String
    var version: String?
    var signatures: [Signature]
    var tables: [Table]
    var warranty: String
    var hasChecklist: Bool
    var sign: SignForm?
    /// The actor's party has signed this version already.
    var signedByMe: String?
    var form: HandoverForm?
    /// The office's form to attach a scan or file to one of the checklist's documents.
    var upload: Upload?

    struct Upload {
        var action: String
        var version: String
        var documents: [FormOption]
        var voids: String?
    }

    static func load(
        projectId: Int64, actor: Actor, services: Services, note: PageNote?, typed: [String: [String]]?,
        problem: String? = nil, signProblem: String? = nil, _ f: PageFrame
    ) async throws -> HandoverPage {
        let s = try await HandoverRepository(database: services.database).setting(projectId: projectId, actor: actor)
        let h = s.handover
        let names = (try? await services.accounts.displayNames(Set(h.signatures.map(\.username)))) ?? [:]
        let open = s.stage != .handedOver
        var page = HandoverPage(
            note: note, heading: s.compoundName + " · " + f.t("handover.pageTitle"),
            place: [
                f.t("handover.zone") + f.t("common.colon") + (s.zoneName ?? f.t("handover.noZone")),
                f.t("handover.company") + f.t("common.colon") + (h.propertyCompanyName ?? f.t("zone.noCompany")),
            ].joined(separator: " · "),
            projectHref: Permissions.allows(actor.role, .readProjects) ? SiteRoute.project(projectId).path : nil,
            status: status(s, f), statusTone: h.complete || !open ? "ok" : "",
            version: h.checklist == nil ? nil : version(s, f),
            signatures: HandoverParty.allCases.map { p in
                let sig = h.signatures.first { $0.party == p }
                return Signature(
                    party: f.t("handover.role." + p.rawValue), signed: sig != nil,
                    who: sig.map { names[$0.username] ?? $0.username } ?? "",
                    when: sig.map { String(beijingTime($0.signedAt).prefix(16)) } ?? "")
            }, tables: h.checklist.map { tables($0, f) } ?? [],
            warranty: h.checklist?.warrantyUntil?.description ?? "—",
            hasChecklist: h.checklist != nil)
        if open, h.checklist != nil, let party = HandoverParty.of(actor.role) {
            if h.signatures.contains(where: { $0.party == party }) {
                page.signedByMe = f.t("handover.signedByMe")
            } else {
                page.sign = SignForm(
                    action: SiteRoute.handoverSign(projectId).path, version: String(h.version),
                    button: f.t("handover.signAs").replacingOccurrences(
                        of: "{party}", with: f.t("handover.role." + party.rawValue)),
                    text: f.t("handover.signText").replacingOccurrences(of: "{v}", with: String(h.version)),
                    confirm: f.t("handover.signConfirm").replacingOccurrences(of: "{v}", with: String(h.version)),
                    problem: signProblem)
            }
        }
        if open, HandoverParty.of(actor.role) == .office, let c = h.checklist, !c.documents.isEmpty {
            page.upload = Upload(
                action: SiteRoute.handoverFile(projectId).path, version: String(h.version),
                documents: c.documents.enumerated().map { i, d in
                    FormOption(
                        value: String(i),
                        label: f.t("handover.kind." + d.kind.rawValue) + " · " + d.name
                            + (d.attachmentId == nil ? "" : f.t("handover.hasFile")),
                        selected: false)
                },
                voids: h.signatures.isEmpty
                    ? nil
                    : f.t("handover.upload.voids").replacingOccurrences(of: "{n}", with: String(h.signatures.count)))
        }
        if open, HandoverParty.of(actor.role) == .office {
            page.form = HandoverForm(
                action: SiteRoute.handover(projectId).path, checklist: h.checklist, typed: typed, problem: problem,
                signatures: h.signatures.count, f)
            page.form?.version = String(h.version)
        }
        return page
    }

    static func status(_ s: HandoverRepository.Setting, _ f: PageFrame) -> String {
        if s.stage == .handedOver { return f.t("handover.status.handedOver") }
        if s.handover.complete { return f.t("handover.status.complete") }
        return f.t("handover.status.missing") + missing(s.handover, f)
    }

    /// What a hand-over still lacks, in words ("社区签字、确定物业服务企业"), as its page and its zone's page say it.
    static func missing(_ h: Handover, _ f: PageFrame) -> String {
        h.missing.map { f.t("handover.missing." + $0.replacingOccurrences(of: ":", with: ".")) }.joined(separator: "、")
    }

    static func version(_ s: HandoverRepository.Setting, _ f: PageFrame) -> String {
        var text = f.t("handover.version").replacingOccurrences(of: "{v}", with: String(s.handover.version))
        if let at = s.updatedAt {
            text += " · " + String(beijingTime(at).prefix(16))
        }
        return text
    }

    static func tables(_ c: HandoverChecklist, _ f: PageFrame) -> [Table] {
        func table(_ key: String, _ columns: [String], _ lines: [[Cell]]) -> Table {
            Table(
                heading: f.t("handover.section." + key), columns: columns, lines: lines.map { Line(cells: $0) },
                hasLines: !lines.isEmpty)
        }
        let name = f.t("handover.col.name")
        let quantity = f.t("handover.col.quantity")
        let condition = f.t("handover.col.condition")
        let kind = f.t("handover.col.kind")
        let file = f.t("handover.col.file")
        let due = f.t("handover.col.due")
        let state = f.t("handover.col.state")
        let problem = f.t("handover.col.problem")
        return [
            table(
                "facilities", [name, quantity, condition],
                c.facilities.map {
                    [
                        Cell(label: name, value: $0.name, wrap: true),
                        Cell(label: quantity, value: String($0.quantity)),
                        Cell(label: condition, value: f.t("handover.condition." + $0.condition.rawValue)),
                    ]
                }),
            table(
                "documents", [kind, name, file],
                c.documents.map {
                    [
                        Cell(label: kind, value: f.t("handover.kind." + $0.kind.rawValue)),
                        Cell(label: name, value: $0.name, wrap: true),
                        Cell(
                            label: file, value: $0.attachmentId == nil ? "—" : f.t("handover.openFile"),
                            href: $0.attachmentId.map { SiteRoute.attachment($0).path }),
                    ]
                }),
            table(
                "keys", [name, quantity],
                c.keys.map {
                    [Cell(label: name, value: $0.name, wrap: true), Cell(label: quantity, value: String($0.quantity))]
                }),
            table(
                "defects", [problem, due, state],
                c.defects.map {
                    [
                        Cell(label: problem, value: $0.description, wrap: true),
                        Cell(label: due, value: $0.dueOn.description),
                        Cell(label: state, value: f.t($0.open ? "handover.defect.open" : "handover.defect.fixed")),
                    ]
                }),
        ]
    }
}

/// The office's form for the checklist: a row per facility, document, key and defect, with three empty rows under
/// each to add more. A refused form comes back with every row as typed and the row refused named.
struct HandoverForm {
    struct Row {
        /// "第 3 行", as a refusal names it.
        var number = ""
        var name: String
        var quantity: String
        var choices: [FormOption]
        var due: String
        var attachment: String
    }
    var action: String
    /// The version the form shows: a checklist changed meanwhile is not overwritten.
    var version = ""
    var open: Bool
    var problem: String?
    /// Saving a change voids the signatures already given.
    var voids: String?
    var facilities: [Row]
    var documents: [Row]
    var keys: [Row]
    var defects: [Row]
    var warranty: String

    static let blankRows = 3

    init(
        action: String, checklist: HandoverChecklist?, typed: [String: [String]]?, problem: String?, signatures: Int,
        _ f: PageFrame
    ) {
        self.action = action
        self.problem = problem
        open = checklist == nil || typed != nil
        voids =
            signatures == 0
            ? nil : f.t("handover.form.voids").replacingOccurrences(of: "{n}", with: String(signatures))
        func choices<C: RawRepresentable & CaseIterable>(_ all: C.Type, _ prefix: String, _ chosen: String)
            -> [FormOption]
        where C.RawValue == String {
            C.allCases.map {
                FormOption(value: $0.rawValue, label: f.t(prefix + $0.rawValue), selected: $0.rawValue == chosen)
            }
        }
        let conditions = { choices(HandoverChecklist.Condition.self, "handover.condition.", $0) }
        let kinds = { choices(HandoverChecklist.DocumentKind.self, "handover.kind.", $0) }
        let states = { (open: String) in
            ["open", "fixed"].map {
                FormOption(value: $0, label: f.t("handover.defect." + $0), selected: $0 == open)
            }
        }
        if let typed {
            func rows(_ prefix: String, _ fields: [String], _ make: ([String]) -> Row) -> [Row] {
                let columns = fields.map { typed[prefix + "_" + $0] ?? [] }
                // A refused form shows at most as many rows as a list may hold.
                let count = min(columns.map(\.count).max() ?? 0, 500 + Self.blankRows)
                return (0..<count).map { i in make(columns.map { i < $0.count ? $0[i] : "" }) }
            }
            facilities = rows("facility", ["name", "quantity", "condition"]) {
                Row(name: $0[0], quantity: $0[1], choices: conditions($0[2]), due: "", attachment: "")
            }
            documents = rows("document", ["kind", "name", "attachment"]) {
                Row(name: $0[1], quantity: "", choices: kinds($0[0]), due: "", attachment: $0[2])
            }
            keys = rows("key", ["name", "quantity"]) {
                Row(name: $0[0], quantity: $0[1], choices: [], due: "", attachment: "")
            }
            defects = rows("defect", ["description", "due_on", "state"]) {
                Row(name: $0[0], quantity: "", choices: states($0[2]), due: $0[1], attachment: "")
            }
            warranty = typed["warranty_until"]?.last ?? ""
            numberRows(f)
            return
        }
        let c = checklist
        func blank(_ choices: [FormOption]) -> [Row] {
            Array(
                repeating: Row(name: "", quantity: "", choices: choices, due: "", attachment: ""), count: Self.blankRows
            )
        }
        facilities =
            (c?.facilities ?? []).map {
                Row(
                    name: $0.name, quantity: String($0.quantity), choices: conditions($0.condition.rawValue), due: "",
                    attachment: "")
            } + blank(conditions("good"))
        documents =
            (c?.documents ?? []).map {
                Row(
                    name: $0.name, quantity: "", choices: kinds($0.kind.rawValue), due: "",
                    attachment: $0.attachmentId.map { String($0) } ?? "")
            } + blank(kinds("other"))
        keys =
            (c?.keys ?? []).map {
                Row(name: $0.name, quantity: String($0.quantity), choices: [], due: "", attachment: "")
            } + blank([])
        defects =
            (c?.defects ?? []).map {
                Row(
                    name: $0.description, quantity: "", choices: states($0.open ? "open" : "fixed"),
                    due: $0.dueOn.description, attachment: "")
            } + blank(states("open"))
        warranty = c?.warrantyUntil?.description ?? ""
        numberRows(f)
    }

    mutating func numberRows(_ f: PageFrame) {
        for list in [\HandoverForm.facilities, \.documents, \.keys, \.defects] {
            for i in self[keyPath: list].indices {
                self[keyPath: list][i].number = f.t("handover.form.rowLabel").replacingOccurrences(
                    of: "{n}", with: String(i + 1))
            }
        }
    }
}

/// The checklist as the office's form typed it: blank rows left out, every problem said by its section and row.
enum HandoverFormReading {
    static func checklist(_ typed: [String: [String]], _ f: PageFrame) throws -> HandoverChecklist {
        // Rows past the most a list holds are refused before any is read, so a hostile form costs nothing.
        let rows = ["facility_name", "document_name", "key_name", "defect_description"].map { typed[$0]?.count ?? 0 }
        if let most = rows.max(), most > 500 + HandoverForm.blankRows {
            let section = ["facilities", "documents", "keys", "defects"][rows.firstIndex(of: most)!]
            throw ValidationError(
                field: "checklist", code: Pages.pageMessage,
                message: f.t("handover.problem.tooMany").replacingOccurrences(
                    of: "{section}", with: f.t("handover.section." + section)))
        }
        var problems: [String] = []
        func column(_ name: String) -> [String] {
            (typed[name] ?? []).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        }
        func cell(_ values: [String], _ i: Int) -> String { i < values.count ? values[i] : "" }
        func say(_ section: String, _ i: Int, _ key: String, _ date: String = "") {
            problems.append(
                f.t("handover.form.row").replacingOccurrences(of: "{section}", with: f.t("handover.section." + section))
                    .replacingOccurrences(of: "{n}", with: String(i + 1))
                    + f.t("handover.problem." + key).replacingOccurrences(of: "{date}", with: date))
        }
        func name(_ text: String, _ section: String, _ i: Int, max: Int = 200) -> String {
            if text.isEmpty {
                say(section, i, section == "defects" ? "description" : "name")
            } else if text.unicodeScalars.count > max {
                say(section, i, "long")
            }
            return text
        }
        func quantity(_ text: String, _ section: String, _ i: Int) -> Int {
            guard let q = Int(text), (0...1_000_000).contains(q) else {
                say(section, i, "quantity")
                return 0
            }
            return q
        }
        let warrantyText = column("warranty_until").last ?? ""
        let warranty = Day(warrantyText)
        if warranty == nil {
            problems.append(f.t(warrantyText.isEmpty ? "handover.problem.noWarranty" : "handover.problem.warranty"))
        }

        var c = HandoverChecklist(facilities: [], documents: [], keys: [], defects: [], warrantyUntil: warranty)
        let (fn, fq, fc) = (column("facility_name"), column("facility_quantity"), column("facility_condition"))
        for i in fn.indices where !(fn[i].isEmpty && cell(fq, i).isEmpty) {
            c.facilities.append(
                .init(
                    name: name(fn[i], "facilities", i), quantity: quantity(cell(fq, i), "facilities", i),
                    condition: HandoverChecklist.Condition(rawValue: cell(fc, i)) ?? .good))
        }
        let (dk, dn, da) = (column("document_kind"), column("document_name"), column("document_attachment"))
        for i in dn.indices where !(dn[i].isEmpty && cell(da, i).isEmpty) {
            c.documents.append(
                .init(
                    kind: HandoverChecklist.DocumentKind(rawValue: cell(dk, i)) ?? .other,
                    name: name(dn[i], "documents", i), attachmentId: Int64(cell(da, i))))
        }
        let (kn, kq) = (column("key_name"), column("key_quantity"))
        for i in kn.indices where !(kn[i].isEmpty && cell(kq, i).isEmpty) {
            c.keys.append(.init(name: name(kn[i], "keys", i), quantity: quantity(cell(kq, i), "keys", i)))
        }
        let (xd, xo, xs) = (column("defect_description"), column("defect_due_on"), column("defect_state"))
        for i in xd.indices where !(xd[i].isEmpty && cell(xo, i).isEmpty) {
            let open = cell(xs, i) != "fixed"
            let due = Day(cell(xo, i))
            if due == nil { say("defects", i, "due") }
            if let due, open, HandoverRules.defectProblem(dueOn: due, warrantyUntil: warranty) {
                say("defects", i, "afterWarranty", warranty?.description ?? "")
            }
            c.defects.append(
                .init(description: name(xd[i], "defects", i, max: 1000), dueOn: due ?? Clock.today, open: open))
        }
        for (section, count) in [
            ("facilities", c.facilities.count), ("documents", c.documents.count), ("keys", c.keys.count),
            ("defects", c.defects.count),
        ] where count > 500 {
            problems.append(
                f.t("handover.problem.tooMany").replacingOccurrences(
                    of: "{section}", with: f.t("handover.section." + section)))
        }
        // A checklist is what the company receives: one with nothing on it is a slip, not a hand-over.
        if c.facilities.isEmpty && c.documents.isEmpty && c.keys.isEmpty && c.defects.isEmpty {
            problems.append(f.t("handover.problem.empty"))
        }
        guard problems.isEmpty else {
            throw ValidationError(field: "checklist", code: Pages.pageMessage, message: Pages.lines(problems))
        }
        return c
    }
}

/// The hand-over page and its two forms: the office's checklist and each party's signature.
struct HandoverPageController {
    let services: Services
    var repo: HandoverRepository { HandoverRepository(database: services.database) }

    func register(on router: Router<AppContext>) {
        Pages.get(router, "/projects/:id/handover", show)
        Pages.post(router, "/projects/:id/handover", save)
        Pages.post(router, "/projects/:id/handover/sign", sign)
        Pages.post(router, "/projects/:id/handover/file", attach)
    }

    /// A file for one of the checklist's documents (a scan of the as-built drawings): stored, and the checklist
    /// changed to name it, which voids the signatures as any change does.
    @Sendable func attach(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.require(.manageProjects)
        let id = try context.parameters.require("id", as: Int64.self)
        let form = try await Pages.multipartForm(request, context)
        return try await Pages.save(f, redisplay: again(id, actor, f)) {
            guard var c = try await repo.get(projectId: id, actor: actor).checklist,
                let i = Int(form.fields["document"] ?? ""), c.documents.indices.contains(i)
            else {
                throw ValidationError(
                    field: "document", code: Pages.pageMessage, message: f.t("handover.problem.document"))
            }
            try await form.withStoredFile("file", database: services.database, actor: actor) { file in
                guard let file else {
                    throw ValidationError(
                        field: "file", code: Pages.pageMessage, message: f.t("handover.problem.noFile"))
                }
                c.documents[i].attachmentId = file
                _ = try await repo.put(
                    projectId: id, c, version: Self.sentVersion(form.fields["version"]), actor: actor)
            }
            return SiteRoute.handoverSaved(id, "file").path + "#saved"
        }
    }

    /// The version a form sent: none when it sent none, and one no checklist has when it is not a number (a crafted
    /// form is refused as stale, never saved unchecked).
    static func sentVersion(_ sent: String?) -> Int? { sent.map { Int($0) ?? -1 } }

    /// The page again with why a form was refused, and, for the checklist's form, its rows as typed.
    func again(_ id: Int64, _ actor: Actor, typed: [String: [String]]? = nil, _ f: PageFrame)
        -> ((String, String), HTTPResponse.Status) async throws -> Response
    {
        { m, status in
            try await render(id, actor, note: PageNote(kind: m.0, text: m.1), typed: typed, f, status: status)
        }
    }

    func render(
        _ id: Int64, _ actor: Actor, note: PageNote?, typed: [String: [String]]? = nil, signProblem: String? = nil,
        _ f: PageFrame, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let page = try await HandoverPage.load(
            projectId: id, actor: actor, services: services, note: note, typed: typed,
            problem: typed == nil ? nil : note?.text, signProblem: signProblem, f)
        return f.page(title: page.heading, "zones-handover", page, status: status)
    }

    @Sendable func show(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let saved = request.uri.queryParameters.get("saved").map { String($0) }
        let note: PageNote? =
            switch saved {
            case "checklist": PageNote(kind: "ok", text: f.t("handover.saved.checklist"))
            case "signed": PageNote(kind: "ok", text: f.t("handover.saved.signed"))
            case "file": PageNote(kind: "ok", text: f.t("handover.saved.file"))
            default: nil
            }
        return try await render(
            try context.parameters.require("id", as: Int64.self), try context.actor(), note: note, f)
    }

    @Sendable func save(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.require(.manageProjects)
        let id = try context.parameters.require("id", as: Int64.self)
        let typed = try await Pages.formMulti(request, context)
        return try await Pages.save(f, redisplay: again(id, actor, typed: typed, f)) {
            _ = try await repo.put(
                projectId: id, try HandoverFormReading.checklist(typed, f),
                version: Self.sentVersion(typed["version"]?.last), actor: actor)
            return SiteRoute.handoverSaved(id, "checklist").path + "#saved"
        }
    }

    @Sendable func sign(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.actor()
        let id = try context.parameters.require("id", as: Int64.self)
        let fields = try await Pages.form(request, context)
        guard HandoverParty.of(actor.role) != nil else { throw AccessError.forbidden }
        guard fields["confirm"] == "1" else {
            // Signing confirms the checklist: the box that says it was read is ticked first.
            return try await render(
                id, actor, note: nil, signProblem: f.t("handover.problem.confirm"), f, status: .unprocessableContent)
        }
        return try await Pages.save(f, redisplay: again(id, actor, f)) {
            _ = try await repo.sign(projectId: id, version: Int(fields["version"] ?? "") ?? 0, actor: actor)
            return SiteRoute.handoverSaved(id, "signed").path + "#saved"
        }
    }
}
