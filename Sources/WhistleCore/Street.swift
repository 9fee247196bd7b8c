import Foundation

/// The street file as written (see `assets/demo/street.yaml`), before any check: what a street office (街道) defines once
/// for all of its communities.
public struct StreetFile: Decodable, Sendable {
    /// The street office's name, e.g. 建设街道.
    public var street: String?
    /// The address printed into QR codes of every community that does not give its own.
    public var base_url: String?
    /// Departments (城管委, 供水, 消防, property companies) any community may whistle to; role `department` unless
    /// `property` is given.
    public var departments: [CommunityFile.ResponderEntry]?
    /// Street-office staff (role `street`): they see every community and receive a policy's `street` steps.
    public var staff: [CommunityFile.ResponderEntry]?
    /// Community files imported with this one, relative to this file's folder.
    public var communities: [String]?
}

/// A checked street file.
public struct Street: Sendable, Equatable {
    public var name: String
    public var baseURL: String?
    /// Departments and staff, all owned by the street file (`communityID` nil).
    public var responders: [Responder]
    public var communityPaths: [String]
}

extension Street {
    public static func validate(_ file: StreetFile) -> Result<Street, CommunityErrors> {
        let checks = FileChecks()
        let name = checks.required(file.street, "street", "street")
        checks.printable(name, "street", "street")
        let baseURL = file.base_url.flatMap { checks.baseURL($0, "street") }
        var responders: [Responder] = []
        var ids = Set<String>()
        for (kind, entries, defaultRole, allowed) in [
            ("department", file.departments ?? [], Role.department, [Role.department, .property]),
            ("staff", file.staff ?? [], Role.street, [Role.street]),
        ] {
            for (index, entry) in entries.enumerated() {
                let where_ = FileChecks.label(kind, index, entry.id)
                let id = checks.required(entry.id, where_, "id")
                checks.checkID(id, where_, &ids)
                guard var responder = checks.responder(entry, id: id, where_, defaultRole: defaultRole) else { continue }
                guard allowed.contains(responder.role) else {
                    let roles = allowed.map(\.rawValue).joined(separator: " or ")
                    checks.fail(where_, "role", "is '\(responder.role.rawValue)'; under \(kind == "staff" ? "staff" : "departments") it is \(roles) (grid roles belong in a community file)")
                    continue
                }
                responder.communityID = nil
                responders.append(responder)
            }
        }
        var paths: [String] = []
        for (index, path) in (file.communities ?? []).enumerated() {
            let trimmed = path.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty {
                checks.fail("communities[\(index)]", "path", "is empty")
            } else if paths.contains(trimmed) {
                checks.fail("communities[\(index)]", "path", "lists '\(trimmed)' twice")
            } else {
                paths.append(trimmed)
            }
        }
        guard checks.errors.isEmpty else { return .failure(CommunityErrors(errors: checks.errors)) }
        return .success(Street(name: name, baseURL: baseURL, responders: responders, communityPaths: paths))
    }
}
