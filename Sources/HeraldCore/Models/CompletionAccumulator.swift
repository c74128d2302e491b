import Foundation

/// Folds the events of a streamed chat completion into one response: content deltas, tool call
/// fragments (by index), the finish reason, OpenAI `usage` and llama.cpp `timings`. Pure.
struct CompletionAccumulator {
    struct Malformed: Error {
        var raw: String
    }

    private var text = ""
    private var calls: [Int: (id: String, name: String, arguments: String)] = [:]
    private(set) var finishReason: String?
    private var usage: Usage

    init(model: String) { usage = Usage(model: model) }

    /// Applies one event's data; returns new content text, if the event carried some.
    mutating func apply(_ data: String) throws -> String? {
        guard let json = try? JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any] else {
            throw Malformed(raw: data)
        }
        if let error = json["error"] {
            throw Malformed(raw: "error event: \(error)")
        }
        if let model = json["model"] as? String, !model.isEmpty { usage.model = model }
        if let u = json["usage"] as? [String: Any] {
            usage.promptTokens = u["prompt_tokens"] as? Int ?? usage.promptTokens
            usage.completionTokens = u["completion_tokens"] as? Int ?? usage.completionTokens
            if let details = u["prompt_tokens_details"] as? [String: Any], let cached = details["cached_tokens"] as? Int {
                usage.cachedTokens = max(usage.cachedTokens, cached)
            }
        }
        if let t = json["timings"] as? [String: Any] {
            // llama-server: prompt_n counts only the tokens it had to evaluate; cache_n the reused ones.
            let cached = t["cache_n"] as? Int ?? 0
            let evaluated = t["prompt_n"] as? Int ?? 0
            usage.cachedTokens = max(usage.cachedTokens, cached)
            usage.promptTokens = max(usage.promptTokens, evaluated + cached)
            if let n = t["predicted_n"] as? Int { usage.completionTokens = max(usage.completionTokens, n) }
            usage.promptMilliseconds = t["prompt_ms"] as? Double ?? usage.promptMilliseconds
            usage.generationMilliseconds = t["predicted_ms"] as? Double ?? usage.generationMilliseconds
        }
        guard let choices = json["choices"] as? [[String: Any]], let choice = choices.first else { return nil }
        if let reason = choice["finish_reason"] as? String { finishReason = reason }
        // Non-streaming servers answering a streaming request send `message` instead of `delta`.
        guard let delta = (choice["delta"] ?? choice["message"]) as? [String: Any] else { return nil }
        if let toolCalls = delta["tool_calls"] as? [[String: Any]] {
            for (position, c) in toolCalls.enumerated() {
                let index = c["index"] as? Int ?? position
                var entry = calls[index] ?? ("", "", "")
                if let id = c["id"] as? String { entry.id = id }
                if let f = c["function"] as? [String: Any] {
                    if let n = f["name"] as? String { entry.name += n }
                    if let a = f["arguments"] as? String { entry.arguments += a }
                }
                calls[index] = entry
            }
        }
        if let content = delta["content"] as? String, !content.isEmpty {
            text += content
            return content
        }
        return nil
    }

    var result: ModelResponse {
        let toolCalls = calls.keys.sorted().compactMap { i -> ToolCall? in
            guard let c = calls[i], !c.name.isEmpty else { return nil }
            return ToolCall(id: c.id.isEmpty ? "call_\(i)" : c.id, name: c.name, arguments: c.arguments.isEmpty ? "{}" : c.arguments)
        }
        return ModelResponse(text: text, toolCalls: toolCalls, finishReason: finishReason, usage: usage)
    }
}
