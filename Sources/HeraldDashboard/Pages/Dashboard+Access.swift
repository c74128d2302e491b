import Foundation
import HeraldCore

/// Access: pending pairing requests from people the bot does not know yet; approve or deny.
extension Dashboard {
    func access(_ visit: Visit, _ rest: [String]) async throws -> HTTPResponse {
        switch (visit.request.method, rest.count) {
        case ("GET", 0): return try await pairings(visit)
        case ("POST", 2) where ["approve", "deny"].contains(rest[1]):
            let approve = rest[1] == "approve"
            guard let p = try await gateway.decidePairing(code: rest[0], approve: approve) else {
                return back("/access", error: "No pending request \(rest[0]) (it may have expired).")
            }
            return back("/access", done: "\(approve ? "Approved" : "Denied") \(p.sender.displayName) (\(p.sender.id)) on \(p.adapter).")
        default: return notFound(visit)
        }
    }

    private func pairings(_ visit: Visit) async throws -> HTTPResponse {
        let pending = try await store.pairings(now: Date()).filter { $0.state == .pending }
        let rows = pending.map { p in
            [
                "<code data-code=\"\(HTML.esc(p.code))\">\(HTML.esc(p.code))</code>", HTML.esc(p.adapter.description),
                "\(HTML.esc(p.sender.displayName)) <span class=\"muted\">\(HTML.esc(p.sender.id))</span>", HTML.esc(p.conversation.description),
                HTML.time(p.expiresAt, zone: timeZone),
                HTML.button("Approve", action: "/access/\(FormData.encode(p.code))/approve", csrf: visit.csrf) + " "
                    + HTML.button("Deny", action: "/access/\(FormData.encode(p.code))/deny", csrf: visit.csrf, cls: "danger"),
            ]
        }
        let body =
            visit.banner
            + HTML.table(["Code", "Adapter", "Who", "Where", "Expires", ""], rows, id: "pairings", empty: "No one is waiting to be let in.")
            + "<p class=\"muted\">Approve a code only if the person told you it themselves. Identity is the platform's stable id, never a name.</p>"
        return .html(HTML.page(title: "Access", section: "/access", csrf: visit.csrf, live: ["message", "pairing"], body))
    }
}
