public import IncidentModel
import Mustache

/// A template that does not parse.
public struct TemplateError: Error, Sendable, CustomStringConvertible {
  public var template: String
  public var reason: String

  public var description: String { "the template \(template) cannot be used: \(reason)" }
}

/// Renders a draft through a Mustache template; the template sees exactly the draft's JSON document.
///
/// JSON objects become Mustache contexts, arrays sections, strings and numbers text
/// (numbers as written in the JSON), booleans section switches; `null` is simply absent.
public enum DraftRenderer {
  public static func render(_ document: JSONObject, template: String, name: String) throws(TemplateError) -> String {
    let parsed: MustacheTemplate
    do {
      parsed = try MustacheTemplate(string: template)
    } catch {
      throw TemplateError(template: name, reason: "\(error)")
    }
    return parsed.render(context(.object(document)) ?? [String: Any]())
  }

  static func context(_ value: JSONValue) -> Any? {
    switch value {
    case .null: return nil
    case .bool(let flag): return flag
    case .number(let text): return text
    case .string(let text): return text
    case .array(let items): return items.compactMap(context)
    case .object(let object):
      var dictionary: [String: Any] = [:]
      for member in object { if let value = context(member.value) { dictionary[member.key] = value } }
      return dictionary
    }
  }
}
