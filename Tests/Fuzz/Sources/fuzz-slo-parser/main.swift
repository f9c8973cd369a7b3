import SLOBudget

/// Each input is an SLO file: it parses or is refused with an error naming a field, never a crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSLOParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
  let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
  do {
    let definitions = try SLODefinitionParser.parse(yaml: text, file: "fuzz.yaml")
    for definition in definitions { _ = "\(definition)" }
  } catch {
    precondition(!error.field.isEmpty, "an error names no field: \(error)")
  }
  return 0
}
