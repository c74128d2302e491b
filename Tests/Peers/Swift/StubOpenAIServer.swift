import Foundation
import Synchronization

/// A stub OpenAI-compatible chat completions server on loopback, for tests and HeraldBench.
/// It answers `POST /v1/chat/completions` (streaming or not) from a script the test controls,
/// records every prompt it was sent, and can misbehave on purpose.
public final class StubOpenAIServer: Sendable {
    /// How to answer one request.
    public enum Reply: Sendable {
        /// Stream `text` in `pieces` deltas, `delay` between deltas.
        case text(String, pieces: Int = 3, delay: Duration = .zero)
        /// A tool call the agent must run, then the model is asked again.
        case toolCall(name: String, arguments: String)
        /// A chunk that is not JSON.
        case malformedJSON
        /// Content bytes that are not UTF-8.
        case invalidUTF8
        /// An HTTP error status.
        case status(Int)
        /// Holds the request until `gate` opens, then streams `text`: a slow model, under the test's control.
        case gated(Gate, String)
    }

    /// A gate a test opens to let held requests go on (served on the server's own threads).
    public final class Gate: Sendable {
        private let semaphore = DispatchSemaphore(value: 0)
        private let waiting = Mutex<(count: Int, waiters: WaiterList<Int>)>((0, WaiterList()))
        private let arrived = Mutex<[Date]>([])
        public init() {}
        public func open() { semaphore.signal() }
        func pass() {
            let waiters = waiting.withLock { w -> [CheckedContinuation<Void, Never>] in
                w.count += 1
                arrived.withLock { $0.append(Date()) }
                return w.waiters.ready(w.count)
            }
            waiters.forEach { $0.resume() }
            semaphore.wait()
        }
        /// Requests that have reached the gate so far.
        public var held: Int { waiting.withLock { $0.count } }
        /// When each request reached the gate.
        public var arrivals: [Date] { arrived.withLock { $0 } }

        /// Returns once `n` requests have reached the gate in all.
        public func waitUntilHeld(_ n: Int) async {
            await cancellableWait(
                register: { id, c in
                    waiting.withLock { w in
                        if w.count >= n { return false }
                        w.waiters.add(id, { $0 >= n }, c)
                        return true
                    }
                },
                cancel: { [self] id in self.waiting.withLock { $0.waiters.remove(id) } })
        }

        /// Returns once a request is held at the gate.
        public func waitUntilHeld() async {
            await cancellableWait(
                register: { id, c in
                    waiting.withLock { w in
                        if w.count > 0 { return false }
                        w.waiters.add(id, { $0 > 0 }, c)
                        return true
                    }
                },
                cancel: { [self] id in self.waiting.withLock { $0.waiters.remove(id) } })
        }
    }

    public struct Message: Sendable {
        public var role: String
        public var content: String
    }

    public typealias Script = @Sendable (_ messages: [Message]) -> Reply

    /// How a server refuses a prompt larger than its window, as each one words it.
    public enum ContextRefusal: Sendable {
        /// llama-server: 400 `exceed_context_size_error` with `n_ctx`.
        case llamaCpp
        /// OpenAI and vLLM: 400 `context_length_exceeded`, the limit only in the message.
        case openAI
    }

    private let server: StubHTTPServer
    private let recorded = Mutex<[[Message]]>([])
    private let recordedTools = Mutex<[[String]]>([])
    private let recordedBodies = Mutex<[Data]>([])
    private let script: Script
    private let record: Bool
    private let listedContext: Int?
    private let ollama: (contextLength: Int, numCtx: Int?)?
    private let window: (tokens: Int, refusal: ContextRefusal)?

    /// - Parameter record: keep every request for `requests` (benchmarks turn it off, so the
    ///   stub's own memory does not count against Herald's).
    /// - Parameter listedContext: answer `GET /v1/models` with this `max_model_len`, as vLLM does.
    /// - Parameter ollama: answer `POST /api/show` as Ollama does: the model's trained
    ///   `context_length` in `model_info`, and `num_ctx` in `parameters` when the Modelfile sets it.
    /// - Parameter window: refuse a prompt over this many tokens (4 bytes a token) the way the
    ///   named server does; nothing is recorded for a refused request.
    public init(
        port: Int = 0, record: Bool = true, listedContext: Int? = nil, ollama: (contextLength: Int, numCtx: Int?)? = nil,
        window: (tokens: Int, refusal: ContextRefusal)? = nil, script: @escaping Script = StubOpenAIServer.echo
    ) throws {
        self.listedContext = listedContext
        self.ollama = ollama
        self.window = window
        self.script = script
        self.record = record
        let box = Mutex<StubOpenAIServer?>(nil)
        server = try StubHTTPServer(port: port) { request in
            guard let me = box.withLock({ $0 }) else { return .full(status: 503, contentType: "text/plain", body: Data()) }
            return me.handle(request)
        }
        box.withLock { $0 = self }
    }

    /// Replies "echo: <last user message>".
    public static let echo: Script = { messages in
        .text("echo: " + (messages.last { $0.role == "user" }?.content ?? ""))
    }

    public var baseURL: String { server.baseURL + "/v1" }
    public var port: Int { server.port }

    /// Every chat request received so far, as its message list.
    public var requests: [[Message]] { recorded.withLock { $0 } }
    /// The names of the tools each request offered, in the same order as `requests`.
    public var toolRequests: [[String]] { recordedTools.withLock { $0 } }
    /// Each request's body as it came over the wire.
    public var bodies: [Data] { recordedBodies.withLock { $0 } }
    /// Requests refused as larger than `window`.
    public var refused: Int { refusedCount.withLock { $0 } }
    private let refusedCount = Mutex(0)

    public func stop() { server.stop() }

    private func handle(_ request: StubHTTPServer.Request) -> StubHTTPServer.Response {
        if request.path.hasSuffix("/health") {
            return .full(status: 200, contentType: "application/json", body: Data(#"{"status":"ok"}"#.utf8))
        }
        if request.method == "GET", request.path.hasSuffix("/v1/models"), let context = listedContext {
            // As vLLM lists its model: the window is max_model_len.
            let body = #"{"object":"list","data":[{"id":"stub","object":"model","max_model_len":\#(context)}]}"#
            return .full(status: 200, contentType: "application/json", body: Data(body.utf8))
        }
        if request.method == "POST", request.path.hasSuffix("/api/show"), let ollama {
            var body: [String: Any] = ["model_info": ["general.architecture": "llama", "llama.context_length": ollama.contextLength]]
            if let n = ollama.numCtx { body["parameters"] = "stop                           \"<|eot_id|>\"\nnum_ctx                        \(n)" }
            return .full(status: 200, contentType: "application/json", body: try! JSONSerialization.data(withJSONObject: body))
        }
        guard request.method == "POST", request.path.hasSuffix("/chat/completions"),
            let json = try? JSONSerialization.jsonObject(with: request.body) as? [String: Any],
            let raw = json["messages"] as? [[String: Any]]
        else { return .full(status: 404, contentType: "text/plain", body: Data("not found".utf8)) }
        let messages = raw.map { Message(role: $0["role"] as? String ?? "", content: $0["content"] as? String ?? "") }
        let promptTokens = messages.reduce(0) { $0 + $1.content.utf8.count / 4 + 4 }
        if let window, promptTokens > window.tokens {
            refusedCount.withLock { $0 += 1 }
            let body: String
            switch window.refusal {
            case .llamaCpp:
                body = #"{"error":{"code":400,"message":"the request exceeds the available context size, try increasing it","type":"exceed_context_size_error","n_prompt_tokens":\#(promptTokens),"n_ctx":\#(window.tokens)}}"#
            case .openAI:
                body = #"{"error":{"message":"This model's maximum context length is \#(window.tokens) tokens. However, your messages resulted in \#(promptTokens) tokens. Please reduce the length of the messages.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}"#
            }
            return .full(status: 400, contentType: "application/json", body: Data(body.utf8))
        }
        if record {
            let tools = (json["tools"] as? [[String: Any]] ?? []).compactMap { ($0["function"] as? [String: Any])?["name"] as? String }
            recorded.withLock { $0.append(messages) }
            recordedTools.withLock { $0.append(tools) }
            recordedBodies.withLock { $0.append(request.body) }
        }
        let stream = json["stream"] as? Bool ?? false
        let reply = script(messages)
        switch reply {
        case .gated(let gate, let text):
            gate.pass()
            return handleText(text, pieces: 3, delay: .zero, stream: stream, promptTokens: promptTokens)
        case .status(let code):
            return .full(status: code, contentType: "application/json", body: Data(#"{"error":{"message":"stub failure"}}"#.utf8))
        case .malformedJSON:
            return .stream(status: 200, chunks: [Data("data: {\"choices\":[{\"delta\":{\"content\":\"hel\n\n".utf8), Data("data: [DONE]\n\n".utf8)], delay: .zero)
        case .invalidUTF8:
            var bytes = Data("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"bad ".utf8)
            bytes.append(contentsOf: [0xFF, 0xFE, 0xC3])
            bytes.append(Data("\"}}]}\n\ndata: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n".utf8))
            return .stream(status: 200, chunks: [bytes], delay: .zero)
        case .toolCall(let name, let arguments):
            let call: [String: Any] = [
                "choices": [["index": 0, "delta": ["tool_calls": [["index": 0, "id": "call_1", "type": "function", "function": ["name": name, "arguments": arguments]]]], "finish_reason": "tool_calls"]]
            ]
            return .stream(status: 200, chunks: [Self.event(call), Data("data: [DONE]\n\n".utf8)], delay: .zero)
        case .text(let text, let pieces, let delay):
            return handleText(text, pieces: pieces, delay: delay, stream: stream, promptTokens: promptTokens)
        }
    }

    private func handleText(_ text: String, pieces: Int, delay: Duration, stream: Bool, promptTokens: Int) -> StubHTTPServer.Response {
        do {
            let parts = Self.split(text, into: max(1, pieces))
            if !stream {
                let body: [String: Any] = [
                    "choices": [["index": 0, "message": ["role": "assistant", "content": text], "finish_reason": "stop"]],
                    "usage": ["prompt_tokens": promptTokens, "completion_tokens": parts.count, "total_tokens": promptTokens + parts.count],
                ]
                return .full(status: 200, contentType: "application/json", body: try! JSONSerialization.data(withJSONObject: body))
            }
            var chunks = parts.map { Self.event(["choices": [["index": 0, "delta": ["content": $0]]]]) }
            chunks.append(Self.event(["choices": [["index": 0, "delta": [:] as [String: Any], "finish_reason": "stop"]]]))
            chunks.append(Self.event(["choices": [] as [Any], "usage": ["prompt_tokens": promptTokens, "completion_tokens": parts.count, "total_tokens": promptTokens + parts.count]]))
            chunks.append(Data("data: [DONE]\n\n".utf8))
            return .stream(status: 200, chunks: chunks, delay: delay)
        }
    }

    private static func event(_ object: [String: Any]) -> Data {
        var d = Data("data: ".utf8)
        d.append(try! JSONSerialization.data(withJSONObject: object))
        d.append(Data("\n\n".utf8))
        return d
    }

    private static func split(_ text: String, into n: Int) -> [String] {
        let chars = Array(text)
        guard !chars.isEmpty else { return [""] }
        let size = max(1, (chars.count + n - 1) / n)
        return stride(from: 0, to: chars.count, by: size).map { String(chars[$0..<min($0 + size, chars.count)]) }
    }
}
