import Foundation
import HeraldPeers
import Testing

@testable import HeraldCore

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

/// The hand-written body must be JSON any server parses back to exactly what was meant.
struct ChatRequestBodyTests {
    @Test(arguments: [
        "plain", "quote \" and backslash \\", "lines\nand\r\ntabs\t", "bell \u{07} and nul \u{00} and esc \u{1B}",
        "emoji 😀 and ünïcödé", "", "</script> and \u{2028}",
    ])
    func stringsRoundTrip(text: String) throws {
        var out = ""
        ChatRequestBody.append(string: text, to: &out)
        let back = try JSONSerialization.jsonObject(with: Data("[\(out)]".utf8)) as? [String]
        #expect(back == [text])
    }

    @Test func aFullBodyParsesBackToTheRequest() throws {
        let messages = [
            SessionMessage(role: .system, content: "You are \"Herald\".\n"),
            SessionMessage(role: .user, content: "hi"),
            SessionMessage(
                role: .assistant, content: "",
                toolCalls: [ToolCall(id: "c1", name: "memory", arguments: #"{"action":"add","text":"a \"b\""}"#)]),
            SessionMessage(role: .tool, content: "Saved.", toolCallID: "c1"),
        ]
        let tool = ToolSpec(
            name: "memory", description: "Save \"notes\".", parametersJSON: #"{"type":"object","properties":{"b":{},"a":{}}}"#)
        let body = ChatRequestBody(
            model: "m", messages: messages, toolsJSON: "[" + ChatRequestBody.tool(tool) + "]", maxTokens: 64, temperature: 0.7,
            slot: 2
        ).encoded()
        let json = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        #expect(json["model"] as? String == "m")
        #expect(json["max_tokens"] as? Int == 64 && json["temperature"] as? Double == 0.7)
        #expect(json["id_slot"] as? Int == 2 && json["cache_prompt"] as? Bool == true && json["stream"] as? Bool == true)
        let wire = try #require(json["messages"] as? [[String: Any]])
        #expect(wire.map { $0["role"] as? String } == ["system", "user", "assistant", "tool"])
        #expect(wire[0]["content"] as? String == "You are \"Herald\".\n")
        let call = try #require((wire[2]["tool_calls"] as? [[String: Any]])?.first?["function"] as? [String: Any])
        #expect(call["arguments"] as? String == #"{"action":"add","text":"a \"b\""}"#)
        #expect(wire[3]["tool_call_id"] as? String == "c1")
        let function = try #require((json["tools"] as? [[String: Any]])?.first?["function"] as? [String: Any])
        #expect(function["description"] as? String == "Save \"notes\".")
        #expect(ChatRequestBody.tool(tool).contains(#""properties":{"a":{},"b":{}}"#), "schema keys are sorted")
    }
}
