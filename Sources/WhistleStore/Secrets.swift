import Foundation
import GRDB

extension AppDatabase {
    /// A 32-byte key kept in the database under `name`, made on first use; the same across restarts and processes.
    public func serverKey(named name: String) async throws -> [UInt8] {
        try await writer.write { db in
            if let value = try Data.fetchOne(db, sql: "SELECT value FROM server_secret WHERE name = ?", arguments: [name]) {
                return [UInt8](value)
            }
            var generator = SystemRandomNumberGenerator()
            let key = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
            try db.execute(sql: "INSERT INTO server_secret (name, value) VALUES (?, ?)", arguments: [name, Data(key)])
            return key
        }
    }
}
