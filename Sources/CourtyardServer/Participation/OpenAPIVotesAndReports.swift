import CourtyardDomain
import CourtyardStore

/// The Participation feature's part of the OpenAPI document for votes, reports and the working-day calendars.
extension OpenAPIDocument {
    static func voteReportAndCalendarPaths() -> D {
        var paths: D = [:]
        let threshold: D = [
            "type": "object", "required": ["numerator", "denominator"],
            "properties": ["numerator": ty("integer"), "denominator": ty("integer"), "inclusive": ty("boolean")],
        ]
        let newVote: D = [
            "type": "object", "required": ["title", "matter", "electorate"],
            "properties": [
                "title": ty("string"), "matter": ["type": "integer", "minimum": 1, "maximum": 9],
                "electorate": [
                    "type": "object",
                    "properties": [
                        "compound_id": ty("integer"), "building_ids": ["type": "array", "items": ty("integer")],
                        "entrance_ids": ["type": "array", "items": ty("integer")],
                        "household_ids": ["type": "array", "items": ty("integer")],
                    ],
                ],
                "thresholds": [
                    "type": "object",
                    "properties": [
                        "quorum_area": threshold, "quorum_owners": threshold,
                        "approval_area": threshold, "approval_owners": threshold,
                    ],
                ],
            ],
        ]
        let vote = ref("Vote")
        paths["/api/v1/votes"] = [
            "get": op(
                "List votes", id: "list_votes", tag: "votes", params: [idFilter("compound_id")] + pagingParams,
                responses: responses(["200": response("votes", listSchema(vote))])),
            "post": op(
                "Draft a vote", id: "create_vote", tag: "votes", body: newVote,
                responses: responses(["201": response("the draft", vote)])),
        ]
        paths["/api/v1/votes/{id}/map.svg"] = [
            "get": svgChart(
                "The battle map of who has voted (not how): a cell per household of the electorate", id: "vote_map",
                tag: "votes")
        ]
        paths["/api/v1/votes/{id}"] = [
            "get": readOne(
                "Read a vote", id: "read_vote", tag: "votes", "the vote", vote)
        ]
        paths["/api/v1/votes/{id}/open"] = [
            "post": op(
                "Open a vote", id: "open_vote", tag: "votes", params: [idParam],
                responses: responses([
                    "200": response("opened; the electorate is frozen", vote), "409": rresp("Conflict"),
                ]))
        ]
        paths["/api/v1/votes/{id}/close"] = [
            "post": op(
                "Close a vote", id: "close_vote", tag: "votes", params: [idParam],
                responses: responses(["200": response("closed; the result is final", vote), "409": rresp("Conflict")]))
        ]
        paths["/api/v1/votes/{id}/ballots"] = [
            "post": op(
                "Enter a ballot", id: "cast_ballot", tag: "votes", params: [idParam],
                body: [
                    "type": "object", "required": ["household_id", "choice"],
                    "properties": [
                        "household_id": ty("integer"),
                        "choice": ["type": "string", "enum": VoteChoice.allCases.map(\.rawValue)],
                        "channel": ["type": "string", "enum": ["online", "paper"]],
                        "paper_number": ty("string"),
                    ],
                ],
                responses: responses(["201": response("recorded", ty("object")), "409": rresp("Conflict")]))
        ]
        paths["/api/v1/votes/{id}/ballots/{ballot_id}/void"] = [
            "post": op(
                "Void a paper ballot: the office any; whoever entered one, on that day (else 409 ballot_not_yours or "
                    + "ballot_past_day)", id: "void_ballot", tag: "votes",
                params: [idParam, param("ballot_id", "path")],
                body: ["type": "object", "required": ["reason"], "properties": ["reason": ty("string")]],
                responses: responses(["204": response("voided"), "409": rresp("Conflict")]))
        ]

        let report = ref("Report")
        paths["/api/v1/reports"] = [
            "get": op(
                "List supervision reports", id: "list_reports", tag: "reports",
                params: [
                    idFilter("compound_id"), enumParam("state", ReportState.allCases.map(\.rawValue)),
                    enumParam("overdue", ["true", "false"]), enumParam("format", ["json", "csv"]),
                ] + pagingParams,
                responses: responses(["200": listWithCSV("reports", report)])),
            "post": op(
                "File a supervision report", id: "create_report", tag: "reports",
                body: [
                    "type": "object", "required": ["compound_id", "category", "description"],
                    "properties": [
                        "compound_id": ty("integer"), "building_id": ty("integer"),
                        "category": ["type": "string", "enum": ReportCategory.allCases.map(\.rawValue)],
                        "description": ["type": "string", "maxLength": 2000],
                        "photos": ["type": "array", "items": ty("integer")],
                        "reporter_name": ty("string"), "reporter_phone": ty("string"),
                    ],
                ],
                responses: responses(["201": response("filed", report)])),
        ]
        paths["/api/v1/reports/{id}"] = [
            "get": readOne(
                "Read a supervision report", id: "read_report", tag: "reports", "the report with its history", report)
        ]
        paths["/api/v1/reports/{id}/transitions"] = [
            "post": op(
                "Move a report one step", id: "transition_report", tag: "reports", params: [idParam],
                body: [
                    "type": "object", "required": ["to"],
                    "properties": [
                        "to": ["type": "string", "enum": ReportState.allCases.map(\.rawValue)],
                        "note": ty("string"), "assignee_organisation_id": ty("integer"),
                        // Photos of the fix, uploaded first (POST /api/v1/attachments); with "to": "fixed" only.
                        "photos": nullable([
                            "type": "array", "maxItems": ReportRepository.maxFixPhotos,
                            "items": ["type": "integer", "format": "int64", "minimum": 1],
                        ]),
                    ],
                ],
                responses: responses(["200": response("moved", report), "409": rresp("Conflict")]))
        ]
        paths["/api/v1/reports/{id}/urge"] = [
            "post": op(
                "Urge those an assigned report waits on (a note in its history; nothing else changes)",
                id: "urge_report", tag: "reports", params: [idParam],
                body: oneField("note", filled(max: 2000)),
                responses: responses(["200": response("urged", report), "409": rresp("Conflict")]))
        ]

        let calendar: D = [
            "type": "object",
            "properties": [
                "year": ty("integer"), "holidays": ["type": "array", "items": ty("string")],
                "workdays": ["type": "array", "items": ty("string")],
                "source": ["type": "string", "enum": ["entered", "published", "weekdays"]],
            ],
        ]
        paths["/api/v1/calendars/{year}"] = [
            "get": op(
                "A year's working-day calendar", id: "read_calendar", tag: "calendars", params: [param("year", "path")],
                responses: responses(["200": response("the calendar", calendar)])),
            "put": op(
                "Enter a year's holidays and worked weekends", id: "put_calendar", tag: "calendars",
                params: [param("year", "path")],
                body: [
                    "type": "object",
                    "properties": [
                        "holidays": ["type": "array", "items": ["type": "string", "format": "date"]],
                        "workdays": ["type": "array", "items": ["type": "string", "format": "date"]],
                    ],
                ],
                responses: responses(["200": response("the calendar", calendar)])),
        ]

        return paths
    }
}
