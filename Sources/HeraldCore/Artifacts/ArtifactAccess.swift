import Foundation

/// Which library items a person may see: everyone's (`artifacts = "shared"`) or their own.
/// The one place that rule lives; the artifact tools and `/find`, `/recent`, `/refile` use it.
public struct ArtifactAccess: Sendable {
    let store: any ArtifactStore
    let shared: Bool

    public init(store: any ArtifactStore, shared: Bool) {
        self.store = store
        self.shared = shared
    }

    private func owner(_ sender: String) -> String? { shared ? nil : sender }

    func search(_ query: String, for sender: String, limit: Int) async throws -> [Artifact] {
        try await store.searchArtifacts(query, owner: owner(sender), limit: limit)
    }

    func recent(for sender: String, limit: Int) async throws -> [Artifact] {
        try await store.recentArtifacts(owner: owner(sender), limit: limit)
    }

    /// The item `12` or `#12`, if it exists and `sender` may see it.
    func item(_ idText: String, for sender: String) async throws -> Artifact? {
        guard let id = Int64(idText.trimmingCharacters(in: CharacterSet(charactersIn: "# "))),
            let a = try await store.artifact(id: id), shared || a.owner == sender
        else { return nil }
        return a
    }
}
