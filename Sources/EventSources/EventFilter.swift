public import IncidentModel

/// Which events a command reads: pushed into SQL by the PostgreSQL source,
/// applied to each decoded event by the JSON Lines source.
///
/// `since` and `until` bound the event's `ts` (`since ≤ ts < until`); an
/// incident cut by them keeps only its events inside, as an export cut at a
/// window edge does. `shard` keeps whole incidents: every event of one, or none.
public struct EventFilter: Sendable, Hashable {
  public var orgId: String?
  public var incidentId: String?
  public var since: Timestamp?
  public var until: Timestamp?
  /// Only the incidents of this shard.
  public var shard: Shard?
  /// The incidents of this id (in any org) pass the shard too: a sharded `postmortem draft` replays its own
  /// incident in every shard, each of which folds only its shard's incidents around it.
  public var passesShard: String?

  public init(
    orgId: String? = nil, incidentId: String? = nil, since: Timestamp? = nil, until: Timestamp? = nil, shard: Shard? = nil
  ) {
    self.orgId = orgId
    self.incidentId = incidentId
    self.since = since
    self.until = until
    self.shard = shard.flatMap { $0.count > 1 ? $0 : nil }
  }

  /// True when the filter lets every event through.
  public var isEmpty: Bool { orgId == nil && incidentId == nil && since == nil && until == nil && shard == nil }

  /// Whether `event` passes every part of the filter but the shard, and falls in another shard.
  ///
  /// A sharded load still sees such an event's id: an id reused by incidents of two shards is
  /// found by each shard, as by one run over everything.
  public func isInOtherShard(_ event: IncidentEvent) -> Bool {
    guard let shard, event.incidentId != passesShard, !shard.contains(orgId: event.orgId, incidentId: event.incidentId) else {
      return false
    }
    var others = self
    others.shard = nil
    return others.matches(event)
  }

  public func matches(_ event: IncidentEvent) -> Bool {
    if let orgId, event.orgId != orgId { return false }
    if let incidentId, event.incidentId != incidentId { return false }
    if let since, event.ts < since { return false }
    if let until, event.ts >= until { return false }
    if let shard, event.incidentId != passesShard, !shard.contains(orgId: event.orgId, incidentId: event.incidentId) {
      return false
    }
    return true
  }

  /// Whether the incident these UTF-8 bytes name is outside the shard (and not the one that passes it).
  func isOutsideShard(orgBytes: UnsafeBufferPointer<UInt8>, incidentBytes: UnsafeBufferPointer<UInt8>) -> Bool {
    guard let shard else { return false }
    if let passesShard, passesShard.utf8.elementsEqual(incidentBytes) { return false }
    return !shard.contains(orgBytes: orgBytes, incidentBytes: incidentBytes)
  }
}
