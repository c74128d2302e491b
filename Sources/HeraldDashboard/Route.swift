/// Where a request goes, parsed once from its path.
enum Route: Equatable {
    case asset(String)
    case login
    case logout
    case hook(String)
    case home
    case events
    case metrics
    /// One of the pages (`sessions`, `jobs`, ...) and the rest of the path below it.
    case section(String, [String])
    case unknown

    static let sections: Set<String> = ["sessions", "jobs", "library", "profiles", "outbox", "access"]

    init(_ parts: [String]) {
        guard let first = parts.first else {
            self = .home
            return
        }
        let rest = Array(parts.dropFirst())
        switch (first, rest.count) {
        case ("assets", 1): self = .asset(rest[0])
        case ("login", 0): self = .login
        case ("logout", 0): self = .logout
        case ("hooks", 1): self = .hook(rest[0])
        case ("events", 0): self = .events
        case ("metrics", 0): self = .metrics
        case (let s, _) where Self.sections.contains(s): self = .section(s, rest)
        default: self = .unknown
        }
    }
}
