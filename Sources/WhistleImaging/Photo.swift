import CVips
import Foundation

/// Why an uploaded photo was refused.
public enum PhotoError: Error, Sendable, Equatable, CustomStringConvertible {
    case notAnImage
    case tooLarge(bytes: Int, limit: Int)
    case tooManyPixels(width: Int, height: Int, limit: Int)
    case undecodable(String)
    /// libvips itself cannot be opened or started.
    case unavailable(String)

    public var description: String {
        switch self {
        case .notAnImage: "not a JPEG, PNG or WebP image"
        case .tooLarge(let bytes, let limit): "image of \(bytes / 1_048_576) MB is larger than \(limit / 1_048_576) MB"
        case .tooManyPixels(let width, let height, let limit): "image of \(width)×\(height) px is larger than \(limit) px a side"
        case .undecodable(let detail): "image cannot be read: \(detail)"
        case .unavailable(let detail): "\(detail) (photos need the libvips42 package)"
        }
    }
}

/// A photo made safe to keep: decoded, upright, shrunk, and re-encoded as a JPEG without any metadata.
public struct SanitizedPhoto: Sendable {
    public var jpeg: Data
    public var width: Int
    public var height: Int
}

/// Residents' photos: accepted by content, never by name or declared type, and re-encoded so that
/// EXIF (GPS!), XMP and anything hidden after the image data are gone.
public enum Photo {
    public static let maxBytes = 8 * 1_048_576
    public static let maxSide = 8000
    /// Stored photos are shrunk to this: plenty for a responder's phone, a fraction of the upload.
    public static let storedSide = 2560

    public enum Kind: String, Sendable { case jpeg, png, webp }

    /// Opens libvips now rather than at the first upload, so that a server without it refuses to
    /// start instead of turning residents' photos away. Throws a one-line reason.
    public static func prepare() throws {
        if let problem = whistle_vips_start() { throw PhotoError.unavailable(String(cString: problem)) }
    }

    /// The image type from its first bytes, or nil.
    public static func sniff(_ bytes: [UInt8]) -> Kind? {
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if bytes.count >= 12 && bytes[0..<4] == [0x52, 0x49, 0x46, 0x46] && bytes[8..<12] == [0x57, 0x45, 0x42, 0x50] { return .webp }
        return nil
    }

    public static func sanitize(_ bytes: [UInt8]) throws -> SanitizedPhoto {
        guard bytes.count <= maxBytes else { throw PhotoError.tooLarge(bytes: bytes.count, limit: maxBytes) }
        guard sniff(bytes) != nil else { throw PhotoError.notAnImage }
        try Vips.start()
        var input = bytes
        return try input.withUnsafeMutableBytes { buffer -> SanitizedPhoto in
            guard let base = buffer.baseAddress else { throw PhotoError.notAnImage }
            // The header alone says how big the pixels are: refuse a decompression bomb before decoding it.
            guard let header = whistle_vips_header(base, buffer.count) else { throw PhotoError.undecodable(Vips.lastError()) }
            let width = Int(whistle_vips_width(header))
            let height = Int(whistle_vips_height(header))
            whistle_unref(header)
            guard width <= maxSide, height <= maxSide else { throw PhotoError.tooManyPixels(width: width, height: height, limit: maxSide) }

            var image: UnsafeMutablePointer<VipsImage>?
            guard whistle_vips_thumbnail(base, buffer.count, &image, Int32(storedSide)) == 0, var current = image else {
                throw PhotoError.undecodable(Vips.lastError())
            }
            defer { whistle_unref(current) }
            if whistle_vips_hasalpha(current) != 0 {
                var flat: UnsafeMutablePointer<VipsImage>?
                guard whistle_vips_flatten_white(current, &flat) == 0, let flat else { throw PhotoError.undecodable(Vips.lastError()) }
                whistle_unref(current)
                current = flat
            }
            var srgb: UnsafeMutablePointer<VipsImage>?
            guard whistle_vips_srgb(current, &srgb) == 0, let srgb else { throw PhotoError.undecodable(Vips.lastError()) }
            whistle_unref(current)
            current = srgb
            var output: UnsafeMutableRawPointer?
            var length = 0
            // Encoding decodes every pixel: a truncated or corrupt file fails here, not later on a responder's screen.
            guard whistle_vips_jpeg_stripped(current, &output, &length, 82) == 0, let output else {
                throw PhotoError.undecodable(Vips.lastError())
            }
            defer { g_free(output) }
            return SanitizedPhoto(
                jpeg: Data(bytes: output, count: length), width: Int(whistle_vips_width(current)),
                height: Int(whistle_vips_height(current)))
        }
    }
}

/// libvips start-up, once per process, on the first photo (shim.h opens the library then).
enum Vips {
    static func start() throws {
        try Photo.prepare()
    }

    /// The library's last error, cleared; first line only, it is shown to users.
    static func lastError() -> String {
        let text = String(cString: whistle_vips_error_buffer())
        whistle_vips_error_clear()
        return text.split(separator: "\n").first.map(String.init) ?? "unknown error"
    }
}
