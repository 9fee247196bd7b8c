import Foundation

/// Which database the tests run on, as `make test` sets it: `WHISTLE_TEST_POSTGRES_URL` names the throwaway cluster
/// `scripts/pg-test-cluster.sh run` started (unset where PostgreSQL could not start).
public enum TestBackend {
    public static var postgresURL: String? {
        ProcessInfo.processInfo.environment["WHISTLE_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }
}
