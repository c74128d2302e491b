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
    /// Sessions this node works at once; the rest wait for it or for another n.
    public var lanes: Int = 16

    public init() {}

    public var isShared: Bool { if case .postgres = location { true } else { false } }
}

extension StoreConfig {
    /// Reads `store`, `store_password_env`/`_file` from the root and the `[node]` table.
    static func read(_ r: inout ConfigReader) throws(ConfigError) -> StoreConfig {
        var config = StoreConfig()
        let password = try r.secret("store_password")
        if let url = try r.string("store") {
            guard url.hasPrefix("postgresql://") || url.hasPrefix("postgres://") else {
                throw r.error(
                    "store",
                    "'store' is a PostgreSQL URL (postgresql://user@host/db); leave it out for the SQLite file in state_dir")
            }
            if let c = URLComponents(string: url), c.password != nil {
                throw r.error("store", "'store' holds a password; put it in 'store_password_env' or 'store_password_file'")
            }
            config.location = .postgres(url: url, password: password)
        } else if password != nil {
            throw r.error("store_password_env", "'store_password' needs 'store' (a PostgreSQL URL)")
        }
        if var n = try r.table("node") {
            config.nodeName = try n.string("name")
            config.leaseSeconds = try n.double("lease_seconds") ?? config.leaseSeconds
            guard (1...3600).contains(config.leaseSeconds) else {
                throw n.error("lease_seconds", "'n.lease_seconds' must be from 1 to 3600")
            }
            config.lanes = try n.int("lanes", range: 1...10_000) ?? config.lanes
            try n.finish()
        }
        return config
    }
}
