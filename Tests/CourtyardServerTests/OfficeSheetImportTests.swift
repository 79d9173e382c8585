import CourtyardDomain
import CourtyardServer
import CourtyardSheets
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// A household sheet as an office keeps it, through the import API: the dry run says how it was read.
@Suite struct OfficeSheetImportTests {
    static let csv = """
        幸福里社区2026年老旧小区改造住户台账,,,,,,,,
        ,,,,,,,,
        序号,社区,小区,楼栋,单元,房号,建筑面积,业主姓名,备注
        1,幸福里社区,纺织厂家属院,1号楼,1单元,101,60,张三,已签字
        2,,,,,102,61,李四,
        3,,,,2单元,201,62,,

        """

    @Test func theDryRunSaysHowTheFileWasRead() async throws {
        try await TestApp.with { client, _ in
            let token = try await client.token("admin", TestApp.adminPassword)
            let (status, dry) = try await ImportAPITests.post(
                client, token, Array(Self.csv.utf8),
                query: "dry_run=true&subdistrict=S")
            #expect(status == .ok)
            #expect(dry["error_count"]?.intValue == 0)
            #expect(dry["households"]?["created"]?.intValue == 3)
            #expect(dry["entrances"]?["created"]?.intValue == 2)
            let sheet = dry["reading"]?["sheets"]?.list?.first
            #expect(sheet?["header_row"]?.intValue == 3)
            #expect(sheet?["ignored_columns"] == .array([.string("序号"), .string("备注")]))
            #expect(sheet?["filled_down"]?["building"]?.intValue == 2)
            let summary = dry["reading_summary"]?.list?.compactMap(\.stringValue) ?? []
            #expect(summary.first == "表头在第 3 行，读取数据 3 行")
            #expect(summary.contains("忽略的列（不是住户台账的列，未导入）：序号、备注"))
        }
    }

    @Test func aWorkbookWithSeveralSheetsReadsEachThatHasAHeader() async throws {
        try await TestApp.with { client, _ in
            let token = try await client.token("admin", TestApp.adminPassword)
            let header: [XLSX.Cell] = ["社区", "小区", "楼栋", "单元", "房号", "建筑面积"].map { .text($0) }
            func rows(_ building: String) -> [[XLSX.Cell]] {
                [header]
                    + ["101", "102"].map { room in
                        ["幸福里社区", "纺织厂家属院", building, "1单元", room].map { .text($0) } + [.number("60")]
                    }
            }
            let book = try XLSX.write(sheets: [
                XLSX.Sheet(name: "1号楼", header: ["1号楼住户台账"], rows: rows("1号楼")),
                XLSX.Sheet(name: "填表说明", header: ["面积以房产证为准"], rows: []),
                XLSX.Sheet(name: "2号楼", header: ["2号楼住户台账"], rows: rows("2号楼")),
            ])
            let (status, dry) = try await ImportAPITests.post(
                client, token, Array(book),
                query: "dry_run=true&subdistrict=S&lang=en",
                type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            #expect(status == .ok)
            #expect(dry["households"]?["created"]?.intValue == 4)
            #expect(dry["reading"]?["sheets"]?.list?.compactMap { $0["name"]?.stringValue } == ["1号楼", "2号楼"])
            #expect(dry["reading"]?["skipped_sheets"]?.list?.first?["name"]?.stringValue == "填表说明")
            let summary = dry["reading_summary"]?.list?.compactMap(\.stringValue) ?? []
            #expect(summary.contains("Sheet “1号楼”: header in row 2; 2 data rows read"))
            #expect(summary.contains { $0.hasPrefix("Sheet “填表说明” skipped") })
        }
    }

    @Test func aSheetPastTheLimitsIsRefusedWithAClearError() async throws {
        try await TestApp.with { client, _ in
            let token = try await client.token("admin", TestApp.adminPassword)
            let wide = Array((String(repeating: ",", count: 300) + "x\n").utf8)
            let (status, body) = try await ImportAPITests.post(
                client, token, wide,
                query: "dry_run=true&subdistrict=S")
            #expect(status == .unprocessableContent)
            #expect(body.errorCode == "too_many_columns")
            #expect(body["error"]?["field"]?.stringValue == "file")
        }
    }

    @Test func theImportPageSaysHowTheFileWasRead() async throws {
        try await TestApp.with { client, _ in
            let (cookie, csrf) = try await client.session("admin", TestApp.adminPassword)
            let boundary = "XyZ123"
            var body = "--\(boundary)\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n\(csrf)\r\n"
            body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"subdistrict\"\r\n\r\n建设路街道\r\n"
            body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"dry_run\"\r\n\r\n1\r\n"
            body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"h.csv\"\r\n"
            body += "Content-Type: text/csv\r\n\r\n" + Self.csv + "\r\n--\(boundary)--\r\n"
            let (status, page) = try await client.execute(
                uri: "/import", method: .post,
                headers: [.cookie: cookie, .contentType: "multipart/form-data; boundary=\(boundary)"],
                body: ByteBuffer(string: body)
            ) {
                ($0.status, String(buffer: $0.body))
            }
            #expect(status == .ok)
            #expect(page.contains("文件的读取方式"))
            #expect(page.contains("表头在第 3 行，读取数据 3 行"))
            #expect(page.contains("忽略的列（不是住户台账的列，未导入）：序号、备注"))
            #expect(page.contains("“楼栋”列有 2 个空单元格按“同上”沿用了上一行的值"))
        }
    }

    @Test func placesMergedDownTheirRowsAreReadAndReported() async throws {
        try await TestApp.with { client, _ in
            let token = try await client.token("admin", TestApp.adminPassword)
            func row(_ n: Int, _ cells: [String]) -> String {
                "<row r=\"\(n)\">"
                    + cells.enumerated().map { i, v in
                        v.isEmpty ? "" : "<c r=\"\(XLSX.columnName(i))\(n)\" t=\"inlineStr\"><is><t>\(v)</t></is></c>"
                    }.joined() + "</row>"
            }
            let rows =
                row(1, ["社区", "小区", "楼栋", "单元", "房号", "建筑面积"])
                + row(2, ["幸福里社区", "纺织厂家属院", "1号楼", "1单元", "101", "60"])
                + row(3, ["", "", "", "", "102", "60"]) + row(4, ["", "", "", "2单元", "201", "60"])
            let merges = ["A2:A4", "B2:B4", "C2:C4", "D2:D3"].map { "<mergeCell ref=\"\($0)\"/>" }.joined()
            let sheet = "<sheet name=\"台账\" sheetId=\"1\" r:id=\"rId1\"/>"
            let relation = "<Relationship Id=\"rId1\" Target=\"worksheets/sheet1.xml\"/>"
            let book = try XLSX.zip([
                ("xl/workbook.xml", "<workbook xmlns:r=\"r\"><sheets>\(sheet)</sheets></workbook>"),
                ("xl/_rels/workbook.xml.rels", "<Relationships>\(relation)</Relationships>"),
                (
                    "xl/worksheets/sheet1.xml",
                    "<worksheet><sheetData>\(rows)</sheetData><mergeCells>\(merges)</mergeCells></worksheet>"
                ),
            ])
            let (status, dry) = try await ImportAPITests.post(
                client, token, Array(book),
                query: "dry_run=true&subdistrict=S",
                type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            #expect(status == .ok)
            #expect(dry["error_count"]?.intValue == 0)
            #expect(dry["households"]?["created"]?.intValue == 3)
            #expect(dry["entrances"]?["created"]?.intValue == 2)
            #expect(dry["reading"]?["sheets"]?.list?.first?["merged"]?["building"]?.intValue == 2)
            let summary = dry["reading_summary"]?.list?.compactMap(\.stringValue) ?? []
            #expect(summary.contains("“单元”列有 1 个单元格取自合并单元格的值"))
        }
    }
}
