import CourtyardDomain

/// The Accounts feature's part of the OpenAPI document: tokens, accounts and the audit log.
extension OpenAPIDocument {
    static func accountPaths() -> D {
        var paths: D = [:]
        let user = ref("User")
        let credentials: D = [
            "type": "object", "required": ["username", "password"],
            "properties": ["username": ty("string"), "password": ty("string")],
        ]
        let token: D = [
            "type": "object", "required": ["token"],
            "properties": [
                "token": ty("string"), "token_id": ty("integer"), "expires_in": ty("integer"), "user": user,
            ],
        ]
        paths["/api/v1/auth/token"] = [
            "post": op(
                "Issue a bearer token", id: "issue_token", tag: "auth", body: credentials,
                responses: [
                    "201": response("a bearer token", token), "400": rresp("BadRequest"), "401": rresp("Unauthorized"),
                    "422": rresp("Unprocessable"),
                    "429": response("too many sign-in attempts from this address", ref("Error")),
                ], open: true),
            "delete": op(
                "Revoke this token", id: "revoke_token", tag: "auth",
                responses: ["204": response("revoked"), "401": rresp("Unauthorized")]),
        ]
        paths["/api/v1/auth/me"] = [
            "get": op(
                "Current account", id: "me", tag: "auth",
                responses: ["200": response("the account", user), "401": rresp("Unauthorized")])
        ]
        paths["/api/v1/auth/tokens"] = [
            "get": op(
                "List my tokens", id: "list_tokens", tag: "auth",
                responses: ["200": response("tokens", ty("object")), "401": rresp("Unauthorized")])
        ]
        paths["/api/v1/auth/tokens/{id}"] = [
            "delete": op(
                "Revoke a token", id: "revoke_token_by_id", tag: "auth", params: [idParam],
                responses: ["204": response("revoked"), "401": rresp("Unauthorized"), "404": rresp("NotFound")])
        ]
        let newUser: D = [
            "type": "object", "required": ["username", "password", "role"],
            "properties": [
                "username": ty("string"), "password": ["type": "string", "minLength": 8],
                "role": ["type": "string", "enum": Role.allCases.map(\.rawValue)],
                "scope": ["type": "string", "example": "community:1"],
                "display_name": ty("string"),
            ],
        ]
        let userPatch: D = [
            "type": "object",
            "properties": [
                "password": ty("string"), "role": ty("string"), "scope": ty("string"),
                // Left null, the name stays as it is.
                "display_name": ["type": "string", "nullable": true], "disabled": ty("boolean"),
            ],
        ]
        paths["/api/v1/users"] = [
            "get": op(
                "List accounts", id: "list_users", tag: "users",
                params: pagingParams + [enumParam("format", ["json", "csv"])],
                responses: responses(["200": listWithCSV("accounts", user)])),
            "post": op(
                "Create an account", id: "create_user", tag: "users", body: newUser,
                responses: responses(["201": response("created", user), "409": rresp("Conflict")])),
        ]
        paths["/api/v1/users/{id}"] = [
            "get": readOne(
                "Read an account", id: "read_user", tag: "users", "the account", user),
            "patch": op(
                "Update an account", id: "update_user", tag: "users", params: [idParam, ifMatch], body: userPatch,
                responses: responses(["200": response("updated", user), "412": rresp("Stale")])),
        ]
        paths["/api/v1/audit"] = [
            "get": op(
                "Audit log", id: "audit", tag: "audit",
                params: [param("entity", "query", "string"), idFilter("entity_id")] + pagingParams
                    + [enumParam("format", ["json", "csv"])],
                responses: responses(["200": listWithCSV("entries", ref("AuditEntry"))]))
        ]
        return paths
    }
}
