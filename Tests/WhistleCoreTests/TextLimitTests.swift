import Foundation
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

@Suite("Timestamps")
struct TimestampTests {
    @Test("RFC 3339 exactly: offsets applied, trailing text and impossible days refused")
    func parse() {
        #expect(Timestamp.parse("2026-11-25T09:30:00Z") == Date(timeIntervalSince1970: 1_795_599_000))
        #expect(Timestamp.parse("2026-11-25T17:30:00+08:00") == Date(timeIntervalSince1970: 1_795_599_000))
        #expect(Timestamp.parse("2026-11-25T04:00:00-05:30") == Date(timeIntervalSince1970: 1_795_599_000))
        for bad in ["2026-11-25T09:30:00Z*", "2026-11-25 09:30:00Z", "2026-02-30T00:00:00Z", "2026-04-31T00:00:00Z", "", "2026-11-25T24:00:00Z", "2026-11-25T09:30:00", "1970-02-29T21:43:59Z", "2027-02-29T00:00:00Z"] {
            #expect(Timestamp.parse(bad) == nil, "\(bad)")
        }
        #expect(Timestamp.parse("2028-02-29T00:00:00Z") != nil)
    }
}
