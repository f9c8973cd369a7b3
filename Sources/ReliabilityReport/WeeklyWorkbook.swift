public import IncidentModel
import Patterns
public import SLOBudget
public import Spreadsheet

/// What a report was made from, for its About sheet.
public struct ReportProvenance: Sendable {
  /// One input as it was read.
  public struct Input: Sendable, Hashable {
    /// The file (`-` for standard input) or the database table.
    public var name: String
    /// Lines (or rows) read, and how many of them decoded into events.
    public var records: Int?
    public var events: Int?
    /// SHA-256 of the input's bytes, hex; nil where the source has no bytes of its own (a table).
    public var sha256: String?

    public init(name: String, records: Int? = nil, events: Int? = nil, sha256: String? = nil) {
      self.name = name
      self.records = records
      self.events = events
      self.sha256 = sha256
    }
  }

  public var inputs: [Input]
  /// Records read and skipped over all inputs.
  public var recordsRead: Int
  public var recordsSkipped: Int
  /// ``PartialFile``'s digest of the SLO definitions as read.
  public var definitionsDigest: String
  public var toolVersion: String

  // Nothing here says how the run was split: a report merged from shards is the one a single run writes, byte for byte.
  public init(inputs: [Input], recordsRead: Int, recordsSkipped: Int, definitionsDigest: String, toolVersion: String) {
    self.inputs = inputs
    self.recordsRead = recordsRead
    self.recordsSkipped = recordsSkipped
    self.definitionsDigest = definitionsDigest
    self.toolVersion = toolVersion
  }
}

/// Lays the weekly figures out as an XLSX workbook a manager opens and prints.
///
/// The Incidents and Timeline sheets grow with the period: they stream row by row to
/// disk (libxlsxwriter's constant-memory mode), so a Timeline of a million events
/// costs no more memory than a short one, and carry an autofilter. The other sheets
/// are short and held in memory, which gives them real Excel tables and gives the
/// charts cached values (a previewer that does not recompute still draws them).
/// Every sheet prints landscape, one page wide, its header repeated; the charts
/// have a sheet and a page of their own. Dates are Excel serial numbers in UTC,
/// durations fractions of a day; the creation time comes from the evaluation time,
/// so the same figures give the same bytes.
public enum WeeklyWorkbook {
  public static let sheetNames = ["Summary", "Charts", "SLOs", "Budget burn", "Incidents", "Patterns", "Timeline", "About"]

  /// The event types the Timeline shows when it opens, and prints.
  ///
  /// They are what changed an incident or was done about it. Signals, notes, tags and field updates are there too, behind
  /// the Type column's filter.
  public static let milestoneTypes: Set<String> = [
    "INCIDENT_CREATED", "INCIDENT_STATUS_CHANGED", "INCIDENT_SEVERITY_CHANGED", "INCIDENT_RESOLVED",
    "INCIDENT_SLO_VIOLATION_RECORDED", "INCIDENT_PLAYBOOK_ACTION_EXECUTED", "INCIDENT_LINKED_TO_TICKET",
  ]

  /// How many leading columns the SLOs, Incidents and Patterns sheets print.
  ///
  /// Those are the figures a reader needs; the rest (raw figures, window bounds, timestamps, gaps) are on screen. Every column would print at a
  /// scale no one reads.
  static let slosPrinted = 14
  static let incidentsPrinted = 11
  static let patternsPrinted = 9

  /// The most SLOs a multi-series chart draws: the ones that matter first (see ``chartOrder(_:)``).
  public static let seriesPerChart = 6

  /// A workbook whose Incidents and Timeline rows are given one at a time, after every other sheet is written.
  ///
  /// In constant-memory mode a row goes to disk as it is written (each sheet has its own
  /// temporary file, so the two sheets' rows may interleave), so a caller that streams
  /// its rows here, each sheet's in order, never holds the period.
  public final class Writer {
    private let workbook: Workbook
    private let formats: Formats
    private let figures: WeeklyFigures
    private let provenance: ReportProvenance
    private let about: Worksheet
    private var incidents: Table
    private var timeline: Table
    /// Incidents rows written so far.
    public private(set) var incidentRows = 0
    /// Timeline rows written so far, and how many of them show when the sheet opens.
    public private(set) var timelineRows = 0
    public private(set) var timelineMilestones = 0

    /// Writes every sheet but the Incidents' and the Timeline's rows (and the About sheet, which counts them).
    public init(_ figures: WeeklyFigures, provenance: ReportProvenance, path: String, temporaryDirectory: String? = nil)
      throws(SpreadsheetError)
    {
      self.figures = figures
      self.provenance = provenance
      workbook = try Workbook(path: path, constantMemory: true, temporaryDirectory: temporaryDirectory)
      try workbook.setProperties(
        title: "Reliability report \(figures.orgId) \(figures.label)", subject: "Weekly reliability report",
        author: "runbook-revenant", created: figures.evaluatedAt.millisecondsSinceEpoch.floorDivided(by: 1000).quotient)
      formats = Formats(workbook)
      let summary = try workbook.addWorksheet("Summary", rows: .inMemory)
      let charts = try workbook.addWorksheet("Charts", rows: .inMemory)
      let slos = try workbook.addWorksheet("SLOs", rows: .inMemory)
      let burn = try workbook.addWorksheet("Budget burn", rows: .inMemory)
      let incidentSheet = try workbook.addWorksheet("Incidents")
      let patterns = try workbook.addWorksheet("Patterns", rows: .inMemory)
      let timelineSheet = try workbook.addWorksheet("Timeline")
      about = try workbook.addWorksheet("About", rows: .inMemory)
      let layout = try writeSummary(figures, summary, formats)
      try writeSLOs(figures, slos, formats)
      let burnRows = try writeBurn(figures, burn, formats)
      try drawCharts(figures, layout: layout, burnRows: burnRows, on: charts, workbook)
      incidents = try incidentsTable(incidentSheet, formats)
      try writePatterns(figures, patterns, formats)
      timeline = Table(timelineSheet, streamed: true)
      try timeline.header(["Time (UTC)", "Incident", "Service", "Type", "What happened", "Event"], formats.header)
      try burn.setPage(page(figures, repeating: 0...0))
      try patterns.setPage(
        page(figures, repeating: 0...0, note: "columns A–\(CellReference.column(patternsPrinted - 1)) printed, all on screen"))
      // The Summary is one page when it reasonably can be (a page holds some 40 rows); a long one runs on, a page wide.
      var summaryPage = page(figures, repeating: nil)
      if layout.rows <= 70 { summaryPage.fitToPages = (1, 1) }
      try summary.setPage(summaryPage)
      try slos.setPage(page(figures, repeating: 0...0, note: "columns A–\(CellReference.column(slosPrinted - 1)) printed, all on screen"))
      try incidentSheet.setPage(
        page(figures, repeating: 0...0, note: "columns A–\(CellReference.column(incidentsPrinted - 1)) printed, all on screen"))
      try timelineSheet.setPage(page(figures, repeating: 0...0, note: "milestones; clear the Type filter for every event"))
      var chartPage = page(figures, repeating: nil)
      chartPage.fitToPages = (1, 1)
      try charts.setPage(chartPage)
      try about.setPage(page(figures, repeating: nil))
      summary.activate()
    }

    /// Adds the next Incidents row; rows must come in the order the sheet lists them (``IncidentRow/listedBefore(_:_:)``).
    public func appendIncident(_ i: IncidentRow) throws(SpreadsheetError) {
      func date(_ ts: Timestamp?) -> Cell { .number(ts.map(serial), formats.date) }
      try incidents.row([
        .text(i.incidentId), .text(i.title), .text(i.serviceName), .text(i.status.rawValue), .text(i.peakSeverity?.rawValue ?? ""),
        date(i.createdAt), .number(days(i.timeToDetect), formats.duration), .number(days(i.timeToAcknowledge), formats.duration),
        .number(days(i.timeToMitigate), formats.duration), .number(days(i.timeToResolve), formats.duration),
        .number(Double(i.reopenCount), formats.count), .text(i.severity?.rawValue ?? ""), .text(i.environment), date(i.impactStartedAt),
        date(i.acknowledgedAt), date(i.mitigatedAt), date(i.resolvedAt), .text(i.correlationKeys.joined(separator: ", ")),
      ])
      incidentRows += 1
    }

    /// Adds the next Timeline row; rows must come in the order the sheet lists them.
    ///
    /// A row that is not a milestone is hidden, as the Type filter the sheet opens with says.
    public func appendTimeline(_ row: TimelineRow) throws(SpreadsheetError) {
      if WeeklyWorkbook.milestoneTypes.contains(row.type) {
        timelineMilestones += 1
      } else {
        try timeline.sheet.hideRow(timeline.rowIndex)
      }
      try timeline.row([
        .number(serial(row.ts), formats.date), .text(row.incidentId), .text(row.serviceName), .text(row.type),
        .text(row.description), .text(row.eventId),
      ])
      timelineRows += 1
    }

    /// Finishes the Incidents and the Timeline (widths, frozen header, filter), the About sheet, and writes the file.
    public func close() throws(SpreadsheetError) {
      try incidents.finish()
      try timeline.finish(maximumWidth: 60)
      if timelineRows > 0 {
        // The filter's listed values are the types present, so clearing it is one click on "Select all".
        try timeline.sheet.filter(column: 3, showing: WeeklyWorkbook.milestoneTypes.sorted())
      }
      try writeAbout(figures, provenance, timelineRows: timelineRows, milestones: timelineMilestones, incidentRows: incidentRows)
      try workbook.close()
    }

    private func writeAbout(_ f: WeeklyFigures, _ p: ReportProvenance, timelineRows: Int, milestones: Int, incidentRows: Int)
      throws(SpreadsheetError)
    {
      var table = Table(about)
      try table.title("About this report", formats.title)
      table.skip()
      try table.header(["Item", "Value"], formats.header)
      func date(_ ts: Timestamp) -> Cell { .number(serial(ts), formats.date) }
      var rows: [[Cell]] = [
        ["Organisation", .text(f.orgId)], ["Report", .text(f.label)], ["Period start (UTC)", date(f.period.start)],
        ["Period end (UTC, exclusive)", date(f.period.end)],
        ["Evaluated at (UTC: the period's end, or --at if earlier)", date(f.evaluatedAt)],
        ["Incidents listed", .number(Double(incidentRows), formats.count)],
        ["Timeline events", .number(Double(timelineRows), formats.count)],
        ["Timeline events shown and printed (milestones)", .number(Double(milestones), formats.count)],
        ["Records read (all inputs)", .number(Double(p.recordsRead), formats.count)],
        ["Records skipped (see the run's diagnostics)", .number(Double(p.recordsSkipped), formats.count)],
        ["SLO definitions digest (SHA-256)", .text(p.definitionsDigest)],
        ["Tool version", .text(p.toolVersion)],
      ]
      for (index, input) in p.inputs.enumerated() {
        let label = p.inputs.count == 1 ? "Input" : "Input \(index + 1)"
        rows.append([.text(label), .text(input.name)])
        if let records = input.records { rows.append([.text("\(label): lines read"), .number(Double(records), formats.count)]) }
        if let events = input.events { rows.append([.text("\(label): events decoded"), .number(Double(events), formats.count)]) }
        if let sha256 = input.sha256 { rows.append([.text("\(label): SHA-256"), .text(sha256)]) }
      }
      for row in rows { try table.row(row) }
      try table.finish(tableName: "AboutTable", maximumWidth: 70)
    }
  }

  /// Excel's serial day number of an instant (days since 1899-12-30, UTC).
  public static func serial(_ ts: Timestamp) -> Double { Double(ts.millisecondsSinceEpoch) / 86_400_000 + 25_569 }

  /// A duration as a fraction of a day, as Excel's `[h]:mm:ss` shows it.
  public static func days(_ milliseconds: Int64?) -> Double? { milliseconds.map { Double($0) / 86_400_000 } }

  /// A duration in minutes (a change of duration, which may be negative).
  static func minutes(_ milliseconds: Int64?) -> Double? { milliseconds.map { Double($0) / 60_000 } }

  /// SLOs in the order charts and the Summary list them: breached, then at risk, then the rest,
  /// each by the budget left (least first), then by name.
  public static func chartOrder(_ f: WeeklyFigures) -> [SLOResult] {
    func rank(_ r: SLOResult) -> Int {
      if r.status == .breached { return 0 }
      if let remaining = r.remaining, remaining < WeeklyFigures.atRiskBelow { return 1 }
      return r.status == .noData ? 3 : 2
    }
    return f.slos.sorted { a, b in
      (rank(a), a.remaining ?? .infinity, a.definition.name) < (rank(b), b.remaining ?? .infinity, b.definition.name)
    }
  }

  /// The SLOs a day-by-day chart draws: breached and at risk, and the ones with least budget left up to
  /// three lines, never more than ``seriesPerChart``.
  public static func chartedSLOs(_ f: WeeklyFigures) -> [SLOResult] {
    let ordered = chartOrder(f)
    let urgent = ordered.prefix { StatusStyle($0).kind == .breached || StatusStyle($0).kind == .atRisk }.count
    return Array(ordered.prefix(min(seriesPerChart, max(3, urgent))))
  }

  /// How every sheet prints: landscape, one page wide, `repeating` rows at the top of each page,
  /// and a footer naming the report, the sheet and the page.
  static func page(_ f: WeeklyFigures, repeating rows: ClosedRange<Int>?, note: String? = nil) -> PageSetup {
    var setup = PageSetup()
    setup.repeatRows = rows
    // `&` starts a code in a page footer: a literal one is doubled.
    let escaped = { (text: String) in text.replacingOccurrences(of: "&", with: "&&") }
    setup.footer = "&L\(escaped(f.orgId)) \(escaped(f.label))&C&A\(note.map { " (\(escaped($0)))" } ?? "")&RPage &P of &N"
    return setup
  }

  // MARK: - Sheets

  /// Where the Summary's charted tables lie (0-based rows of their data).
  struct SummaryLayout {
    var services: ClosedRange<Int>?
    var slos: ClosedRange<Int>?
    /// The SLO rows' statuses, for the budget chart's colours.
    var sloColors: [UInt32] = []
    /// Rows the sheet has.
    var rows = 0
  }

  private static func writeSummary(_ f: WeeklyFigures, _ sheet: Worksheet, _ formats: Formats) throws(SpreadsheetError)
    -> SummaryLayout
  {
    var layout = SummaryLayout()
    var table = Table(sheet)
    try table.title("Reliability report — \(f.orgId), \(f.label)", formats.title)
    try table.row(["Period (UTC)", .number(serial(f.period.start), formats.date), "to", .number(serial(f.period.end), formats.date)])
    try table.row(["Evaluated at (UTC)", .number(serial(f.evaluatedAt), formats.date)])
    table.skip()
    let figuresHeader = table.rowIndex
    try table.header(["Figure", "This period", "Previous period", "Change"], formats.header)
    func change(_ now: Double?, _ before: Double?) -> Cell {
      now.flatMap { n in before.map { .number(n - $0, formats.change) } } ?? .empty
    }
    let c = f.current
    let p = f.previous
    func count(_ value: Int) -> Cell { .number(Double(value), formats.count) }
    try table.row(["Incidents", count(c.incidents), count(p.incidents), change(Double(c.incidents), Double(p.incidents))])
    for (index, severity) in Severity.allCases.enumerated() {
      try table.row([
        .text("Incidents peaking at \(severity.rawValue)"), count(c.bySeverity[index]), count(p.bySeverity[index]),
        change(Double(c.bySeverity[index]), Double(p.bySeverity[index])),
      ])
    }
    try table.row([
      "MTTA (mean time to acknowledge)", .number(days(c.meanTimeToAcknowledgeMs), formats.duration),
      .number(days(p.meanTimeToAcknowledgeMs), formats.duration),
      change(minutes(c.meanTimeToAcknowledgeMs), minutes(p.meanTimeToAcknowledgeMs)).with(formats.minutesChange),
    ])
    try table.row([
      "MTTR (mean time to resolve)", .number(days(c.meanTimeToResolveMs), formats.duration),
      .number(days(p.meanTimeToResolveMs), formats.duration),
      change(minutes(c.meanTimeToResolveMs), minutes(p.meanTimeToResolveMs)).with(formats.minutesChange),
    ])
    try table.row(["SLOs breached", count(f.breached.count), .empty, .empty])
    try table.row([
      .text("SLOs at risk (under \(Int(WeeklyFigures.atRiskBelow * 100))% of budget left)"), count(f.atRisk.count), .empty, .empty,
    ])
    try table.addTable(name: "Figures", headerRow: figuresHeader, columns: 4)
    table.skip()

    let servicesHeader = table.rowIndex
    try table.header(["Service", "Incidents"], formats.header)
    for entry in f.incidentsPerService { try table.row([.text(entry.service), count(entry.count)]) }
    if !f.incidentsPerService.isEmpty { layout.services = (servicesHeader + 1)...(table.rowIndex - 1) }
    try table.addTable(name: "IncidentsPerService", headerRow: servicesHeader, columns: 2)
    table.skip()

    let slosHeader = table.rowIndex
    try table.header(["SLO", "Budget remaining", "Status", "Service"], formats.header)
    let ordered = chartOrder(f)
    for result in ordered {
      let status = StatusStyle(result)
      try table.row([
        .text(result.definition.name), .number(result.remaining, formats.percentWhole), .styled(status.label, formats.status(status)),
        .text(result.definition.service),
      ])
      layout.sloColors.append(status.chartColor)
    }
    if !ordered.isEmpty { layout.slos = (slosHeader + 1)...(table.rowIndex - 1) }
    try table.addTable(name: "SLOBudgets", headerRow: slosHeader, columns: 4)
    table.skip()

    let patternsHeader = table.rowIndex
    try table.header(["Top recurring pattern", "Service", "Incidents", "Impact", "Trend"], formats.header)
    for group in f.patterns.groups.prefix(5) {
      try table.row([
        .text(group.id.key.label), .text(group.id.serviceName), count(group.count), .number(days(group.impactMs), formats.duration),
        .text(group.trend.rawValue),
      ])
    }
    if f.patterns.groups.isEmpty {
      try table.row([.text("No group had \(f.patterns.minimumCount) or more incidents in the period."), .empty, .empty, .empty, .empty])
    }
    try table.addTable(name: "TopPatterns", headerRow: patternsHeader, columns: 5)
    try table.fitColumns(minimum: 12)
    sheet.freezePanes(rows: 3)
    layout.rows = table.rowIndex
    return layout
  }

  /// The three charts, on a sheet of their own that prints as one page.
  private static func drawCharts(
    _ f: WeeklyFigures, layout: SummaryLayout, burnRows: Int, on sheet: Worksheet, _ workbook: Workbook
  ) throws(SpreadsheetError) {
    try sheet.write("Charts — \(f.orgId), \(f.label). Their figures are on the Summary and Budget burn sheets.", row: 0, column: 0)
    if let rows = layout.services {
      let chart = try workbook.addChart(.column)
      chart.title("Incidents per service")
      chart.addSeries(
        name: "Incidents",
        categories: CellReference.range(sheet: "Summary", column: 0, firstRow: rows.lowerBound, lastRow: rows.upperBound),
        values: CellReference.range(sheet: "Summary", column: 1, firstRow: rows.lowerBound, lastRow: rows.upperBound), color: 0x4472C4)
      chart.categoryAxis(title: "Service")
      chart.valueAxis(title: "Incidents", numberFormat: "0", minimum: 0)
      chart.legend(.none)
      try sheet.insert(chart, row: 2, column: 0, scale: (1.3, 1.25))
    }
    if let rows = layout.slos {
      // One bar per SLO, coloured by status, the most urgent at the top; at most a dozen.
      let shown = rows.lowerBound...min(rows.upperBound, rows.lowerBound + 11)
      let chart = try workbook.addChart(.bar)
      chart.title(shown.count < rows.count ? "Budget remaining: the \(shown.count) SLOs with least left" : "Error budget remaining per SLO")
      chart.addSeries(
        name: "Budget remaining",
        categories: CellReference.range(sheet: "Summary", column: 0, firstRow: shown.lowerBound, lastRow: shown.upperBound),
        values: CellReference.range(sheet: "Summary", column: 1, firstRow: shown.lowerBound, lastRow: shown.upperBound),
        pointColors: Array(layout.sloColors.prefix(shown.count)))
      chart.categoryAxis(title: "SLO", labelsAtLowEnd: true, reversed: true)
      chart.valueAxis(title: "Budget remaining", numberFormat: "0%", maximum: 1)
      chart.legend(.none)
      try sheet.insert(chart, row: 2, column: 10, scale: (1.45, 1.25))
    }
    let charted = chartedSLOs(f)
    if burnRows > 0, !charted.isEmpty {
      let chart = try workbook.addChart(.line)
      let palette: [UInt32] = [0xC00000, 0xED7D31, 0x7030A0, 0x4472C4, 0x70AD47, 0x7F7F7F]
      chart.title(
        charted.count < f.slos.count
          ? "Budget remaining, day by day: the \(charted.count) SLOs with least left (every SLO on Budget burn)"
          : "Error budget remaining, day by day")
      for (index, result) in charted.enumerated() {
        guard let column = f.slos.firstIndex(where: { $0.definition.name == result.definition.name }) else { continue }
        chart.addSeries(
          name: result.definition.name, categories: CellReference.range(sheet: "Budget burn", column: 0, firstRow: 1, lastRow: burnRows),
          values: CellReference.range(sheet: "Budget burn", column: column + 1, firstRow: 1, lastRow: burnRows),
          color: palette[index % palette.count])
      }
      chart.categoryAxis(title: "Day (UTC)", numberFormat: "d mmm", labelsAtLowEnd: true)
      chart.valueAxis(title: "Budget remaining", numberFormat: "0%", maximum: 1)
      chart.legend(charted.count > 1 ? .bottom : .none)
      try sheet.insert(chart, row: 22, column: 0, scale: (2.9, 1.3))
    }
  }

  private static func writeSLOs(_ f: WeeklyFigures, _ sheet: Worksheet, _ formats: Formats) throws(SpreadsheetError) {
    var table = Table(sheet)
    try table.header(
      [
        "SLO", "Service", "Window", "Target", "SLI", "Status", "Consumed", "Remaining", "Burn rate", "Error budget (time)", "Bad time",
        "Error budget (requests)", "Bad requests", "Alerts firing", "Top consumers", "Indicator", "Budgeting", "Window start",
        "Window end", "Evaluated to", "Valid time", "Valid requests", "Consumed (raw)", "Remaining (raw)", "Budget adjustments",
      ], formats.wrappedHeader, wrapping: true)
    table.printedColumns = slosPrinted
    for r in f.slos {
      let time = r.measure == .time
      func duration(_ ms: Double) -> Cell { time ? .number(ms / 86_400_000, formats.duration) : .empty }
      func requests(_ n: Double) -> Cell { time ? .empty : .number(n, formats.count) }
      let status = StatusStyle(r)
      try table.row([
        .text(r.definition.name), .text(r.definition.service), .text("\(r.definition.window)"),
        .number(r.definition.target, formats.percentPrecise), .number(r.sli, formats.percentPrecise),
        .styled(status.label, formats.status(status)), .number(r.consumed, formats.percent), .number(r.remaining, formats.percent),
        .number(r.burnRate, formats.decimal), duration(r.errorBudget), duration(r.bad), requests(r.errorBudget), requests(r.bad),
        .text(
          r.alerts.filter(\.firing).map { "\($0.policy.severity) \(EventDescription.percent($0.budgetShare))" }.joined(separator: ", ")),
        .text(r.consumers.prefix(3).map(\.incidentId).joined(separator: ", ")), .text(r.definition.indicator.name),
        .text(r.definition.budgeting.rawValue), .number(serial(r.window.start), formats.date), .number(serial(r.window.end), formats.date),
        .number(serial(r.evaluated.end), formats.date), duration(r.valid), requests(r.valid),
        // Without budget adjustments the raw figures are the figures: shown alike, so the columns always read.
        .number(r.raw.map(\.consumed) ?? r.consumed, formats.percent), .number(r.raw.map(\.remaining) ?? r.remaining, formats.percent),
        .text(r.adjustments.summaries.map { "\($0.name) ×\($0.occurrences): \($0.reason)" }.joined(separator: "; ")),
      ])
    }
    try table.finish(tableName: "SLOTable")
    // Remaining budget: red once overspent, amber when at risk.
    let last = max(1, table.rowIndex - 1)
    try sheet.highlightBelow(0, firstRow: 1, column: 7, lastRow: last, format: formats.breached)
    try sheet.highlightBelow(WeeklyFigures.atRiskBelow, firstRow: 1, column: 7, lastRow: last, format: formats.atRisk)
  }

  /// The Budget burn table, a row per day and a column per SLO; returns its data rows.
  private static func writeBurn(_ f: WeeklyFigures, _ sheet: Worksheet, _ formats: Formats) throws(SpreadsheetError) -> Int {
    var table = Table(sheet)
    // SLO names are long: the header wraps them, so a column is as wide as its percentages.
    try table.header(["Date (UTC)"] + f.slos.map(\.definition.name), formats.wrappedHeader, wrapping: true)
    var dates = Set<CivilDate>()
    for result in f.slos { for day in result.daily { dates.insert(day.date) } }
    let ordered = dates.sorted()
    let lookup = f.slos.map { result in Dictionary(result.daily.map { ($0.date, $0.remaining) }, uniquingKeysWith: { $1 }) }
    for date in ordered {
      var cells: [Cell] = [.number(Double(date.daysSinceEpoch) + 25_569, formats.day)]
      for map in lookup { cells.append(.number(map[date] ?? nil, formats.percent)) }
      try table.row(cells)
    }
    try table.finish(tableName: "BurnTable", maximumWidth: 16)
    return ordered.count
  }

  /// The Incidents sheet's header: its rows come one at a time (``Writer/appendIncident(_:)``).
  private static func incidentsTable(_ sheet: Worksheet, _ formats: Formats) throws(SpreadsheetError) -> Table {
    var table = Table(sheet, streamed: true)
    try table.header(
      [
        "Incident", "Title", "Service", "Status", "Peak severity", "Created", "Time to detect", "Time to acknowledge",
        "Time to mitigate", "Time to resolve", "Reopens", "Severity", "Environment", "Impact start", "Acknowledged", "Mitigated",
        "Resolved", "Correlation keys",
      ], formats.wrappedHeader, wrapping: true)
    table.printedColumns = incidentsPrinted
    return table
  }

  private static func writePatterns(_ f: WeeklyFigures, _ sheet: Worksheet, _ formats: Formats) throws(SpreadsheetError) {
    var table = Table(sheet)
    try table.header(
      [
        "Service", "Key", "Incidents", "Previous period", "Trend", "Impact", "Severities", "Open", "Incident ids", "First seen",
        "Last seen", "Median gap", "Shortest gap", "TTA median", "TTM median", "TTR median",
      ], formats.wrappedHeader, wrapping: true)
    table.printedColumns = patternsPrinted
    let idsWidth = 44
    for g in f.patterns.groups {
      // The ids wrap within their column; not every reader sizes a wrapped row itself.
      let ids = g.incidentIds.joined(separator: " ")
      let lines = max(1, (ids.count + idsWidth - 4) / (idsWidth - 3))
      if lines > 1 { try sheet.setRowHeight(table.rowIndex, points: 15 * Double(lines)) }
      try table.row([
        .text(g.id.serviceName), .text(g.id.key.label), .number(Double(g.count), formats.count),
        .number(Double(g.previousCount), formats.count), .text(g.trend.rawValue), .number(days(g.impactMs), formats.duration),
        .text(g.severityMix.map { "\($0.severity.rawValue)×\($0.count)" }.joined(separator: " ")),
        .number(Double(g.open), formats.count), .styled(ids, formats.wrapped),
        .number(serial(g.firstSeen), formats.date), .number(serial(g.lastSeen), formats.date),
        .number(days(g.medianGapMs), formats.duration), .number(days(g.shortestGapMs), formats.duration),
        .number(days(g.timeToAcknowledge.medianMs), formats.duration), .number(days(g.timeToMitigate.medianMs), formats.duration),
        .number(days(g.timeToResolve.medianMs), formats.duration),
      ])
    }
    try table.finish(tableName: "PatternTable", maximumWidth: idsWidth)
  }
}

/// How an SLO's status reads and is coloured.
struct StatusStyle {
  enum Kind { case breached, atRisk, met, noData }
  let kind: Kind

  init(_ r: SLOResult) {
    if r.status == .breached {
      kind = .breached
    } else if r.status == .noData {
      kind = .noData
    } else if let remaining = r.remaining, remaining < WeeklyFigures.atRiskBelow {
      kind = .atRisk
    } else {
      kind = .met
    }
  }

  /// The status as `slo report` prints it; an SLO met with little budget left reads "MET (at risk)".
  var label: String {
    switch kind {
    case .breached: "BREACHED"
    case .atRisk: "MET (at risk)"
    case .met: "MET"
    case .noData: "NO_DATA"
    }
  }

  var chartColor: UInt32 {
    switch kind {
    case .breached: 0xC00000
    case .atRisk: 0xED7D31
    case .met: 0x70AD47
    case .noData: 0xA5A5A5
    }
  }
}

/// A cell to write.
enum Cell: ExpressibleByStringLiteral {
  case text(String)
  /// Text in a format of its own (a coloured status).
  case styled(String, CellFormat)
  case number(Double?, CellFormat?)
  case empty

  init(stringLiteral value: String) { self = .text(value) }

  func with(_ format: CellFormat) -> Cell {
    if case .number(let value, _) = self { return .number(value, format) }
    return self
  }

  /// Characters a reader sees, for column widths.
  var width: Int {
    switch self {
    case .text(let text), .styled(let text, _): text.count
    // A number is about as wide as its format's pattern (`yyyy-mm-dd hh:mm:ss`, `0.00%`), a count up to seven digits.
    case .number(let value, let format): value == nil ? 0 : max(9, format?.numberFormatCode?.count ?? 9)
    case .empty: 0
    }
  }
}

/// Writes rows in order and remembers what column widths they need.
struct Table {
  let sheet: Worksheet
  /// Whether the sheet streams its rows (constant memory): it gets an autofilter, not a table.
  let streamed: Bool
  private(set) var rowIndex = 0
  private var widths: [Int] = []
  private var columns = 0
  private var headerRow: Int?
  private var headers: [String] = []
  private var headerFormat: CellFormat?
  /// Columns printed (the first ones); nil prints every column.
  var printedColumns: Int?

  init(_ sheet: Worksheet, streamed: Bool = false) {
    self.sheet = sheet
    self.streamed = streamed
  }

  mutating func title(_ text: String, _ format: CellFormat) throws(SpreadsheetError) {
    try sheet.write(text, row: rowIndex, column: 0, format: format)
    rowIndex += 1
  }

  /// The header row; with `wrapping`, titles wrap onto two or three lines instead of widening their columns.
  mutating func header(_ titles: [String], _ format: CellFormat, wrapping: Bool = false) throws(SpreadsheetError) {
    headerRow = rowIndex
    headers = titles
    headerFormat = format
    columns = max(columns, titles.count)
    if wrapping {
      // Room for three lines: not every reader sizes a wrapped row by itself.
      try sheet.setRowHeight(rowIndex, points: 45)
      for (column, title) in titles.enumerated() {
        if widths.count <= column { widths.append(0) }
        widths[column] = max(widths[column], min(title.count, 12))
        try sheet.write(title, row: rowIndex, column: column, format: format)
      }
      rowIndex += 1
    } else {
      try row(titles.map(Cell.text), format: format)
    }
  }

  mutating func row(_ cells: [Cell], format: CellFormat? = nil) throws(SpreadsheetError) {
    for (column, cell) in cells.enumerated() {
      if widths.count <= column { widths.append(0) }
      widths[column] = max(widths[column], cell.width)
      switch cell {
      case .text(let text): try sheet.write(text, row: rowIndex, column: column, format: format)
      case .styled(let text, let style): try sheet.write(text, row: rowIndex, column: column, format: style)
      case .number(let value, let numberFormat): try sheet.write(value, row: rowIndex, column: column, format: numberFormat ?? format)
      case .empty: break
      }
    }
    rowIndex += 1
  }

  mutating func skip() { rowIndex += 1 }

  /// An Excel table over the rows from `headerRow` to the last written (its header cells are the header's titles).
  func addTable(name: String, headerRow: Int, columns: Int) throws(SpreadsheetError) {
    let titles = (0..<columns).map { column -> String in
      // Header cells as written: the table's column names must match them.
      headerRow == self.headerRow && column < headers.count ? headers[column] : "Column \(column + 1)"
    }
    try sheet.addTable(
      name: name, firstRow: headerRow, firstColumn: 0, lastRow: rowIndex - 1,
      columns: titles.map { TableColumn($0, headerFormat: headerFormat) })
  }

  func fitColumns(minimum: Int = 8, maximumWidth: Int = 80) throws(SpreadsheetError) {
    // A table's header carries a filter button: leave it room.
    for (column, width) in widths.enumerated() { try sheet.setColumn(column, width: Double(max(minimum, min(width, maximumWidth) + 3))) }
  }

  /// Fitted widths, a frozen header row, and a filter: a table on an in-memory sheet, an autofilter on a streamed one.
  func finish(tableName: String? = nil, maximumWidth: Int = 80) throws(SpreadsheetError) {
    try fitColumns(maximumWidth: maximumWidth)
    guard let headerRow, columns > 0 else { return }
    sheet.freezePanes(rows: headerRow + 1)
    if let printedColumns, printedColumns < columns {
      try sheet.printArea(firstRow: 0, firstColumn: 0, lastRow: max(headerRow + 1, rowIndex - 1), lastColumn: printedColumns - 1)
    }
    if let tableName, !streamed {
      try addTable(name: tableName, headerRow: headerRow, columns: columns)
    } else {
      try sheet.autofilter(firstRow: headerRow, firstColumn: 0, lastRow: max(headerRow, rowIndex - 1), lastColumn: columns - 1)
    }
  }
}

/// The workbook's formats, made once.
struct Formats {
  let title: CellFormat
  let header: CellFormat
  let wrappedHeader: CellFormat
  let wrapped: CellFormat
  let date: CellFormat
  let day: CellFormat
  let duration: CellFormat
  let minutesChange: CellFormat
  let count: CellFormat
  let change: CellFormat
  let percent: CellFormat
  let percentWhole: CellFormat
  let percentPrecise: CellFormat
  let decimal: CellFormat
  let breached: CellFormat
  let atRisk: CellFormat
  let met: CellFormat
  let noData: CellFormat

  init(_ workbook: Workbook) {
    title = workbook.addFormat {
      $0.bold()
      $0.fontSize(14)
    }
    header = workbook.addFormat {
      $0.bold()
      $0.background(0xD9E1F2)
    }
    wrappedHeader = workbook.addFormat {
      $0.bold()
      $0.background(0xD9E1F2)
      $0.wrapText()
      $0.alignTop()
    }
    wrapped = workbook.addFormat {
      $0.wrapText()
      $0.alignTop()
    }
    date = workbook.addFormat { $0.numberFormat("yyyy-mm-dd hh:mm:ss") }
    day = workbook.addFormat { $0.numberFormat("yyyy-mm-dd") }
    duration = workbook.addFormat { $0.numberFormat("[h]:mm:ss") }
    // Excel shows a negative time as ####: a change of duration is a signed number of minutes.
    minutesChange = workbook.addFormat { $0.numberFormat("+#,##0\" min\";-#,##0\" min\";0\" min\"") }
    count = workbook.addFormat { $0.numberFormat("#,##0") }
    change = workbook.addFormat { $0.numberFormat("+#,##0;-#,##0;0") }
    percent = workbook.addFormat { $0.numberFormat("0.00%") }
    percentWhole = workbook.addFormat { $0.numberFormat("0.0%") }
    percentPrecise = workbook.addFormat { $0.numberFormat("0.0000%") }
    decimal = workbook.addFormat { $0.numberFormat("0.00") }
    // Status colours, light fill and dark text of one hue, as Excel's own "Good", "Neutral" and "Bad" styles.
    func status(fill: UInt32, text: UInt32) -> CellFormat {
      workbook.addFormat {
        $0.background(fill)
        $0.fontColor(text)
      }
    }
    breached = status(fill: 0xFFC7CE, text: 0x9C0006)
    atRisk = status(fill: 0xFFEB9C, text: 0x9C5700)
    met = status(fill: 0xC6EFCE, text: 0x006100)
    noData = status(fill: 0xEDEDED, text: 0x595959)
  }

  func status(_ style: StatusStyle) -> CellFormat {
    switch style.kind {
    case .breached: breached
    case .atRisk: atRisk
    case .met: met
    case .noData: noData
    }
  }
}
