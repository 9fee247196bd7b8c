import Foundation
import NIOSSL
import PostgresNIO

/// A `postgres://` address given to `--db` or `$WHISTLE_DB`, parsed once and checked before anything connects.
///
/// `postgres[ql]://user[:password]@host[:port]/database[?sslmode=disable|prefer|require&pool=N&allow_fsync_off=1]`.
/// The password may instead come from `$PGPASSWORD`, so it need not sit in a unit file or a shell history.
public struct PostgresLocation: Sendable, Equatable {
    public enum SSLMode: String, Sendable { case disable, prefer, require }

    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var sslMode: SSLMode
    /// Connections this process keeps open at most.
    public var pool: Int
    public static let defaultPool = 10
    /// Accept a server running with `fsync=off` (the throwaway test cluster); otherwise that server is refused, since
    /// a report it acknowledged could vanish in a power cut.
    public var allowFsyncOff: Bool

    /// Whether `text` names a PostgreSQL database rather than a SQLite file.
    public static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    public static func parse(_ text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> PostgresLocation {
        func refuse(_ why: String) -> StoreError { .unusable(path: redact(text), reason: why) }
        guard isURL(text), let url = URLComponents(string: text) else { throw refuse("not a postgres:// URL") }
        guard let host = url.host, !host.isEmpty else { throw refuse("the URL names no host") }
        let database = String(url.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else { throw refuse("the URL names no database (postgres://user@host/DATABASE)") }
        guard let user = url.user.flatMap({ $0.removingPercentEncoding }), !user.isEmpty else {
            throw refuse("the URL names no user (postgres://USER@host/database)")
        }
        var location = PostgresLocation(
            host: host, port: url.port ?? 5432, user: user,
            password: url.password.flatMap { $0.removingPercentEncoding } ?? environment["PGPASSWORD"],
            database: database.removingPercentEncoding ?? database, sslMode: .prefer, pool: defaultPool, allowFsyncOff: false)
        guard (1...65535).contains(location.port) else { throw refuse("port \(location.port) is out of range") }
        for item in url.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name {
            case "sslmode":
                guard let mode = SSLMode(rawValue: value) else { throw refuse("sslmode is disable, prefer or require, not '\(value)'") }
                location.sslMode = mode
            case "pool":
                guard let pool = Int(value), (1...200).contains(pool) else { throw refuse("pool is a number of connections from 1 to 200") }
                location.pool = pool
            case "allow_fsync_off":
                location.allowFsyncOff = value == "1" || value == "true"
            default:
                throw refuse("unknown option '\(item.name)' (sslmode, pool and allow_fsync_off are known)")
            }
        }
        return location
    }

    /// The address without its password, for logs and messages.
    public var redacted: String {
        "postgres://\(user)@\(host):\(port)/\(database)"
    }

    /// The URL without its password but with every option that is not the default: what another process opens the
    /// same store by (its password from `$PGPASSWORD`), and safe to print.
    public var address: String {
        var options: [String] = []
        if sslMode != .prefer { options.append("sslmode=\(sslMode.rawValue)") }
        if pool != PostgresLocation.defaultPool { options.append("pool=\(pool)") }
        if allowFsyncOff { options.append("allow_fsync_off=1") }
        return redacted + (options.isEmpty ? "" : "?" + options.joined(separator: "&"))
    }

    static func redact(_ text: String) -> String {
        guard var url = URLComponents(string: text), url.password != nil else { return text }
        url.password = "***"
        return url.string ?? "postgres://…"
    }

    /// postgres-nio's client configuration for this address.
    /// The same TLS choice for a single connection (the server check).
    var connectionTLS: PostgresConnection.Configuration.TLS {
        get throws {
            switch sslMode {
            case .disable: .disable
            case .prefer: .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
            case .require: .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
        }
    }

    var clientConfiguration: PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS =
            switch sslMode {
            case .disable: .disable
            case .prefer: .prefer(.makeClientConfiguration())
            case .require: .require(.makeClientConfiguration())
            }
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: tls)
        configuration.options.maximumConnections = pool
        // Every commit waits for the WAL flush, whatever the server's default: a resident is told "received" only then.
        configuration.options.additionalStartupParameters = [("synchronous_commit", "on"), ("application_name", "whistle")]
        return configuration
    }
}
