import EventSources
import HeapModule
public import IncidentModel

/// What to generate.
public struct GeneratorConfiguration: Sendable {
  public var seed: UInt64
  public var incidents: Int
  public var orgs: Int
  public var start: CivilDate
  public var weeks: Int
  /// Add real-world dirt: duplicates, conflicts, shuffles, unknown types, broken lines.
  public var dirty: Bool

  public init(seed: UInt64 = 1, incidents: Int = 240, orgs: Int = 2, start: CivilDate, weeks: Int = 8, dirty: Bool = false) {
    self.seed = seed
    self.incidents = incidents
    self.orgs = orgs
    self.start = start
    self.weeks = weeks
    self.dirty = dirty
  }

  /// The end of the generated range: events at or after it are not written
  /// (incidents still open then stay open in the stream, as in a real export).
  public var end: Timestamp { start.startOfDayUTC.adding(milliseconds: Int64(weeks) * 7 * 86_400_000) }
}

/// A correlation key the generator plants to recur every week, more often in the last two.
public struct PlantedPattern: Sendable, Hashable {
  public var orgId: String
  public var serviceName: String
  public var correlationKey: String
  /// Incidents created for this pattern.
  public var incidents: Int
}

/// What was written: the figures a test needs to check a reader against the generator.
public struct GenerationReport: Sendable {
  public var incidents = 0
  /// Valid events written once each (dirt not included).
  public var events = 0
  /// Lines written, dirt and blank lines included.
  public var lines = 0
  /// Lines of each kind of dirt: `broken-json`, `bad-timestamp`, `missing-field`, `bad-value`,
  /// `exact-duplicate`, `conflicting-duplicate`, `unknown-type`, `blank`.
  public var dirt: [String: Int] = [:]
  /// Dirt lines that a reader must skip as broken (one per line).
  public var brokenLines: Int { ["broken-json", "bad-timestamp", "missing-field", "bad-value"].reduce(0) { $0 + (dirt[$1] ?? 0) } }
  /// Incidents whose INCIDENT_CREATED was left out (`--dirty`), sorted.
  public var incidentsWithoutCreation: [String] = []
  /// The weekly recurring keys planted, by org, service and key.
  public var plantedPatterns: [PlantedPattern] = []
}

/// Writes realistic, deterministic IncidentEvent streams: same configuration, same bytes.
///
/// Incidents are planned first (a few bytes each), then expanded one by one in
/// order of creation; their events pass through a heap so the output is sorted
/// by `ts` while only the incidents still in progress are held in memory.
public struct SampleGenerator: Sendable {
  public let configuration: GeneratorConfiguration

  public init(configuration: GeneratorConfiguration) {
    self.configuration = configuration
  }

  /// Generates the stream, calling `write` with each line (without its newline;
  /// a line may end in `\r` when dirt asks for CRLF).
  public func generate(write: (String) throws -> Void) throws -> GenerationReport {
    try withoutActuallyEscaping(write) { write in try generate(escapingWrite: write) }
  }

  private func generate(escapingWrite write: @escaping (String) throws -> Void) throws -> GenerationReport {
    var report = GenerationReport()
    let (plans, patterns) = planIncidents()
    report.plantedPatterns = patterns
    report.incidents = plans.count
    var output = LineOutput(dirty: configuration.dirty, seed: configuration.seed ^ 0xD1A7, write: write)
    var pending = Heap<PendingLine>()
    var order: Int64 = 0
    let end = configuration.end.millisecondsSinceEpoch
    for plan in plans {
      while let next = pending.min, next.ts < plan.createdAt {
        try output.emit(pending.removeMin(), report: &report)
      }
      var builder = IncidentBuilder(plan: plan, configuration: configuration)
      let events = builder.build()
      if builder.droppedCreation { report.incidentsWithoutCreation.append(builder.incidentId) }
      for event in events where event.ts.millisecondsSinceEpoch < end {
        order += 1
        pending.insert(PendingLine(ts: event.ts.millisecondsSinceEpoch, order: order, event: event))
      }
    }
    while let next = pending.popMin() { try output.emit(next, report: &report) }
    try output.flush(report: &report)
    report.incidentsWithoutCreation.sort()
    return report
  }

  /// Extra occurrences of the k-th planted pattern of an org in the last-but-one and the last week:
  /// one rising (2 then 3), one new in its recurrence (1 then 2), one steady (2 and 2).
  static let flareUps: [(lastButOne: Int, last: Int)] = [(1, 2), (0, 1), (1, 1)]

  /// Plans every incident: the planted weekly patterns first, then random ones, sorted by creation.
  func planIncidents() -> ([IncidentPlan], [PlantedPattern]) {
    var rng = SplitMix64(seed: configuration.seed)
    let orgCount = max(1, configuration.orgs)
    let start = configuration.start.startOfDayUTC.millisecondsSinceEpoch
    let week: Int64 = 7 * 86_400_000
    let span = Int64(configuration.weeks) * week
    var plans: [IncidentPlan] = []
    var patterns: [PlantedPattern] = []

    // Three weekly patterns per org, as long as they fit in half the incident budget. Each flares up
    // over the last two weeks (see `flareUps`), so the latest week has recurring groups whose trend
    // compares with a week that has data, as a real stream's would.
    let flaring = configuration.weeks >= 2
    let perPattern = configuration.weeks + (flaring ? 3 : 0)
    let perOrgPatterns = min(3, configuration.incidents / max(1, 2 * orgCount * max(1, perPattern)))
    for org in 0..<orgCount {
      var usedServices: [Int] = []
      for k in 0..<perOrgPatterns {
        var service = rng.below(SampleWorld.services.count)
        while usedServices.contains(service) { service = rng.below(SampleWorld.services.count) }
        usedServices.append(service)
        let mode = rng.below(SampleWorld.failureModes.count)
        let weekday = Int64(rng.range(0...4))
        let hour = Int64(rng.range(8...16))
        var count = 0
        for w in 0..<Int64(configuration.weeks) {
          var occurrences = 1
          if flaring && w == Int64(configuration.weeks) - 2 { occurrences += Self.flareUps[k].lastButOne }
          if flaring && w == Int64(configuration.weeks) - 1 { occurrences += Self.flareUps[k].last }
          for occurrence in 0..<Int64(occurrences) {
            // Another working day for each extra occurrence of the week.
            let day = (weekday + 2 * occurrence) % 5
            let jitter = rng.minutes(0...90)
            let createdAt = start + w * week + day * 86_400_000 + hour * 3_600_000 + jitter
            plans.append(IncidentPlan(createdAt: createdAt, org: org, service: service, mode: mode, recurring: true, seed: rng.next()))
            count += 1
          }
        }
        patterns.append(
          PlantedPattern(
            orgId: Self.orgName(org), serviceName: SampleWorld.services[service],
            correlationKey: "\(SampleWorld.services[service]):\(SampleWorld.failureModes[mode].key)", incidents: count))
      }
    }
    // One incident per org still in progress when the stream ends: exports are cut mid-incident.
    for org in 0..<orgCount where plans.count + orgCount <= configuration.incidents {
      plans.append(
        IncidentPlan(
          createdAt: start + span - rng.minutes(60...180), org: org, service: rng.below(SampleWorld.services.count),
          mode: rng.below(SampleWorld.failureModes.count), recurring: false, ongoing: true, seed: rng.next()))
    }
    while plans.count < configuration.incidents {
      // Random incidents, with more of them in working hours.
      var createdAt = start + Int64(Double(rng.next() >> 11) / Double(1 << 53) * Double(span))
      if rng.chance(0.5) {
        let day = (createdAt - start) / 86_400_000
        createdAt = start + day * 86_400_000 + rng.minutes(8 * 60...19 * 60)
      }
      plans.append(
        IncidentPlan(
          createdAt: createdAt, org: rng.below(orgCount), service: rng.below(SampleWorld.services.count),
          mode: rng.below(SampleWorld.failureModes.count), recurring: false, seed: rng.next()))
    }
    plans.sort { ($0.createdAt, $0.seed) < ($1.createdAt, $1.seed) }
    for index in plans.indices { plans[index].index = index }
    patterns.sort { ($0.orgId, $0.serviceName, $0.correlationKey) < ($1.orgId, $1.serviceName, $1.correlationKey) }
    return (plans, patterns)
  }

  /// The weekly patterns this configuration plants, without generating the stream.
  public func plannedPatterns() -> [PlantedPattern] { planIncidents().1 }

  static func orgName(_ index: Int) -> String {
    index < SampleWorld.orgNames.count ? SampleWorld.orgNames[index] : "org_\(index + 1)"
  }
}

/// One incident to be expanded: enough to derive all its events deterministically.
struct IncidentPlan {
  var createdAt: Int64
  var org: Int
  var service: Int
  var mode: Int
  var recurring: Bool
  /// Still in progress at the end of the stream: mitigation comes long after.
  var ongoing = false
  var seed: UInt64
  var index = 0
}

struct PendingLine: Comparable {
  var ts: Int64
  var order: Int64
  var event: IncidentEvent

  static func < (lhs: PendingLine, rhs: PendingLine) -> Bool { (lhs.ts, lhs.order) < (rhs.ts, rhs.order) }
  static func == (lhs: PendingLine, rhs: PendingLine) -> Bool { lhs.order == rhs.order }
}

/// Writes lines in order, adding dirt when asked.
///
/// Dirt is always extra lines
/// (never a changed original), and every duplicate comes after its original,
/// so a dirty stream replays to the same incidents as its clean twin.
struct LineOutput {
  let dirty: Bool
  var rng: SplitMix64
  let write: (String) throws -> Void
  /// Lines held back to be written in a shuffled order.
  var shuffle: [String] = []
  /// Copies to write a few lines after their original.
  var delayed: [(due: Int, line: String)] = []
  var written = 0
  var dirtSerial = 0

  init(dirty: Bool, seed: UInt64, write: @escaping (String) throws -> Void) {
    self.dirty = dirty
    self.rng = SplitMix64(seed: seed)
    self.write = write
  }

  mutating func emit(_ pending: PendingLine, report: inout GenerationReport) throws {
    report.events += 1
    let line = EventEncoder.jsonLine(pending.event)
    guard dirty else {
      try put(line, report: &report)
      return
    }
    shuffle.append(line)
    if shuffle.count >= 8 {
      try put(shuffle.remove(at: rng.below(shuffle.count)), report: &report)
    }
    try addDirt(after: pending.event, line: line, report: &report)
  }

  mutating func flush(report: inout GenerationReport) throws {
    while !shuffle.isEmpty { try put(shuffle.removeFirst(), report: &report) }
    for item in delayed { try put(item.line, report: &report) }
    delayed.removeAll()
  }

  private mutating func put(_ line: String, report: inout GenerationReport) throws {
    try write(line)
    written += 1
    report.lines += 1
    while let index = delayed.firstIndex(where: { $0.due <= written }) {
      let item = delayed.remove(at: index)
      try write(item.line)
      written += 1
      report.lines += 1
    }
  }

  private mutating func count(_ kind: String, _ report: inout GenerationReport) {
    report.dirt[kind, default: 0] += 1
  }

  private mutating func addDirt(after event: IncidentEvent, line: String, report: inout GenerationReport) throws {
    // Copies are due after the shuffle buffer has surely let the original out.
    let later = written + 8 + rng.below(8)
    let roll = rng.below(1000)
    switch roll {
    case 0..<12:
      delayed.append((later, line))
      count("exact-duplicate", &report)
    case 12..<15:
      var changed = event
      changed.ts = changed.ts.adding(milliseconds: 1000)
      delayed.append((later, EventEncoder.jsonLine(changed)))
      count("conflicting-duplicate", &report)
    case 15..<19:
      dirtSerial += 1
      let type = rng.pick(["INCIDENT_ESCALATED", "INCIDENT_POSTMORTEM_PUBLISHED", "INCIDENT_STAKEHOLDER_NOTIFIED"])
      let unknown = IncidentEvent(
        id: "evt_dirt_unknown_\(dirtSerial)", orgId: event.orgId, incidentId: event.incidentId,
        ts: event.ts.adding(milliseconds: 500),
        payload: .unknown(type: type, payload: .object(["channel": .string("#inc-bridge"), "audience": .string("execs")])))
      delayed.append((later, EventEncoder.jsonLine(unknown)))
      count("unknown-type", &report)
    case 19..<22:
      // Cut mid-line, as a truncated upload or a crashed writer leaves it.
      let cut = line.utf8.count / 2 + rng.below(line.utf8.count / 3)
      delayed.append((later, String(decoding: line.utf8.prefix(cut), as: UTF8.self)))
      count("broken-json", &report)
    case 22..<25:
      let bad = rng.pick(["2026-02-30T10:00:00Z", "2026-11-02 10:15", "yesterday", "2026-11-02T25:00:00.000Z"])
      delayed.append(
        (later, brokenCopy(of: event, replacing: "\"ts\":\"\(event.ts.rfc3339(preservingOffset: true))\"", with: "\"ts\":\"\(bad)\"")))
      count("bad-timestamp", &report)
    case 25..<28:
      let field = rng.pick(["\"incidentId\":\"\(event.incidentId)\",", "\"type\":\"\(event.type)\","])
      delayed.append((later, brokenCopy(of: event, replacing: field, with: "")))
      count("missing-field", &report)
    case 28..<30:
      delayed.append((later, brokenCopy(of: event, replacing: "\"orgId\":\"\(event.orgId)\"", with: "\"orgId\":42")))
      count("bad-value", &report)
    case 30..<32:
      delayed.append((later, ""))
      count("blank", &report)
    case 32..<40:
      // CRLF endings on a duplicate: still the same event.
      delayed.append((later, line + "\r"))
      count("exact-duplicate", &report)
    default:
      break
    }
  }

  /// A copy of `event` under a fresh id with one piece of text replaced, so it is broken on its own.
  private mutating func brokenCopy(of event: IncidentEvent, replacing: String, with replacement: String) -> String {
    dirtSerial += 1
    var copy = event
    copy.id = "evt_dirt_\(dirtSerial)"
    let line = EventEncoder.jsonLine(copy)
    guard let range = line.range(of: replacing) else { return String(line.dropLast(2)) }
    return line.replacingCharacters(in: range, with: replacement)
  }
}

extension String {
  fileprivate func range(of needle: String) -> Range<String.Index>? {
    guard !needle.isEmpty else { return nil }
    var index = startIndex
    while index < endIndex {
      if self[index...].hasPrefix(needle) { return index..<self.index(index, offsetBy: needle.count) }
      index = self.index(after: index)
    }
    return nil
  }

  fileprivate func replacingCharacters(in range: Range<String.Index>, with replacement: String) -> String {
    String(self[..<range.lowerBound]) + replacement + String(self[range.upperBound...])
  }
}
