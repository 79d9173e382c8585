import CourtyardDomain
import CourtyardStore

/// Participation and integrations in the OpenAPI document: questionnaires, notices, reviews, webhooks, Open311 keys, service levels.
extension OpenAPIDocument {
    static func participation(_ paths: inout D) {
        let any = ty("object")
        let date: D = ["type": "string", "format": "date"]
        func conflict(_ own: D) -> D { responses(own.merging(["409": rresp("Conflict")]) { a, _ in a }) }
        let question: D = [
            "type": "object", "required": ["text", "type"],
            "properties": [
                "text": ty("string"),
                "type": ["type": "string", "enum": QuestionType.allCases.map(\.rawValue)],
                "options": ["type": "array", "items": ty("string")], "required": ty("boolean"),
            ],
        ]
        paths["/api/v1/questionnaires"] = [
            "get": op(
                "List questionnaires", id: "list_questionnaires", tag: "participation",
                params: [idFilter("compound_id")] + pagingParams,
                responses: responses(["200": response("questionnaires", listSchema(any))])),
            "post": op(
                "Draft a questionnaire for a compound", id: "create_questionnaire", tag: "participation",
                body: [
                    "type": "object",
                    "required": ["compound_id", "kind", "title", "questions", "opens_on", "closes_on"],
                    "properties": [
                        "compound_id": ty("integer"), "project_id": ty("integer"),
                        "kind": ["type": "string", "enum": QuestionnaireKind.allCases.map(\.rawValue)],
                        "title": ty("string"), "questions": ["type": "array", "items": question], "opens_on": date,
                        "closes_on": date,
                    ],
                ],
                responses: responses(["201": response("the draft", any)])),
        ]
        paths["/api/v1/questionnaires/{id}"] = [
            "get": readOne(
                "Read a questionnaire", id: "read_questionnaire", tag: "participation", "the questionnaire", any),
            "patch": op(
                "Correct a draft: the fields sent replace its own", id: "update_questionnaire", tag: "participation",
                params: [idParam],
                body: [
                    "type": "object",
                    "properties": [
                        "kind": ["type": "string", "enum": QuestionnaireKind.allCases.map(\.rawValue)],
                        "title": ty("string"), "questions": ["type": "array", "items": question], "opens_on": date,
                        "closes_on": date,
                    ],
                ],
                responses: responses(["200": response("the draft", any), "409": rresp("Conflict")])),
            "delete": op(
                "Discard a draft", id: "delete_questionnaire", tag: "participation", params: [idParam],
                responses: responses(["204": ["description": "discarded"], "409": rresp("Conflict")])),
        ]
        for (action, summary) in [
            ("publish", "Publish: the questions are frozen"),
            ("close", "Close now; ended early, closes_on becomes today and planned_closes_on keeps the day planned"),
        ] {
            paths["/api/v1/questionnaires/{id}/\(action)"] = [
                "post": op(
                    summary, id: "\(action)_questionnaire", tag: "participation", params: [idParam],
                    responses: conflict(["200": response("the questionnaire", any)]))
            ]
        }
        paths["/api/v1/questionnaires/{id}/responses"] = [
            "post": op(
                "Enter a paper response (one per household; a paper number once)",
                id: "enter_response", tag: "participation", params: [idParam],
                body: [
                    "type": "object", "required": ["household_id", "paper_number", "answers"],
                    "properties": [
                        "household_id": ty("integer"),
                        "channel": ["type": "string", "enum": ["paper"]], "paper_number": ty("string"),
                        "answers": ["type": "array", "items": [String: Any]()],
                    ],
                ],
                responses: conflict(["201": response("recorded", any)])),
            "get": op(
                "The live paper responses the caller may void: the office every one; whoever else enters them, their "
                    + "own of today. Newest first; find keeps a paper number, room or building-entrance-room",
                id: "list_entered_responses", tag: "participation",
                params: [idParam, param("find", "query", "string")],
                responses: responses([
                    "200": response(
                        "entered paper responses",
                        [
                            "type": "object", "required": ["items", "total"],
                            "properties": [
                                "items": [
                                    "type": "array",
                                    "items": [
                                        "type": "object",
                                        "required": [
                                            "id", "household_id", "household", "paper_number", "entered_by", "at",
                                            "answers",
                                        ],
                                        "properties": [
                                            "id": ty("integer"), "household_id": ty("integer"),
                                            "household": ty("string"), "paper_number": ty("string"),
                                            "entered_by": ty("string"), "at": ty("string"),
                                            "answers": ["type": "array", "items": [:]],
                                        ],
                                    ],
                                ],
                                "total": ty("integer"),
                            ],
                        ])
                ])),
        ]
        paths["/api/v1/questionnaires/{id}/responses/{response_id}/void"] = [
            "post": op(
                "Void a paper response entered wrongly, so its paper may be entered again: the office any; whoever "
                    + "entered one, on that day (else 409 response_not_yours or response_past_day); only while the "
                    + "questionnaire takes responses (else 409 not_open)",
                id: "void_response", tag: "participation", params: [idParam, param("response_id", "path")],
                body: ["type": "object", "required": ["reason"], "properties": ["reason": ty("string")]],
                responses: conflict(["204": response("voided")]))
        ]
        paths["/api/v1/questionnaires/{id}/map.svg"] = [
            "get": svgChart(
                "The battle map of who has answered (not what): a cell per household of the compound",
                id: "questionnaire_map", tag: "participation")
        ]
        paths["/api/v1/questionnaires/{id}/results"] = [
            "get": [
                "summary": "Results by question and building, with the response rate",
                "operationId": "questionnaire_results", "tags": ["participation"],
                "parameters": [
                    idParam, enumParam("format", ["json", "csv", "xlsx"]), enumParam("lang", ["zh-Hans", "en"]),
                ],
                "responses": responses([
                    "200": [
                        "description": "results",
                        "content": [
                            "application/json": ["schema": any], "text/csv": ["schema": ty("string")],
                            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": [
                                "schema": ["type": "string", "format": "binary"]
                            ],
                        ],
                    ]
                ]),
            ]
        ]

        paths["/api/v1/notices"] = [
            "get": op(
                "List public notices", id: "list_notices", tag: "participation",
                params: [idFilter("compound_id")] + pagingParams,
                responses: responses(["200": response("notices", listSchema(any))])),
            "post": op(
                "Draft a public notice", id: "create_notice", tag: "participation",
                body: [
                    "type": "object", "required": ["compound_id", "kind", "title", "body", "starts_on", "ends_on"],
                    "properties": [
                        "compound_id": ty("integer"), "project_id": ty("integer"),
                        "kind": ["type": "string", "enum": NoticeRepository.Kind.allCases.map(\.rawValue)],
                        "title": ty("string"), "body": ty("string"),
                        "attachments": ["type": "array", "items": ty("integer")], "starts_on": date, "ends_on": date,
                    ],
                ],
                responses: responses(["201": response("the draft", any)])),
        ]
        paths["/api/v1/notices/{id}"] = [
            "get": readOne(
                "Read a notice with its objections", id: "read_notice", tag: "participation", "the notice", any)
        ]
        paths["/api/v1/notices/{id}/publish"] = [
            "post": op(
                "Publish a notice", id: "publish_notice", tag: "participation", params: [idParam],
                responses: conflict(["200": response("published", any)]))
        ]
        paths["/api/v1/notices/{id}/objections"] = [
            "post": op(
                "Object while the notice is on display (no account needed)", id: "object_notice",
                tag: "participation", params: [idParam],
                body: [
                    "type": "object", "required": ["text"],
                    "properties": [
                        "text": ty("string"),
                        "name": ty("string"), "phone": ty("string"),
                    ],
                ],
                responses: conflict([
                    "201": response(
                        "recorded, with the code to look the answer up by on /public/reports/track",
                        [
                            "type": "object", "required": ["id", "notice_id", "tracking_code"],
                            "properties": [
                                "id": ty("integer"), "notice_id": ty("integer"), "tracking_code": ty("string"),
                            ],
                        ]),
                    "429": response("too many from this address", ref("Error")),
                ]), open: true)
        ]
        paths["/api/v1/notices/{id}/objections/{objection}/reply"] = [
            "post": op(
                "Answer an objection (reply_version as read, 0 for none: an answer saved meanwhile is a 409)",
                id: "reply_objection", tag: "participation", params: [idParam, param("objection", "path")],
                body: [
                    "type": "object", "required": ["reply"],
                    "properties": [
                        "reply": ty("string"),
                        "reply_version": ["type": "integer", "nullable": true, "minimum": 0, "maximum": 2_147_483_647],
                    ],
                ],
                responses: conflict(["200": response("the notice", any)]))
        ]
        paths["/api/v1/projects/{id}/expert_reviews"] = [
            "get": op(
                "A project's expert reviews", id: "list_expert_reviews", tag: "participation",
                params: [idParam] + pagingParams,
                responses: responses(["200": response("reviews", listSchema(any))])),
            "post": op(
                "Record an expert review", id: "add_expert_review", tag: "participation", params: [idParam],
                body: [
                    "type": "object", "required": ["date", "experts", "conclusion"],
                    "properties": [
                        "date": date,
                        "experts": [
                            "type": "array",
                            "items": [
                                "type": "object",
                                "properties": [
                                    "name": ty("string"), "affiliation": ty("string"), "opinion": ty("string"),
                                ],
                            ],
                        ],
                        "conclusion": ["type": "string", "enum": NoticeRepository.Conclusion.allCases.map(\.rawValue)],
                        "summary": ty("string"),
                    ],
                ],
                responses: responses(["201": response("recorded", any)])),
        ]

        paths["/api/v1/webhooks"] = [
            "get": op(
                "List webhooks (without secrets)", id: "list_webhooks", tag: "integrations", params: pagingParams,
                responses: responses(["200": response("webhooks", listSchema(any))])),
            "post": op(
                "Add a webhook; bodies are signed with HMAC-SHA256 in X-Courtyard-Signature", id: "add_webhook",
                tag: "integrations",
                body: [
                    "type": "object", "required": ["url", "events", "secret"],
                    "properties": [
                        "url": ty("string"),
                        "events": ["type": "array", "items": ["type": "string", "enum": Outbox.events + ["*"]]],
                        "secret": ["type": "string", "minLength": 16],
                    ],
                ],
                responses: responses(["201": response("added", any)])),
        ]
        paths["/api/v1/webhooks/{id}"] = [
            "delete": op(
                "Remove a webhook", id: "remove_webhook", tag: "integrations", params: [idParam],
                responses: responses(["204": response("removed")]))
        ]
        paths["/api/v1/outbox"] = [
            "get": op(
                "Notifications waiting, delivered or failed", id: "list_outbox", tag: "integrations",
                params: pagingParams,
                responses: responses(["200": response("the outbox", listSchema(any))]))
        ]
        paths["/api/v1/open311/keys"] = [
            "post": op(
                "Issue an Open311 api_key (shown once)", id: "add_open311_key", tag: "integrations",
                body: [
                    "type": "object", "required": ["name"],
                    "properties": ["name": ty("string"), "subdistrict_id": ty("integer")],
                ],
                responses: responses([
                    "201": response(
                        "the key",
                        [
                            "type": "object",
                            "properties": [
                                "id": ty("integer"), "name": ty("string"),
                                "subdistrict_id": ty("integer"), "api_key": ty("string"),
                            ],
                        ])
                ]))
        ]
        let levels: D = [
            "type": "object",
            "properties": [
                "subdistrict_id": ty("integer"), "acknowledge_days": ty("integer"), "fix_days": ty("integer"),
                "source": ["type": "string", "enum": ["default", "office"]],
            ],
        ]
        paths["/api/v1/service_levels"] = [
            "get": op(
                "The office's service levels for reports", id: "read_service_levels", tag: "integrations",
                params: [idFilter("subdistrict_id")],
                responses: responses(["200": response("levels", levels)])),
            "put": op(
                "Set the office's service levels, in working days", id: "put_service_levels", tag: "integrations",
                body: [
                    "type": "object", "required": ["acknowledge_days", "fix_days"],
                    "properties": [
                        "subdistrict_id": ty("integer"),
                        "acknowledge_days": ["type": "integer", "minimum": 1, "maximum": 30],
                        "fix_days": ["type": "integer", "minimum": 1, "maximum": 90],
                    ],
                ],
                responses: responses(["200": response("levels", levels)])),
        ]
    }
}
