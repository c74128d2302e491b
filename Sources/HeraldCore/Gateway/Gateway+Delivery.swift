import Foundation

extension Gateway {
    /// Sends due outbox rows until stopped. Each conversation's rows go out in order; different
    /// conversations in parallel. Nothing is marked sent before the platform said so.
    func runDelivery() async {
        let ids = adapterIDs
        while true {
            let due: [OutboxEntry]
            do {
                due = try await store.claimDueOutbox(now: Date(), adapters: ids, limit: 256)
            } catch {
                log.error("cannot read the outbox", ["error": "\(error)"])
                if await stopping.sleep(for: .seconds(1), clock: clock) && lanesDone.isSet { return }
                continue
            }
            if due.isEmpty {
                if stopping.isSet && lanesDone.isSet { return }
                var wait = Duration.seconds(60)
                if let next = try? await store.nextOutboxAttempt(adapters: ids) {
                    wait = .milliseconds(max(0, Int(next.timeIntervalSinceNow * 1000)) + 5)
                    if stopping.isSet { wait = min(wait, .seconds(1)) }
                }
                await deliveryBell.wait(for: wait, clock: clock)
                continue
            }
            await withTaskGroup(of: Void.self) { group in
                for entry in due { group.addTask { await self.deliver(entry) } }
            }
        }
    }

    private func deliver(_ entry: OutboxEntry) async {
        FaultPoint.deliveryStarted.hit()
        let id = AdapterID(platform: entry.message.conversation.platform, account: entry.message.conversation.account)
        guard let adapter = adapters[id] else { return }
        do {
            let receipt = try await adapter.deliver(entry)
            FaultPoint.deliverySent.hit()
            try await store.markSent(entry.id, receipt: receipt)
        } catch let e as DeliveryError {
            await failed(entry, e)
        } catch {
            await failed(entry, DeliveryError(.transient(retryAfter: nil), "\(error)"))
        }
    }

    private func failed(_ entry: OutboxEntry, _ error: DeliveryError) async {
        let where_ = entry.message.conversation.description
        do {
            switch error.kind {
            case .permanent:
                log.error("delivery failed for good", ["outbox": "\(entry.id)", "to": where_, "error": error.message])
                try await store.markFailed(entry.id, error: error.message)
            case .transient(let retryAfter):
                if entry.attempts >= settings.deliveryMaxAttempts {
                    log.error("delivery gave up", ["outbox": "\(entry.id)", "attempts": "\(entry.attempts)", "error": error.message])
                    try await store.markFailed(entry.id, error: "gave up after \(entry.attempts) attempts: \(error.message)")
                    return
                }
                // The platform's own retry-after is honoured exactly; otherwise back off.
                let delay = retryAfter ?? settings.deliveryBackoff.delay(after: entry.attempts)
                log.warning("delivery will be retried", ["outbox": "\(entry.id)", "in": "\(delay)", "error": error.message])
                try await store.markRetry(entry.id, error: error.message, notBefore: Date().addingTimeInterval(delay.seconds))
                deliveryBell.ring()
            }
        } catch {
            log.error("cannot record a delivery result", ["outbox": "\(entry.id)", "error": "\(error)"])
        }
    }
}

extension Duration {
    var seconds: Double {
        let (s, a) = components
        return Double(s) + Double(a) / 1e18
    }
}
