import ArgumentParser
import Foundation
import WhistleQR

extension ErrorCorrection: ExpressibleByArgument {}

struct QRCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "qr", abstract: "Make one QR code.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case utf8, svg }

    @Argument(help: "The text to encode (UTF-8).") var text: String
    @Option(help: "utf8 (terminal) or svg.") var format: Format = .utf8
    @Option(help: "Write to this file instead of standard output.") var out: String?
    @Option(help: "Error correction: L, M, Q or H.") var ecc: ErrorCorrection = .M
    @Flag(help: "For terminals with a light background.") var invert = false

    func run() async throws {
        try await oneLine {
            let matrix = try QRMatrix.encode(text, level: ecc)
            let output: String =
                switch format {
                case .utf8: TerminalRenderer.render(matrix, invert: invert)
                case .svg: SVGRenderer.render(matrix)
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
