import Foundation

/// Writes a chat-completions request body. By hand rather than through JSONSerialization, for
/// two reasons the benchmarks found: Foundation's writer took a sixth of the pipeline's CPU, and
/// a dictionary's key order changes from one instance to the next, so the same tool schemas
/// came out in a new order every turn and defeated llama.cpp's prompt cache. Here keys come in
/// a fixed order and each tool's schema is encoded once. Pure.
struct ChatRequestBody {
    var model: String
    var messages: [SessionMessage]
    /// The `tools` array, already encoded (see `tools(_:)`), or nil for none.
    var toolsJSON: String?
    /// "none": the tools are in the prompt, but the model must answer in text.
    var toolChoice: String?
    var maxTokens: Int
    var temperature: Double
    /// llama-server: keep the prompt cache and pin the session to this slot.
    var slot: Int?

    func encoded() -> Data {
        var out = "{\"model\":"
        Self.append(string: model, to: &out)
        out += ",\"messages\":["
        for (i, m) in messages.enumerated() {
            if i > 0 { out += "," }
            Self.append(m, to: &out)
        }
        out += "],\"stream\":true,\"stream_options\":{\"include_usage\":true}"
        out += ",\"max_tokens\":\(maxTokens),\"temperature\":\(temperature.isFinite ? temperature : 0)"
        if let slot { out += ",\"cache_prompt\":true,\"id_slot\":\(slot)" }
        if let toolsJSON {
            out += ",\"tools\":" + toolsJSON
            if let toolChoice { out += ",\"tool_choice\":\"\(toolChoice)\"" }
        }
        out += "}"
        return Data(out.utf8)
    }

    private static func append(_ m: SessionMessage, to out: inout String) {
        out += "{\"role\":"
        append(string: m.role.rawValue, to: &out)
        out += ",\"content\":"
        append(string: m.content, to: &out)
        if let id = m.toolCallID {
            out += ",\"tool_call_id\":"
            append(string: id, to: &out)
        }
        if let calls = m.toolCalls, !calls.isEmpty {
            out += ",\"tool_calls\":["
            for (i, c) in calls.enumerated() {
                if i > 0 { out += "," }
                out += "{\"id\":"
                append(string: c.id, to: &out)
                out += ",\"type\":\"function\",\"function\":{\"name\":"
                append(string: c.name, to: &out)
                out += ",\"arguments\":"
                append(string: c.arguments, to: &out)
                out += "}}"
            }
            out += "]"
        }
        out += "}"
    }

    /// One tool in the OpenAI shape, its parameter schema re-encoded with sorted keys so the
    /// same spec always gives the same bytes. A schema that is not valid JSON becomes `{}`.
    static func tool(_ t: ToolSpec) -> String {
        let parsed = (try? JSONSerialization.jsonObject(with: Data(t.parametersJSON.utf8))) ?? [String: Any]()
        let schema =
            (try? JSONSerialization.data(withJSONObject: parsed, options: [.sortedKeys])).map {
                String(decoding: $0, as: UTF8.self)
            } ?? "{}"
        var out = "{\"type\":\"function\",\"function\":{\"name\":"
        append(string: t.name, to: &out)
        out += ",\"description\":"
        append(string: t.description, to: &out)
        out += ",\"parameters\":" + schema + "}}"
        return out
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped; everything
    /// else as UTF-8.
    static func append(string s: String, to out: inout String) {
        out += "\""
        var start = s.unicodeScalars.startIndex
        var i = start
        let scalars = s.unicodeScalars
        while i < scalars.endIndex {
            let c = scalars[i]
            let escape: String?
            switch c {
            case "\"": escape = "\\\""
            case "\\": escape = "\\\\"
            case "\n": escape = "\\n"
            case "\r": escape = "\\r"
            case "\t": escape = "\\t"
            default: escape = c.value < 0x20 ? String(format: "\\u%04x", c.value) : nil
            }
            if let escape {
                out.unicodeScalars.append(contentsOf: scalars[start..<i])
                out += escape
                start = scalars.index(after: i)
            }
            i = scalars.index(after: i)
        }
        out.unicodeScalars.append(contentsOf: scalars[start..<scalars.endIndex])
        out += "\""
    }
}
