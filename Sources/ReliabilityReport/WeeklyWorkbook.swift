public import IncidentModel
import Patterns
import SLOBudget
public import Spreadsheet

/// Lays the weekly figures out as an XLSX workbook.
///
/// The workbook is written in constant-memory mode, every sheet row by row in
/// order, so a Timeline of a million events costs no more memory than a short
/// one. Dates are Excel serial numbers in UTC, durations fractions of a day;
/// the creation time comes from the evaluation time, so the same figures give
/// the same bytes.
public enum WeeklyWorkbook {
  public static let sheetNames = ["Summary", "SLOs", "Budget burn", "Incidents", "Patterns", "Timeline"]

  /// A workbook whose Incidents and Timeline rows are given one at a time, after every other sheet is written.
  ///
  /// In constant-memory mode a row goes to disk as it is written (each sheet has its own
  /// temporary file, so the two sheets' rows may interleave), so a caller that streams
  /// its rows here, each sheet's in order, never holds the period.
  public final class Writer {
    private let workbook: Workbook
    private let formats: Formats
    private var incidents: Table
    private var timeline: Table
    /// Incidents rows written so far.
    public private(set) var incidentRows = 0
    /// Timeline rows written so far.
    public private(set) var timelineRows = 0

    /// Writes every sheet but the Incidents' and the Timeline's rows.
    public init(_ figures: WeeklyFigures, path: String, temporaryDirectory: String? = nil) throws(SpreadsheetError) {
      workbook = try Workbook(path: path, constantMemory: true, temporaryDirectory: temporaryDirectory)
      try workbook.setProperties(
        title: "Reliability report \(figures.orgId) \(figures.label)", subject: "Weekly reliability report",
        author: "runbook-revenant", created: figures.evaluatedAt.millisecondsSinceEpoch.floorDivided(by: 1000).quotient)
      formats = Formats(workbook)
      var sheets: [Worksheet] = []
      for name in sheetNames { sheets.append(try workbook.addWorksheet(name)) }
      try writeSummary(figures, sheets[0], workbook, formats)
      try writeSLOs(figures, sheets[1], formats)
      try writeBurn(figures, sheets[2], workbook, formats)
      incidents = try incidentsTable(sheets[3], formats)
      try writePatterns(figures, sheets[4], formats)
      timeline = Table(sheets[5])
      try timeline.header(["Time (UTC)", "Incident", "Service", "Type", "What happened", "Event"], formats.header)
    }

    /// Adds the next Incidents row; rows must come in the order the sheet lists them (``IncidentRow/listedBefore(_:_:)``).
    public func appendIncident(_ i: IncidentRow) throws(SpreadsheetError) {
      func date(_ ts: Timestamp?) -> Cell { .number(ts.map(serial), formats.date) }
      try incidents.row([
        .text(i.incidentId), .text(i.title), .text(i.serviceName), .text(i.environment), .text(i.status.rawValue),
        .text(i.severity?.rawValue ?? ""), .text(i.peakSeverity?.rawValue ?? ""), date(i.createdAt), date(i.impactStartedAt),
        date(i.acknowledgedAt), date(i.mitigatedAt), date(i.resolvedAt), .number(days(i.timeToDetect), formats.duration),
        .number(days(i.timeToAcknowledge), formats.duration), .number(days(i.timeToMitigate), formats.duration),
        .number(days(i.timeToResolve), formats.duration), .number(Double(i.reopenCount), nil),
        .text(i.correlationKeys.joined(separator: ", ")),
      ])
      incidentRows += 1
    }

    /// Adds the next Timeline row; rows must come in the order the sheet lists them.
    public func appendTimeline(_ row: TimelineRow) throws(SpreadsheetError) {
      try timeline.row([
        .number(serial(row.ts), formats.date), .text(row.incidentId), .text(row.serviceName), .text(row.type),
        .text(row.description), .text(row.eventId),
      ])
      timelineRows += 1
    }

    /// Finishes the Incidents and the Timeline (widths, frozen header, filter) and writes the file.
    public func close() throws(SpreadsheetError) {
      try incidents.finish(freeze: true)
      try timeline.finish(freeze: true)
      try workbook.close()
    }
  }

  /// Excel's serial day number of an instant (days since 1899-12-30, UTC).
  public static func serial(_ ts: Timestamp) -> Double { Double(ts.millisecondsSinceEpoch) / 86_400_000 + 25_569 }

  /// A duration as a fraction of a day, as Excel's `[h]:mm:ss` shows it.
  public static func days(_ milliseconds: Int64?) -> Double? { milliseconds.map { Double($0) / 86_400_000 } }

  // MARK: - Sheets

  private static func writeSummary(_ f: WeeklyFigures, _ sheet: Worksheet, _ workbook: Workbook, _ formats: Formats)
    throws(SpreadsheetError)
  {
    var table = Table(sheet)
    try table.title("Reliability report — \(f.orgId), \(f.label)", formats.title)
    try table.row(["Period", text(f.period.start.description), text(f.period.end.description)])
    try table.row(["Evaluated at", text(f.evaluatedAt.description)])
    table.skip()
    try table.header(["Figure", "This period", "Previous period", "Change"], formats.header)
    func change(_ now: Double?, _ before: Double?) -> Cell { now.flatMap { n in before.map { .number(n - $0, nil) } } ?? .empty }
    let c = f.current
    let p = f.previous
    try table.row([
      "Incidents", .number(Double(c.incidents), nil), .number(Double(p.incidents), nil), change(Double(c.incidents), Double(p.incidents)),
    ])
    for (index, severity) in Severity.allCases.enumerated() {
      try table.row([
        text("Incidents peaking at \(severity.rawValue)"), .number(Double(c.bySeverity[index]), nil),
        .number(Double(p.bySeverity[index]), nil),
        change(Double(c.bySeverity[index]), Double(p.bySeverity[index])),
      ])
    }
    try table.row([
      "MTTA (mean time to acknowledge)", .number(days(c.meanTimeToAcknowledgeMs), formats.duration),
      .number(days(p.meanTimeToAcknowledgeMs), formats.duration),
      change(days(c.meanTimeToAcknowledgeMs), days(p.meanTimeToAcknowledgeMs)).with(formats.duration),
    ])
    try table.row([
      "MTTR (mean time to resolve)", .number(days(c.meanTimeToResolveMs), formats.duration),
      .number(days(p.meanTimeToResolveMs), formats.duration),
      change(days(c.meanTimeToResolveMs), days(p.meanTimeToResolveMs)).with(formats.duration),
    ])
    try table.row(["SLOs breached", .number(Double(f.breached.count), nil)])
    try table.row([
      text("SLOs at risk (under \(Int(WeeklyFigures.atRiskBelow * 100))% of budget left)"), .number(Double(f.atRisk.count), nil),
    ])
    table.skip()

    try table.header(["Service", "Incidents"], formats.header)
    let servicesFirst = table.rowIndex
    for entry in f.incidentsPerService { try table.row([text(entry.service), .number(Double(entry.count), nil)]) }
    let servicesLast = table.rowIndex - 1
    table.skip()

    try table.header(["SLO", "Budget remaining"], formats.header)
    let slosFirst = table.rowIndex
    for result in f.slos { try table.row([text(result.definition.name), .number(result.remaining, formats.percent)]) }
    let slosLast = table.rowIndex - 1
    table.skip()

    try table.header(["Top recurring pattern", "Service", "Incidents", "Impact", "Trend"], formats.header)
    for group in f.patterns.groups.prefix(5) {
      try table.row([
        text(group.id.key.label), text(group.id.serviceName), .number(Double(group.count), nil),
        .number(days(group.impactMs), formats.duration), text(group.trend.rawValue),
      ])
    }
    if f.patterns.groups.isEmpty { try table.row(["No group had two or more incidents in the period."]) }
    try table.fitColumns(minimum: 12)

    try summaryChart(
      .column, "Incidents per service", series: "Incidents", rows: servicesFirst...max(servicesFirst, servicesLast),
      isEmpty: servicesLast < servicesFirst, axes: ("Service", "Incidents"), at: 1, sheet, workbook)
    try summaryChart(
      .bar, "Error budget remaining per SLO", series: "Budget remaining", rows: slosFirst...max(slosFirst, slosLast),
      isEmpty: slosLast < slosFirst, axes: ("Remaining", "SLO"), at: 18, sheet, workbook)
  }

  /// A chart of the Summary table in `rows` (labels in column A, values in column B), placed beside the tables.
  private static func summaryChart(
    _ type: ChartType, _ title: String, series: String, rows: ClosedRange<Int>, isEmpty: Bool, axes: (x: String, y: String),
    at row: Int, _ sheet: Worksheet, _ workbook: Workbook
  ) throws(SpreadsheetError) {
    guard !isEmpty else { return }
    let chart = try workbook.addChart(type)
    chart.title(title)
    chart.addSeries(
      name: series, categories: CellReference.range(sheet: "Summary", column: 0, firstRow: rows.lowerBound, lastRow: rows.upperBound),
      values: CellReference.range(sheet: "Summary", column: 1, firstRow: rows.lowerBound, lastRow: rows.upperBound))
    chart.axisTitles(x: axes.x, y: axes.y)
    try sheet.insert(chart, row: row, column: 6)
  }

  private static func writeSLOs(_ f: WeeklyFigures, _ sheet: Worksheet, _ formats: Formats) throws(SpreadsheetError) {
    var table = Table(sheet)
    try table.header(
      [
        "SLO", "Org", "Service", "Indicator", "Budgeting", "Window", "Window start", "Window end", "Evaluated to", "Target", "SLI",
        "Unit", "Valid", "Bad", "Error budget", "Consumed", "Remaining", "Burn rate", "Budget minutes", "Remaining minutes", "Status",
        "Alerts firing", "Top consumers", "Bad (raw)", "Consumed (raw)", "Remaining (raw)", "Budget adjustments",
      ], formats.header)
    for r in f.slos {
      try table.row([
        text(r.definition.name), text(r.orgId), text(r.definition.service), text(r.definition.indicator.name),
        text(r.definition.budgeting.rawValue), text("\(r.definition.window)"), .number(serial(r.window.start), formats.date),
        .number(serial(r.window.end), formats.date), .number(serial(r.evaluated.end), formats.date),
        .number(r.definition.target, formats.percentPrecise), .number(r.sli, formats.percentPrecise),
        text(r.measure == .time ? "ms" : "requests"), .number(r.valid, nil), .number(r.bad, nil), .number(r.errorBudget, formats.decimal),
        .number(r.consumed, formats.percent), .number(r.remaining, formats.percent), .number(r.burnRate, formats.decimal),
        .number(r.errorBudgetMinutes, formats.decimal), .number(r.remainingMinutes, formats.decimal), text(r.status.rawValue),
        text(
          r.alerts.filter(\.firing).map { "\($0.policy.severity) \(EventDescription.percent($0.budgetShare))" }.joined(
            separator: ", ")),
        text(r.consumers.prefix(3).map(\.incidentId).joined(separator: ", ")),
        // Without budget adjustments the raw figures are the figures: shown alike, so the columns always read.
        .number(r.raw?.bad ?? r.bad, nil), .number(r.raw.map(\.consumed) ?? r.consumed, formats.percent),
        .number(r.raw.map(\.remaining) ?? r.remaining, formats.percent),
        text(
          r.adjustments.summaries.map { "\($0.name) ×\($0.occurrences): \($0.reason)" }.joined(separator: "; ")),
      ])
    }
    try table.finish(freeze: true)
    // Remaining budget: red once overspent, amber when at risk.
    let last = table.rowIndex - 1
    try sheet.highlightBelow(0, firstRow: 1, column: 16, lastRow: last, format: formats.breached)
    try sheet.highlightBelow(WeeklyFigures.atRiskBelow, firstRow: 1, column: 16, lastRow: last, format: formats.atRisk)
  }

  private static func writeBurn(_ f: WeeklyFigures, _ sheet: Worksheet, _ workbook: Workbook, _ formats: Formats) throws(SpreadsheetError) {
    var table = Table(sheet)
    try table.header(["Date"] + f.slos.map(\.definition.name), formats.header)
    var dates = Set<CivilDate>()
    for result in f.slos { for day in result.daily { dates.insert(day.date) } }
    let ordered = dates.sorted()
    let lookup = f.slos.map { result in Dictionary(result.daily.map { ($0.date, $0.remaining) }, uniquingKeysWith: { $1 }) }
    for date in ordered {
      var cells: [Cell] = [.number(Double(date.daysSinceEpoch) + 25_569, formats.day)]
      for map in lookup { cells.append(.number(map[date] ?? nil, formats.percent)) }
      try table.row(cells)
    }
    try table.finish(freeze: true)
    guard !ordered.isEmpty, !f.slos.isEmpty else { return }
    let chart = try workbook.addChart(.line)
    chart.title("Error budget remaining, day by day")
    for (index, result) in f.slos.enumerated() {
      chart.addSeries(
        name: result.definition.name, categories: CellReference.range(sheet: "Budget burn", column: 0, firstRow: 1, lastRow: ordered.count),
        values: CellReference.range(sheet: "Budget burn", column: index + 1, firstRow: 1, lastRow: ordered.count))
    }
    chart.axisTitles(x: "Day", y: "Remaining")
    chart.legendAtBottom()
    try sheet.insert(chart, row: 1, column: f.slos.count + 2)
  }

  /// The Incidents sheet's header: its rows come one at a time (``Writer/appendIncident(_:)``).
  private static func incidentsTable(_ sheet: Worksheet, _ formats: Formats) throws(SpreadsheetError) -> Table {
    var table = Table(sheet)
    try table.header(
      [
        "Incident", "Title", "Service", "Environment", "Status", "Severity", "Peak severity", "Created", "Impact start", "Acknowledged",
        "Mitigated", "Resolved", "Time to detect", "Time to acknowledge", "Time to mitigate", "Time to resolve", "Reopens",
        "Correlation keys",
      ], formats.header)
    return table
  }

  private static func writePatterns(_ f: WeeklyFigures, _ sheet: Worksheet, _ formats: Formats) throws(SpreadsheetError) {
    var table = Table(sheet)
    try table.header(
      [
        "Org", "Service", "Key", "Incidents", "Previous period", "Trend", "Impact", "First seen", "Last seen", "Median gap",
        "Shortest gap", "TTA median", "TTM median", "TTR median", "Severities", "Open", "Incident ids",
      ], formats.header)
    for g in f.patterns.groups {
      try table.row([
        text(g.id.orgId), text(g.id.serviceName), text(g.id.key.label), .number(Double(g.count), nil),
        .number(Double(g.previousCount), nil),
        text(g.trend.rawValue), .number(days(g.impactMs), formats.duration), .number(serial(g.firstSeen), formats.date),
        .number(serial(g.lastSeen), formats.date), .number(days(g.medianGapMs), formats.duration),
        .number(days(g.shortestGapMs), formats.duration),
        .number(days(g.timeToAcknowledge.medianMs), formats.duration), .number(days(g.timeToMitigate.medianMs), formats.duration),
        .number(days(g.timeToResolve.medianMs), formats.duration),
        text(g.severityMix.map { "\($0.severity.rawValue)×\($0.count)" }.joined(separator: " ")), .number(Double(g.open), nil),
        text(g.incidentIds.joined(separator: " ")),
      ])
    }
    try table.finish(freeze: true)
  }

  private static func text(_ value: String) -> Cell { .text(value) }
}

/// A cell to write.
enum Cell: ExpressibleByStringLiteral {
  case text(String)
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
    case .text(let text): text.count
    case .number(let value, let format): value == nil ? 0 : (format == nil ? 8 : 19)
    case .empty: 0
    }
  }
}

/// Writes rows in order and remembers what column widths they need.
struct Table {
  let sheet: Worksheet
  private(set) var rowIndex = 0
  private var widths: [Int] = []
  private var columns = 0
  private var headerRow: Int?

  init(_ sheet: Worksheet) { self.sheet = sheet }

  mutating func title(_ text: String, _ format: CellFormat) throws(SpreadsheetError) {
    try sheet.write(text, row: rowIndex, column: 0, format: format)
    rowIndex += 1
  }

  mutating func header(_ titles: [String], _ format: CellFormat) throws(SpreadsheetError) {
    headerRow = rowIndex
    columns = max(columns, titles.count)
    try row(titles.map(Cell.text), format: format)
  }

  mutating func row(_ cells: [Cell], format: CellFormat? = nil) throws(SpreadsheetError) {
    for (column, cell) in cells.enumerated() {
      if widths.count <= column { widths.append(0) }
      widths[column] = max(widths[column], min(cell.width, 80))
      switch cell {
      case .text(let text): try sheet.write(text, row: rowIndex, column: column, format: format)
      case .number(let value, let numberFormat): try sheet.write(value, row: rowIndex, column: column, format: numberFormat ?? format)
      case .empty: break
      }
    }
    rowIndex += 1
  }

  mutating func skip() { rowIndex += 1 }

  func fitColumns(minimum: Int = 8) throws(SpreadsheetError) {
    for (column, width) in widths.enumerated() { try sheet.setColumn(column, width: Double(max(minimum, width + 2))) }
  }

  /// Fitted widths, a frozen header row and an autofilter over the table.
  func finish(freeze: Bool) throws(SpreadsheetError) {
    try fitColumns()
    guard let headerRow, columns > 0 else { return }
    if freeze { sheet.freezePanes(rows: headerRow + 1) }
    try sheet.autofilter(firstRow: headerRow, firstColumn: 0, lastRow: max(headerRow, rowIndex - 1), lastColumn: columns - 1)
  }
}

/// The workbook's formats, made once.
struct Formats {
  let title: CellFormat
  let header: CellFormat
  let date: CellFormat
  let day: CellFormat
  let duration: CellFormat
  let percent: CellFormat
  let percentPrecise: CellFormat
  let decimal: CellFormat
  let breached: CellFormat
  let atRisk: CellFormat

  init(_ workbook: Workbook) {
    title = workbook.addFormat { $0.bold() }
    header = workbook.addFormat {
      $0.bold()
      $0.background(0xD9E1F2)
    }
    date = workbook.addFormat { $0.numberFormat("yyyy-mm-dd hh:mm:ss") }
    day = workbook.addFormat { $0.numberFormat("yyyy-mm-dd") }
    duration = workbook.addFormat { $0.numberFormat("[h]:mm:ss") }
    percent = workbook.addFormat { $0.numberFormat("0.00%") }
    percentPrecise = workbook.addFormat { $0.numberFormat("0.0000%") }
    decimal = workbook.addFormat { $0.numberFormat("0.00") }
    breached = workbook.addFormat {
      $0.background(0xFFC7CE)
      $0.fontColor(0x9C0006)
    }
    atRisk = workbook.addFormat {
      $0.background(0xFFEB9C)
      $0.fontColor(0x9C5700)
    }
  }
}
