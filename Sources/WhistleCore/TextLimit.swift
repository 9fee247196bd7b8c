/// Limits on text people type, counted the three ways text grows: characters as people see them, Unicode scalars and
/// UTF-8 bytes. A character limit alone lets one "character" carry megabytes (a letter followed by a million combining
/// marks is one grapheme cluster), which is then stored and shown in every list that holds it.
public enum TextLimit {
    /// Scalars a text of `characters` may hold: room for accents, emoji modifiers and ZWJ sequences, not for floods.
    public static func maxScalars(_ characters: Int) -> Int { characters * 2 }
    /// UTF-8 bytes: a Chinese character takes 3, an emoji 4.
    public static func maxBytes(_ characters: Int) -> Int { characters * 4 }

    /// Whether `text` is within `characters` by all three counts. Cheapest count first: bytes bound the rest.
    public static func fits(_ text: String, characters: Int) -> Bool {
        text.utf8.count <= maxBytes(characters) && text.unicodeScalars.count <= maxScalars(characters) && text.count <= characters
    }

    /// The longest prefix of `text` within `characters` by all three counts, whole characters only.
    public static func prefix(_ text: String, characters: Int) -> String {
        if fits(text, characters: characters) { return text }
        var out = ""
        var (count, scalars, bytes) = (0, 0, 0)
        for character in text {
            let width = character.unicodeScalars.count
            let size = character.utf8.count
            guard count < characters, scalars + width <= maxScalars(characters), bytes + size <= maxBytes(characters) else { break }
            out.append(character)
            (count, scalars, bytes) = (count + 1, scalars + width, bytes + size)
        }
        return out
    }
}
