import CourtyardDomain

/// The Safety feature's part of the OpenAPI document.
extension OpenAPIDocument {
    static func safetyPaths() -> D {
        var paths: D = [:]
        let date: D = ["type": "string", "format": "date"]
        let id: D = ["type": "integer", "format": "int64", "minimum": 1]
        let text: D = ["type": "string", "maxLength": 2000]
        let object = ty("object")
        // Optional fields take null as well as leaving them out.
        let optId = nullable(id)
        let optText = nullable(text)
        let created = { (what: String) -> D in
            responses(["201": response(what, object), "409": rresp("Conflict")])
        }
        let list = { (what: String) -> D in responses(["200": response(what, listSchema(object))]) }
        let year: D = [
            "name": "batch_year", "in": "query", "required": false,
            "schema": ["type": "integer", "minimum": 2000, "maximum": 2100],
        ]
        paths["/api/v1/safety/agreements"] = [
            "post": op(
                "Record a contractor's safety responsibility agreement for a batch", id: "create_safety_agreement",
                tag: "safety",
                body: [
                    "type": "object", "required": ["organisation_id", "batch_year", "signed_on"],
                    "properties": [
                        "organisation_id": id, "batch_year": ["type": "integer", "minimum": 2000, "maximum": 2100],
                        "signed_on": date, "targets": optText, "attachment_id": optId,
                    ],
                ], responses: created("the agreement")),
            "get": op(
                "Safety agreements", id: "list_safety_agreements", tag: "safety", params: [year] + pagingParams,
                responses: list("agreements")),
        ]
        paths["/api/v1/safety/emergency_plans"] = [
            "post": op(
                "Record an approved emergency plan and the projects it covers", id: "create_emergency_plan",
                tag: "safety",
                body: [
                    "type": "object", "required": ["organisation_id", "project_ids", "approved_on"],
                    "properties": [
                        "organisation_id": id,
                        "project_ids": ["type": "array", "items": id, "minItems": 1, "maxItems": 500],
                        "approved_on": date, "attachment_id": optId,
                    ],
                ], responses: created("the plan")),
            "get": op(
                "Emergency plans with their drills", id: "list_emergency_plans", tag: "safety", params: pagingParams,
                responses: list("plans")),
        ]
        paths["/api/v1/safety/emergency_plans/{id}/drills"] = [
            "post": op(
                "Record a drill of a plan", id: "add_drill", tag: "safety", params: [idParam],
                body: [
                    "type": "object", "required": ["date", "attendance"],
                    "properties": [
                        "date": date, "attendance": ["type": "integer", "minimum": 1, "maximum": 10000],
                        "note": optText,
                    ],
                ], responses: created("the plan"))
        ]
        paths["/api/v1/safety/contractors"] = [
            "get": op(
                "Each contractor's inspections, mean score, findings and days to rectify",
                id: "contractor_safety", tag: "safety", params: [year] + pagingParams, responses: list("contractors"))
        ]
        paths["/api/v1/projects/{id}/trainings"] = [
            "post": op(
                "Record a pre-job safety training", id: "add_training", tag: "safety", params: [idParam],
                body: [
                    "type": "object", "required": ["date", "trainer", "topics", "trainees"],
                    "properties": [
                        "date": date, "trainer": ["type": "string", "maxLength": 100], "topics": text,
                        "trainees": [
                            "type": "array", "minItems": 1, "maxItems": 500,
                            "items": [
                                "type": "object", "required": ["name", "trade"],
                                "properties": [
                                    "name": ["type": "string", "maxLength": 50],
                                    "trade": ["type": "string", "maxLength": 50],
                                ],
                            ],
                        ],
                        "attachment_id": optId,
                    ],
                ], responses: created("the training")),
            "get": op(
                "A project's trainings (trainees' names masked without access to personal data)",
                id: "list_trainings", tag: "safety", params: [idParam] + pagingParams, responses: list("trainings")),
        ]
        let item: D = [
            "type": "object", "required": ["code", "name", "max_score", "must_pass"],
            "properties": [
                "code": ["type": "string", "maxLength": 40], "name": ["type": "string", "maxLength": 100],
                "max_score": ["type": "integer", "minimum": 1, "maximum": 100], "must_pass": ty("boolean"),
            ],
        ]
        paths["/api/v1/inspection_templates"] = [
            "get": op(
                "Inspection tables: shipped (JGJ 59-2011) and the office's own", id: "list_inspection_templates",
                tag: "safety", params: pagingParams, responses: list("templates")),
            "post": op(
                "Add the office's own inspection table", id: "create_inspection_template", tag: "safety",
                body: [
                    "type": "object", "required": ["name", "items"],
                    "properties": [
                        "name": ["type": "string", "maxLength": 100],
                        "items": ["type": "array", "items": item, "minItems": 1, "maxItems": 50],
                    ],
                ], responses: created("the template")),
        ]
        paths["/api/v1/projects/{id}/inspections"] = [
            "post": op(
                "Score an inspection; items below their maximum become findings", id: "inspect", tag: "safety",
                params: [idParam],
                body: [
                    "type": "object", "required": ["template_id", "date", "scores"],
                    "properties": [
                        "template_id": id, "date": date, "follows_up": optId,
                        "scores": [
                            "type": "array", "maxItems": 50,
                            "items": [
                                "type": "object", "required": ["item", "score"],
                                "properties": [
                                    "item": ["type": "string", "maxLength": 40],
                                    "score": ["type": "integer", "minimum": 0, "maximum": 100], "note": optText,
                                    "photos": nullable(["type": "array", "items": id, "maxItems": 10]),
                                ],
                            ],
                        ],
                    ],
                ], responses: created("the inspection")),
            "get": op(
                "A project's inspections", id: "list_inspections", tag: "safety", params: [idParam] + pagingParams,
                responses: list("inspections")),
        ]
        paths["/api/v1/projects/{id}/tasks/{task}/hidden_work_acceptance"] = [
            "post": op(
                "The supervisor accepts hidden works before they are covered", id: "accept_hidden_work",
                tag: "safety", params: [idParam, param("task", "path")],
                body: [
                    "type": "object", "required": ["date", "result", "photos"],
                    "properties": [
                        "date": date, "result": ["type": "string", "enum": ["passed", "failed"]],
                        "photos": ["type": "array", "items": id, "minItems": 1, "maxItems": 20], "note": optText,
                    ],
                ], responses: created("the acceptance"))
        ]
        return paths
    }
}
