import Foundation
import HeraldCore
import HeraldPeers
import Testing

/// The context window of a backend that is not llama.cpp: from its model list, else a default
/// that suits current models (a tiny guess made every turn try to summarise).
@Suite struct ContextWindowTests {
    @Test func aServerWithoutPropsGivesItsWindowInTheModelList() async throws {
        let listed = try StubOpenAIServer(listedContext: 12_345)
        defer { listed.stop() }
        let backend = OpenAIBackend(config: ModelConfig(name: "vllm", url: listed.baseURL, maxTokens: 16))
        #expect(await backend.contextTokens() == 12_345)
    }

    @Test func aServerThatSaysNothingGetsTheDocumentedDefault() async throws {
        let silent = try StubOpenAIServer()
        defer { silent.stop() }
        let backend = OpenAIBackend(config: ModelConfig(name: "cloud", url: silent.baseURL, maxTokens: 16))
        #expect(await backend.contextTokens() == nil)
        #expect(Agent.defaultContextTokens >= 32_768)
    }
}
