/// An analysis that reads replayed incidents one at a time into a partial result that merges.
///
/// The loader replays partitions of the input on several threads and hands each
/// snapshot to one partial; it then merges the partials. For the output to be the
/// same whatever the thread count, partition count or order of arrival, a fold must
/// keep three laws, which the tests check directly:
///
/// - `merge` is associative and commutative, and ``makePartial()`` is its identity;
/// - adding a snapshot to one partial and merging equals adding it after the merge;
/// - what a fold finally renders does not depend on the order snapshots arrived in
///   (lists are sorted by a total order when the result is finished, not as they grow).
///
/// A fold keeps accumulators for what it will report, never the snapshots themselves:
/// that is what keeps a load bounded at any input size.
public protocol IncidentFold: Sendable {
  /// What the fold has gathered from some of the incidents.
  associatedtype Partial: Sendable

  /// The partial result of no incidents.
  func makePartial() -> Partial

  /// Folds one replayed incident into `partial`.
  func add(_ incident: IncidentSnapshot, to partial: inout Partial)

  /// Merges `other` into `partial`.
  func merge(_ other: Partial, into partial: inout Partial)
}

/// Two folds over the same incidents, for a command that reports both.
public struct FoldPair<First: IncidentFold, Second: IncidentFold>: IncidentFold {
  public var first: First
  public var second: Second

  public init(_ first: First, _ second: Second) {
    self.first = first
    self.second = second
  }

  public func makePartial() -> (First.Partial, Second.Partial) { (first.makePartial(), second.makePartial()) }

  public func add(_ incident: IncidentSnapshot, to partial: inout (First.Partial, Second.Partial)) {
    first.add(incident, to: &partial.0)
    second.add(incident, to: &partial.1)
  }

  public func merge(_ other: (First.Partial, Second.Partial), into partial: inout (First.Partial, Second.Partial)) {
    first.merge(other.0, into: &partial.0)
    second.merge(other.1, into: &partial.1)
  }
}

/// The fold that keeps every snapshot, for what reads one incident or a few whole (`incidents show`, drafts).
///
/// Bounded only by what it is given: commands that analyse a whole stream use their own folds.
public struct SnapshotCollection: IncidentFold {
  public init() {}

  public func makePartial() -> [IncidentSnapshot] { [] }

  public func add(_ incident: IncidentSnapshot, to partial: inout [IncidentSnapshot]) { partial.append(incident) }

  public func merge(_ other: [IncidentSnapshot], into partial: inout [IncidentSnapshot]) { partial += other }

  /// The snapshots in `(orgId, incidentId)` order, whatever order they were gathered in.
  public func finish(_ partial: [IncidentSnapshot]) -> [IncidentSnapshot] {
    partial.sorted { ($0.orgId, $0.incidentId) < ($1.orgId, $1.incidentId) }
  }
}

/// The fold that keeps nothing, for a command that reports only what the load itself counted (`incidents validate`).
public struct SummaryOnly: IncidentFold {
  /// Nothing, in a form a partial-result file can carry.
  public struct Partial: Sendable, Codable {}

  public init() {}

  public func makePartial() -> Partial { Partial() }

  public func add(_ incident: IncidentSnapshot, to partial: inout Partial) {}

  public func merge(_ other: Partial, into partial: inout Partial) {}
}

/// The fold behind `incidents show`: the snapshots of one incident id (in every org), and the closest other ids,
/// so that an unknown id is answered from the same single read.
public struct IncidentLookup: IncidentFold {
  public let incidentId: String

  public struct Partial: Sendable {
    /// The snapshots with the id, in any order.
    public var found: [IncidentSnapshot] = []
    /// The closest other ids, for "did you mean".
    public var closest: NearMatches.Closest
  }

  public init(incidentId: String) { self.incidentId = incidentId }

  public func makePartial() -> Partial { Partial(closest: NearMatches.Closest(to: incidentId)) }

  public func add(_ incident: IncidentSnapshot, to partial: inout Partial) {
    if incident.incidentId == incidentId {
      partial.found.append(incident)
    } else {
      partial.closest.consider(incident.incidentId)
    }
  }

  public func merge(_ other: Partial, into partial: inout Partial) {
    partial.found += other.found
    partial.closest.merge(other.closest)
  }

  /// The snapshots found, in `(orgId, incidentId)` order.
  public func finish(_ partial: Partial) -> [IncidentSnapshot] { SnapshotCollection().finish(partial.found) }
}
