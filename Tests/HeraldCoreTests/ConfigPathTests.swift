import Foundation
import HeraldCore
import Testing

/// A relative path in the config means relative to the config file, wherever Herald starts.
@Suite struct ConfigPathTests {
    @Test(arguments: [
        ("certs/ca.pem", "/etc/herald/herald.toml", "/etc/herald/certs/ca.pem"),
        ("/srv/ca.pem", "/etc/herald/herald.toml", "/srv/ca.pem"),
        ("ca.pem", "herald.toml", "ca.pem"),
        ("../shared/ca.pem", "/etc/herald/herald.toml", "/etc/herald/../shared/ca.pem"),
    ])
    func aRelativePathResolvesFromTheConfigFilesFolder(path: String, config: String, resolved: String) {
        #expect(ConfigReader.resolve(path, relativeTo: config) == resolved)
    }

    @Test func aTildeIsTheHomeFolder() {
        #expect(ConfigReader.resolve("~/ca.pem", relativeTo: "/etc/herald/herald.toml") == NSString(string: "~/ca.pem").expandingTildeInPath)
    }
}
