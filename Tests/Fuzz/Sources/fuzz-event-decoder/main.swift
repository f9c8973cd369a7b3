import EventSources
import Foundation
import IncidentModel
import ReplayEngine

/// Each input is a JSON Lines file.
///
/// Every line the decoder accepts must survive export: encoded
/// and decoded again it gives the same event and the same line. The whole file must then load
/// (compact decoding, partitioning, dedupe, replay) without a crash, whatever it holds.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEventDecoder(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
  let bytes = UnsafeBufferPointer(start: data, count: size)
  for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
    let event: IncidentEvent
    do {
      event = try EventDecoder.decode(line: UnsafeBufferPointer(rebasing: line))
    } catch {
      _ = error.description  // every message must be renderable
      continue
    }
    let exported = EventEncoder.jsonLine(event)
    guard let again = try? EventDecoder.decode(exported) else {
      fatalError("an accepted event does not read back after export: \(exported)")
    }
    guard EventEncoder.jsonLine(again) == exported else {
      fatalError("export is not stable: \(exported) became \(EventEncoder.jsonLine(again))")
    }
  }
  let path = FuzzFiles.input
  guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { return 0 }
  var options = LoadOptions()
  options.partitions = 4
  options.memoryLimit = 4096  // spill, so that the spill records are fuzzed too
  _ = try? IncidentLoader.fold(SummaryOnly(), from: JSONLinesSource(paths: [path]), options: options, report: { _ in })
  return 0
}

enum FuzzFiles {
  static let input = NSTemporaryDirectory() + "/rr-fuzz-\(getpid()).jsonl"
}
