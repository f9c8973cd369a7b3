import CXLSXWriter

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

  public func addWorksheet(_ name: String) throws(SpreadsheetError) -> Worksheet {
    guard let handle, let sheet = workbook_add_worksheet(handle, name) else {
      throw .libxlsxwriter(action: "adding worksheet \(name)", code: -1, message: "name invalid or already used")
    }
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
    let wrapper = Chart(chart)
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

  /// An Excel number format such as `0.00%`, `yyyy-mm-dd hh:mm:ss` or `[h]:mm:ss`.
  public func numberFormat(_ format: String) { handle.map { format_set_num_format($0, format) } }
  public func bold() { handle.map { format_set_bold($0) } }
  /// Colours as `0xRRGGBB`.
  public func background(_ rgb: UInt32) { handle.map { format_set_bg_color($0, lxw_color_t(rgb)) } }
  public func fontColor(_ rgb: UInt32) { handle.map { format_set_font_color($0, lxw_color_t(rgb)) } }
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

  public func insert(_ chart: Chart, row: Int, column: Int) throws(SpreadsheetError) {
    let (r, c) = try cell(row, column)
    try check(worksheet_insert_chart(handle, r, c, chart.handle), "inserting a chart in \(name)")
  }
}

/// A chart, owned by its workbook.
public final class Chart {
  let handle: UnsafeMutablePointer<lxw_chart>

  init(_ handle: UnsafeMutablePointer<lxw_chart>) { self.handle = handle }

  public func title(_ text: String) { chart_title_set_name(handle, text) }

  /// Adds a series from `Sheet!$A$2:$A$9`-style ranges.
  public func addSeries(name: String, categories: String, values: String) {
    if let series = chart_add_series(handle, categories, values) { chart_series_set_name(series, name) }
  }

  public func axisTitles(x: String, y: String) {
    chart_axis_set_name(handle.pointee.x_axis, x)
    chart_axis_set_name(handle.pointee.y_axis, y)
  }

  public func legendAtBottom() { chart_legend_set_position(handle, UInt8(LXW_CHART_LEGEND_BOTTOM.rawValue)) }
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
