/// How rows for one robot near its rate limit become messages.
///
/// Each row keeps its own message while the robot has room; the overflow is folded into as few messages as fit
/// the platform's text limit, every folded row named in full; rows that fit in no message the robot can take now
/// stay pending for the robot's next window. Nothing is cut, nothing is marked sent that was not.
enum Folding {
    struct Plan: Equatable {
        /// Row indices per message: one index for a message of its own, several for a folded one.
        var messages: [[Int]]
        /// Rows that wait for the robot's next window.
        var waiting: [Int]
    }

    /// `lineBytes[i]` is row i's line in a folded message; `headerBytes` the folded message's own text; `room` how many
    /// messages the robot takes now; `limit` its text limit in bytes.
    static func plan(lineBytes: [Int], headerBytes: Int, room: Int, limit: Int) -> Plan {
        let count = lineBytes.count
        guard room > 0 else { return Plan(messages: [], waiting: Array(0..<count)) }
        if count <= room { return Plan(messages: (0..<count).map { [$0] }, waiting: []) }
        // The fewest folded messages that hold the overflow, leaving the rest of the room to rows of their own.
        for folded in 1...room {
            let singles = room - folded
            let packs = pack(Array(singles..<count), lineBytes: lineBytes, headerBytes: headerBytes, limit: limit)
            if packs.count <= folded {
                return Plan(messages: (0..<singles).map { [$0] } + packs, waiting: [])
            }
        }
        let packs = pack(Array(0..<count), lineBytes: lineBytes, headerBytes: headerBytes, limit: limit)
        return Plan(messages: Array(packs.prefix(room)), waiting: packs.dropFirst(room).flatMap { $0 })
    }

    /// Greedy, in order: each message takes rows while its text stays within `limit` (a line too long for any message
    /// still goes alone, cut by the platform rather than lost here).
    static func pack(_ rows: [Int], lineBytes: [Int], headerBytes: Int, limit: Int) -> [[Int]] {
        var packs: [[Int]] = []
        var current: [Int] = []
        var size = headerBytes
        for row in rows {
            let bytes = lineBytes[row] + 1
            if !current.isEmpty && size + bytes > limit {
                packs.append(current)
                current = []
                size = headerBytes
            }
            current.append(row)
            size += bytes
        }
        if !current.isEmpty { packs.append(current) }
        return packs
    }
}
