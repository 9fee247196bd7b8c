import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import WhistleCore
import WhistleStore

/// A responder signed in on a phone: who, which session, and the token every form of theirs must carry.
struct PhoneSession: Sendable {
    var id: Int64
    var responder: Responder
    var csrf: String
}

/// The phone's cookie: its name and attributes, and the CSRF token derived from it.
struct PhoneCookies: Sendable {
    let key: SymmetricKey
    let trustedProxies: Set<String>
    static let keyName = "phone-csrf"
    /// Over TLS the `__Host-` prefix makes the browser refuse the cookie unless it is Secure, host-only and `Path=/`.
    static let secureName = "__Host-whistle"
    /// Over plain HTTP (the demo on a LAN) a `__Host-` cookie would be refused, so it has a plain name and no Secure.
    static let plainName = "whistle"

    init(key: [UInt8], trustedProxies: Set<String>) {
        self.key = SymmetricKey(data: key)
        self.trustedProxies = trustedProxies
    }

    func name(tls: Bool) -> String { tls ? Self.secureName : Self.plainName }

    func isTLS(_ request: Request, _ context: WhistleRequestContext) -> Bool {
        ClientAddress.isTLS(request, context: context, trusted: trustedProxies)
    }

    /// The session secret this request carries, under the name its scheme calls for (never the other one: a cookie
    /// set over plain HTTP is not trusted once the site is served over TLS).
    func value(_ request: Request, _ context: WhistleRequestContext) -> String? {
        guard let value = request.cookies[name(tls: isTLS(request, context))]?.value, !value.isEmpty, value.count <= 128 else { return nil }
        return value
    }

    /// The cookie that keeps a phone signed in: HttpOnly, SameSite=Lax (a link from a chat app opens with it; another
    /// site's form posts without it), for as long as the session can live.
    func cookie(_ value: String, tls: Bool) -> Cookie {
        Cookie(
            name: name(tls: tls), value: value, maxAge: Int(AppDatabase.sessionLifetime), path: "/", secure: tls, httpOnly: true,
            sameSite: .lax)
    }

    /// Tells the browser to forget the cookie.
    func clearing(tls: Bool) -> Cookie {
        Cookie(name: name(tls: tls), value: "", maxAge: 0, path: "/", secure: tls, httpOnly: true, sameSite: .lax)
    }

    /// The session's CSRF token: a MAC of the session's secret, so it is the same on every page of one session and
    /// useless in any other.
    func csrf(for secret: String) -> String {
        Digits.hex(HMAC<SHA256>.authenticationCode(for: Data("csrf|\(Secret.hash(secret))".utf8), using: key))
    }

    /// Whether a POST may act: the form's token matches this session's, and the browser does not say it came from
    /// another site (`Sec-Fetch-Site`, sent by every current browser; absent from old ones, which the token covers).
    static func formAllowed(_ request: Request, token: String?, session: PhoneSession) -> Bool {
        if let site = request.headers[HTTPField.Name("Sec-Fetch-Site")!], site == "cross-site" { return false }
        guard let token else { return false }
        return Secret.equal(token, session.csrf)
    }
}

/// Finds the phone session for every `/r` page but the sign-in ones; without one, the phone is sent to the page that
/// says how to sign in. Renews the session (and its cookie) at most once a day while it is in use.
struct PhoneSessionMiddleware: RouterMiddleware {
    typealias Context = WhistleRequestContext
    let database: AppDatabase
    let cookies: PhoneCookies
    let clock: any WallClock

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let tls = cookies.isTLS(request, context)
        let now = clock.now()
        guard let secret = cookies.value(request, context), let session = try await database.session(cookie: secret, at: now) else {
            var response = Response(status: .seeOther, headers: [.location: "/r/signin", .cacheControl: "no-store"])
            if request.cookies[cookies.name(tls: tls)] != nil { response.setCookie(cookies.clearing(tls: tls)) }
            return response
        }
        var context = context
        context.phone = PhoneSession(id: session.id, responder: session.responder, csrf: cookies.csrf(for: secret))
        var response = try await next(request, context)
        // Seen again after a day (or the clock went back): the session lives 180 days from now, and so does the cookie.
        let age = now.timeIntervalSince(session.lastSeenAt)
        if age >= AppDatabase.sessionRenewEvery || age < 0 {
            try await database.touchSession(id: session.id, at: now)
            response.setCookie(cookies.cookie(secret, tls: tls))
        }
        return response
    }
}
