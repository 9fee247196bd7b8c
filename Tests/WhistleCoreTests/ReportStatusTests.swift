import Testing
import WhistleCore

@Suite("Report status")
struct ReportStatusTests {
    @Test("the order-style flow: take, whistle, resolve, close")
    func flow() {
        #expect(ReportStatus.open.applying(.acknowledge) == .acknowledged)
        #expect(ReportStatus.acknowledged.applying(.whistle) == .whistled)
        #expect(ReportStatus.whistled.applying(.resolve) == .resolved)
        #expect(ReportStatus.resolved.applying(.close) == .closed)
        #expect(ReportStatus.resolved.applying(.reopen) == .acknowledged)
    }

    @Test("refused transitions")
    func refused() {
        #expect(ReportStatus.open.applying(.resolve) == nil)  // take it first: the promise clock stops at an ack
        #expect(ReportStatus.acknowledged.applying(.acknowledge) == nil)
        #expect(ReportStatus.closed.applying(.acknowledge) == nil)
        #expect(ReportStatus.rejected.applying(.resolve) == nil)
        #expect(ReportStatus.open.applying(.whistle) == nil)
    }
}
