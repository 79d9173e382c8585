import CourtyardDomain
import Testing

@Suite struct GateEvidenceTests {
    @Test func aGateTakesOnlyItsRecordKindsAndDocumentTypes() {
        let into = ProjectStage.preliminaryDesign
        #expect(GateEvidence.problem([], into: into) == .missing)
        #expect(GateEvidence.problem([.record(.questionnaire, id: 1)], into: into) == nil)
        #expect(GateEvidence.problem([.record(.vote, id: 1)], into: into) == .wrongKind(.vote))
        #expect(GateEvidence.problem([.document(attachmentId: 3, type: .consultationMinutes)], into: into) == nil)
        #expect(
            GateEvidence.problem([.document(attachmentId: 3, type: .handoverAgreement)], into: into)
                == .wrongDocumentType(.handoverAgreement))
        let twice: [Evidence] = [
            .document(attachmentId: 3, type: .consultationMinutes),
            .document(attachmentId: 3, type: .residentOpinionSummary),
        ]
        #expect(GateEvidence.problem(twice, into: into) == .repeatedDocument(3))
    }

    @Test func everyGateTakesSomethingAndOnlyAcceptanceNeedsItsRecord() {
        for stage in ProjectStage.allCases where stage != .consultation {
            #expect(!stage.recordKinds.isEmpty && !stage.documentTypes.isEmpty, "\(stage)")
        }
        #expect(ProjectStage.accepted.recordKinds == [.acceptance])
    }

    @Test func aGateIsOnPaperOnlyWhenNoRecordStandsBehindIt() {
        #expect(GateEvidence.onPaper([.document(attachmentId: 1, type: .noticePhotos)]))
        #expect(!GateEvidence.onPaper([.document(attachmentId: 1, type: .noticePhotos), .record(.notice, id: 2)]))
        #expect(!GateEvidence.onPaper([]))
        #expect(GateEvidence.onPaper(kinds: ["attachment", "document"]))
        #expect(!GateEvidence.onPaper(kinds: ["document", "notice"]))
        // The hand-over's signatures and a final acceptance are Courtyard's own records, whatever the gate was given.
        #expect(!GateEvidence.onPaper(kinds: ["document"], into: .handedOver))
        #expect(!GateEvidence.onPaper(kinds: ["document"], into: .accepted))
        #expect(GateEvidence.onPaper(kinds: ["document"], into: .construction))
    }

    @Test func aYearsWorkingDaysComeFromWhereTheCalendarSays() {
        var calendar = WorkCalendar.shipped
        calendar.enteredYears = [2027]
        let years = calendar.sources(from: Day("2025-12-01")!, through: Day("2028-01-05")!)
        #expect(years.map(\.year) == [2025, 2026, 2027, 2028])
        #expect(years.map(\.source) == [.published, .published, .entered, .weekdays])
    }
}
