import Testing
import WhistleCore

@Suite("Point codes and phones")
struct PointCodeTests {
    @Test("a code is 13 Crockford characters, 65 random bits")
    func codeShape() {
        let codes = (0..<200).map { _ in PointCode.generate() }
        #expect(Set(codes).count == codes.count)
        for code in codes {
            #expect(code.count == 13)
            #expect(code.allSatisfy { PointCode.alphabet.contains($0) })
            #expect(!code.contains("I") && !code.contains("O") && !code.contains("L") && !code.contains("U"))
        }
    }

    @Test("hand-typed look-alikes read as the printed code")
    func normalize() {
        #expect(PointCode.normalize("ab0c-d1ef-ghjkm") == "AB0CD1EFGHJKM")
        #expect(PointCode.normalize("abOcd iefghjkm") == "AB0CD1EFGHJKM")
        #expect(PointCode.normalize("ABLCD") == nil)
        #expect(PointCode.normalize("AB0CD1EFGHJKU") == nil)
    }

    @Test("mainland mobiles are accepted and masked")
    func phones() {
        #expect(Phone.normalize("13800000001") == "13800000001")
        #expect(Phone.normalize("+86 138 0000 0001") == "13800000001")
        #expect(Phone.normalize("138-0000-0001") == "13800000001")
        #expect(Phone.normalize("12800000001") == nil)
        #expect(Phone.normalize("1380000000") == nil)
        #expect(Phone.normalize("1380000000a") == nil)
        #expect(Phone.mask("13800000001") == "138****0001")
        #expect(!Phone.mask("12345").contains("123"))
    }

    @Test("durations read and write back", arguments: [("0s", 0), ("90s", 90), ("3m", 180), ("1h30m", 5400), ("24h", 86400), ("2d", 172_800)])
    func durations(text: String, seconds: Int64) {
        #expect(DurationText.parse(text) == .seconds(seconds))
        #expect(DurationText.parse(DurationText.format(.seconds(seconds))) == .seconds(seconds))
    }

    @Test("bad durations are refused", arguments: ["", "10", "m", "3x", "-3m", "3 m"])
    func badDurations(text: String) {
        #expect(DurationText.parse(text) == nil)
    }

    @Test("report numbers")
    func reportNumbers() {
        #expect(ReportNumber.make(day: "20261125", sequence: 42) == "20261125-0042")
        #expect(ReportNumber.make(day: "20261125", sequence: 12345) == "20261125-12345")
        #expect(ReportNumber.isValid("20261125-0042"))
        #expect(!ReportNumber.isValid("2026112-0042"))
        #expect(!ReportNumber.isValid("20261125-42"))
        #expect(!ReportNumber.isValid("20261125-00a2"))
    }
}
