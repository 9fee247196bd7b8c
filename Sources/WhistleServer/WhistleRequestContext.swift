import Hummingbird
import NIOCore
import WhistleCore

/// The request context of every route: knows the peer's address (for rate limits) and allows a photo upload.
public struct WhistleRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    /// The responder behind the bearer token, set by `BearerAuthMiddleware` on `/api/v1`.
    public var responder: Responder?
    /// The phone session behind the cookie, set by `PhoneSessionMiddleware` on `/r`.
    var phone: PhoneSession?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// An 8 MB photo plus the form around it, in multipart encoding.
    public var maxUploadSize: Int { ReportLimits.maxBody }
}

/// Sizes the resident form accepts.
enum ReportLimits {
    static let maxPhotoBytes = 8 * 1_048_576
    static let maxBody = maxPhotoBytes + 256 * 1024
    static let maxDescription = 1000
    /// An Open311 client's description (the spec allows up to 4000 characters).
    static let maxOpen311Description = 4000
    static let maxRatingNote = 500
    /// The rating form's whole body: its key, a number and a note of at most 500 characters (2 KB), percent-encoded.
    static let maxRatingBody = 16 * 1024
}
