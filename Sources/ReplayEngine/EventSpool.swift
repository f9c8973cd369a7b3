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
    records = SpillPartitions(count: partitions, name: "records", directory: directory, budget: budget)
    // Id entries are sorted a partition at a time: more, smaller partitions keep that sort small at any input size.
    ids = SpillPartitions(count: partitions * 4, name: "ids", directory: directory, budget: budget)
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
    var recordChunks = [ByteWriter](repeating: ByteWriter(), count: records.count)
    var idChunks = [ByteWriter](repeating: ByteWriter(), count: ids.count)
    for event in events {
      let key = IncidentKey.hash(event.incident)
      SpillRecord.append(event, incidentKey: key, to: &recordChunks[IncidentKey.partition(of: key, level: 0, count: records.count)])
      let idHash = event.idHash
      ReusedIds.append(
        idHash: idHash, incidentKey: key, origin: event.origin, to: &idChunks[ReusedIds.partition(of: idHash, count: ids.count)])
    }
    let recordsOver = records.append(recordChunks.map(\.bytes))
    let idsOver = ids.append(idChunks.map(\.bytes))
    if recordsOver || idsOver { spill() }
  }

  /// Writes everything held to the partitions' files.
  func spill() {
    records.spill()
    ids.spill()
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
