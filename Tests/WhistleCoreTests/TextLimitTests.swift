import Testing
import WhistleCore

@Suite("Text limits by characters, scalars and bytes")
struct TextLimitTests {
    @Test("characters as people see them, and no megabytes hidden in one of them")
    func fits() {
        #expect(TextLimit.fits(String(repeating: "漏", count: 1000), characters: 1000))
        #expect(!TextLimit.fits(String(repeating: "漏", count: 1001), characters: 1000))
        #expect(TextLimit.fits(String(repeating: "👍🏽", count: 500), characters: 1000))
        let flood = "a" + String(repeating: "\u{0301}", count: 10_000)
        #expect(flood.count == 1)
        #expect(!TextLimit.fits(flood, characters: 1000))
    }

    @Test("a prefix keeps whole characters within every count")
    func prefix() {
        #expect(TextLimit.prefix("很快修好了", characters: 3) == "很快修")
        let flood = "ok" + "a" + String(repeating: "\u{0301}", count: 10_000)
        let cut = TextLimit.prefix(flood, characters: 500)
        #expect(cut == "ok")
        #expect(TextLimit.fits(cut, characters: 500))
    }
}
