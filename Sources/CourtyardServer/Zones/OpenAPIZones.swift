import CourtyardDomain
import CourtyardStore
import Foundation

/// The Zones feature's part of the OpenAPI document: zones, GeoJSON, property selections, hand-overs and the
/// property company's own view.
extension OpenAPIDocument {
    static func zones(_ paths: inout D, _ schemas: inout D) {
        let id: D = ["type": "integer", "format": "int64", "minimum": 1]
        let nullableInt: D = ["type": "integer", "format": "int64", "nullable": true]
        func conflict(_ own: D) -> D { responses(own.merging(["409": rresp("Conflict")]) { a, _ in a }) }
        let number: D = ["type": "number"]

        schemas["FeatureCollection"] = [
            "type": "object", "required": ["type", "features"],
            "properties": [
                "type": ["type": "string", "enum": ["FeatureCollection"]],
                "features": [
                    "type": "array",
                    "items": [
                        "type": "object", "required": ["type", "id", "geometry", "properties"],
                        "properties": [
                            "type": ["type": "string", "enum": ["Feature"]], "id": ty("integer"),
                            "geometry": [
                                "type": "object", "nullable": true, "required": ["type", "coordinates"],
                                "description": "WGS-84, longitude first; null for a place not yet located",
                                "properties": [
                                    "type": ["type": "string", "enum": ["Point", "MultiPoint"]],
                                    "coordinates": [
                                        "type": "array",
                                        "items": ["oneOf": [number, ["type": "array", "items": number]]],
                                    ],
                                ],
                            ],
                            "properties": ty("object"),
                        ],
                    ],
                ],
            ],
        ]
        schemas["Zone"] = [
            "type": "object",
            "required": [
                "id", "subdistrict_id", "community_id", "name", "compound_ids", "households", "area_m2",
                "property_company_id", "property_company_name", "version",
            ],
            "properties": [
                "id": ty("integer"), "subdistrict_id": ty("integer"), "community_id": nullableInt,
                "name": ty("string"), "compound_ids": ["type": "array", "items": ty("integer")],
                "households": ty("integer"),
                "area_m2": ["type": "string", "pattern": "^[0-9]+\\.[0-9]{2}$"],
                "property_company_id": nullableInt,
                "property_company_name": ["type": "string", "nullable": true], "version": ty("integer"),
            ],
        ]
        let zoneFields: D = [
            "name": filled(max: 100),
            "community_id": ["type": "integer", "format": "int64", "minimum": 1, "nullable": true],
            "compound_ids": [
                "type": "array", "maxItems": 1000, "items": id, "nullable": true,
                "description": "null or absent: none on creation, unchanged on a change",
            ],
        ]
        var newZone: D = [
            "type": "object", "additionalProperties": false, "required": ["name"],
            "properties": zoneFields.merging([
                "subdistrict_id": ["type": "integer", "format": "int64", "minimum": 1, "nullable": true]
            ]) { a, _ in a },
        ]
        newZone["description"] = "subdistrict_id defaults to the office's own, or the community's"
        let zoneChange: D = ["type": "object", "additionalProperties": false, "properties": zoneFields]
        let zone = ref("Zone")
        paths["/api/v1/zones"] = [
            "get": op(
                "List zones with their households and area", id: "list_zones", tag: "zones",
                params: pagingParams + [enumParam("format", ["json", "geojson"])],
                responses: responses([
                    "200": [
                        "description": "a page of zones, or with format=geojson all of them as GeoJSON",
                        "content": [
                            "application/json": ["schema": listSchema(zone)],
                            "application/geo+json": ["schema": ref("FeatureCollection")],
                        ],
                    ]
                ])),
            "post": op(
                "Create a zone", id: "create_zone", tag: "zones", body: newZone,
                responses: conflict(["201": response("the zone", zone)])),
        ]
        paths["/api/v1/zones/{id}"] = [
            "get": readOne(
                "Read a zone", id: "read_zone", tag: "zones", "the zone", zone),
            "patch": op(
                "Change a zone (compound_ids replaces its compounds)", id: "update_zone", tag: "zones",
                params: [idParam, ifMatch], body: zoneChange,
                responses: conflict(["200": response("the zone", zone), "412": rresp("Stale")])),
            "delete": op(
                "Delete a zone without a selection", id: "delete_zone", tag: "zones", params: [idParam, ifMatch],
                responses: conflict(["204": response("deleted"), "412": rresp("Stale")])),
        ]
        selections(&paths, &schemas)
        handovers(&paths, &schemas)
    }

    static func selections(_ paths: inout D, _ schemas: inout D) {
        let id: D = ["type": "integer", "format": "int64", "minimum": 1]
        let nullableInt: D = ["type": "integer", "format": "int64", "nullable": true]
        let date: D = ["type": "string", "format": "date"]
        let decimal: D = ["type": "string", "pattern": "^[0-9]{1,3}\\.[0-9]{2}$"]
        let fee: D = ["type": "integer", "format": "int64", "minimum": 1, "maximum": 100_000]
        func conflict(_ own: D) -> D { responses(own.merging(["409": rresp("Conflict")]) { a, _ in a }) }
        let criterion: D = [
            "type": "object", "required": ["name", "weight"],
            "properties": [
                "name": filled(max: 100),
                "weight": ["type": "integer", "minimum": 1, "maximum": 100],
            ],
        ]
        schemas["PropertySelection"] = [
            "type": "object",
            "required": [
                "id", "zone_id", "zone_name", "method", "criteria", "deadline", "panel_user_ids", "state", "bids",
                "members_scored", "notice_ids", "proposed_bid_id", "decisions", "contract", "created_at", "version",
            ],
            "properties": [
                "id": ty("integer"), "zone_id": ty("integer"), "zone_name": ty("string"),
                "method": ["type": "string", "enum": SelectionMethod.allCases.map(\.rawValue)],
                "criteria": ["type": "array", "items": criterion], "deadline": ty("string"),
                "panel_user_ids": ["type": "array", "items": ty("integer")],
                "state": ["type": "string", "enum": ["bidding", "scoring", "scored", "deciding", "contracted"]],
                "bids": ty("integer"), "members_scored": ty("integer"),
                "notice_ids": ["type": "array", "items": ty("integer")], "proposed_bid_id": nullableInt,
                "decisions": [
                    "type": "array",
                    "items": [
                        "type": "object",
                        "required": ["compound_id", "compound_name"],
                        "properties": [
                            "compound_id": ty("integer"), "compound_name": ty("string"), "vote_id": nullableInt,
                            "vote_status": ["type": "string", "nullable": true],
                            "vote_passed": ["type": "boolean", "nullable": true],
                            "decision": [
                                "type": "string", "nullable": true, "enum": ["approved", "rejected", NSNull()],
                            ],
                            "basis": ["type": "string", "nullable": true],
                        ],
                    ],
                ],
                "contract": [
                    "type": "object", "nullable": true,
                    "properties": [
                        "organisation_id": ty("integer"), "term_from": date, "term_until": date,
                        "fee_fen_per_m2_month": ty("integer"), "scope": ty("string"), "attachment_id": nullableInt,
                        "signed_at": ty("string"),
                    ],
                ],
                "created_at": ty("string"), "version": ty("integer"),
            ],
        ]
        schemas["PropertyBid"] = [
            "type": "object",
            "required": [
                "id", "selection_id", "organisation_id", "organisation_name", "fee_fen_per_m2_month", "plan",
                "attachments", "created_at",
            ],
            "properties": [
                "id": ty("integer"), "selection_id": ty("integer"), "organisation_id": ty("integer"),
                "organisation_name": ty("string"), "fee_fen_per_m2_month": ty("integer"), "plan": ty("string"),
                "attachments": ["type": "array", "items": ty("integer")], "created_at": ty("string"),
            ],
        ]
        schemas["PanelScores"] = [
            "type": "object", "required": ["complete", "members", "members_scored", "scores"],
            "properties": [
                "complete": ty("boolean"), "members": ty("integer"), "members_scored": ty("integer"),
                "scores": [
                    "type": "array",
                    "items": [
                        "type": "object", "required": ["user_id", "bid_id", "criterion", "score"],
                        "properties": [
                            "user_id": ty("integer"), "bid_id": ty("integer"), "criterion": ty("string"),
                            "score": decimal,
                        ],
                    ],
                ],
            ],
        ]
        let selection = ref("PropertySelection")
        let newSelection: D = [
            "type": "object", "required": ["zone_id", "method", "criteria", "deadline", "panel_user_ids"],
            "properties": [
                "zone_id": id, "method": ["type": "string", "enum": SelectionMethod.allCases.map(\.rawValue)],
                "criteria": [
                    "type": "array", "minItems": 1, "maxItems": 20, "items": criterion,
                    "description": "the weights sum to 100",
                ],
                "deadline": ["type": "string", "format": "date-time", "description": "bids are refused after it"],
                "panel_user_ids": ["type": "array", "minItems": 1, "maxItems": 25, "uniqueItems": true, "items": id],
            ],
        ]
        let newBid: D = [
            "type": "object", "required": ["organisation_id", "fee_fen_per_m2_month", "plan"],
            "properties": [
                "organisation_id": id, "fee_fen_per_m2_month": fee,
                "plan": filled(max: 20_000),
                "attachments": ["type": "array", "maxItems": 20, "items": id],
            ],
        ]
        let scoreList: D = [
            "type": "array", "minItems": 1, "maxItems": 2000,
            "items": [
                "type": "object", "required": ["bid_id", "criterion", "score"],
                "properties": [
                    "bid_id": id, "criterion": ty("string"),
                    "score": ["type": "number", "minimum": 0, "maximum": 100, "multipleOf": 0.01],
                ],
            ],
        ]
        let ranked: D = [
            "type": "object", "required": ["items"],
            "properties": [
                "items": [
                    "type": "array",
                    "items": [
                        "type": "object",
                        "required": [
                            "rank", "bid_id", "organisation_id", "organisation_name", "fee_fen_per_m2_month", "total",
                        ],
                        "properties": [
                            "rank": ty("integer"), "bid_id": ty("integer"), "organisation_id": ty("integer"),
                            "organisation_name": ty("string"), "fee_fen_per_m2_month": ty("integer"),
                            "total": decimal,
                        ],
                    ],
                ]
            ],
        ]
        let tag = "property_selections"
        paths["/api/v1/property_selections"] = [
            "get": op(
                "List property selections", id: "list_property_selections", tag: tag,
                params: pagingParams + [idFilter("zone_id")],
                responses: responses(["200": response("a page of selections", listSchema(selection))])),
            "post": op(
                "Start selecting a zone's property company (publishes the notice)", id: "create_property_selection",
                tag: tag, body: newSelection, responses: conflict(["201": response("the selection", selection)])),
        ]
        paths["/api/v1/property_selections/{id}"] = [
            "get": op(
                "Read a property selection", id: "read_property_selection", tag: tag, params: [idParam],
                responses: responses(["200": response("the selection", selection)]))
        ]
        paths["/api/v1/property_selections/{id}/bids"] = [
            "get": op(
                "List bids (a property company sees its own)", id: "list_property_bids", tag: tag,
                params: [idParam] + pagingParams,
                responses: responses(["200": response("a page of bids", listSchema(ref("PropertyBid")))])),
            "post": op(
                "Bid, until the deadline", id: "create_property_bid", tag: tag, params: [idParam], body: newBid,
                responses: conflict(["201": response("the bid", ref("PropertyBid"))])),
        ]
        paths["/api/v1/property_selections/{id}/scores"] = [
            "get": op(
                "The panel's scores (a member's own until all have scored)", id: "read_property_scores", tag: tag,
                params: [idParam], responses: responses(["200": response("the scores", ref("PanelScores"))])),
            "put": op(
                "Score bids as a panel member", id: "put_property_scores", tag: tag, params: [idParam],
                body: scoreList, responses: conflict(["200": response("the scores", ref("PanelScores"))])),
        ]
        paths["/api/v1/property_selections/{id}/ranking"] = [
            "get": op(
                "The ranking, once every member has scored", id: "read_property_ranking", tag: tag,
                params: [idParam], responses: conflict(["200": response("bids by total", ranked)]))
        ]
        paths["/api/v1/property_selections/{id}/proposal"] = [
            "post": op(
                "Put the ranking and proposed company to the owners", id: "propose_property_company", tag: tag,
                params: [idParam],
                body: ["type": "object", "required": ["bid_id"], "properties": ["bid_id": id]],
                responses: conflict(["200": response("the selection", selection)]))
        ]
        paths["/api/v1/property_selections/{id}/decisions"] = [
            "post": op(
                "Record the office's decision for a compound without an owners' organisation",
                id: "decide_property_company", tag: tag, params: [idParam],
                body: [
                    "type": "object", "required": ["compound_id", "approved", "basis"],
                    "properties": [
                        "compound_id": id, "approved": ty("boolean"),
                        "basis": filled(max: 2000),
                    ],
                ], responses: conflict(["200": response("the selection", selection)]))
        ]
        paths["/api/v1/property_selections/{id}/contract"] = [
            "post": op(
                "Close the selection with the contract and assign the company to the zone",
                id: "contract_property_company", tag: tag, params: [idParam],
                body: [
                    "type": "object", "required": ["term_from", "term_until", "fee_fen_per_m2_month", "scope"],
                    "properties": [
                        "term_from": date, "term_until": date, "fee_fen_per_m2_month": fee,
                        "scope": filled(max: 5000),
                        "attachment_id": ["type": "integer", "format": "int64", "minimum": 1, "nullable": true],
                    ],
                ], responses: conflict(["200": response("the selection", selection)]))
        ]
    }

    static func handovers(_ paths: inout D, _ schemas: inout D) {
        let date: D = ["type": "string", "format": "date"]
        let nullableInt: D = ["type": "integer", "format": "int64", "nullable": true]
        func conflict(_ own: D) -> D { responses(own.merging(["409": rresp("Conflict")]) { a, _ in a }) }
        let name: D = filled(max: 200)
        let quantity: D = ["type": "integer", "minimum": 0, "maximum": 1_000_000]
        func list(_ item: D) -> D { ["type": "array", "maxItems": 500, "items": item] }
        let checklist: D = [
            "type": "object", "required": ["facilities", "documents", "keys", "defects"],
            "properties": [
                "facilities": list([
                    "type": "object", "required": ["name", "quantity", "condition"],
                    "properties": [
                        "name": name, "quantity": quantity,
                        "condition": ["type": "string", "enum": HandoverChecklist.Condition.allCases.map(\.rawValue)],
                    ],
                ]),
                "documents": list([
                    "type": "object", "required": ["kind", "name"],
                    "properties": [
                        "kind": ["type": "string", "enum": HandoverChecklist.DocumentKind.allCases.map(\.rawValue)],
                        "name": name,
                        "attachment_id": ["type": "integer", "format": "int64", "minimum": 1, "nullable": true],
                    ],
                ]),
                "keys": list([
                    "type": "object", "required": ["name", "quantity"],
                    "properties": ["name": name, "quantity": quantity],
                ]),
                "defects": list([
                    "type": "object", "required": ["description", "due_on", "open"],
                    "properties": [
                        "description": filled(max: 1000),
                        "due_on": date, "open": ty("boolean"),
                    ],
                ]),
                "warranty_until": ["type": "string", "format": "date", "nullable": true],
            ],
        ]
        schemas["HandoverChecklist"] = checklist
        schemas["Handover"] = [
            "type": "object",
            "required": [
                "project_id", "compound_id", "zone_id", "property_company_id", "property_company_name", "checklist",
                "version", "signatures", "missing", "complete",
            ],
            "properties": [
                "project_id": ty("integer"), "compound_id": ty("integer"), "zone_id": nullableInt,
                "property_company_id": nullableInt, "property_company_name": ["type": "string", "nullable": true],
                "checklist": ["allOf": [ref("HandoverChecklist")], "nullable": true], "version": ty("integer"),
                "signatures": [
                    "type": "array",
                    "items": [
                        "type": "object", "required": ["party", "username", "signed_at"],
                        "properties": [
                            "party": ["type": "string", "enum": HandoverParty.allCases.map(\.rawValue)],
                            "username": ty("string"), "signed_at": ty("string"),
                        ],
                    ],
                ],
                "missing": ["type": "array", "items": ty("string")], "complete": ty("boolean"),
            ],
        ]
        let handover = ref("Handover")
        paths["/api/v1/projects/{id}/handover"] = [
            "get": op(
                "A compound's hand-over checklist and signatures", id: "read_handover", tag: "handovers",
                params: [idParam], responses: responses(["200": response("the hand-over", handover)])),
            "put": op(
                "Write the checklist (a change clears the signatures; If-Match as read, or a 409)",
                id: "put_handover", tag: "handovers", params: [idParam, ifMatch], body: ref("HandoverChecklist"),
                responses: conflict(["200": response("the hand-over", handover)])),
        ]
        paths["/api/v1/projects/{id}/handover/sign"] = [
            "post": op(
                "Sign the checklist as this account's party (the version read; a changed one is a 409)",
                id: "sign_handover", tag: "handovers", params: [idParam],
                body: oneField("version", ["type": "integer", "minimum": 0, "maximum": 2_147_483_647]),
                responses: conflict(["200": response("the hand-over", handover)]))
        ]
        let record: D = [
            "type": "object",
            "required": ["reports", "open", "fixed", "fixed_within_service_level", "share_fixed_within_service_level"],
            "properties": [
                "reports": ty("integer"), "open": ty("integer"), "fixed": ty("integer"),
                "fixed_within_service_level": ty("integer"),
                "share_fixed_within_service_level": [
                    "type": "string", "nullable": true, "pattern": "^[0-9]{1,3}\\.[0-9]{2}$",
                ],
                "satisfaction_percent": ["type": "string", "nullable": true, "pattern": "^[0-9]{1,3}\\.[0-9]$"],
            ],
        ]
        schemas["PropertyCompanyView"] = [
            "type": "object", "required": ["organisation_id", "name", "zones", "reports"],
            "properties": [
                "organisation_id": ty("integer"), "name": ty("string"),
                "zones": [
                    "type": "array",
                    "items": [
                        "type": "object",
                        "required": ["zone_id", "name", "households", "area_m2", "compounds", "contract", "record"],
                        "properties": [
                            "zone_id": ty("integer"), "name": ty("string"), "households": ty("integer"),
                            "area_m2": ty("string"),
                            "compounds": [
                                "type": "array",
                                "items": [
                                    "type": "object", "required": ["id", "name", "address"],
                                    "properties": ["id": ty("integer"), "name": ty("string"), "address": ty("string")],
                                ],
                            ],
                            "contract": ["type": "object", "nullable": true], "record": record,
                        ],
                    ],
                ],
                "reports": [
                    "type": "array",
                    "items": [
                        "type": "object",
                        "required": [
                            "id", "compound_id", "compound_name", "category", "description", "state", "overdue",
                            "submitted_at",
                        ],
                        "properties": [
                            "id": ty("integer"), "compound_id": ty("integer"), "compound_name": ty("string"),
                            "category": ty("string"), "description": ty("string"), "state": ty("string"),
                            "due_on": ["type": "string", "format": "date", "nullable": true],
                            "overdue": ty("boolean"), "submitted_at": ty("string"),
                        ],
                    ],
                ],
            ],
        ]
        paths["/api/v1/property_companies/{id}"] = [
            "get": op(
                "A property company's compounds, reports and record", id: "read_property_company",
                tag: "property_companies", params: [idParam],
                responses: responses(["200": response("the company's view", ref("PropertyCompanyView"))]))
        ]
    }
}
