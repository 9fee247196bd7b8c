import Foundation
import WhistleCore
import WhistleStore

/// A report's timeline as anyone outside may see it: the resident's status page and Open311's `extensions=true`.
/// Roles and department names only, never a person's name or phone; notifications sent in the same minute are one
/// line ("已通知网格员、社区书记").
enum PublicTimeline {
    struct Item {
        var at: Date
        /// As the status page shows it (Shanghai time).
        var time: String
        var kind: EventKind
        var text: String
        /// The resolve note, which residents see.
        var note: String?
    }

    static func items(_ view: ReportView, language: Language) -> [Item] {
        var items: [Item] = []
        var lastNotified: (at: Date, time: String, roles: [String])?
        func flush() {
            if let notified = lastNotified {
                items.append(
                    Item(
                        at: notified.at, time: notified.time, kind: .notified,
                        text: language.text("notified", notified.roles.joined(separator: language == .en ? ", " : "、"))))
                lastNotified = nil
            }
        }
        func role(_ id: String?) -> String {
            guard let id, let responder = view.actors[id] else { return language.roleLabel(.gridWorker) }
            return responder.role == .department ? responder.name : language.roleLabel(responder.role)
        }
        for event in view.events {
            let time = ShanghaiTime.display(event.at)
            if event.kind == .notified {
                let label = role(event.detail["responder"])
                if var notified = lastNotified, notified.time == time {
                    if !notified.roles.contains(label) { notified.roles.append(label) }
                    lastNotified = notified
                } else {
                    flush()
                    lastNotified = (event.at, time, [label])
                }
                continue
            }
            flush()
            let text: String
            var note: String?
            switch event.kind {
            case .created: text = language.text("received")
            case .acknowledged:
                let responder = event.actor.flatMap { view.actors[$0] }
                text = responder?.role == .department ? language.text("reported_in", role(event.actor)) : language.text("acknowledged", role(event.actor))
            case .whistled: text = language.text("whistled", role(event.detail["to"]))
            case .reportedIn: text = language.text("reported_in", role(event.actor))
            case .resolved:
                text = language.text("resolved")
                note = event.detail["note"]
            case .rated: text = language.text("rated", event.detail["rating"] ?? "")
            case .breached: text = language.text("breached")
            case .reopened: text = language.text("reopened")
            case .closed: text = language.text("closed")
            default: continue
            }
            items.append(Item(at: event.at, time: time, kind: event.kind, text: text, note: note))
        }
        flush()
        return items
    }
}
