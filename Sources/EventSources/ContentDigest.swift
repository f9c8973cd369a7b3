import IncidentModel

/// The digest dedupe compares to tell an exact duplicate from a conflict.
///
/// Members are hashed one by one and summed, at the top level and inside the
/// payload, so a re-export that writes them in another order is still the same
/// event; values (nested objects included) are compared byte for byte. Both
/// decoders compute it from the line as read: the compact decoder while it
/// scans, the event decoder's path with ``of(line:)``.
enum ContentDigest {
  /// One member's share of its object's digest.
  @inline(__always)
  static func member(_ key: JSONKey, valueHash: Int) -> Int {
    member(keyHash: key.hash, valueHash: valueHash)
  }

  /// A member's share from its name's hash and its value's.
  @inline(__always)
  static func member(keyHash: Int, valueHash: Int) -> Int {
    var mixed = UInt64(bitPattern: Int64(keyHash)) &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(bitPattern: Int64(valueHash))
    mixed ^= mixed >> 29
    mixed = mixed &* 0xBF58_476D_1CE4_E5B9
    mixed ^= mixed >> 32
    return Int(truncatingIfNeeded: mixed)
  }

  /// The hash of a value's bytes as written, `[start, end)` of the scanner's text.
  @inline(__always)
  static func value(_ scanner: JSONScanner, from start: Int, to end: Int) -> Int {
    ContentHash.of(UnsafeRawBufferPointer(start: scanner.base + start, count: end - start))
  }

  /// The digest of a line the event decoder accepted (a line it rejects gets a hash of its bytes).
  static func of(line: UnsafeBufferPointer<UInt8>) -> Int {
    var scanner = JSONScanner(line)
    var digest = 0
    do throws(EventDecodingError) {
      try scanner.forEachMember { (key, s) throws(EventDecodingError) in
        let start = s.position
        if key.is("payload") && s.peek() == 0x7B {
          var payload = 0
          try s.forEachMember(digest: &payload) { (_, s) throws(EventDecodingError) in try s.skipValue() }
          digest &+= member(key, valueHash: payload)
        } else {
          try s.skipValue()
          digest &+= member(key, valueHash: value(s, from: start, to: s.position))
        }
      }
      return digest
    } catch {
      return ContentHash.of(UnsafeRawBufferPointer(line))
    }
  }
}

extension JSONScanner {
  /// ``forEachMember(_:)``, also setting `digest` to the object's ``ContentDigest`` (values hashed as written).
  @inline(__always)
  mutating func forEachMember(
    digest: inout Int, _ body: (JSONKey, inout JSONScanner) throws(EventDecodingError) -> Void
  ) throws(EventDecodingError) {
    var sum = 0
    try forEachMember { (key, s) throws(EventDecodingError) in
      let start = s.position
      try body(key, &s)
      sum &+= ContentDigest.member(key, valueHash: ContentDigest.value(s, from: start, to: s.position))
    }
    digest = sum
  }
}

extension JSONKey {
  /// A hash of the member name (decoded, when it was written with escapes).
  var hash: Int {
    if let decoded { return ContentHash.of(Array(decoded.utf8)) }
    return ContentHash.of(UnsafeRawBufferPointer(start: base, count: count))
  }
}
