import CLibCrypto

/// SHA-256, fed in pieces: the digest `sha256sum` prints.
///
/// A value type over OpenSSL's own context (no allocation), so a copy is an independent hasher.
public struct SHA256Digest: Sendable {
  private var context = SHA256_CTX()

  public init() { SHA256_Init(&context) }

  public mutating func update(_ bytes: UnsafeRawBufferPointer) {
    guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
    SHA256_Update(&context, base, bytes.count)
  }

  /// Feeds bytes held in any collection (an array, a slice of one).
  public mutating func update(_ bytes: some Collection<UInt8>) {
    if bytes.withContiguousStorageIfAvailable({ update(UnsafeRawBufferPointer($0)) }) == nil {
      Array(bytes).withUnsafeBytes { update($0) }
    }
  }

  /// The 32-byte digest; the hasher is spent.
  public consuming func finalize() -> [UInt8] {
    var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
    SHA256_Final(&digest, &context)
    return digest
  }

  /// The SHA-256 of `bytes` in lower-case hex.
  public static func hex(of bytes: [UInt8]) -> String {
    var hasher = SHA256Digest()
    hasher.update(bytes)
    return Hex.string(hasher.finalize())
  }
}

/// MD5, fed in pieces.
///
/// Not for security: the toolkit's shard hash, which PostgreSQL's `md5()` computes too.
public struct MD5Digest: Sendable {
  private var context = MD5_CTX()

  public init() { MD5_Init(&context) }

  public mutating func update(_ bytes: UnsafeRawBufferPointer) {
    guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
    MD5_Update(&context, base, bytes.count)
  }

  /// The 16-byte digest; the hasher is spent.
  public consuming func finalize() -> [UInt8] {
    var digest = [UInt8](repeating: 0, count: Int(MD5_DIGEST_LENGTH))
    MD5_Final(&digest, &context)
    return digest
  }
}

/// Bytes as lower-case hexadecimal.
public enum Hex {
  public static func string(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var text = [UInt8]()
    text.reserveCapacity(bytes.count * 2)
    for byte in bytes {
      text.append(digits[Int(byte >> 4)])
      text.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: text, as: UTF8.self)
  }
}
