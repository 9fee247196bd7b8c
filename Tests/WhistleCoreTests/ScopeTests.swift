import Foundation
import Testing
import WhistleCore

@Suite("Scope")
struct ScopeTests {
    let roster = Roster(
        grids: [Grid(id: "g1", name: "一网格", leaderID: "lead"), Grid(id: "g2", name: "二网格", leaderID: nil)],
        responders: [
            Responder(id: "w1", name: "w1", role: .gridWorker), Responder(id: "w2", name: "w2", role: .gridWorker),
            Responder(id: "lead", name: "lead", role: .gridLeader), Responder(id: "sec", name: "sec", role: .secretary),
            Responder(id: "dept", name: "dept", role: .department),
        ],
        duty: [DutyShift(gridID: "g1", responderID: "w1", days: .all, startMinute: 0, endMinute: 1440)])

    func report(ackBy: String? = nil, whistledTo: String? = nil) -> Report {
        var report = Report(number: "20261125-0001", pointID: "p", category: "water", description: "d", policyID: 1, createdAt: Date(), statusKeyHash: "h")
        report.ackBy = ackBy
        report.whistledTo = whistledTo
        return report
    }

    @Test("each role's reach: duty grids and what one took; everything; what was whistled to one")
    func reach() throws {
        let scope = { (id: String) in self.roster.scope(for: self.roster.responders[id]!) }
        #expect(scope("w1").gridIDs == ["g1"])
        #expect(scope("lead").gridIDs == ["g1"])
        #expect(scope("w1").allows(report(), gridID: "g1"))
        #expect(!scope("w1").allows(report(), gridID: "g2"))
        #expect(scope("w2").allows(report(ackBy: "w2"), gridID: "g2"), "what they took, wherever it is")
        #expect(!scope("w2").allows(report(), gridID: "g1"))
        #expect(scope("lead").allows(report(), gridID: "g2") && scope("sec").allows(report(), gridID: "g2"))
        #expect(!scope("dept").allows(report(ackBy: "w1"), gridID: "g1"))
        #expect(scope("dept").allows(report(ackBy: "w1", whistledTo: "dept"), gridID: "g1"))
        // Out of scope is not found; in scope, the role's rules decide.
        #expect(ReportRules.check(.acknowledge, scope: scope("dept"), on: report(), gridID: "g1") == .outOfScope)
        #expect(ReportRules.check(.acknowledge, scope: scope("w1"), on: report(), gridID: "g1") == nil)
        if case .refused = ReportRules.check(.whistle, scope: scope("w1"), on: report(ackBy: "w2"), gridID: "g1") {} else {
            Issue.record("a worker whistled a report someone else took")
        }
    }
}
