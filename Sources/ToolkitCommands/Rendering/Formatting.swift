import IncidentModel

/// Text formatting shared by every human-readable output.
enum Format {
  /// A duration in milliseconds as people read it: `42s`, `4m 12s`, `1h 02m`, `2d 03h`.
  static func duration(milliseconds: Int64) -> String {
    let negative = milliseconds < 0
    let seconds = abs(milliseconds) / 1000
    let text: String
    switch seconds {
    case ..<60: text = "\(seconds)s"
    case ..<3600: text = "\(seconds / 60)m \(two(seconds % 60))s"
    case ..<86_400: text = "\(seconds / 3600)h \(two(seconds / 60 % 60))m"
    default: text = "\(seconds / 86_400)d \(two(seconds / 3600 % 24))h"
    }
    return negative ? "-" + text : text
  }

  static func duration(from start: Timestamp, to end: Timestamp) -> String {
    duration(milliseconds: end.millisecondsSinceEpoch - start.millisecondsSinceEpoch)
  }

  /// `text` padded with spaces to `width` characters (left-aligned).
  static func left(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
  }

  /// `text` padded with spaces to `width` characters (right-aligned).
  static func right(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
  }

  /// A ratio as a percentage with `decimals` decimals, without Foundation's locale (`-0.50%` keeps its sign).
  static func percent(_ ratio: Double, decimals: Int = 2) -> String {
    decimal(ratio * 100, places: decimals) + "%"
  }

  private static func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
