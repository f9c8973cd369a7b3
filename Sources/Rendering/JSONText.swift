public import IncidentModel

/// JSON documents as text, with a final newline.
public enum JSONText {
  public static func pretty(_ value: JSONValue) -> String {
    var out = ""
    JSONWriter.writePretty(value, to: &out)
    return out + "\n"
  }
}
