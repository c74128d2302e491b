import Foundation
import HeraldCore
import HeraldDashboard

/// `herald dashboard url`: the login link of the dashboard `herald run` serves.
enum DashboardCommand {
    static func run(_ raw: [String]) async throws -> Int32 {
        let args = try Arguments(raw, options: ["config"], flags: ["help"])
        if args.flags.contains("help") || args.positional != ["url"] {
            print(Help.dashboard)
            return args.flags.contains("help") ? Exit.ok : Exit.usage
        }
        let config = try HeraldConfig.load(path: Composition.configPath(args))
        try FileManager.default.createDirectory(
            atPath: config.stateDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let (token, _) = try DashboardAuth.token(stateDirectory: config.stateDirectory)
        print(DashboardAuth.loginURL(bind: config.dashboard.bind, port: config.dashboard.port, token: token))
        if !config.dashboard.enabled {
            Herald.fail("note: the dashboard is off; set enabled = true in [dashboard] of \(config.file) and restart herald run")
        }
        return Exit.ok
    }
}
