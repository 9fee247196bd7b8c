import Foundation

extension AppDatabase {
    /// A 32-byte key kept in the database under `name`, made on first use; the same across restarts, processes and
    /// nodes: of several nodes starting together, the first key written wins and every node reads that one.
    public func serverKey(named name: String) async throws -> [UInt8] {
        try await write { tx in
            var generator = SystemRandomNumberGenerator()
            let key = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
            try tx.execute("INSERT INTO server_secret (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING", [name, key])
            guard let stored = try tx.value("SELECT value FROM server_secret WHERE name = ?", [name], as: [UInt8].self) else {
                throw StoreError.notFound("server key '\(name)'")
            }
            return stored
        }
    }
}
