import CourtyardDomain
import CourtyardStore

/// The Stewards feature's part of the OpenAPI document: stewards, household contacts, campaigns and bodies.
extension OpenAPIDocument {
    static func stewards(_ paths: inout D, _ schemas: inout D) {
        let date: D = ["type": "string", "format": "date"]
        let id: D = ["type": "integer", "format": "int64", "minimum": 1]
        let nullableInt: D = ["type": "integer", "nullable": true]
        func conflict(_ own: D) -> D { responses(own.merging(["409": rresp("Conflict")]) { a, _ in a }) }
        func enumOf(_ values: [String]) -> D { ["type": "string", "enum": values] }

        schemas["Steward"] = [
            "type": "object",
            "required": [
                "id", "resident_id", "resident_name", "compound_id", "building_id", "entrance_id", "place",
                "place_name", "since", "until", "current", "appointed_by", "election_record_attachment_id", "user_id",
                "exception_note", "end_reason", "created_at",
            ],
            "properties": [
                "id": ty("integer"), "resident_id": ty("integer"),
                "resident_name": ["type": "string", "description": "masked for roles without personal data"],
                "compound_id": ty("integer"), "building_id": ty("integer"), "entrance_id": nullableInt,
                "place": ["type": "string", "pattern": "^(building|entrance):[0-9]+$"], "place_name": ty("string"),
                "since": date, "until": nullable(date), "current": ty("boolean"),
                "appointed_by": enumOf(StewardAppointment.allCases.map(\.rawValue)),
                "election_record_attachment_id": nullableInt, "user_id": nullableInt,
                "exception_note": ty("string"), "end_reason": ty("string"), "created_at": ty("string"),
            ],
        ]
        schemas["HouseholdContact"] = [
            "type": "object",
            "required": [
                "id", "household_id", "channel", "date", "outcome", "note", "campaign_id", "follow_up_on", "client_id",
                "username", "created_at",
            ],
            "properties": [
                "id": ty("integer"), "household_id": ty("integer"),
                "channel": enumOf(ContactChannel.allCases.map(\.rawValue)), "date": date,
                "outcome": enumOf(ContactOutcome.allCases.map(\.rawValue)), "note": ty("string"),
                "campaign_id": nullableInt, "follow_up_on": nullable(date),
                "client_id": ["type": "string", "nullable": true], "username": ty("string"),
                "created_at": ty("string"),
            ],
        ]
        let filter: D = [
            "type": "object", "additionalProperties": false,
            "properties": [
                "lives_elsewhere": ty("boolean"),
                "building_ids": ["type": "array", "minItems": 1, "maxItems": 500, "items": id],
            ],
        ]
        schemas["Campaign"] = [
            "type": "object",
            "required": [
                "id", "subdistrict_id", "title", "goal", "compound_ids", "filter", "opened_on", "until", "targets",
                "created_at",
            ],
            "properties": [
                "id": ty("integer"), "subdistrict_id": ty("integer"), "title": ty("string"),
                "goal": enumOf(CampaignGoal.allCases.map(\.rawValue)),
                "compound_ids": ["type": "array", "items": ty("integer")], "filter": ty("object"),
                "opened_on": date, "until": date, "targets": ty("integer"), "created_at": ty("string"),
            ],
        ]
        let counts: D = [
            "type": "object",
            "required": [
                "targets", "not_contacted", "contacted", "agreed", "refused", "unreachable", "agreed_rate",
            ],
            "properties": [
                "targets": ty("integer"), "not_contacted": ty("integer"), "contacted": ty("integer"),
                "agreed": ty("integer"), "refused": ty("integer"), "unreachable": ty("integer"),
                "agreed_rate": [
                    "type": "string", "pattern": "^[0-9]+\\.[0-9]$", "description": "percent, one decimal",
                ],
            ],
        ]
        let group: D = [
            "type": "object", "required": ["id", "name", "compound_id", "building_id", "counts"],
            "properties": [
                "id": nullableInt, "name": ty("string"), "compound_id": nullableInt, "building_id": nullableInt,
                "counts": counts,
            ],
        ]
        schemas["CampaignProgress"] = [
            "type": "object",
            "required": ["campaign_id", "total", "by_building", "by_entrance", "by_steward", "by_day"],
            "properties": [
                "campaign_id": ty("integer"), "total": counts,
                "by_building": ["type": "array", "items": group], "by_entrance": ["type": "array", "items": group],
                "by_steward": ["type": "array", "items": group],
                "by_day": [
                    "type": "array",
                    "items": [
                        "type": "object",
                        "required": ["date", "contacts", "households", "agreed", "refused", "unreachable"],
                        "properties": [
                            "date": date, "contacts": ty("integer"), "households": ty("integer"),
                            "agreed": ty("integer"), "refused": ty("integer"), "unreachable": ty("integer"),
                        ],
                    ],
                ],
            ],
        ]

        paths["/api/v1/stewards"] = [
            "get": op(
                "List stewards, past and present", id: "list_stewards", tag: "stewards",
                params: [
                    idFilter("compound_id"), idFilter("building_id"), idFilter("entrance_id"), idFilter("resident_id"),
                    enumParam("current", ["true", "false"]),
                ] + pagingParams,
                responses: responses(["200": response("stewards", listSchema(ref("Steward")))])),
            "post": op(
                "Appoint a steward for a building or an entrance", id: "create_steward", tag: "stewards",
                body: [
                    "type": "object", "required": ["resident_id", "since", "appointed_by"],
                    "description": "exactly one of building_id and entrance_id",
                    "properties": [
                        "resident_id": id, "building_id": nullable(id), "entrance_id": nullable(id), "since": date,
                        "until": nullable(date),
                        "appointed_by": enumOf(StewardAppointment.allCases.map(\.rawValue)),
                        "election_record_attachment_id": nullable(id),
                        "exception_note": nullable(["type": "string", "maxLength": 500]),
                        "public_name": nullable(["type": "string", "maxLength": 50]),
                        "user_id": nullable(id),
                        "account": nullable([
                            "type": "object", "required": ["username", "password"],
                            "properties": [
                                "username": ["type": "string", "minLength": 2, "maxLength": 64],
                                "password": ["type": "string", "minLength": 8, "maxLength": 72],
                                "display_name": nullable(["type": "string", "maxLength": 100]),
                            ],
                        ]),
                    ],
                ],
                responses: conflict(["201": response("appointed", ref("Steward"))])),
        ]
        paths["/api/v1/stewards/{id}"] = [
            "get": readOne(
                "Read a steward's term", id: "read_steward", tag: "stewards", "the term", ref("Steward"))
        ]
        paths["/api/v1/stewards/{id}/end"] = [
            "post": op(
                "End a steward's term (until is the last day served)", id: "end_steward", tag: "stewards",
                params: [idParam],
                body: [
                    "type": "object", "required": ["until"],
                    "properties": ["until": date, "reason": nullable(["type": "string", "maxLength": 500])],
                ],
                responses: conflict(["200": response("ended", ref("Steward"))]))
        ]
        paths["/api/v1/households/{id}/contacts"] = [
            "get": op(
                "A household's contacts, newest first", id: "list_household_contacts", tag: "stewards",
                params: [idParam] + pagingParams,
                responses: responses(["200": response("contacts", listSchema(ref("HouseholdContact")))])),
            "post": op(
                "Record a visit, call, message or letter; the same client_id again stores nothing new",
                id: "create_household_contact", tag: "stewards", params: [idParam],
                body: [
                    "type": "object", "required": ["channel", "date", "outcome", "note"],
                    "properties": [
                        "channel": enumOf(ContactChannel.allCases.map(\.rawValue)), "date": date,
                        "outcome": enumOf(ContactOutcome.allCases.map(\.rawValue)),
                        "note": ["type": "string", "maxLength": 2000], "campaign_id": nullable(id),
                        "follow_up_on": nullable(date),
                        "client_id": nullable(["type": "string", "pattern": "^[A-Za-z0-9_.:-]{1,100}$"]),
                    ],
                ],
                responses: responses([
                    "201": response("stored", ref("HouseholdContact")),
                    "200": response("sent before: the first entry", ref("HouseholdContact")),
                ])),
        ]
        paths["/api/v1/campaigns"] = [
            "get": op(
                "List campaigns with targets in your places", id: "list_campaigns", tag: "campaigns",
                params: pagingParams, responses: responses(["200": response("campaigns", listSchema(ref("Campaign")))])),
            "post": op(
                "Open an outreach campaign; its targets are fixed now", id: "create_campaign", tag: "campaigns",
                body: [
                    "type": "object", "required": ["title", "compound_ids", "goal", "until"],
                    "properties": [
                        "title": filled(max: 200),
                        "compound_ids": ["type": "array", "minItems": 1, "maxItems": 200, "items": id],
                        "filter": nullable(filter), "goal": enumOf(CampaignGoal.allCases.map(\.rawValue)),
                        "until": date,
                    ],
                ],
                responses: responses(["201": response("opened", ref("Campaign"))])),
        ]
        paths["/api/v1/campaigns/{id}"] = [
            "get": readOne(
                "Read a campaign", id: "read_campaign", tag: "campaigns", "the campaign", ref("Campaign"))
        ]
        paths["/api/v1/campaigns/{id}/progress"] = [
            "get": op(
                "Progress by building, entrance, steward and day, over the targets you may see",
                id: "campaign_progress", tag: "campaigns",
                params: [idParam, enumParam("format", ["json", "csv", "xlsx"])],
                responses: responses([
                    "200": [
                        "description": "the progress",
                        "content": [
                            "application/json": ["schema": ref("CampaignProgress")],
                            "text/csv": ["schema": ty("string")],
                            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": [
                                "schema": ["type": "string", "format": "binary"]
                            ],
                        ],
                    ]
                ]))
        ]
        paths["/api/v1/campaigns/{id}/map.svg"] = [
            "get": svgChart(
                "The battle map: a cell per target household coloured by status", id: "campaign_map",
                tag: "campaigns", params: [idParam, idFilter("compound_id")])
        ]
        let memberIn: D = [
            "type": "object", "required": ["position"],
            "description": "exactly one of resident_id and user_id",
            "properties": [
                "resident_id": nullable(id), "user_id": nullable(id),
                "position": filled(max: 50),
                "from": nullable(date), "until": nullable(date),
                "public_name": nullable(["type": "string", "maxLength": 50]),
            ],
        ]
        schemas["GoverningBody"] = [
            "type": "object",
            "required": [
                "id", "subdistrict_id", "kind", "name", "compound_id", "community_id", "formed_on",
                "basis_attachment_id", "vote_id", "members", "version",
            ],
            "properties": [
                "id": ty("integer"), "subdistrict_id": ty("integer"),
                "kind": enumOf(BodyKind.allCases.map(\.rawValue)), "name": ty("string"),
                "compound_id": nullableInt, "community_id": nullableInt, "formed_on": date,
                "basis_attachment_id": nullableInt, "vote_id": nullableInt, "version": ty("integer"),
                "members": [
                    "type": "array",
                    "items": [
                        "type": "object",
                        "required": ["id", "resident_id", "user_id", "name", "position", "from", "until", "current"],
                        "properties": [
                            "id": ty("integer"), "resident_id": nullableInt, "user_id": nullableInt,
                            "name": ["type": "string", "description": "masked for roles without personal data"],
                            "position": ty("string"), "from": nullable(date), "until": nullable(date),
                            "current": ty("boolean"),
                        ],
                    ],
                ],
            ],
        ]
        paths["/api/v1/bodies"] = [
            "get": op(
                "List self-governance bodies", id: "list_bodies", tag: "bodies",
                params: [
                    idFilter("compound_id"), idFilter("community_id"),
                    enumParam("kind", BodyKind.allCases.map(\.rawValue)),
                ] + pagingParams,
                responses: responses(["200": response("bodies", listSchema(ref("GoverningBody")))])),
            "post": op(
                "Form a self-governance body with its members", id: "create_body", tag: "bodies",
                body: [
                    "type": "object", "required": ["kind", "name", "formed_on"],
                    "description": "exactly one of compound_id and community_id",
                    "properties": [
                        "kind": enumOf(BodyKind.allCases.map(\.rawValue)),
                        "name": filled(max: 100),
                        "compound_id": nullable(id), "community_id": nullable(id), "formed_on": date,
                        "basis_attachment_id": nullable(id), "vote_id": nullable(id),
                        "members": nullable(["type": "array", "maxItems": 100, "items": memberIn]),
                    ],
                ],
                responses: responses(["201": response("formed", ref("GoverningBody"))])),
        ]
        paths["/api/v1/bodies/{id}"] = [
            "get": readOne(
                "Read a body with its members, past and present", id: "read_body", tag: "bodies", "the body",
                ref("GoverningBody"))
        ]
        paths["/api/v1/bodies/{id}/members"] = [
            "post": op(
                "Add a member", id: "add_body_member", tag: "bodies", params: [idParam], body: memberIn,
                responses: responses(["201": response("the body", ref("GoverningBody"))]))
        ]
        paths["/api/v1/bodies/{id}/members/{member}/end"] = [
            "post": op(
                "A member leaves (until is the last day)", id: "end_body_member", tag: "bodies",
                params: [idParam, param("member", "path")],
                body: ["type": "object", "required": ["until"], "properties": ["until": date]],
                responses: conflict(["200": response("the body", ref("GoverningBody"))]))
        ]
        schemas["Opinion"] = [
            "type": "object",
            "required": [
                "id", "compound_id", "household_id", "kind", "source", "text", "author_name", "routed_to", "answer",
                "answered_on", "created_on",
            ],
            "properties": [
                "id": ty("integer"), "compound_id": ty("integer"), "household_id": nullableInt,
                "kind": enumOf(OpinionKind.allCases.map(\.rawValue)),
                "source": enumOf(OpinionSource.allCases.map(\.rawValue)), "text": ty("string"),
                "author_name": ["type": "string", "description": "masked for roles without personal data"],
                "routed_to": enumOf(OpinionRoute.allCases.map(\.rawValue)),
                "answer": ["type": "string", "nullable": true], "answered_on": nullable(date), "created_on": date,
            ],
        ]
        schemas["Irregularity"] = [
            "type": "object",
            "required": [
                "id", "compound_id", "building_id", "kind", "place", "description", "photos", "state", "note",
                "coordination_request_id", "created_on",
            ],
            "properties": [
                "id": ty("integer"), "compound_id": ty("integer"), "building_id": nullableInt,
                "kind": enumOf(IrregularityKind.allCases.map(\.rawValue)), "place": ty("string"),
                "description": ty("string"), "photos": ["type": "array", "items": ty("integer")],
                "state": enumOf(IrregularityState.allCases.map(\.rawValue)), "note": ty("string"),
                "coordination_request_id": nullableInt, "created_on": date,
            ],
        ]
        paths["/api/v1/opinions"] = [
            "get": op(
                "List opinions and suggestions", id: "list_opinions", tag: "stewards",
                params: [idFilter("compound_id"), enumParam("answered", ["true", "false"])] + pagingParams,
                responses: responses(["200": response("opinions", listSchema(ref("Opinion")))])),
            "post": op(
                "Record an opinion or suggestion, routed to the community or the office", id: "create_opinion",
                tag: "stewards",
                body: [
                    "type": "object", "required": ["compound_id", "kind", "source", "text", "route_to"],
                    "properties": [
                        "compound_id": id, "household_id": nullable(id),
                        "kind": enumOf(OpinionKind.allCases.map(\.rawValue)),
                        "source": enumOf(OpinionSource.allCases.map(\.rawValue)),
                        "text": filled(max: 2000),
                        "author_name": nullable(["type": "string", "maxLength": 50]),
                        "route_to": enumOf(OpinionRoute.allCases.map(\.rawValue)),
                    ],
                ],
                responses: responses(["201": response("recorded", ref("Opinion"))])),
        ]
        paths["/api/v1/opinions/{id}"] = [
            "get": readOne(
                "Read an opinion", id: "read_opinion", tag: "stewards", "the opinion", ref("Opinion"))
        ]
        paths["/api/v1/opinions/{id}/answer"] = [
            "post": op(
                "Answer an opinion (once)", id: "answer_opinion", tag: "stewards", params: [idParam],
                body: [
                    "type": "object", "required": ["answer"],
                    "properties": ["answer": filled(max: 2000)],
                ],
                responses: conflict(["200": response("answered", ref("Opinion"))]))
        ]
        paths["/api/v1/irregularities"] = [
            "get": op(
                "List irregular behaviour recorded", id: "list_irregularities", tag: "stewards",
                params: [idFilter("compound_id")] + pagingParams,
                responses: responses(["200": response("records", listSchema(ref("Irregularity")))])),
            "post": op(
                "Record irregular behaviour with its place and photos", id: "create_irregularity", tag: "stewards",
                body: [
                    "type": "object", "required": ["compound_id", "kind", "place", "description"],
                    "properties": [
                        "compound_id": id, "building_id": nullable(id),
                        "kind": enumOf(IrregularityKind.allCases.map(\.rawValue)),
                        "place": filled(max: 200),
                        "description": filled(max: 2000),
                        "photos": nullable(["type": "array", "maxItems": 10, "items": id]),
                    ],
                ],
                responses: responses(["201": response("recorded", ref("Irregularity"))])),
        ]
        paths["/api/v1/irregularities/{id}"] = [
            "get": readOne(
                "Read a record of irregular behaviour", id: "read_irregularity", tag: "stewards", "the record",
                ref("Irregularity"))
        ]
        paths["/api/v1/irregularities/{id}/stop"] = [
            "post": op(
                "Mark it stopped on the spot", id: "stop_irregularity", tag: "stewards", params: [idParam],
                body: ["type": "object", "properties": ["note": nullable(["type": "string", "maxLength": 2000])]],
                responses: conflict(["200": response("stopped", ref("Irregularity"))]))
        ]
        paths["/api/v1/irregularities/{id}/escalate"] = [
            "post": op(
                "Escalate to city management as a coordination request", id: "escalate_irregularity",
                tag: "stewards", params: [idParam],
                body: ["type": "object", "required": ["needed_by"], "properties": ["needed_by": date]],
                responses: conflict(["200": response("escalated", ref("Irregularity"))]))
        ]
    }
}
