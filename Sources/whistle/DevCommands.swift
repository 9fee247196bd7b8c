import ArgumentParser
import Foundation
import Synchronization
import WhistleQR
import WhistleServer
import WhistleStore

/// Tools for developers and benchmarks, not for community offices.
struct DevCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        abstract: "Developer tools for benchmarks.",
        subcommands: [QRBatch.self, Seed.self, PassBench.self, FormTokenBatch.self]
    )

    /// Synthetic history for benchmarks (`bench/sla.sh`) and demos of the SLA report.
    struct Seed: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fill the database (which must hold a community) with synthetic reports, for benchmarks.")
        @Option(help: "How many reports.") var reports = 10_000
        @Option(help: "Spread over this many days, ending now.") var days = 30
        @Option(help: "About how many of them nobody ever took (default: 2 %).") var open: Int?
        @OptionGroup var database: DatabaseOptions

        func validate() throws {
            guard reports >= 0, reports <= 10_000_000, days >= 1, days <= 3650 else { throw ValidationError("--reports 0…10000000, --days 1…3650") }
            if let open, open < 0 || open > reports { throw ValidationError("--open 0…--reports") }
        }

        func run() async throws {
            try await oneLine {
                let start = ContinuousClock.now
                // Rejections and duplicates take 4 % before the untaken share applies.
                let share = open.map { reports == 0 ? 0 : Double($0) / (Double(reports) * 0.96) } ?? 0.02
                let inserted = try await database.open().seedHistory(reports: reports, days: days, now: Date(), untaken: share)
                print("seeded \(inserted) reports over \(days) days in \(start.duration(to: .now))")
            }
        }
    }

    /// Fresh form tokens for a point, one per line, as the server would put in its form: `bench/http.sh` posts each
    /// once, so the benchmark measures durable reports rather than refused replays.
    struct FormTokenBatch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "form-tokens", abstract: "Print COUNT fresh form tokens for a point (signed with this database's key).")
        @Option(help: "The point's id.") var point: String
        @Option(help: "How many tokens.") var count = 10_000
        @OptionGroup var database: DatabaseOptions

        func validate() throws {
            guard count >= 1, count <= 10_000_000 else { throw ValidationError("--count 1…10000000") }
        }

        func run() async throws {
            try await oneLine {
                let store = try await database.open()
                guard try await store.point(id: point) != nil else { throw CLIError("no point '\(point)'") }
                let tokens = FormTokens(key: try await store.serverKey(named: FormTokens.keyName))
                let now = Date()
                var out = ""
                out.reserveCapacity(count * 100)
                for _ in 0..<count { out += tokens.issue(pointID: point, now: now) + "\n" }
                FileHandle.standardOutput.write(Data(out.utf8))
            }
        }
    }

    /// N QR codes in one process, the like-for-like counterpart of N runs of the `qrencode` CLI.
    struct QRBatch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "qr-batch", abstract: "Encode COUNT distinct URLs (ECC H) and write one file each; prints codes/s.")

        enum Format: String, ExpressibleByArgument { case svg, png }

        @Option(help: "How many codes.") var count = 1000
        @Option(help: "svg or png.") var format: Format = .svg
        @Option(help: "Folder to write into.") var out: String
        @Option(help: "Base of the URLs.") var base = "https://whistle.example.cn/p/"

        func run() async throws {
            try await oneLine {
                try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
                let start = ContinuousClock.now
                let failures = Mutex<[String]>([])
                let (out, base, format) = (out, base, format)
                // Every core: encoding and drawing are independent per code.
                DispatchQueue.concurrentPerform(iterations: count) { index in
                    do {
                        let matrix = try QRMatrix.encode(base + String(index), level: .H)
                        let path = out + "/\(index).\(format.rawValue)"
                        switch format {
                        case .svg: try OutputFile.write(SVGRenderer.bytes(matrix), to: path)
                        case .png: try PNGRenderer.write(matrix, path: path, scale: 8)
                        }
                    } catch {
                        failures.withLock { $0.append("\(error)") }
                    }
                }
                if let failure = failures.withLock({ $0.first }) { throw CLIError(failure) }
                let elapsed = start.duration(to: .now)
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                print(String(format: "%d codes in %.3f s: %.1f/s", count, seconds, Double(count) / seconds))
            }
        }
    }
}
