import Foundation

extension Gateway {
    static let briefInstructions = """
        You help a person set up a scheduled briefing. From their notes, write the job.
        Answer in exactly this form:
        SCHEDULE: a five-field cron expression in their local time (for example 0 9 * * 1-5)
        PROMPT: the best prompt for the job, in one paragraph: what to look for and where, that it
        must use the date and time given at the top of each run and not its training data, and the
        output format (at most 7 bullet points, most important first, with sources).
        """

    /// Reverse prompting: the person's brain dump becomes a draft job (schedule and prompt
    /// written by the profile's model), shown for them to confirm. Nothing runs until they do.
    func brief(_ command: ChatCommand, message: InboundMessage, session: SessionRecord) async throws -> String {
        let dump = command.arguments
        guard !dump.isEmpty else {
            return "Tell me what you want, in your own words: /brief every weekday at 8:30, AI news and my stocks (NVDA, ASML), short"
        }
        let profile = try profile(for: session)
        var chain = profile.config.models.compactMap { name in agent.backends[name].map { (name, $0) } }
        guard !chain.isEmpty else { return "No model backend is configured for this profile." }
        var answer = ""
        var lastError: ModelError?
        while !chain.isEmpty {
            let (_, backend) = chain.removeFirst()
            do {
                let response = try await backend.complete(
                    ModelRequest(
                        messages: [SessionMessage(role: .system, content: Self.briefInstructions), SessionMessage(role: .user, content: dump)],
                        maxTokens: 320, temperature: 0.3, sessionID: session.id),
                    onDelta: { _ in })
                answer = response.text
                lastError = nil
                break
            } catch let e as ModelError {
                lastError = e
            }
        }
        if let lastError { throw lastError }
        let draft = Self.draft(from: answer, dump: dump)
        var name = "brief"
        var n = 1
        let existing = Set(try await store.jobs().map(\.name))
        while existing.contains(name) {
            n += 1
            name = "brief-\(n)"
        }
        let job = Job(
            name: name, schedule: draft.schedule, timeZone: settings.timeZone, profile: session.profile, prompt: draft.prompt,
            target: message.conversation, createdAt: wallClockNow)
        try await store.setJobDraft(job, for: message.conversation)
        return """
            Draft job \(name), \(draft.schedule) (\(settings.timeZone)), profile \(session.profile):

            \(draft.prompt)

            Nothing is scheduled yet. /cron confirm starts it as it is; /cron confirm SCHEDULE | PROMPT starts it with your edits; /cron cancel drops it.
            """
    }

    /// Reads the model's SCHEDULE and PROMPT lines; a small model may not follow the form, so
    /// a missing or invalid schedule falls back to a time found in the person's own words, then
    /// to 09:00 daily, and a missing prompt to the model's whole answer or the notes themselves.
    static func draft(from answer: String, dump: String) -> (schedule: String, prompt: String) {
        var schedule: String?
        var prompt: String?
        for line in answer.split(whereSeparator: \.isNewline) {
            let t = line.trimmingCharacters(in: .whitespaces)
            if t.uppercased().hasPrefix("SCHEDULE:") {
                let s = t.dropFirst(9).trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: "`")))
                if (try? Schedule(s)) != nil { schedule = s }
            } else if t.uppercased().hasPrefix("PROMPT:") {
                prompt = String(t.dropFirst(7)).trimmingCharacters(in: .whitespaces)
            } else if prompt != nil, !t.isEmpty {
                prompt! += " " + t
            }
        }
        let cleaned = answer.trimmingCharacters(in: .whitespacesAndNewlines)
        let text = prompt.flatMap { $0.isEmpty ? nil : $0 } ?? (cleaned.isEmpty ? "Brief me on: \(dump)" : cleaned)
        return (schedule ?? scheduleMentioned(in: dump) ?? "0 9 * * *", text)
    }

    /// "every 20 minutes", "at 8:30", "7am" in the person's words, as a schedule.
    static func scheduleMentioned(in text: String) -> String? {
        let lower = text.lowercased()
        if let m = lower.firstMatch(of: /every\s+(\d+)\s*(minutes?|mins?|m|hours?|h)\b/) {
            let unit = m.2.hasPrefix("h") ? "h" : "m"
            return "every \(m.1)\(unit)"
        }
        let weekdays = lower.contains("weekday") ? "1-5" : "*"
        if let m = lower.firstMatch(of: /(\d{1,2})[:.](\d{2})\s*(am|pm)?/), var h = Int(m.1), let min = Int(m.2), min < 60 {
            if m.3 == "pm", h < 12 { h += 12 }
            if m.3 == "am", h == 12 { h = 0 }
            if h < 24 { return "\(min) \(h) * * \(weekdays)" }
        }
        if let m = lower.firstMatch(of: /\b(\d{1,2})\s*(am|pm)\b/), var h = Int(m.1), h <= 12 {
            if m.2 == "pm", h < 12 { h += 12 }
            if m.2 == "am", h == 12 { h = 0 }
            return "0 \(h) * * \(weekdays)"
        }
        return nil
    }
}
