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

extension EventSource {
  /// Reads every record, preparing each event for the loader, in source order.
  ///
  /// `value` receives nil for an event of an incident the preparation leaves out.
  /// This default decodes whole events; JSON Lines reads the frequent kinds straight into their compact form.
  public func readPrepared(
    threads: Int, preparation: Preparation,
    value: (PreparedEvent?) throws -> Void,
    broken: (EventOrigin, EventDecodingError) throws -> Void
  ) throws {
    try read(
      threads: threads, transform: { event, origin in preparation.prepare(event, origin: origin, digest: nil) }, value: value,
      broken: broken)
  }
}

extension JSONLinesSource {
  /// Reads the files, preparing events on up to `threads` threads.
  ///
  /// Dedupe compares the content of events by their line's ``ContentDigest``,
  /// whichever decoder read them.
  public func readPrepared(
    threads: Int, preparation: Preparation,
    value: (PreparedEvent?) throws -> Void,
    broken: (EventOrigin, EventDecodingError) throws -> Void
  ) throws {
    let filter = self.filter
    try readLines(
      threads: threads,
      decode: { line, origin -> DecodedRecord<PreparedEvent?>? in
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
      }, value: value, broken: broken)
  }
}
