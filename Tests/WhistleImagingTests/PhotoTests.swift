import CCairo
import Foundation
import Testing
import WhistleImaging

/// A PNG of `width` × `height` drawn with cairo: red left half, so orientation can be checked after rotation.
func pngBytes(width: Int32, height: Int32, alpha: Bool = false) throws -> [UInt8] {
    let surface = cairo_image_surface_create(alpha ? CAIRO_FORMAT_ARGB32 : CAIRO_FORMAT_RGB24, width, height)!
    defer { cairo_surface_destroy(surface) }
    let cr = cairo_create(surface)!
    cairo_set_source_rgba(cr, 0, 0, 1, alpha ? 0.5 : 1)
    cairo_paint(cr)
    cairo_set_source_rgb(cr, 1, 0, 0)
    cairo_rectangle(cr, 0, 0, Double(width) / 2, Double(height))
    cairo_fill(cr)
    cairo_destroy(cr)
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("photo-\(UUID()).png")
    defer { try? FileManager.default.removeItem(at: url) }
    #expect(cairo_surface_write_to_png(surface, url.path) == CAIRO_STATUS_SUCCESS)
    return [UInt8](try Data(contentsOf: url))
}

/// An EXIF APP1 segment: orientation in IFD0, and a GPS-looking marker a phone would have written.
func exifSegment(orientation: UInt16, marker: String) -> [UInt8] {
    var tiff: [UInt8] = [0x49, 0x49, 0x2A, 0x00, 0x08, 0x00, 0x00, 0x00]  // little-endian, IFD0 at 8
    tiff += [0x01, 0x00]  // one entry
    tiff += [0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, UInt8(orientation & 0xFF), UInt8(orientation >> 8), 0x00, 0x00]
    tiff += [0x00, 0x00, 0x00, 0x00]  // no next IFD
    tiff += Array(marker.utf8)
    let payload = Array("Exif".utf8) + [0, 0] + tiff
    let length = payload.count + 2
    return [0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
}

/// A JPEG as a phone writes it: EXIF segment right after the start-of-image marker.
func phoneJPEG(width: Int32, height: Int32, orientation: UInt16, marker: String) throws -> [UInt8] {
    let plain = [UInt8](try Photo.sanitize(try pngBytes(width: width, height: height)).jpeg)
    return Array(plain[0..<2]) + exifSegment(orientation: orientation, marker: marker) + Array(plain[2...])
}

private func contains(_ haystack: [UInt8], _ needle: String) -> Bool {
    let bytes = Array(needle.utf8)
    guard haystack.count >= bytes.count else { return false }
    return (0...(haystack.count - bytes.count)).contains { haystack[$0..<($0 + bytes.count)].elementsEqual(bytes) }
}

@Suite("Photos")
struct PhotoTests {
    @Test("EXIF and GPS are gone from a stored photo, and it is turned upright by its orientation")
    func stripsAndRotates() throws {
        let marker = "GPS 39.9042N 116.4074E"
        let upload = try phoneJPEG(width: 300, height: 200, orientation: 6, marker: marker)
        #expect(contains(upload, "Exif") && contains(upload, marker))
        let stored = try Photo.sanitize(upload)
        let bytes = [UInt8](stored.jpeg)
        #expect(!contains(bytes, "Exif"))
        #expect(!contains(bytes, marker))
        // Orientation 6 means "rotate 90° clockwise to view": 300×200 becomes 200×300.
        #expect(stored.width == 200 && stored.height == 300)
        #expect(Photo.sniff(bytes) == .jpeg)
    }

    @Test("accepted by content, not by name: PNG with alpha is flattened to a JPEG")
    func png() throws {
        let stored = try Photo.sanitize(try pngBytes(width: 64, height: 48, alpha: true))
        #expect(stored.width == 64 && stored.height == 48)
        #expect(Photo.sniff([UInt8](stored.jpeg)) == .jpeg)
    }

    @Test("large photos are shrunk for storage")
    func shrinks() throws {
        let stored = try Photo.sanitize(try pngBytes(width: 4000, height: 1000))
        #expect(stored.width == Photo.storedSide)
        #expect(stored.height == 640)
    }

    @Test("what is not an image is refused", arguments: [Array("<script>alert(1)</script>".utf8), [0xFF, 0xD8, 0xFF, 0x00, 0x01], []])
    func notImages(bytes: [UInt8]) {
        #expect(throws: PhotoError.self) { try Photo.sanitize(bytes) }
    }

    @Test("a truncated JPEG is refused")
    func truncated() throws {
        let whole = [UInt8](try Photo.sanitize(try pngBytes(width: 200, height: 200)).jpeg)
        #expect(throws: PhotoError.self) { try Photo.sanitize(Array(whole.prefix(whole.count / 3))) }
    }

    @Test("more than 8000 px a side is refused before decoding")
    func pixelBomb() throws {
        let bytes = try pngBytes(width: 8001, height: 10)
        #expect(throws: PhotoError.tooManyPixels(width: 8001, height: 10, limit: 8000)) { try Photo.sanitize(bytes) }
    }

    @Test("more than 8 MB is refused")
    func tooLarge() {
        let bytes = [0xFF, 0xD8, 0xFF] + [UInt8](repeating: 0, count: Photo.maxBytes)
        #expect(throws: PhotoError.tooLarge(bytes: bytes.count, limit: Photo.maxBytes)) { try Photo.sanitize(bytes) }
    }
}
