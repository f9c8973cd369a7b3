/// A plain-text table with a header row and columns sized to their content.
public struct TextTable {
  public enum Alignment {
    case left
    case right
  }

  public let columns: [(title: String, alignment: Alignment)]
  private(set) var rows: [[String]] = []

  public init(_ columns: [(String, Alignment)]) {
    self.columns = columns.map { (title: $0.0, alignment: $0.1) }
  }

  public mutating func append(_ row: [String]) { rows.append(row) }

  /// The table, two spaces between columns, each line indented by `indent` and without trailing spaces.
  public func rendered(indent: String = "  ") -> String {
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
public enum CSV {
  public static func line(_ fields: [String]) -> String {
    fields.map { field in
      guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
      return "\"" + field.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }.joined(separator: ",") + "\r\n"
  }
}
