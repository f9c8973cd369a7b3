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
      var services: [String: String] = [:]
      for incident in loaded.snapshots { services["\(incident.orgId)\u{1F}\(incident.incidentId)"] = incident.serviceName ?? "" }
      // The Timeline sheet lists every event of the period: a second, streaming read.
      var timeline: [String: [TimelineRow]] = [:]
      try input.source(readsWholeHistories: true).read(
        event: { event, _ in
          guard period.start <= event.ts && event.ts < period.end else { return }
          timeline[event.orgId, default: []].append(
            TimelineRow(
              ts: event.ts, incidentId: event.incidentId, serviceName: services["\(event.orgId)\u{1F}\(event.incidentId)"] ?? "",
              type: event.type, description: EventDescription.describe(event.payload), eventId: event.id))
        }, broken: { _, _ in })
      let orgs = input.org.map { [$0] } ?? loaded.summary.orgs
      try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
      for org in orgs {
        let figures = try WeeklyFigures.compute(
          orgId: org, label: label, period: period, at: at, incidents: loaded.snapshots.filter { $0.orgId == org },
          slos: definitions.filter { $0.orgId == nil || $0.orgId == org }, timeline: timeline[org] ?? [])
        let name = "reliability-\(org)-\(label)"
        let workbook = (outDir as NSString).appendingPathComponent("\(name).xlsx")
        let temporary = (outDir as NSString).appendingPathComponent(".\(name).xlsx.tmp-\(getpid())")
        StandardError.write(
          "reliability weekly: writing \(workbook) (\(figures.incidents.count) incidents, \(figures.timeline.count) events)")
        do {
          try WeeklyWorkbook.write(figures, to: temporary, temporaryDirectory: outDir)
        } catch {
          unlink(temporary)
          throw error
        }
        guard rename(temporary, workbook) == 0 else {
          let reason = String(cString: strerror(errno))
          unlink(temporary)
          throw OutputError.writeFailed(path: workbook, reason: reason)
        }
        let summary = (outDir as NSString).appendingPathComponent("\(name).md")
        let target = try OutputTarget(path: summary)
        try target.write(WeeklySummary.markdown(figures, workbook: "\(name).xlsx"))
        try target.commit()
        StandardOutput.write("\(workbook)\n\(summary)\n")
      }
    }
  }
}
