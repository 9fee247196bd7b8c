import Foundation
import WhistleCore
import Yams

/// Reads a community file (YAML) into a checked `Community`.
public enum CommunityLoader {
    public static func load(path: String) throws -> Community {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ImportError.unreadable("cannot read \(path): \((error as NSError).localizedDescription)")
        }
        return try parse(text)
    }

    public static func parse(_ text: String) throws -> Community {
        let node: Node
        do {
            guard let composed = try Yams.compose(yaml: text) else { throw ImportError.unreadable("the file is empty") }
            node = composed
        } catch let error as ImportError {
            throw error
        } catch {
            throw ImportError.unreadable("not valid YAML: \(error)")
        }
        var file: CommunityFile
        do {
            file = try YAMLDecoder().decode(CommunityFile.self, from: node)
        } catch let DecodingError.typeMismatch(_, context) {
            throw ImportError.unreadable("\(path(context.codingPath)): \(context.debugDescription)")
        } catch let DecodingError.dataCorrupted(context) {
            throw ImportError.unreadable("\(path(context.codingPath)): \(context.debugDescription)")
        } catch {
            throw ImportError.unreadable("\(error)")
        }
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

/// Why a community file was refused; nothing was written.
public enum ImportError: Error, CustomStringConvertible, Sendable {
    case unreadable(String)
    case invalid(CommunityErrors)

    public var description: String {
        switch self {
        case .unreadable(let message): message
        case .invalid(let errors): errors.description
        }
    }
}
