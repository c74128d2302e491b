import Foundation

/// Which URLs the web tools may reach. Pure: the caller resolves the host and passes the
/// addresses in, and pins the connection to them.
public enum WebPolicy {
    public struct Target: Sendable, Equatable {
        public var scheme: String
        public var host: String
        public var port: Int
    }

    /// Accepts only absolute http(s) URLs with a host.
    public static func target(of url: String) throws(ToolError) -> Target {
        guard let c = URLComponents(string: url), let scheme = c.scheme?.lowercased() else {
            throw ToolError("'\(url.prefix(100))' is not a URL")
        }
        guard scheme == "http" || scheme == "https" else { throw ToolError("only http and https URLs can be fetched, not \(scheme):") }
        guard let host = c.host, !host.isEmpty else { throw ToolError("the URL has no host") }
        return Target(scheme: scheme, host: host.lowercased(), port: c.port ?? (scheme == "https" ? 443 : 80))
    }

    /// True for loopback, private, link-local, carrier-grade NAT, multicast and unspecified
    /// addresses (IPv4, IPv6, and IPv4-mapped IPv6): places on the owner's own network.
    public static func isPrivate(_ address: String) -> Bool {
        var a = address.lowercased()
        if let zone = a.firstIndex(of: "%") { a = String(a[..<zone]) }
        if a.hasPrefix("::ffff:"), a.contains(".") { a = String(a.dropFirst(7)) }
        let v4 = a.split(separator: ".").compactMap { UInt8($0) }
        if v4.count == 4, a.split(separator: ".").count == 4 {
            switch (v4[0], v4[1]) {
            case (0, _), (10, _), (127, _): return true
            case (100, 64...127): return true
            case (169, 254): return true
            case (172, 16...31): return true
            case (192, 168): return true
            case (224...255, _): return true
            default: return false
            }
        }
        guard a.contains(":") else { return true }  // not an address we understand: refuse
        if a == "::" || a == "::1" { return true }
        let head = a.split(separator: ":", omittingEmptySubsequences: false).first.map(String.init) ?? ""
        guard let first = UInt16(head.isEmpty ? "0" : head, radix: 16) else { return true }
        if first & 0xFE00 == 0xFC00 { return true }  // fc00::/7 unique local
        if first & 0xFFC0 == 0xFE80 { return true }  // fe80::/10 link local
        if first & 0xFF00 == 0xFF00 { return true }  // multicast
        return false
    }
}
