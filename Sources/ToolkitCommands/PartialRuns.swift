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

/// A partial-result file's payload: one JSON document, `{"fold": …, "summary": …}`, with sorted keys.
///
/// The fold's part is its ``IncidentFold/Partial`` in its own coded form (each sorts its maps and
/// lists, so the same incidents give the same bytes); the summary is the shard's ``LoadSummary``.
struct PartialPayload<Partial: Codable>: Codable {
  var fold: Partial
  var summary: LoadSummary
}

extension InputOptions {
  /// The largest partial-result file a merge reads (each is read whole).
  static let partialFileLimit = 4 << 30

  /// Folds the input, or merges `--from-partials`, for a command that renders the result; nil when
  /// `--emit-partial` wrote the partial result instead, and the command renders nothing.
  ///
  /// The arguments are those of ``fold(_:detail:incidentId:readsWholeHistories:wholeEventsOf:wholeEventsWithin:include:)``.
  func foldForOutput<Fold: IncidentFold>(
    _ fold: Fold, identity: FoldIdentity, readsWholeHistories: Bool = false
  ) throws -> FoldedInput<Fold.Partial>? where Fold.Partial: Codable {
    var identity = identity
    identity.settings.merge(filterSettings(readsWholeHistories: readsWholeHistories)) { own, _ in own }
    if !fromPartials.isEmpty { return try mergePartials(fold, identity: identity) }
    let (partial, summary) = try readAndFold(fold, readsWholeHistories: readsWholeHistories)
    guard let emitPartial else { return FoldedInput(partial: partial, summary: summary, inputs: inputNames) }
    let shard = try shardSelection.map { ($0.index, $0.count) } ?? (1, 1)
    let header = PartialHeader(
      toolVersion: ToolkitVersion.current, command: identity.command, definitionsDigest: identity.definitionsDigest,
      settings: identity.settings, shardIndex: shard.0, shardCount: shard.1, inputs: inputNames)
    let bytes = PartialFile.encode(
      header: header, payload: try Self.payloadEncoder.encode(PartialPayload(fold: partial, summary: summary)).map { $0 })
    let target = try OutputTarget(path: emitPartial)
    // The file is UTF-8 text throughout: a header of JSON, a JSON payload, a checksum line.
    try target.write(String(decoding: bytes, as: UTF8.self))
    try target.commit()
    StandardError.write("wrote the partial result of shard \(header.shard) to \(emitPartial) (\(bytes.count) bytes)")
    return nil
  }

  /// The filters that shape every fold: the org and, where they cut events, `--since` and `--until`.
  private func filterSettings(readsWholeHistories: Bool) -> [String: String] {
    var settings = ["--org": org ?? "(every org)"]
    if !readsWholeHistories {
      settings["--since"] = since ?? "(none)"
      settings["--until"] = until ?? "(none)"
    }
    return settings
  }

  /// Reads, checks and merges `--from-partials` in shard order.
  private func mergePartials<Fold: IncidentFold>(_ fold: Fold, identity: FoldIdentity) throws -> FoldedInput<Fold.Partial>
  where Fold.Partial: Codable {
    var files: [(path: String, header: PartialHeader, payload: [UInt8])] = []
    for path in fromPartials {
      let bytes = try TextFiles.readBytes(path, role: "the partial-result file", limit: Self.partialFileLimit)
      let (header, payload) = try PartialFile.decode(bytes, path: path)
      files.append((path, header, payload))
    }
    let inputs = files[0].header.inputs
    let expected = PartialHeader(
      toolVersion: ToolkitVersion.current, command: identity.command, definitionsDigest: identity.definitionsDigest,
      settings: identity.settings, shardIndex: 1, shardCount: 1, inputs: inputs)
    try PartialFile.checkMergeable(files.map { ($0.path, $0.header) }, expected: expected)
    var partial = fold.makePartial()
    var summary = LoadSummary()
    for file in files.sorted(by: { $0.header.shardIndex < $1.header.shardIndex }) {
      let payload: PartialPayload<Fold.Partial>
      do {
        payload = try JSONDecoder().decode(PartialPayload<Fold.Partial>.self, from: Data(file.payload))
      } catch {
        throw PartialFileError.corrupt(path: file.path, reason: "its payload does not read (\(Self.describe(error)))")
      }
      fold.merge(payload.fold, into: &partial)
      summary.merge(shard: payload.summary)
    }
    Self.reportTotals(summary, merged: true)
    return FoldedInput(partial: partial, summary: summary, inputs: inputs)
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
