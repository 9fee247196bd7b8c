import Foundation
import NIOCore
import Testing

@testable import WhistleServer

/// Chunks as a socket delivers them; counts how many were pulled, to show a read stops early.
private struct Chunks: AsyncSequence {
    typealias Element = ByteBuffer
    let bytes: [UInt8]
    let size: Int
    let pulled: Pulled

    final class Pulled: @unchecked Sendable {
        var count = 0
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        let source: Chunks
        var offset = 0
        mutating func next() async throws -> ByteBuffer? {
            guard offset < source.bytes.count else { return nil }
            let end = Swift.min(offset + source.size, source.bytes.count)
            defer { offset = end }
            source.pulled.count += 1
            return ByteBuffer(bytes: source.bytes[offset..<end])
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(source: self) }
}

private func body(_ fields: [(String, String)], file: [UInt8]? = nil, closed: Bool = true) -> [UInt8] {
    var buffer = multipart(fields, photo: file)
    var bytes = buffer.readBytes(length: buffer.readableBytes)!
    if !closed { bytes.removeLast("--\r\n".utf8.count + 2) }
    return bytes
}

private func read(_ bytes: [UInt8], size: Int = 4096, limits: MultipartForm.Limits = .init()) async throws -> (MultipartForm, Int) {
    let chunks = Chunks(bytes: bytes, size: size, pulled: .init())
    let form = try await MultipartForm.read(chunks, boundary: "----whistleTestBoundary", limits: limits)
    return (form, chunks.pulled.count)
}

@Suite("Multipart form")
struct MultipartFormTests {
    @Test("the same fields whatever the chunking, a boundary split across chunks included")
    func chunking() async throws {
        let photo = (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 31) } + Array("\r\n------whistleTest".utf8)
        let bytes = body([("category", "water"), ("description", "下水道\r\n冒水"), ("phone", "")], file: photo)
        for size in [1, 2, 7, 64, 1000, bytes.count] {
            let (form, _) = try await read(bytes, size: size)
            #expect(form.fields == ["category": "water", "description": "下水道\r\n冒水", "phone": ""], "chunks of \(size)")
            #expect(form.files["photo"] == photo, "chunks of \(size)")
        }
    }

    @Test("a text part past 64 KB stops the read there, before the rest of the body is pulled")
    func longTextStopsEarly() async throws {
        let bytes = body([("description", String(repeating: "a", count: 70_000)), ("category", "water")], file: [UInt8](repeating: 1, count: 500_000))
        await #expect(throws: MultipartForm.Failure.tooLarge) { _ = try await read(bytes) }
        let chunks = Chunks(bytes: bytes, size: 4096, pulled: .init())
        _ = try? await MultipartForm.read(chunks, boundary: "----whistleTestBoundary")
        #expect(chunks.pulled.count <= 20, "stopped after about 64 KB of \(bytes.count / 1024) KB")
    }

    @Test("a photo past the body limit is refused as it arrives")
    func largeFile() async throws {
        var limits = MultipartForm.Limits()
        limits.bodyBytes = 100_000
        await #expect(throws: MultipartForm.Failure.tooLarge) {
            _ = try await read(body([("category", "water")], file: [UInt8](repeating: 7, count: 200_000)), limits: limits)
        }
    }

    @Test("too many parts, a truncated body, text that is not UTF-8, a nameless part: unreadable")
    func malformed() async throws {
        let many = (0..<17).map { ("f\($0)", "x") }
        await #expect(throws: MultipartForm.Failure.self) { _ = try await read(body(many)) }
        let sixteen = (0..<15).map { ("f\($0)", "x") }
        #expect(try await read(body(sixteen)).0.fields.count == 15, "the file part is the 16th")
        await #expect(throws: MultipartForm.Failure.unreadable("the body ends before its closing boundary")) {
            _ = try await read(body([("category", "water")], closed: false))
        }
        var invalid = body([("description", "XX")])
        let at = invalid.firstIndex(of: UInt8(ascii: "X"))!
        invalid[at] = 0xFF
        await #expect(throws: MultipartForm.Failure.unreadable("field 'description' is not UTF-8")) { _ = try await read(invalid) }
        let nameless = Array("------whistleTestBoundary\r\nContent-Disposition: form-data\r\n\r\nx\r\n------whistleTestBoundary--\r\n".utf8)
        await #expect(throws: MultipartForm.Failure.unreadable("a part without a name")) { _ = try await read(nameless) }
        await #expect(throws: MultipartForm.Failure.unreadable("field 'website' sent twice")) {
            _ = try await read(body([("website", ""), ("website", "http://spam")]))
        }
        await #expect(throws: MultipartForm.Failure.self) { _ = try await read(Array("no boundary here at all".utf8)) }
    }
}
