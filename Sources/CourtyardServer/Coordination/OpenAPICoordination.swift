import CourtyardDomain
import CourtyardStore

/// The Coordination feature's part of the OpenAPI document: meetings, actions, department requests, the calendar feed.
extension OpenAPIDocument {
    static func coordination(_ paths: inout D, _ schemas: inout D) {
        let date: D = ["type": "string", "format": "date"]
        let nullableDate: D = ["type": "string", "format": "date", "nullable": true]
        let id: D = ["type": "integer", "format": "int64", "minimum": 1]
        let ids: D = ["type": "array", "items": ty("integer")]
        let time: D = ["type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$", "example": "08:30"]
        func conflict(_ own: D) -> D { responses(own.merging(["409": rresp("Conflict")]) { a, _ in a }) }
        func dateFilter(_ name: String) -> D {
            ["name": name, "in": "query", "required": false, "schema": date]
        }

        let participantIn: D = [
            "type": "object",
            "description": "one of {organisation_id}, {user_id} or {name, role: resident_representative}",
            "properties": [
                "organisation_id": id, "user_id": id, "name": ["type": "string", "maxLength": 100],
                "role": ["type": "string", "enum": ["resident_representative"]],
            ],
        ]
        schemas["MeetingParticipant"] = [
            "type": "object", "required": ["id", "organisation_id", "user_id", "name", "role"],
            "properties": [
                "id": ty("integer"), "organisation_id": ["type": "integer", "nullable": true],
                "user_id": ["type": "integer", "nullable": true], "name": ty("string"), "role": ty("string"),
            ],
        ]
        schemas["MeetingSeries"] = [
            "type": "object",
            "required": [
                "id", "subdistrict_id", "title", "first_on", "until", "time", "duration_minutes", "location",
                "participants", "meetings",
            ],
            "properties": [
                "id": ty("integer"), "subdistrict_id": ty("integer"), "title": ty("string"), "first_on": date,
                "until": nullableDate, "time": ty("string"), "duration_minutes": ty("integer"),
                "location": ty("string"), "participants": ["type": "array", "items": ref("MeetingParticipant")],
                "meetings": ty("integer"),
            ],
        ]
        schemas["MeetingAction"] = [
            "type": "object",
            "required": [
                "id", "meeting_id", "title", "owner_organisation_id", "owner_name", "due_on", "project_id",
                "created_on", "state", "overdue", "carried_over", "done_on", "done_note", "evidence",
            ],
            "properties": [
                "id": ty("integer"), "meeting_id": ty("integer"), "title": ty("string"),
                "owner_organisation_id": ty("integer"), "owner_name": ty("string"), "due_on": date,
                "project_id": ["type": "integer", "nullable": true], "created_on": date,
                "state": ["type": "string", "enum": ActionState.allCases.map(\.rawValue)], "overdue": ty("boolean"),
                "carried_over": ["type": "integer", "minimum": 0], "done_on": nullableDate, "done_note": ty("string"),
                "done_by_name": ["type": "string", "nullable": true], "evidence": ids, "reopen_note": ty("string"),
                "history": [
                    "type": "array",
                    "items": [
                        "type": "object", "required": ["at", "kind", "note", "evidence", "by_name"],
                        "properties": [
                            "at": ty("string"), "kind": ["type": "string", "enum": ["done", "reopened"]],
                            "note": ty("string"), "evidence": ids, "due_on": nullableDate, "by_name": ty("string"),
                        ],
                    ],
                ],
            ],
        ]
        schemas["Meeting"] = [
            "type": "object",
            "required": [
                "id", "subdistrict_id", "series_id", "title", "date", "starts_at", "duration_minutes", "location",
                "state", "cancel_reason", "version",
            ],
            "properties": [
                "id": ty("integer"), "subdistrict_id": ty("integer"),
                "series_id": ["type": "integer", "nullable": true], "title": ty("string"), "date": date,
                "starts_at": ["type": "string", "format": "date-time"], "duration_minutes": ty("integer"),
                "location": ty("string"), "state": ["type": "string", "enum": MeetingState.allCases.map(\.rawValue)],
                "cancel_reason": ty("string"), "version": ty("integer"),
                "attendance": [
                    "type": "array",
                    "items": [
                        "type": "object", "required": ["participant_id", "name", "organisation_id", "status"],
                        "properties": [
                            "participant_id": ty("integer"), "name": ty("string"),
                            "organisation_id": ["type": "integer", "nullable": true],
                            "status": nullable([
                                "type": "string", "enum": AttendanceStatus.allCases.map(\.rawValue),
                            ]),
                        ],
                    ],
                ],
                "minutes": [
                    "type": "object", "required": ["discussion", "decisions", "closed_at"],
                    "properties": [
                        "discussion": ty("string"), "decisions": ["type": "array", "items": ty("string")],
                        "closed_at": ["type": "string", "nullable": true],
                    ],
                ],
                "actions": ["type": "array", "items": ref("MeetingAction")],
            ],
        ]
        let agendaItem: D = [
            "type": "object", "required": ["id", "project_id", "title", "due_on", "stage"],
            "properties": [
                "id": ty("integer"), "project_id": ["type": "integer", "nullable": true], "title": ty("string"),
                "due_on": nullableDate,
                "stage": nullable(["type": "string", "enum": ProjectStage.allCases.map(\.rawValue)]),
            ],
        ]
        let agendaList: D = ["type": "array", "items": agendaItem]
        schemas["Agenda"] = [
            "type": "object",
            "required": [
                "meeting_id", "date", "actions", "overdue_reports", "overdue_findings",
                "overdue_coordination_requests", "late_tasks", "stalled_projects", "stale_stage_days",
            ],
            "properties": [
                "meeting_id": ty("integer"), "date": date, "actions": ["type": "array", "items": ref("MeetingAction")],
                "overdue_reports": agendaList, "overdue_findings": agendaList,
                "overdue_coordination_requests": agendaList, "late_tasks": agendaList, "stalled_projects": agendaList,
                "stale_stage_days": ty("integer"),
            ],
        ]
        schemas["CoordinationRequest"] = [
            "type": "object",
            "required": [
                "id", "subdistrict_id", "project_id", "department_organisation_id", "department_name", "kind",
                "description", "needed_by", "attachments", "state", "ball_in_court", "state_since", "due_on", "overdue",
                "planned_on", "done_on", "done_note", "supplement", "evidence", "decline_reason",
                "returned_because", "created_on",
                "filed_by", "filed_by_organisation", "version",
            ],
            "properties": [
                "id": ty("integer"), "subdistrict_id": ty("integer"), "project_id": ty("integer"),
                "department_organisation_id": ty("integer"), "department_name": ty("string"),
                "kind": ["type": "string", "enum": CoordinationKind.allCases.map(\.rawValue)],
                "description": ty("string"), "needed_by": date, "attachments": ids,
                "state": ["type": "string", "enum": CoordinationState.allCases.map(\.rawValue)],
                "ball_in_court": ["type": "string", "enum": CoordinationTurn.allCases.map(\.rawValue)],
                "state_since": date, "due_on": nullableDate, "overdue": ty("boolean"), "planned_on": nullableDate,
                "done_on": nullableDate, "done_note": ty("string"), "supplement": ty("string"), "evidence": ids,
                "decline_reason": ty("string"), "returned_because": ty("string"), "created_on": date,
                "version": ty("integer"),
                "filed_by": ty("string"), "filed_by_organisation": ["type": "string", "nullable": true],
                "history": [
                    "type": "array",
                    "items": [
                        "type": "object", "required": ["at", "from", "to", "note", "by"],
                        "properties": [
                            "at": ty("string"),
                            "from": nullable([
                                "type": "string", "enum": CoordinationState.allCases.map(\.rawValue),
                            ]),
                            "to": ["type": "string", "enum": CoordinationState.allCases.map(\.rawValue)],
                            "note": ty("string"), "planned_on": nullableDate, "done_on": nullableDate,
                            "reason": ty("string"), "by": ty("string"),
                        ],
                    ],
                ],
            ],
        ]
        let figure: D = [
            "type": "object",
            "required": [
                "organisation_id", "name", "requests", "median_days_to_accept", "median_days_to_finish", "done",
                "done_by_needed_by", "due", "share_done_by_needed_by_percent",
            ],
            "properties": [
                "organisation_id": ty("integer"), "name": ty("string"), "requests": ty("integer"),
                "median_days_to_accept": ["type": "integer", "nullable": true],
                "median_days_to_finish": ["type": "integer", "nullable": true], "done": ty("integer"),
                "done_by_needed_by": ty("integer"),
                "due": ty("integer"),
                "share_done_by_needed_by_percent": ["type": "integer", "minimum": 0, "maximum": 100],
            ],
        ]
        let rate: D = [
            "type": "object", "required": ["organisation_id", "name", "expected", "attended", "rate_percent"],
            "properties": [
                "organisation_id": ty("integer"), "name": ty("string"), "expected": ty("integer"),
                "attended": ty("integer"), "rate_percent": ["type": "integer", "minimum": 0, "maximum": 100],
            ],
        ]
        let meeting = ref("Meeting")
        let request = ref("CoordinationRequest")
        let subdistrictFilter = idFilter("subdistrict_id")

        paths["/api/v1/meeting_series"] = [
            "post": op(
                "Start a series: one meeting on each working day", id: "create_meeting_series", tag: "meetings",
                body: [
                    "type": "object", "required": ["title", "first_on", "time", "duration_minutes", "location"],
                    "properties": [
                        "title": ["type": "string", "maxLength": 200], "subdistrict_id": nullable(id),
                        "first_on": date, "until": nullable(date), "time": time,
                        "duration_minutes": ["type": "integer", "minimum": 5, "maximum": 600],
                        "location": ["type": "string", "maxLength": 200],
                        "participants": nullable(["type": "array", "items": participantIn]),
                    ],
                ],
                responses: responses(["201": response("the series", ref("MeetingSeries"))]))
        ]
        paths["/api/v1/meeting_series/{id}"] = [
            "get": readOne(
                "Read a series", id: "read_meeting_series", tag: "meetings", "the series", ref("MeetingSeries"))
        ]
        paths["/api/v1/meeting_series/{id}/cancel"] = [
            "post": op(
                "End a series: cancel its meetings still scheduled on or after a day", id: "cancel_meeting_series",
                tag: "meetings", params: [idParam],
                body: [
                    "type": "object", "required": ["from", "reason"],
                    "properties": ["from": date, "reason": ["type": "string", "maxLength": 500]],
                ],
                responses: conflict([
                    "200": response(
                        "how many were cancelled, and the series",
                        [
                            "type": "object", "required": ["cancelled", "series"],
                            "properties": ["cancelled": ty("integer"), "series": ref("MeetingSeries")],
                        ])
                ]))
        ]
        paths["/api/v1/meetings"] = [
            "get": op(
                "List meetings", id: "list_meetings", tag: "meetings",
                params: [dateFilter("from"), dateFilter("to"), idFilter("series_id")] + pagingParams,
                responses: responses(["200": response("meetings", listSchema(meeting))])),
            "post": op(
                "Add a single meeting", id: "create_meeting", tag: "meetings",
                body: [
                    "type": "object", "required": ["title", "date", "time", "duration_minutes", "location"],
                    "properties": [
                        "title": ["type": "string", "maxLength": 200], "subdistrict_id": nullable(id),
                        "series_id": nullable(id),
                        "date": date, "time": time,
                        "duration_minutes": ["type": "integer", "minimum": 5, "maximum": 600],
                        "location": ["type": "string", "maxLength": 200],
                        "participants": nullable(["type": "array", "items": participantIn]),
                    ],
                ],
                responses: responses(["201": response("the meeting", meeting)])),
        ]
        paths["/api/v1/meetings/{id}"] = [
            "get": op(
                "Read a meeting with attendance, minutes and actions", id: "read_meeting", tag: "meetings",
                params: [idParam], responses: responses(["200": response("the meeting", meeting)]))
        ]
        paths["/api/v1/meetings/{id}/cancel"] = [
            "post": op(
                "Cancel a meeting", id: "cancel_meeting", tag: "meetings", params: [idParam],
                body: [
                    "type": "object", "required": ["reason"],
                    "properties": ["reason": ["type": "string", "maxLength": 500]],
                ],
                responses: conflict(["200": response("cancelled", meeting)]))
        ]
        paths["/api/v1/meetings/{id}/attendance"] = [
            "put": op(
                "Record attendance", id: "put_attendance", tag: "meetings", params: [idParam],
                body: [
                    "type": "array", "maxItems": 200,
                    "items": [
                        "type": "object", "required": ["participant_id", "status"],
                        "properties": [
                            "participant_id": id,
                            "status": ["type": "string", "enum": AttendanceStatus.allCases.map(\.rawValue)],
                        ],
                    ],
                ],
                responses: conflict(["200": response("the meeting", meeting)]))
        ]
        paths["/api/v1/meetings/{id}/agenda"] = [
            "get": readOne(
                "The agenda, built when asked", id: "read_agenda", tag: "meetings", "the agenda", ref("Agenda"))
        ]
        paths["/api/v1/meetings/{id}/minutes"] = [
            "put": op(
                "Write the minutes and actions", id: "put_minutes", tag: "meetings", params: [idParam],
                body: [
                    "type": "object",
                    "properties": [
                        "discussion": nullable(["type": "string", "maxLength": 20000]),
                        "decisions": [
                            "type": "array", "maxItems": 100, "nullable": true,
                            "items": ["type": "string", "maxLength": 2000],
                        ],
                        "actions": [
                            "type": "array", "maxItems": 100, "nullable": true,
                            "items": [
                                "type": "object", "required": ["title", "owner_organisation_id", "due_on"],
                                "properties": [
                                    "title": ["type": "string", "maxLength": 500], "owner_organisation_id": id,
                                    "due_on": date, "project_id": nullable(id),
                                ],
                            ],
                        ],
                    ],
                ],
                responses: conflict(["200": response("the meeting", meeting)]))
        ]
        paths["/api/v1/meetings/{id}/close"] = [
            "post": op(
                "Close a meeting: the minutes are frozen", id: "close_meeting", tag: "meetings", params: [idParam],
                responses: conflict(["200": response("held", meeting)]))
        ]
        paths["/api/v1/attendance_rates"] = [
            "get": op(
                "Attendance rate per organisation over a period", id: "attendance_rates", tag: "meetings",
                params: [dateFilter("from"), dateFilter("to"), subdistrictFilter],
                responses: responses(["200": response("rates", listSchema(rate))]))
        ]
        paths["/api/v1/coordination_settings"] = [
            "put": op(
                "Set the working days after which a project's stage counts as not moved",
                id: "put_coordination_settings",
                tag: "meetings",
                body: [
                    "type": "object", "required": ["stale_stage_days"],
                    "properties": [
                        "stale_stage_days": ["type": "integer", "minimum": 1, "maximum": 120],
                        "subdistrict_id": nullable(id),
                    ],
                ],
                responses: responses([
                    "200": response(
                        "the setting",
                        [
                            "type": "object", "required": ["stale_stage_days"],
                            "properties": ["stale_stage_days": ty("integer")],
                        ])
                ]))
        ]
        paths["/api/v1/actions"] = [
            "get": op(
                "List actions", id: "list_actions", tag: "meetings",
                params: [
                    idFilter("owner_organisation_id"), enumParam("state", ActionState.allCases.map(\.rawValue)),
                    enumParam("overdue", ["true", "false"]),
                ] + pagingParams,
                responses: responses(["200": response("actions", listSchema(ref("MeetingAction")))]))
        ]
        paths["/api/v1/actions/{id}/done"] = [
            "post": op(
                "Mark an action done", id: "action_done", tag: "meetings", params: [idParam],
                body: [
                    "type": "object",
                    "properties": [
                        "note": nullable(["type": "string", "maxLength": 2000]), "evidence": nullable(ids),
                    ],
                ],
                responses: conflict(["200": response("done", ref("MeetingAction"))]))
        ]
        paths["/api/v1/actions/{id}"] = [
            "patch": op(
                "Move an open action's due day or hand it to another organisation (the office)", id: "update_action",
                tag: "meetings", params: [idParam],
                body: [
                    "type": "object", "additionalProperties": false,
                    "properties": ["due_on": date, "owner_organisation_id": id],
                ],
                responses: conflict(["200": response("changed", ref("MeetingAction"))]))
        ]
        paths["/api/v1/actions/{id}/reopen"] = [
            "post": op(
                "Find an action reported done still to do, with a new due day (the office)", id: "reopen_action",
                tag: "meetings", params: [idParam],
                body: [
                    "type": "object", "required": ["note", "due_on"],
                    "properties": ["note": ["type": "string", "minLength": 1, "maxLength": 2000], "due_on": date],
                ],
                responses: conflict(["200": response("open again", ref("MeetingAction"))]))
        ]
        paths["/api/v1/coordination_requests"] = [
            "get": op(
                "List coordination requests", id: "list_coordination_requests", tag: "coordination",
                params: [
                    idFilter("department_organisation_id"), idFilter("project_id"),
                    enumParam("state", CoordinationState.allCases.map(\.rawValue)),
                    enumParam("overdue", ["true", "false"]), enumParam("format", ["json", "csv"]),
                ] + pagingParams,
                responses: responses(["200": listWithCSV("requests", request)])),
            "post": op(
                "Ask a department for something (the office; a contractor, supervisor or pm company on its own projects)",
                id: "create_coordination_request", tag: "coordination",
                body: [
                    "type": "object",
                    "required": ["project_id", "department_organisation_id", "kind", "description", "needed_by"],
                    "properties": [
                        "project_id": id, "department_organisation_id": id,
                        "kind": ["type": "string", "enum": CoordinationKind.allCases.map(\.rawValue)],
                        "description": ["type": "string", "maxLength": 2000], "needed_by": date,
                        "attachments": nullable(["type": "array", "maxItems": 20, "items": id]),
                    ],
                ],
                responses: responses(["201": response("requested", request)])),
        ]
        paths["/api/v1/coordination_requests/{id}"] = [
            "get": op(
                "Read a coordination request with its history", id: "read_coordination_request", tag: "coordination",
                params: [idParam], responses: responses(["200": response("the request", request)]))
        ]
        paths["/api/v1/coordination_requests/{id}/transitions"] = [
            "post": op(
                "Move a request one step", id: "transition_coordination_request", tag: "coordination",
                params: [idParam],
                body: [
                    "type": "object", "required": ["to"],
                    "properties": [
                        "to": ["type": "string", "enum": CoordinationState.allCases.map(\.rawValue)],
                        "note": nullable(["type": "string", "maxLength": 2000]), "planned_on": nullable(date),
                        "done_on": nullable(date), "reason": nullable(["type": "string", "maxLength": 2000]),
                        "evidence": nullable(ids),
                    ],
                ],
                responses: conflict(["200": response("moved", request)]))
        ]
        paths["/api/v1/coordination_figures"] = [
            "get": op(
                "Figures per department over a period", id: "coordination_figures", tag: "coordination",
                params: [dateFilter("from"), dateFilter("to"), subdistrictFilter],
                responses: responses(["200": response("figures", listSchema(figure))]))
        ]
        paths["/api/v1/departments/{id}/queue"] = [
            "get": op(
                "A department's open requests, oldest due first", id: "department_queue", tag: "coordination",
                params: [idParam] + pagingParams,
                responses: responses(["200": response("requests", listSchema(request))]))
        ]
        let level: D = [
            "type": "object", "required": ["organisation_id", "accept_days", "source"],
            "properties": [
                "organisation_id": ty("integer"), "accept_days": ty("integer"),
                "source": ["type": "string", "enum": ["office", "default"]],
            ],
        ]
        paths["/api/v1/departments/{id}/service_level"] = [
            "get": op(
                "A department's service level", id: "read_department_service_level", tag: "coordination",
                params: [idParam], responses: responses(["200": response("the level", level)])),
            "put": op(
                "Set the working days a department has to accept", id: "put_department_service_level",
                tag: "coordination", params: [idParam],
                body: [
                    "type": "object", "required": ["accept_days"],
                    "properties": ["accept_days": ["type": "integer", "minimum": 1, "maximum": 30]],
                ],
                responses: responses(["200": response("the level", level)])),
        ]
        paths["/api/v1/me/calendar_feed"] = [
            "post": op(
                "Make or replace the account's private calendar feed", id: "replace_calendar_feed", tag: "accounts",
                responses: responses([
                    "201": response(
                        "the feed's address",
                        ["type": "object", "required": ["url"], "properties": ["url": ty("string")]])
                ]))
        ]
        paths["/calendar/{secret}.ics"] = [
            "get": [
                "summary": "An account's meetings and action due dates (iCalendar)", "operationId": "calendar_feed",
                "tags": ["accounts"], "security": [D](),
                "parameters": [
                    [
                        "name": "secret", "in": "path", "required": true,
                        "schema": ["type": "string", "pattern": "^[A-Za-z0-9_-]{1,96}$"],
                    ]
                ],
                "responses": [
                    "200": ["description": "the feed", "content": ["text/calendar": ["schema": ty("string")]]],
                    "404": rresp("NotFound"),
                ],
            ]
        ]
    }
}
