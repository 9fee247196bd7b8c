import CVips
import Foundation

/// A photo of an installed plaque, as an 8-bit grey raster for a barcode reader.
public struct GreyImage: Sendable {
    public var width: Int
    public var height: Int
    public var pixels: [UInt8]

    /// Half the size, averaging 2×2 blocks: a far or noisy code often reads better smaller.
    public func halved() -> GreyImage? {
        let w = width / 2
        let h = height / 2
        guard w >= 50, h >= 50 else { return nil }
        var out = [UInt8](repeating: 0, count: w * h)
        for y in 0..<h {
            for x in 0..<w {
                let a = Int(pixels[(2 * y) * width + 2 * x]) + Int(pixels[(2 * y) * width + 2 * x + 1])
                let b = Int(pixels[(2 * y + 1) * width + 2 * x]) + Int(pixels[(2 * y + 1) * width + 2 * x + 1])
                out[y * w + x] = UInt8((a + b) / 4)
            }
        }
        return GreyImage(width: w, height: h, pixels: out)
    }
}

/// A patrol photo, loaded with libvips: any JPEG, PNG or WebP a phone makes, turned upright by its EXIF orientation.
public struct PatrolPhoto: Sendable {
    public var grey: GreyImage
    /// When the photo was taken (EXIF DateTimeOriginal, Asia/Shanghai), if it says.
    public var takenAt: Date?

    public static func load(path: String) throws -> PatrolPhoto {
        try Vips.start()
        guard let loaded = whistle_vips_load_file(path) else { throw PhotoError.undecodable(Vips.lastError()) }
        defer { whistle_unref(loaded) }
        let takenAt = exifDate(loaded)
        var upright: UnsafeMutablePointer<VipsImage>?
        guard whistle_vips_autorot(loaded, &upright) == 0, let upright else { throw PhotoError.undecodable(Vips.lastError()) }
        defer { whistle_unref(upright) }
        var grey: UnsafeMutablePointer<VipsImage>?
        guard whistle_vips_grey8(upright, &grey) == 0, let grey else { throw PhotoError.undecodable(Vips.lastError()) }
        defer { whistle_unref(grey) }
        var size = 0
        guard let memory = whistle_vips_write_to_memory(grey, &size) else { throw PhotoError.undecodable(Vips.lastError()) }
        defer { g_free(memory) }
        let width = Int(whistle_vips_width(grey))
        let height = Int(whistle_vips_height(grey))
        guard size == width * height else { throw PhotoError.undecodable("unexpected raster size") }
        let pixels = [UInt8](UnsafeRawBufferPointer(start: memory, count: size))
        return PatrolPhoto(grey: GreyImage(width: width, height: height, pixels: pixels), takenAt: takenAt)
    }

    /// EXIF "2026:11:20 10:15:00" is local time without a zone: the community's, Asia/Shanghai.
    static func exifDate(_ image: UnsafeMutablePointer<VipsImage>) -> Date? {
        guard let raw = whistle_vips_field(image, "exif-ifd2-DateTimeOriginal") else { return nil }
        defer { g_free(raw) }
        let text = String(cString: raw)
        guard text.count >= 19 else { return nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "Asia/Shanghai")
        formatter.dateFormat = "yyyy:MM:dd HH:mm:ss"
        return formatter.date(from: String(text.prefix(19)))
    }
}
