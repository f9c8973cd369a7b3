/// A plain-text table with a header row and columns sized to their content.
struct TextTable {
  enum Alignment {
    case left
    case right
  }

  let columns: [(title: String, alignment: Alignment)]
  private(set) var rows: [[String]] = []

  init(_ columns: [(String, Alignment)]) {
    self.columns = columns.map { (title: $0.0, alignment: $0.1) }
  }

  mutating func append(_ row: [String]) { rows.append(row) }

  /// The table, two spaces between columns, each line indented by `indent` and without trailing spaces.
  func rendered(indent: String = "  ") -> String {
    var widths = columns.map(\.title.count)
    for row in rows {
      for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) }
    }
    func line(_ cells: [String]) -> String {
      let padded = cells.enumerated().map { index, cell in
        columns[index].alignment == .left ? Format.left(cell, widths[index]) : Format.right(cell, widths[index])
      }
      var text = indent + padded.joined(separator: "  ")
      while text.last == " " { text.removeLast() }
      return text + "\n"
    }
    return line(columns.map(\.title)) + rows.map(line).joined()
  }
}

/// RFC 4180 CSV: fields quoted when they hold a comma, a quote or a line break.
enum CSV {
  static func line(_ fields: [String]) -> String {
    fields.map { field in
      guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
      return "\"" + field.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }.joined(separator: ",") + "\r\n"
  }
}
