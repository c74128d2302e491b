import Foundation
import HeraldCore

/// Profiles and skills: each profile's skills and tool sets with what they add to every
/// prompt; switch them for the whole profile.
extension Dashboard {
    func profiles(_ visit: Visit, _ rest: [String]) async throws -> HTTPResponse {
        switch (visit.request.method, rest.count) {
        case ("GET", 0): return try await profileList(visit)
        case ("POST", 3) where ["skills", "toolsets"].contains(rest[1]):
            let on = visit.request.form["on"] == "1"
            let done =
                rest[1] == "skills"
                ? try await gateway.setSkill(profile: rest[0], rest[2], on: on) : try await gateway.setToolset(profile: rest[0], rest[2], on: on)
            let what = rest[1] == "skills" ? "Skill" : "Tool set"
            return done
                ? back("/profiles#\(FormData.encode(rest[0]))", done: "\(what) \(rest[2]) is \(on ? "on" : "off") for profile \(rest[0]); new sessions and the next turns see it.")
                : back("/profiles", error: "No \(what.lowercased()) \(rest[2]) in profile \(rest[0]).")
        default: return notFound(visit)
        }
    }

    private func profileList(_ visit: Visit) async throws -> HTTPResponse {
        var body = visit.banner
        for name in gateway.profileNames {
            guard let profile = gateway.profile(named: name) else { continue }
            body += "<section class=\"card\" id=\"\(HTML.esc(name))\"><h2>\(HTML.esc(name))</h2>"
            body += "<p class=\"muted\">Models, tried in order: \(HTML.esc(profile.config.models.joined(separator: " → ")))</p>"
            func rows(_ switches: [Gateway.Switch], kind: String) -> [[String]] {
                switches.map { s in
                    [
                        "<span data-\(kind)=\"\(HTML.esc(s.name))\" data-on=\"\(s.on)\">\(HTML.esc(s.name))</span>",
                        s.on ? "<span class=\"on-yes\">on</span>" : "<span class=\"muted\">off</span>",
                        "<span class=\"num\">~\(HTML.number(s.tokens))</span>", HTML.short(s.detail, 160),
                        HTML.button(
                            s.on ? "Turn off" : "Turn on", action: "/profiles/\(FormData.encode(name))/\(kind)s/\(FormData.encode(s.name))",
                            csrf: visit.csrf, fields: ["on": s.on ? "0" : "1"], cls: s.on ? "quiet" : ""),
                    ]
                }
            }
            let skills = try await gateway.skills(profile: name)
            body += "<h3>Skills</h3>" + HTML.table(["Skill", "State", "Tokens", "What", ""], rows(skills, kind: "skill"), empty: "No skills.")
            body += "<h3>Tool sets</h3>" + HTML.table(["Tool set", "State", "Tokens", "Tools", ""], rows(try await gateway.toolsets(profile: name), kind: "toolset"))
            body += "</section>"
        }
        body += "<p class=\"muted\">Tokens are what each adds to every prompt of the profile, counted by its first model's tokenizer where it can tell. A session's own /skill and /toolset switches still win.</p>"
        return .html(HTML.page(title: "Profiles and skills", section: "/profiles", csrf: visit.csrf, live: ["settings"], body))
    }
}
