import IncidentModel

/// Event ids used under two different incidents, found in bounded memory.
///
/// Dedupe inside an incident happens when it is replayed. An id repeated under
/// another incident cannot be seen there, so every kept event leaves a 24-byte
/// entry (id hash, incident hash, origin) in partitions split by id; each of them
/// is searched on its own, and every event whose id was first read (lowest origin)
/// under another incident is a conflict: it is skipped, as `events.md` says of the
/// same id with other content. Ids compare by their 64-bit ``ContentHash``, as within an incident.
enum ReusedIds {
  private static let entrySize = 24

  static func partition(of idHash: Int, count: Int) -> Int {
    IncidentKey.partition(of: idHash, level: 7, count: count)
  }

  static func append(idHash: Int, incidentKey: Int, origin: EventOrigin, to writer: inout ByteWriter) {
    writer.fixed(idHash)
    writer.fixed(incidentKey)
    writer.fixed(Int(truncatingIfNeeded: pack(origin)))
  }

  /// The origins of the events to skip, each with the origin of the event that kept its id.
  ///
  /// A partition of more than `partitionLimit` bytes is split by id first (on disk, under `directory`),
  /// so what one thread holds stays the same however many events the input has.
  static func find(
    in ids: SpillPartitions, threads: Int, partitionLimit: Int, directory: SpillDirectory
  ) throws -> [EventOrigin: EventOrigin] {
    let found = try ParallelWork.mapThrowing(ids.count, threads: threads) { index in
      try reused(in: ids, partition: index, level: 0, limit: max(entrySize * 1024, partitionLimit), directory: directory)
    }
    return found.reduce(into: [:]) { all, part in all.merge(part, uniquingKeysWith: { first, _ in first }) }
  }

  /// How many times a partition is split before it is searched whatever its size.
  private static var maximumSplits: Int { 3 }

  private static func reused(
    in ids: SpillPartitions, partition: Int, level: Int, limit: Int, directory: SpillDirectory
  ) throws -> [EventOrigin: EventOrigin] {
    let size = ids.size(of: partition)
    guard size > limit && level < maximumSplits else { return try reused(in: ids, partition: partition) }
    // Every entry of one id goes to the same part, so each part is searched on its own.
    let count = min(64, 2 * (size / limit) + 2)
    let parts = SpillPartitions(
      count: count, name: "\(ids.name)-\(partition)", directory: directory, budget: MemoryBudget(limit: max(1 << 16, limit / 4)))
    try ids.drain(partition) { bytes in
      let whole = bytes.count - bytes.count % entrySize
      var chunks = [[UInt8]](repeating: [], count: count)
      for offset in stride(from: 0, to: whole, by: entrySize) {
        let idHash = Int(Int64(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))))
        let part = IncidentKey.partition(of: idHash, level: 8 + level, count: count)
        chunks[part].append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + entrySize]))
      }
      if parts.append(chunks) { parts.spill() }
      return whole
    }
    parts.spill()
    try parts.check()
    var found: [EventOrigin: EventOrigin] = [:]
    for part in 0..<count {
      found.merge(
        try reused(in: parts, partition: part, level: level + 1, limit: limit, directory: directory),
        uniquingKeysWith: { first, _ in first })
    }
    return found
  }

  private struct Entry {
    var idHash: Int
    var incidentKey: Int
    var origin: UInt64
  }

  private static func reused(in ids: SpillPartitions, partition: Int) throws -> [EventOrigin: EventOrigin] {
    var entries: [Entry] = []
    entries.reserveCapacity(ids.size(of: partition) / entrySize)
    try ids.drain(partition) { bytes in
      var reader = ByteReader(bytes)
      let whole = bytes.count - bytes.count % entrySize
      while reader.offset < whole {
        entries.append(
          Entry(idHash: try reader.fixed(), incidentKey: try reader.fixed(), origin: UInt64(bitPattern: Int64(try reader.fixed()))))
      }
      return whole
    }
    // Per id, the first read (lowest origin) and whether any copy names another incident: one hash
    // lookup per entry, where sorting the partition cost a tenth more. Almost every id is read once.
    struct First {
      var origin: UInt64
      var incidentKey: Int
      var reused = false
    }
    var firsts: [Int: First] = [:]
    firsts.reserveCapacity(entries.count)
    for entry in entries {
      guard var first = firsts[entry.idHash] else {
        firsts[entry.idHash] = First(origin: entry.origin, incidentKey: entry.incidentKey)
        continue
      }
      if first.incidentKey != entry.incidentKey { first.reused = true }
      if entry.origin < first.origin {
        first.origin = entry.origin
        first.incidentKey = entry.incidentKey
      }
      firsts[entry.idHash] = first
    }
    var skipped: [EventOrigin: EventOrigin] = [:]
    for entry in entries {
      guard let first = firsts[entry.idHash], first.reused, entry.incidentKey != first.incidentKey else { continue }
      skipped[unpack(entry.origin)] = unpack(first.origin)
    }
    return skipped
  }

  private static func pack(_ origin: EventOrigin) -> UInt64 { UInt64(origin.input) << 44 | UInt64(origin.record) }
  private static func unpack(_ packed: UInt64) -> EventOrigin {
    EventOrigin(input: Int32(packed >> 44), record: Int64(packed & ((1 << 44) - 1)))
  }
}
