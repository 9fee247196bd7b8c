import CZbar
import Foundation

/// Finds and decodes every QR code in a grey image with zbar.
public enum QRReader {
    /// The exact bytes of each code found, as text (UTF-8, or Latin-1 when not valid UTF-8).
    public static func decode(_ image: GreyImage) -> [String] {
        guard let scanner = zbar_image_scanner_create() else { return [] }
        defer { zbar_image_scanner_destroy(scanner) }
        // QR only: other symbologies would read noise in a busy street photo as barcodes.
        zbar_image_scanner_set_config(scanner, ZBAR_NONE, ZBAR_CFG_ENABLE, 0)
        zbar_image_scanner_set_config(scanner, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1)
        // Exact bytes: zbar would otherwise guess a character set and re-encode.
        zbar_image_scanner_set_config(scanner, ZBAR_QRCODE, ZBAR_CFG_BINARY, 1)
        guard let zimage = zbar_image_create() else { return [] }
        defer { zbar_image_destroy(zimage) }
        zbar_image_set_format(zimage, whistle_zbar_y800())
        zbar_image_set_size(zimage, UInt32(image.width), UInt32(image.height))
        return image.pixels.withUnsafeBufferPointer { buffer -> [String] in
            // No cleanup handler: the buffer is ours and outlives the scan.
            zbar_image_set_data(zimage, buffer.baseAddress, UInt(buffer.count), nil)
            guard zbar_scan_image(scanner, zimage) > 0 else { return [] }
            var results: [String] = []
            var symbol = zbar_image_first_symbol(zimage)
            while let current = symbol {
                if zbar_symbol_get_type(current) == ZBAR_QRCODE, let data = zbar_symbol_get_data(current) {
                    let length = Int(zbar_symbol_get_data_length(current))
                    let bytes = Data(bytes: data, count: length)
                    results.append(String(data: bytes, encoding: .utf8) ?? String(decoding: bytes, as: UTF8.self))
                }
                symbol = zbar_symbol_next(current)
            }
            return results
        }
    }

    /// Decodes at full size, then smaller, until something reads: distance, blur and JPEG noise defeat different sizes.
    public static func decodeTrying(_ image: GreyImage) -> [String] {
        var current: GreyImage? = image
        var attempts = 0
        while let candidate = current, attempts < 3 {
            let found = decode(candidate)
            if !found.isEmpty { return Array(Set(found)).sorted() }
            current = candidate.halved()
            attempts += 1
        }
        return []
    }
}
