import Foundation
import HeraldCore

/// The local dashboard `herald run` serves: sessions, jobs, library, profiles, outbox and
/// access in a browser, live over Server-Sent Events, with `/metrics` and the signed webhooks
/// on the same server. It reads the store's roles and acts through the gateway's admin calls,
/// so what it changes the running pipeline sees at once.
public final class Dashboard: Sendable {
    /// A configured hook with its secret resolved.
    public struct Hook: Sendable {
        public var config: HookConfig
        public var secret: String
        public init(config: HookConfig, secret: String) {
            self.config = config
            self.secret = secret
        }
    }

    let gateway: Gateway
    let store: any Store
    let config: DashboardConfig
    let auth: DashboardAuth
    let hooks: [String: Hook]
    /// The zone times are shown in where nothing else says which.
    let timeZone: String
    let log = Logger("dashboard")
    private let server: HTTPServer
    /// The largest body a form may send (a job's prompt, a search).
    static let formLimit = 256 * 1024

    public init(gateway: Gateway, store: any Store, config: DashboardConfig, token: String, hooks: [String: Hook], timeZone: String) {
        self.gateway = gateway
        self.store = store
        self.config = config
        auth = DashboardAuth(token: token, sessionDays: config.sessionDays)
        self.hooks = hooks
        self.timeZone = timeZone
        let box = WeakBox()
        server = HTTPServer(
            bind: config.bind, port: config.port, maxConnections: config.maxConnections,
            bodyLimit: { path in
                let parts = path.split(separator: "/")
                if parts.count == 2, parts[0] == "hooks" { return hooks[String(parts[1])]?.config.maxBodyBytes ?? 0 }
                return Self.formLimit
            },
            handler: { request in
                guard let dashboard = box.dashboard else { return .text("stopping\n", status: 503) }
                return await dashboard.handle(request)
            })
        box.dashboard = self
    }

    /// Serves until cancelled (the gateway stopped). Returns the port through `onListening`.
    public func run(onListening: @Sendable (Int) -> Void = { _ in }) async throws {
        let port = try server.start()
        log.info("dashboard listening", ["address": "\(config.bind):\(port)"])
        onListening(port)
        let watcher = gateway.events.subscribe { [weak self] in self?.live.publish($0) }
        defer {
            gateway.events.unsubscribe(watcher)
            server.stop()
        }
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(3600))
        }
    }

    /// Open live views.
    let live = LiveFeed()

    // MARK: - Routing

    /// Who a request comes from once authenticated: a browser session (forms need its CSRF
    /// token) or a bearer token (a scraper; no cookie, so no CSRF to fear).
    enum Caller {
        case browser(session: String)
        case bearer
    }

    func handle(_ request: HTTPRequest) async -> HTTPResponse {
        let response: HTTPResponse
        do {
            response = try await route(request)
        } catch {
            log.error("dashboard request failed", ["path": request.path, "error": "\(error)"])
            response = .text("internal error: \(Redactor.shared.redact("\(error)"))\n", status: 500)
        }
        return Self.secured(response)
    }

    private func route(_ request: HTTPRequest) async throws -> HTTPResponse {
        let route = Route(request.parts)
        switch route {
        case .asset("app.css"): return .text(Assets.css, type: "text/css; charset=utf-8").with("Cache-Control", "max-age=300")
        case .asset("app.js"): return .text(Assets.js, type: "text/javascript; charset=utf-8").with("Cache-Control", "max-age=300")
        case .login: return login(request)
        case .hook(let name):
            guard request.method == "POST" else { return .text("POST only\n", status: 405).with("Allow", "POST") }
            return try await hook(name, request)
        default: break
        }
        guard let caller = authenticate(request) else {
            return .text("401 Unauthorized: open the link `herald dashboard url` prints.\n", status: 401)
        }
        var csrf = ""
        if case .browser(let session) = caller {
            csrf = auth.csrf(for: session)
            if request.method == "POST" {
                let given = request.form["csrf"] ?? request.header("x-csrf-token") ?? ""
                guard auth.isCSRF(given, for: session) else {
                    log.warning("dashboard POST without a valid CSRF token refused", ["path": request.path])
                    return .text("403 Forbidden: this form is stale or came from another site; reload the page.\n", status: 403)
                }
            }
        }
        let visit = Visit(request: request, csrf: csrf, flash: request.query["done"], failure: request.query["error"])
        switch (request.method, route) {
        case ("GET", .home): return .redirect("/sessions")
        case ("POST", .logout): return .redirect("/login", headers: [("Set-Cookie", DashboardAuth.clearedCookie)])
        case ("GET", .events): return events()
        case ("GET", .metrics): return try await metrics()
        case (_, .section("sessions", let rest)): return try await sessions(visit, rest)
        case (_, .section("jobs", let rest)): return try await jobs(visit, rest)
        case (_, .section("library", let rest)): return try await library(visit, rest)
        case (_, .section("profiles", let rest)): return try await profiles(visit, rest)
        case (_, .section("outbox", let rest)): return try await outbox(visit, rest)
        case (_, .section("access", let rest)): return try await access(visit, rest)
        default: return notFound(visit)
        }
    }

    /// One authenticated page view: the request, its CSRF token, and a message from the
    /// action that led here.
    struct Visit {
        var request: HTTPRequest
        var csrf: String
        var flash: String?
        var failure: String?
        var banner: String { HTML.notice(flash) + HTML.notice(failure, error: true) }
    }

    func notFound(_ visit: Visit) -> HTTPResponse {
        .html(HTML.page(title: "Not found", section: "", csrf: visit.csrf, "<p>Nothing here. <a href=\"/sessions\">Sessions</a></p>"), status: 404)
    }

    /// Back to `path` with a message for the person (shown once, from the query).
    func back(_ path: String, done: String? = nil, error: String? = nil) -> HTTPResponse {
        var query: [String] = []
        if let done { query.append("done=" + FormData.encode(done)) }
        if let error { query.append("error=" + FormData.encode(error)) }
        return .redirect(path + (query.isEmpty ? "" : (path.contains("?") ? "&" : "?") + query.joined(separator: "&")))
    }

    /// Headers every answer carries: no framing, no sniffing, nothing cached, no referrer (a
    /// login link's token must not leak), scripts and styles only from this server.
    static func secured(_ response: HTTPResponse) -> HTTPResponse {
        var r = response
        r.headers += [
            ("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
            ("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"), ("Referrer-Policy", "no-referrer"),
        ]
        if !r.headers.contains(where: { $0.0 == "Cache-Control" }) { r.headers.append(("Cache-Control", "no-store")) }
        return r
    }

    // MARK: - Login

    private func authenticate(_ request: HTTPRequest) -> Caller? {
        if let session = request.cookies[DashboardAuth.cookieName], auth.isSession(session, now: Date()) { return .browser(session: session) }
        if let header = request.header("authorization"), header.lowercased().hasPrefix("bearer "),
            auth.isToken(String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces))
        {
            return .bearer
        }
        return nil
    }

    /// `GET /login?token=...` (the link `herald dashboard url` prints) or the form's POST: a
    /// valid token sets the session cookie. The form is the only page shown without a login.
    private func login(_ request: HTTPRequest) -> HTTPResponse {
        let given = request.method == "POST" ? request.form["token"] : request.query["token"]
        if let given {
            guard auth.isToken(given.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                log.warning("dashboard login with a wrong token refused")
                return .html(loginPage(error: "That token is not this Herald's. `herald dashboard url` prints the right link."), status: 401)
            }
            return .redirect("/sessions", headers: [("Set-Cookie", auth.cookie(auth.newSession(now: Date())))])
        }
        return .html(loginPage(error: nil), status: request.method == "GET" ? 200 : 401)
    }

    private func loginPage(error: String?) -> String {
        """
        <!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Log in · Herald</title><link rel="stylesheet" href="/assets/app.css"></head><body>
        <main><h1>Herald</h1>\(HTML.notice(error, error: true))
        <form method="post" action="/login" class="card"><label for="token">Dashboard token</label>
        <input type="text" id="token" name="token" autocomplete="off" autocapitalize="off" spellcheck="false">
        <p class="muted">It is in STATE_DIR/dashboard.token; <code>herald dashboard url</code> prints a link with it.</p>
        <button>Log in</button></form></main></body></html>
        """
    }
}

/// Lets the server's handler reach the dashboard without keeping it alive.
private final class WeakBox: @unchecked Sendable {
    // Written once in init before the server starts; read-only afterwards.
    weak var dashboard: Dashboard?
}
