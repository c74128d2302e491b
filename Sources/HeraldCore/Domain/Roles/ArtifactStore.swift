import Foundation

/// The librarian's library. SQLStore implements it.
public protocol ArtifactStore: Sendable {
    /// Files an artifact; when the owner has it already (same canonical URL, or same content
    /// for things without one) returns that one and `false`.
    func saveArtifact(_ artifact: Artifact) async throws -> (Artifact, isNew: Bool)
    /// Replaces an artifact's fields (after a re-read or re-categorisation).
    func updateArtifact(_ artifact: Artifact) async throws
    func artifact(id: Int64) async throws -> Artifact?
    /// Full-text search; `owner` nil searches everyone's (a shared library).
    func searchArtifacts(_ query: String, owner: String?, limit: Int) async throws -> [Artifact]
    func recentArtifacts(owner: String?, limit: Int) async throws -> [Artifact]
}
