import Foundation
import IncidentModel
import PartialResults
import ReplayEngine

/// What a command's fold depends on besides the incidents, written in each partial-result
/// file's header and compared before partials merge.
struct FoldIdentity {
  /// The command, as `slo check`.
  var command: String
  /// ``PartialFile/digest(of:)`` of the SLO definitions as read; empty when the command reads none.
  var definitionsDigest = ""
  /// The arguments that shape the fold, by option name, resolved (`--at` as an instant, the period as an interval).
  var settings: [String: String] = [:]
}

/// What a command renders from: the fold's partial result over the whole input, the load's summary, and the
/// input's names (a merge takes them from its partials).
struct FoldedInput<Partial> {
  var partial: Partial
  var summary: LoadSummary
  var inputs: [String]
}

/// A partial-result file's payload: `<length>\n`, then that many bytes of JSON, `{"fold": …, "sections": […],
/// "summary": …}` with sorted keys, then the sections it names, one after another.
///
/// The fold's part is its ``IncidentFold/Partial`` in its own coded form (each sorts its maps and
/// lists, so the same incidents give the same bytes); the summary is the shard's ``LoadSummary``.
/// A section holds rows too many to hold in memory (the weekly report's), sorted, in the engine's
/// run framing; `sections` gives their sizes in bytes.
struct PartialPayload<Partial: Codable>: Codable {
  var fold: Partial
  var summary: LoadSummary
  var sections: [Int] = []
}

/// One partial-result file, checked and read: its fold's partial, its summary, and where its sections lie.
struct ReadPartial<Partial: Codable> {
  var path: String
  var header: PartialHeader
  var payload: PartialPayload<Partial>
  /// Each section's bytes in the file.
  var sections: [Range<Int>]
}

extension InputOptions {
  /// Folds the input, or merges `--from-partials`, for a command that renders the result; nil when
  /// `--emit-partial` wrote the partial result instead, and the command renders nothing.
  func foldForOutput<Fold: IncidentFold>(
    _ fold: Fold, identity: FoldIdentity, readsWholeHistories: Bool = false
  ) throws -> FoldedInput<Fold.Partial>? where Fold.Partial: Codable {
    let identity = completed(identity, readsWholeHistories: readsWholeHistories)
    if !fromPartials.isEmpty {
      var partial = fold.makePartial()
      var summary = LoadSummary()
      let partials: [ReadPartial<Fold.Partial>] = try readPartials(identity: identity)
      for read in partials {
        fold.merge(read.payload.fold, into: &partial)
        summary.merge(shard: read.payload.summary)
      }
      Self.reportTotals(summary, merged: true)
      return FoldedInput(partial: partial, summary: summary, inputs: partials[0].header.inputs)
    }
    let (partial, summary) = try readAndFold(fold, readsWholeHistories: readsWholeHistories)
    guard emitPartial == nil else {
      try writePartial(identity: identity, fold: partial, summary: summary)
      return nil
    }
    return FoldedInput(partial: partial, summary: summary, inputs: inputNames)
  }

  /// `identity` with the filters that shape every fold: the org and, where they cut events, `--since` and `--until`.
  func completed(_ identity: FoldIdentity, readsWholeHistories: Bool) -> FoldIdentity {
    var identity = identity
    identity.settings["--org"] = identity.settings["--org"] ?? org ?? "(every org)"
    if !readsWholeHistories {
      identity.settings["--since"] = since ?? "(none)"
      identity.settings["--until"] = until ?? "(none)"
    }
    return identity
  }

  /// Writes `--emit-partial` atomically: the header of this run and shard, the payload, then `sections` (files of
  /// framed rows, in order).
  func writePartial<Partial: Codable>(
    identity: FoldIdentity, fold: Partial, summary: LoadSummary, sections: [(path: String, size: Int)] = []
  ) throws {
    guard let emitPartial else { return }
    let shard = try shardSelection.map { ($0.index, $0.count) } ?? (1, 1)
    let header = PartialHeader(
      toolVersion: ToolkitVersion.current, command: identity.command, definitionsDigest: identity.definitionsDigest,
      settings: identity.settings, shardIndex: shard.0, shardCount: shard.1, inputs: inputNames)
    let json = try Self.payloadEncoder.encode(PartialPayload(fold: fold, summary: summary, sections: sections.map(\.size)))
    let target = try OutputTarget(path: emitPartial)
    let size = try PartialFile.write(
      header: header, payload: Array("\(json.count)\n".utf8) + Array(json), sections: sections.map(\.path),
      to: { try target.write(bytes: $0) })
    try target.commit()
    StandardError.note("wrote the partial result of shard \(header.shard) to \(emitPartial) (\(size) bytes)")
  }

  /// Reads and checks `--from-partials` (their layout, checksums, that they come from this run's command and settings
  /// and together cover every shard once), in shard order.
  func readPartials<Partial: Codable>(identity: FoldIdentity) throws -> [ReadPartial<Partial>] {
    var opened: [PartialFile.Opened] = []
    for path in fromPartials {
      opened.append(
        try PartialFile.open(path) { path in try TextFiles.open(path, role: "the partial-result file") })
    }
    let expected = PartialHeader(
      toolVersion: ToolkitVersion.current, command: identity.command, definitionsDigest: identity.definitionsDigest,
      settings: identity.settings, shardIndex: 1, shardCount: 1, inputs: opened[0].header.inputs)
    try PartialFile.checkMergeable(opened.map { ($0.path, $0.header) }, expected: expected)
    return try opened.sorted { $0.header.shardIndex < $1.header.shardIndex }.map { file in
      func damaged(_ reason: String) -> PartialFileError { .corrupt(path: file.path, reason: reason) }
      let lengthLine = try file.payloadPrefix(upTo: 24)
      guard let newline = lengthLine.firstIndex(of: 0x0A), let length = Int(String(decoding: lengthLine[..<newline], as: UTF8.self)),
        length >= 0, newline + 1 + length <= file.payload.count
      else { throw damaged("its payload does not begin with its length") }
      let json = try file.payloadPrefix(upTo: newline + 1 + length).dropFirst(newline + 1)
      let payload: PartialPayload<Partial>
      do {
        payload = try JSONDecoder().decode(PartialPayload<Partial>.self, from: Data(json))
      } catch {
        throw damaged("its payload does not read (\(Self.describe(error)))")
      }
      var start = file.payload.lowerBound + newline + 1 + length
      var sections: [Range<Int>] = []
      for size in payload.sections {
        guard size >= 0, start + size <= file.payload.upperBound else { throw damaged("its sections run past its payload") }
        sections.append(start..<start + size)
        start += size
      }
      guard start == file.payload.upperBound else { throw damaged("its payload holds more than it says") }
      return ReadPartial(path: file.path, header: file.header, payload: payload, sections: sections)
    }
  }

  private static var payloadEncoder: JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return encoder
  }

  /// A decoding error in a few words: what was expected where.
  private static func describe(_ error: any Error) -> String {
    guard let error = error as? DecodingError else { return "\(error)" }
    func at(_ context: DecodingError.Context) -> String {
      let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
      return "\(context.debugDescription)\(path.isEmpty ? "" : " at \(path)")"
    }
    switch error {
    case .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context), .dataCorrupted(let context):
      return at(context)
    @unknown default:
      return "\(error)"
    }
  }
}
