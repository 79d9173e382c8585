import AsyncHTTPClient
import CourtyardDomain
import Foundation
import NIOCore
import NIOHTTP1

/// Requests sent at once, each over a connection of its own pool, to a live test server.
///
/// The live test client holds a single connection, so requests sent "together" through it queue one behind the
/// other under one fixed 20 s deadline. Concurrency tests need people arriving at the same moment, and a deadline
/// that counts answers rather than a busy machine's speed, so they use this instead. A 503 (the server found no
/// free database connection in time, and wrote nothing) is sent again after a pause, as a person's phone would,
/// five times at most; the answer kept is the last.
enum ConcurrentHTTP {
    struct Answer: Sendable {
        var status: Int
        var json: JSONValue
    }

    static func post(
        port: Int, _ path: String, token: String?, bodies: [String], deadline: TimeAmount = .seconds(300)
    ) async throws -> [Answer] {
        try await withThrowingTaskGroup(of: Answer.self) { group in
            for body in bodies {
                group.addTask {
                    for _ in 1..<5 {
                        let answer = try await send(port: port, path, token: token, body: body, deadline: deadline)
                        if answer.status != 503 { return answer }
                        try await Task.sleep(for: .milliseconds(500))
                    }
                    return try await send(port: port, path, token: token, body: body, deadline: deadline)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    static func send(port: Int, _ path: String, token: String?, body: String, deadline: TimeAmount) async throws
        -> Answer
    {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, deadline: .now() + deadline)
        let bytes = try await response.body.collect(upTo: 1 << 20)
        let json = (try? JSONDecoder().decode(AnyJSONForTests.self, from: Data(buffer: bytes)))?.value
        return Answer(status: Int(response.status.code), json: json ?? .null)
    }
}
