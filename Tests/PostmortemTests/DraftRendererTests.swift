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
    for (template, position) in [("ab {{#title}} unclosed", "t.mustache:1:"), ("ok\n{{title}\nmore", "t.mustache:2:")] {
      let error = #expect(throws: TemplateError.self) { try DraftRenderer.render(document, template: template, name: "t.mustache") }
      #expect(error.map { "\($0)".contains(position) } == true, "\(String(describing: error))")
    }
    let unclosed = #expect(throws: TemplateError.self) { try DraftRenderer.render(document, template: "ab {{title", name: "t") }
    #expect(unclosed.map { "\($0)" } == "t:1:11: the template ends inside a tag")
  }

  /// `MARKDOWN` templates get values that keep a GFM table row whole; `{{{ }}}` prints a value as it is.
  @Test func markdownTemplatesEscapeWhatWouldBreakATableRow() throws {
    let row = try DraftRenderer.render(
      ["label": .string("on | off\r\nagain\nand a \\ stays")], template: "{{% CONTENT_TYPE: MARKDOWN}}| {{label}} | {{{label}}} |",
      name: "t")
    #expect(row == "| on \\| off again and a \\ stays | on | off\r\nagain\nand a \\ stays |")
    #expect(MarkdownText.tableCell("plain") == "plain")
  }

  /// A name no draft has, or a partial, would render as nothing: each is refused where it is written.
  @Test func unknownKeysAndPartialsAreRefusedWithTheirPlace() {
    let typo = #expect(throws: TemplateError.self) {
      try DraftRenderer.render(document, template: "# {{title}}\n\n{{#timeline}}- {{utcc}}{{/timeline}}\n", name: "t.mustache")
    }
    #expect(typo?.line == 3 && typo?.column == 16, "\(String(describing: typo))")
    #expect(
      typo.map { "\($0)" }?.hasPrefix("t.mustache:3:16: unknown key \"utcc\" (did you mean utc?); the draft's keys are title, count")
        == true)
    // Each part of a dotted name, and a transform's argument, is a key too.
    #expect(throws: TemplateError.self) { try DraftRenderer.render(document, template: "{{impact.strat}}", name: "t") }
    #expect(throws: TemplateError.self) { try DraftRenderer.render(document, template: "{{uppercased(titel)}}", name: "t") }
    let partial = #expect(throws: TemplateError.self) { try DraftRenderer.render(document, template: "x\n  {{> footer}}", name: "t") }
    #expect(partial.map { "\($0)" }?.hasPrefix("t:2:3: partial \"footer\" is not available") == true, "\(String(describing: partial))")
    // Keys a draft has but this one lacks (no first signal, no adjustment) are not typos; `.` and comments are no keys.
    #expect(
      (try? DraftRenderer.render(document, template: "{{#firstSignal}}{{source}}{{/firstSignal}}{{adjustment}}{{! note}}", name: "t")) == ""
    )
  }
}
