import Foundation
import IncidentModel

/// Paths inside the repository, found from this file's location.
public enum Repository {
  public static let root: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  public static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }
}

/// A directory removed when the value is released.
public final class TemporaryDirectory {
  public let url: URL

  public init() throws {
    url = FileManager.default.temporaryDirectory.appendingPathComponent("rr-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(at: url) }

  public func path(_ name: String) -> String { url.appendingPathComponent(name).path }

  /// Writes `lines` joined by `\n` (and a final newline) to `name`; returns the path.
  @discardableResult
  public func write(_ name: String, lines: [String]) throws -> String {
    let file = path(name)
    try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
    return file
  }
}

/// Parses an RFC 3339 literal in a test, failing loudly if it is not one.
public func ts(_ text: String) -> Timestamp {
  do { return try Timestamp(rfc3339: text) } catch { fatalError("bad timestamp literal in a test: \(text)") }
}

/// Builds the events of one incident for hand-made streams.
public struct EventFactory {
  public var orgId: String
  public var incidentId: String
  private var serial = 0

  public init(orgId: String = "org_test", incidentId: String = "inc_1") {
    self.orgId = orgId
    self.incidentId = incidentId
  }

  public mutating func event(_ at: String, _ payload: EventPayload, id: String? = nil) -> IncidentEvent {
    serial += 1
    return IncidentEvent(id: id ?? "\(incidentId)_e\(serial)", orgId: orgId, incidentId: incidentId, ts: ts(at), payload: payload)
  }

  public mutating func created(
    _ at: String, severity: Severity = .sev2, service: String = "checkout-api", key: String? = "checkout-api:db",
    startedAt: String? = nil
  ) -> IncidentEvent {
    event(
      at,
      .created(
        IncidentCreated(
          projectId: "proj_1", title: "Checkout errors", serviceName: service, severity: severity,
          environment: "production", initialCorrelationKey: key, startedAt: startedAt.map(ts))))
  }

  public mutating func status(_ at: String, _ new: IncidentStatus, from: IncidentStatus? = nil) -> IncidentEvent {
    event(at, .statusChanged(StatusChanged(newStatus: new, fromStatus: from, actorType: .user, actorRef: "user_1")))
  }

  public mutating func severity(_ at: String, _ new: Severity, from: Severity? = nil) -> IncidentEvent {
    event(at, .severityChanged(SeverityChanged(newSeverity: new, fromSeverity: from)))
  }

  public mutating func note(_ at: String, _ text: String = "looking", actor: ActorType? = .user) -> IncidentEvent {
    event(at, .noteAdded(NoteAdded(text: text, actorType: actor, actorRef: "user_1")))
  }

  public mutating func metric(
    _ at: String, good: Int64, total: Int64, windowEnd: String? = nil, observedAt: String? = nil,
    service: String? = nil, key: String? = nil
  ) -> IncidentEvent {
    event(
      at,
      .signalIngested(
        SignalIngested(
          signalId: "sig_\(serial)", signalType: .metric, serviceName: service, correlationKey: key,
          source: "prometheus", summary: "error ratio", observedAt: observedAt.map(ts),
          requestCounts: RequestCounts(good: good, total: total, windowEnd: windowEnd.map(ts)))))
  }
}

/// Replays hand-built events, giving each the origin of its position in `events`.
public func replay(_ events: [IncidentEvent], detail: EventDetail = .analytics) -> ReplayOutcome {
  let entries = events.enumerated().map { index, event in
    TimelineEntry(origin: EventOrigin(input: 0, record: Int64(index + 1)), event: event)
  }
  return IncidentReplay.replay(entries, orgId: events[0].orgId, incidentId: events[0].incidentId, detail: detail)
}

/// What a run of one of the toolkit's executables printed and returned.
public struct CommandResult {
  public var status: Int32
  public var stdout: String
  public var stderr: String

  public var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }
}

/// Paths of the executables tests run.
public enum TestTools {
  /// The directory of the built products, beside the test bundle.
  public static let products = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
  public static let incidents = products.appendingPathComponent("incidents").path
}

/// Runs a built executable of this package (or, given an absolute path, any program) the way a user would.
public func runTool(_ name: String, _ arguments: [String], stdin: Data? = nil, in directory: String? = nil) throws -> CommandResult {
  let executable = name.hasPrefix("/") ? URL(fileURLWithPath: name) : TestTools.products.appendingPathComponent(name)
  guard FileManager.default.isExecutableFile(atPath: executable.path) else {
    fatalError("\(executable.path) is not built; run the tests with `swift test`")
  }
  let process = Process()
  process.executableURL = executable
  process.arguments = arguments
  process.currentDirectoryURL = URL(fileURLWithPath: directory ?? Repository.root.path)
  // Output goes to files, so a large output can never block the child on a full pipe.
  let scratch = try TemporaryDirectory()
  _ = FileManager.default.createFile(atPath: scratch.path("out"), contents: nil)
  _ = FileManager.default.createFile(atPath: scratch.path("err"), contents: nil)
  let out = try FileHandle(forWritingTo: scratch.url.appendingPathComponent("out"))
  let err = try FileHandle(forWritingTo: scratch.url.appendingPathComponent("err"))
  let input = Pipe()
  process.standardOutput = out
  process.standardError = err
  process.standardInput = input
  try process.run()
  if let stdin { input.fileHandleForWriting.write(stdin) }
  try input.fileHandleForWriting.close()
  process.waitUntilExit()
  try out.close()
  try err.close()
  let outData = try Data(contentsOf: scratch.url.appendingPathComponent("out"))
  let errData = try Data(contentsOf: scratch.url.appendingPathComponent("err"))
  return CommandResult(
    status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
    stderr: String(decoding: errData, as: UTF8.self))
}

/// Runs `script` with `/bin/sh -c` in the repository root, with `$B` naming the directory of the built
/// executables: for what `runTool` cannot set up (closed or full standard streams, resource limits).
public func runShell(_ script: String) throws -> CommandResult {
  let shell = "B='\(TestTools.products.path)'; export B; " + script
  return try runTool("/bin/sh", ["-c", shell])
}

/// Whether the tests run as root, who may write where file permissions forbid it.
public var runningAsRoot: Bool { getuid() == 0 }
