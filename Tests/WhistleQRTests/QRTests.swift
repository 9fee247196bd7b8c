import Foundation
import Testing
import WhistleQR

@Suite("QR codes")
struct QRTests {
    let url = "https://whistle.example.cn/p/SH814KX6QFSM7"

    @Test("a point URL encodes and decodes to exactly the same bytes", arguments: ErrorCorrection.allCases)
    func svgRoundTrip(level: ErrorCorrection) throws {
        let matrix = try QRMatrix.encode(url, level: level)
        #expect(matrix.size == 17 + 4 * matrix.version)
        #expect(try Decoder.decode(svg: SVGRenderer.render(matrix)) == [Data(url.utf8)])
    }

    @Test("Chinese text carries a UTF-8 ECI and decodes to the same bytes")
    func chinese() throws {
        let text = "群众吹哨，服务报到 · 晨宇社区"
        let matrix = try QRMatrix.encode(text, level: .H)
        #expect(try Decoder.decode(svg: SVGRenderer.render(matrix)) == [Data(text.utf8)])
    }

    @Test("the terminal drawing scans on a dark and on a light terminal", arguments: [false, true])
    func terminal(invert: Bool) throws {
        let matrix = try QRMatrix.encode(url, level: .M)
        let text = TerminalRenderer.render(matrix, invert: invert)
        // Two module rows per line, plus the quiet zone.
        #expect(text.split(separator: "\n").count == (matrix.size + 4 + 1) / 2)
        #expect(try Decoder.decode(terminal: text, invert: invert) == [Data(url.utf8)])
    }

    @Test("the SVG has one path, an exact module grid and a 4-module quiet zone")
    func svgShape() throws {
        let matrix = try QRMatrix.encode(url, level: .M)
        let svg = SVGRenderer.render(matrix, moduleSize: 10)
        let side = matrix.size + 8
        #expect(svg.contains("viewBox=\"0 0 \(side) \(side)\""))
        #expect(svg.contains("width=\"\(side * 10)\""))
        #expect(svg.components(separatedBy: "<path").count == 2)
        #expect(svg.contains("crispEdges"))
    }

    @Test("empty and oversized texts are clear errors")
    func errors() {
        #expect(throws: QRError.empty) { try QRMatrix.encode("") }
        let long = String(repeating: "长", count: 2000)
        #expect(throws: QRError.tooLong(bytes: 6000, level: .H)) { try QRMatrix.encode(long, level: .H) }
        #expect(QRError.tooLong(bytes: 6000, level: .H).description.contains("too long"))
    }
}
