import CourtyardDomain

/// Volunteer hours' part of the OpenAPI document.
extension OpenAPIDocument {
    static func volunteers(_ paths: inout D, _ schemas: inout D) {
        let date: D = ["type": "string", "format": "date"]
        let id: D = ["type": "integer", "format": "int64", "minimum": 1]
        let nullableInt: D = ["type": "integer", "nullable": true]
        let year: D = [
            "name": "year", "in": "query", "required": false,
            "schema": ["type": "integer", "minimum": 2000, "maximum": 2100],
            "description": "the year (this year when left out)",
        ]
        let personal = "masked for roles without personal data"
        schemas["VolunteerService"] = [
            "type": "object",
            "required": [
                "id", "community_id", "compound_id", "body_id", "name", "phone", "activity", "date", "minutes", "note",
                "removable", "recorded_at",
            ],
            "properties": [
                "id": ty("integer"), "community_id": ty("integer"), "compound_id": nullableInt, "body_id": nullableInt,
                "name": ["type": "string", "description": personal],
                "phone": ["type": "string", "description": personal],
                "activity": ["type": "string", "enum": VolunteerActivity.allCases.map(\.rawValue)], "date": date,
                "minutes": ty("integer"), "note": ty("string"),
                "removable": [
                    "type": "boolean",
                    "description": "whether the reader may remove it: community staff any, who recorded it that day",
                ],
                "recorded_at": [
                    "type": "string",
                    "description": "when it was recorded; sent with a removal, another entry under the number is kept",
                ],
            ],
        ]
        let hours: D = [
            "type": "string",
            "description":
                "hours from whole minutes: one decimal where exact (1.5), else two (0.75, 0.33 rounded half up)",
        ]
        schemas["VolunteerYear"] = [
            "type": "object", "required": ["year", "volunteers", "teams", "total_minutes", "total_hours"],
            "properties": [
                "year": ty("integer"), "total_minutes": ty("integer"), "total_hours": hours,
                "volunteers": [
                    "type": "array",
                    "items": [
                        "type": "object",
                        "required": [
                            "name", "phone", "teams", "event_minutes", "patrol_minutes", "outreach_minutes",
                            "other_minutes", "total_minutes", "total_hours",
                        ],
                        "properties": [
                            "name": ["type": "string", "description": personal],
                            "phone": ["type": "string", "description": personal],
                            "teams": ["type": "array", "items": ty("string")], "event_minutes": ty("integer"),
                            "patrol_minutes": ty("integer"), "outreach_minutes": ty("integer"),
                            "other_minutes": ty("integer"), "total_minutes": ty("integer"), "total_hours": hours,
                        ],
                    ],
                ],
                "teams": [
                    "type": "array",
                    "items": [
                        "type": "object", "required": ["name", "volunteers", "total_minutes", "total_hours"],
                        "properties": [
                            "name": ty("string"), "volunteers": ty("integer"), "total_minutes": ty("integer"),
                            "total_hours": hours,
                        ],
                    ],
                ],
            ],
        ]
        paths["/api/v1/volunteer_hours/entries"] = [
            "get": op(
                "List volunteer hours recorded by hand in a year", id: "list_volunteer_hours", tag: "bodies",
                params: [year, idFilter("community_id"), idFilter("body_id")] + pagingParams,
                responses: responses(["200": response("entries", listSchema(ref("VolunteerService")))]))
        ]
        let minutes = ty("integer")
        paths["/api/v1/volunteer_hours"] = [
            "get": op(
                "Each volunteer's service, most first, ever or in a year: events and hand-recorded hours",
                id: "volunteer_totals", tag: "events",
                params: [
                    [
                        "name": "year", "in": "query", "required": false,
                        "schema": ["type": "integer", "minimum": 2000, "maximum": 2100],
                    ], idFilter("community_id"),
                ] + pagingParams,
                responses: responses([
                    "200": response(
                        "volunteers",
                        listSchema([
                            "type": "object",
                            "required": [
                                "name", "phone", "events", "minutes", "hours", "teams", "event_minutes",
                                "patrol_minutes", "outreach_minutes", "other_minutes",
                            ],
                            "properties": [
                                "name": ["type": "string", "description": personal],
                                "phone": ["type": "string", "description": personal], "events": ty("integer"),
                                "minutes": minutes, "hours": ["type": "string", "pattern": "^[0-9]+\\.[0-9]{1,2}$"],
                                "teams": ["type": "array", "items": ty("string")], "event_minutes": minutes,
                                "patrol_minutes": minutes, "outreach_minutes": minutes, "other_minutes": minutes,
                            ],
                        ]))
                ])),
            "post": op(
                "Record a volunteer's patrol, outreach or other service", id: "create_volunteer_hours", tag: "bodies",
                body: [
                    "type": "object", "required": ["name", "activity", "date", "minutes"],
                    "description": "its place: compound_id, community_id or the team's (body_id)",
                    "properties": [
                        "community_id": nullable(id), "compound_id": nullable(id), "body_id": nullable(id),
                        "name": filled(max: 50), "phone": nullable(["type": "string", "maxLength": 30]),
                        "activity": ["type": "string", "enum": ["patrol", "outreach", "other"]], "date": date,
                        "minutes": ["type": "integer", "minimum": 1, "maximum": EventRules.maxHelperMinutes],
                        "note": nullable(["type": "string", "maxLength": 500]),
                        "again": [
                            "type": "boolean",
                            "description": "record it although the same service of the person that day is there",
                        ],
                    ],
                ],
                responses: responses([
                    "201": response("recorded", ref("VolunteerService")), "409": rresp("Conflict"),
                ])),
        ]
        paths["/api/v1/volunteer_hours/entries/{id}"] = [
            "delete": op(
                "Remove an entry recorded wrongly (recorded_at as read: another entry under the number is a 404)",
                id: "delete_volunteer_hours", tag: "bodies",
                params: [idParam, param("recorded_at", "query", "string")],
                responses: responses(["204": response("removed"), "409": rresp("Conflict")]))
        ]
        paths["/api/v1/volunteer_hours/summary"] = [
            "get": op(
                "A year's volunteer service per person and team, with event helpers' minutes",
                id: "volunteer_summary", tag: "bodies",
                params: [
                    year, idFilter("community_id"), enumParam("format", ["json", "csv", "xlsx"]),
                    enumParam("lang", ["zh-Hans", "en"]),
                ],
                responses: responses([
                    "200": [
                        "description": "the year's summary",
                        "content": [
                            "application/json": ["schema": ref("VolunteerYear")],
                            "text/csv": ["schema": ty("string")],
                            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": [
                                "schema": ["type": "string", "format": "binary"]
                            ],
                        ],
                    ]
                ]))
        ]
    }
}
