import Digests

/// Shard K of N: the incidents whose stable hash of `(orgId, incidentId)` is K − 1 modulo N.
///
/// The hash is the first 60 bits of MD5 over the UTF-8 of `orgId`, the unit separator
/// (U+001F) and `incidentId`, read big-endian. PostgreSQL computes the same with its
/// built-in, documented `md5()` (``sqlPredicate(count:index:)``), so the PostgreSQL source
/// pushes the predicate into its `WHERE` clause and the server (or, through `postgres_fdw`
/// and Citus, each server holding a partition) filters the rows; the JSON Lines source
/// applies it while reading. MD5 is used as a spread, not for security: its value is fixed
/// by RFC 1321 on every platform and version, which the server's internal hash functions
/// (`hashtext`) are not promised to be. Every event of an incident is in exactly one shard.
public struct Shard: Sendable, Hashable, CustomStringConvertible {
  /// 1-based.
  public let index: Int
  public let count: Int

  /// The largest shard count accepted.
  public static let maximumCount = 1 << 16

  /// Shard `index` of `count`; nil unless `1 ≤ index ≤ count ≤ maximumCount`.
  public init?(index: Int, count: Int) {
    guard count >= 1, count <= Self.maximumCount, (1...count).contains(index) else { return nil }
    self.index = index
    self.count = count
  }

  /// Parses `K/N`.
  public init?(parsing text: String) {
    let parts = text.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else { return nil }
    self.init(index: index, count: count)
  }

  public var description: String { "\(index)/\(count)" }

  /// Whether the incident `(orgId, incidentId)` is in this shard.
  public func contains(orgId: String, incidentId: String) -> Bool {
    var org = orgId
    var incident = incidentId
    return org.withUTF8 { org in incident.withUTF8 { incident in contains(orgBytes: org, incidentBytes: incident) } }
  }

  /// Whether the incident named by these UTF-8 bytes is in this shard.
  public func contains(orgBytes: UnsafeBufferPointer<UInt8>, incidentBytes: UnsafeBufferPointer<UInt8>) -> Bool {
    count == 1 || Int(Self.hash(orgBytes: orgBytes, incidentBytes: incidentBytes) % UInt64(count)) == index - 1
  }

  /// The 60-bit shard hash of an incident.
  public static func hash(orgBytes: UnsafeBufferPointer<UInt8>, incidentBytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
    var md5 = MD5Digest()
    md5.update(UnsafeRawBufferPointer(orgBytes))
    withUnsafeBytes(of: UInt8(0x1F)) { md5.update($0) }
    md5.update(UnsafeRawBufferPointer(incidentBytes))
    return md5.finalize().prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) } >> 4
  }

  /// The SQL condition for this shard, given the placeholders of the count and the 1-based index (bound as text).
  ///
  /// `left(md5(…), 15)` is the hash's 60 bits in hex; as `bit(60)` and then `bigint` it is never negative,
  /// so `%` gives the same remainder as the client's. Every function in it is built in and immutable, so
  /// `postgres_fdw` ships it to the foreign servers and a table partitioned by this expression is pruned.
  public static func sqlPredicate(count: String, index: String) -> String {
    #"(('x' || left(md5("orgId" || chr(31) || "incidentId"), 15))::bit(60)::bigint % \#(count)::bigint) = \#(index)::bigint - 1"#
  }
}
