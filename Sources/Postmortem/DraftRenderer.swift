import Foundation
public import IncidentModel
import Mustache

/// A template that cannot be used: it does not parse, passes a limit, or names what a draft does not have.
public struct TemplateError: Error, Sendable, CustomStringConvertible {
  public var template: String
  /// Where, 1-based, when the problem is at one place of the template.
  public var line: Int?
  public var column: Int?
  public var reason: String

  public init(template: String, line: Int? = nil, column: Int? = nil, reason: String) {
    self.template = template
    self.line = line
    self.column = column
    self.reason = reason
  }

  /// `FILE:LINE:COLUMN: reason`, as compilers say it.
  public var description: String {
    guard let line else { return "\(template): \(reason)" }
    return "\(template):\(line):\(column ?? 1): \(reason)"
  }
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
    let tags = try TemplateTags.scan(template, name: name)
    let parsed: MustacheTemplate
    do {
      parsed = try MustacheTemplate(string: textByDefault + template)
    } catch let error as MustacheTemplate.ParserError {
      throw TemplateError(
        template: name, line: max(1, error.context.lineNumber - 1), column: error.context.columnNumber, reason: describe(error.error))
    } catch {
      throw TemplateError(template: name, reason: "\(error)")
    }
    try checkNames(tags, against: document, template: name)
    return parsed.render(context(.object(document)) ?? [String: Any]())
  }

  /// Refuses a tag that names a value no draft has, and a partial: Mustache renders either as nothing, which
  /// would hide a typo in a section everyone reads.
  static func checkNames(_ tags: [TemplateTags.Tag], against document: JSONObject, template: String) throws(TemplateError) {
    var known = DraftBuilder.templateKeys
    collectKeys(of: .object(document), into: &known)
    for tag in tags {
      switch tag.sigil {
      case ">", "<":
        throw TemplateError(
          template: template, line: tag.line, column: tag.column,
          reason: "partial \"\(tag.name)\" is not available: a draft renders one template file; put the partial's text in it")
      case nil, "&", "{", "#", "^":
        for part in tag.name.split(separator: ".") where !known.contains(String(part)) {
          let near = NearMatches.find(String(part), among: known)
          let top = document.members.map(\.key).joined(separator: ", ")
          throw TemplateError(
            template: template, line: tag.line, column: tag.column,
            reason: "unknown key \"\(part)\"\(near.isEmpty ? "" : " (did you mean \(near.joined(separator: ", "))?)"); "
              + "the draft's keys are \(top), and those inside them (postmortem draft --format json shows every one)")
        }
      default: continue
      }
    }
  }

  private static func collectKeys(of value: JSONValue, into keys: inout Set<String>) {
    switch value {
    case .object(let object):
      for member in object {
        keys.insert(member.key)
        collectKeys(of: member.value, into: &keys)
      }
    case .array(let items): for item in items { collectKeys(of: item, into: &keys) }
    default: break
    }
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

/// The tags of a template, read before the Mustache parser sees it, and its size, tag and nesting limits
/// checked on the way: the parser recurses once per nested section, and its work grows faster than the template.
enum TemplateTags {
  /// One tag: its sigil (`#`, `^`, `/`, `&`, `{`, `>`, `<`, `$`, `!`, `%`, `=`, or nil for a plain
  /// variable), the name it holds (a transform's argument for `{{f(name)}}`), and where it starts.
  struct Tag: Sendable, Hashable {
    var sigil: Character?
    var name: String
    var line: Int
    var column: Int
  }

  static func scan(_ template: String, name: String) throws(TemplateError) -> [Tag] {
    let bytes = template.utf8.count
    guard bytes <= DraftRenderer.maximumTemplateBytes else {
      throw TemplateError(
        template: name, reason: "it is \(bytes) bytes, more than the \(DraftRenderer.maximumTemplateBytes) a template may have")
    }
    var open = Array("{{".utf8), close = Array("}}".utf8)
    let text = Array(template.utf8)
    var index = 0, depth = 0, line = 1, lineStart = 0
    var tags: [Tag] = []
    func matches(_ token: [UInt8], at position: Int) -> Bool {
      position + token.count <= text.count && text[position..<position + token.count].elementsEqual(token)
    }
    while index < text.count {
      if text[index] == UInt8(ascii: "\n") {
        line += 1
        lineStart = index + 1
      }
      guard matches(open, at: index) else {
        index += 1
        continue
      }
      let tagLine = line
      let column = String(decoding: text[lineStart..<index], as: UTF8.self).count + 1
      var end = index + open.count
      // A triple mustache `{{{name}}}` ends with one more brace.
      let triple = open == Array("{{".utf8) && end < text.count && text[end] == UInt8(ascii: "{")
      while end < text.count && !matches(close, at: end) {
        if text[end] == UInt8(ascii: "\n") {
          line += 1
          lineStart = end + 1
        }
        end += 1
      }
      guard end < text.count else { break }  // unclosed: the parser says so
      guard tags.count < DraftRenderer.maximumTags else {
        throw TemplateError(template: name, line: tagLine, column: column, reason: "more than \(DraftRenderer.maximumTags) tags")
      }
      let body = text[(index + open.count)..<end]
      let sigil = body.first.map { Character(UnicodeScalar($0)) }.flatMap { "#^/&{>$<!%=".contains($0) ? $0 : nil }
      switch sigil {
      case "#", "^", "$", "<":
        depth += 1
        guard depth <= DraftRenderer.maximumSectionDepth else {
          throw TemplateError(
            template: name, line: tagLine, column: column,
            reason: "sections nested more than \(DraftRenderer.maximumSectionDepth) deep")
        }
      case "/": depth = max(0, depth - 1)
      case "=":
        // `{{=<% %>=}}` sets new delimiters for what follows.
        let inner = body.dropFirst().reversed().drop { $0 == UInt8(ascii: "=") }.reversed()
        let parts = inner.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: true)
        if parts.count == 2 {
          open = Array(parts[0])
          close = Array(parts[1])
        }
      default: break
      }
      var tagName = String(decoding: sigil == nil ? body[...] : body.dropFirst(), as: UTF8.self)
        .trimmingCharacters(in: .whitespaces)
      if sigil == "{", tagName.hasSuffix("}") { tagName.removeLast() }
      // A transform, `{{uppercased(name)}}`, reads the name in its parentheses.
      if let paren = tagName.firstIndex(of: "("), tagName.hasSuffix(")") {
        tagName = String(tagName[tagName.index(after: paren)..<tagName.index(before: tagName.endIndex)])
      }
      tags.append(Tag(sigil: sigil, name: tagName.trimmingCharacters(in: .whitespaces), line: tagLine, column: column))
      index = end + close.count + (triple && matches(Array("}".utf8), at: end + close.count) ? 1 : 0)
    }
    return tags
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
