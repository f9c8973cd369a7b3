import IncidentModel
import Postmortem
import Testing

@Suite("Draft templates")
struct DraftRendererTests {
  private let document: JSONObject = ["title": .string(#"DNS "resolver" <timeouts> & retries"#), "count": .number("3")]

  /// A postmortem is Markdown: without a pragma of its own, a template renders text as it is, not HTML-escaped.
  @Test func templatesRenderTextUnlessTheyAskForHTML() throws {
    #expect(
      try DraftRenderer.render(document, template: "# {{title}} ({{count}})\n", name: "t") == #"# DNS "resolver" <timeouts> & retries (3)"#
        + "\n")
    let html = try DraftRenderer.render(document, template: "{{% CONTENT_TYPE: HTML}}{{title}}", name: "t")
    #expect(html == "DNS &quot;resolver&quot; &lt;timeouts&gt; &amp; retries")
  }

  /// The line and column of a parse error are the template's own, the first line's too.
  @Test func parseErrorsNameTheTemplatesOwnLineAndColumn() {
    for (template, position) in [("ab {{#x}} unclosed", "line 1"), ("ok\n{{title}\nmore", "line 2, column")] {
      let error = #expect(throws: TemplateError.self) { try DraftRenderer.render(document, template: template, name: "t.mustache") }
      #expect(error.map { "\($0)".contains(position) } == true, "\(String(describing: error))")
    }
    let unclosed = #expect(throws: TemplateError.self) { try DraftRenderer.render(document, template: "ab {{title", name: "t") }
    #expect(unclosed.map { "\($0)" } == "the template t cannot be used: line 1, column 11: the template ends inside a tag")
  }

  /// `MARKDOWN` templates get values that keep a GFM table row whole; `{{{ }}}` prints a value as it is.
  @Test func markdownTemplatesEscapeWhatWouldBreakATableRow() throws {
    let row = try DraftRenderer.render(
      ["label": .string("on | off\r\nagain\nand a \\ stays")], template: "{{% CONTENT_TYPE: MARKDOWN}}| {{label}} | {{{label}}} |",
      name: "t")
    #expect(row == "| on \\| off again and a \\ stays | on | off\r\nagain\nand a \\ stays |")
    #expect(MarkdownText.tableCell("plain") == "plain")
  }
}
