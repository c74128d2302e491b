import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Name resolution for policy checks: the addresses a host name has, before libcurl connects
/// (the caller then pins the connection to them with `HTTPRequest.resolve`).
public enum Resolver {
    /// The numeric addresses of `host` (IPv4 and IPv6), or an empty list when it does not resolve.
    /// getaddrinfo blocks, so it runs on its own thread, off the cooperative pool.
    public static func addresses(of host: String) async -> [String] {
        await withCheckedContinuation { (c: CheckedContinuation<[String], Never>) in
            Thread.detachNewThread { c.resume(returning: lookup(host)) }
        }
    }

    static func lookup(_ host: String) -> [String] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &result) == 0, let first = result else { return [] }
        defer { freeaddrinfo(first) }
        var out: [String] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let ai = cursor {
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(ai.pointee.ai_addr, ai.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 {
                let address = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if !out.contains(address) { out.append(address) }
            }
            cursor = ai.pointee.ai_next
        }
        return out
    }
}
