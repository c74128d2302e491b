import Foundation

/// Decides, from the headers alone, whether a mail may be answered and whether its sender is
/// proven. Pure.
public struct MailScreen: Sendable {
    public var ownAddresses: Set<String>
    /// The receiving server's authserv-id (RFC 8601); other servers' results are not believed.
    public var authservID: String?
    /// The deployment vouches for every sender its server lets in.
    public var trustServer: Bool

    public init(ownAddresses: Set<String>, authservID: String?, trustServer: Bool) {
        self.ownAddresses = ownAddresses
        self.authservID = authservID?.lowercased()
        self.trustServer = trustServer
    }

    /// Why this mail must not be answered, or nil. RFC 3834: never answer automatic mail,
    /// lists, bulk mail or bounces; and never ourselves (a loop).
    public func ignoreReason(_ h: MailHeaders, contentType: String) -> String? {
        if let auto = h["Auto-Submitted"]?.lowercased(),
            auto.split(separator: ";").first?.trimmingCharacters(in: .whitespaces) != "no"
        {
            return "Auto-Submitted: \(auto)"
        }
        if let p = h["Precedence"]?.lowercased().trimmingCharacters(in: .whitespaces),
            ["bulk", "list", "junk", "auto_reply"].contains(p)
        {
            return "Precedence: \(p)"
        }
        if h["List-Id"] != nil { return "a mailing list (List-Id)" }
        if h["X-Autoreply"] != nil || h["X-Autorespond"] != nil { return "an auto-reply (X-Autoreply)" }
        if let rp = h["Return-Path"], rp.replacingOccurrences(of: " ", with: "") == "<>" { return "a bounce (empty Return-Path)" }
        if contentType == "multipart/report" { return "a delivery report" }
        guard let from = h.address("From") else { return "no From address" }
        let local = from.split(separator: "@").first.map(String.init) ?? ""
        if ["mailer-daemon", "postmaster", "noreply", "no-reply", "do-not-reply", "donotreply"].contains(local) {
            return "sent by \(local)"
        }
        if ownAddresses.contains(from) { return "our own address" }
        return nil
    }

    /// True when the From address is proven: the receiving server (our authserv-id) found a
    /// DKIM signature of the From domain, or SPF passing for it, or the deployment vouches.
    public func authenticated(_ h: MailHeaders) -> Bool {
        if trustServer { return true }
        guard let authservID, let from = h.address("From"), let domain = from.split(separator: "@").last.map(String.init) else {
            return false
        }
        // Only the topmost result of our server counts: the server prepends its own, and one
        // further down with our authserv-id was written by the sender (RFC 8601 section 5 asks
        // the server to remove those; not every one does).
        if let results = h.all("Authentication-Results").lazy.map(Self.parse).first(where: { $0.authservID == authservID }) {
            for r in results.methods where r.result == "pass" {
                switch r.method {
                case "dkim":
                    if let d = r.properties["header.d"]
                        ?? r.properties["header.i"].map({ String($0.split(separator: "@").last ?? "") }),
                        Self.aligned(d, domain)
                    {
                        return true
                    }
                case "spf":
                    if let m = r.properties["smtp.mailfrom"], Self.aligned(String(m.split(separator: "@").last ?? ""), domain) {
                        return true
                    }
                default: continue
                }
            }
        }
        return false
    }

    /// Relaxed alignment (RFC 7489): the same domain, or one a subdomain of the other's
    /// organisational domain is not checked here; exact or parent-of-From only.
    static func aligned(_ authenticated: String, _ from: String) -> Bool {
        let a = authenticated.lowercased()
        return a == from || (!a.isEmpty && from.hasSuffix("." + a))
    }

    struct Results {
        var authservID: String
        var methods: [(method: String, result: String, properties: [String: String])]
    }

    /// `authserv-id [version]; method=result prop=value ...; ...`, comments removed.
    static func parse(_ value: String) -> Results {
        var clean = ""
        var depth = 0
        for ch in value {
            if ch == "(" { depth += 1; continue }
            if ch == ")" { depth = max(0, depth - 1); continue }
            if depth == 0 { clean.append(ch) }
        }
        let parts = clean.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        let id = parts.first?.split(separator: " ").first.map { $0.lowercased() } ?? ""
        var methods: [(String, String, [String: String])] = []
        for part in parts.dropFirst() {
            let tokens = part.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let first = tokens.first, let eq = first.firstIndex(of: "=") else { continue }
            let method = first[..<eq].split(separator: "/").first.map { $0.lowercased() } ?? ""
            let result = first[first.index(after: eq)...].lowercased()
            var props: [String: String] = [:]
            for t in tokens.dropFirst() {
                guard let e = t.firstIndex(of: "=") else { continue }
                props[t[..<e].lowercased()] = t[t.index(after: e)...].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                    .lowercased()
            }
            methods.append((method, result, props))
        }
        return Results(authservID: id, methods: methods)
    }
}
