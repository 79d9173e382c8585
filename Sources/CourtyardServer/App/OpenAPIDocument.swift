import CourtyardDomain
import CourtyardStore
import Foundation

/// The OpenAPI 3 document, built from the same resource specs the routes use so the two cannot drift.
enum OpenAPIDocument {
    typealias D = [String: Any]

    static let json: String = {
        let data = try! JSONSerialization.data(withJSONObject: build(), options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }()

    /// The query parameters the server holds requests to, read from this document.
    static let queryRules = QueryRules(document: build())

    static func ty(_ t: String) -> D { ["type": t] }
    static func ref(_ name: String) -> D { ["$ref": "#/components/schemas/\(name)"] }
    static func rresp(_ name: String) -> D { ["$ref": "#/components/responses/\(name)"] }
    static func json(_ schema: D) -> D { ["application/json": ["schema": schema]] }
    static func response(_ description: String, _ schema: D? = nil) -> D {
        guard let schema else { return ["description": description] }
        return ["description": description, "content": json(schema)]
    }
    static var errors: D {
        [
            "400": rresp("BadRequest"), "401": rresp("Unauthorized"), "403": rresp("Forbidden"),
            "404": rresp("NotFound"), "422": rresp("Unprocessable"),
        ]
    }
    static func responses(_ own: D) -> D { errors.merging(own) { _, b in b } }

    static func op(
        _ summary: String, id: String, tag: String, params: [D] = [], body: D? = nil, responses: D, open: Bool = false
    ) -> D {
        var o: D = ["summary": summary, "operationId": id, "tags": [tag], "responses": responses]
        if !params.isEmpty { o["parameters"] = params }
        if let body { o["requestBody"] = ["required": true, "content": json(body)] }
        if open { o["security"] = [D]() }
        return o
    }

    /// Reading one record by its id: `GET …/{id}` answering the record or the usual errors.
    static func readOne(_ summary: String, id: String, tag: String, _ description: String, _ schema: D) -> D {
        op(summary, id: id, tag: tag, params: [idParam], responses: responses(["200": response(description, schema)]))
    }

    /// An SVG chart: `GET` answering `image/svg+xml`.
    static func svgChart(_ summary: String, id: String, tag: String, params: [D] = [idParam]) -> D {
        op(
            summary, id: id, tag: tag, params: params,
            responses: responses([
                "200": ["description": "SVG", "content": ["image/svg+xml": ["schema": ty("string")]]]
            ]))
    }

    /// A text that must say something: 1 to `max` characters, not only spaces.
    /// A body of one required field.
    static func oneField(_ name: String, _ schema: D) -> D {
        ["type": "object", "required": [name], "properties": [name: schema]]
    }
    static func filled(max: Int) -> D { ["type": "string", "minLength": 1, "maxLength": max, "pattern": "\\S"] }

    static func param(_ name: String, _ place: String, _ type: String = "integer") -> D {
        var s: D = ["type": type]
        if type == "integer" { s["format"] = "int64" }
        return ["name": name, "in": place, "required": place == "path", "schema": s]
    }
    static func enumParam(_ name: String, _ values: [String]) -> D {
        ["name": name, "in": "query", "required": false, "schema": ["type": "string", "enum": values]]
    }
    /// A page's size and where it starts: the cursor is a position or id the server gave in `next_cursor`.
    static var limitParam: D {
        [
            "name": "limit", "in": "query", "required": false,
            "schema": ["type": "integer", "format": "int64", "minimum": 1, "maximum": Paging.maxLimit],
        ]
    }
    static var cursorParam: D {
        ["name": "cursor", "in": "query", "required": false, "schema": ["type": "string", "pattern": "^[0-9]{1,8}$"]]
    }
    static var pagingParams: [D] { [limitParam, cursorParam] }
    /// An integer query filter: an id, a year.
    static func idFilter(_ name: String) -> D {
        [
            "name": name, "in": "query", "required": false,
            "schema": ["type": "integer", "format": "int64", "minimum": 1, "maximum": Int64.max],
        ]
    }
    static var idParam: D { param("id", "path") }
    /// An ETag as the server gives it, `"id-version"`, optionally weak, or `*`.
    /// An empty If-Match is taken as none.
    static let entityTagPattern = #"^(\*|(W/)?"[0-9]{1,18}-[0-9]{1,9}")?$"#
    static var ifMatch: D {
        [
            "name": "If-Match", "in": "header", "required": false,
            "schema": ["type": "string", "pattern": entityTagPattern],
        ]
    }

    static func listSchema(_ item: D) -> D {
        [
            "type": "object", "required": ["items", "next_cursor"],
            "properties": [
                "items": ["type": "array", "items": item], "next_cursor": ["type": "string", "nullable": true],
            ],
        ]
    }

    /// A list that also answers ?format=csv.
    static func listWithCSV(_ description: String, _ item: D) -> D {
        [
            "description": description,
            "content": ["application/json": ["schema": listSchema(item)], "text/csv": ["schema": ty("string")]],
        ]
    }

    static func schema(_ f: Field) -> D {
        switch f.kind {
        // A required text holds something besides spaces.
        case .text(let max) where f.required: return ["type": "string", "maxLength": max, "pattern": "\\S"]
        case .text(let max): return ["type": "string", "maxLength": max]
        case .integer(let lo, let hi): return ["type": "integer", "minimum": lo, "maximum": hi]
        case .flag: return ty("boolean")
        case .area:
            return [
                "type": "string", "pattern": "^[0-9]+(\\.[0-9]{1,2})?$", "description": "m², two decimals",
                "example": "85.60",
            ]
        case .reference: return ["type": "integer", "format": "int64", "minimum": 1]
        case .choice(let options): return ["type": "string", "enum": options]
        case .phone: return ["type": "string", "maxLength": 20]
        case .degrees:
            return [
                "type": "number", "minimum": f.name == "lat" ? 0.8293 : 72.004,
                "maximum": f.name == "lat" ? 55.8271 : 137.8347, "description": "WGS-84 degrees, inside China",
            ]
        }
    }

    /// A schema that also takes null; an enum lists null among its values, as OpenAPI 3.0 validators read it.
    static func nullable(_ schema: D) -> D {
        var s = schema
        s["nullable"] = true
        if let values = s["enum"] as? [Any] { s["enum"] = values + [NSNull()] }
        return s
    }

    static func recordName(_ spec: ResourceSpec) -> String {
        let singular = spec.name == "subdistricts" ? "subdistrict" : String(spec.name.dropLast())
        return singular.prefix(1).uppercased() + singular.dropFirst()
    }

    static func recordSchema(_ spec: ResourceSpec) -> D {
        var props: D = ["id": ["type": "integer", "format": "int64"], "version": ty("integer")]
        for f in spec.fields {
            props[f.name] = f.required || f.kind == .flag ? schema(f) : nullable(schema(f))
            // A personal flag is null for roles that may not read personal data.
            if f.kind == .flag && f.personal { props[f.name] = nullable(schema(f)) }
        }
        if spec.name == "households" { props["residents"] = ["type": "array", "items": ref("HouseholdResident")] }
        if spec.name == "residents" { props["households"] = ["type": "array", "items": ty("object")] }
        return ["type": "object", "properties": props]
    }

    static func inputSchema(_ spec: ResourceSpec, creating: Bool) -> D {
        let inherited = Set(spec.inherit?.columns.map(\.0) ?? [])
        let fields = spec.fields.filter { (creating || $0.updatable) && !inherited.contains($0.name) }
        // An optional field may be null: in a new record it stays unset, in a change null clears it.
        func input(_ f: Field) -> D { f.required || f.kind == .flag ? schema(f) : nullable(schema(f)) }
        var s: D = [
            "type": "object", "additionalProperties": false,
            "properties": Dictionary(uniqueKeysWithValues: fields.map { ($0.name, input($0) as Any) }),
        ]
        if creating && spec.name == "residents", var props = s["properties"] as? D {
            props["household_id"] = [
                "type": "integer", "format": "int64", "minimum": 1,
                "description": "link the new resident to this household",
            ]
            props["relation"] = ["type": "string", "enum": ResidentRelation.allCases.map(\.rawValue)]
            props["lives_elsewhere"] = ty("boolean")
            s["properties"] = props
        }
        if spec.field("lat") != nil, var props = s["properties"] as? D {
            var datum = nullable(["type": "string", "enum": Datum.allCases.map(\.rawValue)])
            datum["description"] =
                "the datum lat and lon were copied in (null or absent: wgs84); gcj02 (Chinese web maps) is converted"
            props["datum"] = datum
            s["properties"] = props
        }
        let required = fields.filter(\.required).map(\.name)
        if creating && !required.isEmpty { s["required"] = required }
        return s
    }

    static func resourcePaths(_ spec: ResourceSpec) -> D {
        let name = spec.name
        let record = ref(recordName(spec))
        let located = spec.field("lat") != nil
        var listParams =
            pagingParams + [
                param("q", "query", "string"),
                enumParam("format", located ? ["json", "csv", "geojson"] : ["json", "csv"]),
            ]
        for f in spec.filters.keys.sorted() {
            // Every filter is an id except a choice field's value (an organisation's kind).
            if let field = spec.fields.first(where: { $0.name == f }), case .choice = field.kind {
                listParams.append(["name": f, "in": "query", "required": false, "schema": schema(field)])
            } else {
                listParams.append(idFilter(f))
            }
        }
        var listOK: D = [
            "description": "a page of \(name)",
            "content": ["application/json": ["schema": listSchema(record)], "text/csv": ["schema": ty("string")]],
        ]
        if located {
            listOK["description"] =
                "a page of \(name), or with format=geojson all of them as a GeoJSON FeatureCollection"
            listOK["content"] = [
                "application/json": ["schema": listSchema(record)], "text/csv": ["schema": ty("string")],
                "application/geo+json": ["schema": ref("FeatureCollection")],
            ]
        }
        return [
            "/api/v1/\(name)": [
                "get": op(
                    "List \(name)", id: "list_\(name)", tag: name, params: listParams,
                    responses: responses(["200": listOK])),
                "post": op(
                    "Create one of \(name)", id: "create_\(name)", tag: name, body: inputSchema(spec, creating: true),
                    responses: responses(["201": response("created", record), "409": rresp("Conflict")])),
            ],
            "/api/v1/\(name)/{id}": [
                "get": op(
                    "Read one of \(name)", id: "read_\(name)", tag: name, params: [idParam],
                    responses: responses(["200": response("the record", record), "304": response("not modified")])),
                "patch": op(
                    "Update one of \(name)", id: "update_\(name)", tag: name, params: [idParam, ifMatch],
                    body: inputSchema(spec, creating: false),
                    responses: responses([
                        "200": response("updated", record), "409": rresp("Conflict"), "412": rresp("Stale"),
                    ])),
                "delete": op(
                    "Delete one of \(name)", id: "delete_\(name)", tag: name, params: [idParam, ifMatch],
                    responses: responses(["204": response("deleted"), "409": rresp("Conflict"), "412": rresp("Stale")])),
            ],
        ]
    }

    static func build() -> D {
        let specs = ResourceSpec.all + [ResourceSpec.subdistricts]
        var paths: D = [:]
        for s in specs { paths.merge(resourcePaths(s)) { a, _ in a } }
        paths["/healthz"] = [
            "get": op(
                "Health", id: "healthz", tag: "ops",
                responses: ["200": response("healthy", ty("object")), "503": response("migrating")], open: true)
        ]
        paths["/metrics"] = [
            "get": [
                "summary": "Prometheus metrics", "operationId": "metrics", "tags": ["ops"], "security": [D](),
                "responses": ["200": ["description": "metrics", "content": ["text/plain": ["schema": ty("string")]]]],
            ]
        ]
        paths["/api/v1/openapi.json"] = [
            "get": op(
                "OpenAPI document", id: "openapi", tag: "ops",
                responses: ["200": response("this document", ty("object"))], open: true)
        ]
        paths.merge(accountPaths()) { a, _ in a }
        paths.merge(registryPaths()) { a, _ in a }
        paths.merge(voteReportAndCalendarPaths()) { a, _ in a }
        paths.merge(safetyPaths()) { a, _ in a }
        paths.merge(investmentPaths()) { a, _ in a }
        var schemas: D = Dictionary(uniqueKeysWithValues: specs.map { (recordName($0), recordSchema($0) as Any) })
        schemas["Error"] = [
            "type": "object", "required": ["error"],
            "properties": [
                "error": [
                    "type": "object", "required": ["code", "message"],
                    "properties": [
                        "code": ty("string"), "message": ty("string"), "field": ["type": "string", "nullable": true],
                        "errors": [
                            "type": "array",
                            "description": "Every wrong field, this one first, when several fields are wrong.",
                            "items": [
                                "type": "object", "required": ["code", "message"],
                                "properties": [
                                    "code": ty("string"), "message": ty("string"),
                                    "field": ["type": "string", "nullable": true],
                                ],
                            ],
                        ],
                    ],
                ]
            ],
        ]
        schemas["User"] = [
            "type": "object",
            "properties": [
                "id": ty("integer"), "username": ty("string"), "role": ty("string"),
                "scope": ty("string"), "display_name": ty("string"), "disabled": ty("boolean"), "locked": ty("boolean"),
                "created_at": ty("string"), "version": ty("integer"),
            ],
        ]
        schemas["HouseholdResident"] = [
            "type": "object",
            "properties": [
                "resident_id": ty("integer"), "name": ty("string"),
                "phone": ty("string"), "relation": ty("string"), "lives_elsewhere": ty("boolean"),
            ],
        ]
        schemas["AuditEntry"] = [
            "type": "object",
            "properties": [
                "id": ty("integer"), "at": ty("string"), "username": ty("string"),
                "action": ty("string"), "entity": ty("string"), "entity_id": ["type": "integer", "nullable": true],
                "before": ["type": "string", "nullable": true], "after": ["type": "string", "nullable": true],
                "address": ["type": "string", "nullable": true],
            ],
        ]
        schemas["Vote"] = [
            "type": "object",
            "properties": [
                "id": ty("integer"), "title": ty("string"), "matter": ty("integer"),
                "compound_id": ty("integer"), "electorate": ty("object"),
                "status": ["type": "string", "enum": ["draft", "open", "closed"]],
                "thresholds": ty("object"), "eligible_households": ty("integer"), "ballots_cast": ty("integer"),
                "created_at": ty("string"), "opened_at": ["type": "string", "nullable": true],
                "closed_at": ["type": "string", "nullable": true],
                "version": ty("integer"),
                "result": [
                    "type": "object", "nullable": true,
                    "properties": [
                        "eligible_owners": ty("integer"), "participating_owners": ty("integer"),
                        "approving_owners": ty("integer"), "eligible_area": ty("string"),
                        "participating_area": ty("string"),
                        "approving_area": ty("string"), "quorum_met": ty("boolean"), "passed": ty("boolean"),
                    ],
                ],
            ],
        ]
        schemas["Report"] = [
            "type": "object",
            "properties": [
                "id": ty("integer"), "compound_id": ty("integer"),
                "building_id": ["type": "integer", "nullable": true], "category": ty("string"),
                "description": ty("string"),
                "photos": ["type": "array", "items": ty("integer")], "reporter_name": ty("string"),
                "reporter_phone": ty("string"),
                "state": ["type": "string", "enum": ReportState.allCases.map(\.rawValue)],
                "ball_in_court": [
                    "type": "string",
                    "enum": ["office", "contractor", "reporter", "none", "department", "property_company"],
                ],
                "assignee_organisation_id": ["type": "integer", "nullable": true],
                "assignee_name": ["type": "string", "nullable": true], "state_since": ty("string"),
                "due_on": ["type": "string", "nullable": true], "overdue": ty("boolean"), "submitted_at": ty("string"),
                "version": ty("integer"),
                "history": ["type": "array", "items": ty("object")],
            ],
        ]
        schemas["ImportReport"] = [
            "type": "object",
            "properties": [
                "dry_run": ty("boolean"), "applied": ty("boolean"),
                "rows": ty("integer"), "error_count": ty("integer"),
                "errors": ["type": "array", "items": ty("object")],
                // How the file was read: format, sheets read (header_row, columns, ignored_columns, filled_down),
                // skipped_sheets.
                "reading": ["type": "object", "nullable": true],
                "reading_summary": ["type": "array", "items": ty("string")],
            ],
        ]
        programme(&paths, &schemas)
        participation(&paths)
        coordination(&paths, &schemas)
        stewards(&paths, &schemas)
        volunteers(&paths, &schemas)
        zones(&paths, &schemas)
        events(&paths, &schemas)
        func err(_ d: String) -> D { response(d, ref("Error")) }
        return [
            "openapi": "3.0.3",
            "info": [
                "title": "Courtyard API", "version": "1.0.0",
                "description":
                    "Registry, accounts, votes, reports, projects, schedules and bulletins of the Courtyard renewal programme. Every error has the body {\"error\": {\"code\", \"message\", \"field\"}}: a stable code, and a message in Chinese unless the request asks for English (?lang=en or Accept-Language: en).",
            ],
            "servers": [["url": "/"]],
            "security": [["bearer": [String]()]],
            "paths": paths,
            "components": [
                "securitySchemes": ["bearer": ["type": "http", "scheme": "bearer"]],
                "schemas": schemas,
                "responses": [
                    "BadRequest": err("malformed request"), "Unauthorized": err("not signed in"),
                    "Forbidden": err("the role may not do this"), "NotFound": err("no such record in your scope"),
                    "Conflict": err("conflicts with existing data"),
                    "Stale": err("If-Match does not match the current version"),
                    "Unprocessable": err("a field is invalid"),
                ],
            ],
        ]
    }
}
