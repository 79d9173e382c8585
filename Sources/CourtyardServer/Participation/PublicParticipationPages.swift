import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

/// The public compound page's project, notices and questionnaires, and the pages where residents
/// object to a notice or answer a questionnaire by their phone, without an account.
enum PublicParticipationPages {
    static func qr(_ link: String) throws -> Response {
        let code = try QRCode(text: link)
        return Response(
            status: .ok,
            headers: [.contentType: "image/svg+xml", .cacheControl: "public, max-age=86400", .vary: "Host"],
            body: .init(byteBuffer: ByteBuffer(string: code.svg())))
    }

    static func questionnairePage(
        id: Int64, f: PageFrame, services: Services, fields: [String: [String]], notice: (String, String)?,
        errors: FieldErrors = FieldErrors(), answered: Bool = false, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let note =
            notice.map { PageNote(kind: $0.0, text: $0.1) } ?? errors.form.map { PageNote(kind: "bad", text: $0) }
        guard
            let page = try await PublicQuestionnairePage.load(
                id: id, services: services, fields: fields, note: note, errors: errors, answered: answered, f)
        else {
            return f.page(title: f.t("error.title"), "participation-not-found", PublicNotFound(), status: .notFound)
        }
        return f.page(title: page.title, "participation-public-questionnaire", page, status: status)
    }
}

/// A page that is not there, or not yet public.
struct PublicNotFound {}

/// A questionnaire for residents without an account: while it is open, the form (what they typed kept when it is
/// refused, and each refusal beside its field or question); once closed, its results without the answers in words.
struct PublicQuestionnairePage {
    struct Input {
        var inputType: String
        var name: String
        var value: String
        var label: String
        var checked: Bool
    }
    struct Field {
        var number: String
        var text: String
        var required: Bool
        var choices: [Input]
        var textName: String?
        var keptText: String
        var questionError: String?
        /// The id of the message beside the question, which its fieldset names with aria-describedby.
        var errorId: String
    }
    struct HouseholdSelect {
        var options: [FormOption]
        var householdError: String?
    }
    struct Form {
        var action: String
        var phone: String
        var phoneError: String?
        var householdSelect: HouseholdSelect?
        var questions: [Field]
    }
    struct Rating {
        var mean: String
        var satisfied: String
    }
    struct Tally {
        var text: String
        var rating: Rating?
        var unrated = false
        var optionTable: OptionTable?
    }
    struct Closed {
        var responses: String
        var eligible: String
        var rate: String
        var tallies: [Tally]
    }
    var title: String
    var note: PageNote?
    var opensOn: String
    var closesOn: String
    var backHref: String
    var form: Form?
    /// Just answered: the thanks stand alone, with a way to answer for another home the same owner has.
    var againHref: String?
    var closed: Closed?

    /// nil when there is no such questionnaire or it is still a draft.
    static func load(
        id: Int64, services: Services, fields: [String: [String]], note: PageNote?, errors: FieldErrors,
        answered: Bool = false, _ f: PageFrame
    ) async throws -> PublicQuestionnairePage? {
        let repo = QuestionnaireRepository(database: services.database)
        let h: QuestionnaireRepository.Header
        do { h = try await repo.publicHeader(id: id) } catch StoreError.notFound { return nil }
        guard h.state != .draft else { return nil }
        var form: Form?
        var closed: Closed?
        var again: String?
        if answered && h.accepting(today: Clock.today) {
            again = SiteRoute.publicQuestionnaire(id).path
        } else if h.accepting(today: Clock.today) {
            let phone = fields["phone"]?.first ?? ""
            let owned = phone.isEmpty ? [] : try await repo.ownedHouseholds(id: id, phone: phone)
            let household = fields["household_id"]?.first
            form = Form(
                action: SiteRoute.publicQuestionnaire(id).path, phone: phone, phoneError: errors["phone"],
                householdSelect: owned.count > 1
                    ? HouseholdSelect(
                        options: owned.map {
                            FormOption(value: String($0.id), label: $0.label, selected: household == String($0.id))
                        }, householdError: errors["household_id"]) : nil,
                questions: h.questions.enumerated().map { i, q in
                    let chosen = Set(fields["q\(i)"] ?? [])
                    var inputs: [Input] = []
                    switch q.type {
                    case .single, .multiple:
                        inputs = q.options.enumerated().map { k, o in
                            Input(
                                inputType: q.type == .single ? "radio" : "checkbox", name: "q\(i)", value: String(k),
                                label: o, checked: chosen.contains(String(k)))
                        }
                    case .rating:
                        inputs = Question.ratingRange.map { n in
                            Input(
                                inputType: "radio", name: "q\(i)", value: String(n),
                                label: "\(n) \(f.t("questionnaire.rating.\(n)"))", checked: chosen.contains(String(n)))
                        }
                    case .text: break
                    }
                    return Field(
                        number: String(i + 1), text: q.text, required: q.required, choices: inputs,
                        textName: q.type == .text ? "q\(i)" : nil,
                        keptText: q.type == .text ? fields["q\(i)"]?.first ?? "" : "", questionError: errors["q\(i)"],
                        errorId: "q\(i)-error")
                })
        } else {
            let r = try await repo.publicResults(id: id)
            closed = Closed(
                responses: String(r.responses), eligible: String(r.eligible),
                rate: Percent.text(Percent.tenths(r.responses, of: r.eligible)),
                tallies: zip(h.questions, r.overall).filter { $0.0.type != .text }.map { q, t in
                    q.type == .rating
                        ? Tally(
                            text: q.text,
                            // No one rated it: no mean of 0.0 on a scale of 1 to 5.
                            rating: t.answered == 0
                                ? nil
                                : Rating(
                                    mean: Percent.text(t.meanRatingTenths),
                                    satisfied: Percent.text(t.satisfactionTenths)),
                            unrated: t.answered == 0)
                        : Tally(
                            text: q.text,
                            optionTable: OptionTable(options: q.options, counts: t.optionCounts))
                })
        }
        return PublicQuestionnairePage(
            title: h.title, note: note, opensOn: h.opensOn.description,
            closesOn: QuestionnairePage.closing(h.closesOn, planned: h.plannedClosesOn, f),
            backHref: SiteRoute.publicCompound(h.compoundId).path, form: form, againHref: again, closed: closed)
    }
}

extension SiteRoute {
    static func publicAttachment(_ id: Int64) -> SiteRoute { SiteRoute("/public/attachments/\(id)") }
    static func publicObjections(_ notice: Int64) -> SiteRoute { SiteRoute("/public/notices/\(notice)/objections") }
}

extension PublicNoticesSection {
    /// The section, with each notice's files named.
    static func load(
        _ notices: [Notice], compoundId: Int64, typed: PublicPages.Typed?, services: Services, _ f: PageFrame
    ) async throws -> PublicNoticesSection {
        let files = try await FileLink.byId(
            notices.flatMap(\.attachments), route: SiteRoute.publicAttachment, services: services)
        return PublicNoticesSection(notices, files: files, compoundId: compoundId, typed: typed, f)
    }
}

/// A compound's published notices on its public page, each on display with the form to object, and what a
/// resident typed into a refused objection kept in it.
struct PublicNoticesSection {
    struct ObjectionForm {
        var open: Bool
        var note: PageNote?
        var action: String
        var compoundId: String
        var keptText: String
        var keptName: String
        var keptPhone: String
        var textError: String?
        var phoneError: String?
        /// Makes the ids of the messages beside the fields unique on a page with several notices.
        var noticeId: String
    }
    struct Item {
        /// The notice's anchor, which a refused objection's summary at the top of the page links to.
        var anchor: String
        var title: String
        var startsOn: String
        var endsOn: String
        var phase: String
        var objections: String
        var noticeText: String
        var attachments: [FileLink]
        /// Only while the notice is on display.
        var form: ObjectionForm?
    }
    var items: [Item]

    init(
        _ notices: [Notice], files: [Int64: FileLink], compoundId: Int64, typed: PublicPages.Typed?, _ f: PageFrame
    ) {
        items = notices.map { n in
            var form: ObjectionForm?
            if n.phase.takesObjections {
                var kept: [String: String] = [:]
                var errors: FieldErrors?
                if case .objection(let id, let fields, let refused) = typed, id == n.id {
                    kept = fields
                    errors = refused
                }
                form = ObjectionForm(
                    open: errors != nil, note: errors?.form.map { PageNote(kind: "bad", text: $0) },
                    action: SiteRoute.publicObjections(n.id).path, compoundId: String(compoundId),
                    keptText: kept["text"] ?? "", keptName: kept["name"] ?? "", keptPhone: kept["phone"] ?? "",
                    textError: errors?["text"], phoneError: errors?["phone"], noticeId: String(n.id))
            }
            return Item(
                anchor: "notice-\(n.id)", title: n.title, startsOn: n.startsOn.description,
                endsOn: n.endsOn.description,
                phase: f.t("notice.phase." + n.phase.rawValue), objections: String(n.objections), noticeText: n.body,
                attachments: n.attachments.compactMap { files[$0] }, form: form)
        }
    }
}
