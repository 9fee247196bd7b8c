import Hummingbird
import WhistleCore

/// Chinese first; English with `?lang=en`.
enum Language: String, Sendable {
    case zh
    case en

    init(request: Request) {
        self = request.uri.queryParameters.get("lang") == "en" ? .en : .zh
    }

    var strings: Strings { self == .en ? .english : .chinese }
}

/// Every resident-facing string of one language, in one place.
struct Strings: Sendable {
    var statue: String
    var station: String
    var merchant: String
    var pointTitle: String
    var servicesHeading: String
    var categoriesHeading: String
    var notFoundTitle: String
    var notFoundBody: String

    func kindLabel(_ kind: PointKind) -> String {
        switch kind {
        case .statue: statue
        case .station: station
        case .merchant: merchant
        }
    }

    var pointPage: [String: Any] {
        ["t_title": pointTitle, "t_services": servicesHeading, "t_categories": categoriesHeading]
    }

    var notFoundPage: [String: Any] {
        ["t_title": notFoundTitle, "t_body": notFoundBody]
    }

    static let chinese = Strings(
        statue: "红哨点位", station: "服务站", merchant: "服务商户", pointTitle: "扫码吹哨 · 10分钟响应",
        servicesHeading: "服务项目", categoriesHeading: "可以反映的问题",
        notFoundTitle: "没有找到这个二维码",
        notFoundBody: "这个二维码已失效或不是本社区的。请不要在此页面填写信息，可以拨打社区电话或到党群服务中心求助。")

    static let english = Strings(
        statue: "Whistle point", station: "Service station", merchant: "Service merchant",
        pointTitle: "Scan to blow the whistle · answered in 10 minutes", servicesHeading: "Services offered",
        categoriesHeading: "What you can report",
        notFoundTitle: "This QR code was not found",
        notFoundBody: "The code is void or does not belong to this community. Do not enter anything here; call the community office or visit the service centre.")
}
