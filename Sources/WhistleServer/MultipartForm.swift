import Foundation
import Hummingbird
import MultipartKit

/// The resident form's multipart body, parsed as it arrives with every bound applied on the way.
///
/// Collecting the whole body and then decoding it let one request hold 10 MB and spend a long synchronous parse on
/// Swift's cooperative pool, with no limit on the number or size of parts. Here MultipartKit's streaming parser sees
/// each chunk as it comes off the socket: the 17th part, a 65th kilobyte of text or a photo past the upload limit stop
/// the read at once, and the only value built is the few fields the form has.
struct MultipartForm {
    /// What the resident's form may hold; more is not a resident's form.
    struct Limits {
        /// More parts than the form has fields, with room for a browser's extras.
        var parts = 16
        /// A text field's bytes: the longest field (a description of 1000 characters) is far below this.
        var textBytes = 64 * 1024
        /// The whole body (the photo dominates it).
        var bodyBytes = ReportLimits.maxBody
    }

    enum Failure: Error, Equatable {
        /// Past a size limit: the body, a text part or the photo.
        case tooLarge
        /// Not a well-formed form: too many parts, a truncated body, a part with no name, text that is not UTF-8.
        case unreadable(String)
    }

    /// Text fields and files by name.
    var fields: [String: String] = [:]
    var files: [String: [UInt8]] = [:]

    static func read<Body: AsyncSequence>(_ body: Body, boundary: String, limits: Limits = Limits()) async throws -> MultipartForm
    where Body.Element == ByteBuffer {
        let state = ParseState(boundary: boundary, limits: limits)
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { name, value in state.header(name, value) }
        parser.onBody = { chunk in state.body(&chunk) }
        parser.onPartComplete = { state.complete() }
        var total = 0
        for try await chunk in body {
            total += chunk.readableBytes
            guard total <= limits.bodyBytes else { throw Failure.tooLarge }
            do {
                try parser.execute(chunk)
            } catch {
                throw Failure.unreadable("malformed multipart body")
            }
            if let failure = state.failure { throw failure }
            state.keepTail(chunk)
        }
        guard state.isClosed else { throw Failure.unreadable("the body ends before its closing boundary") }
        return state.form
    }

    /// The parser's callbacks cannot throw: they record the first failure, and `read` stops after the chunk.
    private final class ParseState {
        let limits: Limits
        let closing: [UInt8]
        var form = MultipartForm()
        var failure: Failure?
        var parts = 0
        var name: String?
        var isFile = false
        var bytes: [UInt8] = []
        /// The body's last bytes, to see that it ended with `--boundary--` and was not cut short.
        var tail: [UInt8] = []

        init(boundary: String, limits: Limits) {
            self.limits = limits
            self.closing = Array("--\(boundary)--".utf8)
        }

        func header(_ name: String, _ value: String) {
            guard failure == nil, name.lowercased() == "content-disposition" else { return }
            let disposition = Self.parameters(value)
            self.name = disposition["name"]
            isFile = disposition["filename"] != nil
        }

        func body(_ chunk: inout ByteBuffer) {
            guard failure == nil else { return }
            let limit = isFile ? limits.bodyBytes : limits.textBytes
            guard bytes.count + chunk.readableBytes <= limit else {
                failure = .tooLarge
                return
            }
            bytes.append(contentsOf: chunk.readableBytesView)
        }

        func complete() {
            guard failure == nil else { return }
            parts += 1
            defer {
                name = nil
                isFile = false
                bytes = []
            }
            guard parts <= limits.parts else {
                failure = .unreadable("more than \(limits.parts) parts")
                return
            }
            guard let name, !name.isEmpty else {
                failure = .unreadable("a part without a name")
                return
            }
            // The form names each field once; a second one is a crafted body (a honeypot sent empty, then filled).
            guard form.fields[name] == nil, form.files[name] == nil else {
                failure = .unreadable("field '\(name.prefix(40))' sent twice")
                return
            }
            if isFile {
                form.files[name] = bytes
            } else {
                guard let text = String(validating: bytes, as: UTF8.self) else {
                    failure = .unreadable("field '\(name.prefix(40))' is not UTF-8")
                    return
                }
                form.fields[name] = text
            }
        }

        func keepTail(_ chunk: ByteBuffer) {
            tail.append(contentsOf: chunk.readableBytesView.suffix(closing.count + 4))
            if tail.count > closing.count + 4 { tail.removeFirst(tail.count - closing.count - 4) }
        }

        /// The closing delimiter, then at most a line break (the epilogue of a browser's body is empty).
        var isClosed: Bool {
            var end = tail[...]
            while let last = end.last, last == 0x0D || last == 0x0A { end = end.dropLast() }
            return end.count >= closing.count && Array(end.suffix(closing.count)) == closing
        }

        /// `form-data; name="description"; filename="IMG_1.jpg"` → ["name": "description", "filename": "IMG_1.jpg"].
        static func parameters(_ value: String) -> [String: String] {
            var result: [String: String] = [:]
            for item in value.split(separator: ";").dropFirst() {
                let pair = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard pair.count == 2 else { continue }
                var value = pair[1]
                if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
                result[pair[0].lowercased()] = value
            }
            return result
        }
    }
}
