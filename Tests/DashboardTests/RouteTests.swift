import Testing

@testable import HeraldDashboard

@Suite struct RouteTests {
    @Test(arguments: [
        ([], Route.home),
        (["login"], .login),
        (["logout"], .logout),
        (["events"], .events),
        (["metrics"], .metrics),
        (["assets", "app.js"], .asset("app.js")),
        (["hooks", "deploy"], .hook("deploy")),
        (["jobs"], .section("jobs", [])),
        (["jobs", "brief", "run"], .section("jobs", ["brief", "run"])),
        (["sessions", "42"], .section("sessions", ["42"])),
        (["hooks"], .unknown),
        (["hooks", "a", "b"], .unknown),
        (["login", "extra"], .unknown),
        (["Jobs"], .unknown),
        (["etc", "passwd"], .unknown),
    ])
    func pathsParseOnceIntoRoutes(parts: [String], route: Route) {
        #expect(Route(parts) == route)
    }
}
