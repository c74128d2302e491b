/// Decides which profile answers a conversation. The most specific matching binding wins
/// (the one that pins the most of platform, account, chat, thread); ties go to the first written.
public struct Router: Sendable {
    public let bindings: [Binding]
    public let defaultProfile: String

    public init(bindings: [Binding], defaultProfile: String) {
        self.bindings = bindings
        self.defaultProfile = defaultProfile
    }

    /// - Parameter canonical: the platform's form of a chat id (`ChatAdapter.canonicalChat`), so
    ///   a binding written `#Harbour` matches a channel the server relays as `#harbour`.
    public func profile(for c: ConversationRef, canonical: (String) -> String = { $0 }) -> String {
        var best: (score: Int, profile: String)?
        for b in bindings {
            guard b.platform.map({ $0 == c.platform }) ?? true,
                Self.matches(b.account, c.account), Self.matches(b.chat.map(canonical), canonical(c.chat)),
                b.thread.map({ $0 == "*" || $0 == c.thread }) ?? true
            else { continue }
            let score = [b.platform != nil, b.account != nil, b.chat != nil, b.thread != nil].filter { $0 }.count
            if best == nil || score > best!.score { best = (score, b.profile) }
        }
        return best?.profile ?? defaultProfile
    }

    private static func matches(_ pattern: String?, _ value: String) -> Bool {
        guard let pattern, pattern != "*" else { return true }
        return pattern == value
    }
}
