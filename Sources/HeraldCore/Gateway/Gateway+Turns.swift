import Foundation

extension Gateway {
    /// Processes one inbox entry to the end: access, commands, the agent turn, and the reply
    /// committed to the outbox in the same transaction that closes the entry. Returns with the
    /// entry still pending only when stopping (it is picked up again at the next start).
    func process(_ entry: InboxEntry) async {
        let message = entry.message
        let adapterID = message.conversation.adapter
        guard let adapter = adapters[adapterID] else { return }
        // Counted before anything can crash: a message that kills the process every time is
        // set aside after a few starts instead of crash-looping the gateway.
        let interrupted = (try? await store.beginTurn(entry.id)) ?? 0
        FaultPoint.inboundCommitted.hit()
        if interrupted >= settings.interruptedMaxStarts {
            log.error("setting a message aside: its turn was interrupted every time", ["inbox": "\(entry.id)", "starts": "\(interrupted)"])
            await closeWithNotice(
                entry, .failed, error: "set aside after \(interrupted) interrupted attempts",
                notice: "I set your message aside: working on it stopped me \(interrupted) times in a row. Please try again, perhaps worded differently.")
            return
        }
        if interrupted > 0 { log.warning("re-running a turn a crash interrupted", ["inbox": "\(entry.id)", "starts": "\(interrupted)"]) }
        var attempts = entry.attempts
        var toldUserModelIsDown = false
        while true {
            do {
                try await turn(entry, adapter: adapter, interrupted: interrupted > 0)
                deliveryBell.ring()
                // One run of a job at a time: the next may be claimed now.
                if let job = message.job {
                    scheduler.changed.ring()
                    events.publish(.jobRun(job: job.job, state: .done))
                }
                return
            } catch _ where turns.wasStopped(entry.id) {
                // `/stop` cancelled this turn: it is finished, not retried; /stop's reply says so.
                await closeWithNotice(entry, .failed, error: "stopped with /stop", notice: nil)
                return
            } catch let e as ModelError {
                attempts = (try? await store.recordInboxAttempt(entry.id, error: e.description)) ?? attempts + 1
                if let job = message.job {
                    // A job retries until its deadline (never behind a person's chat), and says
                    // in its own words that it failed.
                    let giveUp = e.code != .unavailable && attempts >= settings.badResponseMaxAttempts
                    let next = settings.modelBackoff.delay(after: attempts).seconds
                    if giveUp || job.deadline.map({ wallClockNow.addingTimeInterval(next) >= $0 }) ?? false {
                        await failJobRun(entry, job: job, error: e, attempts: attempts)
                        return
                    }
                    log.warning("a job's model call failed; retrying before its deadline", ["job": job.job, "attempt": "\(attempts)", "error": e.description])
                } else if e.code != .unavailable && attempts >= settings.badResponseMaxAttempts {
                    log.error("giving up on a message after repeated model errors", ["inbox": "\(entry.id)", "error": e.description])
                    await closeWithNotice(
                        entry, .failed, error: e.description,
                        notice: "Sorry, I could not answer that: the model kept failing (\(e.code.rawValue)).")
                    return
                }
                if e.code == .unavailable && !toldUserModelIsDown && message.job == nil {
                    toldUserModelIsDown = true
                    log.warning("model unavailable; the message is kept and retried", ["inbox": "\(entry.id)", "error": e.description])
                    _ = try? await store.enqueue([
                        OutboundMessage(
                            conversation: message.replyConversation,
                            text: "The model server is not reachable right now. Your message is kept and I will answer as soon as it is back.",
                            isNotice: true)
                    ])
                    deliveryBell.ring()
                }
            } catch is CancellationError {
                try? await store.leaveTurn(entry.id)
                return
            } catch {
                attempts += 1
                log.error("turn failed", ["inbox": "\(entry.id)", "error": "\(error)"])
            }
            // Stopping (either way) never retries: the message is kept for the next start. The
            // backoff's sleep returns at once once the stop is set, so retrying here would spin.
            let stopped = stopping.isSet ? true : await stopping.sleep(for: settings.modelBackoff.delay(after: attempts), clock: clock)
            if stopped {
                log.info("stopping: the message is kept for the next start", ["inbox": "\(entry.id)"])
                try? await store.leaveTurn(entry.id)
                return
            }
        }
    }

    /// Records a job's run failed and, when the job wants it, tells its target chat which job
    /// failed and why: once per failure streak (not again while the runs before kept failing).
    private func failJobRun(_ entry: InboxEntry, job: JobEvent, error: ModelError, attempts: Int) async {
        let why: String
        switch error.code {
        case .unavailable: why = "the model server could not be reached or kept failing (\(error.message.prefix(120)))"
        case .contextExceeded: why = "the prompt did not fit the model's window"
        case .badResponse, .rejected: why = "the model refused or answered nonsense (\(error.message.prefix(120)))"
        }
        let reason = "\(why), after \(attempts) attempt\(attempts == 1 ? "" : "s")"
        log.error("a job's run failed", ["job": job.job, "inbox": "\(entry.id)", "error": error.description])
        var notice: String?
        if job.notifyFailures ?? true {
            let runs = (try? await store.jobRuns(job.job, limit: 10)) ?? []
            let earlier = runs.first { $0.state != .skipped && $0.state != .running }
            if earlier?.state != .failed { notice = "Scheduled job \"\(job.job)\" failed: \(reason). Its history: /cron history \(job.job)" }
        }
        await closeWithNotice(entry, .failed, error: reason, notice: notice)
        scheduler.changed.ring()
        events.publish(.jobRun(job: job.job, state: .failed))
    }

    private func closeWithNotice(
        _ entry: InboxEntry, _ disposition: InboxDisposition, error: String?, notice: String?, to route: ConversationRef? = nil
    ) async {
        do {
            if let notice {
                try await store.enqueue([
                    OutboundMessage(conversation: route ?? entry.message.replyConversation, text: notice, inboxID: entry.id, isNotice: true)
                ])
                deliveryBell.ring()
            }
            try await store.closeInbox(entry.id, as: disposition, error: error)
        } catch {
            log.error("cannot close inbox row", ["inbox": "\(entry.id)", "error": "\(error)"])
        }
    }

    /// The message's text with a line for each file that came with it, so a photo without a
    /// caption is never an empty turn: what came, how large, where it is kept, and that this
    /// profile cannot open it.
    static func withAttachments(_ message: InboundMessage) -> String {
        guard !message.attachments.isEmpty else { return message.text }
        let lines = message.attachments.map { a in
            "[The person sent a file: \(a.name) (\(a.mimeType), \(ByteCountFormatter.string(fromByteCount: Int64(a.size), countStyle: .file))), "
                + "kept at \(a.path). You cannot open it in this conversation: say what you can do with it, or ask.]"
        }
        return ([message.text] + lines).filter { !$0.isEmpty }.joined(separator: "\n")
    }

    /// A display name as a turn's speaker: one line, no brackets or colons that could pass for
    /// Herald's own notes, at most 64 characters.
    static func speaker(_ sender: Sender) -> String {
        let cleaned = String(sender.displayName.unicodeScalars.filter { !CharacterSet.controlCharacters.contains($0) && !"[]:".unicodeScalars.contains($0) }.map(Character.init))
            .trimmingCharacters(in: .whitespaces)
        return cleaned.isEmpty ? "someone" : String(cleaned.prefix(64))
    }

    /// An earlier attempt at this turn died with the process: tools it called may have run.
    static let interruptedNote =
        "[Herald: an earlier attempt at answering this message was interrupted by a restart; tools it called may already have run, so check before repeating anything with side effects.]"

    private func turn(_ entry: InboxEntry, adapter: any ChatAdapter, interrupted: Bool) async throws {
        let message = entry.message
        // A job run was made by the scheduler from a job someone was allowed to create; a
        // hook's message was signed with its secret.
        if message.job == nil, message.hook == nil, case .denied(let reply, let route) = try await access.check(message, adapter: adapter) {
            log.info("message from an unknown sender held back", ["adapter": adapter.id.description, "sender": message.sender.id])
            await closeWithNotice(entry, .denied, error: nil, notice: reply, to: route)
            return
        }

        if message.job == nil, message.hook == nil, let command = ChatCommand.parse(message.text) {
            let reply = try await run(command, for: message)
            try await store.completeTurn(
                TurnCommit(
                    inboxID: entry.id, sessionID: nil, appended: [],
                    replies: [OutboundMessage(conversation: message.conversation, text: reply, inboxID: entry.id, isNotice: true)]))
            return
        }

        let session =
            if let job = message.job {
                try await jobSession(job, conversation: message.conversation)
            } else {
                try await store.activeSession(for: message.conversation, profile: profile(for: message.conversation))
            }
        let context = try await turnContext(session: session, message: message, freeze: true)
        if context.profile.config.filesArtifacts, let librarian, message.job == nil,
            !message.attachments.isEmpty || !Librarian.urls(in: message.text).isEmpty
        {
            try await fileArtifacts(entry, librarian: librarian, context: context)
            return
        }

        // The first indicator is on its way before the model is asked (so it never arrives
        // after the reply); then one every 4 s while the turn runs.
        // Beside other nodes only the node that runs the adapter has its link (an IRC socket).
        let live = ownership.owns(adapter.id)
        let showsTyping = adapter.capabilities.typingIndicator && message.job == nil && live
        let first = showsTyping ? delivery.typing(adapter, in: message.conversation) : nil
        let typing: Task<Void, Never>? =
            showsTyping
            ? Task { [clock, delivery] in
                await first?.value
                while !Task.isCancelled {
                    try? await clock.sleep(for: .seconds(4))
                    if Task.isCancelled { break }
                    await delivery.typing(adapter, in: message.conversation)?.value
                }
            } : nil
        defer { typing?.cancel() }

        // In a group the model must tell people apart: each turn says who spoke (identity stays
        // the stable id; the name is only for reading, and sits in the turn, never in the cached
        // system prompt).
        // A job's run says the time the model is asked now, not when the run was claimed.
        let text = message.job?.text(at: wallClockNow) ?? Self.withAttachments(message)
        let said = message.direct == false && message.job == nil ? "\(Self.speaker(message.sender)): \(text)" : text
        let streaming = adapter.capabilities.streaming && message.job == nil && live
        let onDelta: @Sendable (String) async -> Void = { delta in
            if streaming { await adapter.draft(delta, for: entry.id, in: message.conversation) }
        }
        let outcome = try await withApprovals(entry, context: context, stopTyping: { typing?.cancel() }, onDelta: onDelta) {
            // A turn that already waits for a decision (a restart) goes on from where it stood.
            try await agent.respond(context, userText: interrupted ? Self.interruptedNote + "\n\n" + said : said, onDelta: onDelta)
        }
        let user = SessionMessage(role: .user, content: said, tokens: outcome.userTokens)
        var reply = outcome.reply.isEmpty ? "(the model returned an empty reply)" : outcome.reply
        if !outcome.failed.isEmpty {
            // Say which model answered when it was not the first choice.
            let why = outcome.failed.map { "\($0.model) \($0.error)" }.joined(separator: ", ")
            reply += "\n\n_(answered by \(outcome.answeredBy); \(why))_"
        }
        var replies = [
            OutboundMessage(
                conversation: message.replyConversation, text: reply, replyTo: message.job == nil ? message.eventID : nil, inboxID: entry.id)
        ]
        if let notice = outcome.notice {
            replies.insert(OutboundMessage(conversation: message.replyConversation, text: notice, inboxID: entry.id, isNotice: true), at: 0)
        }
        if let notice = message.notice {
            replies.insert(OutboundMessage(conversation: message.replyConversation, text: notice, inboxID: entry.id, isNotice: true), at: 0)
        }
        try await store.completeTurn(
            TurnCommit(
                inboxID: entry.id, sessionID: session.id, appended: [user] + outcome.appended, replies: replies,
                usage: outcome.usage.map { UsageRecord(sessionID: session.id, profile: context.profile.name, usage: $0, at: Date()) },
                sender: message.senderKey, compaction: outcome.compaction, frozenMemory: context.memoryToFreeze))
        events.publish(
            .turn(
                TurnEvent(
                    adapter: adapter.id, profile: context.profile.name, sessionID: session.id, usage: outcome.usage,
                    cost: outcome.usage.reduce(0) { $0 + (settings.prices[$1.model]?.cost(of: $1) ?? 0) }, job: message.job?.job)))
    }

    /// `/stop`, `/approve`, `/deny`: out of their lane's order, for the turn running in it.
    func interrupt(_ entry: InboxEntry) async {
        let message = entry.message
        let adapterID = message.conversation.adapter
        guard let adapter = adapters[adapterID] else { return }
        do {
            if case .denied(let reply, let route) = try await access.check(message, adapter: adapter) {
                await closeWithNotice(entry, .denied, error: nil, notice: reply, to: route)
                return
            }
            if let command = ChatCommand.parse(message.text), command.name != "stop" {
                try await decide(entry, command)
                return
            }
            let stopped = turns.stop(message.conversation.key)
            let text = stopped == nil ? "Nothing is running." : "Stopped. Ask again whenever you like."
            try await store.completeTurn(
                TurnCommit(
                    inboxID: entry.id, sessionID: nil, appended: [],
                    replies: [OutboundMessage(conversation: message.conversation, text: text, inboxID: entry.id, isNotice: true)]))
            deliveryBell.ring()
        } catch {
            log.error("cannot answer /stop", ["inbox": "\(entry.id)", "error": "\(error)"])
        }
    }
}
