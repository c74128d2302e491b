import Foundation

extension FakeTelegramServer {
    func handle(_ request: StubHTTPServer.Request) -> StubHTTPServer.Response {
        let path = request.path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? request.path
        if path.hasPrefix("/file/bot") {
            return download(path)
        }
        guard path.hasPrefix("/bot"), let slash = path.dropFirst(4).firstIndex(of: "/") else {
            return error(404, "Not Found")
        }
        guard path[path.index(path.startIndex, offsetBy: 4)..<slash] == token else { return error(401, "Unauthorized") }
        let method = String(path[path.index(after: slash)...])
        let params = parameters(request)
        if method == "sendMessage" || method == "sendChatAction", let flood = floodControl(method, params) {
            return flood
        }
        if method == "sendMessage" {
            // Recorded once its fate is decided, so a test that sees the call and then queues a
            // fault cannot have that fault land on this same call.
            let response = sendMessage(params)
            var recorded = params.mapValues { "\($0)" }
            // A refused send is marked, so a test can tell an accepted message from an attempt.
            if case .full(let status, _, _) = response, status != 200 { recorded["_status"] = "\(status)" }
            record(method, recorded)
            return response
        }
        record(method, params.mapValues { "\($0)" })
        switch method {
        case "getMe":
            return ok(["id": botID, "is_bot": true, "first_name": "Herald", "username": botUsername])
        case "deleteWebhook":
            state.withLock { $0.webhook = nil }
            return ok(true)
        case "setMyCommands", "sendChatAction":
            return ok(true)
        case "getUpdates":
            return getUpdates(params)
        case "editMessageText":
            return ok(["message_id": Int(params["message_id"] as? String ?? "") ?? 0, "date": 0, "chat": ["id": 0, "type": "private"]])
        case "getFile":
            let id = "\(params["file_id"] ?? "")"
            guard let data = state.withLock({ $0.files[id] }) else { return error(400, "Bad Request: invalid file_id") }
            return ok(["file_id": id, "file_unique_id": "u" + id, "file_size": data.count, "file_path": "documents/\(id).bin"])
        default:
            return error(404, "Not Found: method not found")
        }
    }

    /// Telegram's flood control for one chat: a 429 opens a window in which every call to that
    /// chat is refused again (and recorded as a violation).
    private func floodControl(_ method: String, _ params: [String: Any]) -> StubHTTPServer.Response? {
        let chatID = Int64("\(params["chat_id"] ?? "")") ?? 0
        let now = Date()
        let refusal = state.withLock { s -> Int? in
            if let until = s.floodUntil[chatID], until > now {
                s.violations.append(Call(method: method, params: params.mapValues { "\($0)" }, at: now))
                return Int(until.timeIntervalSince(now).rounded(.up))
            }
            if let seconds = s.floodNext.removeValue(forKey: "\(method) \(chatID)") {
                s.floodUntil[chatID] = now.addingTimeInterval(Double(seconds))
                return seconds
            }
            return nil
        }
        guard let refusal else { return nil }
        record(method, params.mapValues { "\($0)" }.merging(["_status": "429"]) { a, _ in a })
        return respond(
            429, ["ok": false, "error_code": 429, "description": "Too Many Requests: retry after \(refusal)", "parameters": ["retry_after": refusal]])
    }

    private func parameters(_ request: StubHTTPServer.Request) -> [String: Any] {
        var out: [String: Any] = [:]
        if let q = request.path.split(separator: "?", maxSplits: 1).dropFirst().first {
            for pair in q.split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
                out[kv[0]] = kv.count > 1 ? kv[1] : ""
            }
        }
        if let json = try? JSONSerialization.jsonObject(with: request.body) as? [String: Any] {
            for (k, v) in json { out[k] = v }
        }
        return out
    }

    private func getUpdates(_ params: [String: Any]) -> StubHTTPServer.Response {
        let offset = (params["offset"] as? Int) ?? Int("\(params["offset"] ?? "")") ?? 0
        let timeout = min(50, (params["timeout"] as? Int) ?? Int("\(params["timeout"] ?? "")") ?? 0)
        let conflict = state.withLock { s -> String? in
            if s.webhook != nil { return "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first" }
            if s.pollInFlight { return "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running" }
            s.pollInFlight = true
            // An offset confirms every update before it: they are gone for good.
            if offset > 0 { s.updates.removeAll { $0.id < offset } }
            return nil
        }
        if let conflict { return error(409, conflict) }
        defer { state.withLock { $0.pollInFlight = false } }
        let deadline = Date().addingTimeInterval(Double(timeout))
        wake.lock()
        var ready = state.withLock { s in s.updates.filter { $0.id >= offset } }
        while ready.isEmpty && Date() < deadline {
            // The loop checks the deadline and the updates itself.
            _ = wake.wait(until: deadline)
            ready = state.withLock { s in s.updates.filter { $0.id >= offset } }
        }
        wake.unlock()
        return ok(ready.prefix(100).compactMap { try? JSONSerialization.jsonObject(with: $0.json) })
    }

    private func sendMessage(_ params: [String: Any]) -> StubHTTPServer.Response {
        let chatID = Int64("\(params["chat_id"] ?? "")") ?? 0
        let text = params["text"] as? String ?? ""
        let fault = state.withLock { $0.faults.isEmpty ? nil : $0.faults.removeFirst() }
        let latency = state.withLock { $0.sendLatency }
        if latency > 0 { Thread.sleep(forTimeInterval: latency) }
        if let hold = state.withLock({ $0.holds.removeValue(forKey: chatID) }) {
            record("sendMessage.held", params.mapValues { "\($0)" })
            Thread.sleep(forTimeInterval: hold)  // this connection's own thread: other chats go on
        }
        switch fault {
        case .tooManyRequests(let seconds)?:
            state.withLock { $0.floodUntil[chatID] = Date().addingTimeInterval(Double(seconds)) }
            return respond(429, ["ok": false, "error_code": 429, "description": "Too Many Requests: retry after \(seconds)", "parameters": ["retry_after": seconds]])
        case .badRequest(let description)?:
            return error(400, description)
        case .rejectEntities?:
            if params["parse_mode"] != nil { return error(400, "Bad Request: can't parse entities: Unsupported start tag \"x\" at byte offset 0") }
        default:
            break
        }
        guard let chat = state.withLock({ $0.chats[chatID] }) else { return error(400, "Bad Request: chat not found") }
        if state.withLock({ $0.blocked.contains(chatID) }) { return error(403, "Forbidden: bot was blocked by the user") }
        if let thread = params["message_thread_id"] {
            let id = Int("\(thread)") ?? 0
            // General (1) is reached without message_thread_id; naming it fails, as on Telegram.
            guard chat.forum, chat.topics.contains(id) else { return error(400, "Bad Request: message thread not found") }
        }
        let visible: String
        if (params["parse_mode"] as? String)?.uppercased() == "HTML" {
            switch TelegramHTML.parse(text) {
            case .success(let v): visible = v
            case .failure(let why): return error(400, "Bad Request: can't parse entities: \(why)")
            }
        } else {
            visible = text
        }
        if visible.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return error(400, "Bad Request: message text is empty") }
        if visible.utf16.count > 4096 { return error(400, "Bad Request: message is too long") }
        let id = state.withLock { s -> Int in
            s.nextMessageID += 1
            return s.nextMessageID
        }
        var message: [String: Any] = ["message_id": id, "date": Int(Date().timeIntervalSince1970), "chat": ["id": chatID, "type": chat.type], "text": visible]
        if let thread = params["message_thread_id"] { message["message_thread_id"] = thread }
        if case .acceptThenDrop? = fault { return .raw(Data()) }
        return ok(message)
    }

    private func download(_ path: String) -> StubHTTPServer.Response {
        // /file/bot<token>/documents/<id>.bin
        guard path.hasPrefix("/file/bot\(token)/") else { return error(401, "Unauthorized") }
        let id = (path as NSString).lastPathComponent.replacingOccurrences(of: ".bin", with: "")
        guard let data = state.withLock({ $0.files[id] }) else { return error(404, "Not Found") }
        return .full(status: 200, contentType: "application/octet-stream", body: data)
    }

    private func ok(_ result: Any) -> StubHTTPServer.Response { respond(200, ["ok": true, "result": result]) }

    private func error(_ code: Int, _ description: String) -> StubHTTPServer.Response {
        respond(code, ["ok": false, "error_code": code, "description": description])
    }

    private func respond(_ status: Int, _ body: [String: Any]) -> StubHTTPServer.Response {
        .full(status: status, contentType: "application/json", body: (try? JSONSerialization.data(withJSONObject: body)) ?? Data())
    }
}

/// Telegram's HTML parse mode, from the documentation: the allowed tags, the four named
/// entities plus numeric ones, every `<` and `&` in text escaped, tags closed in order.
enum TelegramHTML {
    static let allowed: Set<String> = ["b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "code", "pre", "blockquote", "tg-emoji"]

    /// The visible text, or why the markup is rejected.
    static func parse(_ html: String) -> Result<String, ParseError> {
        var out = ""
        var stack: [String] = []
        var i = html.startIndex
        while i < html.endIndex {
            let c = html[i]
            if c == "<" {
                guard let close = html[i...].firstIndex(of: ">") else { return .failure(ParseError("unclosed start tag")) }
                let inner = html[html.index(after: i)..<close]
                if inner.hasPrefix("/") {
                    let name = String(inner.dropFirst()).lowercased()
                    guard stack.popLast() == name else { return .failure(ParseError("unmatched end tag \"\(name)\"")) }
                } else {
                    let name = String(inner.prefix { !$0.isWhitespace }).lowercased()
                    guard allowed.contains(name) else { return .failure(ParseError("unsupported start tag \"\(name)\"")) }
                    stack.append(name)
                }
                i = html.index(after: close)
            } else if c == "&" {
                guard let semi = html[i...].firstIndex(of: ";"), html.distance(from: i, to: semi) <= 10 else {
                    return .failure(ParseError("character entity expected"))
                }
                let name = String(html[html.index(after: i)..<semi])
                switch name {
                case "lt": out += "<"
                case "gt": out += ">"
                case "amp": out += "&"
                case "quot": out += "\""
                default:
                    guard name.hasPrefix("#"), let v = UInt32(name.dropFirst()), let s = Unicode.Scalar(v) else {
                        return .failure(ParseError("unsupported entity \"\(name)\""))
                    }
                    out.unicodeScalars.append(s)
                }
                i = html.index(after: semi)
            } else if c == ">" {
                out.append(c)
                i = html.index(after: i)
            } else {
                out.append(c)
                i = html.index(after: i)
            }
        }
        guard stack.isEmpty else { return .failure(ParseError("unclosed tag \"\(stack.last!)\"")) }
        return .success(out)
    }

    struct ParseError: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }
}
