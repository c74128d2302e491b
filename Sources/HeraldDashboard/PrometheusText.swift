import Foundation
import HeraldCore

/// The Prometheus text exposition format (version 0.0.4): `# HELP`, `# TYPE`, then one sample
/// per line, label values escaped. Pure, so its output is tested without a server.
enum PrometheusText {
    struct Family {
        var name: String
        var type: String
        var help: String
        var samples: [(labels: [Metrics.Label], value: Double)]
    }

    static func render(_ families: [Family]) -> String {
        var out = ""
        for f in families {
            out += "# HELP \(f.name) \(escapeHelp(f.help))\n# TYPE \(f.name) \(f.type)\n"
            for s in f.samples {
                let labels = s.labels.isEmpty ? "" : "{" + s.labels.map { "\($0.name)=\"\(escape($0.value))\"" }.joined(separator: ",") + "}"
                out += "\(f.name)\(labels) \(number(s.value))\n"
            }
        }
        return out
    }

    /// Counter families from a snapshot, in name order, each sample in label order.
    static func counters(_ snapshot: [Metrics.Key: Double]) -> [Family] {
        var byName: [String: [(Metrics.Key, Double)]] = [:]
        for (k, v) in snapshot { byName[k.name, default: []].append((k, v)) }
        return Metrics.help.keys.sorted().map { name in
            let samples = (byName[name] ?? []).sorted { $0.0 < $1.0 }.map { (labels: $0.0.labels, value: $0.1) }
            return Family(name: name, type: "counter", help: Metrics.help[name] ?? name, samples: samples)
        }
    }

    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }

    static func escapeHelp(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }

    static func number(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return String(v)
    }
}

extension Dashboard {
    /// `/metrics`: the gateway's counters since start, zero for every adapter before its first
    /// message, and the queue depths read from the store now.
    func metrics() async throws -> HTTPResponse {
        var snapshot = gateway.metrics.snapshot()
        for adapter in gateway.adapterList {
            let label = [Metrics.Label("adapter", adapter.description)]
            for name in ["herald_messages_received_total", "herald_messages_delivered_total", "herald_delivery_failures_total", "herald_delivery_retries_total"] {
                snapshot[Metrics.Key(name, label), default: 0] += 0
            }
        }
        let (inbox, outbox) = try await gateway.queueDepths()
        var families = PrometheusText.counters(snapshot)
        families.append(
            PrometheusText.Family(
                name: "herald_inbox_pending", type: "gauge", help: "Messages waiting for their turn.",
                samples: gateway.adapterList.map { ([Metrics.Label("adapter", $0.description)], Double(inbox[$0] ?? 0)) }))
        families.append(
            PrometheusText.Family(
                name: "herald_outbox_rows", type: "gauge", help: "Outbox rows by delivery state.",
                samples: [OutboxState.pending, .sending, .sent, .failed].map { ([Metrics.Label("state", $0.rawValue)], Double(outbox[$0] ?? 0)) }))
        families.append(
            PrometheusText.Family(name: "herald_live_views", type: "gauge", help: "Dashboard pages open with live updates.", samples: [([], Double(live.count))]))
        return .text(PrometheusText.render(families), type: "text/plain; version=0.0.4; charset=utf-8")
    }
}
