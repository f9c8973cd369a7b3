import Foundation
import PartialResults
import Testing

@Suite("Partial-result files")
struct PartialFileTests {
  private func header(shard: Int = 1, of count: Int = 1, command: String = "slo check", at: String = "2026-11-03T00:00:00Z")
    -> PartialHeader
  {
    PartialHeader(
      toolVersion: "0.9.0", command: command, definitionsDigest: String(repeating: "ab", count: 32), settings: ["--at": at],
      shardIndex: shard, shardCount: count, inputs: ["samples/events.jsonl"])
  }

  private let payload: [UInt8] = Array("any bytes\n\u{0}\u{1F}\u{FF} of the fold".utf8) + [0x00, 0xFF, 0x0A]

  @Test func aFileReadsBackAsWrittenAndTheSameInputGivesTheSameBytes() throws {
    let bytes = PartialFile.encode(header: header(shard: 2, of: 3), payload: payload)
    let (readHeader, readPayload) = try PartialFile.decode(bytes, path: "a.partial")
    #expect(readHeader == header(shard: 2, of: 3))
    #expect(readPayload == payload)
    #expect(PartialFile.encode(header: header(shard: 2, of: 3), payload: payload) == bytes)
    #expect(String(decoding: bytes.prefix(27), as: UTF8.self) == "runbook-revenant partial 1\n")
  }

  @Test func anyChangedByteIsFoundAndTheFileNamed() throws {
    let bytes = PartialFile.encode(header: header(), payload: payload)
    // Every byte of the header's line on, flipped in turn, is caught (the first line names the format).
    for index in 27..<bytes.count {
      var damaged = bytes
      damaged[index] ^= 0x01
      #expect(throws: PartialFileError.self, "byte \(index)") { try PartialFile.decode(damaged, path: "a.partial") }
    }
    var damaged = bytes
    damaged[bytes.count - 20] ^= 0x01
    #expect(throws: PartialFileError.checksumMismatch(path: "a.partial")) { try PartialFile.decode(damaged, path: "a.partial") }
    #expect(throws: PartialFileError.corrupt(path: "b.partial", reason: "its checksum line is missing")) {
      try PartialFile.decode(Array(bytes.dropLast(30)), path: "b.partial")
    }
  }

  @Test func otherFilesAndOtherFormatsAreRefusedInWords() throws {
    #expect(throws: PartialFileError.notAPartial(path: "events.jsonl")) {
      try PartialFile.decode(Array(#"{"id":"e1"}"#.utf8), path: "events.jsonl")
    }
    var later = PartialFile.encode(header: header(), payload: payload)
    later[25] = UInt8(ascii: "2")
    let error = try #require(throws: PartialFileError.self) { try PartialFile.decode(later, path: "new.partial") }
    #expect(error == .unsupportedFormat(path: "new.partial", found: 2))
    #expect("\(error)".contains("this version reads format 1"))
  }

  @Test func partialsMergeOnlyWithTheSameCommandDefinitionsAndSettings() throws {
    let expected = header()
    #expect(throws: Never.self) {
      try PartialFile.checkMergeable([("1", header(shard: 1, of: 2)), ("2", header(shard: 2, of: 2))], expected: expected)
    }
    let otherCommand = try #require(throws: PartialFileError.self) {
      try PartialFile.checkMergeable([("p.partial", header(command: "reliability patterns"))], expected: expected)
    }
    #expect("\(otherCommand)" == "p.partial: made with command `reliability patterns`, but this merge needs `slo check`")
    let otherTime = try #require(throws: PartialFileError.self) {
      try PartialFile.checkMergeable([("t.partial", header(at: "2026-11-04T00:00:00Z"))], expected: expected)
    }
    #expect("\(otherTime)" == "t.partial: made with --at 2026-11-04T00:00:00Z, but this merge needs 2026-11-03T00:00:00Z")
    var otherDefinitions = header()
    otherDefinitions.definitionsDigest = String(repeating: "cd", count: 32)
    #expect(throws: PartialFileError.self) { try PartialFile.checkMergeable([("d", otherDefinitions)], expected: expected) }
    var otherVersion = header()
    otherVersion.toolVersion = "0.8.0"
    #expect(throws: PartialFileError.mismatch(path: "v", field: "version", expected: "0.9.0", found: "0.8.0")) {
      try PartialFile.checkMergeable([("v", otherVersion)], expected: expected)
    }
  }

  @Test func missingAndRepeatedShardsAreNamed() throws {
    let expected = header()
    let missing = try #require(throws: PartialFileError.self) {
      try PartialFile.checkMergeable([("a", header(shard: 1, of: 4)), ("c", header(shard: 3, of: 4))], expected: expected)
    }
    #expect("\(missing)" == "missing shards 2/4, 4/4: every shard must be merged")
    #expect(throws: PartialFileError.duplicateShard(shard: "2/3", paths: ["b", "b2"])) {
      try PartialFile.checkMergeable(
        [("a", header(shard: 1, of: 3)), ("b", header(shard: 2, of: 3)), ("b2", header(shard: 2, of: 3)), ("c", header(shard: 3, of: 3))],
        expected: expected)
    }
    #expect(throws: PartialFileError.differentShardCounts(path: "x", expected: 2, found: 3)) {
      try PartialFile.checkMergeable([("a", header(shard: 1, of: 2)), ("x", header(shard: 2, of: 3))], expected: expected)
    }
  }

  /// A payload with sections (files of rows) streams into the same bytes as one held whole, and is checked on disk.
  @Test func sectionsStreamIntoTheFileAndAreCheckedWithIt() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("partial-test-\(UInt32.random(in: 0...UInt32.max))")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    // More than one block of the reader: the payload's end falls inside a later block.
    let rows = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
    let sectionPath = directory.appendingPathComponent("rows").path
    try Data(rows).write(to: URL(fileURLWithPath: sectionPath))
    var streamed: [UInt8] = []
    let written = try PartialFile.write(header: header(shard: 3, of: 3), payload: payload, sections: [sectionPath]) { streamed += $0 }
    #expect(written == streamed.count)
    #expect(streamed == PartialFile.encode(header: header(shard: 3, of: 3), payload: payload + rows))
    let filePath = directory.appendingPathComponent("p.partial").path
    try Data(streamed).write(to: URL(fileURLWithPath: filePath))
    let opened = try PartialFile.open(filePath) { try #require(FileHandle(forReadingAtPath: $0)) }
    #expect(opened.header == header(shard: 3, of: 3))
    #expect(Array(streamed[opened.payload]) == payload + rows)
    #expect(try opened.payloadPrefix(upTo: payload.count) == payload)
    // A byte of the section changed: the checksum, over the whole file, finds it.
    streamed[opened.payload.lowerBound + payload.count + 250_000] ^= 0x40
    try Data(streamed).write(to: URL(fileURLWithPath: filePath))
    #expect(throws: PartialFileError.checksumMismatch(path: filePath)) {
      try PartialFile.open(filePath) { try #require(FileHandle(forReadingAtPath: $0)) }
    }
  }
}
