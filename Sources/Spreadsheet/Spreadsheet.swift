import CXLSXWriter

#if canImport(Glibc)
  import Glibc
#endif

/// A libxlsxwriter failure, with what was being done.
public enum SpreadsheetError: Error, Sendable, CustomStringConvertible {
  case libxlsxwriter(action: String, code: Int32, message: String)
  case cellOutOfRange(row: Int, column: Int)
  case cannotCreate(path: String)

  public var description: String {
    switch self {
    case .libxlsxwriter(let action, let code, let message): "libxlsxwriter error \(code) while \(action): \(message)"
    case .cellOutOfRange(let row, let column): "cell (row \(row), column \(column)) is outside a worksheet"
    case .cannotCreate(let path): "cannot create the workbook \(path)"
    }
  }
}

/// The one helper that turns libxlsxwriter's return codes into errors.
@inline(__always)
private func check(_ code: lxw_error, _ action: @autoclosure () -> String) throws(SpreadsheetError) {
  guard code != LXW_NO_ERROR else { return }
  throw .libxlsxwriter(action: action(), code: Int32(code.rawValue), message: String(cString: lxw_strerror(code)))
}

/// An XLSX workbook being written: owns the libxlsxwriter handle.
///
/// libxlsxwriter writes the file only in ``close()``: a bad path succeeds at
/// creation and fails there. A workbook never closed is closed (and so freed)
/// when released, writing whatever it holds; callers write to a temporary path
/// and move it into place only after a successful close.
public final class Workbook {
  private var handle: UnsafeMutablePointer<lxw_workbook>?
  /// Formats, worksheets and charts live as long as the workbook; keep their wrappers alive too.
  private var children: [AnyObject] = []

  /// Creates a workbook to be written at `path`.
  ///
  /// `constantMemory` streams each row to a temporary file as it is written:
  /// rows must then be written in order, but memory does not grow with them.
  public init(path: String, constantMemory: Bool, temporaryDirectory: String? = nil) throws(SpreadsheetError) {
    var options = lxw_workbook_options()
    options.constant_memory = constantMemory ? 1 : 0
    let created =
      temporaryDirectory.map { directory in
        directory.withCString { tmpdir -> UnsafeMutablePointer<lxw_workbook>? in
          options.tmpdir = UnsafeMutablePointer(mutating: tmpdir)
          return workbook_new_opt(path, &options)
        }
      } ?? workbook_new_opt(path, &options)
    guard let created else { throw .cannotCreate(path: path) }
    handle = created
  }

  deinit {
    if let handle { _ = workbook_close(handle) }
  }

  /// Document properties; `created` also dates the files inside the ZIP container, so
  /// the same content and the same `created` give a byte-identical workbook.
  public func setProperties(title: String, subject: String, author: String, created: Int64) throws(SpreadsheetError) {
    guard let handle else { return }
    // The C strings must live for the call: nest, and check the status outside.
    let code = title.withCString { title in
      subject.withCString { subject in
        author.withCString { author in
          var properties = lxw_doc_properties()
          properties.title = UnsafeMutablePointer(mutating: title)
          properties.subject = UnsafeMutablePointer(mutating: subject)
          properties.author = UnsafeMutablePointer(mutating: author)
          properties.created = time_t(created)
          return workbook_set_properties(handle, &properties)
        }
      }
    }
    try check(code, "setting the document properties")
  }

  /// Adds a worksheet.
  ///
  /// In a constant-memory workbook, `rows: .inMemory` keeps this sheet's
  /// cells in memory all the same: a short sheet can then hold Excel tables, and charts
  /// of its cells carry their values (previewers that do not recompute show them).
  public func addWorksheet(_ name: String, rows: RowStorage = .workbookDefault) throws(SpreadsheetError) -> Worksheet {
    guard let handle, let sheet = workbook_add_worksheet(handle, name) else {
      throw .libxlsxwriter(action: "adding worksheet \(name)", code: -1, message: "name invalid or already used")
    }
    if rows == .inMemory { rr_worksheet_keep_rows_in_memory(sheet) }
    let worksheet = Worksheet(sheet, name: name)
    children.append(worksheet)
    return worksheet
  }

  public func addFormat(_ configure: (CellFormat) -> Void = { _ in }) -> CellFormat {
    // libxlsxwriter allocates formats on the workbook; it returns NULL only when out of memory.
    let format = CellFormat(handle.flatMap { workbook_add_format($0) })
    configure(format)
    children.append(format)
    return format
  }

  public func addChart(_ type: ChartType) throws(SpreadsheetError) -> Chart {
    guard let handle, let chart = workbook_add_chart(handle, type.raw) else {
      throw .libxlsxwriter(action: "adding a chart", code: -1, message: "out of memory")
    }
    let wrapper = Chart(chart, type: type)
    children.append(wrapper)
    return wrapper
  }

  /// Writes the file; the workbook cannot be used afterwards.
  public func close() throws(SpreadsheetError) {
    guard let handle else { return }
    self.handle = nil
    try check(workbook_close(handle), "writing the workbook")
  }
}

/// Where a worksheet's cells wait until the workbook is written.
public enum RowStorage: Sendable {
  /// As the workbook says: streamed to a temporary file row by row in a constant-memory workbook.
  case workbookDefault
  /// In memory: needed for tables and for charts that carry their values.
  case inMemory
}

/// Chart kinds the reports use.
public enum ChartType: Sendable {
  case column
  case bar
  case line

  var raw: UInt8 {
    switch self {
    case .column: UInt8(LXW_CHART_COLUMN.rawValue)
    case .bar: UInt8(LXW_CHART_BAR.rawValue)
    case .line: UInt8(LXW_CHART_LINE.rawValue)
    }
  }
}

/// A cell format, owned by its workbook.
public final class CellFormat {
  let handle: UnsafeMutablePointer<lxw_format>?

  init(_ handle: UnsafeMutablePointer<lxw_format>?) { self.handle = handle }

  /// The number format set, if any.
  public private(set) var numberFormatCode: String?

  /// An Excel number format such as `0.00%`, `yyyy-mm-dd hh:mm:ss` or `[h]:mm:ss`.
  public func numberFormat(_ format: String) {
    numberFormatCode = format
    handle.map { format_set_num_format($0, format) }
  }
  public func bold() { handle.map { format_set_bold($0) } }
  /// Colours as `0xRRGGBB`.
  public func background(_ rgb: UInt32) { handle.map { format_set_bg_color($0, lxw_color_t(rgb)) } }
  public func fontColor(_ rgb: UInt32) { handle.map { format_set_font_color($0, lxw_color_t(rgb)) } }
  public func fontSize(_ points: Double) { handle.map { format_set_font_size($0, points) } }
  /// Wraps long text onto more lines within the column width.
  public func wrapText() { handle.map { format_set_text_wrap($0) } }
  /// Aligns the cell's content to the top (wrapped neighbours then read line by line).
  public func alignTop() { handle.map { format_set_align($0, UInt8(LXW_ALIGN_VERTICAL_TOP.rawValue)) } }
}

/// How a worksheet prints.
public struct PageSetup: Sendable {
  public var landscape = true
  /// Pages across and down the sheet is scaled to fit; 0 down leaves the height free.
  public var fitToPages: (wide: Int, tall: Int) = (1, 0)
  /// Rows printed at the top of every page (0-based, inclusive), such as a table's header.
  public var repeatRows: ClosedRange<Int>?
  /// ISO A4 by default (libxlsxwriter's paper code 9).
  public var paper: UInt8 = 9
  /// Margins in inches: left, right, top, bottom.
  public var margins = (left: 0.5, right: 0.5, top: 0.6, bottom: 0.6)
  /// Excel header and footer codes, such as `&L&A&RPage &P of &N`.
  public var header: String?
  public var footer: String?

  public init() {}
}

/// A table column's header and the formats of its header cell and data cells.
public struct TableColumn {
  public var header: String
  public var headerFormat: CellFormat?
  public var format: CellFormat?

  public init(_ header: String, headerFormat: CellFormat? = nil, format: CellFormat? = nil) {
    self.header = header
    self.headerFormat = headerFormat
    self.format = format
  }
}

/// A worksheet of a workbook (owned by it), with 0-based rows and columns.
public final class Worksheet {
  let handle: UnsafeMutablePointer<lxw_worksheet>
  public let name: String

  init(_ handle: UnsafeMutablePointer<lxw_worksheet>, name: String) {
    self.handle = handle
    self.name = name
  }

  /// Excel's limits: 1 048 576 rows and 16 384 columns.
  private func cell(_ row: Int, _ column: Int) throws(SpreadsheetError) -> (lxw_row_t, lxw_col_t) {
    guard (0..<1_048_576).contains(row), (0..<16_384).contains(column) else { throw .cellOutOfRange(row: row, column: column) }
    return (lxw_row_t(row), lxw_col_t(column))
  }

  public func write(_ text: String, row: Int, column: Int, format: CellFormat? = nil) throws(SpreadsheetError) {
    let (r, c) = try cell(row, column)
    try check(worksheet_write_string(handle, r, c, text, format?.handle), "writing \(name)!R\(row + 1)C\(column + 1)")
  }

  public func write(_ number: Double, row: Int, column: Int, format: CellFormat? = nil) throws(SpreadsheetError) {
    let (r, c) = try cell(row, column)
    try check(worksheet_write_number(handle, r, c, number, format?.handle), "writing \(name)!R\(row + 1)C\(column + 1)")
  }

  /// Writes a number, or leaves the cell empty for nil (never a NaN).
  public func write(_ number: Double?, row: Int, column: Int, format: CellFormat? = nil) throws(SpreadsheetError) {
    guard let number, number.isFinite else { return }
    try write(number, row: row, column: column, format: format)
  }

  public func setColumn(_ column: Int, width: Double, format: CellFormat? = nil) throws(SpreadsheetError) {
    let (_, c) = try cell(0, column)
    try check(worksheet_set_column(handle, c, c, width, format?.handle), "sizing column \(column + 1) of \(name)")
  }

  /// A row's height in points (15 is Excel's default for 11-point text).
  public func setRowHeight(_ row: Int, points: Double) throws(SpreadsheetError) {
    let (r, _) = try cell(row, 0)
    try check(worksheet_set_row(handle, r, points, nil), "sizing row \(row + 1) of \(name)")
  }

  public func freezePanes(rows: Int, columns: Int = 0) {
    worksheet_freeze_panes(handle, lxw_row_t(rows), lxw_col_t(columns))
  }

  public func autofilter(firstRow: Int, firstColumn: Int, lastRow: Int, lastColumn: Int) throws(SpreadsheetError) {
    let (r1, c1) = try cell(firstRow, firstColumn)
    let (r2, c2) = try cell(max(firstRow, lastRow), lastColumn)
    try check(worksheet_autofilter(handle, r1, c1, r2, c2), "adding an autofilter to \(name)")
  }

  /// Applies `format` to the cells of a range whose value is below `threshold`.
  public func highlightBelow(
    _ threshold: Double, firstRow: Int, column: Int, lastRow: Int, format: CellFormat
  ) throws(SpreadsheetError) {
    guard lastRow >= firstRow else { return }
    let (r1, c) = try cell(firstRow, column)
    let (r2, _) = try cell(lastRow, column)
    var rule = lxw_conditional_format()
    rule.type = UInt8(LXW_CONDITIONAL_TYPE_CELL.rawValue)
    rule.criteria = UInt8(LXW_CONDITIONAL_CRITERIA_LESS_THAN.rawValue)
    rule.value = threshold
    rule.format = format.handle
    try check(worksheet_conditional_format_range(handle, r1, c, r2, c, &rule), "adding a conditional format to \(name)")
  }

  /// Inserts `chart` with its top-left corner at a cell; `scale` stretches its default 480 × 288 pixels.
  public func insert(_ chart: Chart, row: Int, column: Int, scale: (x: Double, y: Double) = (1, 1)) throws(SpreadsheetError) {
    let (r, c) = try cell(row, column)
    var options = lxw_chart_options()
    options.x_scale = scale.x
    options.y_scale = scale.y
    try check(worksheet_insert_chart_opt(handle, r, c, chart.handle, &options), "inserting a chart in \(name)")
  }

  /// An Excel table (a ListObject: named, styled, filtered) over a range whose first row is its header.
  ///
  /// Only a sheet whose rows are held in memory can have one (``RowStorage/inMemory``). A table
  /// needs a data row: a header alone gets one empty row.
  public func addTable(
    name: String, firstRow: Int, firstColumn: Int, lastRow: Int, columns: [TableColumn]
  ) throws(SpreadsheetError) {
    guard !columns.isEmpty else { return }
    let (r1, c1) = try cell(firstRow, firstColumn)
    let (r2, c2) = try cell(max(firstRow + 1, lastRow), firstColumn + columns.count - 1)
    // libxlsxwriter copies what it is given: the C strings need only live for the call.
    let headers = columns.map { strdup($0.header) }
    defer { headers.forEach { free($0) } }
    let tableName = strdup(name)
    defer { free(tableName) }
    var descriptions = zip(columns, headers).map { column, header in
      var description = lxw_table_column()
      description.header = header
      description.header_format = column.headerFormat?.handle
      description.format = column.format?.handle
      return description
    }
    let code = descriptions.withUnsafeMutableBufferPointer { buffer -> lxw_error in
      var pointers = nullTerminatedPointers(to: buffer)
      return pointers.withUnsafeMutableBufferPointer { list in
        var options = lxw_table_options()
        options.name = tableName
        options.style_type = UInt8(LXW_TABLE_STYLE_TYPE_MEDIUM.rawValue)
        options.style_type_number = 2
        options.columns = list.baseAddress
        return worksheet_add_table(handle, r1, c1, r2, c2, &options)
      }
    }
    try check(code, "adding table \(name) to \(self.name)")
  }

  /// Hides a row (printing skips it too).
  ///
  /// In a constant-memory sheet, call it before writing the row's cells.
  public func hideRow(_ row: Int) throws(SpreadsheetError) {
    let (r, _) = try cell(row, 0)
    var options = lxw_row_col_options()
    options.hidden = 1
    try check(worksheet_set_row_opt(handle, r, LXW_DEF_ROW_HEIGHT, nil, &options), "hiding row \(row + 1) of \(name)")
  }

  /// Marks the autofilter of `column` as showing only `values`.
  ///
  /// The caller hides the other rows: Excel does not filter a file when it opens it. Call after ``autofilter(firstRow:firstColumn:lastRow:lastColumn:)``.
  public func filter(column: Int, showing values: [String]) throws(SpreadsheetError) {
    let (_, c) = try cell(0, column)
    let strings = values.map { strdup($0) }
    defer { strings.forEach { free($0) } }
    var list: [UnsafeMutablePointer<CChar>?] = strings + [nil]
    let code = list.withUnsafeMutableBufferPointer { worksheet_filter_list(handle, c, $0.baseAddress) }
    try check(code, "filtering column \(column + 1) of \(name)")
  }

  /// How the sheet prints.
  public func setPage(_ setup: PageSetup) throws(SpreadsheetError) {
    if setup.landscape { worksheet_set_landscape(handle) } else { worksheet_set_portrait(handle) }
    worksheet_set_paper(handle, setup.paper)
    worksheet_set_margins(handle, setup.margins.left, setup.margins.right, setup.margins.top, setup.margins.bottom)
    worksheet_fit_to_pages(handle, UInt16(clamping: setup.fitToPages.wide), UInt16(clamping: setup.fitToPages.tall))
    if let rows = setup.repeatRows {
      let (first, _) = try cell(rows.lowerBound, 0)
      let (last, _) = try cell(rows.upperBound, 0)
      try check(worksheet_repeat_rows(handle, first, last), "repeating rows on the pages of \(name)")
    }
    if let header = setup.header { try check(worksheet_set_header(handle, header), "setting the page header of \(name)") }
    if let footer = setup.footer { try check(worksheet_set_footer(handle, footer), "setting the page footer of \(name)") }
  }

  /// Prints only this range (0-based, inclusive); the sheet shows everything.
  public func printArea(firstRow: Int, firstColumn: Int, lastRow: Int, lastColumn: Int) throws(SpreadsheetError) {
    let (r1, c1) = try cell(firstRow, firstColumn)
    let (r2, c2) = try cell(max(firstRow, lastRow), max(firstColumn, lastColumn))
    try check(worksheet_print_area(handle, r1, c1, r2, c2), "setting the print area of \(name)")
  }

  /// Page breaks before each of these rows (0-based).
  public func breakPages(before rows: [Int]) throws(SpreadsheetError) {
    guard !rows.isEmpty else { return }
    var breaks = rows.map { lxw_row_t(clamping: $0) } + [0]
    try check(worksheet_set_h_pagebreaks(handle, &breaks), "breaking pages of \(name)")
  }

  /// The sheet shown when the workbook opens.
  public func activate() { worksheet_activate(handle) }
}

/// A chart, owned by its workbook.
public final class Chart {
  let handle: UnsafeMutablePointer<lxw_chart>
  public let type: ChartType

  init(_ handle: UnsafeMutablePointer<lxw_chart>, type: ChartType) {
    self.handle = handle
    self.type = type
  }

  public func title(_ text: String) { chart_title_set_name(handle, text) }

  /// Adds a series from `Sheet!$A$2:$A$9`-style ranges; `pointColors` (`0xRRGGBB`) colour its points one by one.
  public func addSeries(name: String, categories: String, values: String, color: UInt32? = nil, pointColors: [UInt32] = []) {
    guard let series = chart_add_series(handle, categories, values) else { return }
    chart_series_set_name(series, name)
    if let color {
      if type == .line {
        var line = lxw_chart_line()
        line.color = lxw_color_t(color)
        line.width = 2.25
        chart_series_set_line(series, &line)
      } else {
        var fill = lxw_chart_fill()
        fill.color = lxw_color_t(color)
        chart_series_set_fill(series, &fill)
      }
    }
    guard !pointColors.isEmpty else { return }
    // libxlsxwriter copies the points: they need only live for the call.
    var fills = pointColors.map { rgb in
      var fill = lxw_chart_fill()
      fill.color = lxw_color_t(rgb)
      return fill
    }
    fills.withUnsafeMutableBufferPointer { fillBuffer in
      var points = nullTerminatedPointers(to: fillBuffer).dropLast().map { fill in
        var point = lxw_chart_point()
        point.fill = fill
        return point
      }
      points.withUnsafeMutableBufferPointer { pointBuffer in
        var list = nullTerminatedPointers(to: pointBuffer)
        _ = list.withUnsafeMutableBufferPointer { chart_series_set_points(series, $0.baseAddress) }
      }
    }
  }

  /// The axis of the categories: libxlsxwriter calls it `y_axis` in a bar chart, where it runs up the side.
  private var categoryAxis: UnsafeMutablePointer<lxw_chart_axis> { type == .bar ? handle.pointee.y_axis : handle.pointee.x_axis }
  private var valueAxis: UnsafeMutablePointer<lxw_chart_axis> { type == .bar ? handle.pointee.x_axis : handle.pointee.y_axis }

  /// The category axis: its title, the number format of its labels, where they go.
  ///
  /// Dates need a number format, or they show as serial numbers; labels at the low end
  /// keep negative bars from running into them.
  /// `reversed` lists the first category at the top of a bar chart (the value axis then runs along the top).
  public func categoryAxis(title: String, numberFormat: String? = nil, labelsAtLowEnd: Bool = false, reversed: Bool = false) {
    chart_axis_set_name(categoryAxis, title)
    if reversed { chart_axis_set_reverse(categoryAxis) }
    if let numberFormat { chart_axis_set_num_format(categoryAxis, numberFormat) }
    if labelsAtLowEnd { chart_axis_set_label_position(categoryAxis, UInt8(LXW_CHART_AXIS_LABEL_POSITION_LOW.rawValue)) }
  }

  /// The value axis: its title, the number format of its labels, and fixed bounds where given.
  public func valueAxis(title: String, numberFormat: String? = nil, minimum: Double? = nil, maximum: Double? = nil) {
    chart_axis_set_name(valueAxis, title)
    if let numberFormat { chart_axis_set_num_format(valueAxis, numberFormat) }
    if let minimum { chart_axis_set_min(valueAxis, minimum) }
    if let maximum { chart_axis_set_max(valueAxis, maximum) }
  }

  public enum LegendPosition: Sendable { case none, bottom, right }

  public func legend(_ position: LegendPosition) {
    let raw: lxw_chart_legend_position =
      switch position {
      case .none: LXW_CHART_LEGEND_NONE
      case .bottom: LXW_CHART_LEGEND_BOTTOM
      case .right: LXW_CHART_LEGEND_RIGHT
      }
    chart_legend_set_position(handle, UInt8(raw.rawValue))
  }
}

/// A pointer to each element of `buffer`, then NULL: the arrays libxlsxwriter takes for lists.
private func nullTerminatedPointers<Element>(to buffer: UnsafeMutableBufferPointer<Element>) -> [UnsafeMutablePointer<Element>?] {
  guard let base = buffer.baseAddress else { return [nil] }
  return (0..<buffer.count).map { base + $0 } + [nil]
}

/// Cell references.
public enum CellReference {
  /// The letters of a 0-based column: `A` for 0, `Z` for 25, `AA` for 26.
  public static func column(_ index: Int) -> String {
    var index = index
    var name = ""
    repeat {
      name = String(UnicodeScalar(UInt8(65 + index % 26))) + name
      index = index / 26 - 1
    } while index >= 0
    return name
  }

  /// `'Sheet name'!$A$2:$A$9` for 0-based rows and a column.
  public static func range(sheet: String, column: Int, firstRow: Int, lastRow: Int) -> String {
    let quoted = "'" + sheet.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "''") + "'"
    let letters = self.column(column)
    return "\(quoted)!$\(letters)$\(firstRow + 1):$\(letters)$\(lastRow + 1)"
  }
}
