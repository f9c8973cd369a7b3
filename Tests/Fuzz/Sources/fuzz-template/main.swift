import IncidentModel
import Postmortem

/// Each input is a Mustache template, rendered over a small draft document: it renders or is
/// refused with a ``TemplateError``, never a crash, within the template limits.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTemplate(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
  let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
  _ = try? DraftRenderer.render(FuzzDocument.draft, template: text, name: "fuzz.mustache")
  return 0
}

enum FuzzDocument {
  static let draft: JSONObject = [
    "incident": .object([
      "title": .string("Checkout \"errors\" <b>&</b>"), "severity": .string("SEV2"),
      "tags": .array([.string("a"), .string("b")]), "resolved": .bool(true), "count": .number("3"),
    ]),
    "timeline": .array([.object(["ts": .string("2026-11-20T00:00:00Z"), "text": .string("{{not a tag}}")])]),
    "empty": .array([]), "nothing": .null,
  ]
}
