public import IncidentModel
import Synchronization

/// The incident an event belongs to.
public struct IncidentRef: Hashable, Comparable, Sendable {
  public var orgId: String
  public var incidentId: String

  public init(orgId: String, incidentId: String) {
    self.orgId = orgId
    self.incidentId = incidentId
  }

  public static func < (lhs: IncidentRef, rhs: IncidentRef) -> Bool {
    (lhs.orgId, lhs.incidentId) < (rhs.orgId, rhs.incidentId)
  }
}

/// What a loader keeps of one event, made ready on the thread that decoded it.
public struct PreparedEvent: Sendable {
  var incident: IncidentRef
  /// Set for events of an unknown type (named in a warning).
  var unknownType: (type: String, eventId: String)?
  var entry: IncidentHistory.Entry
}

/// How a loader wants events prepared.
public struct Preparation: Sendable {
  /// How much of each event to keep.
  public var detail: EventDetail
  /// An incident whose events are kept whole whatever ``detail`` says.
  public var wholeEventsOf: String?
  /// Which incidents to keep; events of the others are read and counted, then passed over.
  public var include: @Sendable (IncidentRef) -> Bool

  public init(
    detail: EventDetail, wholeEventsOf: String? = nil, include: @escaping @Sendable (IncidentRef) -> Bool = { _ in true }
  ) {
    self.detail = detail
    self.wholeEventsOf = wholeEventsOf
    self.include = include
  }

  /// The detail to keep for events of `incidentId`.
  func detail(for incidentId: String) -> EventDetail {
    incidentId == wholeEventsOf ? .full : detail
  }

  /// Prepares a decoded event; nil when its incident is not included.
  func prepare(_ event: IncidentEvent, origin: EventOrigin, digest: Int?) -> PreparedEvent? {
    let incident = IncidentRef(orgId: event.orgId, incidentId: event.incidentId)
    guard include(incident) else { return nil }
    var unknownType: (String, String)?
    if case .unknown(let type, _) = event.payload { unknownType = (type, event.id) }
    return PreparedEvent(
      incident: incident, unknownType: unknownType,
      entry: IncidentHistory.Entry(event, origin: origin, detail: detail(for: event.incidentId), digest: digest))
  }
}

/// What a loader must see of a source's records, in source order; the events themselves go to ``HistoryPartitions``.
public enum LoadNotice: Sendable {
  /// This many events decoded, kept or of incidents the preparation leaves out.
  case events(Int)
  /// A kept event of a type this toolkit does not know.
  case unknownType(type: String, eventId: String, origin: EventOrigin)
  /// A record that could not be decoded.
  case broken(EventOrigin, EventDecodingError)
}

/// The histories of a load, split by incident over a few locked partitions, so the
/// threads that decode events add them directly and the reading thread only reports.
///
/// An incident's events may arrive in any order and from any thread: a history
/// replays them in `(ts, origin)` order whatever the order of arrival.
public final class HistoryPartitions: Sendable {
  private final class Partition: Sendable {
    let histories = Mutex<[IncidentRef: IncidentHistory]>([:])
  }

  private let partitions: [Partition]
  private let preparation: Preparation
  private let requestCountsWithin: Interval?

  init(count: Int, preparation: Preparation, requestCountsWithin: Interval?) {
    partitions = (0..<max(1, count)).map { _ in Partition() }
    self.preparation = preparation
    self.requestCountsWithin = requestCountsWithin
  }

  /// Adds one event; from any thread.
  public func add(_ event: PreparedEvent) {
    partitions[partition(of: event.incident)].histories.withLock { insert(event, into: &$0) }
  }

  /// Adds events, taking each partition's lock once; from any thread.
  public func add(_ events: [PreparedEvent]) {
    guard partitions.count > 1 else {
      partitions[0].histories.withLock { histories in for event in events { insert(event, into: &histories) } }
      return
    }
    var byPartition = [[Int32]](repeating: [], count: partitions.count)
    for (index, event) in events.enumerated() { byPartition[partition(of: event.incident)].append(Int32(index)) }
    for (partition, indices) in byPartition.enumerated() where !indices.isEmpty {
      partitions[partition].histories.withLock { histories in
        for index in indices { insert(events[Int(index)], into: &histories) }
      }
    }
  }

  /// Every history with its incident, in `(orgId, incidentId)` order; the partitions are left empty.
  func takeAll() -> (keys: [IncidentRef], histories: [IncidentHistory]) {
    var all = partitions.map { partition in
      partition.histories.withLock { histories in
        let taken = histories
        histories = [:]
        return taken
      }
    }
    var keys: [(key: IncidentRef, partition: Int)] = []
    keys.reserveCapacity(all.reduce(0) { $0 + $1.count })
    for (partition, histories) in all.enumerated() { keys += histories.keys.map { ($0, partition) } }
    keys.sort { $0.key < $1.key }
    var ordered: [IncidentHistory] = []
    ordered.reserveCapacity(keys.count)
    for (key, partition) in keys { if let history = all[partition].removeValue(forKey: key) { ordered.append(history) } }
    return (keys.map(\.key), ordered)
  }

  private func partition(of incident: IncidentRef) -> Int {
    guard partitions.count > 1 else { return 0 }
    // The id alone, by the byte hash: cheaper than hashing both strings again, and as well spread.
    var id = incident.incidentId
    let hash = id.withUTF8 { ContentHash.of(UnsafeRawBufferPointer($0)) }
    return Int(UInt(bitPattern: hash) % UInt(partitions.count))
  }

  private func insert(_ event: PreparedEvent, into histories: inout [IncidentRef: IncidentHistory]) {
    var entry = event.entry
    if let window = requestCountsWithin { entry.leaveOutRequestCounts(outside: window) }
    let key = event.incident
    histories[key, default: IncidentHistory(orgId: key.orgId, incidentId: key.incidentId, detail: preparation.detail(for: key.incidentId))]
      .append(entry)
  }
}

extension EventSource {
  /// Reads every record, adding each prepared event to `histories` and reporting what the loader must see.
  ///
  /// This default decodes whole events (on the threads ``read(threads:transform:value:broken:)`` uses)
  /// and adds them on the calling thread; JSON Lines reads the frequent kinds straight into their
  /// compact form and adds them on its decoding threads.
  public func read(
    threads: Int, preparation: Preparation, into histories: HistoryPartitions, notice: (LoadNotice) throws -> Void
  ) throws {
    try read(
      threads: threads, transform: { event, origin in preparation.prepare(event, origin: origin, digest: nil) },
      value: { prepared in
        try notice(.events(1))
        guard let prepared else { return }
        if let (type, eventId) = prepared.unknownType {
          try notice(.unknownType(type: type, eventId: eventId, origin: prepared.entry.origin))
        }
        histories.add(prepared)
      },
      broken: { origin, error in try notice(.broken(origin, error)) })
  }
}

/// What a batch of lines gave, for the reading thread: diagnostics in line order and a count.
private struct BatchNotices: Sendable {
  var events = 0
  var notices: [LoadNotice] = []
}

extension JSONLinesSource {
  /// Reads the files, preparing events and adding them to `histories` on up to `threads` threads.
  ///
  /// Dedupe compares the content of events by their line's ``ContentDigest``,
  /// whichever decoder read them.
  public func read(
    threads: Int, preparation: Preparation, into histories: HistoryPartitions, notice: (LoadNotice) throws -> Void
  ) throws {
    let filter = self.filter
    try readBatches(
      threads: threads,
      process: { batch, input in
        var result = BatchNotices()
        var prepared: [PreparedEvent] = []
        prepared.reserveCapacity(Int(batch.lineCount))
        batch.forEachLine { line, number in
          if line.isBlank { return }
          let origin = EventOrigin(input: input, record: number)
          switch Self.prepare(line, origin: origin, filter: filter, preparation: preparation) {
          case nil: break
          case .broken(let origin, let error)?: result.notices.append(.broken(origin, error))
          case .value(let event)?:
            result.events += 1
            guard let event else { return }
            if let (type, eventId) = event.unknownType {
              result.notices.append(.unknownType(type: type, eventId: eventId, origin: origin))
            }
            prepared.append(event)
          }
        }
        histories.add(prepared)
        return result
      },
      deliver: { batch in
        if batch.events > 0 { try notice(.events(batch.events)) }
        for entry in batch.notices { try notice(entry) }
      })
  }

  /// Reads the files, preparing each event on up to `threads` threads, and delivers them in line order.
  ///
  /// `value` receives nil for an event of an incident the preparation leaves out. (The
  /// loader uses ``read(threads:preparation:into:notice:)``; this measures decoding alone.)
  public func readPrepared(
    threads: Int, preparation: Preparation,
    value: (PreparedEvent?) throws -> Void,
    broken: (EventOrigin, EventDecodingError) throws -> Void
  ) throws {
    let filter = self.filter
    try readLines(
      threads: threads,
      decode: { line, origin in Self.prepare(line, origin: origin, filter: filter, preparation: preparation) },
      value: value, broken: broken)
  }

  /// One line prepared: by the compact decoder when it can, else by the event decoder; nil when filtered out.
  private static func prepare(
    _ line: UnsafeBufferPointer<UInt8>, origin: EventOrigin, filter: EventFilter, preparation: Preparation
  ) -> DecodedRecord<PreparedEvent?>? {
    switch CompactDecoder.decode(line, origin: origin, filter: filter, preparation: preparation) {
    case .prepared(let prepared): return .value(prepared)
    case .excluded: return .value(nil)
    case .filteredOut: return nil
    case .needsEventDecoder: break
    }
    do throws(EventDecodingError) {
      let event = try EventDecoder.decode(line: line)
      guard filter.isEmpty || filter.matches(event) else { return nil }
      let digest = ContentDigest.of(line: line)
      return .value(preparation.prepare(event, origin: origin, digest: digest))
    } catch {
      return .broken(origin, error)
    }
  }
}
