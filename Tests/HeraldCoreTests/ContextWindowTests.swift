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

    @Test func ollamaGivesTheWindowItRunsWithNotTheOneTheModelWasTrainedFor() async throws {
        let tuned = try StubOpenAIServer(ollama: (contextLength: 131_072, numCtx: 8_192))
        let plain = try StubOpenAIServer(ollama: (contextLength: 131_072, numCtx: nil))
        defer { tuned.stop(); plain.stop() }
        let a = OpenAIBackend(config: ModelConfig(name: "ollama", url: tuned.baseURL, model: "llama3.2", maxTokens: 16))
        let b = OpenAIBackend(config: ModelConfig(name: "ollama", url: plain.baseURL, model: "llama3.2", maxTokens: 16))
        #expect(await a.contextTokens() == 8_192, "num_ctx from the Modelfile")
        #expect(await b.contextTokens() == OpenAIBackend.ollamaDefaultContext, "Ollama's default, not the trained 131,072")
    }

    static let refusals: [(Int, String, Int?)] = [
        (400, #"{"error":{"code":400,"message":"the request exceeds the available context size, try increasing it","type":"exceed_context_size_error","n_prompt_tokens":5000,"n_ctx":4096}}"#, 4096),
        (400, #"{"error":{"message":"This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens.","type":"invalid_request_error","code":"context_length_exceeded"}}"#, 8192),
        (400, #"{"object":"error","message":"This model's maximum context length is 32768 tokens. However, you requested 33000 tokens (32000 in the messages, 1000 in the completion).","type":"BadRequestError","code":400}"#, 32768),
        (413, #"{"error":{"message":"prompt is too long"}}"#, 0),
        (400, #"{"error":{"message":"invalid tool schema"}}"#, nil),
        (500, #"{"error":{"message":"maximum context length is 10 tokens"}}"#, nil),
        (400, "not json at all", nil),
    ]

    @Test(arguments: refusals)
    func aRefusalAsTooLongIsRecognisedWithTheWindowItNames(status: Int, body: String, window: Int?) {
        #expect(OpenAIBackend.contextRefusal(status: status, body: Data(body.utf8)) == window)
    }

    @Test(arguments: [(8192, 4096, 4096), (8192, 0, 6144), (8192, 8192, 6144), (8192, nil, 6144), (600, nil, 512)] as [(Int, Int?, Int)])
    func aRefusalShrinksThePlannedWindow(planned: Int, said: Int?, window: Int) {
        #expect(Agent.shrunk(planned: planned, refusal: said) == window)
    }
}
