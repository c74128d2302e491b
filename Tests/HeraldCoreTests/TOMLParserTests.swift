import Testing

@testable import HeraldCore

@Suite struct TOMLParserTests {
    @Test func parsesTheLanguage() throws {
        let doc = """
            # comment
            title = "Herald \\u00e9\\t\\"q\\""   # trailing comment
            literal = 'C:\\path'
            int = +1_000
            neg = -17
            hex = 0xDEAD_beef
            oct = 0o755
            bin = 0b1101
            flt = 6.626e-34
            flt2 = -0.5
            inf = -inf
            yes = true
            when = 1979-05-27T07:32:00Z
            day = 1979-05-27
            ml = \"\"\"
            one \\
               two\"\"\"
            mll = '''
            raw \\n'''
            arr = [ 1, 2,
              3, # note
            ]
            nested = [[1, 2], ["a"]]
            inline = { a = 1, b.c = "x" }
            "quoted key" = 1
            dotted.key.path = "v"

            [server]
            host = "127.0.0.1"
            [server.tls]
            verify = false

            [[bindings]]
            profile = "a"
            [[bindings]]
            profile = "b"
            """
        let t = try TOMLParser.parse(doc)
        #expect(t["title"] == .string("Herald é\t\"q\""))
        #expect(t["literal"] == .string("C:\\path"))
        #expect(t["int"] == .integer(1000))
        #expect(t["neg"] == .integer(-17))
        #expect(t["hex"] == .integer(0xDEAD_BEEF))
        #expect(t["oct"] == .integer(0o755))
        #expect(t["bin"] == .integer(13))
        #expect(t["flt"] == .float(6.626e-34))
        #expect(t["flt2"] == .float(-0.5))
        #expect(t["inf"] == .float(-.infinity))
        #expect(t["yes"] == .bool(true))
        #expect(t["when"] == .datetime("1979-05-27T07:32:00Z"))
        #expect(t["day"] == .datetime("1979-05-27"))
        #expect(t["ml"] == .string("one two"))
        #expect(t["mll"] == .string("raw \\n"))
        #expect(t["arr"] == .array([.integer(1), .integer(2), .integer(3)]))
        #expect(t["nested"] == .array([.array([.integer(1), .integer(2)]), .array([.string("a")])]))
        guard case .table(let inline) = t["inline"], case .table(let b) = inline["b"] else {
            Issue.record("inline table missing")
            return
        }
        #expect(inline["a"] == .integer(1))
        #expect(b["c"] == .string("x"))
        #expect(t["quoted key"] == .integer(1))
        guard case .table(let server) = t["server"], case .table(let tls) = server["tls"] else {
            Issue.record("server table missing")
            return
        }
        #expect(server["host"] == .string("127.0.0.1"))
        #expect(tls["verify"] == .bool(false))
        #expect(t.lines["server"] == 28)
        #expect(server.lines["host"] == 29)
        guard case .array(let bindings) = t["bindings"] else {
            Issue.record("bindings missing")
            return
        }
        #expect(bindings.count == 2)
        #expect(t.keys.first == "title")
    }

    static let invalid: [(String, Int, String)] = [
        ("a = 1\na = 2", 2, "duplicate key"),
        ("[t]\nx = 1\n[t]\ny = 2", 3, "defined twice"),
        ("s = \"bad \\q escape\"", 1, "invalid escape"),
        ("s = \"unterminated\nx = 1", 1, "unterminated string"),
        ("ok = 1\n\ns = 'open", 3, "unterminated string"),
        ("m = \"\"\"never closed\n\n", 3, "unterminated multi-line"),
        ("a = [1, 2", 1, "unterminated array"),
        ("name = bare", 1, "invalid value"),
        ("n = 012", 1, "invalid value"),
        ("n = 1__0", 1, "invalid value"),
        ("a = 1 b = 2", 1, "end of the line"),
        ("= 1", 1, "expected a key"),
        ("key", 1, "expected '='"),
        ("t = { a = 1, }", 1, "trailing comma"),
        ("t = { a = 1 }\n[t]\n", 2, "defined twice"),
        ("a.b = 1\n[a]\n", 2, "defined twice"),
        ("a = 1\n[a]\n", 2, "already a value"),
        ("[[x]]\n[x]\n", 2, "array of tables"),
        ("u = \"\\uD800\"", 1, "invalid unicode escape"),
        ("x = 1\ny = 2\nx.z = 3", 3, "already defined"),
    ]

    @Test(arguments: invalid)
    func reportsErrorsWithTheirLine(doc: String, line: Int, message: String) {
        do {
            _ = try TOMLParser.parse(doc)
            Issue.record("accepted invalid TOML: \(doc)")
        } catch {
            #expect(error.line == line, "\(error)")
            #expect(error.message.contains(message), "\(error)")
        }
    }
}
