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
        guard descriptor >= 0 else { throw failure(path, errno) }
        // errno is taken at the failing call, before anything else can change it.
        var code: Int32 = 0
        bytes.withUnsafeBytes { buffer in
            var written = 0
            while written < buffer.count {
                let count = systemWrite(descriptor, buffer.baseAddress! + written, buffer.count - written)
                if count < 0 {
                    if errno == EINTR { continue }
                    code = errno
                    return
                }
                written += count
            }
        }
        var status = stat()
        let regular = fstat(descriptor, &status) == 0 && status.st_mode & S_IFMT == S_IFREG
        if close(descriptor) != 0, code == 0 { code = errno }
        guard code == 0 else {
            // No half-written file is left behind to be mistaken for a plaque (only ever a file:
            // a path such as /dev/full must survive).
            if regular { unlink(path) }
            throw failure(path, code)
        }
    }

    private static func failure(_ path: String, _ code: Int32) -> CanvasError {
        CanvasError(description: "cannot write \(path): \(String(cString: strerror(code)))")
    }
}
