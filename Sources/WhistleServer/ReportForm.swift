import Foundation
import Hummingbird
import WhistleCore
import WhistleStore

/// The resident's form as sent: every field untrusted, every one optional until checked.
struct ReportFields: Decodable {
    var category: String?
    var description: String?
    var phone: String?
    var website: String?
    var form_token: String?
    /// A part-time grid worker's form (`PartTimeController`): the session's CSRF token, the chosen point (empty: a
    /// typed place) and the typed place.
    var csrf: String?
    var spot: String?
    var place: String?
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
    /// The urlencoded form carries no photo: its text fits well within this.
    static let maxURLEncoded = 64 * 1024

    /// Reads an urlencoded or multipart body, refusing an oversized one before reading it when the size is declared,
    /// and as soon as it passes a limit otherwise.
    static func read(_ request: inout Request, context: WhistleRequestContext) async throws -> SubmittedForm {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > context.maxUploadSize {
            throw FormError.tooLarge
        }
        let contentType = request.headers[.contentType] ?? ""
        let mediaType = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        switch mediaType {
        case "application/x-www-form-urlencoded":
            let buffer: ByteBuffer
            do {
                buffer = try await request.collectBody(upTo: maxURLEncoded)
            } catch let error as HTTPError where error.status == .contentTooLarge {
                throw FormError.tooLarge
            }
            let text = String(buffer: buffer)
            // Every name and value must percent-decode to UTF-8: the decoder would otherwise keep `%FF` as it came.
            let valid = text.split(separator: "&").allSatisfy { pair in
                pair.split(separator: "=", omittingEmptySubsequences: false).allSatisfy {
                    $0.replacingOccurrences(of: "+", with: " ").removingPercentEncoding != nil
                }
            }
            guard valid, let fields = try? URLEncodedFormDecoder().decode(ReportFields.self, from: text) else {
                throw FormError.unreadable
            }
            return SubmittedForm(fields: fields, photo: nil)
        case "multipart/form-data":
            guard let boundary = Self.boundary(contentType) else { throw FormError.unreadable }
            var limits = MultipartForm.Limits()
            limits.bodyBytes = context.maxUploadSize
            let form: MultipartForm
            do {
                form = try await MultipartForm.read(request.body, boundary: boundary, limits: limits)
            } catch MultipartForm.Failure.tooLarge {
                throw FormError.tooLarge
            } catch {
                throw FormError.unreadable
            }
            let fields = ReportFields(
                category: form.fields["category"], description: form.fields["description"], phone: form.fields["phone"],
                website: form.fields["website"], form_token: form.fields["form_token"], csrf: form.fields["csrf"], spot: form.fields["spot"],
                place: form.fields["place"])
            // A file input left empty still sends a part, with no bytes.
            let photo = form.files["photo"].flatMap { $0.isEmpty ? nil : $0 }
            return SubmittedForm(fields: fields, photo: photo)
        default:
            throw FormError.unreadable
        }
    }

    /// The boundary parameter of a multipart Content-Type (RFC 2046 allows at most 70 characters).
    static func boundary(_ contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0].lowercased() == "boundary" {
                let value = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                return value.isEmpty || value.count > 70 ? nil : value
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
