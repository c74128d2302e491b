// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Herald",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "herald", targets: ["herald"]),
        .executable(name: "HeraldBench", targets: ["HeraldBench"]),
    ],
    targets: [
        // System C libraries through C module targets: libcurl for every wire, SQLite for state.
        .target(name: "CCurl", linkerSettings: [.linkedLibrary("curl")]),
        .target(name: "CSQLite", linkerSettings: [.linkedLibrary("sqlite3")]),
        // libmicrohttpd serves the dashboard, /metrics and the webhooks.
        .target(name: "CMicroHTTPD", linkerSettings: [.linkedLibrary("microhttpd")]),
        // libpq for PostgreSQL, the shared store of several nodes.
        .target(name: "CPostgres", linkerSettings: [.linkedLibrary("pq")]),

        .target(name: "HeraldNet", dependencies: ["CCurl"]),
        .target(name: "HeraldCore", dependencies: ["HeraldNet"]),
        .target(name: "HeraldStore", dependencies: ["CSQLite", "CPostgres", "HeraldCore"]),
        // The MCP client: stdio and Streamable HTTP servers' tools as tool sets.
        .target(name: "HeraldMCP", dependencies: ["HeraldCore", "HeraldNet"]),
        // The local dashboard: sessions, jobs, library, outbox and access in a browser.
        .target(name: "HeraldDashboard", dependencies: ["CMicroHTTPD", "HeraldCore"]),
        .target(name: "HeraldConsole", dependencies: ["HeraldCore"], path: "adapters/Console"),
        .target(name: "HeraldTelegram", dependencies: ["HeraldCore", "HeraldNet"], path: "adapters/Telegram"),
        .target(name: "HeraldIRC", dependencies: ["HeraldCore", "HeraldNet"], path: "adapters/IRC"),
        .target(name: "HeraldMatrix", dependencies: ["HeraldCore", "HeraldNet"], path: "adapters/Matrix"),
        .target(name: "HeraldEmail", dependencies: ["HeraldCore", "HeraldNet"], path: "adapters/Email"),
        .executableTarget(
            name: "herald", dependencies: ["HeraldCore", "HeraldStore", "HeraldNet", "HeraldConsole", "HeraldTelegram", "HeraldIRC", "HeraldMatrix", "HeraldEmail", "HeraldMCP", "HeraldDashboard"]),
        .executableTarget(
            name: "HeraldBench",
            dependencies: ["HeraldCore", "HeraldStore", "HeraldNet", "HeraldPeers"]),

        // Test peers written in Swift (stub OpenAI-compatible server); the real peers are scripts beside them.
        .target(name: "HeraldPeers", dependencies: [], path: "Tests/Peers/Swift"),
        // Every store role in memory, for gateway behaviour tests that need no database.
        .target(name: "HeraldTestSupport", dependencies: ["HeraldCore"], path: "Tests/Support"),

        .testTarget(name: "HeraldNetTests", dependencies: ["HeraldNet", "HeraldPeers"]),
        .testTarget(name: "HeraldStoreTests", dependencies: ["HeraldStore", "HeraldCore"]),
        .testTarget(name: "HeraldCoreTests", dependencies: ["HeraldCore", "HeraldNet", "HeraldPeers"]),
        .testTarget(name: "ConsoleTests", dependencies: ["HeraldConsole", "HeraldCore"]),
        .testTarget(name: "TelegramTests", dependencies: ["HeraldTelegram", "HeraldCore", "HeraldPeers"]),
        .testTarget(name: "IRCTests", dependencies: ["HeraldIRC", "HeraldCore"]),
        .testTarget(name: "EmailTests", dependencies: ["HeraldEmail", "HeraldCore"]),
        .testTarget(name: "DashboardTests", dependencies: ["HeraldDashboard", "HeraldCore"]),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["HeraldCore", "HeraldStore", "HeraldNet", "HeraldPeers", "HeraldIRC", "HeraldEmail", "HeraldTestSupport", "HeraldMCP", "HeraldDashboard", "herald"]),
    ],
    swiftLanguageModes: [.v6]
)
