import Foundation

extension Gateway {
    /// Runs `start` (the agent's turn); when a tool call needs approval the person is asked in
    /// the conversation, the request and the turn's place are stored, and the turn waits for
    /// `/approve`, `/deny` or the timeout, then goes on. A turn found waiting (after a restart)
    /// does not run `start` again: it waits for the stored request.
    func withApprovals(
        _ entry: InboxEntry, context: TurnContext, stopTyping: () -> Void, onDelta: @escaping @Sendable (String) async -> Void,
        start: () async throws -> Agent.Outcome
    ) async throws -> Agent.Outcome {
        var request = try await store.approval(forInbox: entry.id)
        while true {
            if let r = request {
                stopTyping()
                let (decision, by) = try await waitForDecision(r)
                do {
                    return try await agent.resume(r.checkpoint, decision: decision, by: by ?? "the person", context: context, onDelta: onDelta)
                } catch let waiting as AwaitingApproval {
                    request = try await ask(entry, waiting)
                }
            } else {
                do {
                    return try await start()
                } catch let waiting as AwaitingApproval {
                    request = try await ask(entry, waiting)
                }
            }
        }
    }

    /// Stores the request and asks the owner in the conversation, in one go.
    private func ask(_ entry: InboxEntry, _ waiting: AwaitingApproval) async throws -> ApprovalRequest {
        let now = wallClockNow
        let request = try await store.saveApproval(
            ApprovalRequest(
                inboxID: entry.id, conversation: entry.message.conversation, owner: entry.message.senderKey, tool: waiting.tool,
                arguments: waiting.arguments, createdAt: now, expiresAt: now.addingTimeInterval(settings.approvalTimeout),
                checkpoint: waiting.checkpoint))
        let minutes = max(1, Int((settings.approvalTimeout / 60).rounded()))
        let who = entry.message.direct == false ? " (only \(entry.message.sender.displayName) can answer)" : ""
        try await store.enqueue([
            OutboundMessage(
                conversation: entry.message.conversation,
                text: "Run \(waiting.question)? Reply /approve or /deny\(who); it expires in \(minutes) minute\(minutes == 1 ? "" : "s"). [request \(request.id)]",
                inboxID: entry.id, isNotice: true)
        ])
        deliveryBell.ring()
        log.info("a tool call waits for approval", ["request": "\(request.id)", "tool": waiting.tool, "inbox": "\(entry.id)"])
        return request
    }

    /// Waits until the request is decided or expires (then it is recorded expired and the
    /// person told). A stop leaves it waiting for the next start.
    private func waitForDecision(_ request: ApprovalRequest) async throws -> (ApprovalDecision, decidedBy: String?) {
        defer { approvalBells.remove(request.id) }
        while true {
            if let r = try await store.approval(forInbox: request.inboxID), r.id == request.id, let decision = r.decision {
                return (decision, r.decidedBy)
            }
            let left = request.expiresAt.timeIntervalSince(wallClockNow)
            if left <= 0 {
                if try await store.decideApproval(request.id, .expired, by: nil, at: wallClockNow) {
                    try await store.enqueue([
                        OutboundMessage(
                            conversation: request.conversation,
                            text: "The request to run \(request.tool) expired without an answer; it was not run. [request \(request.id)]",
                            inboxID: request.inboxID, isNotice: true)
                    ])
                    deliveryBell.ring()
                }
                continue
            }
            if stopping.isSet { throw CancellationError() }  // kept waiting for the next start
            if Task.isCancelled {
                // /stop ended the turn: nothing waits for this request any more.
                _ = try? await store.decideApproval(request.id, .expired, by: "/stop", at: wallClockNow)
                throw CancellationError()
            }
            // Woken by a decision; otherwise look again now and then (the wall clock may be a test's).
            await approvalBells.bell(request.id).wait(for: .seconds(min(left, 1)), clock: clock)
        }
    }

    /// `/approve [ID]` and `/deny [ID]`: only the request's owner decides.
    func decide(_ entry: InboxEntry, _ command: ChatCommand) async throws {
        let message = entry.message
        let pending = try await store.pendingApprovals(in: message.conversation)
        let id = command.words.first.flatMap { Int64($0) }
        let reply: String
        if let request = id.map({ id in pending.first { $0.id == id } }) ?? pending.last {
            if request.owner != message.senderKey {
                reply = "Only the person who asked can decide request \(request.id)."
            } else {
                let decision: ApprovalDecision = command.name == "approve" ? .approved : .denied
                let done = try await store.decideApproval(request.id, decision, by: message.sender.displayName, at: wallClockNow)
                reply = done ? "\(decision == .approved ? "Approved" : "Denied"): \(request.tool). [request \(request.id)]" : "Request \(request.id) was already decided."
                approvalBells.ring(request.id)
            }
        } else {
            reply = id == nil ? "Nothing waits for approval here." : "No request \(id!) waits here."
        }
        try await store.completeTurn(
            TurnCommit(
                inboxID: entry.id, sessionID: nil, appended: [],
                replies: [OutboundMessage(conversation: message.conversation, text: reply, inboxID: entry.id, isNotice: true)]))
        deliveryBell.ring()
    }
}
