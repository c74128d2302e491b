import Foundation
import HeraldNet

/// Chat completions over the OpenAI-compatible API, streaming, with tool calls. Aimed at
/// llama.cpp's llama-server: when `/props` shows one, requests add `cache_prompt` and pin each
/// session to a slot (`id_slot`), the context size comes from the server, and token counts
/// come from `/tokenize`. Any other compatible server works without those extensions.
public actor OpenAIBackend: ModelBackend {
    /// What the server told about itself.
    private enum ServerKind {
        case unknown
        /// Any other OpenAI-compatible server; `context` where its model list says (vLLM's
        /// `max_model_len`, LM Studio's and others' `context_length`).
        case generic(context: Int?)
        case llama(contextPerSlot: Int?, slots: Int, tools: Bool)
    }

    public nonisolated let name: String
    private let config: ModelConfig
    private let apiKey: String?
    private let client = HTTPClient()
    private let limiter: AsyncSemaphore
    private let log: Logger
    private var kind = ServerKind.unknown
    /// Session ids by slot, least recently used first.
    private var slotOwners: [String] = []

    public init(config: ModelConfig, apiKey: String? = nil) {
        self.name = config.name
        self.config = config
        self.apiKey = apiKey
        self.limiter = AsyncSemaphore(config.maxConcurrent)
        self.log = Logger("model.\(config.name)")
    }

    /// The server root: the base URL without its trailing `/v1`.
    private var root: String {
        var u = config.url
        while u.hasSuffix("/") { u.removeLast() }
        if u.hasSuffix("/v1") { u.removeLast(3) }
        return u
    }

    private var headers: [(name: String, value: String)] {
        apiKey.map { [("Authorization", "Bearer \($0)")] } ?? []
    }

    // MARK: - Server discovery

    private func probe() async -> ServerKind {
        if case .unknown = kind {} else { return kind }
        do {
            let r = try await client.send(
                HTTPRequest(
                    url: root + "/props", headers: headers, connectTimeout: .seconds(3), timeout: .seconds(5),
                    caFile: config.caFile), limit: 1 << 20)
            guard r.status == 200, let json = try? JSONSerialization.jsonObject(with: r.body) as? [String: Any],
                json["default_generation_settings"] != nil || json["total_slots"] != nil
            else {
                let listed = await listedContext()
                kind = .generic(context: listed == nil ? await ollamaContext() : listed)
                return kind
            }
            let settings = json["default_generation_settings"] as? [String: Any]
            let ctx = (settings?["n_ctx"] as? Int) ?? (json["n_ctx"] as? Int)
            let slots = max(1, json["total_slots"] as? Int ?? 1)
            // Older servers do not say; assume tools work there.
            let tools = (json["chat_template_caps"] as? [String: Any])?["supports_tools"] as? Bool ?? true
            kind = .llama(contextPerSlot: ctx, slots: slots, tools: tools)
            log.info(
                "llama-server detected",
                ["context": ctx.map(String.init) ?? "?", "slots": "\(slots)", "tools": tools ? "yes" : "no"])
            if let configured = config.slots, !configured.contains(where: { $0 < slots }) {
                log.warning(
                    "none of the configured slots exists on the server: using all of its slots",
                    ["model": config.name, "slots": configured.map(String.init).joined(separator: ","), "server slots": "\(slots)"])
            }
            if !tools {
                log.warning(
                    "the model's chat template has no tool support: llama.cpp would drop tool schemas, so this model gets no tools",
                    ["model": config.name])
            }
        } catch {
            // Down for now: ask again next time rather than deciding it is not llama-server.
            return .unknown
        }
        return kind
    }

    public func contextTokens() async -> Int? {
        if let c = config.contextTokens { return c }
        switch await probe() {
        case .llama(let ctx, _, _): return ctx
        case .generic(let ctx): return ctx
        case .unknown: return nil
        }
    }

    /// The window the server's model list gives for this backend's model (the first listed
    /// when the model is not named), or nil.
    private func listedContext() async -> Int? {
        guard
            let r = try? await client.send(
                HTTPRequest(url: root + "/v1/models", headers: headers, connectTimeout: .seconds(3), timeout: .seconds(5), caFile: config.caFile),
                limit: 1 << 20),
            r.status == 200, let json = try? JSONSerialization.jsonObject(with: r.body) as? [String: Any],
            let models = json["data"] as? [[String: Any]]
        else { return nil }
        let model = models.first { $0["id"] as? String == config.model } ?? models.first
        let context = ["max_model_len", "context_length", "max_context_length"].lazy.compactMap { model?[$0] as? Int }.first
        if let context { log.info("context window from the server's model list", ["model": config.name, "context": "\(context)"]) }
        return context
    }

    /// Ollama's window for the model (`POST /api/show`), or nil when the server is not Ollama.
    /// Ollama cuts an overlong prompt from the front without a word (the persona goes first),
    /// so this is the window it runs with, `num_ctx` from the Modelfile, else its default of
    /// 4096, never the larger `context_length` the model was trained for.
    private func ollamaContext() async -> Int? {
        guard let body = try? JSONSerialization.data(withJSONObject: ["model": config.model]),
            let r = try? await client.send(
                HTTPRequest(
                    method: "POST", url: root + "/api/show", headers: [("Content-Type", "application/json")] + headers, body: body,
                    connectTimeout: .seconds(3), timeout: .seconds(5), caFile: config.caFile), limit: 4 << 20),
            r.status == 200, let json = try? JSONSerialization.jsonObject(with: r.body) as? [String: Any]
        else { return nil }
        let trained = (json["model_info"] as? [String: Any])?.first { $0.key.hasSuffix(".context_length") }?.value as? Int
        let numCtx = (json["parameters"] as? String)?.split(separator: "\n").lazy.compactMap { line -> Int? in
            let words = line.split(separator: " ", omittingEmptySubsequences: true)
            return words.count == 2 && words[0] == "num_ctx" ? Int(words[1]) : nil
        }.first
        guard trained != nil || numCtx != nil else { return nil }
        let context = min(numCtx ?? Self.ollamaDefaultContext, trained ?? Int.max)
        log.info(
            "Ollama detected", ["model": config.name, "context": "\(context)", "trained": trained.map(String.init) ?? "?",
                "how": numCtx == nil ? "Ollama's default; set num_ctx in a Modelfile (or OLLAMA_CONTEXT_LENGTH) and context_tokens" : "num_ctx"])
        return context
    }

    /// The window Ollama runs a model with unless its Modelfile or OLLAMA_CONTEXT_LENGTH says.
    public static let ollamaDefaultContext = 4096

    /// llama-server renders the same two-message prompt with and without the tools
    /// (`/apply-template`) and counts both; the difference is what the tools cost.
    public func countToolTokens(_ tools: [ToolSpec]) async -> Int? {
        guard !tools.isEmpty, case .llama(_, _, true) = await probe() else { return nil }
        let messages = [SessionMessage(role: .system, content: "s"), SessionMessage(role: .user, content: "u")]
        func rendered(_ withTools: Bool) async -> String? {
            let body = ChatRequestBody(
                model: config.model, messages: messages, toolsJSON: withTools ? toolsJSON(tools) : nil, maxTokens: 1,
                temperature: 0,
                slot: nil
            ).encoded()
            guard let r = try? await client.send(.json(root + "/apply-template", body: body, headers: headers), limit: 16 << 20),
                r.status == 200, let json = try? JSONSerialization.jsonObject(with: r.body) as? [String: Any]
            else { return nil }
            return json["prompt"] as? String
        }
        guard let with = await rendered(true), let without = await rendered(false),
            let a = await countTokens(with), let b = await countTokens(without)
        else { return nil }
        return max(0, a - b)
    }

    public func supportsTools() async -> Bool {
        if case .llama(_, _, let tools) = await probe() { return tools }
        return true
    }

    public func countTokens(_ text: String) async -> Int? {
        guard case .llama = await probe() else { return nil }
        guard let body = try? JSONSerialization.data(withJSONObject: ["content": text]),
            let r = try? await client.send(.json(root + "/tokenize", body: body, headers: headers), limit: 16 << 20),
            r.status == 200,
            let json = try? JSONSerialization.jsonObject(with: r.body) as? [String: Any],
            let tokens = json["tokens"] as? [Any]
        else { return nil }
        return tokens.count
    }

    /// The slot for a session: its own if it has one, else a free one, else the least recently
    /// used, among the slots this Herald may use (`slots` in the config, else all).
    private func slot(for session: String, slots: Int) -> Int {
        if let i = slotOwners.firstIndex(of: session) {
            slotOwners.remove(at: i)
            slotOwners.append(session)
            return slotIndex[session] ?? 0
        }
        let pool = Self.slotPool(config.slots, serverSlots: slots)
        var used = Set(slotIndex.values)
        if slotOwners.count >= pool.count, let evicted = slotOwners.first {
            slotOwners.removeFirst()
            if let s = slotIndex.removeValue(forKey: evicted) { used.remove(s) }
        }
        let free = pool.first { !used.contains($0) } ?? pool[0]
        slotOwners.append(session)
        slotIndex[session] = free
        return free
    }

    /// The configured slots the server has; all of its slots when none are configured or none
    /// of them exist (the probe warns about that).
    static func slotPool(_ configured: [Int]?, serverSlots: Int) -> [Int] {
        let pool = configured?.filter { $0 < serverSlots } ?? []
        return pool.isEmpty ? Array(0..<serverSlots) : pool
    }
    private var slotIndex: [String: Int] = [:]
    private var encodedTools: [String: (spec: ToolSpec, json: String)] = [:]

    // MARK: - Completion

    public func complete(_ request: ModelRequest, onDelta: @escaping @Sendable (String) async -> Void) async throws
        -> ModelResponse
    {
        let server = await probe()
        var slot: Int?
        if case .llama(_, let slots, _) = server { slot = self.slot(for: request.sessionID, slots: slots) }
        let payload = ChatRequestBody(
            model: config.model, messages: request.messages, toolsJSON: request.tools.isEmpty ? nil : toolsJSON(request.tools),
            toolChoice: request.toolChoice == .none ? "none" : nil,
            maxTokens: request.maxTokens ?? config.maxTokens, temperature: request.temperature ?? config.temperature, slot: slot
        ).encoded()
        let started = ContinuousClock.now
        try await limiter.acquire()
        defer { limiter.release() }
        return try await stream(payload: payload, started: started, onDelta: onDelta)
    }

    private func stream(payload: Data, started: ContinuousClock.Instant, onDelta: @escaping @Sendable (String) async -> Void)
        async throws -> ModelResponse
    {
        let response: HTTPStreamingResponse
        do {
            response = try await client.stream(
                HTTPRequest(
                    method: "POST", url: config.url + "/chat/completions",
                    headers: [("Content-Type", "application/json"), ("Accept", "text/event-stream")] + headers,
                    body: payload, connectTimeout: .seconds(5), timeout: .seconds(config.timeoutSeconds), caFile: config.caFile))
        } catch let e as HTTPError {
            if e.code == .cancelled { throw CancellationError() }
            throw ModelError(e.isTransient ? .unavailable : .rejected, backend: name, e.message)
        }
        guard response.status == 200 else {
            let body = (try? await response.collect(limit: 64 << 10)) ?? Data()
            let text = Logger.escapeBytes(Array(body), limit: 300)
            if let refusal = Self.contextRefusal(status: response.status, body: body) {
                throw ModelError(.contextExceeded, backend: name, "HTTP \(response.status) \(text)", limit: refusal)
            }
            let transient = [408, 429, 500, 502, 503, 504].contains(response.status)
            throw ModelError(transient ? .unavailable : .rejected, backend: name, "HTTP \(response.status) \(text)")
        }
        var accumulator = CompletionAccumulator(model: config.model)
        var decoder = SSEDecoder()
        var done = false
        do {
            read: for try await chunk in response.body {
                for event in decoder.feed(chunk) {
                    if event.data == "[DONE]" {
                        done = true
                        break read
                    }
                    guard let delta = try accumulator.apply(event.data) else { continue }
                    await onDelta(delta)
                }
            }
        } catch let e as HTTPError {
            throw ModelError(.unavailable, backend: name, "stream broke: \(e.message)")
        } catch let e as CompletionAccumulator.Malformed {
            log.error("malformed stream event", ["raw": Logger.escapeBytes(Array(e.raw.utf8))])
            throw ModelError(.badResponse, backend: name, "the server sent an event that is not valid JSON")
        }
        guard done || accumulator.finishReason != nil else {
            throw ModelError(.unavailable, backend: name, "the stream ended before the reply was complete")
        }
        var result = accumulator.result
        result.usage.totalMilliseconds = (ContinuousClock.now - started).milliseconds
        return result
    }

    /// Whether a refusal says the prompt is larger than the window, as llama-server
    /// (`exceed_context_size_error`, `n_ctx`), OpenAI and vLLM (`context_length_exceeded`,
    /// "maximum context length is N tokens") and others word it. Returns the window the server
    /// gave (0 when it gave none), or nil for any other refusal.
    public static func contextRefusal(status: Int, body: Data) -> Int? {
        guard [400, 413, 422].contains(status) else { return nil }
        let json = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
        let error = json?["error"] as? [String: Any]
        let message = (error?["message"] as? String ?? json?["error"] as? String ?? json?["message"] as? String ?? "").lowercased()
        let kind = "\(error?["type"] ?? "") \(error?["code"] ?? "")".lowercased()
        let said =
            kind.contains("exceed_context_size") || kind.contains("context_length_exceeded")
            || ["maximum context length", "context size", "context window", "context length", "prompt is too long", "too many tokens"]
                .contains { message.contains($0) }
        guard said else { return nil }
        if let n = error?["n_ctx"] as? Int { return n }
        // "maximum context length is 8192 tokens": the first number after the phrase.
        for phrase in ["maximum context length is ", "context length of ", "context window of "] {
            if let r = message.range(of: phrase), let n = Int(message[r.upperBound...].prefix { $0.isNumber }) { return n }
        }
        return 0
    }

    /// The encoded `tools` array; each spec is encoded once per backend.
    private func toolsJSON(_ specs: [ToolSpec]) -> String {
        "["
            + specs.map { spec in
                if let cached = encodedTools[spec.name], cached.spec == spec { return cached.json }
                let json = ChatRequestBody.tool(spec)
                encodedTools[spec.name] = (spec, json)
                return json
            }.joined(separator: ",") + "]"
    }
}

extension Duration {
    var milliseconds: Double {
        let (s, a) = components
        return Double(s) * 1000 + Double(a) / 1e15
    }
}
