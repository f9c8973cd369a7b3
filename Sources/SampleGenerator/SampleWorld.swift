import IncidentModel

/// A small, stable pseudo-random generator (SplitMix64).
///
/// The generator's own arithmetic is used for every draw, not the standard
/// library's `random(in:using:)`, whose algorithm may change between Swift
/// releases: the same seed must give the same stream everywhere.
public struct SplitMix64: RandomNumberGenerator, Sendable {
  private var state: UInt64

  public init(seed: UInt64) { state = seed }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A whole number in `0..<bound` (multiply-shift; bias is negligible for these bounds).
  mutating func below(_ bound: Int) -> Int {
    precondition(bound > 0)
    return Int(((next() >> 32) &* UInt64(bound)) >> 32)
  }

  mutating func range(_ r: ClosedRange<Int>) -> Int { r.lowerBound + below(r.count) }

  /// True with probability `p`.
  mutating func chance(_ p: Double) -> Bool { Double(next() >> 11) / Double(1 << 53) < p }

  mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

  /// Milliseconds between `minutes.lowerBound` and `minutes.upperBound` minutes, at second granularity
  /// plus a millisecond part, so timestamps look like real ones.
  mutating func minutes(_ minutes: ClosedRange<Int>) -> Int64 {
    Int64(range(minutes.lowerBound * 60...minutes.upperBound * 60)) * 1000 + Int64(below(1000))
  }

  mutating func hex(_ count: Int) -> String {
    let digits = Array("0123456789abcdef")
    return String((0..<count).map { _ in digits[below(16)] })
  }
}

/// The fixed cast of the sample world: organisations, services, failure modes, people.
enum SampleWorld {
  static let orgNames = ["org_acme", "org_globex", "org_initech", "org_umbrella", "org_hooli", "org_stark"]

  static let services = [
    "checkout-api", "payments", "search", "auth-service", "api-gateway", "inventory", "notifications",
    "ledger", "recommendations", "media-cdn", "orders", "user-profile", "billing-worker", "shipping",
    "analytics-ingest",
  ]

  /// A kind of failure: a title template, a correlation key suffix, and what responders do about it.
  struct FailureMode {
    let key: String
    let title: String
    let actions: [(kind: String, label: String, risk: String)]
  }

  static let failureModes: [FailureMode] = [
    FailureMode(
      key: "db-pool-exhaustion", title: "Database connection pool exhausted on {service} (pool 'primary-{n}')",
      actions: [("SCALE_OUT", "Raise pool size to 80", "MEDIUM"), ("RESTART_PODS", "Rolling restart of {service}", "LOW")]),
    FailureMode(
      key: "5xx-spike", title: "Elevated 5xx rate on {service} after deploy {n}",
      actions: [("ROLLBACK", "Roll back {service} to previous release", "MEDIUM")]),
    FailureMode(
      key: "latency-p99", title: "{service} p99 latency above 2s in eu-west-1",
      actions: [("SCALE_OUT", "Add 4 replicas to {service}", "LOW"), ("FLUSH_CACHE", "Flush the response cache", "MEDIUM")]),
    FailureMode(
      key: "cert-expiry", title: "TLS certificate for {service}.internal expires in {n} hours",
      actions: [("RUN_SCRIPT", "Rotate certificate via cert-manager", "LOW")]),
    FailureMode(
      key: "queue-backlog", title: "Queue backlog on {service} consumers above {n}k messages",
      actions: [("SCALE_OUT", "Scale {service} consumers to 12", "LOW"), ("PAUSE_PRODUCER", "Pause batch producer", "HIGH")]),
    FailureMode(
      key: "oom-kills", title: "{service} pods OOMKilled (container 0x{hex})",
      actions: [("RESTART_PODS", "Restart {service} with 2Gi limit", "LOW")]),
    FailureMode(
      key: "disk-pressure", title: "Disk pressure on {service} nodes ({n}% used)",
      actions: [("RUN_SCRIPT", "Prune old log volumes", "MEDIUM")]),
    FailureMode(
      key: "dependency-timeout", title: "Timeouts calling \"ledger\" from {service}",
      actions: [
        ("TOGGLE_FEATURE_FLAG", "Disable synchronous ledger writes", "HIGH"), ("FAILOVER", "Fail over to secondary region", "HIGH"),
      ]),
    FailureMode(
      key: "dns-resolution", title: "DNS resolution failures for {service} in cluster {n}",
      actions: [("RESTART_PODS", "Restart CoreDNS", "MEDIUM")]),
  ]

  static let detectors = ["prometheus-alertmanager", "datadog", "grafana", "synthetic-check", "customer-report"]
  static let people = ["user_ana", "user_bo", "user_chen", "user_dara", "user_eli", "user_fatima", "user_goran", "user_hana"]
  static let automations = ["runbook-bot", "autoscaler", "deploy-guard"]
  static let tags = ["customer-facing", "database", "network", "deploy", "capacity", "third-party"]

  static let investigationNotes = [
    "Investigating elevated error rate; dashboards show saturation on the primary pool.",
    "Error budget burn visible on the availability SLO; paging the service owner.",
    "Correlated with the 14:00 deploy; comparing canary metrics.",
    "Upstream dependency latency is normal; issue looks local to this service.",
    "Customer support reports checkout failures in EU.",
    "Mitigation in progress; error rate dropping after the change.",
    "Alert thresholds for this service may be too sensitive.",
  ]

  /// Notes that read as follow-ups, which a postmortem draft turns into action items.
  static let followUpNotes = [
    "Follow-up: add an alert on connection pool saturation before it reaches 100%.",
    "TODO: document the rollback procedure in the runbook.",
    "Action item: add a canary stage for config pushes.",
    "Follow-up: raise the default pool size and load-test it.",
  ]

  /// Phrasings a blameless postmortem must not copy without a flag.
  static let blamefulNotes = [
    "Looks like human error: the on-call engineer forgot to drain the node before the upgrade.",
    "The deploy should have been caught in staging; someone failed to run the smoke tests.",
  ]
}
