import Foundation

/// Every tool this build ships, built from the configuration. `herald run` and HeraldBench both
/// use it, so a benchmark's "every tool set on" carries exactly the schemas a real deployment
/// would send.
public enum StandardTools {
    /// The tools and the librarian they share. `DelegateTool` comes last: its helpers may use
    /// every other tool (within the tool sets their parent has on).
    public static func make(config: HeraldConfig, store: any SessionStore & MemoryStore & JobStore & ArtifactStore, backends: [String: any ModelBackend]) -> (
        tools: [any AgentTool], librarian: Librarian
    ) {
        var tools: [any AgentTool] = [
            MemoryTool(store: store), SessionSearchTool(store: store), SkillViewTool(),
            ScheduleJobTool(store: store, timeZone: config.timeZone),
            WebFetchTool(config: config.web), WebSearchTool(config: config.web),
        ] + WorkspaceTools.make()
        let librarian = Librarian(
            store: store, web: config.web, directory: (config.stateDirectory as NSString).appendingPathComponent("artifacts"),
            backends: backends)
        let access = ArtifactAccess(store: store, shared: config.artifactsShared)
        tools += [
            ArtifactSaveTool(librarian: librarian), ArtifactSearchTool(access: access), ArtifactGetTool(access: access),
        ]
        var limits = DelegateTool.Limits(
            maxConcurrent: config.delegation.maxConcurrent
                ?? config.profiles[config.defaultProfile].flatMap { config.models[$0.models[0]]?.maxConcurrent } ?? 2)
        limits.maxDepth = config.delegation.maxDepth
        limits.timeout = .seconds(config.delegation.timeoutSeconds)
        tools.append(DelegateTool(store: store, backends: backends, tools: tools, limits: limits))
        return (tools, librarian)
    }
}
