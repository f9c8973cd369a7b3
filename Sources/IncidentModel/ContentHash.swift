/// A fast 64-bit hash of bytes, stable within and across runs.
///
/// Dedupe compares events by the hash of their id and of their content; the
/// compact decoder reads neither into a `String`, so both are hashed as bytes.
/// Not for security: collisions are merely unlikely (2⁻⁶⁴ for a pair).
public enum ContentHash {
  /// The hash of `bytes`.
  public static func of(_ bytes: UnsafeRawBufferPointer) -> Int {
    // Eight bytes a step, each mixed by a multiply and a rotate; the tail and the length last.
    let multiplier: UInt64 = 0x9E37_79B9_7F4A_7C15
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325 ^ UInt64(truncatingIfNeeded: bytes.count)
    var offset = 0
    while bytes.count - offset >= 8 {
      let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
      hash = (hash ^ word) &* multiplier
      hash = (hash << 29) | (hash >> 35)
      offset += 8
    }
    // The last 0–7 bytes, little-endian, in at most three loads (most hashed values are short).
    var tail: UInt64 = 0
    var shift: UInt64 = 0
    if bytes.count - offset >= 4 {
      tail = UInt64(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
      shift = 32
      offset += 4
    }
    if bytes.count - offset >= 2 {
      tail |= UInt64(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self))) << shift
      shift += 16
      offset += 2
    }
    if offset < bytes.count { tail |= UInt64(bytes[offset]) << shift }
    hash = (hash ^ tail) &* multiplier
    // A final avalanche, so that nearby inputs differ in every bit.
    hash ^= hash >> 32
    hash = hash &* 0xD6E8_FEB8_6659_FD93
    hash ^= hash >> 32
    return Int(truncatingIfNeeded: hash)
  }

  /// The hash of an array's bytes.
  public static func of(_ bytes: [UInt8]) -> Int {
    bytes.withUnsafeBytes { of($0) }
  }
}
