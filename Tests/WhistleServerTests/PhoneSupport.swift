import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import WhistleStore

/// A phone signed in through the real routes: its cookie header, and the CSRF token its pages carry.
struct SignedInPhone {
    var cookie: String
    var headers: HTTPFields { [.cookie: cookie] }
    var form: HTTPFields { [.cookie: cookie, .contentType: "application/x-www-form-urlencoded"] }
}

/// The `name=value` part of a response's Set-Cookie (the first, or the one named).
func setCookie(_ response: TestResponse) -> String? {
    response.headers[.setCookie].map { String($0.split(separator: ";")[0]) }
}

/// Opens a fresh sign-in link for `responderID` and taps its button, as a phone does.
func signIn(_ responderID: String, _ database: AppDatabase, _ client: some TestClientProtocol, at now: Date) async throws -> SignedInPhone {
    let token = try await database.issueLoginLink(responderID: responderID, lifetime: 86400, at: now)
    let response = try await client.execute(uri: "/r/login/\(token)", method: .post)
    guard response.status == .seeOther, let cookie = setCookie(response) else { throw PhoneTestError.signInFailed(response.status.code) }
    return SignedInPhone(cookie: cookie)
}

enum PhoneTestError: Error { case signInFailed(Int) }

/// The hidden `csrf` value of a rendered phone page.
func csrfToken(_ html: String) -> String? {
    html.firstMatch(of: #/name="csrf" value="([0-9a-f]+)"/#).map { String($0.1) }
}

/// A URL-encoded form body.
func formBody(_ fields: [(String, String)]) -> ByteBuffer {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return ByteBuffer(
        string: fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&"))
}
