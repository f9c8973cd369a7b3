import IncidentModel

/// Reads the frequent kinds of event straight from a line into their compact form.
///
/// Signals, status and severity changes, notes, actions, tags and resolutions
/// make up nine events in ten; analytics needs a handful of their fields. This
/// decoder checks every field exactly as ``EventDecoder`` does but builds no
/// `IncidentEvent`, no payload and no string it does not keep. It is a fast path,
/// not a second definition of validity: whenever a line is anything but plain
/// (non-ASCII bytes, escapes, other event types, unusual numbers, any problem at
/// all) it answers ``Outcome/needsEventDecoder`` and the line goes through
/// ``EventDecoder``, which decodes it or names its problem.
enum CompactDecoder {
  enum Outcome {
    case prepared(PreparedEvent)
    /// Decoded, but its incident is left out by the preparation.
    case excluded
    /// Decoded, but outside the source's filter.
    case filteredOut
    /// Decoded and inside the filter but for its shard: only its id is kept (see ``OtherShardEvent``).
    case otherShard(OtherShardEvent)
    /// Not handled here: decode it with ``EventDecoder``.
    case needsEventDecoder
  }

  /// The event types read here.
  private enum Kind {
    case status, severity, tagAdded, tagRemoved, signal, note, action, resolved

    init?(_ bytes: UnsafeBufferPointer<UInt8>) {
      guard let type = JSONScanner.match(EventType.self, bytes) else { return nil }
      switch type {
      case .statusChanged: self = .status
      case .severityChanged: self = .severity
      case .tagAdded: self = .tagAdded
      case .tagRemoved: self = .tagRemoved
      case .signalIngested: self = .signal
      case .noteAdded: self = .note
      case .playbookActionExecuted: self = .action
      case .resolved: self = .resolved
      case .incidentCreated, .incidentUpdated, .sloViolationRecorded, .linkedToTicket: return nil
      }
    }
  }

  /// Thrown inside to leave the fast path; never seen outside.
  static let leaveFastPath = EventDecodingError(.invalidJSON, field: nil, reason: "")
  private static var leave: EventDecodingError { leaveFastPath }

  static func decode(
    _ line: UnsafeBufferPointer<UInt8>, origin: EventOrigin, filter: EventFilter, preparation: Preparation
  ) -> Outcome {
    guard preparation.detail == .analytics, isPlain(line) else { return .needsEventDecoder }
    do throws(EventDecodingError) {
      return try decodePlain(line, origin: origin, filter: filter, preparation: preparation)
    } catch {
      return .needsEventDecoder
    }
  }

  /// True when the line is ASCII without a backslash: no string needs unescaping or UTF-8 validation.
  private static func isPlain(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
    guard let base = line.baseAddress else { return false }
    let lowBits: UInt64 = 0x0101_0101_0101_0101
    let highBits: UInt64 = 0x8080_8080_8080_8080
    let backslashes = lowBits &* 0x5C
    var offset = 0
    var seen: UInt64 = 0
    while line.count - offset >= 8 {
      let word = UnsafeRawPointer(base + offset).loadUnaligned(as: UInt64.self)
      let backslash = word ^ backslashes
      seen |= word | ((backslash &- lowBits) & ~backslash)
      offset += 8
    }
    while offset < line.count {
      let byte = line[offset]
      if byte == 0x5C { return false }
      seen |= UInt64(byte)
      offset += 1
    }
    return seen & highBits == 0
  }

  private static func decodePlain(
    _ line: UnsafeBufferPointer<UInt8>, origin: EventOrigin, filter: EventFilter, preparation: Preparation
  ) throws(EventDecodingError) -> Outcome {
    var scanner = JSONScanner(line)
    var id: Range<Int>?
    var orgId: Range<Int>?
    var incidentId: Range<Int>?
    var ts: Timestamp?
    var kind: Kind?
    var change: CompactChange?
    var payloadStart: Int?
    // The line's ContentDigest, summed member by member as they are read.
    var digest = 0
    var payloadKeyHash = 0
    try scanner.forEachMember { (key, s) throws(EventDecodingError) in
      let start = s.position
      if key.is("payload") {
        guard s.peek() == 0x7B, payloadStart == nil else { throw leave }
        payloadStart = s.position
        if let kind {
          var payloadDigest = 0
          change = try payload(kind, &s, ts: ts, digest: &payloadDigest)
          digest &+= ContentDigest.member(key, valueHash: payloadDigest)
        } else {
          try s.skipValue()
          payloadKeyHash = key.hash
        }
        return
      }
      defer { digest &+= ContentDigest.member(key, valueHash: ContentDigest.value(s, from: start, to: s.position)) }
      if key.is("id") {
        id = try s.stringRange()
      } else if key.is("orgId") {
        orgId = try s.stringRange()
      } else if key.is("incidentId") {
        incidentId = try s.stringRange()
      } else if key.is("ts") {
        ts = try s.readTimestamp("ts")
      } else if key.is("type") {
        // A repeated type or payload pairs them in ways best left to the event decoder.
        guard kind == nil else { throw leave }
        let range = try s.stringRange()
        guard let known = Kind(UnsafeBufferPointer(rebasing: line[range])) else { throw leave }
        kind = known
      } else {
        try s.skipValue()
      }
    }
    scanner.skipWhitespace()
    guard scanner.position == scanner.end, let id, !id.isEmpty, let orgId, !orgId.isEmpty, let incidentId,
      !incidentId.isEmpty, let ts, let kind, let payloadStart
    else { throw leave }
    if change == nil {
      // The payload came before the type: read it now, and count its digest as its members'.
      var payloadScanner = JSONScanner(base: scanner.base, range: payloadStart..<scanner.end)
      var payloadDigest = 0
      change = try payload(kind, &payloadScanner, ts: ts, digest: &payloadDigest)
      digest &+= ContentDigest.member(keyHash: payloadKeyHash, valueHash: payloadDigest)
    }
    guard let change else { throw leave }

    let orgBytes = UnsafeBufferPointer(rebasing: line[orgId])
    let incidentBytes = UnsafeBufferPointer(rebasing: line[incidentId])
    if !filter.isEmpty {
      if let wanted = filter.orgId, !equal(orgBytes, wanted) { return .filteredOut }
      if let wanted = filter.incidentId, !equal(incidentBytes, wanted) { return .filteredOut }
      if let since = filter.since, ts < since { return .filteredOut }
      if let until = filter.until, ts >= until { return .filteredOut }
    }
    let incident = IncidentRef(
      orgId: String(decoding: orgBytes, as: UTF8.self), incidentId: String(decoding: incidentBytes, as: UTF8.self))
    if filter.isOutsideShard(orgBytes: orgBytes, incidentBytes: incidentBytes) {
      guard preparation.include(incident) else { return .filteredOut }
      let idBytes = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(line)[id])
      return .otherShard(OtherShardEvent(incident: incident, origin: origin, idHash: ContentHash.of(idBytes)))
    }
    // The incident kept whole is read with the event decoder, every event of it.
    if let whole = preparation.wholeEventsOf, incident.incidentId == whole { throw leave }
    // Events of the interval kept whole (a report's Timeline) are read with the event decoder too.
    if let within = preparation.wholeEventsWithin, within.start <= ts && ts < within.end { throw leave }
    guard preparation.include(incident) else { return .excluded }
    let idBytes = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(line)[id])
    let eventId = change.citesEvent ? String(decoding: idBytes, as: UTF8.self) : ""
    return .prepared(
      PreparedEvent(
        incident: incident, origin: origin, digest: digest,
        content: .compact(ts: ts, eventId: eventId, idHash: ContentHash.of(idBytes), change: change)))
  }

  private static func equal(_ bytes: UnsafeBufferPointer<UInt8>, _ text: String) -> Bool {
    text.utf8.elementsEqual(bytes)
  }
}

// MARK: - Payloads

extension CompactDecoder {
  /// Reads a payload of `kind`, checking each member as ``PayloadDecoder`` does.
  ///
  /// `ts` is the envelope's time when already read; a signal whose counts need it leaves the fast path without it.
  private static func payload(
    _ kind: Kind, _ s: inout JSONScanner, ts: Timestamp?, digest: inout Int
  ) throws(EventDecodingError) -> CompactChange {
    switch kind {
    case .status:
      let (new, from): (IncidentStatus, IncidentStatus?) = try transition(&s, &digest, new: "newStatus", from: "fromStatus")
      return .status(new, from: from)
    case .severity:
      let (new, from): (Severity, Severity?) = try transition(&s, &digest, new: "newSeverity", from: "fromSeverity")
      return .severity(new, from: from)
    case .tagAdded: return .tagAdded(try tag(&s, &digest))
    case .tagRemoved: return .tagRemoved(try tag(&s, &digest))
    case .signal: return try signal(&s, ts: ts, &digest)
    case .note: return try note(&s, &digest)
    case .action: return try action(&s, &digest)
    case .resolved:
      try s.forEachMember(digest: &digest) { (key, s) throws(EventDecodingError) in
        if key.is("summary") || key.is("actorType") || key.is("actorRef") {
          try s.skipOptionalString()
        } else {
          try s.skipValue()
        }
      }
      return .resolved
    }
  }

  /// A status or severity change: the new value (required), the one it left (optional), and who and why.
  private static func transition<Value: RawRepresentable & CaseIterable>(
    _ s: inout JSONScanner, _ digest: inout Int, new newName: StaticString, from fromName: StaticString
  ) throws(EventDecodingError) -> (new: Value, from: Value?) where Value.RawValue == String {
    var new: Value?
    var from: Value?
    try s.forEachMember(digest: &digest) { (key, s) throws(EventDecodingError) in
      if key.is(newName) {
        // Field names only serve error messages, which the fast path never shows.
        new = try s.readEnum(Value.self, "")
      } else if key.is(fromName) {
        from = try s.readOptionalEnum(Value.self, "")
      } else if key.is("reason") || key.is("actorType") || key.is("actorRef") {
        try s.skipOptionalString()
      } else {
        try s.skipValue()
      }
    }
    guard let new else { throw leave }
    return (new, from)
  }

  private static func tag(_ s: inout JSONScanner, _ digest: inout Int) throws(EventDecodingError) -> String {
    var tag: String?
    try s.forEachMember(digest: &digest) { (key, s) throws(EventDecodingError) in
      if key.is("tag") {
        tag = try s.readString("payload.tag")
      } else {
        try s.skipValue()
      }
    }
    guard let tag else { throw leave }
    return tag
  }

  /// Who acted, as the fast path needs it.
  private enum Actor {
    case absent, user, other
  }

  private static func actor(_ s: inout JSONScanner) throws(EventDecodingError) -> Actor {
    if try s.readNull() { return .absent }
    let range = try s.stringRange()
    return s.bytes(range).elementsEqual("USER".utf8) ? .user : .other
  }

  private static func note(_ s: inout JSONScanner, _ digest: inout Int) throws(EventDecodingError) -> CompactChange {
    var followUp: Bool?
    var actorType = Actor.absent
    try s.forEachMember(digest: &digest) { (key, s) throws(EventDecodingError) in
      if key.is("text") {
        followUp = FollowUp.reads(ascii: s.bytes(try s.stringRange()))
        if followUp == nil { throw leave }
      } else if key.is("actorType") {
        actorType = try actor(&s)
      } else if key.is("actorRef") {
        try s.skipOptionalString()
      } else {
        try s.skipValue()
      }
    }
    guard let followUp else { throw leave }
    // A note without an actor type is taken as a person's, as replay does for a decoded note.
    return .note(byPerson: actorType != .other, followUp: followUp)
  }

  private static func action(_ s: inout JSONScanner, _ digest: inout Int) throws(EventDecodingError) -> CompactChange {
    var hasKind = false
    var followUp: Bool?
    var actorType = Actor.absent
    var hasActorRef = false
    try s.forEachMember(digest: &digest) { (key, s) throws(EventDecodingError) in
      if key.is("actionKind") {
        _ = try s.stringRange()
        hasKind = true
      } else if key.is("label") {
        followUp = FollowUp.reads(ascii: s.bytes(try s.stringRange()))
        if followUp == nil { throw leave }
      } else if key.is("riskLevel") {
        try s.skipOptionalString()
      } else if key.is("actorType") {
        actorType = try actor(&s)
      } else if key.is("actorRef") {
        _ = try s.stringRange()
        hasActorRef = true
      } else {
        try s.skipValue()
      }
    }
    guard hasKind, hasActorRef, actorType != .absent, let followUp else { throw leave }
    return .action(byPerson: actorType == .user, followUp: followUp)
  }

  private static func signal(
    _ s: inout JSONScanner, ts: Timestamp?, _ digest: inout Int
  ) throws(EventDecodingError) -> CompactChange {
    var hasId = false
    var isMetric: Bool?
    var hasSource = false
    var hasSummary = false
    var serviceName: String?
    var environment: String?
    var correlationKey: String?
    var observedAt: Timestamp?
    var dataStart: Int?
    try s.forEachMember(digest: &digest) { (key, s) throws(EventDecodingError) in
      if key.is("signalId") {
        _ = try s.stringRange()
        hasId = true
      } else if key.is("signalType") {
        isMetric = s.bytes(try s.stringRange()).elementsEqual("METRIC".utf8)
      } else if key.is("serviceName") {
        serviceName = try s.readOptionalString("payload.serviceName")
      } else if key.is("environment") {
        environment = try s.readOptionalString("payload.environment")
      } else if key.is("correlationKey") {
        correlationKey = try s.readOptionalString("payload.correlationKey")
      } else if key.is("traceId") {
        try s.skipOptionalString()
      } else if key.is("source") {
        _ = try s.stringRange()
        hasSource = true
      } else if key.is("summary") {
        _ = try s.stringRange()
        hasSummary = true
      } else if key.is("observedAt") {
        observedAt = try s.readOptionalTimestamp("payload.observedAt")
      } else if key.is("data") {
        // A repeated `data` keeps an earlier value when the later one is null: left to the event decoder.
        guard dataStart == nil else { throw leave }
        if try s.readNull() {
          dataStart = -1
          return
        }
        guard s.peek() == 0x7B else { throw leave }
        dataStart = s.position
        try s.skipValue()
      } else {
        try s.skipValue()
      }
    }
    guard hasId, hasSource, hasSummary, let isMetric else { throw leave }
    var counts: RequestCountsAt?
    if isMetric, let dataStart, dataStart >= 0 {
      var data = JSONScanner(base: s.base, range: dataStart..<s.end)
      if let found = try requestCounts(&data) {
        guard let instant = found.windowEnd ?? observedAt ?? ts else { throw leave }
        counts = RequestCountsAt(instant: instant, good: found.good, total: found.total)
      }
    }
    return .signal(serviceName: serviceName, environment: environment, correlationKey: correlationKey, counts: counts)
  }

  /// The request counts of a METRIC signal's `data`, by the rules of ``PayloadDecoder/requestCounts(in:)``;
  /// anything but plain whole numbers and timestamps leaves the fast path.
  private static func requestCounts(
    _ s: inout JSONScanner
  ) throws(EventDecodingError) -> (good: Int64, total: Int64, windowEnd: Timestamp?)? {
    var good: Int64?
    var bad: Int64?
    var total: Int64?
    var windowEnd: Timestamp?
    var seen: UInt8 = 0
    func once(_ slot: UInt8) throws(EventDecodingError) {
      guard seen & (1 << slot) == 0 else { throw leave }
      seen |= 1 << slot
    }
    try s.forEachMember { (key, s) throws(EventDecodingError) in
      if key.is("good") {
        try once(0)
        good = try s.readCount()
      } else if key.is("bad") {
        try once(1)
        bad = try s.readCount()
      } else if key.is("total") {
        try once(2)
        total = try s.readCount()
      } else if key.is("windowStart") {
        try once(3)
        _ = try s.readOptionalTimestamp("payload.data.windowStart")
      } else if key.is("windowEnd") {
        try once(4)
        windowEnd = try s.readOptionalTimestamp("payload.data.windowEnd")
      } else {
        try s.skipValue()
      }
    }
    // No count named at all: the data carries no counts, and its windows are not read.
    guard seen & 0b111 != 0 else { return nil }
    guard let total else { throw leave }
    let resolvedGood: Int64
    switch (good, bad) {
    case (let g?, let b?):
      let (sum, overflow) = g.addingReportingOverflow(b)
      guard !overflow, sum == total else { throw leave }
      resolvedGood = g
    case (let g?, nil): resolvedGood = g
    case (nil, let b?): resolvedGood = total - b
    case (nil, nil): throw leave
    }
    guard resolvedGood >= 0, resolvedGood <= total else { throw leave }
    return (resolvedGood, total, windowEnd)
  }
}

extension JSONScanner {
  /// The range of the string value here, between its quotes; throws for any other value.
  ///
  /// Only for plain lines (ASCII, no escapes), where the bytes are the string.
  @inline(__always)
  fileprivate mutating func stringRange() throws(EventDecodingError) -> Range<Int> {
    guard peek() == 0x22 else { throw typeError("", expected: "a string") }
    let (start, stop, _) = try scanString()
    return start..<stop
  }

  @inline(__always)
  fileprivate func bytes(_ range: Range<Int>) -> UnsafeBufferPointer<UInt8> {
    UnsafeBufferPointer(start: base + range.lowerBound, count: range.count)
  }

  /// Passes over a string or `null`; throws for any other value.
  fileprivate mutating func skipOptionalString() throws(EventDecodingError) {
    if try readNull() { return }
    _ = try stringRange()
  }

  /// A request count: `null` (absent) or a non-negative whole number written without fraction or exponent.
  fileprivate mutating func readCount() throws(EventDecodingError) -> Int64? {
    if try readNull() { return nil }
    var value: Int64 = 0
    var digits = 0
    while let byte = peek(), (byte &- 0x30) < 10 {
      let (shifted, overflow) = value.multipliedReportingOverflow(by: 10)
      let (next, carry) = shifted.addingReportingOverflow(Int64(byte &- 0x30))
      guard !overflow, !carry else { throw CompactDecoder.leaveFastPath }
      value = next
      digits += 1
      position += 1
    }
    // Not a plain whole number (a sign, a fraction, an exponent, a leading zero, another type).
    guard digits > 0, digits == 1 || base[position - digits] != 0x30 else { throw CompactDecoder.leaveFastPath }
    if let next = peek(), next == 0x2E || next == 0x65 || next == 0x45 { throw CompactDecoder.leaveFastPath }
    return value
  }
}
