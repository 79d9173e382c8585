import CourtyardDomain
import CourtyardStore

/// The Events feature's part of the OpenAPI document: events, sign-ups, attendance, reports and volunteer hours.
extension OpenAPIDocument {
    static func events(_ paths: inout D, _ schemas: inout D) {
        let id: D = ["type": "integer", "format": "int64", "minimum": 1]
        let nullableInt: D = ["type": "integer", "nullable": true]
        let dateTime: D = [
            "type": "string", "format": "date-time", "description": "RFC 3339; without an offset, China time",
            "example": "2026-12-06T09:00:00+08:00",
        ]
        let text200: D = filled(max: 200)
        let phone: D = [
            "type": "string", "maxLength": 20, "pattern": "^[0-9 ()+\\-０-９（）＋－\u{3000}]{7,20}$",
            "example": "13812345678",
        ]
        func conflict(_ own: D) -> D { responses(own.merging(["409": rresp("Conflict")]) { a, _ in a }) }
        func enumOf(_ values: [String]) -> D { ["type": "string", "enum": values] }
        let organiserIn: D = [
            "type": "object", "required": ["name"],
            "properties": [
                "name": filled(max: 50),
                "phone": nullable(["type": "string", "maxLength": 20]),
            ],
        ]
        schemas["CommunityEvent"] = [
            "type": "object",
            "required": [
                "id", "community_id", "compound_id", "title", "kind", "starts_at", "ends_at", "place", "capacity",
                "signup", "organisers", "state", "cancel_reason", "confirmed", "waitlisted", "attended", "report",
                "version", "created_at",
            ],
            "properties": [
                "id": ty("integer"), "community_id": ty("integer"), "compound_id": nullableInt,
                "title": ty("string"), "kind": enumOf(EventKind.allCases.map(\.rawValue)),
                "starts_at": ["type": "string", "format": "date-time"],
                "ends_at": ["type": "string", "format": "date-time"], "place": ty("string"),
                "capacity": ["type": "integer", "nullable": true, "description": "null: no limit"],
                "signup": enumOf(EventSignupMode.allCases.map(\.rawValue)),
                "organisers": [
                    "type": "array",
                    "items": [
                        "type": "object", "required": ["name", "phone"],
                        "properties": [
                            "name": ["type": "string", "description": "masked for roles without personal data"],
                            "phone": ["type": "string", "description": "masked for roles without personal data"],
                        ],
                    ],
                ],
                "state": enumOf(EventState.allCases.map(\.rawValue)), "cancel_reason": ty("string"),
                "confirmed": ty("integer"), "waitlisted": ty("integer"), "attended": ty("integer"),
                "report": [
                    "type": "object", "nullable": true, "required": ["text", "photos", "reported_at"],
                    "properties": [
                        "text": ty("string"), "photos": ["type": "array", "items": ty("integer")],
                        "reported_at": ty("string"),
                    ],
                ],
                "version": ty("integer"), "created_at": ty("string"),
            ],
        ]
        schemas["EventSignup"] = [
            "type": "object",
            "required": ["id", "event_id", "name", "phone", "status", "attended", "entered_by", "created_at"],
            "properties": [
                "id": ty("integer"), "event_id": ty("integer"), "name": ty("string"), "phone": ty("string"),
                "status": enumOf(EventSignupStatus.allCases.map(\.rawValue)), "attended": ty("boolean"),
                "entered_by": [
                    "type": "string", "nullable": true, "description": "the steward or staff who signed up",
                ],
                "entered_by_name": [
                    "type": "string", "nullable": true, "description": "the name that staff member goes by",
                ],
                "created_at": ty("string"),
            ],
        ]
        let helper: D = [
            "type": "object", "required": ["name", "phone", "role", "minutes", "hours"],
            "properties": [
                "name": ty("string"), "phone": ty("string"), "role": enumOf(HelperRole.allCases.map(\.rawValue)),
                "minutes": ty("integer"), "hours": ["type": "string", "pattern": "^[0-9]+\\.[0-9]{1,2}$"],
            ],
        ]
        schemas["EventHours"] = [
            "type": "object", "required": ["event_id", "helpers", "total_minutes", "total_hours"],
            "properties": [
                "event_id": ty("integer"), "helpers": ["type": "array", "items": helper],
                "total_minutes": ty("integer"), "total_hours": ["type": "string", "pattern": "^[0-9]+\\.[0-9]{1,2}$"],
            ],
        ]
        let eventBody: D = [
            "type": "object", "required": ["title", "kind", "starts_at", "ends_at", "place", "signup"],
            "description": "exactly one of community_id and compound_id; ends_at after starts_at",
            "properties": [
                "title": text200, "kind": enumOf(EventKind.allCases.map(\.rawValue)),
                "community_id": nullable(id), "compound_id": nullable(id), "starts_at": dateTime, "ends_at": dateTime,
                "place": text200,
                "capacity": nullable(["type": "integer", "minimum": 1, "maximum": EventRules.maxCapacity]),
                "signup": enumOf(EventSignupMode.allCases.map(\.rawValue)),
                "organisers": nullable(["type": "array", "maxItems": 20, "items": organiserIn]),
            ],
        ]
        var patchBody = eventBody
        patchBody["required"] = nil  // any of the fields; OpenAPI 3.0 takes no empty list here
        patchBody["description"] = "any of the fields; capacity null removes the limit"
        patchBody["properties"] = [
            "title": text200, "kind": enumOf(EventKind.allCases.map(\.rawValue)), "starts_at": dateTime,
            "ends_at": dateTime, "place": text200,
            "capacity": nullable(["type": "integer", "minimum": 1, "maximum": EventRules.maxCapacity]),
            "signup": enumOf(EventSignupMode.allCases.map(\.rawValue)),
            "organisers": ["type": "array", "maxItems": 20, "items": organiserIn],
        ]
        patchBody["additionalProperties"] = false
        paths["/api/v1/events"] = [
            "get": op(
                "List community events in your scope, latest first", id: "list_events", tag: "events",
                params: [idFilter("community_id"), idFilter("compound_id"), enumParam("upcoming", ["true", "false"])]
                    + pagingParams,
                responses: responses(["200": response("events", listSchema(ref("CommunityEvent")))])),
            "post": op(
                "Create an event for a community or one compound", id: "create_event", tag: "events", body: eventBody,
                responses: responses(["201": response("created", ref("CommunityEvent"))])),
        ]
        paths["/api/v1/events/{id}"] = [
            "get": readOne(
                "Read an event with its counts and report", id: "read_event", tag: "events", "the event",
                ref("CommunityEvent")),
            "patch": op(
                "Change an event not yet started (a new start is still ahead); a larger capacity moves people up"
                    + " from the waiting list, and a new time or place is texted to those signed up or waiting",
                id: "update_event",
                tag: "events", params: [idParam, ifMatch], body: patchBody,
                responses: conflict([
                    "200": response("the event", ref("CommunityEvent")), "412": rresp("Stale"),
                ])),
        ]
        paths["/api/v1/events/{id}/cancel"] = [
            "post": op(
                "Call an event off, with the reason", id: "cancel_event", tag: "events", params: [idParam],
                body: [
                    "type": "object", "required": ["reason"],
                    "properties": ["reason": filled(max: 500)],
                ],
                responses: conflict(["200": response("the event", ref("CommunityEvent"))]))
        ]
        paths["/api/v1/events/{id}/signups"] = [
            "post": op(
                "Sign up by name and phone: without an account (10 per address in 10 minutes), or by a steward or staff for a neighbour. The code cancels it.",
                id: "sign_up_event", tag: "events", params: [idParam],
                body: [
                    "type": "object", "required": ["name", "phone"],
                    "properties": [
                        "name": filled(max: 50), "phone": phone,
                    ],
                ],
                responses: conflict([
                    "201": response(
                        "signed up",
                        [
                            "type": "object", "required": ["id", "status", "cancel_code"],
                            "properties": [
                                "id": ty("integer"), "status": enumOf(["confirmed", "waitlisted"]),
                                "cancel_code": [
                                    "type": "string", "pattern": "^[A-Z0-9]{4}-[A-Z0-9]{4}$",
                                    "description": "shown once; cancels the sign-up until the event starts",
                                ],
                            ],
                        ]),
                    "429": response("too many sign-ups from this address", ref("Error")),
                ]), open: true),
            "get": op(
                "The sign-ups with names and phones (staff in scope only)", id: "list_event_signups", tag: "events",
                params: [idParam] + pagingParams,
                responses: responses(["200": response("sign-ups", listSchema(ref("EventSignup")))])),
        ]
        paths["/api/v1/events/{id}/signups/{signup}"] = [
            "delete": op(
                "Cancel a sign-up: staff in scope, or anyone with its code until the event starts; the first on the waiting list moves up",
                id: "cancel_event_signup", tag: "events",
                params: [
                    idParam, param("signup", "path"),
                    [
                        "name": "code", "in": "query", "required": false,
                        "schema": ["type": "string", "maxLength": 20],
                    ],
                ],
                responses: conflict([
                    "200": response(
                        "cancelled",
                        [
                            "type": "object", "required": ["id", "status", "promoted"],
                            "properties": [
                                "id": ty("integer"), "status": enumOf(["cancelled"]),
                                "promoted": ["type": "array", "items": ty("integer")],
                            ],
                        ])
                ]), open: true)
        ]
        paths["/api/v1/events/{id}/attendance"] = [
            "put": op(
                "Who came: the confirmed sign-ups listed attended, the others not (once the event has started)",
                id: "set_event_attendance", tag: "events", params: [idParam],
                body: oneField("attended", ["type": "array", "maxItems": 5000, "items": id]),
                responses: conflict(["200": response("sign-ups", listSchema(ref("EventSignup")))]))
        ]
        paths["/api/v1/events/{id}/report"] = [
            "put": op(
                "The report after the event, with photos (attachments); shown on the community's public news page",
                id: "set_event_report", tag: "events", params: [idParam],
                body: [
                    "type": "object", "required": ["text"],
                    "properties": [
                        "text": filled(max: 10000),
                        "photos": nullable(["type": "array", "maxItems": 12, "items": id]),
                    ],
                ],
                responses: conflict(["200": response("the event", ref("CommunityEvent"))]))
        ]
        paths["/api/v1/events/{id}/volunteer_hours"] = [
            "get": readOne(
                "The hours helpers gave to the event", id: "read_event_hours", tag: "events", "hours", ref("EventHours")
            ),
            "put": op(
                "Replace the hours helpers gave (once the event has started)", id: "set_event_hours", tag: "events",
                params: [idParam],
                body: [
                    "type": "object", "required": ["helpers"],
                    "properties": [
                        "helpers": [
                            "type": "array", "maxItems": 200,
                            "items": [
                                "type": "object", "required": ["name", "role", "minutes"],
                                "properties": [
                                    "name": filled(max: 50),
                                    "phone": nullable(["type": "string", "maxLength": 20]),
                                    "role": enumOf(HelperRole.allCases.map(\.rawValue)),
                                    "minutes": [
                                        "type": "integer", "minimum": 1, "maximum": EventRules.maxHelperMinutes,
                                    ],
                                ],
                            ],
                        ]
                    ],
                ],
                responses: conflict(["200": response("hours", ref("EventHours"))])),
        ]
        paths["/public/communities/{id}/news.atom"] = [
            "get": op(
                "A community's event reports, newest first (Atom)", id: "community_news_feed", tag: "events",
                params: [idParam],
                responses: [
                    "200": [
                        "description": "Atom 1.0", "content": ["application/atom+xml": ["schema": ty("string")]],
                    ],
                    "400": rresp("BadRequest"), "404": rresp("NotFound"),
                ], open: true)
        ]
        paths["/public/communities/{id}/events.ics"] = [
            "get": op(
                "A community's events (iCalendar)", id: "community_events_calendar", tag: "events", params: [idParam],
                responses: [
                    "200": ["description": "RFC 5545", "content": ["text/calendar": ["schema": ty("string")]]],
                    "400": rresp("BadRequest"), "404": rresp("NotFound"),
                ], open: true)
        ]
    }
}
