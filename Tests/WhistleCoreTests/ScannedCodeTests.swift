import Testing
import WhistleCore

@Suite("Scanned codes")
struct ScannedCodeTests {
    let base = "https://whistle.example.cn"

    @Test("our point URLs, and what is not")
    func classify() {
        #expect(ScannedCode.classify("https://whistle.example.cn/p/SH814KX6QFSM7", baseURL: base) == .ours(code: "SH814KX6QFSM7"))
        #expect(ScannedCode.classify("https://WHISTLE.example.cn/p/SH814KX6QFSM7", baseURL: base) == .ours(code: "SH814KX6QFSM7"))
        #expect(ScannedCode.classify("https://whistle.example.cn/p/SH814KX6QFSM7?x=1", baseURL: base) == .oursMalformed)
        #expect(ScannedCode.classify("https://whistle.example.cn/admin", baseURL: base) == .oursMalformed)
        #expect(ScannedCode.classify("http://whistle.example.cn/p/SH814KX6QFSM7", baseURL: base) == .lookalike(host: "whistle.example.cn"))
    }

    @Test(
        "look-alike hosts are called out",
        arguments: ["https://whist1e.example.cn/p/SH814KX6QFSM7", "https://whistle.example.cn.pay-now.com/p/X", "https://whistle-example.cn/",
                    "https://evil.com/p/SH814KX6QFSM7"])
    func lookalikes(text: String) {
        guard case .lookalike = ScannedCode.classify(text, baseURL: base) else {
            Issue.record("\(text) is not flagged as a look-alike")
            return
        }
    }

    @Test("other content is foreign", arguments: ["https://pay.example.com/qr/123", "WIFI:S:cafe;T:WPA;P:x;;", "群众吹哨", ""])
    func foreign(text: String) {
        #expect(ScannedCode.classify(text, baseURL: base) == .foreign)
    }
}
