import EventSources
import IncidentModel

/// Bytes appended one value at a time: the compact form records take in partitions and temporary files.
///
/// Integers are LEB128 varints (zigzag for signed values), hashes eight fixed bytes,
/// strings a varint length then their UTF-8 bytes.
public struct ByteWriter: Sendable {
  public var bytes: [UInt8] = []

  public init() {}

  public mutating func varint(_ value: UInt64) {
    var value = value
    while value >= 0x80 {
      bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
      value >>= 7
    }
    bytes.append(UInt8(value))
  }

  public mutating func signed(_ value: Int64) { varint(UInt64(bitPattern: (value << 1) ^ (value >> 63))) }

  public mutating func fixed(_ value: Int) {
    withUnsafeBytes(of: UInt64(bitPattern: Int64(value)).littleEndian) { bytes.append(contentsOf: $0) }
  }

  public mutating func byte(_ value: UInt8) { bytes.append(value) }

  public mutating func string(_ text: String) {
    var text = text
    text.withUTF8 { utf8 in
      varint(UInt64(utf8.count))
      bytes.append(contentsOf: utf8)
    }
  }

  /// nil as 0, a string as its length plus one.
  public mutating func optionalString(_ text: String?) {
    guard var text else { return varint(0) }
    text.withUTF8 { utf8 in
      varint(UInt64(utf8.count) + 1)
      bytes.append(contentsOf: utf8)
    }
  }
}

/// Reads what a ``ByteWriter`` wrote.
///
/// The bytes are the engine's own, written in this run, so a mismatch is a bug: it
/// stops with ``SpillError/corrupt(_:)`` rather than guessing.
public struct ByteReader {
  let bytes: UnsafeRawBufferPointer
  var offset = 0

  public init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

  public var isAtEnd: Bool { offset >= bytes.count }

  public mutating func varint() throws(SpillError) -> UInt64 {
    var value: UInt64 = 0
    var shift: UInt64 = 0
    while true {
      guard offset < bytes.count, shift < 64 else { throw .corrupt("a varint runs past its record") }
      let byte = bytes[offset]
      offset += 1
      value |= UInt64(byte & 0x7F) << shift
      if byte < 0x80 { return value }
      shift += 7
    }
  }

  public mutating func signed() throws(SpillError) -> Int64 {
    let raw = try varint()
    return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
  }

  public mutating func fixed() throws(SpillError) -> Int {
    guard bytes.count - offset >= 8 else { throw .corrupt("a hash runs past its record") }
    let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    offset += 8
    return Int(Int64(bitPattern: word))
  }

  public mutating func byte() throws(SpillError) -> UInt8 {
    guard offset < bytes.count else { throw .corrupt("a byte runs past its record") }
    defer { offset += 1 }
    return bytes[offset]
  }

  mutating func raw(_ count: Int) throws(SpillError) -> UnsafeRawBufferPointer {
    guard count >= 0, bytes.count - offset >= count else { throw .corrupt("a string runs past its record") }
    defer { offset += count }
    return UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count])
  }

  public mutating func string() throws(SpillError) -> String {
    String(decoding: try raw(Int(try varint())), as: UTF8.self)
  }

  public mutating func optionalString() throws(SpillError) -> String? {
    let length = try varint()
    guard length > 0 else { return nil }
    return String(decoding: try raw(Int(length - 1)), as: UTF8.self)
  }
}

/// A problem with the engine's temporary files.
public enum SpillError: Error, Sendable, CustomStringConvertible {
  /// A temporary directory or file could not be made, written or read.
  case io(path: String, doing: String, reason: String)
  /// A spilled record did not read back as written.
  case corrupt(String)

  public var description: String {
    switch self {
    case .io(let path, let doing, let reason):
      "cannot \(doing) the temporary file \(path): \(reason) (set TMPDIR to a directory with room, or raise --memory-limit)"
    case .corrupt(let what):
      "a temporary record did not read back as written (\(what)); this is a bug, please report it"
    }
  }
}

/// One prepared event as bytes: its incident, origin and digest, then its change in compact form or the whole event as JSON.
///
/// The frequent kinds take a few dozen bytes; the rare, rich ones (creations,
/// updates, SLO records, tickets, unknown types, incidents kept whole) are written
/// as their JSON line and decoded again when replayed.
enum SpillRecord {
  private enum Tag: UInt8 {
    case event = 0, status, resolved, severity, tagAdded, tagRemoved, signal, note, action
  }

  private static let statuses = IncidentStatus.allCases
  private static let severities = Severity.allCases

  /// Appends `event`, framed by its length (four bytes, little-endian), to `body`.
  static func append(_ event: PreparedEvent, incidentKey: Int, to body: inout ByteWriter) {
    // A four-byte length, filled in once the record is written: no buffer of its own per record.
    let start = body.bytes.count
    body.bytes.append(contentsOf: [0, 0, 0, 0])
    body.fixed(incidentKey)
    body.varint(UInt64(event.origin.input))
    body.varint(UInt64(event.origin.record))
    body.fixed(event.digest)
    body.string(event.incident.orgId)
    body.string(event.incident.incidentId)
    switch event.content {
    case .event(let whole, let line):
      body.byte(Tag.event.rawValue)
      if let line {
        body.varint(UInt64(line.count))
        body.bytes.append(contentsOf: line)
      } else {
        body.string(EventEncoder.jsonLine(whole))
      }
    case .compact(let ts, let eventId, let idHash, let change):
      func header(_ tag: Tag) {
        body.byte(tag.rawValue)
        body.signed(ts.millisecondsSinceEpoch)
        body.fixed(idHash)
        body.string(eventId)
      }
      switch change {
      case .status(let new, let from):
        header(.status)
        body.byte(code(new))
        body.byte(from.map(code) ?? 0xFF)
      case .resolved:
        header(.resolved)
      case .severity(let new, let from):
        header(.severity)
        body.byte(code(new))
        body.byte(from.map(code) ?? 0xFF)
      case .tagAdded(let tag):
        header(.tagAdded)
        body.string(tag)
      case .tagRemoved(let tag):
        header(.tagRemoved)
        body.string(tag)
      case .signal(let serviceName, let environment, let correlationKey, let counts):
        header(.signal)
        body.optionalString(serviceName)
        body.optionalString(environment)
        body.optionalString(correlationKey)
        if let counts {
          body.byte(1)
          body.signed(counts.instant.millisecondsSinceEpoch)
          body.signed(counts.good)
          body.signed(counts.total)
        } else {
          body.byte(0)
        }
      case .note(let byPerson, let followUp):
        header(.note)
        body.byte((byPerson ? 1 : 0) | (followUp ? 2 : 0))
      case .action(let byPerson, let followUp):
        header(.action)
        body.byte((byPerson ? 1 : 0) | (followUp ? 2 : 0))
      }
    }
    let length = UInt32(truncatingIfNeeded: body.bytes.count - start - 4)
    for offset in 0..<4 { body.bytes[start + offset] = UInt8(truncatingIfNeeded: length >> UInt32(8 * offset)) }
  }

  /// Appends a record already framed elsewhere (splitting a partition).
  static func appendFramed(_ record: UnsafeRawBufferPointer, to writer: inout ByteWriter) {
    let length = UInt32(record.count)
    for offset in 0..<4 { writer.bytes.append(UInt8(truncatingIfNeeded: length >> UInt32(8 * offset))) }
    writer.bytes.append(contentsOf: record)
  }

  /// The ``IncidentKey/hash(_:)`` of a record's incident, without decoding the rest (for grouping and splitting).
  static func incidentKey(of record: UnsafeRawBufferPointer) throws(SpillError) -> Int {
    var reader = ByteReader(record)
    return try reader.fixed()
  }

  /// Decodes one record (without its length frame).
  static func decode(_ record: UnsafeRawBufferPointer) throws(SpillError) -> PreparedEvent {
    var reader = ByteReader(record)
    _ = try reader.fixed()
    let input = try reader.varint()
    let number = try reader.varint()
    guard input <= UInt64(EventOrigin.maximumInput), number < 1 << 44 else { throw .corrupt("origin out of range") }
    let origin = EventOrigin(input: Int32(input), record: Int64(number))
    let digest = try reader.fixed()
    let incident = IncidentRef(orgId: try reader.string(), incidentId: try reader.string())
    guard let tag = Tag(rawValue: try reader.byte()) else { throw .corrupt("unknown record tag") }
    if tag == .event {
      let line = try reader.raw(Int(try reader.varint()))
      do {
        let event = try EventDecoder.decode(line: line.assumingMemoryBound(to: UInt8.self))
        return PreparedEvent(incident: incident, origin: origin, digest: digest, content: .event(event, line: nil))
      } catch {
        throw .corrupt("an event's JSON: \(error)")
      }
    }
    let ts = Timestamp(millisecondsSinceEpoch: try reader.signed())
    let idHash = try reader.fixed()
    let eventId = try reader.string()
    let change: CompactChange
    switch tag {
    case .event: throw .corrupt("unreachable")
    case .status: change = .status(try status(reader.byte()), from: try optionalStatus(reader.byte()))
    case .resolved: change = .resolved
    case .severity: change = .severity(try severity(reader.byte()), from: try optionalSeverity(reader.byte()))
    case .tagAdded: change = .tagAdded(try reader.string())
    case .tagRemoved: change = .tagRemoved(try reader.string())
    case .signal:
      let serviceName = try reader.optionalString()
      let environment = try reader.optionalString()
      let correlationKey = try reader.optionalString()
      var counts: RequestCountsAt?
      if try reader.byte() == 1 {
        counts = RequestCountsAt(
          instant: Timestamp(millisecondsSinceEpoch: try reader.signed()), good: try reader.signed(), total: try reader.signed())
      }
      change = .signal(serviceName: serviceName, environment: environment, correlationKey: correlationKey, counts: counts)
    case .note:
      let flags = try reader.byte()
      change = .note(byPerson: flags & 1 != 0, followUp: flags & 2 != 0)
    case .action:
      let flags = try reader.byte()
      change = .action(byPerson: flags & 1 != 0, followUp: flags & 2 != 0)
    }
    return PreparedEvent(
      incident: incident, origin: origin, digest: digest, content: .compact(ts: ts, eventId: eventId, idHash: idHash, change: change))
  }

  private static func code(_ status: IncidentStatus) -> UInt8 { UInt8(statuses.firstIndex(of: status) ?? 0) }
  private static func code(_ severity: Severity) -> UInt8 { UInt8(severities.firstIndex(of: severity) ?? 0) }

  private static func status(_ code: UInt8) throws(SpillError) -> IncidentStatus {
    guard Int(code) < statuses.count else { throw .corrupt("status code \(code)") }
    return statuses[Int(code)]
  }

  private static func optionalStatus(_ code: UInt8) throws(SpillError) -> IncidentStatus? {
    code == 0xFF ? nil : try status(code)
  }

  private static func severity(_ code: UInt8) throws(SpillError) -> Severity {
    guard Int(code) < severities.count else { throw .corrupt("severity code \(code)") }
    return severities[Int(code)]
  }

  private static func optionalSeverity(_ code: UInt8) throws(SpillError) -> Severity? {
    code == 0xFF ? nil : try severity(code)
  }

  /// Calls `body` with each whole record (without its frame) of `bytes`; returns how many bytes were used.
  ///
  /// A record cut off at the end is left for the next chunk.
  static func forEachRecord(
    in bytes: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws -> Void
  ) throws -> Int {
    var offset = 0
    while bytes.count - offset >= 4 {
      let length = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
      guard bytes.count - offset - 4 >= length else { break }
      try body(UnsafeRawBufferPointer(rebasing: bytes[offset + 4..<offset + 4 + length]))
      offset += 4 + length
    }
    return offset
  }
}
