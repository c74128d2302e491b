import Foundation
import HeraldCore

/// Outbox: failed and waiting deliveries with why; retry a failed one from where it stopped.
extension Dashboard {
    func outbox(_ visit: Visit, _ rest: [String]) async throws -> HTTPResponse {
        switch (visit.request.method, rest.count) {
        case ("GET", 0): return try await outboxList(visit)
        case ("POST", 2) where rest[1] == "retry":
            guard let id = Int64(rest[0]) else { return notFound(visit) }
            return try await gateway.retryDelivery(id)
                ? back("/outbox", done: "Reply #\(id) goes again now.") : back("/outbox", error: "Reply #\(id) is not a failed delivery.")
        default: return notFound(visit)
        }
    }

    private func outboxList(_ visit: Visit) async throws -> HTTPResponse {
        let counts = try await store.outboxCounts()
        func rows(_ records: [OutboxRecord], retry: Bool) -> [[String]] {
            records.map { r in
                [
                    "<span data-outbox=\"\(r.id)\">#\(r.id)</span>", HTML.esc(r.message.conversation.description),
                    "<span class=\"state-\(r.state.rawValue)\">\(r.state.rawValue)</span>", "<span class=\"num\">\(r.attempts)</span>",
                    HTML.esc(r.error ?? "–"), HTML.short(r.message.text), HTML.time(r.updatedAt, zone: timeZone),
                    retry ? HTML.button("Retry", action: "/outbox/\(r.id)/retry", csrf: visit.csrf) : "",
                ]
            }
        }
        let headers = ["Reply", "To", "State", "Attempts", "Why", "Text", "Updated", ""]
        let failed = try await store.outboxRecords(states: [.failed], limit: 100)
        let waiting = try await store.outboxRecords(states: [.pending, .sending], limit: 100)
        let body =
            visit.banner
            + "<p>\(counts[.sent] ?? 0) delivered, \((counts[.pending] ?? 0) + (counts[.sending] ?? 0)) on the way, \(counts[.failed] ?? 0) failed.</p>"
            + "<h2>Failed</h2>" + HTML.table(headers, rows(failed, retry: true), id: "failed", empty: "No failed deliveries.")
            + "<h2>Waiting</h2>" + HTML.table(headers, rows(waiting, retry: false), id: "waiting", empty: "Nothing is waiting.")
        return .html(HTML.page(title: "Outbox", section: "/outbox", csrf: visit.csrf, live: ["delivery"], body))
    }
}
