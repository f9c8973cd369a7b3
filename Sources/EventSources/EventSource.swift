import Glibc
public import IncidentModel

/// Something that yields IncidentEvents in source order: JSON Lines files, a database table.
///
/// A source decodes what it can and hands every record either to `event` or,
/// when the record is broken, to `broken`, with the record's origin. It never
/// drops a record silently and never stops at a broken one: deciding that is
/// the loader's job (`--strict`).
public protocol EventSource {
  /// Reads every record once, in source order.
  func read(
    event: (IncidentEvent, EventOrigin) throws -> Void,
    broken: (EventOrigin, EventDecodingError) throws -> Void
  ) throws

  /// Reads every record once, transforming each event; delivery is in source order.
  ///
  /// A source that can decode on several threads runs `transform` on them.
  func read<Value: Sendable>(
    threads: Int,
    transform: @escaping @Sendable (IncidentEvent, EventOrigin) -> Value,
    value: (Value) throws -> Void,
    broken: (EventOrigin, EventDecodingError) throws -> Void
  ) throws

  /// Reads every record once, handing each prepared event to `sink` (from any thread) and
  /// reporting to `notice`, in source order, what the loader counts and diagnoses.
  func read(threads: Int, preparation: Preparation, into sink: some PreparedEventSink, notice: (LoadNotice) throws -> Void) throws

  /// Where a record is, for messages: `FILE:LINE`, or a table row.
  func location(of origin: EventOrigin) -> String

  /// How ``read(threads:preparation:into:notice:)`` hands events to its sink.
  var deliveryOrder: DeliveryOrder { get }
}

/// How a source hands its prepared events to the loader's sink, which decides how the loader holds them.
public enum DeliveryOrder: Sendable, Equatable {
  /// From any thread, in any order: the loader partitions them by incident (spilling past its memory limit)
  /// and searches the ids for one used under two incidents.
  case unordered
  /// From one thread in source order, each incident's events together, and no event id under two incidents
  /// (a unique constraint on the id guarantees it): the loader replays each incident as soon as the next begins.
  case groupedByIncident
}

extension EventSource {
  public var deliveryOrder: DeliveryOrder { .unordered }
}

/// JSON Lines files (plain or gzip-compressed) and standard input (`-`), read in the order given.
public struct JSONLinesSource: EventSource {
  public let paths: [String]
  /// Events outside the filter are read, then passed over.
  public let filter: EventFilter

  /// Bytes read at a time, handed to one decoding thread (smaller in tests, to cut many batches).
  var batchSize = LineReader.defaultBatchSize
  /// Whether each input's SHA-256 is computed as it is read (``InputFacts/sha256``): a report's provenance
  /// names what it was made from; other commands need not pay for it.
  public var digestsInputs = false
  /// Counts the bytes read, for a progress line.
  public var progress: ReadProgress?

  public init(paths: [String], filter: EventFilter = EventFilter()) {
    self.paths = paths
    self.filter = filter
  }

  public func read(
    event: (IncidentEvent, EventOrigin) throws -> Void,
    broken: (EventOrigin, EventDecodingError) throws -> Void
  ) throws {
    try read(threads: 1, transform: { ($0, $1) }, value: { try event($0.0, $0.1) }, broken: broken)
  }

  public func location(of origin: EventOrigin) -> String {
    let index = Int(origin.input)
    let name = paths.indices.contains(index) ? displayName(paths[index]) : "input \(index + 1)"
    return "\(name):\(origin.record)"
  }

  func displayName(_ path: String) -> String { path == "-" ? "<stdin>" : path }

  /// The inputs' size as stored, when every one is a regular file (not standard input or a pipe).
  public var storedSize: Int? {
    var total = 0
    for path in paths {
      guard let size = Self.storedSize(of: path) else { return nil }
      total += size
    }
    return total
  }

  /// The size of `path` when it is a regular file; nil for standard input (`-`), a pipe or a device.
  public static func storedSize(of path: String) -> Int? {
    guard path != "-" else { return nil }
    var info = stat()
    guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
    return Int(info.st_size)
  }
}

/// One problem found in the input: a skipped record, or a warning about one that was kept.
public struct InputDiagnostic: Sendable, Hashable, CustomStringConvertible {
  public enum Kind: Sendable, Hashable {
    /// A record that could not be decoded; it was skipped.
    case broken(EventDecodingError.Kind)
    /// An event whose id was seen before with other content; it was skipped.
    case conflictingDuplicate
    /// An event of a type this toolkit does not know; kept, but ignored by replay.
    case unknownType
    /// An incident whose INCIDENT_CREATED is not in the stream; replayed from its other events.
    case missingCreation

    /// Whether the record was left out of the replay.
    public var isSkip: Bool {
      switch self {
      case .broken, .conflictingDuplicate: true
      case .unknownType, .missingCreation: false
      }
    }

    /// A short label for summaries.
    public var label: String {
      switch self {
      case .broken(let kind): kind.rawValue
      case .conflictingDuplicate: "conflicting duplicate"
      case .unknownType: "unknown event type"
      case .missingCreation: "no INCIDENT_CREATED"
      }
    }
  }

  /// `FILE:LINE`, a table row, or an incident.
  public var location: String
  public var kind: Kind
  public var message: String
  /// The record's place in the input, when the diagnostic is about one record.
  public var origin: EventOrigin?

  public init(location: String, kind: Kind, message: String, origin: EventOrigin? = nil) {
    self.location = location
    self.kind = kind
    self.message = message
    self.origin = origin
  }

  /// One line: `FILE:LINE: reason` for a skipped record, `FILE:LINE: warning: ...` otherwise.
  public var description: String {
    kind.isSkip ? "\(location): \(message)" : "\(location): warning: \(message)"
  }
}
