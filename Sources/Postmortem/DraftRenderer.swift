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
  /// The largest template accepted, in bytes.
  ///
  /// Postmortem templates are a few kilobytes; the limit
  /// keeps rendering time and memory small whatever file `--template` names.
  public static let maximumTemplateBytes = 256 << 10
  /// The most tags a template may hold.
  public static let maximumTags = 4_000
  /// The deepest nesting of sections (`{{#…}}`, `{{^…}}`, `{{$…}}`, `{{<…}}`) a template may have.
  public static let maximumSectionDepth = 32

  /// Puts the template in text mode unless it names its own content type.
  ///
  /// A postmortem is Markdown: HTML escaping would turn a title's quotes into `&quot;`. The pragma is a line of its
  /// own, which Mustache drops whole; error lines are counted without it.
  static let textByDefault = "{{% CONTENT_TYPE: TEXT}}\n"

  /// The `MARKDOWN` content type a template may name: values are made safe in a Markdown table cell.
  ///
  /// A `|` becomes `\|` (GFM reads it as a literal pipe, in a table cell and in running text alike) and a line
  /// break a space, so a label or a note copied from the stream can neither split a row nor end a table. The
  /// default template uses it; `{{{triple}}}` tags print a value as it is.
  struct MarkdownContentType: MustacheContentType {
    func escapeText(_ text: String) -> String { MarkdownText.tableCell(text) }
  }

  private static let registered: Void = MustacheContentTypes.register(MarkdownContentType(), named: "MARKDOWN")

  public static func render(_ document: JSONObject, template: String, name: String) throws(TemplateError) -> String {
    _ = registered
    try TemplateLimits.check(template, name: name)
    let parsed: MustacheTemplate
    do {
      parsed = try MustacheTemplate(string: textByDefault + template)
    } catch let error as MustacheTemplate.ParserError {
      throw TemplateError(
        template: name,
        reason: "line \(max(1, error.context.lineNumber - 1)), column \(error.context.columnNumber): \(describe(error.error))")
    } catch {
      throw TemplateError(template: name, reason: "\(error)")
    }
    return parsed.render(context(.object(document)) ?? [String: Any]())
  }

  private static func describe(_ error: any Error) -> String {
    guard let error = error as? MustacheTemplate.Error else {
      // The parser's reader runs past the end (its error type is internal to the library): a tag left open.
      return "\(error)" == "overflow" ? "the template ends inside a tag" : "\(error)"
    }
    switch error {
    case .sectionCloseNameIncorrect: return "a section is closed with another name than it was opened with"
    case .unfinishedName: return "a tag is not closed, or its name is empty"
    case .expectedSectionEnd: return "a section is not closed"
    case .invalidSetDelimiter: return "a set-delimiter tag is malformed"
    case .transformAppliedToInheritanceSection: return "a transform is applied to an inherited section"
    case .illegalTokenInsideInheritSection: return "a partial's inherited section holds a tag that is not a block"
    case .textInsideInheritSection: return "a partial's inherited section holds text outside its blocks"
    case .invalidConfigVariableSyntax: return "a {{% …}} pragma is malformed"
    case .unrecognisedConfigVariable: return "a {{% …}} pragma is not one that Mustache knows"
    @unknown default: return "\(error)"
    }
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

/// The size, tag and nesting limits of a template, checked before the Mustache parser sees it:
/// the parser recurses once per nested section, and its work grows faster than the template.
enum TemplateLimits {
  static func check(_ template: String, name: String) throws(TemplateError) {
    let bytes = template.utf8.count
    guard bytes <= DraftRenderer.maximumTemplateBytes else {
      throw TemplateError(
        template: name, reason: "it is \(bytes) bytes, more than the \(DraftRenderer.maximumTemplateBytes) a template may have")
    }
    var open = Array("{{".utf8), close = Array("}}".utf8)
    let text = Array(template.utf8)
    var index = 0, tags = 0, depth = 0, line = 1
    func matches(_ token: [UInt8], at position: Int) -> Bool {
      position + token.count <= text.count && text[position..<position + token.count].elementsEqual(token)
    }
    while index < text.count {
      if text[index] == UInt8(ascii: "\n") { line += 1 }
      guard matches(open, at: index) else {
        index += 1
        continue
      }
      var end = index + open.count
      // A triple mustache `{{{name}}}` ends with one more brace.
      let triple = open == Array("{{".utf8) && end < text.count && text[end] == UInt8(ascii: "{")
      while end < text.count && !matches(close, at: end) {
        if text[end] == UInt8(ascii: "\n") { line += 1 }
        end += 1
      }
      guard end < text.count else { break }  // unclosed: the parser says so
      tags += 1
      guard tags <= DraftRenderer.maximumTags else {
        throw TemplateError(template: name, reason: "line \(line): more than \(DraftRenderer.maximumTags) tags")
      }
      let body = text[(index + open.count)..<end]
      switch body.first {
      case UInt8(ascii: "#"), UInt8(ascii: "^"), UInt8(ascii: "$"), UInt8(ascii: "<"):
        depth += 1
        guard depth <= DraftRenderer.maximumSectionDepth else {
          throw TemplateError(
            template: name, reason: "line \(line): sections nested more than \(DraftRenderer.maximumSectionDepth) deep")
        }
      case UInt8(ascii: "/"): depth = max(0, depth - 1)
      case UInt8(ascii: "="):
        // `{{=<% %>=}}` sets new delimiters for what follows.
        let inner = body.dropFirst().reversed().drop { $0 == UInt8(ascii: "=") }.reversed()
        let parts = inner.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: true)
        if parts.count == 2 {
          open = Array(parts[0])
          close = Array(parts[1])
        }
      default: break
      }
      index = end + close.count + (triple && matches(Array("}".utf8), at: end + close.count) ? 1 : 0)
    }
  }
}

/// Markdown text made safe for where it goes.
public enum MarkdownText {
  /// `text` as one GFM table cell: pipes escaped, line breaks (CR, LF, CRLF) turned into spaces.
  public static func tableCell(_ text: String) -> String {
    guard text.contains(where: { $0 == "|" || $0.isNewline }) else { return text }
    var cell = ""
    cell.reserveCapacity(text.count + 4)
    for character in text {
      if character == "|" {
        cell += "\\|"
      } else if character.isNewline {
        cell += " "
      } else {
        cell.append(character)
      }
    }
    return cell
  }
}
