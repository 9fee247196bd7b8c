#if canImport(Glibc)
import Glibc

private let systemWrite = Glibc.write
#elseif canImport(Darwin)
import Darwin

private let systemWrite = Darwin.write
#endif

/// Writes printable output files with plain open/write/close.
///
/// Foundation's `Data.write(to:)` fsyncs every file, which was half the time of a batch of codes.
/// A batch of print files is made again by running it again, so it needs no fsync; the report
/// database, where durability matters, never goes through here.
public enum OutputFile {
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw failure(path) }
        var written = 0
        let result: Int = bytes.withUnsafeBytes { buffer in
            while written < buffer.count {
                let count = systemWrite(descriptor, buffer.baseAddress! + written, buffer.count - written)
                if count < 0 {
                    if errno == EINTR { continue }
                    return -1
                }
                written += count
            }
            return 0
        }
        let error = result < 0 ? failure(path) : nil
        if close(descriptor) != 0, error == nil { throw failure(path) }
        if let error { throw error }
    }

    private static func failure(_ path: String) -> CanvasError {
        CanvasError(description: "cannot write \(path): \(String(cString: strerror(errno)))")
    }
}
