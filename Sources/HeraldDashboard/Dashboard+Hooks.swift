import Foundation
import HeraldCore

/// Inbound webhooks: `POST /hooks/NAME`, the body signed with HMAC-SHA256 under the hook's
/// secret (`X-Herald-Signature: sha256=HEX`; GitHub's `X-Hub-Signature-256` is the same). A
/// bad or missing signature is 401 and logged; nothing unsigned reaches a job or a model.
extension Dashboard {
    static let signatureHeaders = ["x-herald-signature", "x-hub-signature-256"]
    /// The most of a payload a posted message carries (the rest is cut, and it says so).
    static let hookTextLimit = 16_000

    func hook(_ name: String, _ request: HTTPRequest) async throws -> HTTPResponse {
        guard let hook = hooks[name] else { return .text("no hook \(name)\n", status: 404) }
        let given = Self.signatureHeaders.lazy.compactMap { request.header($0) }.first ?? ""
        guard Self.verify(signature: given, body: request.body, secret: hook.secret) else {
            log.warning("webhook refused: bad or missing signature", ["hook": name, "bytes": "\(request.body.count)", "signed": given.isEmpty ? "no" : "yes"])
            return .text("401 Unauthorized: the signature does not match this hook's secret\n", status: 401)
        }
        switch hook.config.action {
        case .runJob(let job):
            guard try await gateway.runJobNow(job) else { return .text("job \(job) did not start (no such job, or it just ran)\n", status: 409) }
            log.info("webhook ran a job", ["hook": name, "job": job])
            return .text("{\"accepted\":true,\"job\":\"\(PrometheusText.escape(job))\"}\n", status: 202, type: "application/json")
        case .post(let conversation):
            guard let text = String(validating: request.body, as: UTF8.self) else {
                return .text("the body is not UTF-8 text\n", status: 400)
            }
            // The sender's delivery id makes a redelivery the same event; without one, the
            // body's hash does (the same payload twice is one message).
            let delivery = request.header("x-herald-delivery") ?? request.header("x-github-delivery") ?? SHA256.hex(Data(request.body))
            let cut = text.count > Self.hookTextLimit
            let message = InboundMessage(
                conversation: conversation, sender: Sender(id: "hook:\(name)", displayName: "webhook \(name)"),
                eventID: "hook:\(name):\(delivery.prefix(128))",
                text: "Webhook \(name) delivered this payload:\n\n" + String(text.prefix(Self.hookTextLimit))
                    + (cut ? "\n\n[Herald: the payload was cut at \(Self.hookTextLimit) of \(text.count) characters.]" : ""),
                direct: false, hook: name)
            let fresh = try await gateway.post(message)
            log.info("webhook posted a message", ["hook": name, "to": conversation.description, "new": fresh ? "yes" : "no, a redelivery"])
            return .text("{\"accepted\":true,\"duplicate\":\(!fresh)}\n", status: 202, type: "application/json")
        }
    }

    /// `sha256=HEX` over the raw body, compared in constant time.
    static func verify(signature: String, body: Data, secret: String) -> Bool {
        let s = signature.trimmingCharacters(in: .whitespaces)
        guard s.lowercased().hasPrefix("sha256=") else { return false }
        let expected = HMAC.sha256Hex(key: Array(secret.utf8), message: body)
        return HMAC.constantTimeEqual(Array(s.dropFirst(7).lowercased().utf8), Array(expected.utf8))
    }
}
