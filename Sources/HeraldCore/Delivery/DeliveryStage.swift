import Foundation
import Synchronization

/// The delivery stage: takes due outbox rows, renders and chunks them for their platform, keeps
/// to the platform's pace and holds, sends chunk by chunk through the adapter, and records each
/// acknowledgement durably. One lane per conversation (the store never hands out a
/// conversation's next row while one is unfinished), lanes in parallel; a row starts as soon
/// as its lane is free. Adapters only speak their wire.
final class DeliveryStage: Sendable {
    private let store: any OutboxStore
    private let adapters: [AdapterID: any ChatAdapter]
    /// The adapters this node delivers for now (all of them, alone on a store).
    private let ownership: AdapterOwnership
    private let settings: GatewaySettings
    private let clock: any Clock<Duration>
    private let bell: Doorbell
    private let events: EventBus
    private let stopping: Latch
    private let lanesDone: Latch
    private let leaving: @Sendable () -> Bool
    let gates = DeliveryGates()
    private let permits: [AdapterID: AsyncSemaphore]
    private let running = Mutex(0)
    private let log = Logger("delivery")

    /// Rows being worked on at most at once (each holds little; the platform gates bound sends).
    private static let maxRunning = 512
    /// A hold longer than this releases the row (back to pending, due when the hold ends), so a
    /// stop never waits it out; shorter ones, and pacing, are waited in place.
    private static let longestWaitInPlace: Duration = .seconds(2)
    /// How often an idle stage looks at the outbox again for rows it was not told about.
    private static let idleRecheck: Duration = .seconds(5)

    /// - Parameter leaving: true once the gateway stops without draining: rows not on the wire
    ///   go back to pending at once.
    init(
        store: any OutboxStore, adapters: [AdapterID: any ChatAdapter], ownership: AdapterOwnership, settings: GatewaySettings,
        events: EventBus,
        clock: any Clock<Duration>, bell: Doorbell, stopping: Latch, lanesDone: Latch, leaving: @escaping @Sendable () -> Bool
    ) {
        self.store = store
        self.adapters = adapters
        self.ownership = ownership
        self.settings = settings
        self.clock = clock
        self.bell = bell
        self.events = events
        self.stopping = stopping
        self.lanesDone = lanesDone
        self.leaving = leaving
        permits = adapters.mapValues { AsyncSemaphore($0.capabilities.pacing.maxInFlight) }
    }

    /// Puts rows a crash left `sending` back, logging the chunks that may show twice.
    func recover(adapters ids: Set<AdapterID>) async throws {
        guard !ids.isEmpty else { return }
        for row in try await store.recoverInterruptedDeliveries(adapters: ids) {
            guard let chunk = row.chunkInFlight else {
                log.info("resuming a delivery interrupted by a stop or crash", ["outbox": "\(row.id)"])
                continue
            }
            if adapters[row.adapter]?.capabilities.idempotentDelivery == true {
                log.info(
                    "resending a chunk that was on the wire at a crash (idempotent: it cannot show twice)",
                    ["outbox": "\(row.id)", "chunk": "\(chunk + 1)"])
            } else {
                log.warning(
                    "a chunk was on the wire at a crash; resending it, the platform may show it twice",
                    ["outbox": "\(row.id)", "chunk": "\(chunk + 1)"])
            }
        }
    }

    /// Delivers until the gateway stops and nothing it must still send is due.
    func run() async {
        await withDiscardingTaskGroup { group in
            // Cancelled: stop at once (every wait below returns at once once cancelled).
            while !Task.isCancelled {
                let ids = ownership.current
                // Only a claim made after the lanes finished has seen every reply they wrote.
                let lanesWereDone = lanesDone.isSet
                let room = Self.maxRunning - running.withLock { $0 }
                var due: [OutboxEntry] = []
                if room > 0 {
                    do {
                        due = try await store.claimDueOutbox(now: Date(), adapters: ids, limit: room)
                    } catch {
                        log.error("cannot read the outbox", ["error": "\(error)"])
                        if await stopping.sleep(for: .seconds(1), clock: clock) && lanesWereDone && idle { return }
                        continue
                    }
                }
                for entry in due {
                    running.withLock { $0 += 1 }
                    group.addTask {
                        await self.deliver(entry)
                        self.running.withLock { $0 -= 1 }
                        self.bell.ring()
                    }
                }
                if !due.isEmpty { continue }
                if stopping.isSet && lanesWereDone && idle { return }
                if stopping.isSet && lanesDone.isSet && !lanesWereDone { continue }  // claim once more
                // A row another process changed (`herald outbox retry`) is found within this.
                var wait = Self.idleRecheck
                if let next = try? await store.nextOutboxAttempt(adapters: ids) {
                    wait = min(wait, .milliseconds(max(0, Int(next.timeIntervalSinceNow * 1000)) + 5))
                }
                if stopping.isSet { wait = min(wait, .milliseconds(250)) }
                await bell.wait(for: wait, clock: clock)
            }
        }
    }

    private var idle: Bool { running.withLock { $0 } == 0 }

    /// Waits `duration` in place; false when the gateway is leaving (stopping without draining):
    /// the caller puts its row back, to resume at the same chunk after the restart.
    private func pause(_ duration: Duration) async -> Bool {
        if leaving() { return false }
        if stopping.isSet {
            // Draining (herald chat at EOF): the wait is part of the work left.
            try? await clock.sleep(for: duration)
            return true
        }
        _ = await stopping.sleep(for: duration, clock: clock)
        return !leaving()
    }

    // MARK: - One row

    private func deliver(_ entry: OutboxEntry) async {
        let conversation = entry.message.conversation
        let id = conversation.adapter
        guard let adapter = adapters[id] else { return }
        let caps = adapter.capabilities
        var plan = entry.plan ?? DeliveryPlan(chunks: planChunks(entry.message, adapter: adapter, outboxID: entry.id))
        if plan.chunks.isEmpty {
            await settle(entry, plan, adapter: adapter)
            return
        }
        while !plan.isComplete {
            let index = plan.sent
            // Holds first (a 429's retry_after, on this chat or the whole bot; a typing indicator
            // on its way may bring one), then the pace.
            await gates.typingSettled(id, conversation)
            if let until = gates.heldUntil(id, conversation) {
                let wait = until - ContinuousClock.now
                if wait > Self.longestWaitInPlace {
                    await putBack(entry, plan, after: wait, reason: "held by the platform's rate limit")
                    return
                }
                if !(await pause(wait)) {
                    await putBack(entry, plan, after: wait, reason: "stopping")
                    return
                }
                continue
            }
            let pace = gates.reserve(id, conversation, pacing: caps.pacing)
            if pace > .zero, !(await pause(pace)) {
                await putBack(entry, plan, after: .zero, reason: "stopping")
                return
            }
            let chunk = OutgoingChunk(
                outboxID: entry.id, message: entry.message, index: index, count: plan.chunks.count, chunk: plan.chunks[index],
                generation: plan.generation)
            let outcome: Result<String?, DeliveryError>
            do {
                try await permits[id]?.acquire()
            } catch {
                await putBack(entry, plan, after: .zero, reason: "stopping")
                return
            }
            do {
                try await store.markInFlight(entry.id, chunk: index, plan: plan)
                if index == 0 { FaultPoint.deliveryStarted.hit() }
                outcome = .success(try await adapter.send(chunk))
            } catch let e as DeliveryError {
                outcome = .failure(e)
            } catch is CancellationError {
                permits[id]?.release()
                return
            } catch {
                outcome = .failure(DeliveryError(.transient(retryAfter: nil), "\(error)"))
            }
            permits[id]?.release()
            switch outcome {
            case .success(let platformID):
                FaultPoint.deliverySent.hit()
                plan.sent += 1
                plan.platformIDs.append(platformID ?? "")
                if !plan.isComplete {
                    guard await record(entry, plan) else { return }
                    if plan.sent == 1 { FaultPoint.chunkRecorded.hit() }
                }
            case .failure(let error):
                guard await handle(error, entry: entry, plan: &plan, adapter: adapter) else { return }
            }
        }
        await settle(entry, plan, adapter: adapter)
    }

    /// The chunks of a row, cut for its conversation.
    private func planChunks(_ message: OutboundMessage, adapter: any ChatAdapter, outboxID: Int64) -> [FormattedChunk] {
        ChunkPlanner.plan(
            message.text, capabilities: adapter.capabilities, limit: adapter.messageLimit(for: message.conversation),
            encodedSize: { chunk in
                adapter.encodedSize(of: OutgoingChunk(outboxID: outboxID, message: message, index: 0, count: 1, chunk: chunk))
            })
    }

    /// Handles a failed chunk; true when delivery of the row goes on at once.
    private func handle(_ error: DeliveryError, entry: OutboxEntry, plan: inout DeliveryPlan, adapter: any ChatAdapter) async -> Bool {
        let conversation = entry.message.conversation
        let keys = DeliveryGates.keys(adapter.id, conversation)
        switch error.kind {
        case .transient(let retryAfter?):
            // The platform said when: hold that scope (typing included), then come back.
            gates.hold(error.scope == .adapter ? keys.adapter : keys.conversation, until: .now + retryAfter)
            log.warning(
                "rate limited; holding", ["outbox": "\(entry.id)", "scope": error.scope == .adapter ? "adapter" : "conversation", "for": "\(retryAfter)"])
            if retryAfter <= Self.longestWaitInPlace { return true }
            await putBack(entry, plan, after: retryAfter, reason: error.message)
            return false
        case .transient(nil):
            await retryLater(entry, plan, error, waitsForLink: error.scope == .adapter)
            return false
        case .outcomeUnknown where adapter.capabilities.idempotentDelivery:
            await retryLater(entry, plan, error, waitsForLink: false)
            return false
        case .outcomeUnknown:
            // Resending could post it twice: record it and tell the person at the end.
            log.warning(
                "a chunk's outcome is unknown; not resent, the person is told",
                ["outbox": "\(entry.id)", "chunk": "\(plan.sent + 1)", "error": error.message])
            plan.unknown.append(plan.sent)
            plan.sent += 1
            plan.platformIDs.append("")
            return await record(entry, plan)
        case .tooLarge:
            guard let pieces = ChunkPlanner.split(plan.chunks[plan.sent], capabilities: adapter.capabilities) else {
                await fail(entry, "too large for \(adapter.id.platform.rawValue) even in pieces: \(error.message)", tell: true)
                return false
            }
            log.info("the platform found a chunk too large; cutting it smaller", ["outbox": "\(entry.id)", "pieces": "\(pieces.count)"])
            plan.chunks.replaceSubrange(plan.sent...plan.sent, with: pieces)
            plan.generation += 1
            return await record(entry, plan)
        case .rejected:
            await fail(entry, error.message, tell: true)
            return false
        case .permanent:
            await fail(entry, error.message, tell: false)
            return false
        }
    }

    private func record(_ entry: OutboxEntry, _ plan: DeliveryPlan) async -> Bool {
        do {
            try await store.recordProgress(entry.id, plan: plan)
            return true
        } catch {
            log.error("cannot record delivery progress", ["outbox": "\(entry.id)", "error": "\(error)"])
            return false
        }
    }

    /// Every chunk went (or is accounted for): the row is sent.
    private func settle(_ entry: OutboxEntry, _ plan: DeliveryPlan, adapter: any ChatAdapter) async {
        do {
            try await store.markSent(entry.id, receipt: DeliveryReceipt(platformMessageIDs: plan.platformIDs))
            events.publish(.delivered(adapter: entry.message.conversation.adapter, outboxID: entry.id, platformIDs: plan.platformIDs))
            if !plan.unknown.isEmpty, !entry.message.isNotice {
                let parts = plan.unknown.map { "\($0 + 1)" }.joined(separator: ", ")
                let which = plan.chunks.count == 1 ? "My last reply" : "Part \(parts) of my last reply"
                try await store.enqueue([
                    notice(
                        entry,
                        "\(which) may not have arrived: the connection failed after it was sent. Ask me to repeat it if you are missing something.")
                ])
                bell.ring()
            }
        } catch {
            log.error("cannot record a delivery result", ["outbox": "\(entry.id)", "error": "\(error)"])
        }
    }

    private func retryLater(_ entry: OutboxEntry, _ plan: DeliveryPlan, _ error: DeliveryError, waitsForLink: Bool) async {
        if entry.attempts >= settings.deliveryMaxAttempts {
            log.error("delivery gave up", ["outbox": "\(entry.id)", "attempts": "\(entry.attempts)", "error": error.message])
            await fail(entry, "gave up after \(entry.attempts) attempts: \(error.message)", tell: true)
            return
        }
        let delay = settings.deliveryBackoff.delay(after: entry.attempts)
        log.warning("delivery will be retried", ["outbox": "\(entry.id)", "in": "\(delay)", "error": error.message])
        do {
            try await store.markRetry(
                entry.id, error: error.message, notBefore: Date().addingTimeInterval(delay.seconds), waitsForLink: waitsForLink,
                countAttempt: true)
            events.publish(.deliveryRetry(adapter: entry.message.conversation.adapter, outboxID: entry.id, reason: error.message))
        } catch {
            log.error("cannot record a delivery result", ["outbox": "\(entry.id)", "error": "\(error)"])
        }
    }

    /// Back to pending without counting an attempt: nothing was sent.
    private func putBack(_ entry: OutboxEntry, _ plan: DeliveryPlan, after wait: Duration, reason: String) async {
        do {
            if entry.plan != plan { try await store.recordProgress(entry.id, plan: plan) }
            try await store.markRetry(
                entry.id, error: reason, notBefore: Date().addingTimeInterval(max(0, wait.seconds)), waitsForLink: false,
                countAttempt: false)
        } catch {
            log.error("cannot put a delivery back", ["outbox": "\(entry.id)", "error": "\(error)"])
        }
    }

    /// Fails the row for good, marks the reply in the session history as unread and, where the
    /// conversation still takes messages, tells the person.
    private func fail(_ entry: OutboxEntry, _ reason: String, tell: Bool) async {
        log.error("delivery failed for good", ["outbox": "\(entry.id)", "to": entry.message.conversation.description, "error": reason])
        let note = entry.message.isNotice ? nil : "\n\n[Herald: this reply was not delivered (\(reason)); the person has not read it.]"
        do {
            try await store.markFailed(entry.id, error: reason, historyNote: note)
            events.publish(.deliveryFailed(adapter: entry.message.conversation.adapter, outboxID: entry.id, reason: reason))
            if tell && !entry.message.isNotice {
                try await store.enqueue([notice(entry, "I could not deliver my reply: \(Self.short(reason)). Ask me again if you still need it.")])
                bell.ring()
            }
        } catch {
            log.error("cannot record a delivery result", ["outbox": "\(entry.id)", "error": "\(error)"])
        }
    }

    private func notice(_ entry: OutboxEntry, _ text: String) -> OutboundMessage {
        OutboundMessage(conversation: entry.message.conversation, text: text, inboxID: entry.message.inboxID, isNotice: true)
    }

    static func short(_ reason: String) -> String {
        reason.count <= 160 ? reason : String(reason.prefix(157)) + "..."
    }

    // MARK: - Typing

    /// Shows the typing indicator through the conversation's gates: nothing while a hold is on,
    /// and a rate limit on the indicator holds the conversation like one on a send. The request
    /// is registered before this returns (a reply sent afterwards waits for its answer); the
    /// returned task ends when it is answered.
    @discardableResult
    func typing(_ adapter: any ChatAdapter, in conversation: ConversationRef) -> Task<Void, Never>? {
        guard gates.heldUntil(adapter.id, conversation) == nil else { return nil }
        return gates.typing(adapter.id, conversation) { [gates, log] in
            do {
                try await adapter.typing(in: conversation)
            } catch let e as DeliveryError {
                if case .transient(let retryAfter?) = e.kind {
                    let keys = DeliveryGates.keys(adapter.id, conversation)
                    gates.hold(e.scope == .adapter ? keys.adapter : keys.conversation, until: .now + retryAfter)
                    log.warning("typing indicator rate limited; holding the conversation", ["for": "\(retryAfter)"])
                }
            } catch {}
        }
    }

    /// The adapter's link is back: its own hold ends and waiting rows go now.
    func linkUp(_ adapter: AdapterID) {
        gates.release(adapter)
        bell.ring()
    }
}
