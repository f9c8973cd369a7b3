import Foundation
import IncidentModel
import SampleGenerator
import TestSupport
import Testing

@testable import EventSources

/// The fast path must agree with the event decoder on every line it takes, and take most lines.
@Suite("Compact decoding agrees with the event decoder")
struct CompactDecoderTests {
  private let preparation = Preparation(detail: .analytics)

  /// What the event decoder makes of a line, prepared as the loader keeps it.
  private func viaEventDecoder(_ line: String, origin: EventOrigin) -> String? {
    guard let event = try? EventDecoder.decode(line) else { return nil }
    let digest = Array(line.utf8).withUnsafeBufferPointer { ContentDigest.of(line: $0) }
    return preparation.prepare(event, origin: origin, digest: digest).map { "\($0.incident) \($0.entry(detail: .analytics))" }
  }

  private func viaCompactDecoder(_ line: String, origin: EventOrigin, filter: EventFilter = EventFilter()) -> CompactDecoder.Outcome {
    Array(line.utf8).withUnsafeBufferPointer { CompactDecoder.decode($0, origin: origin, filter: filter, preparation: preparation) }
  }

  /// Checks every line; returns how many the fast path took.
  @discardableResult
  private func expectAgreement(_ lines: [String], file: String) -> Int {
    var taken = 0
    for (index, line) in lines.enumerated() where !line.allSatisfy({ $0 == " " || $0 == "\t" }) {
      let origin = EventOrigin(input: 0, record: Int64(index + 1))
      switch viaCompactDecoder(line, origin: origin) {
      case .prepared(let prepared):
        taken += 1
        #expect(
          "\(prepared.incident) \(prepared.entry(detail: .analytics))" == viaEventDecoder(line, origin: origin), "\(file):\(index + 1)")
      case .excluded, .filteredOut, .otherShard:
        Issue.record("\(file):\(index + 1): nothing is filtered here")
      case .needsEventDecoder:
        break
      }
    }
    return taken
  }

  @Test func theSamplesAndADirtyStream() throws {
    let samples = try String(contentsOfFile: Repository.path("samples/events.jsonl"), encoding: .utf8)
      .components(separatedBy: "\n")
    let taken = expectAgreement(samples, file: "samples")
    // Created, updated, SLO and ticket events, and lines with escapes or non-ASCII text, take the other path.
    #expect(Double(taken) > 0.8 * Double(samples.count - 1), "\(taken) of \(samples.count - 1)")

    var dirty: [String] = []
    let configuration = GeneratorConfiguration(
      seed: 3, incidents: 300, orgs: 2, start: CivilDate(year: 2026, month: 9, day: 28), weeks: 4, dirty: true)
    _ = try SampleGenerator(configuration: configuration).generate { dirty.append($0) }
    expectAgreement(dirty.map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 }, file: "dirty")

    let broken = try String(contentsOfFile: Repository.path("Tests/Fixtures/broken-lines.jsonl"), encoding: .utf8)
    expectAgreement(broken.components(separatedBy: "\n"), file: "broken-lines")
  }

  /// Envelope and payload around a METRIC signal's `data`, with members in the usual order.
  private func metric(_ data: String, extra: String = "") -> String {
    #"{"id":"evt_1","orgId":"o","incidentId":"i","ts":"2026-11-02T10:00:00Z","type":"INCIDENT_SIGNAL_INGESTED","payload":{"signalId":"s","signalType":"METRIC","serviceName":"api","source":"prom","summary":"x","observedAt":"2026-11-02T09:59:00Z","data":\#(data)\#(extra)}}"#
  }

  @Test(arguments: [
    #"{"good":90,"total":100}"#, #"{"bad":10,"total":100}"#, #"{"good":90,"bad":10,"total":100}"#,
    #"{"good":90,"bad":11,"total":100}"#, #"{"good":101,"total":100}"#, #"{"bad":101,"total":100}"#,
    #"{"good":90}"#, #"{"total":100}"#, #"{"good":null,"total":100}"#, #"{"good":-1,"total":100}"#,
    #"{"good":90.0,"total":100}"#, #"{"good":9e1,"total":100}"#, #"{"good":090,"total":100}"#, #"{"good":"90","total":100}"#,
    #"{"good":90,"good":80,"total":100}"#, #"{"good":90,"total":100,"windowEnd":"2026-11-02T09:58:00Z"}"#,
    #"{"good":90,"total":100,"windowEnd":"yesterday"}"#, #"{"good":90,"total":100,"windowStart":5}"#,
    #"{"good":90,"total":100,"windowEnd":null}"#, #"{"labels":{"a":"b"}}"#, #"{}"#, "null", "[]", "7",
    #"{"good":9223372036854775807,"bad":1,"total":100}"#, #"{"good":99999999999999999999,"total":100}"#,
  ])
  func requestCountsFollowTheEventDecoder(data: String) {
    expectAgreement([metric(data)], file: "data \(data)")
    expectAgreement([metric(data, extra: #","data":null"#)], file: "repeated data \(data)")
  }

  @Test(arguments: [
    // Payload before type, unknown members, nulls, wrong types, missing fields, repeats.
    #"{"payload":{"newStatus":"MITIGATED"},"id":"e","orgId":"o","incidentId":"i","ts":"2026-11-02T10:00:00Z","type":"INCIDENT_STATUS_CHANGED"}"#,
    #"{"id":"e","orgId":"o","incidentId":"i","ts":"2026-11-02T10:00:00Z","type":"INCIDENT_STATUS_CHANGED","payload":{"newStatus":"DONE"}}"#,
    #"{"id":"e","orgId":"o","incidentId":"i","ts":"2026-11-02T10:00:00Z","type":"INCIDENT_STATUS_CHANGED","payload":{"newStatus":"OPEN","fromStatus":null,"reason":7}}"#,
    #"{"id":"e","orgId":"o","incidentId":"i","ts":"2026-11-02T10:00:00Z","type":"INCIDENT_STATUS_CHANGED","payload":{"newStatus":"OPEN","x":[1,{"y":null}]}}"#,
    #"{"id":"e","orgId":"o","incidentId":"i","ts":"2026-11-02T10:00:00Z","type":"INCIDENT_SEVERITY_CHANGED","payload":{"newSeverity":"SEV1","fromSeverity":"SEV9"}}"#,
    #"{"id":"e","orgId":"o","incidentId":"i","ts":"2026-11-02T10:00:00Z","type":"INCIDENT_NOTE_ADDED","payload":{"text":"TODO: page","actorType":null}}"#,
    #"{"id":"e","orgId":"o","incidentId":"i","ts":"2026-11-02T10:00:00Z","type":"INCIDENT_NOTE_ADDED","payload":{"text":"ok","actorType":"AUTOMATION"}}"#,
    #"{"id":"e","orgId":"o","incidentId":"i","ts":"2026-11-02T10:00:00Z","type":"INCIDENT_NOTE_ADDED","payload":{"text":"caf\u00e9"}}"#,
    #"{"id":"e","orgId":"o","incidentId":"i","ts":"2026-11-02T10:00:00Z","type":"INCIDENT_NOTE_ADDED","payload":{"text":"café"}}"#,
    #"{"id":"e","orgId":"o","incidentId":"i","ts":"2026-11-02T10:00:00Z","type":"INCIDENT_PLAYBOOK_ACTION_EXECUTED","payload":{"actionKind":"k","label":"l","actorType":"USER","actorRef":"u"}}"#,
    #"{"id":"e","orgId":"o","incidentId":"i","ts":"2026-11-02T10:00:00Z","type":"INCIDENT_PLAYBOOK_ACTION_EXECUTED","payload":{"actionKind":"k","label":"l","actorType":"USER","actorType":null,"actorRef":"u"}}"#,
    #"{"id":"e","orgId":"o","incidentId":"i","ts":"2026-11-02T10:00:00Z","type":"INCIDENT_PLAYBOOK_ACTION_EXECUTED","payload":{"actionKind":"k","label":"l","actorType":"USER","actorRef":null}}"#,
    #"{"id":"e","orgId":"o","incidentId":"i","ts":"2026-11-02T10:00:00Z","type":"INCIDENT_TAG_ADDED","payload":{"tag":null}}"#,
    #"{"id":"e","orgId":"o","incidentId":"i","ts":"2026-11-02T10:00:00Z","type":"INCIDENT_RESOLVED","payload":{}}"#,
    #"{"id":"","orgId":"o","incidentId":"i","ts":"2026-11-02T10:00:00Z","type":"INCIDENT_RESOLVED","payload":{}}"#,
    #"{"id":"e","orgId":"o","incidentId":"i","ts":"2026-11-02T10:00:00Z","type":"INCIDENT_RESOLVED","payload":{}} x"#,
    #"{"id":"e","orgId":"o","incidentId":"i","ts":"2026-11-02T10:00:00Z","type":"INCIDENT_RESOLVED","type":"INCIDENT_TAG_ADDED","payload":{}}"#,
    #"{"id":"e","orgId":"o","incidentId":"i","ts":"2026-11-02T10:00:00Z","type":"INCIDENT_SIGNAL_INGESTED","payload":{"signalId":"s","signalType":"LOG","source":"l","summary":"m","data":5}}"#,
    #"{"id":"e","orgId":"o","incidentId":"i","type":"INCIDENT_SIGNAL_INGESTED","payload":{"signalId":"s","signalType":"METRIC","source":"l","summary":"m","data":{"good":1,"total":2}},"ts":"2026-11-02T10:00:00Z"}"#,
    #"{"id":"e","orgId":"o","incidentId":"i","ts":"2026-11-02T10:00:00Z","type":"INCIDENT_CREATED","payload":{"projectId":"p","title":"t","serviceName":"s","severity":"SEV2","environment":"prod"}}"#,
  ])
  func edgeCasesFollowTheEventDecoder(line: String) {
    expectAgreement([line], file: line)
  }

  @Test func theFastPathTakesTheUsualShapes() {
    let usual = [
      metric(#"{"good":90,"total":100}"#),
      #"{"payload":{"newStatus":"MITIGATED"},"id":"e","orgId":"o","incidentId":"i","ts":"2026-11-02T10:00:00Z","type":"INCIDENT_STATUS_CHANGED"}"#,
    ]
    #expect(expectAgreement(usual, file: "usual") == 2)
  }

  @Test func filtersOnTheBytes() throws {
    let line = metric(#"{"good":90,"total":100}"#)
    let origin = EventOrigin(input: 0, record: 1)
    let own = try #require((1...2).first { Shard(index: $0, count: 2)!.contains(orgId: "o", incidentId: "i") })
    let outcomes = [
      EventFilter(orgId: "o"), EventFilter(orgId: "p"), EventFilter(incidentId: "j"),
      EventFilter(since: Timestamp(millisecondsSinceEpoch: 1_800_000_000_000)), EventFilter(shard: Shard(index: own, count: 2)),
      EventFilter(shard: Shard(index: 3 - own, count: 2)), EventFilter(orgId: "p", shard: Shard(index: 3 - own, count: 2)),
    ].map { filter -> String in
      switch viaCompactDecoder(line, origin: origin, filter: filter) {
      case .prepared: "prepared"
      case .filteredOut: "filtered"
      case .otherShard(let event): "other shard \(event.incident.incidentId) \(event.origin.record)"
      case .excluded: "excluded"
      case .needsEventDecoder: "decoder"
      }
    }
    // Another shard's event still shows its id; one the other filters leave out does not.
    #expect(outcomes == ["prepared", "filtered", "filtered", "filtered", "prepared", "other shard i 1", "filtered"])
  }

  @Test func contentDigestsIgnoreMemberOrderAndSeeEveryValue() throws {
    let note =
      #"{"id":"e","orgId":"o","incidentId":"i","ts":"2026-11-02T10:00:00Z","type":"INCIDENT_NOTE_ADDED","payload":{"text":"n","actorType":"USER"}}"#
    let reordered =
      #"{"type":"INCIDENT_NOTE_ADDED","payload":{"actorType":"USER","text":"n"},"ts":"2026-11-02T10:00:00Z","incidentId":"i","orgId":"o","id":"e"}"#
    let spaced =
      #"{"id": "e", "orgId": "o", "incidentId": "i", "ts": "2026-11-02T10:00:00Z", "type": "INCIDENT_NOTE_ADDED", "payload": {"text": "n", "actorType": "USER"}}"#
    let edited = note.replacingOccurrences(of: #""text":"n""#, with: #""text":"m""#)
    let escaped = note.replacingOccurrences(of: #""text":"n""#, with: #""text":"\u006e""#)
    func digest(_ line: String) -> Int { Array(line.utf8).withUnsafeBufferPointer { ContentDigest.of(line: $0) } }
    #expect(digest(reordered) == digest(note))
    #expect(digest(spaced) == digest(note))
    #expect(digest(edited) != digest(note))
    // Values are compared as written: an escape is another spelling.
    #expect(digest(escaped) != digest(note))
    // The compact decoder sums the same shares while it reads.
    for line in [note, reordered, spaced] {
      guard case .prepared(let prepared) = viaCompactDecoder(line, origin: EventOrigin(input: 0, record: 1)) else {
        Issue.record("not taken: \(line)")
        continue
      }
      #expect("\(prepared.entry(detail: .analytics))".contains("digest: \(digest(note))"))
    }
  }
}
