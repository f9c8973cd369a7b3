// Measures the JSON Lines event reader alone and the full load (dedupe, grouping,
// replay), printing figures; run by `Benchmarks/run.sh` (see Benchmarks/README.md).
import EventSources
import Foundation
import IncidentModel
import ReplayEngine

let arguments = CommandLine.arguments.dropFirst()
guard let path = arguments.first else {
  let stages = "decode|decode-compact|decode-threads|load|load-threads"
  FileHandle.standardError.write(Data("usage: reader-benchmark FILE [runs] [\(stages)]\n".utf8))
  exit(2)
}
let runs = arguments.dropFirst().first.flatMap(Int.init) ?? 3
// One measurement alone, for profiling (decode, decode-compact, decode-threads, load, load-threads); all by default.
let only = arguments.dropFirst(2).first
func wanted(_ name: String) -> Bool { only == nil || only == name }
let bytes = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.doubleValue ?? 0

func measure(_ label: String, _ body: () throws -> Int) rethrows {
  var times: [Double] = []
  var count = 0
  for _ in 0..<runs {
    let start = DispatchTime.now().uptimeNanoseconds
    count = try body()
    times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
  }
  let median = times.sorted()[times.count / 2]
  let line = String(
    format: "%-28@ median %.3f s  %8.0f events/s  %7.1f MB/s  (%d events, %d runs)",
    label as NSString, median, Double(count) / median, bytes / 1e6 / median, count, runs)
  print(line)
}

let cores = ProcessInfo.processInfo.activeProcessorCount
if wanted("decode") {
  try measure("decode (read + typed events)") {
    var events = 0
    try JSONLinesSource(paths: [path]).read(event: { _, _ in events += 1 }, broken: { _, _ in })
    return events
  }
}
if wanted("decode-compact") {
  // What every analytic command reads: the frequent kinds straight into compact typed records.
  try measure("decode, compact records") {
    var events = 0
    try JSONLinesSource(paths: [path]).readPrepared(
      threads: 1, preparation: Preparation(detail: .analytics), value: { _ in events += 1 }, broken: { _, _ in })
    return events
  }
}
if wanted("decode-threads") {
  try measure("decode, \(cores) threads") {
    var events = 0
    try JSONLinesSource(paths: [path]).read(
      threads: cores, transform: { _, _ in 1 }, value: { events += $0 }, broken: { _, _ in })
    return events
  }
}
if wanted("load") {
  try measure("load (dedupe, group, replay)") {
    try IncidentLoader.load(from: JSONLinesSource(paths: [path]), report: { _ in }).summary.uniqueEvents
  }
}
if wanted("load-threads") {
  try measure("load, \(cores) threads") {
    try IncidentLoader.load(from: JSONLinesSource(paths: [path]), options: LoadOptions(threads: cores), report: { _ in })
      .summary.uniqueEvents
  }
}
