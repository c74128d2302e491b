import Foundation
import HeraldCore
import HeraldPeers
import Testing

/// A prompt cache only helps when every request repeats the same prefix byte for byte. Tool
/// schemas go through dictionaries, whose order Swift changes from one instance to the next.
struct RequestEncodingTests {
    @Test func theSameToolsAreSentByteForByteTheSameEveryTurn() async throws {
        let model = try StubOpenAIServer()
        defer { model.stop() }
        let backend = OpenAIBackend(config: ModelConfig(name: "stub", url: model.baseURL))
        let tools = (1...6).map { i in
            ToolSpec(
                name: "tool\(i)", description: "Tool number \(i).",
                parametersJSON:
                    #"{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"integer"},"c":{"type":"boolean"},"d":{"type":"array","items":{"type":"string"}}},"required":["a","b"]}"#
            )
        }
        for turn in 1...8 {
            let request = ModelRequest(
                messages: [SessionMessage(role: .user, content: "turn \(turn)")], tools: tools, sessionID: "s")
            _ = try await backend.complete(request) { _ in }
        }
        let toolsParts = try model.bodies.map { body -> String in
            let text = String(decoding: body, as: UTF8.self)
            let start = try #require(text.range(of: #""tools":"#), "the request has tools: \(text)")
            return String(text[start.lowerBound...])
        }
        #expect(toolsParts.count == 8)
        #expect(Set(toolsParts).count == 1, "every request carries the same bytes for the same tools")
    }
}
