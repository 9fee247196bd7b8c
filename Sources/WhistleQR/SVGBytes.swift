/// An SVG document built as UTF-8 bytes.
///
/// Numbers are written with integer arithmetic: cairo's SVG surface formats every coordinate with
/// printf, which was two thirds of the time of an SVG plaque (perf, bench/plaques.sh).
struct SVGBytes {
    var bytes: [UInt8] = []

    init(capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func append(string text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    mutating func append(_ other: [UInt8]) {
        bytes.append(contentsOf: other)
    }

    mutating func append(byte: UInt8) {
        bytes.append(byte)
    }

    mutating func append(int value: Int) {
        var magnitude = value.magnitude
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        // Module coordinates are under 200: one or two digits take no loop.
        if magnitude < 10 {
            bytes.append(UInt8(ascii: "0") + UInt8(magnitude))
            return
        }
        if magnitude < 100 {
            bytes.append(UInt8(ascii: "0") + UInt8(magnitude / 10))
            bytes.append(UInt8(ascii: "0") + UInt8(magnitude % 10))
            return
        }
        // Digits come out last first: write them into a small tuple, then copy in order.
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { buffer in
            var index = buffer.count
            while magnitude > 0 {
                index -= 1
                buffer[index] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            }
            bytes.append(contentsOf: buffer[index...])
        }
    }

    /// `value` to three decimals (a micrometre when the unit is the millimetre), trailing zeros dropped.
    mutating func append(number value: Double) {
        var thousandths = Int((value * 1000).rounded())
        if thousandths < 0 {
            bytes.append(UInt8(ascii: "-"))
            thousandths = -thousandths
        }
        append(int: thousandths / 1000)
        var fraction = thousandths % 1000
        guard fraction != 0 else { return }
        bytes.append(UInt8(ascii: "."))
        var divisor = 100
        while fraction != 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(fraction / divisor))
            fraction %= divisor
            divisor /= 10
        }
    }

    /// `name="value"` with a leading space, for a number.
    mutating func attribute(_ name: StaticString, _ value: Double) {
        bytes.append(UInt8(ascii: " "))
        append(name)
        append("=\"")
        append(number: value)
        bytes.append(UInt8(ascii: "\""))
    }

    /// `#rrggbb` for an ink.
    mutating func append(colour ink: Ink) {
        let digits = Array("0123456789abcdef".utf8)
        bytes.append(UInt8(ascii: "#"))
        for channel in [ink.red, ink.green, ink.blue] {
            let value = Int((min(max(channel, 0), 1) * 255).rounded())
            bytes.append(digits[value >> 4])
            bytes.append(digits[value & 15])
        }
    }
}
