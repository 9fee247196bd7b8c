import Foundation

/// What a decoded plaque code points to, judged by its text alone (before looking the code up).
public enum ScannedCode: Sendable, Equatable {
    /// Our address and a well-formed code.
    case ours(code: String)
    /// Our address, but not a point URL (or a malformed code).
    case oursMalformed
    /// A web address on another host that imitates ours (a fake sticker's usual trick).
    case lookalike(host: String)
    /// Anything else.
    case foreign

    /// Classifies `text` against the community's `baseURL` (as printed on every plaque).
    public static func classify(_ text: String, baseURL: String) -> ScannedCode {
        guard let ours = URLComponents(string: baseURL), let ourHost = ours.host?.lowercased() else { return .foreign }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let url = URLComponents(string: trimmed), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
            let host = url.host?.lowercased(), !host.isEmpty
        else { return .foreign }
        if host == ourHost && url.port == ours.port && scheme == ours.scheme?.lowercased() {
            let prefix = ours.path.hasSuffix("/") ? String(ours.path.dropLast()) : ours.path
            let path = url.path
            guard url.query == nil, url.fragment == nil, path.hasPrefix(prefix + "/p/"),
                let code = PointCode.normalize(String(path.dropFirst(prefix.count + 3))),
                String(path.dropFirst(prefix.count + 3)) == code
            else { return .oursMalformed }
            return .ours(code: code)
        }
        return imitates(host: host, ourHost: ourHost, path: url.path) ? .lookalike(host: host) : .foreign
    }

    /// A host that differs from ours by a couple of characters, carries ours inside it, or mimics our `/p/CODE` path.
    static func imitates(host: String, ourHost: String, path: String) -> Bool {
        if host.contains(ourHost) || ourHost.contains(host) { return true }
        if distance(host, ourHost) <= 2 { return true }
        let firstLabel = ourHost.split(separator: ".").first.map(String.init) ?? ourHost
        if firstLabel.count >= 4 && host.contains(firstLabel) { return true }
        return path.hasPrefix("/p/") && PointCode.normalize(String(path.dropFirst(3))) != nil
    }

    /// Levenshtein distance: `whist1e.example.cn` is one edit from `whistle.example.cn`.
    static func distance(_ a: String, _ b: String) -> Int {
        let x = Array(a)
        let y = Array(b)
        guard !x.isEmpty else { return y.count }
        guard !y.isEmpty else { return x.count }
        var previous = Array(0...y.count)
        for i in 1...x.count {
            var current = [i] + Array(repeating: 0, count: y.count)
            for j in 1...y.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[y.count]
    }
}
