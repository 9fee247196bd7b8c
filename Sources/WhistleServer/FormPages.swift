import Foundation
import Hummingbird
import Synchronization

/// Rendered report forms, one per point and language, valid for one version of the community's data.
///
/// Rendering the form with Mustache was the largest cost of `GET /p/{code}` (perf, BENCHMARKS.md), for a page that
/// differs between residents only in its form token. The page is rendered once with a slot where the token goes and
/// kept as the bytes before and after it; a change to the community, its points or its roster (a new
/// `CommunitySnapshot.version`, from any process) drops every kept page.
final class FormPages: Sendable {
    /// Stands where the token goes; nothing a template or a community file writes looks like it.
    static let slot = "\u{1}form-token\u{1}"
    /// Stands where the resident's own reports go ("您反映过的问题"), before the form; empty for a phone without any.
    static let mineSlot = "\u{1}mine\u{1}"

    struct Page: Sendable {
        let before: ByteBuffer
        let middle: ByteBuffer
        let after: ByteBuffer

        func response(mine: String = "", token: String) -> Response {
            var body = ByteBuffer()
            body.reserveCapacity(before.readableBytes + mine.utf8.count + middle.readableBytes + token.utf8.count + after.readableBytes)
            body.writeImmutableBuffer(before)
            body.writeString(mine)
            body.writeImmutableBuffer(middle)
            body.writeString(token)
            body.writeImmutableBuffer(after)
            return Response(status: .ok, headers: Pages.headers, body: .init(byteBuffer: body))
        }
    }

    private struct Kept {
        var version: Int64 = -1
        var pages: [String: Page] = [:]
    }

    private let kept = Mutex(Kept())

    /// The kept page for `point` in `language`, or `render()`'s, split at the token's slot and kept.
    func page(point: String, language: Language, version: Int64, render: () -> String) -> Page? {
        let key = language.rawValue + "|" + point
        if let page = kept.withLock({ $0.version == version ? $0.pages[key] : nil }) { return page }
        let html = render()
        let first = html.components(separatedBy: Self.mineSlot)
        let parts = first.count == 2 ? [first[0]] + first[1].components(separatedBy: Self.slot) : []
        // One of each slot, exactly, the list before the token. Should a slot's text ever appear elsewhere (a name in the
        // community file holding it), the page is not kept: `nil` asks the caller to render it whole.
        guard parts.count == 3, !first[0].contains(Self.slot) else { return nil }
        let page = Page(before: ByteBuffer(string: parts[0]), middle: ByteBuffer(string: parts[1]), after: ByteBuffer(string: parts[2]))
        kept.withLock { kept in
            if kept.version != version { kept = Kept(version: version) }
            kept.pages[key] = page
        }
        return page
    }
}
