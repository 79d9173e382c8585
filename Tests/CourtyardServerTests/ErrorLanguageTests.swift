import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import CourtyardServer

/// An API client meets its errors in the person's language: Chinese unless it asks for English (`?lang=en`, the
/// remembered cookie, `Accept-Language`), the stable code unchanged either way.
@Suite struct ErrorLanguageTests {
    @Test func errorsAreInChineseUnlessTheClientAsksForEnglish() async throws {
        try await TestApp.with { client, _ in
            let body = #"{"username":"admin","password":"wrong-password"}"#
            let zh = try await client.call(.post, "/api/v1/auth/token", token: nil, body: body)
            #expect(zh.status == .unauthorized && zh.json.errorCode == "invalid_credentials")
            #expect(zh.json["error"]?["message"]?.stringValue == "用户名或密码错误。")
            let en = try await client.call(
                .post, "/api/v1/auth/token", token: nil, body: body, headers: [.acceptLanguage: "en-GB,en;q=0.8"])
            #expect(en.json.errorCode == "invalid_credentials")
            #expect(en.json["error"]?["message"]?.stringValue == "wrong username or password")
            let query = try await client.call(.get, "/api/v1/compounds?lang=en", token: nil)
            #expect(
                query.status == .unauthorized
                    && query.json["error"]?["message"]?.stringValue?.contains("sign in") == true)
            let anonymous = try await client.call(.get, "/api/v1/compounds", token: nil)
            #expect(anonymous.json["error"]?["message"]?.stringValue == "请先登录，或在请求中附上访问令牌。")
            let token = try await client.token("admin", TestApp.adminPassword)
            let limit = try await client.call(.get, "/api/v1/compounds?limit=0", token: token)
            #expect(limit.json.errorCode == "invalid_limit" && limit.json["error"]?["field"]?.stringValue == "limit")
            #expect(limit.json["error"]?["message"]?.stringValue == "每页条数须在 1 到 1000 之间。")
        }
    }

    @Test func aCodeWithoutWordsOfItsOwnIsSaidByItsStatus() {
        let odd = AppError.unprocessable("no_such_code_anywhere", "an English sentence", field: "x")
        #expect(odd.message(in: .en) == "an English sentence")
        #expect(odd.message(in: .zh) == Lang.zh.t("error.invalidGeneric"))
        let conflict = AppError(status: .conflict, code: "no_such_code_anywhere", message: "taken meanwhile")
        #expect(conflict.message(in: .zh) == Lang.zh.t("error.conflictGeneric"))
        // A field inside a list is looked up without its position.
        let score = AppError.unprocessable("out_of_range", "s1 is scored 0 to 10", field: "scores[2]")
        #expect(score.text(in: .zh) == "得分须在 0 到该项满分之间。")
        let item = AppError.unprocessable("missing_item", "s2 is not scored", field: "scores[0]")
        #expect(item.text(in: .zh) == "每一项都需要打分。")
        // Words written for one form's field are a page's; a client of the API takes the code's, which fit any call.
        let answer = AppError.unprocessable("required", "answer is empty", field: "answer")
        #expect(answer.text(in: .zh) == Lang.zh.t("error.answer.required"))
        #expect(answer.message(in: .zh) == "请填写必填项。")
        // A value holding braces is put in as written.
        #expect(Lang.fill("“{value}”不是整数，第 {row} 行", ["value": "{row}", "row": "3"]) == "“{row}”不是整数，第 3 行")
    }

    @Test func aRefusalNamesWhatStandsInItsWayInEitherLanguage() throws {
        let refusal = StoreError.refused(
            code: "payment_limit", message: "payments not rejected would come to 10.00 yuan",
            details: [
                Phrase("payment.total", values: ["total": "10.00", "limit": "8.00"]),
                Phrase("limit.progress", values: ["measured": "10.00", "rate": "80"]),
            ])
        let e = try #require(AppError.from(refusal))
        #expect(e.status == .conflict && e.code == "payment_limit")
        #expect(
            e.message(in: .zh)
                == "这笔支付不能登记：未驳回的支付合计将达 10.00 元，超过上限 8.00 元；上限为已计量产值 10.00 元的 80%。")
        // In English the store's own sentence stands; a page in English says the details from the catalogue.
        #expect(e.message(in: .en) == "payments not rejected would come to 10.00 yuan")
        #expect(e.text(in: .en)?.hasPrefix("This payment cannot be recorded: payments not rejected") == true)
        // A term is a catalogue key said in the person's words.
        let turn = try #require(
            AppError.from(
                StoreError.refused(
                    code: "not_your_turn", message: "x",
                    details: [Phrase("waiting", terms: ["who": "investment.waiting.office"])])))
        #expect(turn.message(in: .zh) == "这一步现在还轮不到您办理：待街道审批。")
        // A detail the catalogue cannot say falls back to the code's own words, never to a half-said sentence.
        let unknown = try #require(
            AppError.from(StoreError.refused(code: "safety_missing", message: "x", details: [Phrase("nowhere")])))
        #expect(unknown.message(in: .zh) == Lang.zh.t("error.safety_missing"))
    }

    /// A sheet's problems are said in the person's words, quoting the cell and pointing at the earlier row.
    @Test func aSheetsProblemsAreSaidInEitherLanguage() throws {
        let sheet =
            "社区,小区,地址,建成年份,楼栋,单元,房号,建筑面积,业主姓名,联系电话\n"
            + "幸福里社区,一号院,建设路1号,1985,1,1,101,60,张三,13812345678\n"
            + "幸福里社区,一号院,建设路1号,1985,1,1,101,60,张三,13812345678\n"
            + "幸福里社区,一号院,建设路2号,1985,1,1,102,60,李四,13812345679\n"
            + "幸福里社区,一号院,建设路1号,1985,1,1,103,60,,13812345670\n"
        let lines = sheet.split(separator: "\n").enumerated().map {
            SheetSource.Line(
                number: $0.offset + 1,
                cells: $0.element.split(separator: ",", omittingEmptySubsequences: false).map(String.init))
        }
        let parsed = try RegistrySheet.parseWorkbook([SheetSource(name: "", lines: lines)])
        let zh = parsed.errors.map { RegistryFiles.reason($0, lang: .zh) }
        #expect(zh.contains("房屋 1-1-101 在第 2 行已经出现过"), "\(zh)")
        #expect(zh.contains("小区“一号院”在第 2 行填写的地址是“建设路1号”，与本行不同"))
        #expect(zh.contains("填写了联系电话时，业主姓名不能为空"))
        let en = parsed.errors.map { RegistryFiles.reason($0, lang: .en) }
        #expect(en.contains("household 1-1-101 already appears in row 2"), "\(en)")
        #expect(parsed.errors.map { RegistryFiles.columnName($0.column ?? "", lang: .zh) }.contains("房号"))
        let missing = RegistrySheet.mapHeader(["社区", "小区", "楼栋", "单元", "房号"], row: 1)
        guard case .failure(let e) = missing else {
            Issue.record("a header without 建筑面积 was taken")
            return
        }
        #expect(RegistryFiles.reason(e, lang: .zh) == "缺少必需的列“建筑面积”")
    }

    /// A file with no header is said as a whole, not as "row 0", and the columns it lacks are named in the person's
    /// language with its own list separator.
    @Test func aSheetWithoutAHeaderIsSaidAsAWholeInEitherLanguage() throws {
        let parsed = try RegistrySheet.parseWorkbook([
            SheetSource(name: "", lines: [SheetSource.Line(number: 1, cells: ["a", "b"])])
        ])
        let e = try #require(parsed.errors.first)
        #expect(RegistryFiles.reason(e, lang: .zh).contains("社区、小区、楼栋、单元、房号、建筑面积"))
        #expect(RegistryFiles.reason(e, lang: .en).contains("Community, Compound, Building"))
        #expect(RegistryFiles.place(row: String(e.row), sheet: nil, lang: .zh) == "整个文件")
        #expect(RegistryFiles.readingLines(parsed.reading, lang: .zh).allSatisfy { !$0.contains("“”") })
    }

    /// An Excel 97–2003 file is told apart from text that cannot be read: the clerk is told to save it as .xlsx.
    @Test func anOldExcelFileIsToldToBeSavedAsXLSX() throws {
        let xls: [UInt8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] + [UInt8](repeating: 0x9F, count: 600)
        #expect(throws: (any Error).self) { try RegistryFiles.parse(xls) }
        do {
            _ = try RegistryFiles.parse(xls)
        } catch {
            #expect(RegistryFiles.describe(error, lang: .zh)?.contains("另存为") == true)
            #expect(RegistryFiles.describe(error, lang: .en)?.contains(".xlsx") == true)
        }
    }

    /// Every code a route, the store or a domain rule throws has words in both catalogues, so a client reading
    /// Chinese is never told only "check what you sent".
    @Test func everyCodeThrownHasWordsInBothLanguages() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Sources")
            .standardized
        let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)!.compactMap {
            $0 as? URL
        }
        .filter { $0.pathExtension == "swift" && !$0.lastPathComponent.hasPrefix("Catalogue") }
        let pattern = try Regex(#"(?:code: |\.badRequest\(|\.unprocessable\()"([a-z][a-z0-9_]*)""#)
        var codes: Set<String> = []
        for f in files {
            let text = try String(contentsOf: f, encoding: .utf8)
            for m in text.matches(of: pattern) {
                codes.insert(String(text[m.range]).split(separator: "\"")[1].description)
            }
        }
        #expect(codes.count > 100)
        // Codes made at run time: each gate a project passes, and the catch-all when there is no further stage.
        codes.formUnion(ProjectStage.allCases.map(\.gate) + ["gate"])
        for code in codes.sorted() where code != Pages.pageMessage {
            #expect(Lang.zh.has("error.\(code)"), "zh-Hans lacks error.\(code)")
            #expect(Lang.en.has("error.\(code)"), "en lacks error.\(code)")
        }
    }

    /// What the command line prints, and the demo's steps it prints or logs, are said from the catalogue (`cli.…`).
    @Test func everyCommandLineLineHasWordsInBothLanguages() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Sources")
            .standardized
        var keys: Set<String> = []
        // A literal key (a prefix joined to a value, as in "entity." + name, ends with a dot and is left out).
        let pattern = try Regex(#"(?:say|log)\(\s*"([a-zA-Z][a-zA-Z.]*[a-zA-Z])""#)
        for folder in ["courtyard", "CourtyardDemo"] {
            let files = FileManager.default.enumerator(
                at: root.appendingPathComponent(folder), includingPropertiesForKeys: nil)!
            for case let f as URL in files where f.pathExtension == "swift" {
                let text = try String(contentsOf: f, encoding: .utf8)
                for m in text.matches(of: pattern) {
                    keys.insert(String(text[m.range]).split(separator: "\"")[1].description)
                }
            }
        }
        #expect(keys.isSuperset(of: ["serve.serving", "serve.migrated", "demo.subdistrict", "demo.written"]))
        for key in keys.sorted() {
            #expect(Lang.zh.has("cli." + key), "zh-Hans lacks cli.\(key)")
            #expect(Lang.en.has("cli." + key), "en lacks cli.\(key)")
        }
    }
}
