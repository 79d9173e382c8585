import CourtyardDomain
import Foundation
import SQLKit

/// Investment control (投资控制) by the engineering-management company: each project's contract with its bill of
/// quantities, change orders approved by the pm company and then the office, progress payments held to the
/// payment limit, and the programme's investment report.
public struct InvestmentRepository: Sendable {
    let database: Database
    public init(database: Database) { self.database = database }

    /// Free text is at most 2,000 characters, counted as code points as sent.
    static func bounded(_ text: String, field: String, required: Bool) throws -> String {
        let clean = TextNormalizer.prose(text)
        if required && clean.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw ValidationError(field: field, code: "required", message: "\(field) is required")
        }
        try TextBounds.check(text, field: field)
        return clean
    }

    static func isOffice(_ actor: Actor) -> Bool { [.admin, .subdistrictOfficer].contains(actor.role) }

    /// Who reads a project's money (its contract and unit prices, changes, payments, the batch's totals): the
    /// office, the pm company, the supervisor, the contractor on its own projects and the read-only viewer; not
    /// community staff, stewards, departments or the property company, whose pages show none of it either.
    public static func readsMoney(_ role: Role) -> Bool {
        [.admin, .subdistrictOfficer, .pmCompany, .supervisor, .viewer, .contractor].contains(role)
    }

    static func isOrganisation(_ actor: Actor, _ role: Role, _ org: Int64?) -> Bool {
        actor.role == role && org != nil && actor.scope.kind == .organisation && actor.scope.id == org
    }

    /// Who enters or corrects a project's contract: the office, and the pm company the project names.
    public static func entersContract(_ actor: Actor, pmCompanyId: Int64?) -> Bool {
        isOffice(actor) || isOrganisation(actor, .pmCompany, pmCompanyId)
    }

    /// Money a client sent: a whole number of fen within ± the most the programme keeps.
    static func checkFen(_ fen: Int64, field: String, allowNegative: Bool = false, allowZero: Bool = false) throws {
        guard fen.magnitude <= UInt64(InvestmentRules.maxFen) else {
            throw ValidationError(
                field: field, code: "overflow",
                message: "\(field) is at most \(InvestmentRules.maxFen) fen (100 亿元) in magnitude")
        }
        if fen < 0 && !allowNegative || fen == 0 && !allowZero {
            throw ValidationError(
                field: field, code: "invalid",
                message: allowNegative ? "\(field) is not zero" : "\(field) is more than 0 fen")
        }
    }

    // MARK: Settings

    /// The office's parameters, or the defaults where it has set none.
    static func settings(subdistrictId: Int64, db: any SQLDatabase) async throws -> InvestmentSettings {
        guard
            let r = try await db.raw(
                """
                SELECT payment_ratio_percent, retention_percent, liability_months, budget_tolerance_percent
                FROM investment_settings WHERE subdistrict_id = \(bind: subdistrictId)
                """
            ).first()
        else { return .standard }
        return InvestmentSettings(
            paymentRatioPercent: try r.int("payment_ratio_percent"), retentionPercent: try r.int("retention_percent"),
            liabilityMonths: try r.int("liability_months"),
            budgetTolerancePercent: try r.int("budget_tolerance_percent"))
    }

    /// The settings of the office's sub-district (a global account names it).
    public func settings(subdistrictId: Int64?, actor: Actor) async throws -> InvestmentSettings {
        guard Permissions.allows(actor.role, .readProjects) else { throw AccessError.forbidden }
        let sd = try Self.subdistrict(subdistrictId, actor: actor)
        return try await database.withConnection { db in try await Self.settings(subdistrictId: sd, db: db) }
    }

    /// The parameters a project is held to, for whoever may see the project (its pm company reviews its changes
    /// against the same budget tolerance as the office).
    public func settings(ofProject projectId: Int64, actor: Actor) async throws -> InvestmentSettings {
        try await database.withConnection { db in
            let p = try await ProjectRepository.require(projectId, actor: actor, db: db)
            return try await Self.settings(subdistrictId: p.subdistrictId, db: db)
        }
    }

    static func subdistrict(_ given: Int64?, actor: Actor) throws -> Int64 {
        if actor.scope.kind == .subdistrict, let own = actor.scope.id {
            guard given == nil || given == own else {
                throw ValidationError(
                    field: "subdistrict_id", code: "not_found", message: "subdistrict \(given ?? 0) is not yours")
            }
            return own
        }
        guard actor.scope.kind == nil, let given else {
            throw ValidationError(
                field: "subdistrict_id", code: "required", message: "subdistrict_id is required for this account")
        }
        return given
    }

    /// The office changes its own parameters within the law's bounds; `change` edits the current ones.
    public func updateSettings(
        subdistrictId: Int64?, actor: Actor, _ change: @Sendable (inout InvestmentSettings) -> Void
    ) async throws -> InvestmentSettings {
        guard Self.isOffice(actor) else { throw AccessError.forbidden }
        var changed = try await settings(subdistrictId: subdistrictId, actor: actor)
        change(&changed)
        let s = changed
        if let field = s.invalidField, let r = InvestmentSettings.ranges.first(where: { $0.field == field }) {
            throw ValidationError(
                field: field, code: "invalid",
                message: "\(field) is \(r.range.lowerBound) to \(r.range.upperBound)")
        }
        let sd = try Self.subdistrict(subdistrictId, actor: actor)
        try await database.transaction { db in
            guard try await db.raw("SELECT id FROM subdistricts WHERE id = \(bind: sd)").first() != nil else {
                throw ValidationError(field: "subdistrict_id", code: "not_found", message: "no such subdistrict")
            }
            let before = try await Self.settings(subdistrictId: sd, db: db)
            try await db.raw("DELETE FROM investment_settings WHERE subdistrict_id = \(bind: sd)").run()
            try await db.raw(
                """
                INSERT INTO investment_settings (subdistrict_id, payment_ratio_percent, retention_percent,
                  liability_months, budget_tolerance_percent, updated_at, updated_by)
                VALUES (\(bind: sd), \(bind: s.paymentRatioPercent), \(bind: s.retentionPercent),
                  \(bind: s.liabilityMonths), \(bind: s.budgetTolerancePercent), \(bind: Clock.isoNow()),
                  \(bind: actor.username))
                """
            ).run()
            try await AuditLog.record(
                db: db, actor: actor, action: "update", entity: "investment_settings", entityId: sd,
                subdistrictId: sd, before: try JSONValueCoding.encode(before), after: try JSONValueCoding.encode(s))
        }
        return s
    }

    // MARK: Contracts

    public struct NewContract: Sendable {
        public struct Item: Sendable {
            public var workItemId: Int64, quantity: Quantity, unitPriceFen: Int64
            public init(workItemId: Int64, quantity: Quantity, unitPriceFen: Int64) {
                self.workItemId = workItemId
                self.quantity = quantity
                self.unitPriceFen = unitPriceFen
            }
        }
        public var contractorId: Int64, signedOn: Day, attachmentId: Int64?, items: [Item]
        public init(contractorId: Int64, signedOn: Day, attachmentId: Int64?, items: [Item]) {
            self.contractorId = contractorId
            self.signedOn = signedOn
            self.attachmentId = attachmentId
            self.items = items
        }
    }

    /// A corrected contract with its approved changes still covers what has been approved for payment.
    static func checkNotBelowPaid(_ projectId: Int64, sum: Int64, db: any SQLDatabase) async throws {
        let approved: (String) async throws -> [Int64] = { table in
            try await db.raw(
                "SELECT amount_fen FROM \(unsafeRaw: table) WHERE project_id = \(bind: projectId) AND state = 'approved'"
            ).all().map { try $0.int("amount_fen") }
        }
        let paid = InvestmentRules.sum(try await approved("payments")) ?? 0
        let covered = InvestmentRules.sum(try await approved("change_orders") + [sum]) ?? sum
        if covered < paid {
            throw StoreError.refused(
                code: "contract_below_paid",
                message:
                    "the contract with its approved changes (\(covered) fen) is less than approved payments (\(paid) fen)"
            )
        }
    }

    /// A project without a contractor takes the one its contract names; the change is audited as a project's.
    static func nameContractor(_ org: Int64, project p: ProjectRepository.Row, actor: Actor, db: any SQLDatabase)
        async throws
    {
        try await db.raw(
            "UPDATE projects SET contractor_id = \(bind: org), version = version + 1 WHERE id = \(bind: p.id)"
        ).run()
        try await AuditLog.record(
            db: db, actor: actor, action: "update", entity: "projects", entityId: p.id, subdistrictId: p.subdistrictId,
            before: .object([("contractor_id", .null)]), after: .object([("contractor_id", .int(org))]))
    }

    /// The work items of a project, by id.
    static func workItems(_ projectId: Int64, db: any SQLDatabase) async throws -> Set<Int64> {
        Set(
            try await db.raw("SELECT id FROM work_items WHERE project_id = \(bind: projectId)").all().map {
                try $0.int("id")
            })
    }

    /// Records or replaces a project's contract; by the office or the project's pm company.
    public func putContract(projectId: Int64, _ c: NewContract, actor: Actor) async throws -> Contract {
        guard (1...2000).contains(c.items.count) else {
            throw ValidationError(field: "items", code: "required", message: "a bill of quantities has 1 to 2000 lines")
        }
        guard c.signedOn <= Clock.today else {
            throw ValidationError(field: "signed_on", code: "future", message: "a contract is recorded once signed")
        }
        guard c.signedOn >= Clock.today.adding(days: -3653) else {
            throw ValidationError(field: "signed_on", code: "too_old", message: "signed_on is more than ten years ago")
        }
        for (i, item) in c.items.enumerated() {
            guard item.quantity.milli > 0 else {
                throw ValidationError(
                    field: "items[\(i)].quantity", code: "invalid", message: "a bill's quantity is more than 0")
            }
            try Self.checkFen(item.unitPriceFen, field: "items[\(i)].unit_price_fen", allowZero: true)
        }
        let lines = c.items.map {
            BillLine(workItemId: $0.workItemId, quantity: $0.quantity, unitPriceFen: $0.unitPriceFen)
        }
        let sum: Int64
        switch InvestmentRules.billSum(lines) {
        case .success(let s): sum = s
        case .failure(.overflow(let line?)):
            throw ValidationError(
                field: "items[\(line)].unit_price_fen", code: "overflow",
                message: "quantity × unit price is more than \(InvestmentRules.maxFen) fen")
        case .failure:
            throw ValidationError(
                field: "items", code: "overflow", message: "the bill's total is more than \(InvestmentRules.maxFen) fen"
            )
        }
        guard sum > 0 else {
            throw ValidationError(field: "items", code: "sum_zero", message: "a contract's sum is more than 0")
        }
        try await database.transaction { db in
            let p = try await ProjectRepository.require(projectId, actor: actor, db: db)
            guard Self.entersContract(actor, pmCompanyId: p.pmCompanyId) else { throw AccessError.forbidden }
            guard
                let o = try await db.raw(
                    "SELECT kind, subdistrict_id FROM organisations WHERE id = \(bind: c.contractorId)"
                ).first(), try o.optionalInt("subdistrict_id") == p.subdistrictId
            else {
                throw ValidationError(
                    field: "contractor_id", code: "not_found",
                    message: "organisation \(c.contractorId) is not in the project's sub-district")
            }
            guard try o.text("kind") == OrganisationKind.contractor.rawValue else {
                throw ValidationError(
                    field: "contractor_id", code: "wrong_kind",
                    message: "organisation \(c.contractorId) is not a contractor")
            }
            if let assigned = p.contractorId, assigned != c.contractorId {
                throw ValidationError(
                    field: "contractor_id", code: "not_the_contractor",
                    message: "the project's contractor is organisation \(assigned)")
            }
            let own = try await Self.workItems(projectId, db: db)
            var seen: Set<Int64> = []
            for (i, item) in c.items.enumerated() {
                guard own.contains(item.workItemId) else {
                    throw ValidationError(
                        field: "items[\(i)].work_item_id", code: "not_in_project",
                        message: "work item \(item.workItemId) is not in this project's plan")
                }
                guard seen.insert(item.workItemId).inserted else {
                    throw ValidationError(
                        field: "items[\(i)].work_item_id", code: "repeated",
                        message: "work item \(item.workItemId) is on the bill twice")
                }
            }
            try await AttachmentRepository.requireReadable(
                c.attachmentId.map { [$0] } ?? [], field: "attachment_id", actor: actor, db: db)
            // Contract plus the change orders still alive stays within the bound every total relies on.
            let changes = try await db.raw(
                """
                SELECT amount_fen FROM change_orders WHERE project_id = \(bind: projectId) AND state <> 'rejected'
                """
            ).all().map { try $0.int("amount_fen") }
            guard let committed = InvestmentRules.sum(changes + [sum]), committed.magnitude <= InvestmentRules.maxFen
            else {
                throw ValidationError(
                    field: "items", code: "overflow",
                    message: "the contract with its change orders is more than \(InvestmentRules.maxFen) fen")
            }
            try await Self.checkNotBelowPaid(projectId, sum: sum, db: db)
            if p.contractorId == nil { try await Self.nameContractor(c.contractorId, project: p, actor: actor, db: db) }
            let now = Clock.isoNow()
            let existing = try await db.raw(
                "SELECT id, sum_fen FROM contracts WHERE project_id = \(bind: projectId)"
            ).first()
            let id: Int64
            if let existing {
                id = try existing.int("id")
                try await db.raw("DELETE FROM contract_items WHERE contract_id = \(bind: id)").run()
                try await db.raw(
                    """
                    UPDATE contracts SET contractor_id = \(bind: c.contractorId), signed_on = \(bind: c.signedOn.description),
                      attachment_id = \(bind: c.attachmentId), sum_fen = \(bind: sum), updated_at = \(bind: now),
                      updated_by = \(bind: actor.username), version = version + 1
                    WHERE id = \(bind: id)
                    """
                ).run()
            } else {
                id = try await db.raw(
                    """
                    INSERT INTO contracts (project_id, contractor_id, signed_on, attachment_id, sum_fen, created_at,
                      updated_at, updated_by)
                    VALUES (\(bind: projectId), \(bind: c.contractorId), \(bind: c.signedOn.description),
                      \(bind: c.attachmentId), \(bind: sum), \(bind: now), \(bind: now), \(bind: actor.username))
                    RETURNING id
                    """
                ).first()!.int("id")
            }
            for (item, line) in zip(c.items, lines) {
                let fen = InvestmentRules.lineFen(line.quantity, unitPriceFen: line.unitPriceFen) ?? 0
                try await db.raw(
                    """
                    INSERT INTO contract_items (contract_id, work_item_id, quantity_milli, unit_price_fen, line_fen)
                    VALUES (\(bind: id), \(bind: item.workItemId), \(bind: item.quantity.milli),
                      \(bind: item.unitPriceFen), \(bind: fen))
                    """
                ).run()
            }
            let before: JSONValue? = try existing.map { JSONValue.object([("sum_fen", .int(try $0.int("sum_fen")))]) }
            try await AuditLog.record(
                db: db, actor: actor, action: existing == nil ? "create" : "update", entity: "contracts", entityId: id,
                subdistrictId: p.subdistrictId, before: before,
                after: .object([("sum_fen", .int(sum)), ("items", .int(Int64(c.items.count)))]))
        }
        guard let made = try await contract(projectId: projectId, actor: actor) else { throw StoreError.notFound }
        return made
    }

    /// The bill of a project's contract, as the rules read it.
    static func bill(contractId: Int64, db: any SQLDatabase) async throws -> [BillLine] {
        try await db.raw(
            """
            SELECT work_item_id, quantity_milli, unit_price_fen FROM contract_items
            WHERE contract_id = \(bind: contractId) ORDER BY work_item_id
            """
        ).all().map {
            BillLine(
                workItemId: try $0.int("work_item_id"), quantity: Quantity(milli: try $0.int("quantity_milli")),
                unitPriceFen: try $0.int("unit_price_fen"))
        }
    }

    static func approvedChanges(projectId: Int64, db: any SQLDatabase) async throws -> Int64 {
        let amounts = try await db.raw(
            "SELECT amount_fen FROM change_orders WHERE project_id = \(bind: projectId) AND state = 'approved'"
        ).all().map { try $0.int("amount_fen") }
        guard let total = InvestmentRules.sum(amounts) else { throw StoreError.invalid("change orders overflow") }
        return total
    }

    /// A project's contract; nil when it has none. 404 when the project is not the account's to see.
    public func contract(projectId: Int64, actor: Actor) async throws -> Contract? {
        try await database.withConnection { db in
            // A project out of scope is not found, as everywhere; one in scope is refused to a role without money.
            _ = try await ProjectRepository.require(projectId, actor: actor, db: db)
            guard Self.readsMoney(actor.role) else { throw AccessError.forbidden }
            guard
                let r = try await db.raw(
                    """
                    SELECT k.id, k.project_id, k.contractor_id, o.name, k.signed_on, k.attachment_id, k.sum_fen,
                      k.updated_at, k.updated_by, k.version
                    FROM contracts k JOIN organisations o ON o.id = k.contractor_id
                    WHERE k.project_id = \(bind: projectId)
                    """
                ).first()
            else { return nil }
            let id = try r.int("id")
            let items = try await db.raw(
                """
                SELECT ci.work_item_id, w.name, w.unit, ci.quantity_milli, ci.unit_price_fen, ci.line_fen
                FROM contract_items ci JOIN work_items w ON w.id = ci.work_item_id
                WHERE ci.contract_id = \(bind: id) ORDER BY w.id
                """
            ).all().map {
                ContractLine(
                    workItemId: try $0.int("work_item_id"), workItemName: try $0.text("name"),
                    unit: try $0.text("unit"),
                    quantity: Quantity(milli: try $0.int("quantity_milli")), unitPriceFen: try $0.int("unit_price_fen"),
                    lineFen: try $0.int("line_fen"))
            }
            return Contract(
                id: id, projectId: projectId, contractorId: try r.int("contractor_id"),
                contractorName: try r.text("name"),
                signedOn: try LedgerRepository.day(r, "signed_on"), attachmentId: try r.optionalInt("attachment_id"),
                items: items, sumFen: try r.int("sum_fen"),
                approvedChangesFen: try await Self.approvedChanges(projectId: projectId, db: db),
                updatedAt: try r.text("updated_at"), updatedBy: try r.text("updated_by"), version: try r.int("version"))
        }
    }

    // MARK: Change orders

    public struct NewChangeOrder: Sendable {
        public var reason: String, amountFen: Int64, workItemId: Int64?
        public init(reason: String, amountFen: Int64, workItemId: Int64?) {
            self.reason = reason
            self.amountFen = amountFen
            self.workItemId = workItemId
        }
    }

    /// A change order proposed by the contractor, the supervisor, the pm company or the office; it waits for the
    /// pm company's approval.
    public func proposeChange(projectId: Int64, _ c: NewChangeOrder, actor: Actor) async throws -> ChangeOrder {
        let reason = try Self.bounded(c.reason, field: "reason", required: true)
        try Self.checkFen(c.amountFen, field: "amount_fen", allowNegative: true)
        let id: Int64 = try await database.transaction { db in
            let p = try await ProjectRepository.require(projectId, actor: actor, db: db)
            guard
                Self.isOffice(actor) || Self.isOrganisation(actor, .pmCompany, p.pmCompanyId)
                    || Self.isOrganisation(actor, .contractor, p.contractorId)
                    || Self.isOrganisation(actor, .supervisor, p.supervisorId)
            else { throw AccessError.forbidden }
            if let item = c.workItemId, !(try await Self.workItems(projectId, db: db)).contains(item) {
                throw ValidationError(
                    field: "work_item_id", code: "not_in_project",
                    message: "work item \(item) is not in this project's plan")
            }
            guard
                let k = try await db.raw("SELECT sum_fen FROM contracts WHERE project_id = \(bind: projectId)").first()
            else {
                throw StoreError.refused(
                    code: "no_contract", message: "the project has no contract yet: a change order changes a contract")
            }
            let alive = try await db.raw(
                "SELECT amount_fen FROM change_orders WHERE project_id = \(bind: projectId) AND state <> 'rejected'"
            ).all().map { try $0.int("amount_fen") }
            guard let committed = InvestmentRules.sum(alive + [try k.int("sum_fen"), c.amountFen]),
                committed.magnitude <= InvestmentRules.maxFen
            else {
                throw ValidationError(
                    field: "amount_fen", code: "overflow",
                    message: "the contract with its change orders would be more than \(InvestmentRules.maxFen) fen")
            }
            try Self.checkChangeSize(c.amountFen, contractFen: try k.int("sum_fen"), committedFen: committed)
            let id = try await db.raw(
                """
                INSERT INTO change_orders (project_id, work_item_id, reason, amount_fen, state, created_at, created_by)
                VALUES (\(bind: projectId), \(bind: c.workItemId), \(bind: reason), \(bind: c.amountFen),
                  \(bind: ApprovalState.submitted.rawValue), \(bind: Clock.isoNow()), \(bind: actor.username))
                RETURNING id
                """
            ).first()!.int("id")
            try await AuditLog.record(
                db: db, actor: actor, action: "create", entity: "change_orders", entityId: id,
                subdistrictId: p.subdistrictId, before: nil,
                after: .object([
                    ("amount_fen", .int(c.amountFen)),
                    ("project", .string(try await ProjectRepository.compoundName(p, db: db))),
                ]))
            return id
        }
        return try await require(Self.changeFlow, id: id, actor: actor)
    }

    /// A change order changes the contract, it does not replace it: one larger than the whole contract sum is a new
    /// contract to procure, and reductions cannot take the contract with its changes below nothing.
    static func checkChangeSize(_ amount: Int64, contractFen: Int64, committedFen: Int64) throws {
        guard amount.magnitude <= contractFen.magnitude else {
            throw ValidationError(
                field: "amount_fen", code: amount < 0 ? "cut_beyond_contract" : "change_beyond_contract",
                message: "a change order cannot be larger than the contract sum")
        }
        guard committedFen >= 0 else {
            throw ValidationError(
                field: "amount_fen", code: "change_below_zero",
                message: "the contract with its change orders would come to less than nothing")
        }
    }

    static let changeColumns = """
        SELECT id, project_id, work_item_id, reason, amount_fen, state, first_by, first_at, second_by, second_at,
          rejected_by, reject_reason, created_at, created_by FROM change_orders
        """

    static func changeOrder(_ r: any SQLRow) throws -> ChangeOrder {
        let state = ApprovalState(rawValue: try r.text("state")) ?? .submitted
        return ChangeOrder(
            id: try r.int("id"), projectId: try r.int("project_id"), workItemId: try r.optionalInt("work_item_id"),
            reason: try r.text("reason"), amountFen: try r.int("amount_fen"), state: state,
            waitingFor: state == .submitted ? "pm_company" : (state == .firstApproved ? "office" : nil),
            pmApprovedBy: try r.optionalText("first_by"), pmApprovedAt: try r.optionalText("first_at"),
            officeApprovedBy: try r.optionalText("second_by"), officeApprovedAt: try r.optionalText("second_at"),
            rejectedBy: try r.optionalText("rejected_by"), rejectReason: try r.text("reject_reason"),
            createdAt: try r.text("created_at"), createdBy: try r.text("created_by"))
    }

    public func changeOrders(projectId: Int64, actor: Actor) async throws -> [ChangeOrder] {
        try await list(Self.changeFlow, projectId: projectId, actor: actor)
    }

    /// Approves or rejects a change order: the project's pm company gives the first approval, the office the
    /// second; who calls decides which it is.
    public func decideChange(id: Int64, approve: Bool, reason: String, actor: Actor) async throws -> ChangeOrder {
        try await decide(Self.changeFlow, id: id, approve: approve, reason: reason, actor: actor)
    }

    /// The two things approved in two steps, by their tables.
    enum Approvable: String { case changeOrders = "change_orders", payments }

    /// The update of one step; the table's name comes from the closed list above, never from a request.
    static func update(_ table: Approvable, to: ApprovalState, approver: Approver, by user: String, reason: String)
        -> SQLQueryString
    {
        let now = Clock.isoNow()
        let name = SQLIdentifier(table.rawValue)
        switch (to, approver) {
        case (.rejected, _):
            return """
                UPDATE \(name) SET state = 'rejected', rejected_by = \(bind: user), reject_reason = \(bind: reason),
                  version = version + 1
                """
        case (_, .first):
            return """
                UPDATE \(name) SET state = \(bind: to.rawValue), first_by = \(bind: user), first_at = \(bind: now),
                  version = version + 1
                """
        default:
            return """
                UPDATE \(name) SET state = \(bind: to.rawValue), second_by = \(bind: user), second_at = \(bind: now),
                  version = version + 1
                """
        }
    }

    /// One step of a two-step approval, written only if the state is still the one read.
    static func step(
        table: Approvable, id: Int64, from: ApprovalState, approver: Approver, approve: Bool, reason: String,
        waiting: [(words: String, term: String)], actor: Actor, subdistrictId: Int64, db: any SQLDatabase
    ) async throws {
        let to: ApprovalState
        switch TwoStepApproval.step(from, by: approver, approve: approve) {
        case .success(let s): to = s
        case .failure(.notYours): throw AccessError.forbidden
        case .failure(.notYourTurn(let w)):
            let who = waiting[w == .first ? 0 : 1]
            throw StoreError.refused(
                code: "not_your_turn", message: "this waits for \(who.words) to approve it",
                details: [Phrase("waiting", terms: ["who": "investment.waiting.\(who.term)"])])
        case .failure(.closed(let s)):
            throw StoreError.refused(code: "closed", message: "this is already \(s.rawValue)")
        }
        let done = try await db.raw(
            Self.update(table, to: to, approver: approver, by: actor.username, reason: reason)
                + " WHERE id = \(bind: id) AND state = \(bind: from.rawValue) RETURNING id"
        ).first()
        guard done != nil else { throw StoreError.stale }
        try await AuditLog.record(
            db: db, actor: actor, action: approve ? "approve" : "return", entity: table.rawValue, entityId: id,
            subdistrictId: subdistrictId,
            before: .object([("approvals", .int(from.approvals)), ("rejected", .bool(false))]),
            after: .object([("approvals", .int(to.approvals)), ("rejected", .bool(to == .rejected))]))
    }

    /// Whoever asked for a change or a payment takes it back while it waits, whatever its role's turn: it then
    /// no longer counts against the payment limit.
    static func withdraw(
        table: Approvable, id: Int64, from: ApprovalState, reason: String, actor: Actor, subdistrictId: Int64,
        db: any SQLDatabase
    ) async throws {
        if case .failure(.closed(let s)) = TwoStepApproval.withdraw(from) {
            throw StoreError.refused(code: "closed", message: "this is already \(s.rawValue)")
        }
        let done = try await db.raw(
            Self.update(table, to: .rejected, approver: .first, by: actor.username, reason: reason)
                + " WHERE id = \(bind: id) AND state = \(bind: from.rawValue) RETURNING id"
        ).first()
        guard done != nil else { throw StoreError.stale }
        try await AuditLog.record(
            db: db, actor: actor, action: "withdraw", entity: table.rawValue, entityId: id,
            subdistrictId: subdistrictId,
            before: .object([("approvals", .int(from.approvals)), ("rejected", .bool(false))]),
            after: .object([("approvals", .int(from.approvals)), ("rejected", .bool(true))]))
    }

    // MARK: Payments

    public struct NewPayment: Sendable {
        public var periodEnd: Day, measured: [MeasuredLine], amountFen: Int64
        public init(periodEnd: Day, measured: [MeasuredLine], amountFen: Int64) {
            self.periodEnd = periodEnd
            self.measured = measured
            self.amountFen = amountFen
        }
    }

    /// A measurement is cumulative: refused when its period ends before the latest payment not rejected, or a line
    /// measures less than that payment measured for the same work item.
    static func checkFollowsEarlier(projectId: Int64, _ n: NewPayment, db: any SQLDatabase) async throws {
        let last = try await db.raw(
            """
            SELECT period_end, measured_json FROM payments WHERE project_id = \(bind: projectId) AND state <> 'rejected'
            ORDER BY period_end DESC, id DESC LIMIT 1
            """
        ).first()
        let earlier = try last.map { r in
            let items = try r.stored("measured_json", as: [MeasuredItem].self)
            return (
                periodEnd: try LedgerRepository.day(r, "period_end"),
                measured: items.map { MeasuredLine(workItemId: $0.workItemId, quantity: $0.quantity) }
            )
        }
        switch InvestmentRules.followsEarlier(periodEnd: n.periodEnd, measured: n.measured, earlier: earlier) {
        case nil: return
        case .periodBeforeEarlier(let day):
            var e = ValidationError(
                field: "period_end", code: "before_earlier",
                message: "the period ends before the last one measured (\(day)); quantities are cumulative")
            e.values = ["day": day.description]
            throw e
        case .belowEarlier(let i, let q):
            var e = ValidationError(
                field: "measured[\(i)].quantity", code: "below_earlier",
                message: "less than the \(q) measured before; quantities are cumulative to the period's end")
            // The earlier figure as people write it: 589.4, not the bill's 589.400.
            e.values = ["earlier": q.plainText]
            throw e
        }
    }

    /// A progress payment requested by the contractor (or entered by the pm company or the office): refused when
    /// the payments not rejected would together pass the limit.
    public func requestPayment(projectId: Int64, _ n: NewPayment, actor: Actor) async throws -> Payment {
        try Self.checkFen(n.amountFen, field: "amount_fen")
        guard n.periodEnd <= Clock.today else {
            throw ValidationError(
                field: "period_end", code: "future", message: "a period is measured once it has ended")
        }
        guard n.measured.count <= 2000 else {
            throw ValidationError(field: "measured", code: "too_long", message: "at most 2000 measured lines")
        }
        let kind = database.kind
        let id: Int64 = try await database.transaction { db in
            let p = try await ProjectRepository.require(projectId, actor: actor, db: db)
            guard
                Self.isOffice(actor) || Self.isOrganisation(actor, .pmCompany, p.pmCompanyId)
                    || Self.isOrganisation(actor, .contractor, p.contractorId)
            else { throw AccessError.forbidden }
            // Two payments entered at once must not both pass under the same limit.
            if kind == .postgres {
                try await db.raw("SELECT id FROM projects WHERE id = \(bind: projectId) FOR UPDATE").run()
            }
            let own = try await Self.workItems(projectId, db: db)
            var seen: Set<Int64> = []
            for (i, m) in n.measured.enumerated() {
                guard own.contains(m.workItemId) else {
                    throw ValidationError(
                        field: "measured[\(i)].work_item_id", code: "not_in_project",
                        message: "work item \(m.workItemId) is not in this project's plan")
                }
                guard seen.insert(m.workItemId).inserted else {
                    throw ValidationError(
                        field: "measured[\(i)].work_item_id", code: "repeated",
                        message: "work item \(m.workItemId) is measured twice")
                }
            }
            guard let k = try await db.raw("SELECT id FROM contracts WHERE project_id = \(bind: projectId)").first()
            else {
                throw StoreError.refused(
                    code: "no_contract", message: "the project has no contract: measured work is valued at its prices")
            }
            try await Self.checkFollowsEarlier(projectId: projectId, n, db: db)
            let bill = try await Self.bill(contractId: try k.int("id"), db: db)
            let changes = try await Self.approvedChanges(projectId: projectId, db: db)
            let measuredFen: Int64
            switch InvestmentRules.measuredValue(measured: n.measured, bill: bill, approvedChangesFen: changes) {
            case .success(let v): measuredFen = v
            case .failure(.notInBill(let i)):
                throw ValidationError(
                    field: "measured[\(i)].work_item_id", code: "not_in_contract",
                    message: "work item \(n.measured[i].workItemId) is not on the contract's bill of quantities")
            case .failure(.aboveBill(let i)):
                throw ValidationError(
                    field: "measured[\(i)].quantity", code: "above_bill",
                    message: "more than the bill's quantity: extra work is paid through a change order")
            case .failure(.overflow(let i)):
                throw ValidationError(
                    field: i.map { "measured[\($0)].quantity" } ?? "measured", code: "overflow",
                    message: "the measured value overflows")
            }
            let accepted = try await db.raw(
                """
                SELECT MIN(date) AS d FROM acceptances WHERE project_id = \(bind: projectId) AND kind = 'final'
                  AND result = 'passed'
                """
            ).first()?.optionalText("d").flatMap { Day($0) }
            let settings = try await Self.settings(subdistrictId: p.subdistrictId, db: db)
            let limit = InvestmentRules.limit(
                measuredFen: measuredFen, settings: settings, finalAcceptance: accepted, today: Clock.today)
            let earlier = try await db.raw(
                "SELECT amount_fen FROM payments WHERE project_id = \(bind: projectId) AND state <> 'rejected'"
            ).all().map { try $0.int("amount_fen") }
            switch InvestmentRules.withinLimit(paymentsFen: earlier + [n.amountFen], limit: limit) {
            case true?: break
            case false?:
                let total = InvestmentRules.sum(earlier + [n.amountFen]) ?? 0
                // What may still be asked for, so the contractor knows the amount to type instead.
                let left = max(0, limit.fen - (InvestmentRules.sum(earlier) ?? limit.fen))
                throw StoreError.refused(
                    code: "payment_limit",
                    message: "payments not rejected would come to \(Money.yuan(total)) yuan, over the limit of "
                        + "\(Money.yuan(limit.fen)) yuan (\(Self.describe(limit, settings: settings)))",
                    details: [
                        Phrase("payment.total", values: ["total": Money.yuan(total), "limit": Money.yuan(limit.fen)]),
                        Self.phrase(limit), Phrase("payment.left", values: ["left": Money.yuan(left)]),
                    ])
            case nil:
                throw ValidationError(field: "amount_fen", code: "overflow", message: "the payments' total overflows")
            }
            let byItem = Dictionary(bill.map { ($0.workItemId, $0.unitPriceFen) }, uniquingKeysWith: { a, _ in a })
            let measured = n.measured.map {
                MeasuredItem(
                    workItemId: $0.workItemId, quantity: $0.quantity,
                    valueFen: InvestmentRules.lineFen($0.quantity, unitPriceFen: byItem[$0.workItemId] ?? 0) ?? 0)
            }
            let limitKind: String
            switch limit {
            case .progress: limitKind = "progress"
            case .settlement: limitKind = "settlement"
            case .released: limitKind = "released"
            }
            let id = try await db.raw(
                """
                INSERT INTO payments (project_id, period_end, measured_json, measured_fen, limit_kind, limit_fen,
                  amount_fen, state, created_at, created_by)
                VALUES (\(bind: projectId), \(bind: n.periodEnd.description),
                  \(bind: try JSONValueCoding.encode(measured).serialized()), \(bind: measuredFen), \(bind: limitKind),
                  \(bind: limit.fen), \(bind: n.amountFen), \(bind: ApprovalState.submitted.rawValue),
                  \(bind: Clock.isoNow()), \(bind: actor.username))
                RETURNING id
                """
            ).first()!.int("id")
            try await AuditLog.record(
                db: db, actor: actor, action: "create", entity: "payments", entityId: id,
                subdistrictId: p.subdistrictId, before: nil,
                after: .object([
                    ("amount_fen", .int(n.amountFen)), ("limit_fen", .int(limit.fen)),
                    ("project", .string(try await ProjectRepository.compoundName(p, db: db))),
                ]))
            return id
        }
        return try await require(Self.paymentFlow, id: id, actor: actor)
    }

    /// What the limit is, for the interface to say in either language.
    static func phrase(_ limit: InvestmentRules.Limit) -> Phrase {
        switch limit {
        case .progress(let m, let r): Phrase("limit.progress", values: ["measured": Money.yuan(m), "rate": "\(r)"])
        case .settlement(let s, let r, let day):
            Phrase("limit.settlement", values: ["settled": Money.yuan(s), "rate": "\(r)", "day": "\(day)"])
        case .released(let s): Phrase("limit.released", values: ["settled": Money.yuan(s)])
        }
    }

    /// The limit in words, for the refusal's English message.
    static func describe(_ limit: InvestmentRules.Limit, settings: InvestmentSettings) -> String {
        switch limit {
        case .progress(let m, let r): "\(r)% of the measured value \(Money.yuan(m)) yuan"
        case .settlement(let s, let r, let day):
            "the settled sum \(Money.yuan(s)) yuan less the \(r)% retention held until \(day)"
        case .released(let s): "the settled sum \(Money.yuan(s)) yuan"
        }
    }

    static let paymentColumns = """
        SELECT id, project_id, period_end, measured_json, measured_fen, limit_kind, limit_fen, amount_fen, state,
          first_by, first_at, second_by, second_at, rejected_by, reject_reason, created_at, created_by FROM payments
        """

    static func payment(_ r: any SQLRow) throws -> Payment {
        let state = ApprovalState(rawValue: try r.text("state")) ?? .submitted
        let measured = try JSONValueCoding.decode(
            [MeasuredItem].self, from: JSONValue.parse(try r.text("measured_json")) ?? .array([]))
        return Payment(
            id: try r.int("id"), projectId: try r.int("project_id"),
            periodEnd: try LedgerRepository.day(r, "period_end"),
            measured: measured, measuredValueFen: try r.int("measured_fen"), limitKind: try r.text("limit_kind"),
            limitFen: try r.int("limit_fen"), amountFen: try r.int("amount_fen"), state: state,
            waitingFor: state == .submitted ? "supervisor" : (state == .firstApproved ? "pm_company" : nil),
            supervisorConfirmedBy: try r.optionalText("first_by"),
            supervisorConfirmedAt: try r.optionalText("first_at"),
            pmApprovedBy: try r.optionalText("second_by"), pmApprovedAt: try r.optionalText("second_at"),
            rejectedBy: try r.optionalText("rejected_by"), rejectReason: try r.text("reject_reason"),
            createdAt: try r.text("created_at"), createdBy: try r.text("created_by"))
    }

    /// The project's budget-weighted progress (形象进度) as the site logs stood on `day`, in tenths of a percent;
    /// nil when no log after that day moved it (today's progress is then that day's). A payment is judged by the
    /// progress at the end of the period it claims, not by what the site did since.
    public func progress(projectId: Int64, on day: Day, actor: Actor) async throws -> PercentTenths? {
        try await database.withConnection { db in
            let scope: SQLQueryString = "p.id = \(bind: projectId) AND " + ProjectRepository.scope(actor)
            return try await BulletinRepository.progressOn(day, scope, db: db)[projectId].map {
                PercentTenths(tenths: $0)
            }
        }
    }

    public func payments(projectId: Int64, actor: Actor) async throws -> [Payment] {
        try await list(Self.paymentFlow, projectId: projectId, actor: actor)
    }

    /// The supervisor confirms a payment's measurement, then the pm company approves it; either may reject it.
    public func decidePayment(id: Int64, approve: Bool, reason: String, actor: Actor) async throws -> Payment {
        try await decide(Self.paymentFlow, id: id, approve: approve, reason: reason, actor: actor)
    }

    /// What waits for this account's approval, oldest first: a supervisor confirms payments; a pm company gives
    /// change orders their first approval and payments their second; the office gives change orders their second.
    /// Nothing for any other account.
    public func awaiting(actor: Actor) async throws -> [AwaitingApproval] {
        let parts: [(AwaitingApproval.Kind, SQLQueryString)]
        let org = actor.scope.kind == .organisation ? actor.scope.id : nil
        switch actor.role {
        case .supervisor:
            guard let org else { return [] }
            parts = [(.payment, "x.state = 'submitted' AND p.supervisor_id = \(bind: org)")]
        case .pmCompany:
            guard let org else { return [] }
            parts = [
                (.changeOrder, "x.state = 'submitted' AND p.pm_company_id = \(bind: org)"),
                (.payment, "x.state = 'first_approved' AND p.pm_company_id = \(bind: org)"),
            ]
        // The office gives a change order its second approval, in the places it runs.
        case .admin, .subdistrictOfficer:
            parts = [(.changeOrder, "x.state = 'first_approved' AND " + ProjectRepository.scope(actor))]
        default: return []
        }
        return try await database.withConnection { db in
            var out: [AwaitingApproval] = []
            for (kind, condition) in parts {
                let table: SQLQueryString = kind == .payment ? "payments" : "change_orders"
                var sql: SQLQueryString =
                    "SELECT x.id, x.project_id, x.amount_fen, x.created_at, c.name AS compound_name, "
                sql += kind == .payment ? "x.period_end" : "NULL AS period_end"
                sql += " FROM " + table + " x JOIN projects p ON p.id = x.project_id "
                sql += "JOIN compounds c ON c.id = p.compound_id WHERE " + condition
                sql += " AND x.created_by <> \(bind: actor.username) ORDER BY x.id LIMIT 200"
                out += try await db.raw(sql).all().map {
                    AwaitingApproval(
                        kind: kind, id: try $0.int("id"), projectId: try $0.int("project_id"),
                        compoundName: try $0.text("compound_name"), amountFen: try $0.int("amount_fen"),
                        submittedAt: try $0.text("created_at"),
                        periodEnd: try $0.optionalText("period_end").flatMap { Day($0) })
                }
            }
            return out.sorted { ($0.submittedAt, $0.id) < ($1.submittedAt, $1.id) }
        }
    }

    // MARK: Two-step approval, shared by change orders and payments

    /// What differs between the two things approved in two steps: where they are kept, how a row reads, and who
    /// gives the first and the second approval on a project.
    struct ApprovalFlow<Item: Sendable>: Sendable {
        let table: Approvable
        let columns: String
        let decode: @Sendable (any SQLRow) throws -> Item
        let projectId: @Sendable (Item) -> Int64
        let state: @Sendable (Item) -> ApprovalState
        /// The account that asked; it does not approve what it asked for.
        let createdBy: @Sendable (Item) -> String
        let approver: @Sendable (Actor, ProjectRepository.Row) -> Approver
        /// Who the first and the second approval wait for, as the refusal names them in English and in the catalogue.
        let waiting: [(words: String, term: String)]
        /// Approved in the order they were requested (progress payments, which are cumulative).
        var ordered = false
    }

    static let changeFlow = ApprovalFlow<ChangeOrder>(
        table: .changeOrders, columns: changeColumns, decode: changeOrder, projectId: { $0.projectId },
        state: { $0.state }, createdBy: { $0.createdBy },
        approver: { a, p in isOrganisation(a, .pmCompany, p.pmCompanyId) ? .first : (isOffice(a) ? .second : .other) },
        waiting: [("the project's pm company", "pm_company"), ("the office", "office")])

    static let paymentFlow = ApprovalFlow<Payment>(
        table: .payments, columns: paymentColumns, decode: payment, projectId: { $0.projectId }, state: { $0.state },
        createdBy: { $0.createdBy },
        approver: { a, p in
            isOrganisation(a, .supervisor, p.supervisorId)
                ? .first : (isOrganisation(a, .pmCompany, p.pmCompanyId) ? .second : .other)
        },
        waiting: [("the project's supervisor", "supervisor"), ("the project's pm company", "pm_company")],
        ordered: true)

    func list<Item>(_ flow: ApprovalFlow<Item>, projectId: Int64, actor: Actor) async throws -> [Item] {
        try await database.withConnection { db in
            _ = try await ProjectRepository.require(projectId, actor: actor, db: db)
            guard Self.readsMoney(actor.role) else { throw AccessError.forbidden }
            return try await db.raw(
                SQLQueryString(flow.columns) + " WHERE project_id = \(bind: projectId) ORDER BY id"
            ).all().map(flow.decode)
        }
    }

    /// One item, if the actor may see its project.
    func require<Item>(_ flow: ApprovalFlow<Item>, id: Int64, actor: Actor) async throws -> Item {
        try await database.withConnection { db in
            guard let r = try await db.raw(SQLQueryString(flow.columns) + " WHERE id = \(bind: id)").first()
            else { throw StoreError.notFound }
            let item = try flow.decode(r)
            guard try await ProjectRepository.load(flow.projectId(item), actor: actor, db: db) != nil else {
                throw StoreError.notFound
            }
            return item
        }
    }

    /// Approves or rejects one item; who calls decides whether it is the first or the second approval.
    func decide<Item>(_ flow: ApprovalFlow<Item>, id: Int64, approve: Bool, reason: String, actor: Actor)
        async throws -> Item
    {
        let why = try Self.bounded(reason, field: "reason", required: !approve)
        try await database.transaction { db in
            guard let r = try await db.raw(SQLQueryString(flow.columns) + " WHERE id = \(bind: id)").first()
            else { throw StoreError.notFound }
            let item = try flow.decode(r)
            let p = try await ProjectRepository.require(flow.projectId(item), actor: actor, db: db)
            if !approve && flow.createdBy(item) == actor.username {
                try await Self.withdraw(
                    table: flow.table, id: id, from: flow.state(item), reason: why, actor: actor,
                    subdistrictId: p.subdistrictId, db: db)
                return
            }
            if approve && flow.createdBy(item) == actor.username && flow.approver(actor, p) != .other {
                throw StoreError.refused(
                    code: "own_request", message: "this account asked for it: someone else approves")
            }
            if flow.ordered && approve {
                let older = try await db.raw(
                    "SELECT state FROM \(unsafeRaw: flow.table.rawValue) WHERE project_id = \(bind: p.id) AND id < \(bind: id)"
                ).all().compactMap { ApprovalState(rawValue: try $0.text("state")) }
                if PaymentOrder.olderHolds(approving: flow.state(item), older: older) {
                    throw StoreError.refused(
                        code: "earlier_pending", message: "an earlier request of this project waits for this approval")
                }
            }
            try await Self.step(
                table: flow.table, id: id, from: flow.state(item), approver: flow.approver(actor, p), approve: approve,
                reason: why, waiting: flow.waiting, actor: actor, subdistrictId: p.subdistrictId, db: db)
        }
        return try await require(flow, id: id, actor: actor)
    }
}
