import CourtyardDomain
import CourtyardStore

/// The Investment feature's part of the OpenAPI document.
extension OpenAPIDocument {
    static func investmentPaths() -> D {
        var paths: D = [:]
        let date: D = ["type": "string", "format": "date"]
        let id: D = ["type": "integer", "format": "int64", "minimum": 1]
        let int: D = ["type": "integer", "format": "int64"]
        let str = ty("string")
        let optStr: D = ["type": "string", "nullable": true]
        let optInt: D = ["type": "integer", "format": "int64", "nullable": true]
        let max = InvestmentRules.maxFen
        let money: D = ["type": "integer", "format": "int64", "description": "fen (0.01 元), exact"]
        let quantityOut: D = [
            "type": "number",
            "description": "thousandths of the work item's unit, exact: written with three decimals (860.500)",
        ]
        let quantityIn: D = [
            "description":
                "the quantity in the work item's unit with at most three decimals, kept exactly in thousandths; "
                + "a number or decimal text",
            "anyOf": [
                ["type": "number", "minimum": 0, "maximum": 999_999_999.999],
                ["type": "string", "pattern": "^[0-9]{1,9}(\\.[0-9]{1,3})?$"],
            ],
        ]
        let conflict = { (own: D) -> D in responses(own.merging(["409": rresp("Conflict")]) { a, _ in a }) }
        let states = ApprovalState.allCases.map(\.rawValue)
        let contractLine: D = [
            "type": "object",
            "required": ["work_item_id", "work_item_name", "unit", "quantity", "unit_price_fen", "line_fen"],
            "properties": [
                "work_item_id": int, "work_item_name": str, "unit": str, "quantity": quantityOut,
                "unit_price_fen": money, "line_fen": money,
            ],
        ]
        let contract: D = [
            "type": "object",
            "required": [
                "id", "project_id", "contractor_id", "contractor_name", "signed_on", "attachment_id", "items",
                "sum_fen", "approved_changes_fen", "updated_at", "updated_by", "version",
            ],
            "properties": [
                "id": int, "project_id": int, "contractor_id": int, "contractor_name": str, "signed_on": date,
                "attachment_id": optInt, "items": ["type": "array", "items": contractLine],
                "sum_fen": money.merging(["description": "the bill of quantities' total in fen"]) { _, b in b },
                "approved_changes_fen": money, "updated_at": str, "updated_by": str, "version": int,
            ],
        ]
        let changeOrder: D = [
            "type": "object",
            "required": [
                "id", "project_id", "work_item_id", "reason", "amount_fen", "state", "waiting_for", "pm_approved_by",
                "pm_approved_at", "office_approved_by", "office_approved_at", "rejected_by", "reject_reason",
                "created_at", "created_by",
            ],
            "properties": [
                "id": int, "project_id": int, "work_item_id": optInt, "reason": str, "amount_fen": money,
                "state": ["type": "string", "enum": states],
                "waiting_for": nullable(["type": "string", "enum": ["pm_company", "office"]]),
                "pm_approved_by": optStr, "pm_approved_at": optStr, "office_approved_by": optStr,
                "office_approved_at": optStr, "rejected_by": optStr, "reject_reason": str, "created_at": str,
                "created_by": str,
            ],
        ]
        let payment: D = [
            "type": "object",
            "required": [
                "id", "project_id", "period_end", "measured", "measured_value_fen", "limit_kind", "limit_fen",
                "amount_fen", "state", "waiting_for", "supervisor_confirmed_by", "supervisor_confirmed_at",
                "pm_approved_by", "pm_approved_at", "rejected_by", "reject_reason", "created_at", "created_by",
            ],
            "properties": [
                "id": int, "project_id": int, "period_end": date,
                "measured": [
                    "type": "array",
                    "items": [
                        "type": "object", "required": ["work_item_id", "quantity", "value_fen"],
                        "properties": ["work_item_id": int, "quantity": quantityOut, "value_fen": money],
                    ],
                ],
                "measured_value_fen": money,
                "limit_kind": ["type": "string", "enum": ["progress", "settlement", "released"]],
                "limit_fen": money, "amount_fen": money, "state": ["type": "string", "enum": states],
                "waiting_for": nullable(["type": "string", "enum": ["supervisor", "pm_company"]]),
                "supervisor_confirmed_by": optStr, "supervisor_confirmed_at": optStr, "pm_approved_by": optStr,
                "pm_approved_at": optStr, "rejected_by": optStr, "reject_reason": str, "created_at": str,
                "created_by": str,
            ],
        ]
        let reasonIn: D = filled(max: 2000)
        let reject: D = ["type": "object", "required": ["reason"], "properties": ["reason": reasonIn]]

        paths["/api/v1/projects/{id}/contract"] = [
            "put": op(
                "Record or replace the project's contract and its bill of quantities (工程量清单); answers with sum_fen",
                id: "put_contract", tag: "investment", params: [idParam],
                body: [
                    "type": "object", "required": ["contractor_id", "signed_on", "items"],
                    "properties": [
                        "contractor_id": id, "signed_on": date, "attachment_id": nullable(id),
                        "items": [
                            "type": "array", "minItems": 1, "maxItems": 2000,
                            "items": [
                                "type": "object", "required": ["work_item_id", "quantity", "unit_price_fen"],
                                "properties": [
                                    "work_item_id": id, "quantity": quantityIn,
                                    "unit_price_fen": [
                                        "type": "integer", "format": "int64", "minimum": 0, "maximum": max,
                                        "description": "whole fen",
                                    ],
                                ],
                            ],
                        ],
                    ],
                ], responses: responses(["200": response("the contract", contract)])),
            "get": op(
                "The project's contract (404 when it has none)", id: "get_contract", tag: "investment",
                params: [idParam], responses: responses(["200": response("the contract", contract)])),
        ]
        paths["/api/v1/projects/{id}/change_orders"] = [
            "post": op(
                "Propose a change order (变更); it counts once approved by the pm company and then the office",
                id: "propose_change_order", tag: "investment", params: [idParam],
                body: [
                    "type": "object", "required": ["reason", "amount_fen"],
                    "properties": [
                        "reason": reasonIn,
                        "amount_fen": [
                            "type": "integer", "format": "int64", "minimum": -max, "maximum": max,
                            "description": "whole fen, negative for a reduction, not zero",
                        ],
                        "work_item_id": nullable(id),
                    ],
                ], responses: conflict(["201": response("the change order", changeOrder)])),
            "get": op(
                "The project's change orders", id: "list_change_orders", tag: "investment",
                params: [idParam] + pagingParams,
                responses: responses(["200": response("change orders", listSchema(changeOrder))])),
        ]
        paths["/api/v1/change_orders/{id}/approve"] = [
            "post": op(
                "Approve a change order: the project's pm company first, then the office (who calls decides which)",
                id: "approve_change_order", tag: "investment", params: [idParam],
                responses: conflict(["200": response("the change order", changeOrder)]))
        ]
        paths["/api/v1/change_orders/{id}/reject"] = [
            "post": op(
                "Reject a change order, by whoever's approval it waits for", id: "reject_change_order",
                tag: "investment", params: [idParam], body: reject,
                responses: conflict(["200": response("the change order", changeOrder)]))
        ]
        paths["/api/v1/projects/{id}/payments"] = [
            "post": op(
                "Request a progress payment (进度款) on quantities measured to period_end; refused (409 payment_limit) "
                    + "when the payments not rejected would pass the limit",
                id: "request_payment", tag: "investment", params: [idParam],
                body: [
                    "type": "object", "required": ["period_end", "measured", "amount_fen"],
                    "properties": [
                        "period_end": date,
                        "measured": [
                            "type": "array", "maxItems": 2000,
                            "items": [
                                "type": "object", "required": ["work_item_id", "quantity"],
                                "properties": ["work_item_id": id, "quantity": quantityIn],
                            ],
                        ],
                        "amount_fen": [
                            "type": "integer", "format": "int64", "minimum": 1, "maximum": max,
                            "description": "whole fen",
                        ],
                    ],
                ], responses: conflict(["201": response("the payment", payment)])),
            "get": op(
                "The project's payments", id: "list_payments", tag: "investment", params: [idParam] + pagingParams,
                responses: responses(["200": response("payments", listSchema(payment))])),
        ]
        paths["/api/v1/payments/{id}/approve"] = [
            "post": op(
                "Confirm (the project's supervisor) or approve (then the project's pm company) a payment",
                id: "approve_payment", tag: "investment", params: [idParam],
                responses: conflict(["200": response("the payment", payment)]))
        ]
        paths["/api/v1/payments/{id}/reject"] = [
            "post": op(
                "Reject a payment, by whoever's step it waits for", id: "reject_payment", tag: "investment",
                params: [idParam], body: reject, responses: conflict(["200": response("the payment", payment)]))
        ]
        let line: D = [
            "type": "object",
            "required": [
                "project_id", "community_id", "subdistrict_id", "name", "community_name", "subdistrict_name",
                "projects", "budget_fen", "contract_fen", "contracts", "approved_changes_fen", "paid_fen",
                "remaining_fen", "over_budget", "over_budget_projects", "budget_tolerance_percent",
            ],
            "properties": [
                "project_id": optInt, "community_id": optInt, "subdistrict_id": int, "name": str,
                "community_name": str, "subdistrict_name": str, "projects": int, "budget_fen": money,
                "contract_fen": money, "contracts": int, "approved_changes_fen": money,
                "paid_fen": money.merging(["description": "payments approved by the pm company, fen"]) { _, b in b },
                "remaining_fen": money, "over_budget": ty("boolean"), "over_budget_projects": int,
                "budget_tolerance_percent": int,
            ],
        ]
        let report: D = [
            "type": "object", "required": ["batch_year", "projects", "communities", "subdistricts"],
            "properties": [
                "batch_year": int, "projects": ["type": "array", "items": line],
                "communities": ["type": "array", "items": line], "subdistricts": ["type": "array", "items": line],
            ],
        ]
        paths["/api/v1/programme/investment"] = [
            "get": op(
                "Investment per project, community and sub-district: budget, contract, approved changes, paid, "
                    + "remaining, over-budget flags; CSV and XLSX (lang=zh-Hans: Chinese headers, money in 元)",
                id: "programme_investment", tag: "investment",
                params: [
                    yearParam(required: true), enumParam("format", ["json", "csv", "xlsx"]),
                    enumParam("lang", ["zh-Hans", "en"]),
                ],
                responses: responses([
                    "200": [
                        "description": "the report",
                        "content": [
                            "application/json": ["schema": report], "text/csv": ["schema": str],
                            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": [
                                "schema": ["type": "string", "format": "binary"]
                            ],
                        ],
                    ]
                ]))
        ]
        var settingsProps: D = ["subdistrict_id": nullable(id)]
        for r in InvestmentSettings.ranges {
            // Left out or null: the value stays as it is.
            settingsProps[r.field] = nullable([
                "type": "integer", "minimum": r.range.lowerBound, "maximum": r.range.upperBound,
            ])
        }
        let settings: D = [
            "type": "object",
            "required": InvestmentSettings.ranges.map(\.field),
            "properties": Dictionary(
                uniqueKeysWithValues: InvestmentSettings.ranges.map { ($0.field, int as Any) }),
        ]
        paths["/api/v1/programme/investment/settings"] = [
            "put": op(
                "The office's payment ratio (80–100%), retention (0–3%), defects liability months (1–24) and budget "
                    + "tolerance (%); fields left out or null keep their value; a global account names subdistrict_id",
                id: "put_investment_settings", tag: "investment",
                body: ["type": "object", "properties": settingsProps],
                responses: responses(["200": response("the settings", settings)]))
        ]
        return paths
    }
}
