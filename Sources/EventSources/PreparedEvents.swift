public import IncidentModel

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

/// One decoded event on its way to the loader: what replay needs of it, made on the thread that decoded it.
///
/// The frequent kinds come straight from the line in their compact form; every
/// other event comes whole. The loader decides how to hold it (in memory or in a
/// temporary file) and how to replay it.
public struct PreparedEvent: Sendable {
  public var incident: IncidentRef
  public var origin: EventOrigin
  /// Identity of the event's content for dedupe (see ``ContentDigest``); the same rule for every record of a source.
  public var digest: Int
  public var content: Content

  /// An event in compact form, or whole.
  public enum Content: Sendable {
    /// `eventId` is empty unless figures cite the event (``CompactChange/citesEvent``);
    /// `idHash` is ``ContentHash/of(_:)`` of the id's bytes either way.
    case compact(ts: Timestamp, eventId: String, idHash: Int, change: CompactChange)
    /// `line` is the JSON line it was decoded from, when the source has one (a loader may keep it instead of the event).
    case event(IncidentEvent, line: [UInt8]?)
  }

  public init(incident: IncidentRef, origin: EventOrigin, digest: Int, content: Content) {
    self.incident = incident
    self.origin = origin
    self.digest = digest
    self.content = content
  }

  /// The type and id of an event of a type this toolkit does not know (named in a warning); else nil.
  public var unknownType: (type: String, eventId: String)? {
    guard case .event(let event, _) = content, case .unknown(let type, _) = event.payload else { return nil }
    return (type, event.id)
  }

  /// The event's time.
  public var ts: Timestamp {
    switch content {
    case .compact(let ts, _, _, _): ts
    case .event(let event, _): event.ts
    }
  }

  /// ``ContentHash/of(_:)`` of the event id's bytes: the identity dedupe compares.
  public var idHash: Int {
    switch content {
    case .compact(_, _, let idHash, _): return idHash
    case .event(let event, _):
      var id = event.id
      return id.withUTF8 { ContentHash.of(UnsafeRawBufferPointer($0)) }
    }
  }
}

/// An event of another shard than the one a load reads: only what finding a reused id needs.
///
/// An id used under two incidents is a conflict wherever they are; when the incidents fall in
/// different shards, each shard must still see the other's use to skip the same event as one
/// run over everything would. So a sharded read hands these to its sink too.
public struct OtherShardEvent: Sendable {
  public var incident: IncidentRef
  public var origin: EventOrigin
  /// ``ContentHash/of(_:)`` of the id's bytes, as ``PreparedEvent/idHash``.
  public var idHash: Int

  public init(incident: IncidentRef, origin: EventOrigin, idHash: Int) {
    self.incident = incident
    self.origin = origin
    self.idHash = idHash
  }
}

/// How a loader wants events prepared.
public struct Preparation: Sendable {
  /// How much of each event to keep.
  public var detail: EventDetail
  /// An incident whose events are kept whole whatever ``detail`` says.
  public var wholeEventsOf: String?
  /// Which incidents to keep; events of the others are read and counted, then passed over.
  public var include: @Sendable (IncidentRef) -> Bool
  /// Events whose time is inside this interval are kept whole, whatever ``detail`` says (a report's Timeline).
  public var wholeEventsWithin: Interval?

  public init(
    detail: EventDetail, wholeEventsOf: String? = nil, wholeEventsWithin: Interval? = nil,
    include: @escaping @Sendable (IncidentRef) -> Bool = { _ in true }
  ) {
    self.detail = detail
    self.wholeEventsOf = wholeEventsOf
    self.wholeEventsWithin = wholeEventsWithin
    self.include = include
  }

  /// The detail a history of `incidentId` keeps.
  public func detail(for incidentId: String) -> EventDetail {
    incidentId == wholeEventsOf || wholeEventsWithin != nil ? .full : detail
  }

  /// The detail to keep of one event of `incidentId` at `ts`.
  public func detail(for incidentId: String, at ts: Timestamp) -> EventDetail {
    if incidentId == wholeEventsOf { return .full }
    if let within = wholeEventsWithin, within.start <= ts && ts < within.end { return .full }
    return detail
  }

  /// Prepares a decoded event; nil when its incident is not included.
  ///
  /// Without a `digest` from the source, the event's own hash stands for its content (stable within a run).
  func prepare(_ event: IncidentEvent, origin: EventOrigin, digest: Int?, line: UnsafeBufferPointer<UInt8>? = nil) -> PreparedEvent? {
    let incident = IncidentRef(orgId: event.orgId, incidentId: event.incidentId)
    guard include(incident) else { return nil }
    let digest = digest ?? event.hashValue
    // Kept in compact form where it has one and is not wanted whole: a few dozen bytes instead of the event.
    if detail(for: event.incidentId, at: event.ts) == .analytics, let change = CompactChange(event) {
      var id = event.id
      let idHash = id.withUTF8 { ContentHash.of(UnsafeRawBufferPointer($0)) }
      return PreparedEvent(
        incident: incident, origin: origin, digest: digest,
        content: .compact(ts: event.ts, eventId: change.citesEvent ? event.id : "", idHash: idHash, change: change))
    }
    return PreparedEvent(incident: incident, origin: origin, digest: digest, content: .event(event, line: line.map(Array.init)))
  }
}

/// What a loader must see of a source's records, in source order; the events themselves go to a ``PreparedEventSink``.
public enum LoadNotice: Sendable {
  /// This many events decoded, kept or of incidents the preparation leaves out.
  case events(Int)
  /// A kept event of a type this toolkit does not know.
  case unknownType(type: String, eventId: String, origin: EventOrigin)
  /// A record that could not be decoded.
  case broken(EventOrigin, EventDecodingError)
  /// An input was read to its end (after every notice of its records).
  case inputRead(InputFacts)
}

/// What was read of one input of a JSON Lines source, for a report's provenance.
public struct InputFacts: Sendable, Hashable, Codable {
  /// The 0-based position of the input in the source.
  public var input: Int
  /// The file as named, `-` for standard input.
  public var name: String
  /// Lines, blank ones included, after decompression.
  public var lines: Int
  /// Events decoded from it (of this shard, and that the source's filter kept).
  public var events: Int
  /// Bytes as stored: compressed, for a gzip file.
  public var bytes: Int
  /// SHA-256 of those bytes, hex, where the source was asked for digests.
  public var sha256: String?

  public init(input: Int, name: String, lines: Int, events: Int, bytes: Int, sha256: String?) {
    self.input = input
    self.name = name
    self.lines = lines
    self.events = events
    self.bytes = bytes
    self.sha256 = sha256
  }
}

/// Where a source puts the events it prepared: the loader's partitions.
///
/// Called from any of the decoding threads, in no particular order: a history
/// replays its events in `(ts, origin)` order whatever the order of arrival.
public protocol PreparedEventSink: Sendable {
  /// Takes a batch of prepared events.
  func add(_ events: [PreparedEvent])

  /// Takes a batch of events of other shards (a sharded read of a source that reads every record).
  func add(otherShards events: [OtherShardEvent])
}

extension PreparedEventSink {
  /// Passes them over: a sink that replays incidents as they arrive never sees a reused id across them.
  public func add(otherShards events: [OtherShardEvent]) {}
}

extension EventSource {
  /// Reads every record, handing each prepared event to `sink` and reporting what the loader must see.
  ///
  /// This default decodes whole events (on the threads ``read(threads:transform:value:broken:)`` uses)
  /// and hands them over from the calling thread in batches; JSON Lines reads the frequent kinds
  /// straight into their compact form and hands them over from its decoding threads.
  public func read(
    threads: Int, preparation: Preparation, into sink: some PreparedEventSink, notice: (LoadNotice) throws -> Void
  ) throws {
    var batch: [PreparedEvent] = []
    let batchSize = 4096
    try read(
      threads: threads, transform: { event, origin in preparation.prepare(event, origin: origin, digest: nil) },
      value: { prepared in
        try notice(.events(1))
        guard let prepared else { return }
        if let (type, eventId) = prepared.unknownType {
          try notice(.unknownType(type: type, eventId: eventId, origin: prepared.origin))
        }
        batch.append(prepared)
        if batch.count >= batchSize {
          sink.add(batch)
          batch.removeAll(keepingCapacity: true)
        }
      },
      broken: { origin, error in try notice(.broken(origin, error)) })
    if !batch.isEmpty { sink.add(batch) }
  }
}

/// What a batch of lines gave, for the reading thread: diagnostics in line order and a count.
private struct BatchNotices: Sendable {
  var input: Int32 = 0
  var events = 0
  var notices: [LoadNotice] = []
}

extension JSONLinesSource {
  /// Reads the files, preparing events and handing them to `sink` on up to `threads` threads.
  ///
  /// Dedupe compares the content of events by their line's ``ContentDigest``,
  /// whichever decoder read them.
  public func read(
    threads: Int, preparation: Preparation, into sink: some PreparedEventSink, notice: (LoadNotice) throws -> Void
  ) throws {
    let filter = self.filter
    var eventsByInput = [Int](repeating: 0, count: paths.count)
    try readBatches(
      threads: threads,
      process: { batch, input in
        var result = BatchNotices(input: input)
        var prepared: [PreparedEvent] = []
        var otherShards: [OtherShardEvent] = []
        prepared.reserveCapacity(Int(batch.lineCount))
        batch.forEachLine { line, number in
          if line.isBlank { return }
          let origin = EventOrigin(input: input, record: number)
          switch Self.prepare(line, origin: origin, filter: filter, preparation: preparation) {
          case .filteredOut: break
          case .otherShard(let event): otherShards.append(event)
          case .record(.broken(let origin, let error)): result.notices.append(.broken(origin, error))
          case .record(.value(let event)):
            result.events += 1
            guard let event else { return }
            if let (type, eventId) = event.unknownType {
              result.notices.append(.unknownType(type: type, eventId: eventId, origin: origin))
            }
            prepared.append(event)
          }
        }
        sink.add(prepared)
        if !otherShards.isEmpty { sink.add(otherShards: otherShards) }
        return result
      },
      deliver: { batch in
        eventsByInput[Int(batch.input)] += batch.events
        if batch.events > 0 { try notice(.events(batch.events)) }
        for entry in batch.notices { try notice(entry) }
      },
      inputEnded: { ended in
        var facts = ended
        facts.events = eventsByInput[facts.input]
        try notice(.inputRead(facts))
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
      decode: { line, origin in
        guard case .record(let record) = Self.prepare(line, origin: origin, filter: filter, preparation: preparation) else {
          return nil
        }
        return record
      },
      value: value, broken: broken)
  }

  /// What one line gave.
  private enum PreparedLine {
    /// An event (nil when its incident is left out by the preparation), or a broken record.
    case record(DecodedRecord<PreparedEvent?>)
    /// An event of another shard, whose id the load still sees.
    case otherShard(OtherShardEvent)
    case filteredOut
  }

  /// One line prepared: by the compact decoder when it can, else by the event decoder.
  private static func prepare(
    _ line: UnsafeBufferPointer<UInt8>, origin: EventOrigin, filter: EventFilter, preparation: Preparation
  ) -> PreparedLine {
    switch CompactDecoder.decode(line, origin: origin, filter: filter, preparation: preparation) {
    case .prepared(let prepared): return .record(.value(prepared))
    case .excluded: return .record(.value(nil))
    case .filteredOut: return .filteredOut
    case .otherShard(let event): return .otherShard(event)
    case .needsEventDecoder: break
    }
    do throws(EventDecodingError) {
      let event = try EventDecoder.decode(line: line)
      guard filter.isEmpty || filter.matches(event) else {
        let incident = IncidentRef(orgId: event.orgId, incidentId: event.incidentId)
        guard filter.isInOtherShard(event), preparation.include(incident) else { return .filteredOut }
        var id = event.id
        let idHash = id.withUTF8 { ContentHash.of(UnsafeRawBufferPointer($0)) }
        return .otherShard(OtherShardEvent(incident: incident, origin: origin, idHash: idHash))
      }
      let digest = ContentDigest.of(line: line)
      return .record(.value(preparation.prepare(event, origin: origin, digest: digest, line: line)))
    } catch {
      return .record(.broken(origin, error))
    }
  }
}
