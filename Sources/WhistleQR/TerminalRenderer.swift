/// Draws a QR code in a terminal with Unicode half blocks: two module rows per text line.
public enum TerminalRenderer {
    /// By default a glyph is a light module and a blank a dark one, which reads right on the usual dark terminal
    /// (glyphs are drawn in the light foreground colour); `invert` is for terminals with a light background.
    public static func render(_ matrix: QRMatrix, quietZone: Int = 2, invert: Bool = false) -> String {
        let total = matrix.size + 2 * quietZone
        var lines: [String] = []
        func isLight(_ x: Int, _ y: Int) -> Bool {
            let dark = matrix[x - quietZone, y - quietZone]
            return invert ? dark : !dark
        }
        var y = 0
        while y < total {
            var line = ""
            for x in 0..<total {
                let top = isLight(x, y)
                let bottom = y + 1 < total ? isLight(x, y + 1) : !invert
                switch (top, bottom) {
                case (true, true): line.append("█")
                case (true, false): line.append("▀")
                case (false, true): line.append("▄")
                case (false, false): line.append(" ")
                }
            }
            lines.append(line)
            y += 2
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
