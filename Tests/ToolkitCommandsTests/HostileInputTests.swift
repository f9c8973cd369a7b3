import Foundation
import TestSupport
import Testing

/// The reproductions of the hostile-input review, each run as a user would run it.
@Suite("Hostile input: no crash, no hang, no half-written report")
struct HostileInputTests {
  static let at = "2026-11-23T00:00:00Z"
  static let sloArguments = ["--slos", "samples/slos.yaml", "--at", at]

  /// The samples with two METRIC signals for acme's payments whose counts no 64-bit sum holds.
  private func samplesWithHugeCounts(in dir: TemporaryDirectory) throws -> String {
    func signal(_ id: String, _ minute: Int, _ count: String) -> String {
      #"{"id":"\#(id)","orgId":"org_acme","incidentId":"inc_ovf","ts":"2026-11-20T02:5\#(minute):00Z","type":"INCIDENT_SIGNAL_INGESTED","#
        + #""payload":{"signalId":"\#(id)","signalType":"METRIC","serviceName":"payments","source":"prometheus","summary":"x","#
        + #""data":{"good":\#(count),"total":\#(count)}}}"#
    }
    let samples = try String(contentsOfFile: Repository.path("samples/events.jsonl"), encoding: .utf8)
    let path = dir.path("huge-counts.jsonl")
    try (samples + signal("evt_ovf1", 1, "9223372036854775807") + "\n" + signal("evt_ovf2", 2, "5000000000000000000") + "\n")
      .write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  private func requestSuccess(_ json: String) throws -> [String: Any] {
    let document = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
    let slos = document?["slos"] as? [[String: Any]] ?? []
    return try #require(slos.first { $0["name"] as? String == "acme-payments-request-success" })
  }

  @Test func requestCountsPastAnyInt64SumAreAddedExactly() throws {
    let dir = try TemporaryDirectory()
    let events = try samplesWithHugeCounts(in: dir)
    let plain = try runTool("slo", ["report", "--events", "samples/events.jsonl", "--format", "json"] + Self.sloArguments)
    let huge = try runTool("slo", ["report", "--events", events, "--format", "json"] + Self.sloArguments)
    #expect(huge.status == 0, "\(huge.stderr)")
    let before = try requestSuccess(plain.stdout), after = try requestSuccess(huge.stdout)
    let added = 9_223_372_036_854_775_807.0 + 5_000_000_000_000_000_000.0
    let validBefore = try #require(before["valid"] as? Double), validAfter = try #require(after["valid"] as? Double)
    #expect(abs(validAfter - (validBefore + added)) <= added * 1e-15, "the two counts are added to the window's")
    #expect(after["bad"] as? Int == before["bad"] as? Int, "both signals are all good: the bad count is unchanged")
    for command in [
      ["slo", "check", "--events", events] + Self.sloArguments,
      ["slo", "report", "--events", events, "--explain"] + Self.sloArguments,
      ["reliability", "weekly", "--events", events, "--slos", "samples/slos.yaml", "--week", "2026-W47", "--out-dir", dir.path("w")],
      ["postmortem", "draft", "inc_ovf", "--force", "--events", events] + Self.sloArguments,
      ["incidents", "show", "inc_ovf", "--events", events],
    ] {
      let result = try runTool(command[0], Array(command.dropFirst()))
      #expect([0, 1].contains(result.status), "\(command.prefix(2)): \(result.status) \(result.stderr.suffix(300))")
    }
  }

  @Test(arguments: ["99999999999999d", "1000000000000w", "1000000000000000h", "100000000d", "3661d", "99999999999999999999999d"])
  func aWindowPastTenYearsIsRefusedAtOnce(duration: String) throws {
    let dir = try TemporaryDirectory()
    let text = try String(contentsOfFile: Repository.path("samples/slos.yaml"), encoding: .utf8)
    let file = dir.path("slos.yaml")
    try text.replacingOccurrences(of: "duration: 28d", with: "duration: \(duration)").write(toFile: file, atomically: true, encoding: .utf8)
    let result = try runTool("slo", ["check", "--events", "samples/events.jsonl", "--slos", file, "--at", Self.at])
    #expect(result.status == 2)
    #expect(
      result.stderr
        == "Error: \(file): document 1, line 23: field \"spec.timeWindow[0].duration\": \(duration) is longer than the 3660 days (ten years) a definition may give\n"
    )
  }

  @Test func aTenYearWindowStillWorks() throws {
    let dir = try TemporaryDirectory()
    let text = try String(contentsOfFile: Repository.path("samples/slos.yaml"), encoding: .utf8)
    let file = dir.path("slos.yaml")
    try text.replacingOccurrences(of: "duration: 28d", with: "duration: 3660d").write(toFile: file, atomically: true, encoding: .utf8)
    let result = try runTool("slo", ["report", "--events", "samples/events.jsonl", "--slos", file, "--at", Self.at])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("rolling 3660d"), "\(result.stdout.prefix(400))")
  }

  @Test func targetAndTargetPercentTogetherAreRefused() throws {
    let dir = try TemporaryDirectory()
    let text = try String(contentsOfFile: Repository.path("samples/slos.yaml"), encoding: .utf8)
    let file = dir.path("slos.yaml")
    let both = text.replacingOccurrences(
      of: "      target: 0.99\n", with: "      target: 0.99\n      targetPercent: 99.5\n", options: [], range: nil)
    try both.write(toFile: file, atomically: true, encoding: .utf8)
    let result = try runTool("slo", ["check", "--events", "samples/events.jsonl", "--slos", file, "--at", Self.at])
    #expect(result.status == 2)
    #expect(
      result.stderr.contains("field \"spec.objectives[0].targetPercent\": give target or targetPercent, not both"), "\(result.stderr)")
  }

  // MARK: - Output files

  private static let weekly = [
    "weekly", "--events", "samples/events.jsonl", "--slos", "samples/slos.yaml", "--week", "2026-W47", "--at", "2026-11-23T06:00:00Z",
  ]

  @Test func aWeeklyReportIntoADirectoryItCannotWriteFailsCleanly() throws {
    // Under /tmp itself, which everyone may enter: $TMPDIR may be private to the user running the tests.
    var template = Array("/tmp/rr-read-only-XXXXXX".utf8CString)
    let made = try #require(mkdtemp(&template).map { String(cString: $0) })
    defer { try? FileManager.default.removeItem(atPath: made) }
    let dir = TemporaryFolder(path: made)
    let out = dir.path("read-only")
    try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
    chmod(made, 0o755)
    chmod(out, 0o555)
    defer { chmod(out, 0o755) }
    // As an unprivileged user: root writes anywhere.
    let prefix = runningAsRoot ? "setpriv --reuid=nobody --regid=nogroup --clear-groups " : ""
    let copy = dir.path("events.jsonl"), slos = dir.path("slos.yaml")
    try FileManager.default.copyItem(atPath: Repository.path("samples/events.jsonl"), toPath: copy)
    try FileManager.default.copyItem(atPath: Repository.path("samples/slos.yaml"), toPath: slos)
    chmod(copy, 0o644)
    chmod(slos, 0o644)
    // A copy of the executable beside the inputs: the checkout may sit where `nobody` cannot enter (a home directory).
    let tool = dir.path("reliability")
    try FileManager.default.copyItem(atPath: TestTools.products.appendingPathComponent("reliability").path, toPath: tool)
    chmod(tool, 0o755)
    let result = try runShell(
      "cd /tmp && \(prefix)'\(tool)' weekly --events '\(copy)' --slos '\(slos)' --week 2026-W47 --out-dir '\(out)'")
    #expect(result.status == 2, "\(result.stderr)")
    #expect(result.stderrLines.last == "Error: cannot create \(out)/reliability-org_acme-2026-W47.xlsx: Permission denied")
    #expect(try FileManager.default.contentsOfDirectory(atPath: out).isEmpty)
  }

  @Test func aFullDiskLeavesNoTemporaryFileAndNoReport() throws {
    let dir = try TemporaryDirectory()
    // A file-size limit stands in for a full disk: writes past it fail with EFBIG once SIGXFSZ is ignored.
    let result = try runShell(
      "trap '' XFSZ; ulimit -f 16; \"$B/reliability\" \(Self.weekly.joined(separator: " ")) --out-dir '\(dir.path("out"))'")
    #expect(result.status == 2, "\(result.stderr)")
    #expect(result.stderrLines.last?.hasPrefix("Error: cannot write ") == true, "\(result.stderr)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path("out")).isEmpty, "nothing left behind")
  }

  @Test func aSummaryPathThatIsADirectoryLeavesNoWorkbookInPlace() throws {
    let dir = try TemporaryDirectory()
    let out = dir.path("out")
    try FileManager.default.createDirectory(atPath: out + "/reliability-org_globex-2026-W47.md", withIntermediateDirectories: true)
    let result = try runTool("reliability", Self.weekly + ["--out-dir", out])
    #expect(result.status == 2)
    #expect(result.stderrLines.last == "Error: cannot write \(out)/reliability-org_globex-2026-W47.md: it is a directory")
    #expect(try FileManager.default.contentsOfDirectory(atPath: out) == ["reliability-org_globex-2026-W47.md"], "all or nothing")
  }

  @Test func replacingAReportSetKeepsTheOldOneWhenTheNewOneFails() throws {
    let dir = try TemporaryDirectory()
    let out = dir.path("out")
    #expect(try runTool("reliability", Self.weekly + ["--out-dir", out]).status == 0)
    let before = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
    let acme = try Data(contentsOf: URL(fileURLWithPath: out + "/reliability-org_acme-2026-W47.xlsx"))
    // The same week from other input, onto a set whose globex summary cannot be replaced.
    try FileManager.default.removeItem(atPath: out + "/reliability-org_globex-2026-W47.md")
    try FileManager.default.createDirectory(atPath: out + "/reliability-org_globex-2026-W47.md", withIntermediateDirectories: true)
    let result = try runTool(
      "reliability", Self.weekly.map { $0 == "2026-11-23T06:00:00Z" ? "2026-11-23T05:00:00Z" : $0 } + ["--out-dir", out])
    #expect(result.status == 2)
    #expect(try FileManager.default.contentsOfDirectory(atPath: out).sorted() == before)
    #expect(try Data(contentsOf: URL(fileURLWithPath: out + "/reliability-org_acme-2026-W47.xlsx")) == acme, "the old workbook stays")
  }

  private static let check = ["check", "--events", "samples/events.jsonl", "--slos", "samples/slos.yaml", "--at", at]

  @Test func outWritesThroughASymbolicLinkAndKeepsTheLink() throws {
    let dir = try TemporaryDirectory()
    let link = dir.path("latest.txt"), target = dir.path("reports/2026-11-23.txt")
    try FileManager.default.createDirectory(atPath: dir.path("reports"), withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "reports/2026-11-23.txt")
    let result = try runTool("slo", Self.check + ["--out", link])
    #expect(result.status == 1, "samples breach an SLO: \(result.stderr)")
    #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == "reports/2026-11-23.txt", "still a link")
    let written = try String(contentsOfFile: target, encoding: .utf8)
    #expect(written == (try runTool("slo", Self.check)).stdout)
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path("reports")) == ["2026-11-23.txt"], "no temporary file left")
  }

  @Test func outToADeviceOrAPipeWritesToItWithoutReplacingIt() throws {
    let dir = try TemporaryDirectory()
    let result = try runTool("slo", Self.check + ["--out", "/dev/null"])
    #expect(result.status == 1)
    var info = stat()
    #expect(stat("/dev/null", &info) == 0 && info.st_mode & S_IFMT == S_IFCHR, "/dev/null is still a device")
    let fifo = dir.path("fifo")
    #expect(mkfifo(fifo, 0o644) == 0)
    let piped = try runShell(
      "cat '\(fifo)' > '\(dir.path("read"))' & \"$B/slo\" \(Self.check.joined(separator: " ")) --out '\(fifo)'; status=$?; wait; exit $status"
    )
    #expect(piped.status == 1)
    #expect(try String(contentsOfFile: dir.path("read"), encoding: .utf8) == (try runTool("slo", Self.check)).stdout)
    #expect(stat(fifo, &info) == 0 && info.st_mode & S_IFMT == S_IFIFO, "the FIFO is still a FIFO")
  }

  @Test func outNamingADirectoryIsRefused() throws {
    let dir = try TemporaryDirectory()
    let result = try runTool("slo", Self.check + ["--out", dir.url.path])
    #expect(result.status == 2)
    #expect(result.stderr == "Error: cannot write \(dir.url.path): it is a directory\n")
  }

  // MARK: - Standard streams

  @Test(arguments: [
    "\"$B/slo\" report --events samples/events.jsonl --slos samples/slos.yaml --at 2026-11-23T00:00:00Z --format json --explain",
    "\"$B/slo\" report --events samples/events.jsonl --slos samples/slos.yaml --at 2026-11-23T00:00:00Z",
    "\"$B/reliability\" patterns --events samples/events.jsonl --week 2026-W47",
    "\"$B/incidents\" validate --events samples/events.jsonl",
    "\"$B/incidents\" show inc_00000afa9 --events samples/events.jsonl",
    "\"$B/postmortem\" lint Tests/Fixtures/blameful.md",
  ])
  func aFullStandardOutputIsAnError(command: String) throws {
    let result = try runShell("\(command) > /dev/full")
    #expect(result.status == 2, "\(result.stderr)")
    #expect(result.stderrLines.last == "Error: cannot write standard output: No space left on device", "\(result.stderr)")
  }

  @Test func aClosedPipeStillEndsQuietly() throws {
    let result = try runShell(
      "\"$B/slo\" report --events samples/events.jsonl --slos samples/slos.yaml --at 2026-11-23T00:00:00Z --format json --explain | head -c 10 >/dev/null; echo \"status ${PIPESTATUS:-}\""
    )
    #expect(result.status == 0)
    #expect(result.stderr.isEmpty, "no message for a reader that stopped reading: \(result.stderr)")
  }

  @Test(arguments: ["2>/dev/full", "2>&-"])
  func diagnosticsThatCannotBeWrittenMakeTheRunFailWithoutACrash(redirection: String) throws {
    let dir = try TemporaryDirectory()
    let samples = try String(contentsOfFile: Repository.path("samples/events.jsonl"), encoding: .utf8)
    let file = dir.path("broken.jsonl")
    try (samples + "not json\n{\"id\":1}\n").write(toFile: file, atomically: true, encoding: .utf8)
    let result = try runShell(
      "\"$B/incidents\" validate --events '\(file)' \(redirection) > '\(dir.path("out"))'; echo $? > '\(dir.path("status"))'")
    let status = try String(contentsOfFile: dir.path("status"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(status == "2", "exit 2, not a signal: \(result.stderr)")
    let written = try String(contentsOfFile: dir.path("out"), encoding: .utf8)
    #expect(written.contains("records read"), "the summary still went to standard output")
    #expect(!written.contains("invalid JSON at column"), "diagnostics never land in the output")
  }

  @Test func aClosedStandardOutputIsAnErrorAndNoFileTakesItsPlace() throws {
    let result = try runShell("\"$B/incidents\" validate --events samples/events.jsonl >&-")
    #expect(result.status == 2)
    #expect(result.stderr == "Error: cannot write standard output: it was closed\n")
  }

  // MARK: - Templates

  private func draft(template text: String) throws -> CommandResult {
    let dir = try TemporaryDirectory()
    let template = dir.path("t.mustache")
    try text.write(toFile: template, atomically: true, encoding: .utf8)
    return try runTool(
      "postmortem", ["draft", "inc_000534997", "--events", "samples/events.jsonl", "--template", template] + Self.sloArguments)
  }

  @Test func deeplyNestedSectionsAreRefusedNotACrash() throws {
    let result = try draft(template: String(repeating: "{{#impact}}", count: 5000) + String(repeating: "{{/impact}}", count: 5000))
    #expect(result.status == 2)
    // The 33rd opening tag, at column 32 × 11 + 1.
    #expect(result.stderr.hasSuffix(".mustache:1:353: sections nested more than 32 deep\n"), "\(result.stderr)")
  }

  @Test func thirtyTwoLevelsStillRender() throws {
    let result = try draft(
      template: "{{% CONTENT_TYPE: TEXT}}" + String(repeating: "{{#impact}}", count: 32) + "{{title}}"
        + String(repeating: "{{/impact}}", count: 32) + "\n")
    #expect(result.status == 0, "\(result.stderr)")
    #expect(!result.stdout.isEmpty)
  }

  @Test func tooManyTagsAndTooLargeTemplatesAreRefused() throws {
    let many = try draft(template: "{{% CONTENT_TYPE: TEXT}}\n" + String(repeating: "{{a}}", count: 5_000))
    #expect(many.status == 2)
    // The 4001st tag, the 4000th of line 2 (5 characters each).
    #expect(many.stderr.hasSuffix(".mustache:2:19996: more than 4000 tags\n"), "\(many.stderr)")
    let large = try draft(template: String(repeating: "x", count: 300_000))
    #expect(large.status == 2)
    #expect(large.stderr.hasSuffix(": it is larger than the 256 KiB such a file may have\n"), "\(large.stderr)")
    // Named by mistake, /dev/zero is read no further than the limit.
    let zero = try runTool(
      "postmortem", ["draft", "inc_000534997", "--events", "samples/events.jsonl", "--template", "/dev/zero"] + Self.sloArguments)
    #expect(zero.stderr == "Error: cannot read the template /dev/zero: it is larger than the 256 KiB such a file may have\n")
  }

  @Test func aTemplateThatIsADirectoryOrDoesNotParseGetsWords() throws {
    let directory = try runTool(
      "postmortem", ["draft", "inc_000534997", "--events", "samples/events.jsonl", "--template", "/tmp"] + Self.sloArguments)
    #expect(directory.status == 2)
    #expect(directory.stderr == "Error: cannot read the template /tmp: it is a directory\n")
    let broken = try draft(template: "# {{incident.title}}\n{{#timeline}}\n")
    #expect(broken.status == 2)
    #expect(broken.stderr.hasSuffix(".mustache:3:1: a section is not closed\n"), "\(broken.stderr)")
    #expect(broken.stderr.contains("a section is not closed"), "\(broken.stderr)")
    #expect(!broken.stderr.contains("MustacheParserContext"), "no Swift value dump")
  }

  // MARK: - Messages

  @Test func aCorruptGzipStreamGetsItsOneErrorNotGarbageDiagnostics() throws {
    let dir = try TemporaryDirectory()
    let zipped = try runShell("gzip -c samples/events.jsonl > '\(dir.path("events.jsonl.gz"))'")
    #expect(zipped.status == 0)
    var bytes = try Data(contentsOf: URL(fileURLWithPath: dir.path("events.jsonl.gz")))
    bytes[bytes.count / 3] ^= 0x55
    try bytes.write(to: URL(fileURLWithPath: dir.path("events.jsonl.gz")))
    let result = try runTool("incidents", ["validate", "--events", dir.path("events.jsonl.gz")])
    #expect(result.status == 2)
    #expect(result.stderrLines.count <= 2, "\(result.stderr.prefix(600))")
    // zlib's own reason sits in the parentheses (which check failed depends on the byte flipped).
    let message = try #require(result.stderrLines.last)
    #expect(message.hasPrefix("Error: \(dir.path("events.jsonl.gz")): not a readable gzip stream: the compressed data is corrupt ("))
    #expect(message.hasSuffix("): a damaged or truncated copy?"))
  }

  @Test func usageErrorsAreOneLine() throws {
    let missing = try runTool("slo", ["check", "--events", "samples/events.jsonl"])
    #expect(missing.status == 2)
    #expect(missing.stderr == "Error: Missing expected argument '--slos <path>' (see 'slo check --help')\n")
    let unknown = try runTool("incidents", ["validate", "--events", "samples/events.jsonl", "--bogus"])
    #expect(unknown.stderrLines.count == 1, "\(unknown.stderr)")
    #expect(unknown.stderr.hasPrefix("Error: Unknown option '--bogus'"))
    let help = try runTool("slo", ["check", "--help"])
    #expect(help.status == 0 && help.stdout.hasPrefix("OVERVIEW: ") && help.stderr.isEmpty)
  }
}

/// A folder whose paths a test builds (removed by the test that made it).
private struct TemporaryFolder {
  let path: String
  func path(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
}
