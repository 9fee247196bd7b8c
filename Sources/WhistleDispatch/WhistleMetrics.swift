import Foundation
import Prometheus

/// The counters `/metrics` exposes, made on a registry that is passed in (never a global: tests build many apps).
public struct WhistleMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let reports: Counter
    let reportCommits: Counter
    let duplicates: Counter
    let acksWithin: Counter
    let acksAfter: Counter
    let breaches: Counter
    let dutyGaps: Counter
    let timeToAck: DurationHistogram
    let outboxOldest: Gauge
    let registryLock = NSLock()

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: "whistle", metricName: metric, unitName: unit, helpText: help)
        }
        reports = registry.makeCounter(descriptor: name("reports", "total", "Reports received and stored"))
        reportCommits = registry.makeCounter(
            descriptor: name("report_commits", "total", "Commits that carried residents' reports (reports arriving together share one)"))
        duplicates = registry.makeCounter(descriptor: name("duplicate_reports", "total", "Reports linked to one already open"))
        let acks = name("acks", "total", "First acknowledgements, within the promise or after")
        acksWithin = registry.makeCounter(descriptor: acks, labels: [("within_promise", "true")])
        acksAfter = registry.makeCounter(descriptor: acks, labels: [("within_promise", "false")])
        breaches = registry.makeCounter(descriptor: name("breaches", "total", "Reports not taken within the promise"))
        dutyGaps = registry.makeCounter(descriptor: name("duty_gaps", "total", "Steps with nobody on duty (sent to the grid leader)"))
        timeToAck = registry.makeDurationHistogram(
            descriptor: name("time_to_ack", "seconds", "Time from report to first acknowledgement"),
            buckets: [60, 120, 180, 300, 420, 600, 900, 1800].map { .seconds($0) })
        outboxOldest = registry.makeGauge(descriptor: name("outbox_oldest_due", "seconds", "Age of the oldest due, undelivered notification"))
    }

    /// One stored report; `firstInCommit` for the first of the reports that shared its commit, so that
    /// `whistle_reports_total / whistle_report_commits_total` is how many reports a commit carries.
    public func reportReceived(duplicate: Bool, dutyGaps gaps: Int, firstInCommit: Bool = true) {
        reports.increment()
        if firstInCommit { reportCommits.increment() }
        if duplicate { duplicates.increment() }
        if gaps > 0 { dutyGaps.increment(by: Int64(gaps)) }
    }

    public func acknowledged(after seconds: Double, promise: Double) {
        (seconds <= promise ? acksWithin : acksAfter).increment()
        timeToAck.record(.milliseconds(Int64(seconds * 1000)))
    }

    func breached() { breaches.increment() }

    func outboxAge(_ seconds: Double) { outboxOldest.set(max(0, seconds)) }

    /// Deliveries by channel and outcome (delivered, retry, failed).
    func delivery(channel: String, outcome: String) {
        registryLock.withLock {
            registry.makeCounter(
                descriptor: MetricNameDescriptor(
                    namespace: "whistle", metricName: "deliveries", unitName: "total", helpText: "Notification deliveries by channel and outcome"),
                labels: [("channel", channel), ("outcome", outcome)]
            ).increment()
        }
    }

    /// The Prometheus text format.
    public func render() -> String { registry.emitToString() }
}
