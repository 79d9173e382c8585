import CourtyardDomain
import CourtyardStore
import Foundation

/// A key of a body whose field names are data (a project's organisation roles).
struct NamedKey: CodingKey {
    let stringValue: String
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    var intValue: Int? { nil }
    init?(intValue: Int) { nil }
}

extension KeyedDecodingContainer {
    /// A field of a PATCH body: `nil` when absent (keep it), `.some(nil)` when `null` (clear it), the value otherwise.
    func patch<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T?? {
        guard contains(key) else { return nil }
        if try decodeNil(forKey: key) { return .some(nil) }
        return .some(try decode(T.self, forKey: key))
    }
}

/// The fields a project's creation and its PATCH share.
struct ProjectFieldsBody: Decodable {
    var fields = ProjectRepository.Fields()

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: NamedKey.self)
        if let d = try c.patch(Day.self, forKey: NamedKey("deadline")) {
            guard let d else {
                throw AppError.unprocessable("required", "a project always has a deadline", field: "deadline")
            }
            fields.deadline = d
        }
        fields.plannedStart = try c.patch(Day.self, forKey: NamedKey("planned_start"))
        fields.isModel = try c.decodeIfPresent(Bool.self, forKey: NamedKey("is_model"))
        if let w = try c.decodeIfPresent(String.self, forKey: NamedKey("model_writeup")) {
            guard w.count <= 2000 else {
                throw AppError.unprocessable(
                    "too_long", "the write-up is at most 2,000 characters", field: "model_writeup")
            }
            fields.modelWriteup = w
        }
        for (field, _) in ProjectRepository.roles {
            if let o = try c.patch(Int64.self, forKey: NamedKey(field)) { fields.organisations[field] = o }
        }
    }
}

/// `POST /projects`.
struct NewProjectBody: Decodable {
    var compoundId: Int64
    var batchYear: Int64
    var deadline: Day
    var rest: ProjectFieldsBody

    enum CodingKeys: String, CodingKey { case compoundId = "compound_id", batchYear = "batch_year", deadline }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        batchYear = try c.decode(Int64.self, forKey: .batchYear)
        compoundId = try c.decode(Int64.self, forKey: .compoundId)
        deadline = try c.decode(Day.self, forKey: .deadline)
        rest = try ProjectFieldsBody(from: decoder)
    }
}

/// `POST /projects/{id}/work_items`: a line of the plan from the national catalogue.
struct NewWorkItemBody: Decodable {
    var code: String
    var name: String?
    /// A number or decimal text, kept in hundredths.
    var quantity: JSONValue?
    var unit: String?
    var budgetFen: Int64?

    enum CodingKeys: String, CodingKey { case code, name, quantity, unit, budgetFen = "budget_fen" }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        code = try c.decode(String.self, forKey: .code)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        unit = try c.decodeIfPresent(String.self, forKey: .unit)
        budgetFen = try? c.decodeIfPresent(Int64.self, forKey: .budgetFen)
        if let n = try? c.decodeIfPresent(ExactDecimal.self, forKey: .quantity) {
            quantity = Int64(n.numberText).map { .int($0) } ?? .number(n.numberText)
        } else if let text = try? c.decodeIfPresent(String.self, forKey: .quantity) {
            quantity = .string(text)
        } else {
            quantity = c.contains(.quantity) ? .bool(false) : nil
        }
    }

    /// A work item's budget is summed and weighted by percent in SQL, so it is bounded before it is stored.
    func checkedBudget() throws -> Int64 {
        guard let budgetFen, (0...ProjectRepository.maxBudgetFen).contains(budgetFen) else {
            throw AppError.unprocessable(
                "invalid", "budget_fen is a whole number of fen from 0 to \(ProjectRepository.maxBudgetFen)",
                field: "budget_fen")
        }
        return budgetFen
    }

    var item: ProjectRepository.NewWorkItem {
        get throws {
            let budget = try checkedBudget()
            return .init(
                code: code, name: name, quantity: try ProjectRoutes.decimal(quantity, field: "quantity"), unit: unit,
                budgetFen: budget)
        }
    }
}

/// Evidence for a gate: records `{"kind", "id"}` and documents `{"kind": "document", "attachment_id",
/// "document_type"}`. A bare attachment id says nothing of what the paper is, so it is refused.
struct EvidenceBody: Decodable {
    var evidence: Evidence

    enum CodingKeys: String, CodingKey {
        case kind, id, attachmentId = "attachment_id", documentType = "document_type"
    }

    init(from decoder: any Decoder) throws {
        let c = try? decoder.container(keyedBy: CodingKeys.self)
        let kind = try? c?.decodeIfPresent(String.self, forKey: .kind)
        if kind == "document" {
            guard let id = try? c?.decode(Int64.self, forKey: .attachmentId),
                let type = (try? c?.decode(String.self, forKey: .documentType)).flatMap(DocumentType.init(rawValue:))
            else {
                throw AppError.unprocessable(
                    "invalid",
                    "a document is {kind: document, attachment_id, document_type} with document_type one of "
                        + DocumentType.allCases.map(\.rawValue).joined(separator: ", "), field: "evidence")
            }
            evidence = .document(attachmentId: id, type: type)
            return
        }
        guard let kind = kind.flatMap({ $0 }).flatMap(EvidenceKind.init(rawValue:)),
            let id = try? c?.decode(Int64.self, forKey: .id)
        else {
            throw AppError.unprocessable(
                "invalid",
                "evidence items are records {kind, id} with kind one of "
                    + EvidenceKind.allCases.map(\.rawValue).joined(separator: ", ")
                    + ", or documents {kind: document, attachment_id, document_type}", field: "evidence")
        }
        evidence = .record(kind, id: id)
    }
}

/// `POST /projects/{id}/advance`.
struct AdvanceBody: Decodable {
    var evidence: [EvidenceBody]?
    var note: String?
}

/// `POST /projects/{id}/acceptances`. Participants are people with the part they stand for
/// (`{"name", "role", "organisation_id"?}`); a bare name, in a list or in one text separated by 、 , ; or new lines,
/// is taken as a participant of no named part, which a final acceptance does not count.
struct NewAcceptanceBody: Decodable {
    var kind: ProjectRepository.AcceptanceKind
    var date: Day
    var result: ProjectRepository.AcceptanceResult
    var participants: [AcceptanceParticipant]
    var defects: [String]
    var note: String?

    enum CodingKeys: String, CodingKey { case kind, date, result, participants, defects, note }

    /// One participant: a person with a part, or a bare name.
    struct Participant: Decodable {
        var person: AcceptanceParticipant
        init(from decoder: any Decoder) throws {
            if let name = try? decoder.singleValueContainer().decode(String.self) {
                person = AcceptanceParticipant(name: name, role: .other)
            } else {
                person = try AcceptanceParticipant(from: decoder)
            }
        }
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try Self.choice(c, .kind)
        date = try c.decode(Day.self, forKey: .date)
        result = try Self.choice(c, .result)
        if let text = try? c.decodeIfPresent(String.self, forKey: .participants) {
            participants = text.split(whereSeparator: { "、,，;；\n".contains($0) }).map {
                AcceptanceParticipant(name: String($0), role: .other)
            }
        } else {
            participants = (try c.decodeIfPresent([Participant].self, forKey: .participants) ?? []).map(\.person)
        }
        defects = try c.decodeIfPresent([String].self, forKey: .defects) ?? []
        note = try c.decodeIfPresent(String.self, forKey: .note)
    }

    /// One of an enumeration's values, refused with the list of them.
    static func choice<E: RawRepresentable & CaseIterable>(_ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys)
        throws -> E where E.RawValue == String
    {
        guard let v = (try? c.decodeIfPresent(String.self, forKey: key)).flatMap({ $0 }).flatMap(E.init(rawValue:))
        else {
            throw AppError.unprocessable(
                "invalid", "\(key.stringValue) must be one of \(E.allCases.map(\.rawValue).joined(separator: ", "))",
                field: key.stringValue)
        }
        return v
    }
}

/// A task's fields, for its creation and its PATCH. `depends_on` lists task ids, or `{"task_id", "lag_days"}` for
/// a wait in working days after the predecessor.
struct TaskBody: Decodable {
    var change = ScheduleRepository.TaskChange()

    enum CodingKeys: String, CodingKey {
        case name, durationDays = "duration_days", dependsOn = "depends_on", workItemId = "work_item_id"
        case actualStart = "actual_start", actualFinish = "actual_finish", hiddenWork = "hidden_work"
    }

    struct Dependency: Decodable {
        var taskId: Int64
        var lagDays: Int64?
        enum CodingKeys: String, CodingKey { case taskId = "task_id", lagDays = "lag_days" }

        init(from decoder: any Decoder) throws {
            if let id = try? decoder.singleValueContainer().decode(Int64.self) {
                taskId = id
                return
            }
            guard let c = try? decoder.container(keyedBy: CodingKeys.self),
                let id = try? c.decode(Int64.self, forKey: .taskId)
            else {
                throw AppError.unprocessable(
                    "invalid", "depends_on lists task ids or {task_id, lag_days}", field: "depends_on")
            }
            taskId = id
            lagDays = try? c.decodeIfPresent(Int64.self, forKey: .lagDays)
        }
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        change.name = try c.decodeIfPresent(String.self, forKey: .name)
        if let d = try? c.patch(Int64.self, forKey: .durationDays) {
            guard let d else {
                throw AppError.unprocessable(
                    "invalid", "duration_days is a number of working days", field: "duration_days")
            }
            change.duration = Int(d)
        } else if c.contains(.durationDays) {
            throw AppError.unprocessable("invalid", "duration_days is a number of working days", field: "duration_days")
        }
        if let deps = try c.decodeIfPresent([Dependency].self, forKey: .dependsOn) {
            change.dependsOn = deps.map(\.taskId)
            for d in deps { if let lag = d.lagDays { change.lags[d.taskId] = Int(lag) } }
        }
        change.workItemId = try c.patch(Int64.self, forKey: .workItemId)
        change.actualStart = try c.patch(Day.self, forKey: .actualStart)
        change.actualFinish = try c.patch(Day.self, forKey: .actualFinish)
        change.hiddenWork = try c.decodeIfPresent(Bool.self, forKey: .hiddenWork)
    }
}

/// `PATCH /projects/{id}/site_logs/{log_id}`: each field sent replaces the log's; `progress` replaces its whole list.
struct SiteLogCorrectionBody: Decodable, Sendable {
    var weather: String?
    var workers: Int64?
    var workDone: String?
    var issues: String?
    var progress: [NewSiteLogBody.Progress]?
    var photos: [Int64]?

    enum CodingKeys: String, CodingKey {
        case weather, workers, workDone = "work_done", issues, progress, photos
    }

    func log(over current: SiteLog) -> LedgerRepository.NewSiteLog {
        .init(
            date: current.date, weather: weather ?? current.weather,
            workers: Int(clamping: workers ?? current.workers), workDone: workDone ?? current.workDone,
            issues: issues ?? current.issues,
            progress: progress?.map { ($0.workItemId, Int(clamping: $0.percent)) }
                ?? current.progress.map { ($0.workItemId, Int($0.percent)) },
            photos: photos ?? current.photos)
    }
}

/// `POST /projects/{id}/site_logs`.
struct NewSiteLogBody: Decodable {
    struct Progress: Decodable, Sendable {
        var workItemId: Int64
        var percent: Int64
        enum CodingKeys: String, CodingKey { case workItemId = "work_item_id", percent }
    }
    var date: Day
    var weather: String?
    var workers: Int64?
    var workDone: String?
    var issues: String?
    var progress: [Progress]?
    var photos: [Int64]?

    enum CodingKeys: String, CodingKey {
        case date, weather, workers, workDone = "work_done", issues, progress, photos
    }

    var log: LedgerRepository.NewSiteLog {
        .init(
            date: date, weather: weather ?? "", workers: Int(clamping: workers ?? 0), workDone: workDone ?? "",
            issues: issues ?? "", progress: (progress ?? []).map { ($0.workItemId, Int(clamping: $0.percent)) },
            photos: photos ?? [])
    }
}

/// `POST /projects/{id}/checks`.
struct NewCheckBody: Decodable {
    struct Item: Decodable {
        var item: String
        var passed: Bool
        var note: String?
    }
    struct Finding: Decodable {
        var description: String
        var photos: [Int64]?
        var dueOn: Day?
        enum CodingKeys: String, CodingKey { case description, photos, dueOn = "due_on" }
    }
    var date: Day
    var items: [Item]?
    var findings: [Finding]?

    var check: LedgerRepository.NewCheck {
        .init(
            date: date, items: (items ?? []).map { ($0.item, $0.passed, $0.note ?? "") },
            findings: (findings ?? []).map { ($0.description, $0.photos ?? [], $0.dueOn) })
    }
}

/// `POST /findings/{id}/{step}`: the body is optional.
struct FindingStepBody: Decodable {
    var note: String?
    /// The photos of the fix (uploaded attachments), with `rectify` only.
    var photos: [Int64]?
}

/// `POST /bulletins`.
struct NewBulletinBody: Decodable {
    var batchYear: Int64
    var asOf: Day
    var subdistrictId: Int64?
    var nextSteps: String?
    enum CodingKeys: String, CodingKey {
        case batchYear = "batch_year", asOf = "as_of", subdistrictId = "subdistrict_id", nextSteps = "next_steps"
    }
}

/// `PATCH /bulletins/{id}`.
struct BulletinChangesBody: Decodable {
    var asOf: Day?
    var nextSteps: String?
    enum CodingKeys: String, CodingKey { case asOf = "as_of", nextSteps = "next_steps" }
}
