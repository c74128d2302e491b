import Foundation

/// A profile's memory and skill switches. SQLStore implements it.
public protocol MemoryStore: Sendable {
    func memory(_ key: MemoryKey) async throws -> [String]
    func setMemory(_ entries: [String], for key: MemoryKey) async throws
    /// `herald skills enable|disable`: skill name → on/off over the profile's config.
    func skillOverrides(profile: String) async throws -> [String: Bool]
    func setSkillOverride(profile: String, skill: String, enabled: Bool?) async throws
    /// Tool sets switched on or off for the whole profile (the dashboard), over its config;
    /// a session's own `/toolset` switch still wins.
    func toolsetOverrides(profile: String) async throws -> [String: Bool]
    func setToolsetOverride(profile: String, toolset: String, enabled: Bool?) async throws
}
