import Foundation

/// `[dashboard]`: the local web dashboard `herald run` serves, with `/metrics` and the inbound
/// webhooks on the same server.
public struct DashboardConfig: Sendable, Equatable {
    /// Off unless the config turns it on.
    public var enabled = false
    /// 127.0.0.1 unless the config names another address explicitly.
    public var bind = "127.0.0.1"
    public var port = 8470
    /// How long a login stays valid.
    public var sessionDays = 30
    /// Connections served at once (each has a thread; live views hold theirs open).
    public var maxConnections = 64

    public init() {}
}

/// `[hooks.NAME]`: `POST /hooks/NAME`, signed with HMAC-SHA256 over the body.
public struct HookConfig: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        /// Runs the named job now (its prompt decides what it does; the payload is not passed).
        case runJob(String)
        /// Posts the payload as a message into this conversation's session.
        case post(ConversationRef)
    }

    public var name: String
    /// The shared signing secret, by reference.
    public var secret: SecretRef
    public var action: Action
    /// Larger bodies are refused (413) unread.
    public var maxBodyBytes = 65_536

    public init(name: String, secret: SecretRef, action: Action) {
        self.name = name
        self.secret = secret
        self.action = action
    }
}
