import EventSources
import IncidentModel

/// Where a source's prepared events go: split by incident over partitions of records, which spill past the memory limit.
///
/// Every event of an incident lands in the same partition, so dedupe, ordering and
/// replay stay within one; beside each record goes a fixed-size entry, split by
/// event id instead, from which ``ReusedIds`` finds an id used under two incidents.
final class EventSpool: PreparedEventSink {
  let records: SpillPartitions
  let ids: SpillPartitions

  /// The orgs of the events added, when asked for (to find an incident by id alone, see ``IncidentLoader``).
  private let orgs: Locked<Set<String>>?

  init(partitions: Int, directory: SpillDirectory, budget: MemoryBudget, tracksOrgs: Bool = false) {
    // A record takes some 100 bytes and its id entry some 25: the budget is shared in that proportion.
    records = SpillPartitions(count: partitions, name: "records", directory: directory, budget: budget, shareOfBudget: 0.8)
    // Id entries are sorted a partition at a time: more, smaller partitions keep that sort small at any input size.
    ids = SpillPartitions(count: partitions * 4, name: "ids", directory: directory, budget: budget, shareOfBudget: 0.2)
    orgs = tracksOrgs ? Locked([]) : nil
  }

  /// The orgs seen, sorted; empty unless tracked.
  var orgsSeen: [String] { orgs?.withLock { $0.sorted() } ?? [] }

  func add(_ events: [PreparedEvent]) {
    guard !events.isEmpty else { return }
    if let orgs {
      let seen = Set(events.map(\.incident.orgId))
      orgs.withLock { $0.formUnion(seen) }
    }
    // Each record is written straight into its partition's buffer, a partition at a time.
    let keys = events.map { IncidentKey.hash($0.incident) }
    var passed = false
    for (partition, members) in Self.grouped(
      keys.map { IncidentKey.partition(of: $0, level: 0, count: records.count) }, count: records.count)
    {
      passed =
        records.append(to: partition) { writer in
          for index in members { SpillRecord.append(events[index], incidentKey: keys[index], to: &writer) }
        } || passed
    }
    let idHashes = events.map(\.idHash)
    for (partition, members) in Self.grouped(idHashes.map { ReusedIds.partition(of: $0, count: ids.count) }, count: ids.count) {
      passed =
        ids.append(to: partition) { writer in
          for index in members {
            ReusedIds.append(idHash: idHashes[index], incidentKey: keys[index], origin: events[index].origin, to: &writer)
          }
        } || passed
    }
    if passed { spill() }
  }

  /// Writes the id entries of events of other shards, so that an id they reuse is found here too.
  func add(otherShards events: [OtherShardEvent]) {
    let keys = events.map { IncidentKey.hash($0.incident) }
    var passed = false
    for (partition, members) in Self.grouped(events.map { ReusedIds.partition(of: $0.idHash, count: ids.count) }, count: ids.count) {
      passed =
        ids.append(to: partition) { writer in
          for index in members {
            ReusedIds.append(idHash: events[index].idHash, incidentKey: keys[index], origin: events[index].origin, to: &writer)
          }
        } || passed
    }
    if passed { spill() }
  }

  /// The indices of `partitions` grouped by partition, in index order within each (a counting sort).
  private static func grouped(_ partitions: [Int], count: Int) -> [(partition: Int, members: ArraySlice<Int>)] {
    var starts = [Int](repeating: 0, count: count + 1)
    for partition in partitions { starts[partition + 1] += 1 }
    for index in 0..<count { starts[index + 1] += starts[index] }
    var next = starts
    var order = [Int](repeating: 0, count: partitions.count)
    for (index, partition) in partitions.enumerated() {
      order[next[partition]] = index
      next[partition] += 1
    }
    return (0..<count).compactMap { partition in
      starts[partition] < starts[partition + 1] ? (partition, order[starts[partition]..<starts[partition + 1]]) : nil
    }
  }

  /// Writes everything held to the partitions' files; `releasingMemory` for the last time, before replay.
  func spill(releasingMemory: Bool = false) {
    records.spill(releasingMemory: releasingMemory)
    ids.spill(releasingMemory: releasingMemory)
  }

  func check() throws(SpillError) {
    try records.check()
    try ids.check()
  }

  var spilled: Bool { records.spilled || ids.spilled }
}

/// The stable hash of an incident's `(orgId, incidentId)` that places it in a partition.
///
/// Stable across runs and machines (it is ``ContentHash`` of the bytes), so a
/// partition holds the same incidents whatever the thread count or the order of the input.
enum IncidentKey {
  static func hash(_ incident: IncidentRef) -> Int {
    var org = incident.orgId
    var id = incident.incidentId
    let orgHash = org.withUTF8 { ContentHash.of(UnsafeRawBufferPointer($0)) }
    let idHash = id.withUTF8 { ContentHash.of(UnsafeRawBufferPointer($0)) }
    return Int(truncatingIfNeeded: (UInt64(bitPattern: Int64(orgHash)) &* 0x9E37_79B9_7F4A_7C15) ^ UInt64(bitPattern: Int64(idHash)))
  }

  /// The partition of `count` that `hash` falls in at split `level` (each level mixes the hash anew).
  static func partition(of hash: Int, level: Int, count: Int) -> Int {
    guard count > 1 else { return 0 }
    var mixed = UInt64(bitPattern: Int64(hash)) ^ (UInt64(level) &* 0xD6E8_FEB8_6659_FD93)
    mixed = (mixed ^ (mixed >> 31)) &* 0x94D0_49BB_1331_11EB
    mixed ^= mixed >> 29
    return Int(mixed % UInt64(count))
  }
}
