import CourtyardDomain
import Testing

/// Who a report goes to and who may move it on: one test per rule.
@Suite struct ReportRoutingTests {
    static func actor(_ role: Role, _ kind: ScopeKind? = nil, _ id: Int64? = nil) -> Actor {
        Actor(userId: 1, username: "u", role: role, scope: Scope(kind: kind, id: id))
    }
    static let office = actor(.communityStaff, .community, 1)
    static let contractor = actor(.contractor, .organisation, 7)
    static let otherContractor = actor(.contractor, .organisation, 8)
    static let steward = actor(.steward, .compound, 3)
    static let viewer = actor(.viewer, .compound, 3)

    static func step(
        _ from: ReportState, _ to: ReportState, note: String = "", current: Int64? = nil, requested: Int64? = nil,
        requestedIn: Int64? = nil
    ) -> ReportRouting.Step {
        ReportRouting.Step(
            from: from, to: to, note: note, currentAssignee: current, requestedAssignee: requested,
            reportSubdistrict: 1, requestedAssigneeSubdistrict: requestedIn)
    }

    @Test func anOrganisationSeesTheReportsAssignedToIt() {
        #expect(ReportRouting.visibility(Self.contractor) == .assignedTo(organisation: 7))
    }

    @Test func everyoneElseSeesTheReportsOfTheirPlaces() {
        #expect(ReportRouting.visibility(Self.steward) == .places(Scope(kind: .compound, id: 3)))
        #expect(ReportRouting.visibility(.system) == .places(.global))
    }

    @Test func registryReadersContractorsAndDepartmentsReadReports() {
        #expect(ReportRouting.canRead(Self.viewer))
        #expect(ReportRouting.canRead(Self.contractor))
        // A department reads the reports assigned to it (its visibility), and nothing of anyone's places.
        let department = Self.actor(.department, .organisation, 2)
        #expect(ReportRouting.canRead(department))
        #expect(ReportRouting.visibility(department) == .assignedTo(organisation: 2))
        // So does a property company, since it takes assignments too.
        let property = Self.actor(.propertyCompany, .organisation, 2)
        #expect(ReportRouting.canRead(property))
        #expect(ReportRouting.visibility(property) == .assignedTo(organisation: 2))
    }

    @Test func aReportAssignedToADepartmentWaitsOnTheDepartment() {
        #expect(ReportLifecycle.ballInCourt(.assigned, assigneeKind: .department) == .department)
        #expect(ReportLifecycle.ballInCourt(.assigned, assigneeKind: .contractor) == .contractor)
        #expect(ReportLifecycle.ballInCourt(.fixed, assigneeKind: .department) == .reporter)
        #expect(ReportRouting.mayTake(Self.actor(.department, .organisation, 2), to: .fixed, assignee: 2))
        // Sent to the wrong body, the assigned organisation hands it back while it is assigned, and only then.
        let gas = Self.actor(.department, .organisation, 2)
        #expect(ReportRouting.mayTake(gas, to: .reopened, assignee: 2, from: .assigned))
        #expect(!ReportRouting.mayTake(gas, to: .reopened, assignee: 2, from: .fixed))
        #expect(
            !ReportRouting.mayTake(
                Self.actor(.department, .organisation, 3), to: .reopened, assignee: 2, from: .assigned))
        #expect(ReportRouting.allowedSteps(gas, from: .assigned, assignee: 2) == [.fixed, .reopened])
        #expect(!ReportRouting.mayTake(Self.actor(.department, .organisation, 3), to: .fixed, assignee: 2))
        // A steward reopens a reported fix for the reporter, not work still under way.
        let steward = Self.actor(.steward, .compound, 1)
        #expect(ReportRouting.mayTake(steward, to: .reopened, assignee: 2, from: .fixed))
        #expect(!ReportRouting.mayTake(steward, to: .reopened, assignee: 2, from: .assigned))
        #expect(ReportRouting.allowedSteps(steward, from: .assigned, assignee: 2).isEmpty)
    }

    @Test func aPropertyCompanyReadsAndFixesOnlyWhatIsAssignedToIt() {
        let property = Self.actor(.propertyCompany, .organisation, 9)
        #expect(ReportRouting.canRead(property))
        #expect(ReportRouting.visibility(property) == .assignedTo(organisation: 9))
        #expect(ReportRouting.mayTake(property, to: .fixed, assignee: 9))
        #expect(!ReportRouting.mayTake(property, to: .fixed, assignee: 7))
        #expect(!ReportRouting.mayTake(property, to: .verified, assignee: 9))
    }

    @Test func theOfficeTakesEveryStep() {
        for to in ReportState.allCases { #expect(ReportRouting.mayTake(Self.office, to: to, assignee: nil)) }
    }

    @Test func theOfficeUrgesOnlyAReportWaitingOnThoseItWasSentTo() {
        #expect(ReportRouting.mayUrge(Self.office, state: .assigned))
        for s in ReportState.allCases where s != .assigned { #expect(!ReportRouting.mayUrge(Self.office, state: s)) }
        #expect(!ReportRouting.mayUrge(Self.contractor, state: .assigned))
        #expect(!ReportRouting.mayUrge(Self.steward, state: .assigned))
        #expect(ReportRouting.stepWord(from: .assigned, to: .assigned) == "urged")
        #expect(ReportRouting.stepWord(from: .acknowledged, to: .assigned) == "assigned")
        #expect(ReportRouting.stepWord(from: .assigned, to: .reopened) == "handed_back")
    }

    @Test func onlyTheAssignedContractorReportsTheFix() {
        #expect(ReportRouting.mayTake(Self.contractor, to: .fixed, assignee: 7))
        #expect(!ReportRouting.mayTake(Self.otherContractor, to: .fixed, assignee: 7))
        #expect(!ReportRouting.mayTake(Self.contractor, to: .fixed, assignee: nil))
        #expect(!ReportRouting.mayTake(Self.contractor, to: .closed, assignee: 7))
    }

    @Test func aStewardConfirmsOrReopensForTheReporter() {
        #expect(ReportRouting.mayTake(Self.steward, to: .verified, assignee: nil))
        #expect(ReportRouting.mayTake(Self.steward, to: .reopened, assignee: nil))
        #expect(!ReportRouting.mayTake(Self.steward, to: .closed, assignee: nil))
        #expect(!ReportRouting.mayTake(Self.viewer, to: .verified, assignee: nil))
    }

    @Test func formsOfferOnlyTheStepsTheAccountMayTake() {
        #expect(ReportRouting.allowedSteps(Self.steward, from: .fixed, assignee: 7) == [.reopened, .verified])
        #expect(ReportRouting.allowedSteps(Self.contractor, from: .assigned, assignee: 7) == [.fixed, .reopened])
        #expect(ReportRouting.allowedSteps(Self.office, from: .closed, assignee: nil).isEmpty)
    }

    @Test func aStepOutsideTheLifecycleIsAConflictBeforeAnythingElse() {
        #expect(
            ReportRouting.decide(Self.step(.submitted, .fixed), actor: Self.viewer)
                == .failure(.notAStep(from: .submitted, to: .fixed)))
    }

    @Test func aStepTheAccountMayNotTakeIsForbidden() {
        #expect(ReportRouting.decide(Self.step(.submitted, .acknowledged), actor: Self.steward) == .failure(.forbidden))
    }

    @Test func rejectingNeedsAReason() {
        guard
            case .failure(.invalid(let e)) = ReportRouting.decide(Self.step(.submitted, .rejected), actor: Self.office)
        else {
            Issue.record("not refused")
            return
        }
        #expect(e.field == "note" && e.code == "required")
        #expect(
            ReportRouting.decide(Self.step(.submitted, .rejected, note: "dup"), actor: Self.office) == .success(nil))
    }

    /// Reopening a fix says why too: the resident's tracking page shows the step with its reason.
    @Test func reopeningNeedsAReason() {
        guard
            case .failure(.invalid(let e)) = ReportRouting.decide(
                Self.step(.fixed, .reopened, current: 7), actor: Self.steward)
        else {
            Issue.record("not refused")
            return
        }
        #expect(e.field == "note" && e.code == "required")
        #expect(
            ReportRouting.decide(Self.step(.fixed, .reopened, note: "还在漏", current: 7), actor: Self.steward)
                == .success(7))
    }

    @Test func assigningNamesTheOrganisation() {
        guard
            case .failure(.invalid(let e)) = ReportRouting.decide(
                Self.step(.acknowledged, .assigned), actor: Self.office)
        else {
            Issue.record("not refused")
            return
        }
        #expect(e.field == "assignee_organisation_id" && e.code == "required")
    }

    @Test func aReportGoesOnlyToAnOrganisationOfItsOwnSubdistrict() {
        for elsewhere in [Int64?.none, 2] {
            let refused = ReportRouting.decide(
                Self.step(.acknowledged, .assigned, requested: 9, requestedIn: elsewhere), actor: Self.office)
            guard case .failure(.invalid(let e)) = refused else {
                Issue.record("not refused")
                return
            }
            #expect(e.field == "assignee_organisation_id" && e.code == "not_found")
        }
        #expect(
            ReportRouting.decide(Self.step(.acknowledged, .assigned, requested: 9, requestedIn: 1), actor: Self.office)
                == .success(9))
    }

    @Test func otherStepsKeepTheAssignee() {
        #expect(
            ReportRouting.decide(Self.step(.assigned, .fixed, note: "已更换水管", current: 7), actor: Self.contractor)
                == .success(7))
    }

    /// A fix says what was done, which the resident is asked to confirm.
    @Test func aFixWithoutWordsIsRefused() {
        guard
            case .failure(.invalid(let e)) = ReportRouting.decide(
                Self.step(.assigned, .fixed, note: "  ", current: 7), actor: Self.contractor)
        else {
            Issue.record("not refused")
            return
        }
        #expect(e.field == "note" && e.code == "what_was_fixed")
    }

    @Test func theReporterHearsOfAcknowledgementFixClosureAndRejection() {
        let told = ReportState.allCases.filter(ReportRouting.tellsReporter)
        #expect(Set(told) == [.acknowledged, .fixed, .closed, .rejected])
    }

    @Test func theReporterAnswersOnlyAFixAndSaysWhatIsWrongWhenItIsNot() {
        #expect(ReportRouting.reporterAnswer(from: .fixed, fixed: true, note: "") == .success(.verified))
        #expect(ReportRouting.reporterAnswer(from: .fixed, fixed: false, note: "还在滴水") == .success(.reopened))
        guard case .failure(.invalid(let e)) = ReportRouting.reporterAnswer(from: .fixed, fixed: false, note: "  ")
        else {
            Issue.record("an empty complaint must be refused")
            return
        }
        #expect(e.code == "still_wrong" && e.field == "note")
        for from in ReportState.allCases where from != .fixed {
            #expect(
                ReportRouting.reporterAnswer(from: from, fixed: true, note: "")
                    == .failure(.notAStep(from: from, to: .verified)))
        }
    }
}
