import ArgumentParser
import Foundation
import WhistleQR

extension ErrorCorrection: ExpressibleByArgument {}

struct QRCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "qr", abstract: "Make one QR code.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case utf8, svg, png }

    @Argument(help: "The text to encode (UTF-8).") var text: String
    @Option(help: "utf8 (terminal), svg or png.") var format: Format = .utf8
    @Option(help: "Write to this file instead of standard output.") var out: String?
    @Option(help: "Error correction: L, M, Q or H.") var ecc: ErrorCorrection = .M
    @Flag(help: "For terminals with a light background.") var invert = false
    @Option(help: "PNG pixels per module.") var scale = 8

    func validate() throws {
        guard (1...64).contains(scale) else { throw ValidationError("--scale must be 1…64") }
        if format == .png && out == nil { throw ValidationError("--format png needs --out FILE") }
    }

    func run() async throws {
        try await oneLine {
            let matrix = try QRMatrix.encode(text, level: ecc)
            let output: String
            switch format {
            case .utf8: output = TerminalRenderer.render(matrix, invert: invert)
            case .svg: output = SVGRenderer.render(matrix)
            case .png:
                try PNGRenderer.write(matrix, path: out ?? "qr.png", scale: scale)
                return
            }
            if let out {
                do {
                    try output.write(toFile: out, atomically: true, encoding: .utf8)
                } catch {
                    throw CLIError("cannot write \(out): \(error.localizedDescription)")
                }
            } else {
                print(output, terminator: "")
            }
        }
    }
}
