import Foundation
import GRDB
import Testing
import WhistleCore
import WhistleStore
import WhistleTestSupport

private func draft(_ point: String = "statue-south-gate", category: String = "water") -> ReportDraft {
    ReportDraft(pointID: point, category: category, description: "下水道冒水", phone: "13800000009", statusKeyHash: Secret.hash("k"))
}

@Suite("Reports")
struct ReportTests {
    @Test("numbers count up within a local day and restart at Shanghai midnight")
    func numbering() async throws {
        let (database, _) = try await seeded()
        let late = local("2026-11-25T23:59:58")
        let first = try await database.createReport(draft(category: "water"), at: late)
        let second = try await database.createReport(draft(category: "road"), at: late.addingTimeInterval(1))
        let nextDay = try await database.createReport(draft(category: "fire"), at: local("2026-11-26T00:00:00"))
        #expect(first.report.number == "20261125-0001")
        #expect(second.report.number == "20261125-0002")
        #expect(nextDay.report.number == "20261126-0001")
        // 16:00 UTC is already the next day in Shanghai.
        let utc = ISO8601DateFormatter().date(from: "2026-11-26T16:00:00Z")!
        #expect(try await database.createReport(draft(category: "help"), at: utc).report.number == "20261127-0001")
    }

    @Test("a report, its created event and every escalation step are written together")
    func plannedInOneTransaction() async throws {
        let (database, _) = try await seeded()
        let mondayMorning = local("2026-11-23T09:00:00")
        let created = try await database.createReport(draft(), at: mondayMorning)
        let id = try #require(created.report.id)
        let stored = try #require(try await database.report(number: created.report.number))
        #expect(stored.status == .open)
        #expect(stored.phone == "13800000009")
        #expect(try await database.events(reportID: id).map(\.kind) == ["created"])

        let outbox = try await database.outbox(reportID: id)
        #expect(outbox == created.outbox)
        // g1 on Monday: r-zhao on duty, r-qian backup, r-li leader, r-shang secretary; one channel each; the breach at 10:00.
        let plan = outbox.map { "\($0.step) \($0.responderID) \($0.channelKind) \(Int($0.dueAt.timeIntervalSince(mondayMorning)))" }
        #expect(plan == ["0 r-zhao webhook 0", "1 r-zhao webhook 180", "1 r-qian wecom 180", "2 r-li dingtalk 360", "3 r-shang feishu 540", "4 r-shang feishu 600"])
        #expect(outbox.last?.event == .breach)
        #expect(Set(outbox.map(\.idemKey)).count == outbox.count)
    }

    @Test("who may act is decided in the transaction that acts, on the report as it is then")
    func rulesInsideTheTransaction() async throws {
        let (database, _) = try await seeded()
        let t0 = local("2026-11-23T09:00:00")
        let number = try await database.createReport(draft(), at: t0).report.number
        try await database.acknowledge(number: number, by: "r-zhao", at: t0.addingTimeInterval(60))
        // r-qian read the report while it was open; by the time the write runs, r-zhao has it.
        await #expect(throws: StoreError.forbidden("take report \(number) first (whistle ack), or ask the grid leader")) {
            try await database.whistle(number: number, by: "r-qian", to: "d-city", note: "x", at: t0.addingTimeInterval(120))
        }
        await #expect(throws: StoreError.self) { try await database.reject(number: number, by: "r-zhao", note: "x", at: t0) }
        // Deactivated after their token was checked: refused inside the write too.
        try await database.write { tx in try tx.execute("UPDATE responder SET active = FALSE WHERE id = 'r-zhao'") }
        await #expect(throws: StoreError.forbidden("r-zhao is no longer active")) {
            try await database.resolve(number: number, by: "r-zhao", note: "ok", at: t0.addingTimeInterval(180))
        }
        await #expect(throws: StoreError.notFound("responder 'nobody'")) {
            try await database.resolve(number: number, by: "nobody", note: "ok", at: t0.addingTimeInterval(180))
        }
        // The grid leader still may; nothing above left a trace in the timeline.
        try await database.resolve(number: number, by: "r-li", note: "修好了", at: t0.addingTimeInterval(240))
        let id = try #require(try await database.report(number: number)?.id)
        #expect(try await database.events(reportID: id).map(\.kind) == ["created", "acknowledged", "resolved"])
    }

    @Test("reports arriving together share commits; each keeps its own number and its own answer")
    func groupCommit() async throws {
        let (database, _) = try await seeded()
        let t0 = local("2026-11-23T09:00:00")
        let categories = ["water", "road", "fire", "help"]
        let results = await withTaskGroup(of: Result<CreatedReport, any Error>.self) { group in
            for index in 0..<60 {
                group.addTask {
                    var report = ReportDraft(
                        pointID: "statue-south-gate", category: categories[index % 4], description: "第\(index)件", statusKeyHash: "h",
                        formNonce: index == 59 ? "nonce-7" : "nonce-\(index)")
                    report.phone = nil
                    do {
                        return .success(try await database.createReport(report, at: t0.addingTimeInterval(Double(index) / 100)))
                    } catch {
                        return .failure(error)
                    }
                }
            }
            var all: [Result<CreatedReport, any Error>] = []
            for await result in group { all.append(result) }
            return all
        }
        // The 60th reuses the 8th's form: refused alone, whichever of the two came first.
        let created = results.compactMap { try? $0.get() }
        let numbers = created.map(\.report.number)
        #expect(numbers.count == 59)
        #expect(results.filter { if case .failure(let error) = $0 { (error as? StoreError) == .replayed } else { false } }.count == 1)
        #expect(Set(numbers) == Set((1...59).map { String(format: "20261123-%04d", $0) }), "gap-free, none twice")
        // Each commit's reports know their group: its size, and which of them came first.
        let commits = created.filter(\.firstInCommit).count
        #expect(commits < 59, "\(commits) commits for 59 reports arriving together")
        #expect(created.filter(\.firstInCommit).map(\.commitGroup).reduce(0, +) == 59, "the commits' groups add up to the reports stored")
        // Every report that was answered is there with its event and its plan.
        for number in numbers {
            let report = try #require(try await database.report(number: number))
            #expect(try await database.events(reportID: report.id!).first?.kind == "created")
        }
    }

    @Test("the store refuses an action on a report outside the actor's scope, as not found")
    func scopeInsideTheTransaction() async throws {
        let (database, _) = try await seeded()
        let t0 = local("2026-11-23T09:00:00")
        let number = try await database.createReport(draft(), at: t0).report.number
        // A department sees only what was whistled to it: it cannot take an open report, whatever an earlier read said.
        await #expect(throws: StoreError.notFound("report \(number)")) {
            try await database.acknowledge(number: number, by: "d-city", at: t0.addingTimeInterval(60))
        }
        try await database.acknowledge(number: number, by: "r-zhao", at: t0.addingTimeInterval(60))
        try await database.whistle(number: number, by: "r-zhao", to: "d-city", note: "塌陷", at: t0.addingTimeInterval(120))
        await #expect(throws: StoreError.notFound("report \(number)")) {
            try await database.resolve(number: number, by: "d-property", note: "x", at: t0.addingTimeInterval(180))
        }
        try await database.acknowledge(number: number, by: "d-city", at: t0.addingTimeInterval(240))
    }

    @Test("the list query and Scope.allows agree, for every responder and every report")
    func scopeSQLAgreesWithScope() async throws {
        let database = try await slaHistory()
        let snapshot = try await database.snapshot()
        let everything = try await database.reports(
            in: Scope(responder: Responder(id: "all", name: "all", role: .secretary), gridIDs: []), filter: ReportFilter(statuses: []))
        #expect(everything.count >= 7)
        for responder in snapshot.roster.responders.values {
            let scope = snapshot.roster.scope(for: responder)
            let listed = Set(try await database.reports(in: scope, filter: ReportFilter(statuses: [])).map(\.report.number))
            let allowed = Set(everything.filter { scope.allows($0.report, gridID: $0.point.gridID) }.map(\.report.number))
            #expect(listed == allowed, "\(responder.id)")
        }
    }

    @Test("a second report on the same point and category within 2 hours is linked, not escalated again")
    func duplicates() async throws {
        let (database, _) = try await seeded()
        let now = local("2026-11-23T09:00:00")
        let original = try await database.createReport(draft(), at: now)
        let repeatReport = try await database.createReport(draft(), at: now.addingTimeInterval(3600))
        #expect(repeatReport.report.status == .duplicate)
        #expect(repeatReport.report.duplicateOf == original.report.id)
        #expect(repeatReport.original?.number == original.report.number)
        #expect(repeatReport.outbox.isEmpty)
        let otherCategory = try await database.createReport(draft(category: "road"), at: now.addingTimeInterval(3600))
        #expect(otherCategory.report.status == .open)
        let later = try await database.createReport(draft(), at: now.addingTimeInterval(3 * 3600))
        #expect(later.report.status == .open)
    }

    @Test("a report on a point with no one on duty goes to the leader and the gap is reported")
    func dutyGap() async throws {
        let (database, _) = try await seeded()
        // g2 on Monday 07:00: the day shift starts at 08:00 and Sunday had no night shift (mon-fri only).
        let created = try await database.createReport(draft("station-guard-north"), at: local("2026-11-23T07:00:00"))
        #expect(created.dutyGaps.contains(0))
        #expect(created.outbox.first { $0.step == 0 }?.responderID == "r-li")
    }

    @Test("rotating a code voids the old plaque and issues a new one")
    func rotation() async throws {
        let (database, _) = try await seeded()
        let before = try #require(try await database.point(id: "statue-south-gate"))
        let after = try await database.rotateCode(pointID: "statue-south-gate")
        #expect(after.code != before.code)
        #expect(try await database.lookup(code: before.code) == .void(after))
        #expect(try await database.lookup(code: after.code) == .active(after))
        #expect(try await database.lookup(code: after.code.lowercased()) == .active(after))
        #expect(try await database.lookup(code: "ZZZZZZZZZZZZZ") == .unknown)
        await #expect(throws: StoreError.self) { try await database.rotateCode(pointID: "nope") }
    }

    @Test("the cached snapshot follows a change made by another process at once: a rotated code is void on the next scan")
    func catalogueFollowsOtherProcesses() async throws {
        let (server, path) = try await seeded()
        let before = try #require(try await server.point(id: "statue-south-gate"))
        #expect(try await server.lookup(code: before.code) == .active(before))
        // `whistle points rotate` in another process: its own connection, its own cache.
        let cli = try await AppDatabase.open(path)
        let rotated = try await cli.rotateCode(pointID: "statue-south-gate")
        guard case .void = try await server.lookup(code: before.code) else {
            Issue.record("the old code still reads as active")
            return
        }
        #expect(try await server.lookup(code: rotated.code) == .active(rotated))
        let version = try await server.snapshot().version
        #expect(try await server.snapshot().version == version, "nothing changed, nothing reloaded")
    }

    @Test("scan counts are per point and local day")
    func scans() async throws {
        let (database, _) = try await seeded()
        try await database.countScan(pointID: "statue-south-gate", at: local("2026-11-25T10:00:00"))
        try await database.countScan(pointID: "statue-south-gate", at: local("2026-11-25T23:00:00"))
        try await database.countScan(pointID: "statue-south-gate", at: local("2026-11-26T01:00:00"))
        let rows = try await database.read { tx in
            try tx.fetchAll("SELECT day, count FROM scan_count ORDER BY day", []).map { "\(try $0.get("day", as: String.self)) \(try $0.get("count", as: Int.self))" }
        }
        #expect(rows == ["20261125 2", "20261126 1"])
    }
}

@Suite("Retention")
struct RetentionTests {
    @Test("phones and photos older than a year are removed; the report and its figures stay")
    func purge() async throws {
        let (database, _) = try await seeded()
        let photo = try await database.storePhoto(Data([0xFF, 0xD8]), at: local("2025-01-10T09:00:00"))
        let old = try await database.createReport(
            ReportDraft(pointID: "statue-south-gate", category: "water", description: "旧", phone: "13800000009", photoIDs: [photo],
                statusKeyHash: "h"), at: local("2025-01-10T09:00:00"))
        await database.settlePhotos([photo])
        #expect(try await database.photoData(photo) == Data([0xFF, 0xD8]))
        let recent = try await database.createReport(
            ReportDraft(pointID: "statue-south-gate", category: "road", description: "新", phone: "13800000008", statusKeyHash: "h"),
            at: local("2026-11-20T09:00:00"))
        let cleared = try await database.purgePersonalData(createdBefore: local("2026-11-25T00:00:00").addingTimeInterval(-AppDatabase.personalDataRetention), at: local("2026-11-25T00:00:00"))
        #expect(cleared == 1)
        let purged = try #require(try await database.report(number: old.report.number))
        #expect(purged.phone == nil)
        #expect(purged.photoIDs.isEmpty)
        #expect(purged.description == "旧")
        #expect(try await database.photoData(photo) == nil)
        #expect(try await database.photoCount() == 0)
        #expect(try await database.report(number: recent.report.number)?.phone == "13800000008")
        #expect(try await database.events(reportID: purged.id!).map(\.kind).contains("personal_data_removed"))
    }

    @Test("a photo never settled after a crash: kept when a report names it, deleted otherwise, young ones left alone")
    func sweepIncoming() async throws {
        let (database, _) = try await seeded()
        let written = Date().addingTimeInterval(-7200)
        // The process died after this report committed, before its photo was settled; and after `orphan` was written,
        // before its report committed.
        let named = try await database.storePhoto(Data([0xFF, 0xD8, 1]), at: written)
        let orphan = try await database.storePhoto(Data([0xFF, 0xD8, 2]), at: written)
        let young = try await database.storePhoto(Data([0xFF, 0xD8, 3]))
        _ = try await database.createReport(
            ReportDraft(pointID: "statue-south-gate", category: "water", description: "d", phone: nil, photoIDs: [named], statusKeyHash: "h"),
            at: written.addingTimeInterval(2))
        var stray = 0
        if TestBackend.isSQLite {
            // Files carry their own time: the write's, set back two hours; and something that is not a photo at all.
            let incoming = database.incomingPhotosDirectory
            try Data("x".utf8).write(to: URL(fileURLWithPath: incoming + "/stray.txt"))
            for name in [named, orphan, "stray.txt"] {
                try FileManager.default.setAttributes([.modificationDate: written], ofItemAtPath: incoming + "/" + name)
            }
            #expect(database.photoPath(named) == incoming + "/" + named, "served from incoming/ until it is moved")
            stray = 1
        }
        #expect(try await database.photoData(named) == Data([0xFF, 0xD8, 1]), "served before it is settled")
        let (kept, removed) = try await database.sweepIncomingPhotos()
        #expect(kept == 1 && removed == 1 + stray)
        #expect(try await database.photoData(named) == Data([0xFF, 0xD8, 1]))
        #expect(try await database.photoData(orphan) == nil)
        #expect(try await database.photoData(young) != nil, "a photo whose request may still be running stays")
        let again = try await database.sweepIncomingPhotos()
        #expect(again.kept == 0 && again.removed == 0, "settled: the next sweep leaves it")
        if TestBackend.isSQLite { #expect(database.photoPath(named) == database.photosDirectory + "/" + named) }
    }
}
