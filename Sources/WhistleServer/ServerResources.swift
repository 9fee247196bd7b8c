import Foundation

/// Where the server's templates and `openapi.yaml` are (#19). SwiftPM's `Bundle.module` falls back to the build
/// folder's absolute path baked into the binary, so an installed binary would quietly read a checkout if one happened
/// to be there, and fail at the first page if not. The lookup here is explicit: `$WHISTLE_RESOURCES`, else the
/// `whistle_WhistleServer.resources` folder beside the running executable (after resolving symlinks, so
/// `/usr/bin/whistle → /usr/lib/whistle/whistle` finds `/usr/lib/whistle/whistle_WhistleServer.resources`).
public enum ServerResources {
    public static let folderName = "whistle_WhistleServer.resources"
    public static let environmentKey = "WHISTLE_RESOURCES"

    public struct Missing: Error, CustomStringConvertible {
        public var looked: [String]
        public var description: String {
            "the server's templates are not where they should be (looked in \(looked.joined(separator: " and "))); "
                + "reinstall, or set \(ServerResources.environmentKey) to the \(ServerResources.folderName) folder"
        }
    }

    /// The folder, checked to hold `Templates` and `openapi.yaml`.
    public static func directory(
        environment: [String: String] = ProcessInfo.processInfo.environment, executable: String? = executablePath()
    ) throws -> URL {
        var candidates: [URL] = []
        if let given = environment[environmentKey], !given.isEmpty { candidates.append(URL(fileURLWithPath: given)) }
        if let executable {
            candidates.append(URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent(folderName))
        }
        for candidate in candidates where holdsResources(candidate) { return candidate }
        throw Missing(looked: candidates.map(\.path))
    }

    /// A line for `whistle --version` and the start-up log.
    public static var described: String { (try? directory().path) ?? "missing" }

    static func holdsResources(_ url: URL) -> Bool {
        let manager = FileManager.default
        return manager.fileExists(atPath: url.appendingPathComponent("Templates").path)
            && manager.fileExists(atPath: url.appendingPathComponent("openapi.yaml").path)
    }

    /// The running executable's real path (Linux: /proc/self/exe, symlinks resolved).
    public static func executablePath() -> String? {
        if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return resolved }
        return CommandLine.arguments.first.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path }
    }
}
