/// What an acceptance of works is: part-way or final.
public enum AcceptanceKind: String, CaseIterable, Codable, Sendable { case intermediate, final }

/// How an acceptance ended.
public enum AcceptanceResult: String, CaseIterable, Codable, Sendable { case passed, failed }

/// What the store found for one record offered as a gate's evidence: the columns the rules look at.
public enum EvidenceRecordFacts: Equatable, Sendable {
    case questionnaire(compoundId: Int64, state: String, closesOn: Day?)
    case notice(compoundId: Int64, state: String, endsOn: Day?)
    case expertReview(projectId: Int64, conclusion: String)
    case vote(compoundId: Int64, status: String)
    case acceptance(projectId: Int64, kind: AcceptanceKind?, result: AcceptanceResult?)
}

/// What the store found for one document offered as a gate's evidence.
public struct EvidenceDocumentFacts: Equatable, Sendable {
    /// The attachment is stored.
    public var exists: Bool
    /// The stage whose gate already took this document as evidence, if any (of any project).
    public var alreadyEvidenceInto: String?
    /// The person passing the gate may already read the file (a gate must not make a file readable to them).
    public var readableByPasser: Bool
    public init(exists: Bool, alreadyEvidenceInto: String? = nil, readableByPasser: Bool = true) {
        self.exists = exists
        self.alreadyEvidenceInto = alreadyEvidenceInto
        self.readableByPasser = readableByPasser
    }
}

/// Everything a gate decision needs, loaded by the store beforehand.
public struct GateFacts: Sendable {
    public var projectId: Int64
    public var compoundId: Int64
    public var evidence: [Evidence]
    /// Each record offered, by kind and id; absent when there is no such record.
    public var records: [EvidenceKey: EvidenceRecordFacts]
    /// Each document offered, by attachment id.
    public var documents: [Int64: EvidenceDocumentFacts]
    public var hasWorkItems: Bool
    public var hasContractor: Bool
    /// The safety paperwork on file, which the gate into construction asks for.
    public var safety: SafetyFacts
    public var today: Day
    /// What the hand-over still lacks (a signature, an assigned property company); empty when it is complete.
    public var handoverMissing: [HandoverRequirement] = []

    public init(
        projectId: Int64, compoundId: Int64, evidence: [Evidence],
        records: [EvidenceKey: EvidenceRecordFacts] = [:], documents: [Int64: EvidenceDocumentFacts] = [:],
        hasWorkItems: Bool, hasContractor: Bool, safety: SafetyFacts, today: Day
    ) {
        self.projectId = projectId
        self.compoundId = compoundId
        self.evidence = evidence
        self.records = records
        self.documents = documents
        self.hasWorkItems = hasWorkItems
        self.hasContractor = hasContractor
        self.safety = safety
        self.today = today
    }
}

/// A record named by its kind and id.
public struct EvidenceKey: Hashable, Sendable {
    public var kind: EvidenceKind
    public var id: Int64
    public init(_ kind: EvidenceKind, _ id: Int64) {
        self.kind = kind
        self.id = id
    }
}

/// Why a gate refuses, in the order the API reports them (the first is the one a client is told).
public enum GateProblem: Equatable, Sendable {
    /// The project is handed over: there is no further gate.
    case noFurtherStage
    /// The evidence fails the rules that need no lookup (nothing offered, a kind or type the gate does not take).
    case evidence(GateEvidenceProblem)
    /// A record that does not exist, or does not apply to this project (another compound, not yet done).
    case recordDoesNotApply(EvidenceKind, id: Int64)
    /// A document that is not stored.
    case documentNotFound(Int64)
    /// A document the person passing the gate may not read: the gate would make it readable to them.
    case documentNotReadable(Int64)
    /// A document already serving as the evidence of another gate.
    case documentAlreadyUsed(Int64, into: String)
    /// An approved plan has work items.
    case planHasNoWorkItems
    /// Construction has a contractor.
    case noContractor
    /// Construction has the contractor's safety agreement, an emergency plan and a pre-job training on file.
    case safetyMissing([SafetyRequirement])
    /// A project is accepted only through a passed final acceptance.
    case acceptedOnlyThroughFinalAcceptance
    /// A project is handed over with a checklist signed by all four parties and an assigned property company.
    case handoverIncomplete([HandoverRequirement])
}

/// The rules of a project's stage gates, over facts the store loaded.
public enum ProjectGate {
    /// Every problem with moving a project from `current` to its next stage, first the one to report.
    public static func check(from current: ProjectStage, facts: GateFacts) -> [GateProblem] {
        guard let next = current.next else { return [.noFurtherStage] }
        return check(next: next, facts: facts)
    }

    /// The problems with the gate into `next` that no evidence sent with it can mend (no contractor, safety paperwork
    /// not filed, no work items, a hand-over not complete): a form that asks for the evidence is not offered while
    /// one stands, so nobody picks a file only to be told something else is missing.
    public static func standing(next: ProjectStage, facts: GateFacts) -> [GateProblem] {
        var problems: [GateProblem] = []
        switch next {
        case .planApproved where !facts.hasWorkItems: problems.append(.planHasNoWorkItems)
        case .construction:
            if !facts.hasContractor { problems.append(.noContractor) }
            if !facts.safety.missing.isEmpty { problems.append(.safetyMissing(facts.safety.missing)) }
        case .handedOver where !facts.handoverMissing.isEmpty:
            problems.append(.handoverIncomplete(facts.handoverMissing))
        default: break
        }
        return problems
    }

    /// Every problem with passing the gate into `next`, first the one to report.
    public static func check(next: ProjectStage, facts: GateFacts) -> [GateProblem] {
        if let problem = GateEvidence.problem(facts.evidence, into: next) { return [.evidence(problem)] }
        var problems: [GateProblem] = []
        for e in facts.evidence {
            switch e {
            case .record(let kind, let id):
                guard let record = facts.records[EvidenceKey(kind, id)],
                    counts(record, projectId: facts.projectId, compoundId: facts.compoundId, today: facts.today)
                else {
                    problems.append(.recordDoesNotApply(kind, id: id))
                    continue
                }
            case .document(let id, _):
                guard let document = facts.documents[id], document.exists else {
                    problems.append(.documentNotFound(id))
                    continue
                }
                if let into = document.alreadyEvidenceInto { problems.append(.documentAlreadyUsed(id, into: into)) }
                if !document.readableByPasser { problems.append(.documentNotReadable(id)) }
            }
        }
        problems += standing(next: next, facts: facts)
        if next == .accepted
            && !facts.evidence.contains(where: { if case .record(.acceptance, _) = $0 { true } else { false } })
        {
            problems.append(.acceptedOnlyThroughFinalAcceptance)
        }
        return problems
    }

    /// Whether a record counts as evidence for this project: it belongs to the project's compound (or the
    /// project) and has done its part. A notice counts once its display period is over (公示期满); a
    /// questionnaire once it is closed, or its closing day has passed; an expert review unless it rejected the
    /// plan; a vote once closed; an acceptance when it is the final one and passed.
    public static func counts(_ record: EvidenceRecordFacts, projectId: Int64, compoundId: Int64, today: Day) -> Bool {
        switch record {
        case .questionnaire(let compound, let state, let closesOn):
            return compound == compoundId
                && (state == "closed" || (state == "published" && closesOn.map { $0 < today } == true))
        case .notice(let compound, let state, let endsOn):
            return compound == compoundId && state == "published" && endsOn.map { $0 < today } == true
        case .expertReview(let project, let conclusion):
            return project == projectId && conclusion != "rejected"
        case .vote(let compound, let status):
            return compound == compoundId && status == "closed"
        case .acceptance(let project, let kind, let result):
            return project == projectId && kind == .final && result == .passed
        }
    }
}

/// Why an acceptance cannot be recorded.
public enum AcceptanceProblem: Equatable, Sendable {
    /// An acceptance lists who took part.
    case noParticipants
    /// An acceptance is recorded after it happened.
    case inTheFuture
    /// Acceptances are recorded while the project is in construction.
    case notInConstruction(ProjectStage)
}

/// The rules of recording an acceptance of works.
public enum AcceptanceRules {
    /// The office and the supervisor record acceptances.
    public static func mayRecord(_ role: Role) -> Bool {
        Permissions.allows(role, .manageProjects) || role == .supervisor
    }

    /// Problems of the acceptance itself, before the project is looked up; `participants` already cleaned.
    public static func check(participants: [String], date: Day, today: Day) -> [AcceptanceProblem] {
        var problems: [AcceptanceProblem] = []
        if participants.isEmpty { problems.append(.noParticipants) }
        if date > today { problems.append(.inTheFuture) }
        return problems
    }

    /// Problems of recording it on a project in `stage`.
    public static func check(stage: ProjectStage) -> [AcceptanceProblem] {
        stage == .construction ? [] : [.notInConstruction(stage)]
    }

    /// A passed final acceptance completes the project and moves it to `accepted`.
    public static func completesProject(kind: AcceptanceKind, result: AcceptanceResult) -> Bool {
        kind == .final && result == .passed
    }
}
