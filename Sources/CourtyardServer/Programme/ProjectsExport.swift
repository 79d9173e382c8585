import CourtyardDomain
import CourtyardSheets
import CourtyardStore
import Foundation
import Hummingbird

/// The projects list as a clerk files it (`format=csv&lang=zh-Hans`): Chinese headers, stage names in Chinese,
/// progress in percent and the budget in 万元 with two decimals, rounded half up; no internal ids.
enum ProjectsExport {
    static func wantsChinese(_ request: Request) -> Bool {
        request.uri.queryParameters.get("lang").flatMap(Lang.parse) == .zh
    }

    /// Fen as 万元 with two decimals: 1,234,567 fen (12,345.67 元) is "1.23".
    static func wan(_ fen: Int64) -> String {
        let hundredths = (abs(fen) + 5_000) / 10_000
        let sign = fen < 0 && hundredths > 0 ? "-" : ""
        let cents = hundredths % 100
        return "\(sign)\(hundredths / 100).\(cents < 10 ? "0" : "")\(cents)"
    }

    static func chinese(_ items: [ProjectSummary]) -> Response {
        let zh = Lang.zh
        let headers = [
            "col.community", "col.compound", "dash.households", "programme.batch", "project.stage", "project.deadline",
            "project.startedOn", "project.completedOn", "export.progressPercent", "export.budgetWan",
            "project.contractor",
        ].map { zh.t($0) }
        let rows = items.map { p in
            [
                p.communityName, p.compoundName, String(p.households), String(p.batchYear),
                zh.t("stage." + p.stage.rawValue), p.deadline.description, p.startedOn?.description ?? "",
                p.completedOn?.description ?? "", p.percentComplete.numberText, wan(p.budgetFen),
                p.contractorName ?? "",
            ]
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8",
                .contentDisposition: "attachment; filename=\"projects-zh.csv\"",
            ], body: .init(byteBuffer: ByteBuffer(string: CSV.write([headers] + rows))))
    }
}
