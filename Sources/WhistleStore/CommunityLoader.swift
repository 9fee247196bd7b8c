import Foundation
import WhistleCore
import Yams

/// What a file given to `whistle import` holds: one community, or a street with the community files it lists.
public enum ImportFile: Sendable {
    case community(Community)
    case street(Street, [Community])
}

/// Reads community and street files (YAML) into checked values.
public enum CommunityLoader {
    public static func load(path: String) throws -> Community {
        try parse(try read(path))
    }

    /// A community or a street file, told apart by its top-level key (`community:` or `street:`). A street file's
    /// community files are read and checked too, relative to its folder; a problem in one names the file.
    public static func loadAny(path: String) throws -> ImportFile {
        let text = try read(path)
        let node = try compose(text)
        let isStreet = node["street"] != nil
        let isCommunity = node["community"] != nil
        if isStreet == isCommunity {
            throw ImportError.unreadable("say `community:` (a community file) or `street:` (a street file) at the top, not \(isStreet ? "both" : "neither")")
        }
        guard isStreet else { return .community(try parse(node)) }
        let file: StreetFile = try decode(node)
        let street: Street
        switch Street.validate(file) {
        case .success(let checked): street = checked
        case .failure(let errors): throw ImportError.invalid(errors)
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        let communities = try street.communityPaths.map { relative in
            let resolved = relative.hasPrefix("/") ? relative : folder.appendingPathComponent(relative).path
            do {
                return try load(path: resolved)
            } catch let error as ImportError {
                throw ImportError.inFile(relative, error)
            }
        }
        return .street(street, communities)
    }

    public static func parse(_ text: String) throws -> Community {
        try parse(try compose(text))
    }

    private static func read(_ path: String) throws -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ImportError.unreadable("cannot read \(path): \((error as NSError).localizedDescription)")
        }
    }

    private static func compose(_ text: String) throws -> Node {
        do {
            guard let composed = try Yams.compose(yaml: text) else { throw ImportError.unreadable("the file is empty") }
            return composed
        } catch let error as ImportError {
            throw error
        } catch {
            throw ImportError.unreadable("not valid YAML: \(error)")
        }
    }

    private static func decode<T: Decodable>(_ node: Node) throws -> T {
        do {
            return try YAMLDecoder().decode(T.self, from: node)
        } catch let DecodingError.typeMismatch(_, context) {
            throw ImportError.unreadable("\(path(context.codingPath)): \(context.debugDescription)")
        } catch let DecodingError.dataCorrupted(context) {
            throw ImportError.unreadable("\(path(context.codingPath)): \(context.debugDescription)")
        } catch {
            throw ImportError.unreadable("\(error)")
        }
    }

    private static func parse(_ node: Node) throws -> Community {
        var file: CommunityFile = try decode(node)
        // Categories are a mapping whose order is the order of the tiles; Decodable dictionaries lose it.
        if let mapping = node["categories"]?.mapping {
            file.categories = mapping.map { key, value in Category(id: key.string ?? "", label: value.string ?? "") }
        }
        switch Community.validate(file) {
        case .success(let community): return community
        case .failure(let errors): throw ImportError.invalid(errors)
        }
    }

    private static func path(_ codingPath: [any CodingKey]) -> String {
        codingPath.map { key in key.intValue.map { "[\($0)]" } ?? ".\(key.stringValue)" }.joined()
            .trimmingCharacters(in: CharacterSet(charactersIn: "."))
    }
}

/// Why a community or street file was refused; nothing was written.
public indirect enum ImportError: Error, CustomStringConvertible, Sendable {
    case unreadable(String)
    case invalid(CommunityErrors)
    /// A problem in a community file a street file lists.
    case inFile(String, ImportError)

    public var description: String {
        switch self {
        case .unreadable(let message): message
        case .invalid(let errors): errors.description
        case .inFile(let path, let error): "\(error)".split(separator: "\n").map { "\(path): \($0)" }.joined(separator: "\n")
        }
    }
}
