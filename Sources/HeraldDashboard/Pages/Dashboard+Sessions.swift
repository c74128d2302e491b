import Foundation
import HeraldCore

/// Sessions: every conversation's session with its profile, models, tokens, cached share and
/// cost; one session's history, sub-agent tree and the parts of its next prompt.
extension Dashboard {
    /// A session's model calls summed: its own, and its sub-agents' below it.
    struct Totals {
        var calls = 0
        var prompt = 0
        var cached = 0
        var completion = 0
        var cost = 0.0
        var models: [String] = []

        mutating func add(_ u: Usage, cost c: Double) {
            calls += 1
            prompt += u.promptTokens
            cached += u.cachedTokens
            completion += u.completionTokens
            cost += c
            if !models.contains(u.model) { models.append(u.model) }
        }

        mutating func add(_ t: Totals) {
            calls += t.calls
            prompt += t.prompt
            cached += t.cached
            completion += t.completion
            cost += t.cost
            for m in t.models where !models.contains(m) { models.append(m) }
        }
    }

    func totals(_ sessionID: String) async throws -> Totals {
        var t = Totals()
        for r in try await store.usage(sessionID: sessionID) { t.add(r.usage, cost: gateway.cost(of: r.usage)) }
        return t
    }

    /// A sub-agent tree, each node with its own totals.
    struct Node {
        var session: SessionRecord
        var totals: Totals
        var children: [Node]
        var all: Totals {
            var t = totals
            for c in children { t.add(c.all) }
            return t
        }
    }

    func tree(_ session: SessionRecord, depth: Int = 0) async throws -> Node {
        var children: [Node] = []
        if depth < 4 {
            for c in try await store.children(of: session.id) { children.append(try await tree(c, depth: depth + 1)) }
        }
        return Node(session: session, totals: try await totals(session.id), children: children)
    }

    func sessions(_ visit: Visit, _ rest: [String]) async throws -> HTTPResponse {
        guard visit.request.method == "GET" else { return .text("GET only\n", status: 405) }
        if let id = rest.first { return try await session(visit, id) }
        var rows: [[String]] = []
        for s in try await store.sessions(limit: 200) {
            let node = try await tree(s.session)
            let t = node.all
            rows.append([
                "<a href=\"/sessions/\(HTML.url(s.session.id))\">\(HTML.esc(s.session.conversation.description))</a>"
                    + (s.active ? "" : " <span class=\"muted\">(ended)</span>"),
                HTML.esc(s.session.profile),
                HTML.esc(t.models.joined(separator: ", ")),
                "<span class=\"num\">\(s.messages)</span>",
                "<span class=\"num\" data-calls>\(t.calls)</span>",
                "<span class=\"num\" data-prompt-tokens>\(HTML.number(t.prompt))</span>",
                "<span class=\"num\" data-cached-share>\(HTML.percent(t.cached, of: t.prompt))</span>",
                "<span class=\"num\" data-completion-tokens>\(HTML.number(t.completion))</span>",
                "<span class=\"num\">\(HTML.dollars(t.cost))</span>",
                HTML.time(s.lastActivity, zone: timeZone),
            ])
        }
        let body =
            visit.banner
            + HTML.table(
                ["Conversation", "Profile", "Models", "Messages", "Model calls", "Prompt tokens", "Cached", "Completion", "Cost", "Last"], rows,
                id: "sessions", empty: "No conversations yet: say something to the bot.")
            + "<p class=\"muted\">Tokens and cost include each session's sub-agents. Times in \(HTML.esc(timeZone)).</p>"
        return .html(HTML.page(title: "Sessions", section: "/sessions", csrf: visit.csrf, live: ["turn", "message"], body))
    }

    private func session(_ visit: Visit, _ id: String) async throws -> HTTPResponse {
        guard let record = try await store.session(id: id) else { return notFound(visit) }
        let node = try await tree(record)
        var body = visit.banner
        let t = node.totals
        body += """
            <div class="card"><div class="row">
            <div><label>Conversation</label>\(HTML.esc(record.conversation.description))</div>
            <div><label>Profile</label>\(HTML.esc(record.profile))</div>
            <div><label>Started</label>\(HTML.time(record.createdAt, zone: timeZone))</div>
            <div><label>Model calls</label><span data-calls>\(t.calls)</span></div>
            <div><label>Prompt tokens</label><span data-prompt-tokens>\(HTML.number(t.prompt))</span> (\(HTML.percent(t.cached, of: t.prompt)) cached)</div>
            <div><label>Completion tokens</label>\(HTML.number(t.completion))</div>
            <div><label>Cost</label>\(HTML.dollars(node.all.cost))\(node.children.isEmpty ? "" : " with sub-agents")</div>
            </div></div>
            """
        body += "<h2>Next prompt</h2>"
        if let plan = try await gateway.nextPrompt(sessionID: id) {
            let total = plan.parts.reduce(0) { $0 + $1.tokens }
            body += HTML.table(
                ["Part", "Tokens", "What"],
                plan.parts.map { ["<span data-part>\(HTML.esc($0.name))</span>", "<span class=\"num\">\(HTML.number($0.tokens))</span>", HTML.esc($0.detail)] },
                id: "prompt")
            body += "<p class=\"muted\">\(HTML.number(total)) of a \(HTML.number(plan.window))-token window on \(HTML.esc(plan.model)), before the next message.</p>"
        } else {
            body += "<p class=\"empty\">No model is configured for this profile.</p>"
        }
        if !node.children.isEmpty {
            body += "<h2>Sub-agents</h2>" + treeHTML(node.children)
        }
        body += "<h2>History</h2>"
        let history = try await store.history(sessionID: id, after: 0, limit: 200)
        if history.isEmpty { body += "<p class=\"empty\">No messages yet.</p>" }
        for m in history {
            var text = HTML.esc(m.content)
            for call in m.toolCalls ?? [] { text += "<div class=\"muted\">→ \(HTML.esc(call.name))(\(HTML.short(call.arguments, 200)))</div>" }
            body += "<div class=\"msg \(m.role.rawValue)\"><div class=\"role\">\(m.role.rawValue)\(m.tokens > 0 ? " · \(m.tokens) tokens" : "")</div><pre>\(text)</pre></div>"
        }
        return .html(HTML.page(title: "Session \(id.prefix(8))", section: "/sessions", csrf: visit.csrf, live: ["turn"], body))
    }

    private func treeHTML(_ nodes: [Node]) -> String {
        "<ul class=\"tree\">"
            + nodes.map { n in
                let t = n.totals
                return "<li><a href=\"/sessions/\(HTML.url(n.session.id))\">\(HTML.esc(n.session.profile)) \(HTML.esc(String(n.session.id.prefix(8))))</a>"
                    + " <span class=\"muted\">\(t.calls) calls, \(HTML.number(t.prompt)) prompt (\(HTML.percent(t.cached, of: t.prompt)) cached), \(HTML.number(t.completion)) completion, \(HTML.dollars(t.cost))</span>"
                    + (n.children.isEmpty ? "" : treeHTML(n.children)) + "</li>"
            }.joined() + "</ul>"
    }
}
