import Foundation
import HeraldCore
import HeraldStore

/// Issue 9's measurements: artifact search over a large library, and a four-way delegation on
/// llama.cpp with one slot against four.
enum LibraryBench {
    /// A 5,000-word synthetic vocabulary drawn with a skew (a few words are common, most are
    /// rare), as in real text; a tiny vocabulary would make every query match most documents.
    static let vocabulary: [String] = {
        let syllables = ["ka", "lo", "mi", "ren", "tor", "sa", "vel", "dun", "pri", "zo", "na", "gur", "fe", "lin", "qua", "bo", "sti", "mar"]
        var g = SplitMix(seed: 42)
        return (0..<5000).map { _ in (0..<(2 + Int(g.next() % 2))).map { _ in syllables[Int(g.next() % UInt64(syllables.count))] }.joined() }
    }()

    static func word<G: RandomNumberGenerator>(_ g: inout G) -> String {
        let u = Double.random(in: 0..<1, using: &g)
        return vocabulary[Int(u * u * u * Double(vocabulary.count))]
    }

    /// Files `count` synthetic artifacts, then times `queries` searches. Returns (fill seconds, latencies ms).
    static func search(count: Int, queries: Int) async throws -> (fill: Double, latencies: [Double]) {
        let dir = Measure.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try SQLStore(path: dir + "/herald.sqlite")
        var rng = SystemRandomNumberGenerator()
        let start = ContinuousClock.now
        for i in 0..<count {
            let text = (0..<60).map { _ in word(&rng) }.joined(separator: " ")
            let title = (0..<4).map { _ in word(&rng) }.joined(separator: " ")
            _ = try await store.saveArtifact(
                Artifact(
                    owner: "bench/user", kind: .link, source: "https://example.org/\(i)", canonicalURL: "https://example.org/\(i)",
                    title: title, contentHash: "\(i)", text: text, category: "bench",
                    tags: [word(&rng), word(&rng)], summary: text.prefix(80).description,
                    status: .filed))
        }
        let fill = (ContinuousClock.now - start).seconds
        var latencies: [Double] = []
        for _ in 0..<queries {
            let q = "\(word(&rng)) \(word(&rng))"
            let t = ContinuousClock.now
            _ = try await store.searchArtifacts(q, owner: "bench/user", limit: 10)
            latencies.append((ContinuousClock.now - t).seconds * 1000)
        }
        return (fill, latencies)
    }

    /// Wall time of `delegate` with four tasks against a server, with `cap` helpers at once.
    static func delegation(llama: String, cap: Int) async throws -> Double {
        let dir = Measure.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try SQLStore(path: dir + "/herald.sqlite")
        let backend = OpenAIBackend(config: ModelConfig(name: "llama", url: llama + "/v1", maxTokens: 128, temperature: 0, maxConcurrent: 8))
        let profile = Profile(config: ProfileConfig(name: "bench", models: ["llama"]), soul: "You are a helpful assistant.")
        let parent = try await store.activeSession(for: ConversationRef(platform: Platform("bench"), account: "b", chat: "c"), profile: "bench")
        let tool = DelegateTool(store: store, backends: ["llama": backend], tools: [], limits: DelegateTool.Limits(maxConcurrent: cap))
        let tasks = (1...4).map { #"{"goal":"Write three sentences about topic \#($0).","context":"Be brief."}"# }.joined(separator: ",")
        let arguments = try ToolArguments(json: #"{"tasks":[\#(tasks)]}"#)
        let context = ToolContext(session: parent, profile: profile, sender: "bench/user", skills: [], toolsets: ["delegation"])
        let start = ContinuousClock.now
        _ = try await tool.call(arguments: arguments, context: context)
        return (ContinuousClock.now - start).seconds
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// A small seeded generator, so the vocabulary is the same on every run.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

