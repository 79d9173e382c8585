import CourtyardDomain
import CourtyardStore

/// The Registry feature's hand-written part of the OpenAPI document: a household's residents, imports and the
/// registry export. The records' own paths are generated from their `ResourceSpec`s.
extension OpenAPIDocument {
    static func registryPaths() -> D {
        var paths: D = [:]
        let importReport = ref("ImportReport")
        let binary: D = ["type": "string", "format": "binary"]
        let xlsxMime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        let link: D = [
            "type": "object", "required": ["resident_id"],
            "properties": [
                "resident_id": ty("integer"),
                "relation": ["type": "string", "enum": ResidentRelation.allCases.map(\.rawValue)],
                "lives_elsewhere": ty("boolean"),
            ],
        ]
        // The link is undone by naming the household and the resident it linked.
        var linked = response("the household", ref("Household"))
        linked["links"] = [
            "UnlinkResident": [
                "operationId": "unlink_resident",
                "parameters": ["id": "$response.body#/id", "resident_id": "$request.body#/resident_id"],
            ]
        ]
        paths["/api/v1/households/{id}/residents"] = [
            "post": op(
                "Link a resident to a household", id: "link_resident", tag: "households",
                params: [idParam], body: link, responses: responses(["200": linked, "409": rresp("Conflict")]))
        ]
        paths["/api/v1/households/{id}/residents/{resident_id}"] = [
            "delete": op(
                "Unlink a resident", id: "unlink_resident",
                tag: "households", params: [idParam, param("resident_id", "path")],
                responses: responses(["200": response("the household", ref("Household"))]))
        ]
        paths["/api/v1/imports"] = [
            "get": op(
                "List imports", id: "list_imports", tag: "imports",
                params: pagingParams + [enumParam("format", ["json", "csv"])],
                responses: responses(["200": listWithCSV("imports", ty("object"))])),
            "post": [
                "summary": "Import a household sheet (CSV or XLSX)", "operationId": "import_registry",
                "tags": ["imports"],
                "parameters": [
                    param("dry_run", "query", "boolean"), param("subdistrict", "query", "string"),
                    param("filename", "query", "string"),
                ],
                "requestBody": [
                    "required": true,
                    "content": [
                        "text/csv": ["schema": binary], xlsxMime: ["schema": binary],
                        "multipart/form-data": [
                            "schema": [
                                "type": "object",
                                "properties": ["file": binary, "dry_run": ty("string"), "subdistrict": ty("string")],
                            ]
                        ],
                    ],
                ],
                "responses": responses([
                    "200": response("dry-run report", importReport), "201": response("applied", importReport),
                ]),
            ],
        ]
        paths["/api/v1/imports/{id}"] = [
            "get": readOne(
                "Read an import", id: "read_import", tag: "imports", "the import", ty("object"))
        ]
        paths["/api/v1/exports/registry"] = [
            "get": [
                "summary": "Export the household sheet", "operationId": "export_registry", "tags": ["imports"],
                "parameters": [
                    enumParam("format", ["csv", "xlsx"]), idFilter("subdistrict_id"),
                    enumParam("lang", ["zh-Hans", "en"]),
                ],
                "responses": responses([
                    "200": [
                        "description": "the sheet",
                        "content": ["text/csv": ["schema": ty("string")], xlsxMime: ["schema": binary]],
                    ]
                ]),
            ]
        ]

        return paths
    }
}
