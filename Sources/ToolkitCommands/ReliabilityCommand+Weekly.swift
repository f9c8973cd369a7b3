public import ArgumentParser
import EventSources
import Foundation
import IncidentModel
import PartialResults
import ReliabilityReport
import Rendering
import ReplayEngine
import SLOBudget

extension ReliabilityCommand {
  /// `reliability weekly`: the Monday-morning report, one workbook and one summary per org.
  public struct Weekly: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
      abstract: "Write the weekly reliability report: an XLSX workbook and a Markdown summary per org.",
      discussion: """
        The period is --week, or --since and --until; by default the last complete ISO week before --at. \
        SLOs are evaluated at the end of the period (or --at if earlier). Files are written atomically into \
        --out-dir as reliability-<org>-<week>.xlsx and .md, and their paths printed on standard output. \
        For cron: 15 6 * * 1  reliability weekly --postgres "$ITS_URL" --slos /etc/revenant/slos --out-dir /var/reports
        """)

    @OptionGroup(title: "Input") public var input: InputOptions

    @Option(help: ArgumentHelp("OpenSLO definitions: a file or a directory.", valueName: "path"), completion: .file())
    public var slos: String

    @Option(help: ArgumentHelp("The ISO week to report, as 2026-W47.", valueName: "week"))
    public var week: String?

    @Option(help: ArgumentHelp("Evaluation time (RFC 3339 or YYYY-MM-DD); default now.", valueName: "time"))
    public var at: String?

    @Option(help: ArgumentHelp("Where to write the reports.", valueName: "dir"), completion: .directory)
    public var outDir = "reports"

    public init() {}

    public func validate() throws {
      try PeriodSelection.validate(week: week, input: input)
    }

    public func run() async throws {
      let at = try TimeArgument.evaluationTime(at)
      let (period, label, _) = try PeriodSelection.resolve(week: week, input: input, at: at)
      let (documents, digest) = try SLOOptions.read(at: slos, org: input.org)
      let definitions = documents.definitions
      // One read: the figures fold per org; the period's incidents, and its events kept whole, go to sorted runs
      // for the Incidents and Timeline sheets.
      let weekly = WeeklyFold(label: label, period: period, at: at, slos: definitions)
      // A row takes some 400 bytes in memory: each thread's rows held are a sixteenth of the memory limit, of each kind.
      let runLength = max(256, try input.memoryLimitBytes / (16 * 400 * input.threadCount))
      let listed = IncidentRowsFold(weekly: weekly, runLength: runLength)
      let timeline = TimelineFold(period: period, runLength: runLength)
      let identity = input.completed(
        FoldIdentity(
          command: "reliability weekly", definitionsDigest: digest, settings: ["--at": "\(at)", "period": "\(period)", "label": label]),
        readsWholeHistories: true)
      var figuresPartial = weekly.makePartial()
      var summary = LoadSummary()
      var inputs = input.inputNames
      let incidentRows = listed.makePartial()
      let rows = timeline.makePartial()
      if input.fromPartials.isEmpty {
        StandardError.note("reliability weekly: reading events for \(label)")
        let (((figures, listedRows), timelineRows), loaded) = try input.readAndFold(
          FoldPair(FoldPair(weekly, listed), timeline), readsWholeHistories: true, wholeEventsWithin: period,
          digestsInputs: true)
        figuresPartial = figures
        summary = loaded
        incidentRows.absorb(listedRows)
        rows.absorb(timelineRows)
        if input.emitPartial != nil {
          try Self.emit(figuresPartial, summary: summary, incidentRows: incidentRows, timeline: rows, identity: identity, input: input)
          return
        }
      } else {
        // Each partial carries its shard's rows sorted: they are merged while the sheets are written.
        for read: ReadPartial<WeeklyFold.Partial> in try input.readPartials(identity: identity) {
          weekly.merge(read.payload.fold, into: &figuresPartial)
          summary.merge(shard: read.payload.summary)
          guard read.sections.count == 2 else {
            throw PartialFileError.corrupt(path: read.path, reason: "it lacks the Incidents and Timeline rows")
          }
          incidentRows.adoptRun(path: read.path, range: read.sections[0])
          rows.adoptRun(path: read.path, range: read.sections[1])
          inputs = read.header.inputs
        }
        InputOptions.reportTotals(summary, merged: true)
      }
      let orgs = input.org.map { [$0] } ?? summary.orgs
      // A typo in an SLO's org or service would score it 100%: say so (the gate, `slo check`, refuses it).
      UnmatchedSLOs.warn(weekly.unmatchedSLOs(figuresPartial, orgs: orgs, declared: documents.services))
      try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
      // Every org's workbook and summary appear together, or none of them.
      let files = OutputSet()
      var reports: [String: WeeklyReportFiles] = [:]
      let provenance = ReportProvenance(
        inputs: summary.inputs.isEmpty
          ? inputs.map { ReportProvenance.Input(name: $0, records: inputs.count == 1 ? summary.recordsRead : nil) }
          : summary.inputs.map { ReportProvenance.Input(name: $0.name, records: $0.lines, events: $0.events, sha256: $0.sha256) },
        recordsRead: summary.recordsRead, recordsSkipped: summary.skipped,
        definitionsDigest: digest, toolVersion: ToolkitVersion.current)
      for figures in weekly.finish(figuresPartial, orgs: orgs) {
        reports[figures.orgId] = try WeeklyReportFiles(figures: figures, provenance: provenance, directory: outDir, in: files)
      }
      defer { for report in reports.values { report.discard() } }
      for report in reports.values { try report.open() }
      try incidentRows.forEachInOrder { entry in try reports[entry.orgId]?.appendIncident(entry.row) }
      try rows.forEachInOrder { entry in try reports[entry.orgId]?.appendTimeline(entry.row) }
      let written = try orgs.compactMap { org in try reports[org].map { report in (report, try report.finish()) } }
      try files.commit()
      for (report, (workbook, summary)) in written {
        StandardError.note(
          "reliability weekly: wrote \(workbook) (\(report.incidentRows) incidents, \(report.timelineRows) events)")
        StandardOutput.write("\(workbook)\n\(summary)\n")
      }
    }
  }
}

extension ReliabilityCommand.Weekly {
  /// Writes `--emit-partial`: the figures' partial, then the Incidents and the Timeline rows as two sorted sections.
  fileprivate static func emit(
    _ figures: WeeklyFold.Partial, summary: LoadSummary, incidentRows: SortedRuns<OrgIncidentRow>,
    timeline: SortedRuns<OrgTimelineRow>, identity: FoldIdentity, input: InputOptions
  ) throws {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("runbook-revenant-partial-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let incidents = (directory as NSString).appendingPathComponent("incidents.rows")
    let events = (directory as NSString).appendingPathComponent("timeline.rows")
    let sections = [
      (incidents, try incidentRows.write(inOrderTo: incidents)), (events, try timeline.write(inOrderTo: events)),
    ]
    try input.writePartial(identity: identity, fold: figures, summary: summary, sections: sections)
  }
}

/// The Timeline as a fold: every event of the period, from the snapshots that kept it whole, into sorted runs on disk.
///
/// An adapter, not a pure fold: its partial writes runs to temporary files once it holds
/// a few tens of thousands of rows, so a period of millions of events is written in order
/// from a merge of those runs, in bounded memory.
struct TimelineFold: IncidentFold {
  let period: Interval
  /// Rows held before they are written as a sorted run.
  let runLength: Int

  func makePartial() -> SortedRuns<OrgTimelineRow> {
    SortedRuns(runLength: runLength, by: { ($0.row.ts, $0.row.origin) < ($1.row.ts, $1.row.origin) })
  }

  func add(_ incident: IncidentSnapshot, to partial: inout SortedRuns<OrgTimelineRow>) {
    for entry in incident.details?.timeline ?? [] {
      let event = entry.event
      guard period.start <= event.ts && event.ts < period.end else { continue }
      partial.append(
        OrgTimelineRow(
          orgId: incident.orgId,
          row: TimelineRow(
            ts: event.ts, origin: entry.origin, incidentId: event.incidentId, serviceName: incident.serviceName ?? "",
            type: event.type, description: EventDescription.describe(event.payload), eventId: event.id)))
    }
  }

  func merge(_ other: SortedRuns<OrgTimelineRow>, into partial: inout SortedRuns<OrgTimelineRow>) { partial.absorb(other) }
}

/// The Incidents sheet as a fold: the row of every incident created in the period, into sorted runs on disk.
///
/// An adapter like ``TimelineFold``: a busy week of a large tenant lists tens of thousands of incidents.
struct IncidentRowsFold: IncidentFold {
  let weekly: WeeklyFold
  /// Rows held before they are written as a sorted run.
  let runLength: Int

  func makePartial() -> SortedRuns<OrgIncidentRow> {
    SortedRuns(runLength: runLength, by: OrgIncidentRow.listedBefore)
  }

  func add(_ incident: IncidentSnapshot, to partial: inout SortedRuns<OrgIncidentRow>) {
    guard let row = weekly.row(of: incident) else { return }
    partial.append(OrgIncidentRow(orgId: incident.orgId, row: row))
  }

  func merge(_ other: SortedRuns<OrgIncidentRow>, into partial: inout SortedRuns<OrgIncidentRow>) { partial.absorb(other) }
}

/// An Incidents row with the org whose workbook lists it, as the sorted runs keep it.
struct OrgIncidentRow: SpillCodable {
  var orgId: String
  var row: IncidentRow

  init(orgId: String, row: IncidentRow) {
    self.orgId = orgId
    self.row = row
  }

  /// The sheet's order, then the org: a total order over every org's rows.
  @Sendable static func listedBefore(_ a: OrgIncidentRow, _ b: OrgIncidentRow) -> Bool {
    if IncidentRow.listedBefore(a.row, b.row) { return true }
    if IncidentRow.listedBefore(b.row, a.row) { return false }
    return a.orgId < b.orgId
  }

  private static let statuses = IncidentStatus.allCases
  private static let severities = Severity.allCases

  func write(to writer: inout ByteWriter) {
    func optional(_ value: Int64?) {
      writer.byte(value == nil ? 0 : 1)
      if let value { writer.signed(value) }
    }
    func code<Value: Equatable>(_ value: Value?, in all: [Value]) {
      writer.byte(value.flatMap { all.firstIndex(of: $0) }.map(UInt8.init) ?? 0xFF)
    }
    writer.string(orgId)
    writer.string(row.incidentId)
    writer.string(row.title)
    writer.string(row.serviceName)
    writer.string(row.environment)
    code(row.status, in: Self.statuses)
    code(row.severity, in: Self.severities)
    code(row.peakSeverity, in: Self.severities)
    writer.signed(row.createdAt.millisecondsSinceEpoch)
    for ts in [row.impactStartedAt, row.acknowledgedAt, row.mitigatedAt, row.resolvedAt] { optional(ts?.millisecondsSinceEpoch) }
    for duration in [row.timeToDetect, row.timeToAcknowledge, row.timeToMitigate, row.timeToResolve] { optional(duration) }
    writer.varint(UInt64(max(0, row.reopenCount)))
    writer.varint(UInt64(row.correlationKeys.count))
    for key in row.correlationKeys { writer.string(key) }
  }

  init(from reader: inout ByteReader) throws(SpillError) {
    func optional() throws(SpillError) -> Int64? { try reader.byte() == 0 ? nil : try reader.signed() }
    func code<Value>(in all: [Value]) throws(SpillError) -> Value? {
      let code = try reader.byte()
      guard code != 0xFF else { return nil }
      guard Int(code) < all.count else { throw .corrupt("an Incidents row's code") }
      return all[Int(code)]
    }
    orgId = try reader.string()
    let incidentId = try reader.string()
    let title = try reader.string()
    let serviceName = try reader.string()
    let environment = try reader.string()
    guard let status = try code(in: Self.statuses) else { throw .corrupt("an Incidents row's status") }
    let severity = try code(in: Self.severities)
    let peakSeverity = try code(in: Self.severities)
    let createdAt = Timestamp(millisecondsSinceEpoch: try reader.signed())
    var instants: [Timestamp?] = []
    for _ in 0..<4 { instants.append(try optional().map { Timestamp(millisecondsSinceEpoch: $0) }) }
    var durations: [Int64?] = []
    for _ in 0..<4 { durations.append(try optional()) }
    let reopenCount = try reader.varint()
    let keyCount = try reader.varint()
    guard reopenCount < 1 << 32, keyCount < 1 << 20 else { throw .corrupt("an Incidents row's counts") }
    var keys: [String] = []
    for _ in 0..<keyCount { keys.append(try reader.string()) }
    row = IncidentRow(
      incidentId: incidentId, title: title, serviceName: serviceName, environment: environment, status: status,
      severity: severity, peakSeverity: peakSeverity, createdAt: createdAt, impactStartedAt: instants[0],
      acknowledgedAt: instants[1], mitigatedAt: instants[2], resolvedAt: instants[3], timeToDetect: durations[0],
      timeToAcknowledge: durations[1], timeToMitigate: durations[2], timeToResolve: durations[3],
      reopenCount: Int(reopenCount), correlationKeys: keys)
  }
}

/// A Timeline row with the org whose workbook lists it, as the sorted runs keep it.
struct OrgTimelineRow: SpillCodable {
  var orgId: String
  var row: TimelineRow

  init(orgId: String, row: TimelineRow) {
    self.orgId = orgId
    self.row = row
  }

  func write(to writer: inout ByteWriter) {
    writer.string(orgId)
    writer.signed(row.ts.millisecondsSinceEpoch)
    writer.varint(UInt64(row.origin.input))
    writer.varint(UInt64(row.origin.record))
    writer.string(row.incidentId)
    writer.string(row.serviceName)
    writer.string(row.type)
    writer.string(row.description)
    writer.string(row.eventId)
  }

  init(from reader: inout ByteReader) throws(SpillError) {
    orgId = try reader.string()
    let ts = Timestamp(millisecondsSinceEpoch: try reader.signed())
    let input = try reader.varint()
    let record = try reader.varint()
    guard input <= UInt64(EventOrigin.maximumInput), record < 1 << 44 else { throw .corrupt("a Timeline row's origin") }
    row = TimelineRow(
      ts: ts, origin: EventOrigin(input: Int32(input), record: Int64(record)), incidentId: try reader.string(),
      serviceName: try reader.string(), type: try reader.string(), description: try reader.string(), eventId: try reader.string())
  }
}

/// One org's workbook and summary, written to temporary files of an ``OutputSet`` that moves them into place.
private final class WeeklyReportFiles {
  let figures: WeeklyFigures
  let provenance: ReportProvenance
  let name: String
  let directory: String
  private let workbook: OutputSet.Member
  private let summary: OutputSet.Member
  private var writer: WeeklyWorkbook.Writer?
  private(set) var incidentRows = 0
  private(set) var timelineRows = 0

  init(figures: WeeklyFigures, provenance: ReportProvenance, directory: String, in files: OutputSet) throws {
    self.figures = figures
    self.provenance = provenance
    self.directory = directory
    name = "reliability-\(figures.orgId)-\(figures.label)"
    workbook = try files.add((directory as NSString).appendingPathComponent("\(name).xlsx"))
    summary = try files.add((directory as NSString).appendingPathComponent("\(name).md"))
  }

  /// Starts the workbook: every sheet but the Incidents' and the Timeline's rows.
  ///
  /// libxlsxwriter writes the file under the set's temporary name, which the set has already
  /// created: a directory that takes no file fails here, with a clear error, not inside the library.
  func open() throws {
    writer = try WeeklyWorkbook.Writer(figures, provenance: provenance, path: workbook.writtenPath, temporaryDirectory: directory)
    incidentRows = 0
    timelineRows = 0
  }

  func appendIncident(_ row: IncidentRow) throws {
    try writer?.appendIncident(row)
    incidentRows += 1
  }

  func appendTimeline(_ row: TimelineRow) throws {
    try writer?.appendTimeline(row)
    timelineRows += 1
  }

  /// Drops an unfinished workbook (closing it first, so that libxlsxwriter writes nothing later).
  func discard() {
    if let writer {
      try? writer.close()
      self.writer = nil
      unlink(workbook.writtenPath)
    }
  }

  /// Finishes the workbook and the summary under their temporary names; returns the paths they will have.
  func finish() throws -> (workbook: String, summary: String) {
    guard let writer else { throw OutputError.writeFailed(path: workbook.path, reason: "the workbook was not started") }
    self.writer = nil
    do {
      try writer.close()
    } catch {
      throw OutputError.writeFailed(path: workbook.path, reason: "\(error)")
    }
    try workbook.finish()
    try summary.write(WeeklySummary.markdown(figures, workbook: "\(name).xlsx"))
    try summary.finish()
    return (workbook.path, summary.path)
  }
}
