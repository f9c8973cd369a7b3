import EventSources
import IncidentModel

/// What replay found across the incidents, beside the fold's partial: counts, conflicts, incidents without a creation.
///
/// Merges like a fold's partial; lists are sorted when reported, so the order partitions finish in does not matter.
struct ReplayTally: Sendable {
  var exactDuplicates = 0
  var uniqueEvents = 0
  var unknownTypeEvents = 0
  var eventsByType = EventTypeCounts()
  var incidents = 0
  var orgs = Set<String>()
  var conflicts: [(incident: IncidentRef, conflict: DuplicateConflict)] = []
  /// Incidents replayed without an INCIDENT_CREATED: all counted, the first few by incident kept to be named.
  var missingCreationCount = 0
  var missingCreation: [(incident: IncidentRef, eventCount: Int, firstEventAt: Timestamp)] = []
  /// How many of ``missingCreation`` to keep: the warnings shown.
  let keepMissing: Int

  init(keepMissing: Int) { self.keepMissing = keepMissing }

  mutating func add(_ outcome: ReplayOutcome, of incident: IncidentRef) {
    let snapshot = outcome.snapshot
    exactDuplicates += outcome.exactDuplicates
    uniqueEvents += snapshot.eventCount
    unknownTypeEvents += snapshot.unknownEventCount
    eventsByType.add(outcome.eventsByType)
    incidents += 1
    orgs.insert(incident.orgId)
    for conflict in outcome.conflicts { conflicts.append((incident, conflict)) }
    if !snapshot.hasCreationEvent {
      missingCreationCount += 1
      missingCreation.append((incident, snapshot.eventCount, snapshot.lifecycle.firstEventAt))
      trimMissing()
    }
  }

  mutating func merge(_ other: ReplayTally) {
    exactDuplicates += other.exactDuplicates
    uniqueEvents += other.uniqueEvents
    unknownTypeEvents += other.unknownTypeEvents
    eventsByType.add(other.eventsByType)
    incidents += other.incidents
    orgs.formUnion(other.orgs)
    conflicts += other.conflicts
    missingCreationCount += other.missingCreationCount
    missingCreation += other.missingCreation
    trimMissing()
  }

  /// Keeps the first ``keepMissing`` by incident, whatever order they came in.
  private mutating func trimMissing() {
    guard missingCreation.count > max(keepMissing, 0) * 2 + 16 else { return }
    missingCreation.sort { $0.incident < $1.incident }
    missingCreation.removeLast(missingCreation.count - max(keepMissing, 0))
  }

  /// The kept list trimmed exactly, for reporting.
  func finished() -> ReplayTally {
    var copy = self
    copy.missingCreation.sort { $0.incident < $1.incident }
    if copy.missingCreation.count > max(keepMissing, 0) {
      copy.missingCreation.removeLast(copy.missingCreation.count - max(keepMissing, 0))
    }
    return copy
  }
}

/// Replays the partitions of a load one at a time on every thread, folding each incident as it is replayed.
struct PartitionReplay<Fold: IncidentFold>: Sendable {
  let fold: Fold
  let preparation: Preparation
  let requestCountsWithin: Interval?
  /// Events to skip because their id was first read under another incident, with the origin of that first one.
  let reused: [EventOrigin: EventOrigin]
  let directory: SpillDirectory
  /// Bytes of records a thread replays at once; a larger partition is split first.
  let partitionLimit: Int
  let warningLimit: Int
  /// Counts the partitions replayed, for a progress line.
  var progress: ReadProgress? = nil

  /// How many times a partition is split further before it is replayed whatever its size (one huge incident cannot be split).
  private static var maximumSplits: Int { 3 }

  /// The merged partial and tally of every partition.
  func run(_ records: SpillPartitions, threads: Int) throws -> (Fold.Partial, ReplayTally) {
    let workers = max(1, min(threads, records.count))
    let results = (0..<workers).map { _ in Locked<(Fold.Partial, ReplayTally)>((fold.makePartial(), ReplayTally(keepMissing: warningLimit)))
    }
    let failure = Locked<(index: Int, error: any Error)?>(nil)
    ParallelWork.forEachIndex(records.count, threads: workers) { index, thread in
      do {
        try results[thread].withLock { result in try replay(index, of: records, level: 0, into: &result.0, tally: &result.1) }
        progress?.partitionReplayed()
      } catch {
        failure.withLock { if $0.map({ index < $0.index }) ?? true { $0 = (index, error) } }
      }
    }
    if let (_, error) = failure.withLock({ $0 }) { throw error }
    var partial = fold.makePartial()
    var tally = ReplayTally(keepMissing: warningLimit)
    for result in results {
      result.withLock { result in
        fold.merge(result.0, into: &partial)
        tally.merge(result.1)
      }
    }
    return (partial, tally.finished())
  }

  /// Replays partition `index` of `partitions` (split further first when too large), emptying it.
  private func replay(
    _ index: Int, of partitions: SpillPartitions, level: Int, into partial: inout Fold.Partial, tally: inout ReplayTally
  ) throws {
    let size = partitions.size(of: index)
    guard size > 0 else { return }
    if size > partitionLimit && level < Self.maximumSplits {
      let parts = try split(index, of: partitions, level: level + 1, count: min(64, 2 * (size / partitionLimit) + 2))
      for part in 0..<parts.count { try replay(part, of: parts, level: level + 1, into: &partial, tally: &tally) }
      return
    }
    var histories = IncidentHistories()
    try partitions.drain(index) { bytes in
      try SpillRecord.forEachRecord(in: bytes) { record in
        let key = try SpillRecord.incidentKey(of: record)
        let event = try SpillRecord.decode(record)
        if let kept = reused[event.origin] {
          tally.conflicts.append(
            (event.incident, DuplicateConflict(kept: kept, dropped: event.origin, eventId: event.citedId, acrossIncidents: true)))
          return
        }
        histories.append(
          preparation.historyEntry(of: event, requestCountsWithin: requestCountsWithin), to: event.incident, key: key,
          detail: preparation.detail(for: event.incident.incidentId))
      }
    }
    for (incident, history) in histories.all {
      let outcome = history.replay()
      tally.add(outcome, of: incident)
      fold.add(outcome.snapshot, to: &partial)
    }
  }

}

/// One incident replayed ahead of the rest, for a fold that depends on it (see ``IncidentLoader``).
enum IncidentLocator {
  /// The snapshot of `incident`, replayed from its partition of `records` (left as it is); nil when it has no event.
  static func locate(
    _ incident: IncidentRef, in records: SpillPartitions, preparation: Preparation, requestCountsWithin: Interval?,
    reused: [EventOrigin: EventOrigin]
  ) throws -> IncidentSnapshot? {
    let key = IncidentKey.hash(incident)
    let detail = preparation.detail(for: incident.incidentId)
    var history = IncidentHistory(orgId: incident.orgId, incidentId: incident.incidentId, detail: detail)
    try records.drain(IncidentKey.partition(of: key, level: 0, count: records.count), keeping: true) { bytes in
      try SpillRecord.forEachRecord(in: bytes) { record in
        guard try SpillRecord.incidentKey(of: record) == key else { return }
        let event = try SpillRecord.decode(record)
        guard event.incident == incident, reused[event.origin] == nil else { return }
        history.append(preparation.historyEntry(of: event, requestCountsWithin: requestCountsWithin))
      }
    }
    return history.count > 0 ? history.replay().snapshot : nil
  }

}

extension PartitionReplay {
  /// Moves partition `index`'s records into `count` new partitions by their incident's hash at `level`, all on disk.
  private func split(_ index: Int, of partitions: SpillPartitions, level: Int, count: Int) throws -> SpillPartitions {
    let budget = MemoryBudget(limit: max(1 << 16, partitionLimit / 4))
    let parts = SpillPartitions(count: count, name: "\(partitions.name)-\(index)", directory: directory, budget: budget)
    try partitions.drain(index) { bytes in
      var chunks = [ByteWriter](repeating: ByteWriter(), count: count)
      let used = try SpillRecord.forEachRecord(in: bytes) { record in
        let part = IncidentKey.partition(of: try SpillRecord.incidentKey(of: record), level: level, count: count)
        SpillRecord.appendFramed(record, to: &chunks[part])
      }
      if parts.append(chunks.map(\.bytes)) { parts.spill() }
      return used
    }
    parts.spill()
    try parts.check()
    return parts
  }
}

extension Preparation {
  /// What a history keeps of `event`: at the detail asked for its incident and time, request counts outside `requestCountsWithin` left out.
  func historyEntry(of event: PreparedEvent, requestCountsWithin: Interval?) -> IncidentHistory.Entry {
    var entry = event.entry(detail: detail(for: event.incident.incidentId, at: event.ts))
    if let window = requestCountsWithin { entry.leaveOutRequestCounts(outside: window) }
    return entry
  }
}

extension PreparedEvent {
  /// The event's id when it was kept (whole events, and compact ones that figures cite); else "".
  fileprivate var citedId: String {
    switch content {
    case .compact(_, let eventId, _, _): eventId
    case .event(let event, _): event.id
    }
  }
}

/// A partition's histories, found by the incident's 64-bit key hash (carried in each record) before its strings.
///
/// Hashing two strings for every event was a tenth of a replay; the key is already there.
private struct IncidentHistories {
  private var byKey: [Int: Int] = [:]
  /// Incidents whose key another incident of the partition already has (a hash collision): by name.
  private var collided: [IncidentRef: Int] = [:]
  private(set) var all: [(incident: IncidentRef, history: IncidentHistory)] = []

  mutating func append(_ entry: IncidentHistory.Entry, to incident: IncidentRef, key: Int, detail: EventDetail) {
    if let index = byKey[key] {
      if all[index].incident == incident {
        all[index].history.append(entry)
        return
      }
      if let other = collided[incident] {
        all[other].history.append(entry)
        return
      }
      collided[incident] = all.count
    } else {
      byKey[key] = all.count
    }
    var history = IncidentHistory(orgId: incident.orgId, incidentId: incident.incidentId, detail: detail)
    history.append(entry)
    all.append((incident, history))
  }
}
