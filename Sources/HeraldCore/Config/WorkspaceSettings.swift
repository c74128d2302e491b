import Foundation

/// A profile's workspace: the folder its `workspace` tools work in, the sandbox limits of
/// `workspace_run`, the variables its commands get, and which commands need approval.
public struct WorkspaceSettings: Sendable, Equatable {
    public var path: String
    /// Each session its own folder under `path` (named by the session), instead of one shared.
    public var perSession = false
    public var limits = Sandbox.Limits()
    /// Variables passed to commands (values from Herald's environment, by name).
    public var environment: [String: String] = [:]
    public var policy = RunPolicy()

    public init(path: String) { self.path = path }
}
