public import ArgumentParser
public import EventSources
import Foundation
public import IncidentModel
import PostgresSource
public import ReplayEngine

/// Where events come from, shared by every command that reads them.
public struct InputOptions: ParsableArguments {
  @Option(
    name: .long, parsing: .upToNextOption,
    help: ArgumentHelp("JSON Lines files of IncidentEvents (gzip allowed; '-' reads standard input).", valueName: "file"),
    completion: .file())
  public var events: [String] = []

  @Option(
    name: .long,
    help: ArgumentHelp(
      "Read the IncidentEvent table of this PostgreSQL database: a libpq connection string or a postgres:// URL; "
        + "what it leaves out comes from the PG* environment variables ('' uses them alone).",
      valueName: "connection"))
  public var postgres: String?

  @Option(help: ArgumentHelp("The table, as TABLE or SCHEMA.TABLE (default: IncidentEvent).", valueName: "name"))
  public var table: String?

  @Option(
    help: ArgumentHelp(
      "How to read the table: 'incident' in (orgId, incidentId, ts) order, replaying each incident as it ends (needs a "
        + "unique \"id\"); 'table' in physical order, partitioned and spilled past --memory-limit; 'auto' takes 'incident' "
        + "when \"id\" is unique and an index leads with (orgId, incidentId), as the Prisma schema's do (default: auto). "
        + "Either gives the same output.",
      valueName: "order"))
  public var postgresOrder: PostgresOrderChoice = .auto

  @Option(help: ArgumentHelp("Only events of this organisation.", valueName: "org-id"))
  public var org: String?

  @Option(help: ArgumentHelp("Only events at or after this time (RFC 3339, or YYYY-MM-DD for midnight UTC).", valueName: "time"))
  public var since: String?

  @Option(help: ArgumentHelp("Only events before this time (RFC 3339, or YYYY-MM-DD for midnight UTC).", valueName: "time"))
  public var until: String?

  @Option(
    help: ArgumentHelp(
      "Only the incidents of shard K of N (1-based), by a stable hash of (orgId, incidentId) that PostgreSQL computes "
        + "in the query; every incident falls in exactly one shard.",
      valueName: "K/N"))
  public var shard: String?

  @Option(
    help: ArgumentHelp(
      "Write what this run folded to a partial-result file instead of rendering it, to merge later with "
        + "--from-partials (with --shard, one per shard); exits 0 once it is written.",
      valueName: "file"), completion: .file())
  public var emitPartial: String?

  @Option(
    name: .long, parsing: .upToNextOption,
    help: ArgumentHelp(
      "Merge partial-result files written by --emit-partial (one per shard, all of them) and render what one run "
        + "over the whole input renders; instead of --events or --postgres.",
      valueName: "file"), completion: .file())
  public var fromPartials: [String] = []

  @Flag(name: .long, help: "Stop with exit code 2 at the first broken or conflicting record instead of skipping it.")
  public var strict = false

  @Option(
    help: ArgumentHelp(
      "Threads that decode JSON Lines and replay incidents (default: the number of cores); any count gives the same output.",
      valueName: "n"))
  public var threads: Int?

  @Option(
    help: ArgumentHelp(
      "About how much memory the events may take before partitions of them are written to temporary files under "
        + "$TMPDIR, as bytes or with K, M or G (default: 64M, 8M for postmortem draft); any limit gives the same output.",
      valueName: "size"))
  public var memoryLimit: String?

  @Option(
    help: ArgumentHelp(
      "Partitions the incidents are split over for replay (default: 64); any count gives the same output.", valueName: "n"))
  public var partitions: Int?

  @OptionGroup(title: "Feedback") public var feedback: ProgressOptions
  @OptionGroup(title: "Feedback") public var diagnosticsOption: DiagnosticsOption

  /// The thread count to use: `--threads`, or one per core.
  public var threadCount: Int { threads ?? ProcessInfo.processInfo.activeProcessorCount }

  public init() {}

  public func validate() throws {
    if !fromPartials.isEmpty {
      if !events.isEmpty || postgres != nil {
        throw ValidationError("'--from-partials' is an input of its own: leave out '--events' and '--postgres'.")
      }
      if shard != nil { throw ValidationError("'--shard' applies to runs that read events, not to '--from-partials'.") }
      if table != nil || postgresOrder != .auto {
        throw ValidationError("'--table' and '--postgres-order' apply only with '--postgres', not to '--from-partials'.")
      }
      if emitPartial != nil { throw ValidationError("'--emit-partial' and '--from-partials' are mutually exclusive.") }
      _ = try filter
      return
    }
    switch (events.isEmpty, postgres) {
    case (true, nil):
      throw ValidationError("Name the input: '--events <file> ...', '--postgres <connection>' or '--from-partials <file> ...'.")
    case (false, .some):
      throw ValidationError("'--events' and '--postgres' are mutually exclusive: name one input.")
    default:
      break
    }
    if table != nil && postgres == nil { throw ValidationError("'--table' applies only with '--postgres'.") }
    if postgresOrder != .auto && postgres == nil { throw ValidationError("'--postgres-order' applies only with '--postgres'.") }
    if let threads, threads < 1 { throw ValidationError("'--threads' must be at least 1 (got \(threads)).") }
    if let partitions, !(1...4096).contains(partitions) {
      throw ValidationError("'--partitions' must be from 1 to 4096 (got \(partitions)).")
    }
    _ = try memoryLimitBytes
    _ = try tableName
    let filter = try self.filter
    if let since = filter.since, let until = filter.until, since >= until {
      throw ValidationError("'--since' (\(since)) must be before '--until' (\(until)).")
    }
  }

  /// `--shard`, parsed.
  var shardSelection: Shard? {
    get throws {
      guard let shard else { return nil }
      guard let parsed = Shard(parsing: shard) else {
        throw ValidationError(
          "'--shard' must be K/N with 1 ≤ K ≤ N ≤ \(Shard.maximumCount), such as 2/3 (got '\(shard)').")
      }
      return parsed
    }
  }

  /// `--memory-limit` in bytes, or the default.
  public var memoryLimitBytes: Int {
    get throws {
      guard let memoryLimit else { return LoadOptions.defaultMemoryLimit }
      guard let bytes = ByteSize.parse(memoryLimit), bytes >= 1 else {
        throw ValidationError("'--memory-limit' must be a size such as 512K, 128M or 2G (got '\(memoryLimit)').")
      }
      return bytes
    }
  }

  /// How the engine loads the input: strictness, threads, memory limit (`defaultMemoryLimit` unless given) and partitions.
  public func loadOptions(detail: EventDetail, defaultMemoryLimit: Int = LoadOptions.defaultMemoryLimit) throws -> LoadOptions {
    LoadOptions(
      strict: strict, detail: detail, threads: threadCount,
      memoryLimit: memoryLimit == nil ? defaultMemoryLimit : try memoryLimitBytes,
      partitions: partitions ?? LoadOptions.defaultPartitions)
  }

  /// The filters the options name.
  public var filter: EventFilter {
    get throws {
      EventFilter(
        orgId: org, since: try since.map { try TimeArgument.parse($0, option: "--since") },
        until: try until.map { try TimeArgument.parse($0, option: "--until") }, shard: try shardSelection)
    }
  }

  var tableName: PostgresTableName {
    get throws {
      do {
        return try PostgresTableName(parsing: table ?? "IncidentEvent")
      } catch {
        throw ValidationError("\(error)")
      }
    }
  }

  /// The source the options name, narrowed to one incident when asked.
  ///
  /// Commands that analyse a period read whole incident histories: for them
  /// `--since`/`--until` name the period and `readsWholeHistories` keeps them from cutting events.
  ///
  /// `inSourceOrder` reads a table in its own order whatever `--postgres-order` says, for what lists events as read.
  /// `passingShard` names an incident id whose events pass `--shard` (see ``EventFilter/passesShard``).
  /// `digestsInputs` has a JSON Lines source hash each file as it reads it (for a report's provenance).
  public func source(
    incidentId: String? = nil, readsWholeHistories: Bool = false, inSourceOrder: Bool = false, passingShard: String? = nil,
    digestsInputs: Bool = false, progress: ReadProgress? = nil
  ) throws -> any EventSource {
    var filter = try self.filter
    filter.incidentId = incidentId
    if filter.shard != nil { filter.passesShard = passingShard }
    if readsWholeHistories {
      filter.since = nil
      filter.until = nil
    }
    if let postgres {
      let source = PostgresEventSource(connectionString: postgres, table: try tableName, filter: filter)
      if filter.shard != nil, try !source.hasUniqueId() {
        // The server sends only the shard's rows: an id another shard's incident also uses goes unseen.
        StandardError.write(
          "warning: \"id\" is not unique in \(try tableName): an id used by incidents of two shards is not found as a conflict "
            + "by a sharded read (give the table a unique index on \"id\", as the Prisma schema's primary key)")
      }
      switch inSourceOrder ? .table : postgresOrder {
      case .auto: return try source.choosingOrder()
      case .table: return source
      case .incident: return PostgresEventSource(connectionString: postgres, table: try tableName, filter: filter, order: .incident)
      }
    }
    var source = JSONLinesSource(paths: events, filter: filter)
    source.digestsInputs = digestsInputs
    source.progress = progress
    progress?.setTotalBytes(source.storedSize)
    return source
  }

  /// A name for the input in summaries.
  public var inputNames: [String] {
    if postgres != nil, let table = try? tableName { return ["PostgreSQL table \(table)"] }
    return events
  }

  /// Reads and replays the input into `fold`, reporting each problem on standard error as it is found
  /// and a count of skipped records at the end.
  public func fold<Fold: IncidentFold>(
    _ fold: Fold, detail: EventDetail = .analytics, incidentId: String? = nil, readsWholeHistories: Bool = false,
    wholeEventsOf: String? = nil, wholeEventsWithin: Interval? = nil, include: @escaping @Sendable (IncidentRef) -> Bool = { _ in true }
  ) throws -> (partial: Fold.Partial, summary: LoadSummary) {
    try refusePartials()
    return try readAndFold(
      fold, detail: detail, incidentId: incidentId, readsWholeHistories: readsWholeHistories, wholeEventsOf: wholeEventsOf,
      wholeEventsWithin: wholeEventsWithin, include: include)
  }

  /// The commands that write and merge partial results, for the error of those that do not.
  static let commandsWithPartials =
    "incidents validate, slo check, slo report, reliability patterns, reliability weekly and postmortem draft"

  /// Refuses `--emit-partial` and `--from-partials` in a command that renders from the events themselves.
  func refusePartials() throws {
    guard emitPartial == nil && fromPartials.isEmpty else {
      throw ValidationError(
        "'--emit-partial' and '--from-partials' apply to \(Self.commandsWithPartials); this command reads the events themselves.")
    }
  }

  /// ``fold(_:detail:incidentId:readsWholeHistories:wholeEventsOf:wholeEventsWithin:include:)`` without the check.
  ///
  /// `digestsInputs` hashes each JSON Lines file as it is read (``InputFacts/sha256``).
  func readAndFold<Fold: IncidentFold>(
    _ fold: Fold, detail: EventDetail = .analytics, incidentId: String? = nil, readsWholeHistories: Bool = false,
    wholeEventsOf: String? = nil, wholeEventsWithin: Interval? = nil, digestsInputs: Bool = false,
    include: @escaping @Sendable (IncidentRef) -> Bool = { _ in true }
  ) throws -> (partial: Fold.Partial, summary: LoadSummary) {
    var options = try loadOptions(detail: detail)
    options.wholeEventsOf = wholeEventsOf
    options.wholeEventsWithin = wholeEventsWithin
    let (diagnostics, progress) = try startFeedback(&options)
    let folded = try diagnostics.during {
      try IncidentLoader.fold(
        fold,
        from: try source(
          incidentId: incidentId, readsWholeHistories: readsWholeHistories, digestsInputs: digestsInputs, progress: progress),
        options: options,
        include: include, report: diagnostics.report)
    }
    Self.reportTotals(folded.summary)
    return folded
  }

  /// Reads the input once, replays incident `incidentId` first, then every incident into the fold `makeFold` makes of it
  /// (see ``IncidentLoader/fold(locating:from:options:include:report:then:)``); problems are reported as by ``fold(_:detail:incidentId:readsWholeHistories:wholeEventsOf:wholeEventsWithin:include:)``.
  public func fold<Fold: IncidentFold>(
    locating incidentId: String, options: LoadOptions, then makeFold: ([IncidentSnapshot]) throws -> Fold
  ) throws -> (located: [IncidentSnapshot], partial: Fold.Partial, summary: LoadSummary) {
    try refusePartials()
    return try readAndFold(locating: incidentId, options: options, then: makeFold)
  }

  /// ``fold(locating:options:then:)`` without the check; under `--shard`, the incident's events pass the shard.
  func readAndFold<Fold: IncidentFold>(
    locating incidentId: String, options: LoadOptions, then makeFold: ([IncidentSnapshot]) throws -> Fold
  ) throws -> (located: [IncidentSnapshot], partial: Fold.Partial, summary: LoadSummary) {
    var options = options
    let (diagnostics, progress) = try startFeedback(&options)
    let folded = try diagnostics.during {
      try IncidentLoader.fold(
        locating: incidentId, from: try source(passingShard: incidentId, progress: progress), options: options,
        report: diagnostics.report, then: makeFold)
    }
    Self.reportTotals(folded.summary)
    return folded
  }

  /// The diagnostics report and the progress counters of one load, with its progress line started when one is shown.
  private func startFeedback(_ options: inout LoadOptions) throws -> (DiagnosticReport, ReadProgress) {
    let log = try diagnosticsOption.makeLog()
    let progress = ReadProgress()
    options.progress = progress
    // Started last: from here on, the report's `during` stops it however the load ends.
    let line = feedback.startLine(reading: inputLabel, progress)
    return (DiagnosticReport(paths: postgres == nil ? events : [], log: log, progressLine: line), progress)
  }

  /// The input, as the progress line names it.
  var inputLabel: String {
    postgres != nil ? "PostgreSQL" : ProgressText.label(files: events)
  }

  static func reportTotals(_ summary: LoadSummary, merged: Bool = false) {
    // A merge shows no warnings of its own: the shards showed theirs.
    if summary.warningsNotShown > 0 && !merged {
      StandardError.write("warning: \(summary.warningsNotShown) more warning(s) not shown")
    }
    if summary.skipped > 0 {
      StandardError.write("skipped \(summary.skipped) of \(summary.recordsRead) record(s); the rest were replayed")
    }
  }

  /// Reads and replays the input, keeping every snapshot (see ``fold(_:detail:incidentId:readsWholeHistories:wholeEventsOf:wholeEventsWithin:include:)``).
  public func load(
    detail: EventDetail, incidentId: String? = nil, readsWholeHistories: Bool = false, wholeEventsOf: String? = nil,
    include: @escaping @Sendable (IncidentRef) -> Bool = { _ in true }
  ) throws -> LoadedIncidents {
    let collection = SnapshotCollection()
    let (partial, summary) = try fold(
      collection, detail: detail, incidentId: incidentId, readsWholeHistories: readsWholeHistories, wholeEventsOf: wholeEventsOf,
      include: include)
    return LoadedIncidents(snapshots: collection.finish(partial), summary: summary)
  }

  /// Streams the input's events in source order, without replay.
  ///
  /// Broken records are reported (or stop the run under `--strict`); returns how many were skipped.
  @discardableResult
  public func forEachEvent(_ body: (IncidentEvent) throws -> Void) throws -> Int {
    try refusePartials()
    var broken = BrokenRecords(strict: strict, log: try diagnosticsOption.makeLog())
    let progress = ReadProgress()
    let line = feedback.startLine(reading: inputLabel, progress)
    defer { line?.stop() }
    let source = try self.source(inSourceOrder: true, progress: progress)
    do {
      try source.read(
        event: { event, _ in try body(event) }, broken: { origin, error in try broken.report(origin, error, in: source) })
    } catch {
      try? broken.finish()
      throw error
    }
    try broken.finish()
    return broken.count
  }
}

/// Writes the loader's diagnostics to standard error, holding back those of a compressed input
/// until its stream has been read to the end.
///
/// Inflating corrupt gzip data yields garbage lines before zlib notices the corruption (often only
/// at the checksum, at the end): their diagnostics would bury the one error that matters. So the
/// diagnostics of a compressed input (or of standard input, which may be one) wait until a later
/// input or the replay speaks, or the read ends; if the stream turns out corrupt they are
/// dropped, and counted in a note.
final class DiagnosticReport {
  /// The diagnostics held at most; more are counted, not kept.
  static let heldLimit = 10_000

  private let held: Set<Int32>
  private let paths: [String]
  private var pending: [InputDiagnostic] = []
  private var pendingNotKept = 0
  private var pendingInput: Int32?
  private let log: DiagnosticLog
  private let progressLine: ProgressLine?

  init(paths: [String], log: DiagnosticLog, progressLine: ProgressLine? = nil) {
    self.paths = paths
    self.log = log
    self.progressLine = progressLine
    held = Set(paths.indices.filter { Self.mayBeCompressed(paths[$0]) }.map(Int32.init))
  }

  /// Standard input, a pipe (which cannot be sniffed without taking its bytes), or a file that starts
  /// with the gzip magic number.
  static func mayBeCompressed(_ path: String) -> Bool {
    guard JSONLinesSource.storedSize(of: path) != nil else { return true }
    guard let handle = FileHandle(forReadingAtPath: path) else { return false }
    defer { try? handle.close() }
    let magic = (try? handle.read(upToCount: 2)) ?? Data()
    return magic == Data([0x1F, 0x8B])
  }

  func report(_ diagnostic: InputDiagnostic) {
    if let input = diagnostic.origin?.input, held.contains(input) {
      if pendingInput != input { flush() }
      pendingInput = input
      if pending.count < Self.heldLimit { pending.append(diagnostic) } else { pendingNotKept += 1 }
      return
    }
    flush()
    log.write(diagnostic.description)
  }

  private func flush() {
    for diagnostic in pending { log.write(diagnostic.description) }
    if pendingNotKept > 0 { StandardError.write("warning: \(pendingNotKept) more diagnostic(s) of this input not shown") }
    pending.removeAll()
    pendingNotKept = 0
    pendingInput = nil
  }

  /// Runs the load, then writes what is held, or drops it when the held input proved corrupt.
  ///
  /// The progress line is erased first, and the log finished (its file written) whatever the outcome.
  func during<T>(_ load: () throws -> T) throws -> T {
    do {
      let result = try load()
      progressLine?.stop()
      flush()
      try log.finish()
      return result
    } catch InputError.corruptGzip(let path, let reason) {
      progressLine?.stop()
      defer { try? log.finish() }
      let dropped = pending.count + pendingNotKept
      if dropped > 0, let input = pendingInput, paths.indices.contains(Int(input)), paths[Int(input)] == path {
        pending.removeAll()
        pendingNotKept = 0
        StandardError.note(
          "note: \(dropped) diagnostic(s) of lines decompressed from \(path) are not shown: they may come from its corrupt data")
      }
      flush()
      throw InputError.corruptGzip(path: path, reason: reason)
    } catch {
      progressLine?.stop()
      flush()
      try? log.finish()
      throw error
    }
  }
}

/// Reports broken records on standard error, or stops at the first under `--strict`.
struct BrokenRecords {
  let strict: Bool
  private let log: DiagnosticLog
  private(set) var count = 0

  init(strict: Bool, log: DiagnosticLog) {
    self.strict = strict
    self.log = log
  }

  /// Says what was not shown and writes the log's file; call once the read ended, however it ended.
  func finish() throws { try log.finish() }

  mutating func report(_ origin: EventOrigin, _ error: EventDecodingError, in source: some EventSource) throws {
    count += 1
    let diagnostic = InputDiagnostic(
      location: source.location(of: origin), kind: .broken(error.kind), message: error.description, origin: origin)
    if strict { throw InputError.strictStop(diagnostic) }
    log.write(diagnostic.description)
  }
}

/// Times given on the command line.
enum TimeArgument {
  /// The evaluation time: `--at` when given, else now; the only place the toolkit reads the clock.
  static func evaluationTime(_ text: String?) throws -> Timestamp {
    if let text { return try parse(text, option: "--at") }
    return Timestamp(millisecondsSinceEpoch: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
  }

  /// Parses RFC 3339, or `YYYY-MM-DD` as midnight UTC.
  static func parse(_ text: String, option: String) throws -> Timestamp {
    if let date = CivilDate(iso: text) { return date.startOfDayUTC }
    do {
      return try Timestamp(rfc3339: text)
    } catch {
      throw ValidationError("'\(option)' must be an RFC 3339 time or a date YYYY-MM-DD (got '\(text)': \(error)).")
    }
  }
}

/// Sizes given on the command line: bytes, or a whole number with K, M or G (powers of 1024).
enum ByteSize {
  static func parse(_ text: String) -> Int? {
    let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
    var digits = Substring(text.uppercased())
    var unit = 1
    if digits.hasSuffix("IB") { digits = digits.dropLast(2) } else if digits.hasSuffix("B") { digits = digits.dropLast() }
    if let last = digits.last, let multiplier = units[last] {
      unit = multiplier
      digits = digits.dropLast()
    }
    guard let value = Int(digits), value >= 0 else { return nil }
    let (bytes, overflow) = value.multipliedReportingOverflow(by: unit)
    return overflow ? nil : bytes
  }
}

/// `--postgres-order`: how a PostgreSQL table is read.
public enum PostgresOrderChoice: String, ExpressibleByArgument, CaseIterable, Sendable {
  case auto, table, incident
}
