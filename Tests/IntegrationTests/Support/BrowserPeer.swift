import Foundation
import Synchronization
import Testing

/// A real headless Chromium (Debian `chromium`), driven over the DevTools protocol by
/// Tests/Peers/browser.py: each command is one JSON line, each answer one line back. The DOM is
/// read after the page's JavaScript ran.
final class BrowserPeer: Sendable {
    static let script = MCPPeer.repo + "/Tests/Peers/browser.py"
    static var available: Bool {
        FileManager.default.isExecutableFile(atPath: MCPPeer.python)
            && ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].contains { FileManager.default.isExecutableFile(atPath: $0) }
    }
    static let enabled = available || Peers.required

    static func require() throws {
        try #require(available, "headless Chromium is not installed: run `make test` (it installs the Debian chromium package and the venv)")
    }

    /// Where screenshots go when HERALD_SCREENSHOTS_DIR is set (docs/ keeps them for readers).
    static let screenshots = ProcessInfo.processInfo.environment["HERALD_SCREENSHOTS_DIR"]

    private let process: HeraldProcess
    private let counter = Counter()

    init() async throws {
        process = try HeraldProcess([Self.script], executable: MCPPeer.python)
        try await process.waitFor("chromium to start", seconds: 60) { out, _ in out.contains { $0.contains(#""value": "ready""#) } }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Sends one command and returns its answer's value as JSON text.
    @discardableResult
    func run(_ command: String, _ fields: [String: String] = [:], numbers: [String: Double] = [:], seconds: Double = 60) async throws -> String {
        let id = counter.next()
        var object: [String: Any] = ["id": id, "cmd": command]
        for (k, v) in fields { object[k] = v }
        for (k, v) in numbers { object[k] = v }
        let line = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        let prefix = "{\"id\": \(id), "
        process.send(line)
        try await process.waitFor("the browser to answer \(command) \(fields)", seconds: seconds) { out, _ in out.contains { $0.hasPrefix(prefix) } }
        let answer = process.stdout.first { $0.hasPrefix(prefix) } ?? ""
        let parsed = try JSONSerialization.jsonObject(with: Data(answer.utf8)) as? [String: Any] ?? [:]
        guard parsed["ok"] as? Bool == true else { throw Failure(description: "browser \(command) \(fields): \(parsed["error"] ?? answer)") }
        let value = parsed["value"] ?? NSNull()
        return String(decoding: try JSONSerialization.data(withJSONObject: ["v": value]), as: UTF8.self)
    }

    func goto(_ url: String) async throws { try await run("goto", ["url": url]) }

    /// The value of a JavaScript expression, as a string ("" for null).
    func text(_ js: String) async throws -> String {
        let json = try await run("eval", ["js": "String((\(js)) ?? '')"])
        let v = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        return v?["v"] as? String ?? ""
    }

    /// Waits until `js` is truthy in the page.
    func wait(_ js: String, seconds: Double = 40) async throws {
        try await run("wait", ["js": js], numbers: ["timeout": seconds], seconds: seconds + 10)
    }

    func click(_ selector: String, navigates: Bool = true) async throws {
        try await run("click", ["selector": selector], numbers: ["navigates": navigates ? 1 : 0])
    }

    func fill(_ selector: String, _ value: String) async throws { try await run("fill", ["selector": selector, "value": value]) }

    /// Saves the page as docs/dashboard-NAME.png when screenshots are asked for.
    func screenshot(_ name: String, width: Int = 1280, height: Int = 860, mobile: Bool = false) async throws {
        guard let dir = Self.screenshots else { return }
        try await run("screenshot", ["path": "\(dir)/dashboard-\(name).png"], numbers: ["width": Double(width), "height": Double(height), "mobile": mobile ? 1 : 0])
    }

    func cookies() async throws -> [[String: Any]] {
        let json = try await run("cookies")
        return (try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])?["v"] as? [[String: Any]] ?? []
    }

    func close() async {
        process.send(#"{"id": -1, "cmd": "quit"}"#)
        process.closeInput()
        _ = try? await process.waitForExit(seconds: 20)
    }
}

/// Command ids.
private final class Counter: Sendable {
    private let value = Mutex<Int>(0)
    func next() -> Int { value.withLock { $0 += 1; return $0 } }
}
