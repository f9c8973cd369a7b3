public import IncidentModel
public import SLOBudget

/// What a draft reads of the other incidents, as a fold: the incidents of its org that share its service
/// (for related incidents), and its SLOs' partial where the impact ended.
///
/// Made once the draft's own incident has been replayed (its org, service and impact end
/// decide what to keep). When that incident was not found, the fold keeps every
/// incident id instead, for "did you mean".
public struct DraftFold: IncidentFold {
  /// The incident drafted, or nil when it is not in the input.
  public let incident: IncidentSnapshot?
  /// Its SLOs' fold at the end of its impact; nil without an incident or SLOs.
  public let slos: SLOFold?

  /// Which incidents the fold reads, by org and id: all of them, or one shard's in a sharded run (whose load
  /// replays the drafted incident too, wherever it falls, so that every shard knows what to keep).
  public let reads: @Sendable (_ orgId: String, _ incidentId: String) -> Bool

  /// A fold for `incident`'s draft, with `definitions` (those of its org) evaluated where its impact ended (or at `at`).
  public init(
    incident: IncidentSnapshot?, definitions: [SLODefinition], at: Timestamp,
    reads: @escaping @Sendable (_ orgId: String, _ incidentId: String) -> Bool = { _, _ in true }
  ) throws(SLOEvaluationError) {
    self.incident = incident
    self.reads = reads
    guard let incident else {
      slos = nil
      return
    }
    let applicable = definitions.filter { DraftBuilder.applies($0, to: incident) }
    slos =
      applicable.isEmpty
      ? nil : try SLOFold(applicable, at: DraftBuilder.impactEnd(of: incident, at: at), defaultOrgId: incident.orgId)
  }

  /// Coded (a partial-result file's payload) with its lists sorted, so the same incidents give the same bytes.
  public struct Partial: Sendable {
    /// Incidents of the org sharing the service, with only what related incidents read of them.
    fileprivate var neighbours: [IncidentSnapshot] = []
    fileprivate var slos: SLOFold.Partial?
    /// Every incident id, when the drafted incident was not found.
    fileprivate var ids: Set<String> = []
  }

  public func makePartial() -> Partial { Partial(slos: slos?.makePartial()) }

  public func add(_ snapshot: IncidentSnapshot, to partial: inout Partial) {
    guard reads(snapshot.orgId, snapshot.incidentId) else { return }
    guard let incident else {
      partial.ids.insert(snapshot.incidentId)
      return
    }
    guard snapshot.orgId == incident.orgId else { return }
    if let slos, var folded = partial.slos {
      // Taken out while it grows, so the dictionaries inside are not copied.
      partial.slos = nil
      slos.add(snapshot, to: &folded)
      partial.slos = folded
    }
    guard snapshot.serviceName == incident.serviceName else { return }
    var neighbour = snapshot
    // Related incidents read keys, titles, lifecycle, status and follow-ups: the rest is dropped here.
    neighbour.statusHistory = []
    neighbour.severityHistory = []
    neighbour.requestSamples = []
    neighbour.sloViolations = []
    neighbour.notices = []
    neighbour.tags = []
    neighbour.details = nil
    partial.neighbours.append(neighbour)
  }

  public func merge(_ other: Partial, into partial: inout Partial) {
    partial.neighbours += other.neighbours
    if let slos, let theirs = other.slos, var folded = partial.slos {
      partial.slos = nil
      slos.merge(theirs, into: &folded)
      partial.slos = folded
    }
    partial.ids.formUnion(other.ids)
  }

  /// The incidents sharing the service, in `(orgId, incidentId)` order.
  public func neighbours(_ partial: Partial) -> [IncidentSnapshot] {
    partial.neighbours.sorted { ($0.orgId, $0.incidentId) < ($1.orgId, $1.incidentId) }
  }

  /// The SLO figures where the impact ended, for ``DraftInput/sloResults``.
  public func sloResults(_ partial: Partial) -> [SLOResult] {
    guard let slos, let folded = partial.slos else { return [] }
    return slos.finish(folded)
  }

  /// Every incident id read, when the drafted incident was not found.
  public func incidentIds(_ partial: Partial) -> Set<String> { partial.ids }
}

extension DraftFold.Partial: Codable {
  private enum CodingKeys: String, CodingKey { case neighbours, slos, ids }

  public func encode(to encoder: any Encoder) throws {
    var keyed = encoder.container(keyedBy: CodingKeys.self)
    try keyed.encode(neighbours.sorted { ($0.orgId, $0.incidentId) < ($1.orgId, $1.incidentId) }, forKey: .neighbours)
    try keyed.encodeIfPresent(slos, forKey: .slos)
    try keyed.encode(ids.sorted(), forKey: .ids)
  }

  public init(from decoder: any Decoder) throws {
    let keyed = try decoder.container(keyedBy: CodingKeys.self)
    self.init(
      neighbours: try keyed.decode([IncidentSnapshot].self, forKey: .neighbours),
      slos: try keyed.decodeIfPresent(SLOFold.Partial.self, forKey: .slos), ids: Set(try keyed.decode([String].self, forKey: .ids)))
  }
}
