import Foundation

/// A failure the user can act on: printed as one line on stderr, exit status 1.
struct CLIError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

extension FileHandle {
    static func standardErrorWrite(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}

/// Runs `body`, turning any error into a one-line `CLIError` (argument-parser's own errors pass through).
func oneLine<T>(_ body: () async throws -> T) async throws -> T {
    // Whatever the outcome, the command's HTTP client (if it made one) is shut down before the process exits.
    do {
        let result = try await body()
        await CLIHTTP.shutdown()
        return result
    } catch let error as CLIError {
        await CLIHTTP.shutdown()
        throw error
    } catch let error as any CustomStringConvertible {
        await CLIHTTP.shutdown()
        throw CLIError(error.description.replacingOccurrences(of: "\n", with: "; "))
    } catch {
        await CLIHTTP.shutdown()
        throw CLIError("\(error)")
    }
}
