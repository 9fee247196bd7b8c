import ArgumentParser
import Foundation
import WhistleCore
import WhistleQR
import WhistleStore

extension PlaqueFormat: ExpressibleByArgument {}

struct PlaquesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plaques",
        abstract: "Print-ready plaques for points: SVG, PNG or PDF, one file each or A4 sheets.",
        discussion: """
            Each plaque is 90 × 125 mm with the QR code (error correction H, 4-module quiet zone) at 62 mm
            (50 mm on a merchant's service sign), the point's name, the community, and under the code the
            short domain and the code itself, so residents can check a sticker. --sheet a4 writes one PDF
            with four plaques a page and cut marks.
            """
    )

    enum Sheet: String, ExpressibleByArgument { case a4 }

    @Flag(help: "Every active point.") var all = false
    @Option(name: .customLong("point"), parsing: .upToNextOption, help: "Point ids.") var points: [String] = []
    @Option(help: "svg, png or pdf.") var format: PlaqueFormat
    @Option(help: "Folder to write into (created if missing).") var out: String
    @Option(help: "Resolution of PNG plaques.") var dpi: Double = 300
    @Option(help: "Impose plaques on sheets (PDF only).") var sheet: Sheet?
    @Option(help: "With --all: only the plaques of this community (by id).") var community: Int64?
    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        guard all != !points.isEmpty else { throw ValidationError("give either --all or --point ID…") }
        if community != nil && !all { throw ValidationError("--community goes with --all") }
        guard (72...1200).contains(dpi) else { throw ValidationError("--dpi must be 72…1200") }
        if sheet != nil && format != .pdf { throw ValidationError("--sheet a4 needs --format pdf") }
    }

    func run() async throws {
        try await oneLine {
            let store = try await database.open()
            let snapshot = try await store.snapshot()
            guard !snapshot.communities.isEmpty else { throw CLIError("no community yet: run `whistle import` first") }
            if let community, snapshot.communities[community] == nil { throw CLIError("no community \(community)") }
            var chosen: [Point] = []
            if all {
                chosen = try await store.points(community: community)
            } else {
                for id in points {
                    guard let point = try await store.point(id: id) else { throw CLIError("unknown point '\(id)'") }
                    guard point.active else { throw CLIError("point '\(id)' is deactivated; its plaque would be void") }
                    chosen.append(point)
                }
            }
            guard !chosen.isEmpty else { throw CLIError("no active points to print") }
            do {
                try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            } catch {
                throw CLIError("cannot create \(out): \(error.localizedDescription)")
            }
            // Each plaque names its own community and carries its address.
            let plaques = try chosen.map { point in
                guard let community = snapshot.community(of: point) else { throw CLIError("point '\(point.id)' has no community") }
                return Plaque(
                    kind: point.kind, name: point.name, community: community.name, services: point.services,
                    url: community.url(for: point), code: point.code)
            }
            let folder = URL(fileURLWithPath: out)
            if sheet == .a4 {
                let path = folder.appendingPathComponent("plaques-a4.pdf").path
                let missing = try PlaqueRenderer.renderSheet(plaques, path: path)
                print("\(path): \(plaques.count) plaques on \((plaques.count + 3) / 4) A4 pages")
                if !missing.isEmpty { Self.warn(path: path, missing: missing) }
                return
            }
            let jobs = zip(chosen, plaques).map { point, plaque in
                (plaque: plaque, path: folder.appendingPathComponent("\(point.id).\(format.rawValue)").path)
            }
            let missing = try PlaqueRenderer.renderAll(jobs, format: format, dpi: dpi)
            for job in jobs { print("\(job.path)  \(job.plaque.url)") }
            for (path, characters) in missing { Self.warn(path: path, missing: characters) }
        }
    }

    /// A name or service with a character no installed font has would be printed with a gap or a box.
    static func warn(path: String, missing: [Unicode.Scalar]) {
        let list = missing.map { "\($0) (U+\(String($0.value, radix: 16, uppercase: true)))" }.joined(separator: ", ")
        FileHandle.standardErrorWrite("warning: \(path): no font has \(list); it prints as a gap or a box — change the text in the community file\n")
    }
}
