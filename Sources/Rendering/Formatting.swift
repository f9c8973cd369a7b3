public import IncidentModel

/// Text formatting shared by every human-readable output.
public enum Format {
  /// A duration in milliseconds as people read it: `42s`, `4m 12s`, `1h 02m`, `2d 03h`.
  public static func duration(milliseconds: Int64) -> String { DurationText.format(milliseconds: milliseconds) }

  public static func duration(from start: Timestamp, to end: Timestamp) -> String {
    duration(milliseconds: end.millisecondsSinceEpoch - start.millisecondsSinceEpoch)
  }

  /// `text` padded with spaces to `width` characters (left-aligned).
  public static func left(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
  }

  /// `text` padded with spaces to `width` characters (right-aligned).
  public static func right(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
  }

  /// A ratio as a percentage with `decimals` decimals, without Foundation's locale (`-0.50%` keeps its sign).
  public static func percent(_ ratio: Double, decimals: Int = 2) -> String { NumberText.percent(ratio, places: decimals) }

}
