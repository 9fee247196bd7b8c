import Foundation
import Synchronization
import WhistleCore

/// What one plaque prints. The QR content is exactly `url`; `domain` and `code` are printed under it
/// so that a resident can check a sticker against the address their phone opens.
public struct Plaque: Sendable, Equatable {
    public var kind: PointKind
    public var name: String
    public var community: String
    public var services: [String]
    public var url: String
    public var code: String

    public init(kind: PointKind, name: String, community: String, services: [String] = [], url: String, code: String) {
        self.kind = kind
        self.name = name
        self.community = community
        self.services = services
        self.url = url
        self.code = code
    }

    /// The short domain printed on the plaque: the host of `url` (and its port, when not the default).
    public var domain: String {
        guard let components = URLComponents(string: url), let host = components.host else { return url }
        return components.port.map { "\(host):\($0)" } ?? host
    }

    /// Nominal size of every plaque in millimetres: four fit on an A4 sheet with room for cut marks.
    public static let widthMM = 90.0
    public static let heightMM = 125.0
    /// Plaques use the highest error correction: they live outdoors for years.
    public static let errorCorrection = ErrorCorrection.H
}

/// The file formats plaques are printed in.
public enum PlaqueFormat: String, Sendable, CaseIterable {
    case svg, png, pdf
}

/// Draws plaques: one layout per kind, in millimetres, the same in every format.
public enum PlaqueRenderer {
    /// The printed size of the QR symbol including its quiet zone, per kind.
    static func qrSideMM(_ kind: PointKind) -> Double { kind == .merchant ? 50 : 62 }

    /// Writes one plaque to `path`; returns the characters of its text that no installed font has,
    /// which print as a blank (SVG) or a box (PNG, PDF).
    @discardableResult
    public static func render(_ plaque: Plaque, format: PlaqueFormat, path: String, dpi: Double = 300) throws -> [Unicode.Scalar] {
        let matrix = try QRMatrix.encode(plaque.url, level: Plaque.errorCorrection)
        switch format {
        case .svg:
            let canvas = SVGCanvas(path: path, widthMM: Plaque.widthMM, heightMM: Plaque.heightMM)
            draw(plaque, matrix: matrix, on: canvas, x: 0, y: 0)
            try canvas.finish()
            return canvas.missing
        case .pdf, .png:
            let target: CanvasTarget = format == .pdf ? .pdf(path: path) : .png(path: path, dpi: dpi)
            let canvas = try CairoCanvas(target: target, widthMM: Plaque.widthMM, heightMM: Plaque.heightMM)
            draw(plaque, matrix: matrix, on: canvas, x: 0, y: 0)
            try canvas.finish()
            return canvas.missing
        }
    }

    /// Writes many plaques, one file each, on every core: each has its own canvas and Pango context.
    /// Returns, per job that has any, the characters no installed font has.
    @discardableResult
    public static func renderAll(
        _ jobs: [(plaque: Plaque, path: String)], format: PlaqueFormat, dpi: Double = 300
    ) throws -> [(path: String, missing: [Unicode.Scalar])] {
        let failures = Mutex<[String]>([])
        let missing = Mutex<[(path: String, missing: [Unicode.Scalar])]>([])
        DispatchQueue.concurrentPerform(iterations: jobs.count) { index in
            do {
                let absent = try render(jobs[index].plaque, format: format, path: jobs[index].path, dpi: dpi)
                if !absent.isEmpty { missing.withLock { $0.append((jobs[index].path, absent)) } }
            } catch {
                failures.withLock { $0.append("\(jobs[index].path): \(error)") }
            }
        }
        if let first = failures.withLock({ $0.sorted().first }) { throw CanvasError(description: first) }
        return missing.withLock { $0.sorted { $0.path < $1.path } }
    }

    /// Lays plaques on A4 PDF pages, 2 × 2 per page, with cut marks at every corner; returns the
    /// characters no installed font has.
    @discardableResult
    public static func renderSheet(_ plaques: [Plaque], path: String) throws -> [Unicode.Scalar] {
        let pageWidth = 210.0
        let pageHeight = 297.0
        let columns = 2
        let rows = 2
        let gutter = 10.0
        let left = (pageWidth - Double(columns) * Plaque.widthMM - Double(columns - 1) * gutter) / 2
        let top = (pageHeight - Double(rows) * Plaque.heightMM - Double(rows - 1) * gutter) / 2
        let matrices = try plaques.map { try QRMatrix.encode($0.url, level: Plaque.errorCorrection) }
        let canvas = try CairoCanvas(target: .pdf(path: path), widthMM: pageWidth, heightMM: pageHeight)
        for (index, plaque) in plaques.enumerated() {
            let slot = index % (columns * rows)
            if slot == 0 && index > 0 { canvas.nextPage() }
            let x = left + Double(slot % columns) * (Plaque.widthMM + gutter)
            let y = top + Double(slot / columns) * (Plaque.heightMM + gutter)
            draw(plaque, matrix: matrices[index], on: canvas, x: x, y: y)
            cutMarks(on: canvas, x: x, y: y, width: Plaque.widthMM, height: Plaque.heightMM)
        }
        try canvas.finish()
        return canvas.missing
    }

    /// Short hairlines outside each corner, on the trim lines, clear of the artwork.
    static func cutMarks(on canvas: some PlaqueCanvas, x: Double, y: Double, width: Double, height: Double) {
        let gap = 1.5
        let length = 3.5
        for (cornerX, cornerY, dx, dy) in [(x, y, -1.0, -1.0), (x + width, y, 1, -1), (x, y + height, -1, 1), (x + width, y + height, 1, 1)] {
            canvas.line(from: (cornerX + dx * gap, cornerY), to: (cornerX + dx * (gap + length), cornerY), widthMM: 0.1)
            canvas.line(from: (cornerX, cornerY + dy * gap), to: (cornerX, cornerY + dy * (gap + length)), widthMM: 0.1)
        }
    }

    static func draw(_ plaque: Plaque, matrix: QRMatrix, on canvas: some PlaqueCanvas, x: Double, y: Double) {
        let width = Plaque.widthMM
        let margin = 6.0
        let inner = width - 2 * margin
        canvas.fill(x: x, y: y, width: width, height: Plaque.heightMM, color: .white)
        canvas.strokeRect(x: x + 1, y: y + 1, width: width - 2, height: Plaque.heightMM - 2, widthMM: 0.6, color: .whistleRed)

        // The red band: what the sign is for, readable from across the gate.
        let bandHeight = 19.0
        canvas.fill(x: x, y: y, width: width, height: bandHeight, color: .whistleRed)
        let headline: String
        let subline: String
        switch plaque.kind {
        case .statue: (headline, subline) = ("扫码吹哨 · 10分钟响应", "群众吹哨  服务报到")
        case .station: (headline, subline) = ("扫码吹哨 · 10分钟响应", "社区服务站点")
        case .merchant: (headline, subline) = ("服务标识 · 扫码求助", "共建商户  服务居民")
        // Never printed (the store lists no grid places for plaques); worded like a station's should one slip through.
        case .grid: (headline, subline) = ("扫码吹哨 · 10分钟响应", "社区网格")
        }
        canvas.text(headline, x: x + margin, y: y + 2.5, width: inner, sizeMM: 6.2, bold: true, color: .white)
        canvas.text(subline, x: x + margin, y: y + 11.2, width: inner, sizeMM: 3.6, color: .white)

        var cursor = y + bandHeight + 2.5
        cursor += canvas.text(plaque.name, x: x + margin, y: cursor, width: inner, sizeMM: 6.4, bold: true, maxLines: 2)
        cursor += canvas.text(plaque.community, x: x + margin, y: cursor + 0.5, width: inner, sizeMM: 3.8, color: .grey) + 1

        if plaque.kind == .merchant {
            cursor += canvas.text("服务项目清单", x: x + margin, y: cursor, width: inner, sizeMM: 3.8, bold: true, color: .whistleRed)
            let list = plaque.services.isEmpty ? "扫码反映问题" : plaque.services.joined(separator: " · ")
            cursor += canvas.text(list, x: x + margin, y: cursor + 0.5, width: inner, sizeMM: 3.6, maxLines: 3) + 1
        }

        // The code sits between the text above and the footer, centred.
        let side = qrSideMM(plaque.kind)
        let footerTop = y + Plaque.heightMM - 16.5
        let qrTop = max(cursor, (cursor + footerTop - side) / 2)
        canvas.qr(matrix, x: x + (width - side) / 2, y: qrTop, side: min(side, footerTop - qrTop))

        // Anti-phishing: the address the phone will open, and the code, in plain text.
        canvas.text(plaque.domain, x: x + margin, y: footerTop + 0.5, width: inner, sizeMM: 3.8, bold: true)
        canvas.text(plaque.code, x: x + margin, y: footerTop + 6.5, width: inner, sizeMM: 4.6, monospace: true)
    }
}
