public import ArgumentParser
import EventSources
import Foundation
import IncidentModel
import ReliabilityReport
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

    @Option(help: ArgumentHelp("OpenSLO definitions: a file or a directory.", valueName: "path"))
    public var slos: String

    @Option(help: ArgumentHelp("The ISO week to report, as 2026-W47.", valueName: "week"))
    public var week: String?

    @Option(help: ArgumentHelp("Evaluation time (RFC 3339 or YYYY-MM-DD); default now.", valueName: "time"))
    public var at: String?

    @Option(help: ArgumentHelp("Where to write the reports.", valueName: "dir"))
    public var outDir = "reports"

    public init() {}

    public func validate() throws {
      try PeriodSelection.validate(week: week, input: input)
    }

    public func run() async throws {
      let at = try TimeArgument.evaluationTime(at)
      let (period, label, _) = try PeriodSelection.resolve(week: week, input: input, at: at)
      let definitions = try SLOOptions.definitions(at: slos, org: input.org)
      StandardError.write("reliability weekly: reading events for \(label)")
      let loaded = try input.load(detail: .analytics, readsWholeHistories: true)
      let services = Dictionary(
        loaded.snapshots.map { (IncidentRef(orgId: $0.orgId, incidentId: $0.incidentId), $0.serviceName ?? "") },
        uniquingKeysWith: { first, _ in first })
      let orgs = input.org.map { [$0] } ?? loaded.summary.orgs
      try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
      var reports: [String: WeeklyReportFiles] = [:]
      for org in orgs {
        let figures = try WeeklyFigures.compute(
          orgId: org, label: label, period: period, at: at, incidents: loaded.snapshots.filter { $0.orgId == org },
          slos: definitions.filter { $0.orgId == nil || $0.orgId == org }, timeline: [])
        reports[org] = WeeklyReportFiles(figures: figures, directory: outDir)
      }
      defer { for report in reports.values { report.discard() } }

      // The Timeline lists every event of the period by time: a second read, decoded on every thread,
      // streamed into the open workbooks when the input is (nearly) in time order, else gathered and sorted.
      let reported = Set(orgs)
      let source = try input.source(readsWholeHistories: true)
      func readTimeline(_ body: (String, TimelineRow) throws -> Void) throws {
        try source.read(
          threads: input.threadCount,
          transform: { event, origin -> (String, TimelineRow)? in
            guard period.start <= event.ts && event.ts < period.end, reported.contains(event.orgId) else { return nil }
            let incident = IncidentRef(orgId: event.orgId, incidentId: event.incidentId)
            return (
              event.orgId,
              TimelineRow(
                ts: event.ts, origin: origin, incidentId: event.incidentId, serviceName: services[incident] ?? "", type: event.type,
                description: EventDescription.describe(event.payload), eventId: event.id)
            )
          },
          value: { if let (org, row) = $0 { try body(org, row) } }, broken: { _, _ in })
      }
      for report in reports.values { try report.open() }
      var orders: [String: TimelineOrder] = [:]
      var inOrder = true
      do {
        try readTimeline { org, row in
          guard let report = reports[org] else { return }
          guard try orders[org, default: TimelineOrder()].add(row, emit: report.appendTimeline) else { throw TimelineOutOfOrder() }
        }
        for (org, report) in reports { try orders[org, default: TimelineOrder()].finish(emit: report.appendTimeline) }
      } catch is TimelineOutOfOrder {
        inOrder = false
      }
      if !inOrder {
        StandardError.write(
          "reliability weekly: the input is not in time order; reading the period again to sort its \(label) Timeline in memory")
        for report in reports.values { report.discard() }
        var timeline: [String: [TimelineRow]] = [:]
        try readTimeline { org, row in timeline[org, default: []].append(row) }
        for report in reports.values {
          var rows = timeline.removeValue(forKey: report.figures.orgId) ?? []
          rows.sort { ($0.ts, $0.origin) < ($1.ts, $1.origin) }
          try report.open()
          for row in rows { try report.appendTimeline(row) }
        }
      }
      for org in orgs {
        guard let report = reports[org] else { continue }
        let (workbook, summary) = try report.commit()
        StandardError.write(
          "reliability weekly: writing \(workbook) (\(report.figures.incidents.count) incidents, \(report.timelineRows) events)")
        StandardOutput.write("\(workbook)\n\(summary)\n")
      }
    }
  }
}

/// A Timeline row came earlier than one already written: the input is not in time order.
private struct TimelineOutOfOrder: Error {}

/// One org's workbook and summary, written to temporary files and renamed into place at the end.
private final class WeeklyReportFiles {
  let figures: WeeklyFigures
  let name: String
  let workbook: String
  let temporary: String
  let directory: String
  private var writer: WeeklyWorkbook.Writer?
  private(set) var timelineRows = 0

  init(figures: WeeklyFigures, directory: String) {
    self.figures = figures
    self.directory = directory
    name = "reliability-\(figures.orgId)-\(figures.label)"
    workbook = (directory as NSString).appendingPathComponent("\(name).xlsx")
    temporary = (directory as NSString).appendingPathComponent(".\(name).xlsx.tmp-\(getpid())")
  }

  /// Starts the workbook: every sheet but the Timeline's rows.
  func open() throws {
    writer = try WeeklyWorkbook.Writer(figures, path: temporary, temporaryDirectory: directory)
    timelineRows = 0
  }

  func appendTimeline(_ row: TimelineRow) throws {
    try writer?.appendTimeline(row)
    timelineRows += 1
  }

  /// Drops an unfinished workbook.
  func discard() {
    if let writer {
      try? writer.close()
      self.writer = nil
    }
    unlink(temporary)
  }

  /// Finishes the workbook, moves it into place and writes the summary; returns both paths.
  func commit() throws -> (workbook: String, summary: String) {
    guard let writer else { throw OutputError.writeFailed(path: workbook, reason: "the workbook was not started") }
    try writer.close()
    self.writer = nil
    guard rename(temporary, workbook) == 0 else {
      let reason = String(cString: strerror(errno))
      unlink(temporary)
      throw OutputError.writeFailed(path: workbook, reason: reason)
    }
    let summary = (directory as NSString).appendingPathComponent("\(name).md")
    let target = try OutputTarget(path: summary)
    try target.write(WeeklySummary.markdown(figures, workbook: "\(name).xlsx"))
    try target.commit()
    return (workbook, summary)
  }
}
