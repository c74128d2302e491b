import Foundation

/// Where Herald keeps its state, and how this process takes part when several share it.
public struct StoreConfig: Sendable, Equatable {
    /// The embedded SQLite file in the state directory (the default), or a PostgreSQL
    /// database several nodes share.
    public enum Location: Sendable, Equatable {
        case sqlite
        case postgres(url: String, password: SecretRef?)
    }

    public var location: Location = .sqlite
    /// This node's name in its leases (default: host/pid/random, new at each start).
    public var nodeName: String?
    /// How long a lease (an adapter account, a session's lane) holds without renewal: a dead
    /// node's work moves to another within this. Renewed every third of it.
    public var leaseSeconds: Double = 15
    /// Sessions this node works at once; the rest wait for it or for another node.
    public var lanes: Int = 16

    public init() {}

    public var isShared: Bool { if case .postgres = location { true } else { false } }
}

extension StoreConfig {
    /// Reads `store`, `store_password_env`/`_file` from the root and the `[node]` table.
    static func read(_ root: inout ConfigReader) throws(ConfigError) -> StoreConfig {
        var config = StoreConfig()
        let password = try root.secret("store_password")
        if let url = try root.string("store") {
            guard url.hasPrefix("postgresql://") || url.hasPrefix("postgres://") else {
                throw root.error("store", "'store' is a PostgreSQL URL (postgresql://user@host/db); leave it out for the SQLite file in state_dir")
            }
            if let c = URLComponents(string: url), c.password != nil {
                throw root.error("store", "'store' holds a password; put it in 'store_password_env' or 'store_password_file'")
            }
            config.location = .postgres(url: url, password: password)
        } else if password != nil {
            throw root.error("store_password_env", "'store_password' needs 'store' (a PostgreSQL URL)")
        }
        if var node = try root.table("node") {
            config.nodeName = try node.string("name")
            config.leaseSeconds = try node.double("lease_seconds") ?? config.leaseSeconds
            guard (1...3600).contains(config.leaseSeconds) else {
                throw node.error("lease_seconds", "'node.lease_seconds' must be from 1 to 3600")
            }
            config.lanes = try node.int("lanes", range: 1...10_000) ?? config.lanes
            try node.finish()
        }
        return config
    }
}
