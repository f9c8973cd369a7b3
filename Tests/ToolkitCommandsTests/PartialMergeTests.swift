import Foundation
import TestSupport
import Testing

/// `--emit-partial` per shard, then `--from-partials`: the bytes (and exit status) of one run over everything.
@Suite("Sharded runs merged from partial-result files", .serialized)
struct PartialMergeTests {
  static let at = "2026-11-23T06:00:00Z"

  /// The commands that fold, each with the arguments of one output.
  static let commands: [(tool: String, arguments: [String])] = [
    ("incidents", ["validate"]),
    ("slo", ["check", "--slos", "samples/slos.yaml", "--at", at, "--format", "junit", "--min-remaining", "0.5"]),
    ("slo", ["report", "--slos", "samples/slos.yaml", "--at", at, "--format", "json", "--explain"]),
    ("reliability", ["patterns", "--at", at, "--format", "json", "--min-count", "1"]),
    ("reliability", ["patterns", "--at", at, "--week", "2026-W46"]),
  ]

  /// The samples with one event's id given to an event of an incident in another shard of three:
  /// a conflict only a shard that sees the other shard's ids can find.
  static func streamReusingAnIdAcrossShards(in dir: TemporaryDirectory) throws -> String {
    func firstEvent(ofShard shard: Int) throws -> [String: Any] {
      let result = try runTool("incidents", ["export", "--events", "samples/events.jsonl", "--shard", "\(shard)/3"])
      let line = try #require(result.stdout.split(separator: "\n").dropFirst(4).first)
      return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }
    let kept = try #require(try firstEvent(ofShard: 1)["id"] as? String)
    let reusing = try #require(try firstEvent(ofShard: 3)["id"] as? String)
    let samples = try String(contentsOfFile: Repository.path("samples/events.jsonl"), encoding: .utf8)
    let lines = samples.split(separator: "\n").map { line in
      line.contains("\"id\":\"\(reusing)\"")
        ? line.replacingOccurrences(of: "\"id\":\"\(reusing)\"", with: "\"id\":\"\(kept)\"") : String(line)
    }
    #expect(lines.joined(separator: "\n") != samples.trimmingCharacters(in: .newlines), "no event had id \(reusing)")
    return try dir.write("reused-id.jsonl", lines: lines)
  }

  @Test func threeShardsMergedInAnyOrderRenderTheBytesOfOneRun() throws {
    let dir = try TemporaryDirectory()
    let dirty = dir.path("dirty.jsonl")
    let generated = try runTool(
      "incidents", ["generate", "--dirty", "--seed", "41", "--incidents", "300", "--weeks", "6", "--out", dirty])
    #expect(generated.status == 0, "\(generated.stderr)")
    let reused = try Self.streamReusingAnIdAcrossShards(in: dir)
    var statuses: Set<Int32> = []
    for (events, commands) in [("samples/events.jsonl", Self.commands), (dirty, Self.commands), (reused, Array(Self.commands.prefix(2)))] {
      for (tool, arguments) in commands {
        let whole = try runTool(tool, arguments + ["--events", events])
        #expect(!whole.stdout.isEmpty, "\(tool) \(arguments): \(whole.stderr)")
        statuses.insert(whole.status)
        var partials: [String] = []
        for shard in 1...3 {
          let partial = dir.path("\(tool)-\(partials.count)-\(shard).partial")
          let emitted = try runTool(
            tool, arguments + ["--events", events, "--shard", "\(shard)/3", "--emit-partial", partial])
          #expect(emitted.status == 0, "\(tool) \(arguments) shard \(shard): \(emitted.stderr)")
          #expect(emitted.stdout.isEmpty, "an emitting run renders nothing")
          partials.append(partial)
        }
        let merged = try runTool(tool, arguments + ["--from-partials"] + [partials[2], partials[0], partials[1]])
        #expect(merged.status == whole.status, "\(tool) \(arguments) on \(events): \(merged.stderr)")
        #expect(merged.stdout == whole.stdout, "\(tool) \(arguments) on \(events)")
        // The summary line of skipped records is the one-run figure too.
        let skippedLine = { (text: String) in text.split(separator: "\n").filter { $0.hasPrefix("skipped ") } }
        #expect(skippedLine(merged.stderr) == skippedLine(whole.stderr), "\(tool) \(arguments) on \(events)")
      }
    }
    // The inputs exercise both outcomes: clean or within policy (0) and skipped input or a breach (1).
    #expect(statuses == [0, 1])
  }

  /// The files `reliability weekly` wrote into `directory`, by name.
  static func reports(in directory: String) throws -> [String: Data] {
    let names = try FileManager.default.contentsOfDirectory(atPath: directory)
    return try Dictionary(
      uniqueKeysWithValues: names.map { ($0, try Data(contentsOf: URL(fileURLWithPath: directory).appendingPathComponent($0))) })
  }

  /// Workbooks and summaries, their Incidents and Timeline rows merged from every shard's sorted sections.
  @Test func weeklyReportsMergedFromShardsAreByteIdentical() throws {
    let dir = try TemporaryDirectory()
    let dirty = dir.path("dirty.jsonl")
    #expect(
      try runTool("incidents", ["generate", "--dirty", "--seed", "8", "--incidents", "300", "--weeks", "3", "--out", dirty]).status == 0)
    for (index, events) in ["samples/events.jsonl", dirty].enumerated() {
      let weekly = ["weekly", "--slos", "samples/slos.yaml", "--at", Self.at, "--week", "2026-W46"]
      let whole = try runTool("reliability", weekly + ["--events", events, "--out-dir", dir.path("whole-\(index)")])
      #expect(whole.status == 0, "\(whole.stderr)")
      var partials: [String] = []
      for shard in 1...3 {
        let partial = dir.path("weekly-\(index)-\(shard).partial")
        let emitted = try runTool(
          "reliability",
          weekly + ["--events", events, "--shard", "\(shard)/3", "--emit-partial", partial, "--out-dir", dir.path("unused")])
        #expect(emitted.status == 0, "\(emitted.stderr)")
        partials.append(partial)
      }
      #expect(!FileManager.default.fileExists(atPath: dir.path("unused")), "a shard writes no report")
      let merged = try runTool(
        "reliability", weekly + ["--from-partials"] + partials.shuffled() + ["--out-dir", dir.path("merged-\(index)")])
      #expect(merged.status == 0, "\(merged.stderr)")
      let expected = try Self.reports(in: dir.path("whole-\(index)"))
      #expect(expected.count == 4, "a workbook and a summary per org")
      #expect(try Self.reports(in: dir.path("merged-\(index)")) == expected, "\(events)")
    }
  }

  /// Every shard replays the drafted incident and folds its own shard's incidents around it: related incidents and
  /// the SLO impact merge into the draft of one run, in both formats; an unknown id still gets its suggestions.
  @Test(arguments: ["inc_0001p7bd9", "inc_00001p7bd"])
  func draftsMergedFromShardsAreTheDraftOfOneRun(incident: String) throws {
    let dir = try TemporaryDirectory()
    let options = ["--slos", "samples/slos.yaml", "--at", "2026-11-23T00:00:00Z", "--force"]
    for format in ["markdown", "json"] {
      let draft = ["draft", incident, "--format", format] + options
      let whole = try runTool("postmortem", draft + ["--events", "samples/events.jsonl"])
      var partials: [String] = []
      for shard in 1...3 {
        let partial = dir.path("draft-\(format)-\(shard).partial")
        let emitted = try runTool(
          "postmortem", draft + ["--events", "samples/events.jsonl", "--shard", "\(shard)/3", "--emit-partial", partial])
        #expect(emitted.status == 0, "\(emitted.stderr)")
        partials.append(partial)
      }
      let merged = try runTool("postmortem", draft + ["--from-partials"] + partials.reversed())
      #expect(merged.status == whole.status, "\(merged.stderr)")
      #expect(merged.stdout == whole.stdout, "\(incident) \(format)")
      // An id the input lacks: the same one line, its suggestions and count gathered from every shard.
      if whole.status != 0 {
        #expect(whole.stderr.contains("did you mean"), "\(whole.stderr)")
        #expect(merged.stderr == whole.stderr)
      }
    }
  }

  @Test func aPartialOfTheWholeInputMergesAlone() throws {
    let dir = try TemporaryDirectory()
    let arguments = ["check", "--slos", "samples/slos.yaml", "--at", Self.at, "--format", "json"]
    let whole = try runTool("slo", arguments + ["--events", "samples/events.jsonl"])
    let partial = dir.path("all.partial")
    #expect(try runTool("slo", arguments + ["--events", "samples/events.jsonl", "--emit-partial", partial]).status == 0)
    let merged = try runTool("slo", arguments + ["--from-partials", partial])
    #expect(merged.stdout == whole.stdout)
    #expect(merged.status == whole.status)
  }

  @Test func aShardsPartialIsTheSameBytesWhateverTheThreadsPartitionsAndMemoryLimit() throws {
    let dir = try TemporaryDirectory()
    let base = [
      "report", "--events", "samples/events.jsonl", "--slos", "samples/slos.yaml", "--at", Self.at, "--explain", "--shard", "2/3",
    ]
    var files: [Data] = []
    for split in [["--threads", "1", "--partitions", "1"], ["--threads", "3", "--partitions", "7", "--memory-limit", "1K"]] {
      let path = dir.path("p\(files.count).partial")
      let result = try runTool("slo", base + split + ["--emit-partial", path])
      #expect(result.status == 0, "\(result.stderr)")
      files.append(try Data(contentsOf: URL(fileURLWithPath: path)))
    }
    #expect(files[0] == files[1])
    let text = String(decoding: files[0], as: UTF8.self)
    #expect(text.hasPrefix("runbook-revenant partial 1\n{\"command\":\"slo report\""))
    #expect(text.contains("\"shardCount\":3,\"shardIndex\":2"))
  }

  @Test func aMergeRefusesMissingRepeatedForeignAndDamagedPartials() throws {
    let dir = try TemporaryDirectory()
    let check = ["check", "--slos", "samples/slos.yaml", "--at", Self.at]
    var shards: [String] = []
    for shard in 1...3 {
      let path = dir.path("s\(shard).partial")
      let result = try runTool("slo", check + ["--events", "samples/events.jsonl", "--shard", "\(shard)/3", "--emit-partial", path])
      #expect(result.status == 0, "\(result.stderr)")
      shards.append(path)
    }
    func refused(_ arguments: [String], tool: String = "slo", saying message: String) throws {
      let result = try runTool(tool, arguments)
      #expect(result.status == 2, "\(arguments)")
      #expect(result.stdout.isEmpty)
      #expect(result.stderr.contains(message), "\(result.stderr)")
      #expect(result.stderrLines.count == 1, "\(result.stderr)")
    }
    try refused(check + ["--from-partials", shards[0], shards[2]], saying: "missing shard 2/3: every shard must be merged")
    try refused(check + ["--from-partials"] + shards + [shards[1]], saying: "shard 2/3 is given twice: \(shards[1]), \(shards[1])")
    try refused(
      ["check", "--slos", "samples/slos.yaml", "--at", "2026-11-24", "--from-partials"] + shards,
      saying: "\(shards[0]): made with --at 2026-11-23T06:00:00.000Z, but this merge needs 2026-11-24T00:00:00.000Z")
    try refused(
      ["report", "--slos", "samples/slos.yaml", "--at", Self.at, "--from-partials"] + shards,
      saying: "made with command `slo check`, but this merge needs `slo report`")
    try refused(["validate", "--from-partials"] + shards, tool: "incidents", saying: "made with command `slo check`")
    // Other definitions: one SLO fewer.
    let yaml = try String(contentsOfFile: Repository.path("samples/slos.yaml"), encoding: .utf8)
    let fewer = dir.path("fewer.yaml")
    try yaml.components(separatedBy: "\n---").dropLast().joined(separator: "\n---").write(toFile: fewer, atomically: true, encoding: .utf8)
    try refused(["check", "--slos", fewer, "--at", Self.at, "--from-partials"] + shards, saying: "made with SLO definitions digest")
    // One byte changed in the payload.
    var bytes = try Data(contentsOf: URL(fileURLWithPath: shards[1]))
    let index = bytes.count / 2
    bytes[index] = bytes[index] == UInt8(ascii: "1") ? UInt8(ascii: "2") : UInt8(ascii: "1")
    let damaged = dir.path("damaged.partial")
    try bytes.write(to: URL(fileURLWithPath: damaged))
    try refused(
      check + ["--from-partials", shards[0], damaged, shards[2]],
      saying: "\(damaged): damaged partial-result file: its checksum does not match its content")
    try refused(check + ["--from-partials", "samples/events.jsonl"], saying: "samples/events.jsonl: not a partial-result file")
    try refused(check + ["--from-partials", dir.path("absent.partial")], saying: "cannot read the partial-result file")
  }

  @Test func partialOptionsThatContradictEachOtherAreUsageErrors() throws {
    let check = ["check", "--slos", "samples/slos.yaml", "--at", Self.at]
    for (arguments, message) in [
      (["--from-partials", "a.partial", "--events", "samples/events.jsonl"], "'--from-partials' is an input of its own"),
      (["--from-partials", "a.partial", "--shard", "1/2"], "'--shard' applies to runs that read events"),
      (["--from-partials", "a.partial", "--emit-partial", "b.partial"], "mutually exclusive"),
    ] {
      let result = try runTool("slo", check + arguments)
      #expect(result.status == 2)
      #expect(result.stderr.contains(message), "\(result.stderr)")
    }
  }

  @Test func aRunThatFailsLeavesNoPartialFile() throws {
    let dir = try TemporaryDirectory()
    let dirty = dir.path("dirty.jsonl")
    #expect(
      try runTool("incidents", ["generate", "--dirty", "--seed", "5", "--incidents", "60", "--weeks", "2", "--out", dirty]).status == 0)
    let partial = dir.path("never.partial")
    let result = try runTool("incidents", ["validate", "--events", dirty, "--strict", "--shard", "1/2", "--emit-partial", partial])
    #expect(result.status == 2)
    #expect(!FileManager.default.fileExists(atPath: partial))
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path("")).sorted() == ["dirty.jsonl"])
  }
}
