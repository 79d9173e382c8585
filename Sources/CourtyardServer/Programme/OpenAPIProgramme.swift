import CourtyardDomain
import CourtyardStore

/// The renovation programme's part of the OpenAPI document: projects, schedules, the ledger and bulletins.
extension OpenAPIDocument {
    /// A batch year, as projects take it (2000 to 2100).
    static func yearParam(required: Bool) -> D {
        [
            "name": "batch_year", "in": "query", "required": required,
            "schema": ["type": "integer", "format": "int64", "minimum": 2000, "maximum": 2100],
        ]
    }

    static func programme(_ paths: inout D, _ schemas: inout D) {
        let project = ref("Project")
        let any = ty("object")
        let date: D = ["type": "string", "format": "date"]
        let ids: D = ["type": "array", "items": ty("integer")]
        // An organisation and the planned start may be unset: null in a record, and null in a change clears them.
        let nullableID: D = ["type": "integer", "format": "int64", "nullable": true]
        let orgFields: D = [
            "contractor_id": nullableID, "supervisor_id": nullableID, "designer_id": nullableID,
            "pm_company_id": nullableID,
        ]
        let maybeDate = date.merging(["nullable": true]) { _, b in b }
        let projectBody = orgFields.merging([
            "deadline": date, "planned_start": maybeDate,
            "is_model": ty("boolean"), "model_writeup": ["type": "string", "maxLength": 2000],
        ]) { a, _ in a }
        let p = "/api/v1/projects/{id}"
        func conflict(_ own: D) -> D { responses(own.merging(["409": rresp("Conflict")]) { a, _ in a }) }

        paths["/api/v1/work_catalogue"] = [
            "get": op(
                "The national catalogue of work items", id: "work_catalogue", tag: "projects",
                responses: responses(["200": response("categories and items", any)]))
        ]
        paths["/api/v1/projects"] = [
            "get": op(
                "List projects", id: "list_projects", tag: "projects",
                params: [
                    yearParam(required: false), idFilter("compound_id"), idFilter("community_id"),
                    enumParam("stage", ProjectStage.allCases.map(\.rawValue)),
                    enumParam("format", ["json", "csv"]),
                    // With format=csv, zh-Hans gives Chinese headers and stage names, and the budget in 万元.
                    enumParam("lang", ["zh-Hans", "en"]),
                ] + pagingParams,
                responses: responses(["200": listWithCSV("projects", project)])),
            "post": op(
                "Create a project: one compound in one batch year", id: "create_project", tag: "projects",
                body: [
                    "type": "object", "required": ["compound_id", "batch_year", "deadline"],
                    "properties": projectBody.merging(["compound_id": ty("integer"), "batch_year": ty("integer")]) {
                        a, _ in a
                    },
                ],
                responses: conflict(["201": response("created", project)])),
        ]
        paths[p] = [
            "get": op(
                "Read a project with its plan, gates and acceptances", id: "read_project", tag: "projects",
                params: [idParam],
                responses: responses(["200": response("the project", project)])),
            "patch": op(
                "Change a project", id: "update_project", tag: "projects", params: [idParam, ifMatch],
                body: ["type": "object", "properties": projectBody],
                responses: responses(["200": response("changed", project), "412": rresp("Stale")])),
        ]
        paths[p + "/work_items"] = [
            "post": op(
                "Add a work item to the tailored plan", id: "add_work_item", tag: "projects", params: [idParam],
                body: [
                    "type": "object", "required": ["code", "quantity", "budget_fen"],
                    "properties": [
                        "code": ty("string"), "name": ty("string"),
                        "quantity": ["oneOf": [ty("integer"), ty("string")]], "unit": ty("string"),
                        "budget_fen": ty("integer"),
                    ],
                ],
                responses: responses(["201": response("the project", project)]))
        ]
        paths[p + "/work_items/{item}"] = [
            "delete": op(
                "Remove a work item", id: "delete_work_item", tag: "projects",
                params: [idParam, param("item", "path")], responses: conflict(["200": response("the project", project)])
            )
        ]
        paths[p + "/advance"] = [
            "post": op(
                "Pass the gate into the next stage", id: "advance_project", tag: "projects", params: [idParam],
                body: [
                    "type": "object",
                    "properties": [
                        "evidence": [
                            "type": "array",
                            "items": [
                                "oneOf": [
                                    [
                                        "type": "object", "required": ["kind", "id"], "additionalProperties": false,
                                        "properties": [
                                            "kind": ["type": "string", "enum": EvidenceKind.allCases.map(\.rawValue)],
                                            "id": ty("integer"),
                                        ],
                                    ],
                                    [
                                        "type": "object", "required": ["kind", "attachment_id", "document_type"],
                                        "additionalProperties": false,
                                        "properties": [
                                            "kind": ["type": "string", "enum": ["document"]],
                                            "attachment_id": ty("integer"),
                                            "document_type": [
                                                "type": "string", "enum": DocumentType.allCases.map(\.rawValue),
                                            ],
                                        ],
                                    ],
                                ]
                            ],
                        ], "note": ty("string"),
                    ],
                ],
                responses: conflict(["200": response("advanced", project)]))
        ]
        paths["/api/v1/gates"] = [
            "get": op(
                "The stage gates, each with the records and document types it takes", id: "list_gates",
                tag: "projects",
                responses: responses([
                    "200": response(
                        "the gates",
                        [
                            "type": "object", "required": ["items", "next_cursor"],
                            "properties": [
                                "next_cursor": ["type": "string", "nullable": true],
                                "items": [
                                    "type": "array",
                                    "items": [
                                        "type": "object",
                                        "required": ["gate", "from", "to", "record_kinds", "document_types"],
                                        "properties": [
                                            "gate": ty("string"), "from": ty("string"), "to": ty("string"),
                                            "record_kinds": [
                                                "type": "array",
                                                "items": [
                                                    "type": "string", "enum": EvidenceKind.allCases.map(\.rawValue),
                                                ],
                                            ],
                                            "document_types": [
                                                "type": "array",
                                                "items": [
                                                    "type": "string", "enum": DocumentType.allCases.map(\.rawValue),
                                                ],
                                            ],
                                        ],
                                    ],
                                ],
                            ],
                        ])
                ]))
        ]
        paths[p + "/acceptances"] = [
            "post": op(
                "Record an acceptance; a passed final one accepts the project", id: "add_acceptance", tag: "projects",
                params: [idParam],
                body: [
                    "type": "object", "required": ["kind", "date", "result", "participants"],
                    "properties": [
                        "kind": ["type": "string", "enum": ["intermediate", "final"]], "date": date,
                        "result": ["type": "string", "enum": ["passed", "failed"]],
                        "participants": [
                            "type": "array",
                            "items": [
                                "oneOf": [
                                    ty("string"),
                                    [
                                        "type": "object", "required": ["name", "role"],
                                        "properties": [
                                            "name": ["type": "string", "maxLength": 50],
                                            "role": [
                                                "type": "string",
                                                "enum": AcceptanceParticipant.Capacity.allCases.map(\.rawValue),
                                            ],
                                            "organisation_id": ["type": "integer", "format": "int64", "minimum": 1],
                                        ],
                                    ],
                                ]
                            ],
                        ],
                        "defects": ["type": "array", "items": ["type": "string", "maxLength": 500], "maxItems": 100],
                        "note": ty("string"),
                    ],
                ],
                responses: conflict(["201": response("the project", project)]))
        ]
        paths["/api/v1/attachments"] = [
            "post": [
                "summary": "Upload a photo or PDF", "operationId": "upload_attachment", "tags": ["attachments"],
                "requestBody": [
                    "required": true,
                    "content": [
                        "multipart/form-data": [
                            "schema": [
                                "type": "object", "required": ["file"],
                                "properties": ["file": ["type": "string", "format": "binary"]],
                            ]
                        ]
                    ],
                ],
                "responses": responses([
                    "201": response("stored", ["type": "object", "properties": ["id": ty("integer")]])
                ]),
            ]
        ]
        paths["/api/v1/attachments/{id}"] = [
            "get": [
                "summary": "Read an attachment", "operationId": "read_attachment", "tags": ["attachments"],
                "parameters": [idParam],
                "responses": responses([
                    "200": [
                        "description": "the file",
                        "content": [
                            "application/pdf": ["schema": ["type": "string", "format": "binary"]],
                            "image/jpeg": ["schema": ["type": "string", "format": "binary"]],
                            "image/png": ["schema": ["type": "string", "format": "binary"]],
                            "image/webp": ["schema": ["type": "string", "format": "binary"]],
                        ],
                    ]
                ]),
            ]
        ]

        let task: D = [
            "type": "object",
            "properties": [
                "name": ty("string"), "duration_days": ["type": "integer", "minimum": 1, "maximum": 999],
                "hidden_work": ty("boolean"),
                "depends_on": [
                    "type": "array",
                    "items": [
                        "oneOf": [
                            ty("integer"),
                            [
                                "type": "object", "required": ["task_id"],
                                "properties": [
                                    "task_id": ty("integer"),
                                    "lag_days": ["type": "integer", "minimum": 0, "maximum": 365],
                                ],
                            ],
                        ]
                    ],
                ],
                "work_item_id": ty("integer"), "actual_start": date, "actual_finish": date,
            ],
        ]
        paths[p + "/tasks"] = [
            "get": op(
                "List a project's tasks", id: "list_tasks", tag: "schedule", params: [idParam] + pagingParams,
                responses: responses(["200": response("tasks", listSchema(any))])),
            "post": op(
                "Add a task", id: "add_task", tag: "schedule", params: [idParam], body: task,
                responses: conflict(["201": response("the task", any)])),
        ]
        paths[p + "/tasks/{task}"] = [
            "patch": op(
                "Change a task; a dependency cycle is refused", id: "update_task", tag: "schedule",
                params: [idParam, param("task", "path"), ifMatch],
                body: task, responses: conflict(["200": response("the task", any), "412": rresp("Stale")])),
            "delete": op(
                "Remove a task", id: "delete_task", tag: "schedule", params: [idParam, param("task", "path")],
                responses: responses(["204": response("removed")])),
        ]
        // A schedule starts within this century: a start centuries away costs the server seconds of calendar.
        let startDate: D = ["type": "string", "format": "date", "pattern": "^20[0-9]{2}-[0-9]{2}-[0-9]{2}$"]
        let modeParams = [
            idParam, enumParam("mode", Schedule.Mode.allCases.map(\.rawValue)),
            ["name": "start", "in": "query", "required": false, "schema": startDate],
        ]
        paths[p + "/schedule"] = [
            "get": op(
                "Critical-path schedule in working days", id: "schedule", tag: "schedule", params: modeParams,
                responses: responses(["200": response("the schedule", ref("Schedule"))]))
        ]
        paths[p + "/baseline"] = [
            "post": op(
                "Freeze the current plan as the baseline", id: "set_baseline", tag: "schedule", params: modeParams,
                responses: conflict(["200": response("the schedule", ref("Schedule"))]))
        ]
        paths[p + "/gantt.svg"] = [
            "get": [
                "summary": "Gantt chart", "operationId": "gantt", "tags": ["schedule"], "parameters": modeParams,
                "responses": responses([
                    "200": ["description": "SVG", "content": ["image/svg+xml": ["schema": ty("string")]]]
                ]),
            ]
        ]

        let logFields: D = [
            "weather": ty("string"), "workers": ty("integer"), "work_done": ty("string"), "issues": ty("string"),
            "photos": ids,
            "progress": [
                "type": "array",
                "items": [
                    "type": "object",
                    "properties": [
                        "work_item_id": ty("integer"), "percent": ["type": "integer", "minimum": 0, "maximum": 100],
                    ],
                ],
            ],
        ]
        paths[p + "/site_logs"] = [
            "get": op(
                "The project's site logs", id: "list_site_logs", tag: "ledger",
                params: [idParam, enumParam("format", ["json", "csv"])] + pagingParams,
                responses: responses(["200": listWithCSV("site logs", any)])),
            "post": op(
                "Write the day's site log (in construction; one a day)", id: "add_site_log", tag: "ledger",
                params: [idParam],
                body: [
                    "type": "object", "required": ["date", "work_done"],
                    "properties": logFields.merging(["date": date]) { a, _ in a },
                ],
                responses: conflict(["201": response("the log", any)])),
        ]
        paths[p + "/site_logs/{log_id}"] = [
            "patch": op(
                "Correct a site log on the day it was written (its author only); the day stays", id: "correct_site_log",
                tag: "ledger", params: [idParam, param("log_id", "path"), ifMatch],
                body: ["type": "object", "properties": logFields],
                responses: conflict(["200": response("the log as corrected", any), "412": rresp("Stale")]))
        ]
        paths[p + "/checks"] = [
            "get": op(
                "Site checks with their findings", id: "list_checks", tag: "ledger",
                params: [idParam] + pagingParams,
                responses: responses(["200": response("checks", listSchema(any))])),
            "post": op(
                "Record a site check and its findings", id: "add_check", tag: "ledger", params: [idParam],
                body: [
                    "type": "object", "required": ["date", "items"],
                    "properties": [
                        "date": date,
                        "items": [
                            "type": "array",
                            "items": [
                                "type": "object",
                                "properties": ["item": ty("string"), "passed": ty("boolean"), "note": ty("string")],
                            ],
                        ],
                        "findings": [
                            "type": "array",
                            "items": [
                                "type": "object",
                                "properties": ["description": ty("string"), "photos": ids, "due_on": date],
                            ],
                        ],
                    ],
                ],
                responses: conflict(["201": response("the check", any)])),
        ]
        paths["/api/v1/findings/{id}/{step}"] = [
            "post": op(
                "Rectify, verify or reject a finding", id: "step_finding", tag: "ledger",
                params: [
                    idParam,
                    [
                        "name": "step", "in": "path", "required": true,
                        "schema": ["type": "string", "enum": ["rectify", "verify", "reject"]],
                    ],
                ],
                body: [
                    "type": "object",
                    "properties": [
                        "note": ty("string"),
                        "photos": [
                            "type": "array", "items": ty("integer"),
                            "maxItems": LedgerRepository.rectificationPhotosMax,
                            "description": "uploaded photos of the fix, with rectify only",
                        ],
                    ],
                ],
                responses: conflict(["200": response("the finding", any)]))
        ]

        let bulletin = ref("Bulletin")
        paths["/api/v1/bulletins"] = [
            "get": op(
                "List bulletins", id: "list_bulletins", tag: "bulletins",
                params: [yearParam(required: false)] + pagingParams,
                responses: responses(["200": response("bulletins", listSchema(any))])),
            "post": op(
                "Draft a bulletin", id: "draft_bulletin", tag: "bulletins",
                body: [
                    "type": "object", "required": ["as_of", "batch_year"],
                    "properties": [
                        "as_of": date, "batch_year": ty("integer"),
                        "subdistrict_id": ty("integer"),
                        "next_steps": ["type": "string", "maxLength": BulletinRepository.nextStepsMax],
                    ],
                ],
                responses: responses(["201": response("the draft", bulletin)])),
        ]
        paths["/api/v1/bulletins/{id}"] = [
            "get": [
                "summary": "Read a bulletin", "operationId": "read_bulletin", "tags": ["bulletins"],
                "parameters": [idParam, enumParam("format", ["json", "html", "csv", "xlsx"])],
                "responses": responses([
                    "200": [
                        "description": "the bulletin",
                        "content": [
                            "application/json": ["schema": bulletin],
                            "text/html": ["schema": ty("string")], "text/csv": ["schema": ty("string")],
                            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": [
                                "schema": ["type": "string", "format": "binary"]
                            ],
                        ],
                    ]
                ]),
            ],
            "patch": op(
                "Change a draft", id: "update_bulletin", tag: "bulletins", params: [idParam],
                body: [
                    "type": "object",
                    "properties": [
                        "as_of": date, "next_steps": ["type": "string", "maxLength": BulletinRepository.nextStepsMax],
                    ],
                ],
                responses: conflict(["200": response("the draft", bulletin)])),
            "delete": op(
                "Delete a draft", id: "delete_bulletin", tag: "bulletins", params: [idParam],
                responses: conflict(["204": response("deleted")])),
        ]
        paths["/api/v1/bulletins/{id}/publish"] = [
            "post": op(
                "Publish and freeze", id: "publish_bulletin", tag: "bulletins", params: [idParam],
                responses: conflict(["200": response("published", bulletin)]))
        ]
        paths["/api/v1/programme/progress"] = [
            "get": op(
                "Progress weighted by budget, rolled up", id: "programme_progress", tag: "bulletins",
                params: [
                    yearParam(required: true), enumParam("level", ["compound", "community", "subdistrict"]),
                    enumParam("format", ["json", "csv"]),
                ] + pagingParams,
                responses: responses(["200": listWithCSV("one row per unit", any)]))
        ]
        paths["/api/v1/programme/s-curve.svg"] = [
            "get": [
                "summary": "Planned against actual cumulative completion", "operationId": "s_curve",
                "tags": ["bulletins"], "parameters": [yearParam(required: true)],
                "responses": responses([
                    "200": ["description": "SVG", "content": ["image/svg+xml": ["schema": ty("string")]]]
                ]),
            ]
        ]

        let rates: D = Dictionary(uniqueKeysWithValues: Rates.keys.map { ($0, ty("number") as Any) })
        let counts: D = Dictionary(
            uniqueKeysWithValues: [
                "compounds_planned", "compounds_started", "compounds_completed", "households_planned",
                "households_started", "households_completed",
            ].map { ($0, ty("integer") as Any) })
        schemas["Bulletin"] = [
            "type": "object",
            "properties": [
                "id": ty("integer"), "batch_year": ty("integer"), "as_of": date,
                "issue_no": ["type": "integer", "nullable": true],
                "state": ["type": "string", "enum": ["draft", "published"]],
                "totals": ["type": "object", "properties": counts.merging(rates) { a, _ in a }],
                "change_pp": ["type": "object", "nullable": true, "properties": rates],
                "communities": ["type": "array", "items": any], "subdistricts": ["type": "array", "items": any],
                "compounds": ["type": "array", "items": any],
                "overdue": [
                    "type": "object",
                    "properties": [
                        "tasks": ["type": "array", "items": any], "findings": ["type": "array", "items": any],
                    ],
                ],
                // Requests to city departments filed in the bulletin's week, per department (see Coordination).
                "departments": ["type": "array", "items": any],
                // Each contractor's inspections, mean score and findings in the batch (see Safety).
                "contractors": ["type": "array", "items": any],
            ],
        ]
        schemas["Project"] = [
            "type": "object",
            "properties": projectBody.merging([
                "id": ty("integer"), "compound_id": ty("integer"), "compound_name": ty("string"),
                "community_id": ty("integer"), "batch_year": ty("integer"),
                "stage": ["type": "string", "enum": ProjectStage.allCases.map(\.rawValue)],
                "started_on": ["type": "string", "nullable": true],
                "completed_on": ["type": "string", "nullable": true], "percent_complete": ty("number"),
                "budget_fen": ty("integer"),
                "households": ty("integer"), "version": ty("integer"),
            ]) { a, _ in a },
        ]
        schemas["Schedule"] = [
            "type": "object",
            "properties": [
                "mode": ty("string"), "start": date, "finish": date, "deadline": date,
                "calendar_years": [
                    "type": "array",
                    "items": [
                        "type": "object", "required": ["year", "source"],
                        "properties": [
                            "year": ty("integer"),
                            "source": ["type": "string", "enum": ["published", "entered", "weekdays"]],
                        ],
                    ],
                ],
                "tasks": [
                    "type": "array",
                    "items": [
                        "type": "object",
                        "properties": [
                            "id": ty("integer"), "name": ty("string"),
                            "early_start": date, "early_finish": date, "late_start": date, "late_finish": date,
                            "total_float": ty("integer"), "critical": ty("boolean"),
                        ],
                    ],
                ],
            ],
        ]
    }
}
