/// A messaging platform Herald speaks to.
public struct Platform: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ name: String) { rawValue = name }
    public var description: String { rawValue }

    public static let console = Platform("console")
    public static let telegram = Platform("telegram")
    public static let matrix = Platform("matrix")
    public static let irc = Platform("irc")
    public static let email = Platform("email")
    /// Scheduled jobs and other events Herald makes for itself.
    public static let system = Platform("system")
}

/// Where a conversation happens: a platform, the account Herald uses there, a chat, and
/// optionally a thread inside it. A thread is its own session.
public struct ConversationRef: Hashable, Sendable, Codable, CustomStringConvertible {
    public var platform: Platform
    public var account: String
    public var chat: String
    public var thread: String?

    public init(platform: Platform, account: String, chat: String, thread: String? = nil) {
        self.platform = platform
        self.account = account
        self.chat = chat
        self.thread = thread
    }

    /// A stable text key; components are percent-escaped so no two conversations collide.
    public var key: String {
        let parts = [platform.rawValue, account, chat] + (thread.map { [$0] } ?? [])
        return parts.map(Self.escape).joined(separator: "/")
    }

    public var description: String { key }

    /// Parses `key` back.
    public init?(key: String) {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false).map { Self.unescape(String($0)) }
        guard parts.count == 3 || parts.count == 4 else { return nil }
        self.init(platform: Platform(parts[0]), account: parts[1], chat: parts[2], thread: parts.count == 4 ? parts[3] : nil)
    }

    private static func escape(_ s: String) -> String {
        // Most ids have neither character; Foundation's replacing is slow on Linux, and this
        // runs several times per message.
        guard s.utf8.contains(where: { $0 == 0x25 || $0 == 0x2F }) else { return s }
        return s.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "/", with: "%2F")
    }

    private static func unescape(_ s: String) -> String {
        s.replacingOccurrences(of: "%2F", with: "/").replacingOccurrences(of: "%25", with: "%")
    }
}

/// Who sent a message. `id` is the platform's stable identity (Telegram user id, Matrix user id,
/// IRC services account, email address), never a display name or a nick.
public struct Sender: Hashable, Sendable, Codable {
    public var id: String
    public var displayName: String

    public init(id: String, displayName: String) {
        self.id = id
        self.displayName = displayName
    }
}

/// A file that came with a message or goes with a reply, stored in the state directory.
public struct Attachment: Hashable, Sendable, Codable {
    public var name: String
    public var mimeType: String
    public var path: String
    public var size: Int

    public init(name: String, mimeType: String, path: String, size: Int) {
        self.name = name
        self.mimeType = mimeType
        self.path = path
        self.size = size
    }
}
