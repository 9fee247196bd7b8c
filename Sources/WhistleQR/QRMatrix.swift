import CQREncode
import Foundation

/// Error-correction level: how much of the symbol may be damaged and still decode (L 7%, M 15%, Q 25%, H 30%).
public enum ErrorCorrection: String, Sendable, CaseIterable {
    case L, M, Q, H

    var c: QRecLevel {
        switch self {
        case .L: QR_ECLEVEL_L
        case .M: QR_ECLEVEL_M
        case .Q: QR_ECLEVEL_Q
        case .H: QR_ECLEVEL_H
        }
    }
}

public enum QRError: Error, Sendable, Equatable, CustomStringConvertible {
    case empty
    case tooLong(bytes: Int, level: ErrorCorrection)
    case encoder(String)

    public var description: String {
        switch self {
        case .empty: "nothing to encode: the text is empty"
        case .tooLong(let bytes, let level):
            "text too long for a QR code: \(bytes) bytes at error correction \(level.rawValue) (use a lower level or a shorter text)"
        case .encoder(let message): "QR encoder failed: \(message)"
        }
    }
}

/// The modules of a QR symbol (no quiet zone), made by libqrencode.
public struct QRMatrix: Sendable, Equatable {
    public let version: Int
    /// Modules per side.
    public let size: Int
    /// Row-major, `true` for a dark module.
    public let modules: [Bool]

    public init(version: Int, size: Int, modules: [Bool]) {
        self.version = version
        self.size = size
        self.modules = modules
    }

    public subscript(x: Int, y: Int) -> Bool {
        guard x >= 0, y >= 0, x < size, y < size else { return false }
        return modules[y * size + x]
    }

    /// Encodes `text` as UTF-8, choosing the smallest version that fits.
    ///
    /// Non-ASCII text carries a UTF-8 ECI header so that readers do not guess Shift-JIS or Latin-1.
    public static func encode(_ text: String, level: ErrorCorrection = .M) throws -> QRMatrix {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { throw QRError.empty }
        errno = 0
        let symbol: UnsafeMutablePointer<QRcode>?
        if bytes.allSatisfy({ $0 < 0x80 && $0 != 0 }) {
            symbol = QRcode_encodeString(text, 0, level.c, QR_MODE_8, 1)
        } else {
            guard let input = QRinput_new2(0, level.c) else { throw QRError.encoder(String(cString: strerror(errno))) }
            defer { QRinput_free(input) }
            guard QRinput_appendECIheader(input, 26) == 0,
                QRinput_append(input, QR_MODE_8, Int32(bytes.count), bytes) == 0
            else { throw QRError.encoder(String(cString: strerror(errno))) }
            symbol = QRcode_encodeInput(input)
        }
        guard let symbol else {
            if errno == ERANGE { throw QRError.tooLong(bytes: bytes.count, level: level) }
            throw QRError.encoder(String(cString: strerror(errno)))
        }
        defer { QRcode_free(symbol) }
        let size = Int(symbol.pointee.width)
        let data = UnsafeBufferPointer(start: symbol.pointee.data, count: size * size)
        // Bit 0 of each byte is the module's colour; the other bits describe its function.
        return QRMatrix(version: Int(symbol.pointee.version), size: size, modules: data.map { $0 & 1 == 1 })
    }
}
