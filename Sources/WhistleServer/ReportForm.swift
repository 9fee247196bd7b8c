import Foundation
import Hummingbird
import MultipartKit
import WhistleCore
import WhistleStore

/// The resident's form as sent: every field untrusted, every one optional until checked.
struct ReportFields: Decodable {
    var category: String?
    var description: String?
    var phone: String?
    var website: String?
    var form_token: String?
}

private struct MultipartFields: Decodable {
    var category: String?
    var description: String?
    var phone: String?
    var website: String?
    var form_token: String?
    var photo: Data?
}

struct SubmittedForm {
    var fields: ReportFields
    /// The uploaded file's bytes; nil when no file was chosen.
    var photo: [UInt8]?
}

enum FormError: Error {
    case tooLarge
    case unreadable
}

extension SubmittedForm {
    /// Reads an urlencoded or multipart body, refusing an oversized one before reading it when the size is declared.
    static func read(_ request: inout Request, context: WhistleRequestContext) async throws -> SubmittedForm {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > context.maxUploadSize {
            throw FormError.tooLarge
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: context.maxUploadSize)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw FormError.tooLarge
        }
        let contentType = request.headers[.contentType] ?? ""
        let mediaType = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        switch mediaType {
        case "application/x-www-form-urlencoded":
            guard let fields = try? URLEncodedFormDecoder().decode(ReportFields.self, from: String(buffer: buffer)) else {
                throw FormError.unreadable
            }
            return SubmittedForm(fields: fields, photo: nil)
        case "multipart/form-data":
            // The form has six fields: a body with many more parts is not a resident's, and is refused before the parser
            // builds a value for each of thousands of parts.
            guard let boundary = Self.boundary(contentType), Self.partCount(buffer, boundary: boundary) <= maxParts,
                let parts = try? FormDataDecoder().decode(MultipartFields.self, from: buffer, boundary: boundary)
            else { throw FormError.unreadable }
            let fields = ReportFields(
                category: parts.category, description: parts.description, phone: parts.phone, website: parts.website,
                form_token: parts.form_token)
            // A file input left empty still sends a part, with no bytes.
            let photo = parts.photo.flatMap { $0.isEmpty ? nil : [UInt8]($0) }
            return SubmittedForm(fields: fields, photo: photo)
        default:
            throw FormError.unreadable
        }
    }

    /// More parts than the form has fields, with room for a browser's extras.
    static let maxParts = 16

    /// How many parts a multipart body declares: occurrences of the delimiter, found with `memchr` on its first byte
    /// and `memcmp` for the rest, stopping once past the limit.
    static func partCount(_ buffer: ByteBuffer, boundary: String) -> Int {
        let delimiter = Array("--\(boundary)".utf8)
        return buffer.withUnsafeReadableBytes { body -> Int in
            guard let base = body.baseAddress, !delimiter.isEmpty else { return 0 }
            var count = 0
            var offset = 0
            while offset + delimiter.count <= body.count, count <= maxParts + 1 {
                guard let hit = memchr(base + offset, Int32(delimiter[0]), body.count - offset - delimiter.count + 1) else { break }
                let at = base.distance(to: UnsafeRawPointer(hit))
                if memcmp(hit, delimiter, delimiter.count) == 0 {
                    count += 1
                    offset = at + delimiter.count
                } else {
                    offset = at + 1
                }
            }
            // The closing delimiter (`--boundary--`) ends the last part rather than opening one.
            return max(0, count - 1)
        }
    }

    static func boundary(_ contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0].lowercased() == "boundary" {
                let value = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                return value.isEmpty || value.count > 200 ? nil : value
            }
        }
        return nil
    }
}

/// A catalogue key per field that needs fixing.
struct FieldErrors: Error {
    var messages: [String: String]
}

/// The checked report text.
struct CheckedReport {
    var category: String
    var description: String
    var phone: String?
}

extension ReportFields {
    func check(categories: [WhistleCore.Category]) -> Result<CheckedReport, FieldErrors> {
        var errors: [String: String] = [:]
        let category = category ?? ""
        if !categories.contains(where: { $0.id == category }) { errors["category"] = "error_category" }

        let text = Self.clean(description ?? "")
        if text == nil {
            errors["description"] = "error_description_invalid"
        } else if text!.isEmpty {
            errors["description"] = "error_description_empty"
        } else if !TextLimit.fits(text!, characters: ReportLimits.maxDescription) {
            errors["description"] = "error_description_long"
        }

        var phone: String?
        if let raw = self.phone?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
            phone = Phone.normalize(raw)
            if phone == nil { errors["phone"] = "error_phone" }
        }
        guard errors.isEmpty, let text else { return .failure(FieldErrors(messages: errors)) }
        return .success(CheckedReport(category: category, description: text, phone: phone))
    }

    /// Trimmed text with `\r\n` as `\n`; nil when it holds control or private-use characters.
    static func clean(_ raw: String) -> String? {
        let text = raw.replacingOccurrences(of: "\r\n", with: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        for scalar in text.unicodeScalars {
            if scalar == "\n" || scalar == "\t" { continue }
            switch scalar.properties.generalCategory {
            case .control, .privateUse, .surrogate, .unassigned: return nil
            default: continue
            }
        }
        return text
    }
}
