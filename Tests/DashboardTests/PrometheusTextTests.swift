import HeraldCore
import Testing

@testable import HeraldDashboard

@Suite struct PrometheusTextTests {
    @Test(arguments: [(0.0, "0"), (3, "3"), (-2, "-2"), (0.25, "0.25"), (Double.nan, "NaN"), (Double.infinity, "+Inf"), (-Double.infinity, "-Inf"), (1e20, "1e+20")])
    func numbersAreWrittenAsTheFormatReadsThem(value: Double, text: String) {
        #expect(PrometheusText.number(value) == text)
    }

    @Test(arguments: [("plain", "plain"), (#"a"b"#, #"a\"b"#), (#"back\slash"#, #"back\\slash"#), ("two\nlines", #"two\nlines"#)])
    func labelValuesAreEscaped(raw: String, escaped: String) {
        #expect(PrometheusText.escape(raw) == escaped)
    }

    @Test func aFamilyIsHelpTypeThenSamples() {
        let text = PrometheusText.render([
            .init(name: "x_total", type: "counter", help: "Things.\nMore", samples: [([Metrics.Label("adapter", "telegram/main")], 2), ([], 1)])
        ])
        #expect(text == "# HELP x_total Things.\\nMore\n# TYPE x_total counter\nx_total{adapter=\"telegram/main\"} 2\nx_total 1\n")
    }

    @Test func everyKnownCounterIsListedEvenBeforeItsFirstSample() {
        let families = PrometheusText.counters([:])
        #expect(families.map(\.name) == Metrics.help.keys.sorted())
        #expect(families.allSatisfy { $0.samples.isEmpty && $0.type == "counter" })
    }
}
