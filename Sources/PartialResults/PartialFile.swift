import Digests
public import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// What a partial-result file says about itself: checked before its payload is merged with others.
///
/// Partials merge only when they come from the same tool version, the same command, the
/// same SLO definitions and the same settings (the evaluation time, the period…), and
/// together cover every shard of one split exactly once.
public struct PartialHeader: Sendable, Hashable, Codable {
  /// The layout of the file; this reader knows ``PartialFile/format`` only.
  public var format: Int
  public var toolVersion: String
  /// The command that folded it, as `slo check`.
  public var command: String
  /// SHA-256 of the SLO definitions as read, or empty when the command reads none.
  public var definitionsDigest: String
  /// The arguments that shape the fold, by option name (`--at`, `--week`…): equal for every partial merged.
  public var settings: [String: String]
  /// 1-based shard index and the shard count (1 and 1 for an unsharded run).
  public var shardIndex: Int
  public var shardCount: Int
  /// The inputs the run read, as its summary names them.
  public var inputs: [String]

  public init(
    toolVersion: String, command: String, definitionsDigest: String, settings: [String: String], shardIndex: Int,
    shardCount: Int, inputs: [String]
  ) {
    format = PartialFile.format
    self.toolVersion = toolVersion
    self.command = command
    self.definitionsDigest = definitionsDigest
    self.settings = settings
    self.shardIndex = shardIndex
    self.shardCount = shardCount
    self.inputs = inputs
  }

  /// `K/N`.
  public var shard: String { "\(shardIndex)/\(shardCount)" }
}

/// Why a partial-result file cannot be used, in words that name the file and what to do.
public enum PartialFileError: Error, Equatable, CustomStringConvertible {
  case notAPartial(path: String)
  case unsupportedFormat(path: String, found: Int)
  case corrupt(path: String, reason: String)
  case checksumMismatch(path: String)
  /// A header field differs from what this run expects (or from the first partial's).
  case mismatch(path: String, field: String, expected: String, found: String)
  case differentShardCounts(path: String, expected: Int, found: Int)
  case duplicateShard(shard: String, paths: [String])
  case missingShards([Int], count: Int)

  public var description: String {
    switch self {
    case .notAPartial(let path):
      "\(path): not a partial-result file (written by --emit-partial)"
    case .unsupportedFormat(let path, let found):
      "\(path): partial-result format \(found), but this version reads format \(PartialFile.format); make it again with this version"
    case .corrupt(let path, let reason):
      "\(path): damaged partial-result file: \(reason)"
    case .checksumMismatch(let path):
      "\(path): damaged partial-result file: its checksum does not match its content"
    case .mismatch(let path, let field, let expected, let found):
      "\(path): made with \(field) \(found), but this merge needs \(expected)"
    case .differentShardCounts(let path, let expected, let found):
      "\(path): shard of \(found), but the other partials split the input into \(expected)"
    case .duplicateShard(let shard, let paths):
      "shard \(shard) is given twice: \(paths.joined(separator: ", "))"
    case .missingShards(let missing, let count):
      "missing shard\(missing.count == 1 ? "" : "s") \(missing.map { "\($0)/\(count)" }.joined(separator: ", ")): every shard must be merged"
    }
  }
}

/// The layout of a partial-result file.
///
/// ```
/// runbook-revenant partial <format>\n
/// <header, one line of JSON with sorted keys>\n
/// <payload length in bytes, decimal>\n
/// <payload>
/// sha256 <64 hex digits of SHA-256 over everything before this line>\n
/// ```
///
/// The payload is the fold's own encoding; the envelope only carries and checks it.
/// The same header and payload always give the same bytes.
public enum PartialFile {
  /// The layout this version writes and reads.
  public static let format = 1
  static let magic = "runbook-revenant partial "

  /// The whole file for `header` and `payload`.
  public static func encode(header: PartialHeader, payload: [UInt8]) -> [UInt8] {
    var bytes: [UInt8] = []
    // Without section files, nothing here can fail.
    _ = try? write(header: header, payload: payload) { bytes += $0 }
    return bytes
  }

  /// The header and payload of a file's bytes, checked; `path` names it in errors.
  public static func decode(_ bytes: [UInt8], path: String) throws(PartialFileError) -> (header: PartialHeader, payload: [UInt8]) {
    var given = false
    let (header, payload) = try check(path: path) {
      defer { given = true }
      return given ? nil : bytes
    }
    return (header, Array(bytes[payload]))
  }

  /// Writes the file for `header` and a payload of `payload` followed by the contents of `sections` (files of
  /// rows too large to hold), handing `sink` the bytes a block at a time; returns how many it wrote.
  ///
  /// The same bytes as ``encode(header:payload:)`` of the whole payload, without holding it.
  @discardableResult
  public static func write(
    header: PartialHeader, payload: [UInt8], sections: [String] = [], to sink: ([UInt8]) throws -> Void
  ) throws -> Int {
    var sizes: [Int] = []
    for section in sections {
      var info = stat()
      guard stat(section, &info) == 0 else { throw PartialFileError.corrupt(path: section, reason: "a section file is missing") }
      sizes.append(Int(info.st_size))
    }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    let json = (try? encoder.encode(header)) ?? Data()
    let head = Array("\(magic)\(format)\n".utf8) + Array(json) + Array("\n\(payload.count + sizes.reduce(0, +))\n".utf8) + payload
    var hash = SHA256Digest()
    var written = 0
    func emit(_ bytes: [UInt8]) throws {
      hash.update(bytes)
      written += bytes.count
      try sink(bytes)
    }
    try emit(head)
    for section in sections {
      guard let file = FileHandle(forReadingAtPath: section) else {
        throw PartialFileError.corrupt(path: section, reason: "a section file cannot be read")
      }
      defer { try? file.close() }
      while let block = try file.read(upToCount: 1 << 20), !block.isEmpty { try emit(Array(block)) }
    }
    let trailer = Array("sha256 \(hex(hash.finalize()))\n".utf8)
    try sink(trailer)
    return written + trailer.count
  }

  /// A partial-result file checked on disk without reading it whole: its header, and where its payload lies.
  public struct Opened: Sendable {
    public var path: String
    public var header: PartialHeader
    /// The payload's bytes in the file.
    public var payload: Range<Int>

    /// The payload's first `count` bytes (at most all of it).
    public func payloadPrefix(upTo count: Int) throws(PartialFileError) -> [UInt8] {
      guard let file = FileHandle(forReadingAtPath: path) else { throw .corrupt(path: path, reason: "it cannot be read again") }
      defer { try? file.close() }
      do {
        try file.seek(toOffset: UInt64(payload.lowerBound))
        return Array(try file.read(upToCount: min(count, payload.count)) ?? Data())
      } catch {
        throw .corrupt(path: path, reason: "it cannot be read again")
      }
    }
  }

  /// Checks the file at `path` a block at a time (its layout, format and checksum) and returns its header and the
  /// payload's place; `read` opens it (with the caller's error for a file that cannot be opened).
  public static func open(_ path: String, read: (String) throws -> FileHandle) throws -> Opened {
    let file = try read(path)
    defer { try? file.close() }
    let (header, payload) = try check(path: path) { () throws(PartialFileError) -> [UInt8]? in
      do {
        guard let block = try file.read(upToCount: 1 << 20), !block.isEmpty else { return nil }
        return Array(block)
      } catch {
        throw .corrupt(path: path, reason: "it cannot be read (\(error.localizedDescription))")
      }
    }
    return Opened(path: path, header: header, payload: payload)
  }

  /// Reads a file given as blocks of bytes and checks its layout, format and checksum, holding about one block;
  /// returns its header and where its payload lies.
  private static func check(path: String, blocks next: () throws(PartialFileError) -> [UInt8]?) throws(PartialFileError) -> (
    header: PartialHeader, payload: Range<Int>
  ) {
    var hash = SHA256Digest()
    var buffer: [UInt8] = []
    var consumed = 0
    func more() throws(PartialFileError) -> Bool {
      guard let block = try next() else { return false }
      buffer += block
      return true
    }
    func line(limit: Int) throws(PartialFileError) -> [UInt8] {
      while true {
        if let end = buffer.firstIndex(of: 0x0A) {
          let text = Array(buffer[..<end])
          hash.update(buffer[...end])
          consumed += end + 1
          buffer.removeFirst(end + 1)
          return text
        }
        guard buffer.count <= limit else { throw .corrupt(path: path, reason: "a header line is too long") }
        guard try more() else { throw .corrupt(path: path, reason: "it ends early") }
      }
    }
    while buffer.count < magic.utf8.count, try more() {}
    guard buffer.starts(with: Array(magic.utf8)) else { throw .notAPartial(path: path) }
    let first = String(decoding: try line(limit: 64), as: UTF8.self)
    guard let found = Int(first.dropFirst(magic.count)) else { throw .notAPartial(path: path) }
    guard found == format else { throw .unsupportedFormat(path: path, found: found) }
    let json = try line(limit: 1 << 24)
    guard let length = Int(String(decoding: try line(limit: 32), as: UTF8.self)), length >= 0 else {
      throw .corrupt(path: path, reason: "its payload length is wrong")
    }
    let payloadStart = consumed
    var remaining = length
    while true {
      let take = min(remaining, buffer.count)
      hash.update(buffer[..<take])
      buffer.removeFirst(take)
      remaining -= take
      if remaining == 0 { break }
      guard try more() else { throw .corrupt(path: path, reason: "its payload length is wrong") }
    }
    while buffer.count <= 7 + 64 + 1, try more() {}
    let trailer = String(decoding: buffer, as: UTF8.self)
    guard trailer.hasPrefix("sha256 "), trailer.hasSuffix("\n"), trailer.utf8.count == 7 + 64 + 1 else {
      throw .corrupt(path: path, reason: "its checksum line is missing")
    }
    guard trailer.dropFirst(7).dropLast() == hex(hash.finalize()) else { throw .checksumMismatch(path: path) }
    let header: PartialHeader
    do {
      header = try JSONDecoder().decode(PartialHeader.self, from: Data(json))
    } catch {
      throw .corrupt(path: path, reason: "its header does not read")
    }
    guard header.format == format else { throw .unsupportedFormat(path: path, found: header.format) }
    return (header, payloadStart..<payloadStart + length)
  }

  /// Checks that `partials` can merge into the run `expected` describes (its shard fields aside):
  /// the same version, command, definitions and settings, and every shard of one split exactly once.
  public static func checkMergeable(_ partials: [(path: String, header: PartialHeader)], expected: PartialHeader)
    throws(PartialFileError)
  {
    for (path, header) in partials {
      if header.toolVersion != expected.toolVersion {
        throw .mismatch(path: path, field: "version", expected: expected.toolVersion, found: header.toolVersion)
      }
      if header.command != expected.command {
        throw .mismatch(path: path, field: "command", expected: "`\(expected.command)`", found: "`\(header.command)`")
      }
      if header.inputs != expected.inputs {
        throw .mismatch(
          path: path, field: "inputs", expected: expected.inputs.joined(separator: ", "),
          found: header.inputs.joined(separator: ", "))
      }
      if header.definitionsDigest != expected.definitionsDigest {
        throw .mismatch(
          path: path, field: "SLO definitions", expected: "digest \(expected.definitionsDigest.prefix(12))",
          found: "digest \(header.definitionsDigest.prefix(12))")
      }
      for name in Set(header.settings.keys).union(expected.settings.keys).sorted()
      where header.settings[name] != expected.settings[name] {
        throw .mismatch(
          path: path, field: name, expected: expected.settings[name] ?? "none", found: header.settings[name] ?? "none")
      }
    }
    guard let count = partials.first?.header.shardCount else { throw .missingShards([1], count: 1) }
    var byIndex: [Int: [String]] = [:]
    for (path, header) in partials {
      guard header.shardCount == count else { throw .differentShardCounts(path: path, expected: count, found: header.shardCount) }
      byIndex[header.shardIndex, default: []].append(path)
    }
    if let (index, paths) = byIndex.sorted(by: { $0.key < $1.key }).first(where: { $0.value.count > 1 }) {
      throw .duplicateShard(shard: "\(index)/\(count)", paths: paths)
    }
    let missing = (1...max(1, count)).filter { byIndex[$0] == nil }
    if !missing.isEmpty { throw .missingShards(missing, count: count) }
  }

  /// SHA-256 in hex of `parts`, each followed by a NUL: the digest a header keeps of the SLO definitions as read.
  public static func digest(of parts: [String]) -> String {
    var hash = SHA256Digest()
    for part in parts {
      hash.update(Array(part.utf8))
      hash.update([0])
    }
    return hex(hash.finalize())
  }

  private static func hex(_ digest: [UInt8]) -> String { Hex.string(digest) }
}
