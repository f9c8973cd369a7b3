public import IncidentModel

#if canImport(Glibc)
  import CMalloc
#endif

/// How to load a stream.
public struct LoadOptions: Sendable {
  /// Stop with ``InputError/strictStop(_:)`` at the first skipped record.
  public var strict: Bool
  /// How much of each event to keep for replay.
  public var detail: EventDetail
  /// Show at most this many warnings of one kind; the rest are counted.
  public var warningLimit: Int
  /// Threads that decode and replay; the result is the same for any count.
  public var threads: Int
  /// An incident id whose events are kept whole (``EventDetail/full``) whatever ``detail`` says.
  public var wholeEventsOf: String?
  /// When set, request counts whose instant is outside it are left out; their signals are kept.
  ///
  /// For figures that read counts only there, so memory follows that window, not the history.
  /// An interval that ends before it starts keeps none.
  public var requestCountsWithin: Interval?

  public init(strict: Bool = false, detail: EventDetail = .analytics, warningLimit: Int = 20, threads: Int = 1) {
    self.strict = strict
    self.detail = detail
    self.warningLimit = warningLimit
    self.threads = max(1, threads)
  }
}

/// What a load read, kept, and left out.
public struct LoadSummary: Sendable, Equatable {
  /// Non-blank lines or rows read.
  public var recordsRead = 0
  /// Records that decoded into an event (duplicates included).
  public var eventsDecoded = 0
  /// Events kept after dedupe; what replay sees.
  public var uniqueEvents = 0
  /// Repeats of an event already read, with the same content: counted once.
  public var exactDuplicates = 0
  /// Repeats of an event id with different content: skipped and reported.
  public var conflictingDuplicates = 0
  /// Records that could not be decoded: skipped and reported.
  public var brokenRecords = 0
  /// Kept events of a type this toolkit does not know (ignored by replay).
  public var unknownTypeEvents = 0
  /// Kept events per `type` as written, unknown types included.
  public var eventsByType: [String: Int] = [:]
  /// Locations of skipped records by reason, in source order.
  public var skippedByReason: [String: [String]] = [:]
  /// Number of incidents replayed.
  public var incidents = 0
  /// Organisations seen, sorted.
  public var orgs: [String] = []
  /// Incidents replayed without their INCIDENT_CREATED.
  public var incidentsWithoutCreation = 0
  /// Warnings not shown because of ``LoadOptions/warningLimit``.
  public var warningsNotShown = 0

  /// Records left out of the replay.
  public var skipped: Int { brokenRecords + conflictingDuplicates }
}

/// The replayed incidents of a stream, in `(orgId, incidentId)` order.
public struct LoadedIncidents: Sendable {
  public var snapshots: [IncidentSnapshot]
  public var summary: LoadSummary
}

/// Reads a source, drops duplicates, groups events per incident and replays them.
///
/// Duplicates follow `events.md`: the same `id` with the same content counts
/// once; the same `id` with different content is a conflict, reported with
/// both locations, and the later one is skipped (the first read wins, so the
/// result depends only on the order of the inputs). Duplicates are found per
/// incident when it is replayed, which keeps no index of every id in memory;
/// an id reused across two incidents is therefore not reported.
public enum IncidentLoader {
  /// Loads `source` and replays every incident in it.
  ///
  /// `include` narrows the incidents kept (by org and id); `report`
  /// receives each diagnostic as it is found, in a deterministic order.
  public static func load(
    from source: some EventSource,
    options: LoadOptions = LoadOptions(),
    include: @escaping @Sendable (IncidentRef) -> Bool = { _ in true },
    report: (InputDiagnostic) -> Void
  ) throws -> LoadedIncidents {
    try withoutActuallyEscaping(report) { report in
      try load(from: source, options: options, include: include, escapingReport: report)
    }
  }

  private static func load(
    from source: some EventSource, options: LoadOptions, include: @escaping @Sendable (IncidentRef) -> Bool,
    escapingReport report: @escaping (InputDiagnostic) -> Void
  ) throws -> LoadedIncidents {
    let preparation = Preparation(detail: options.detail, wholeEventsOf: options.wholeEventsOf, include: include)
    // A few partitions per thread, so threads adding a batch's events seldom wait for one another.
    let histories = HistoryPartitions(
      count: options.threads > 1 ? options.threads * 4 : 1, preparation: preparation, requestCountsWithin: options.requestCountsWithin)
    var state = LoadState(options: options, report: report)
    try source.read(threads: options.threads, preparation: preparation, into: histories) { notice in
      switch notice {
      case .events(let count):
        state.summary.recordsRead += count
        state.summary.eventsDecoded += count
      case .unknownType(let type, let eventId, let origin):
        try state.diagnose(
          InputDiagnostic(
            location: source.location(of: origin), kind: .unknownType,
            message: "event \(eventId) has unknown type \"\(type)\"; kept but ignored by replay"))
      case .broken(let origin, let error):
        state.summary.recordsRead += 1
        state.summary.brokenRecords += 1
        try state.diagnose(
          InputDiagnostic(
            location: source.location(of: origin), kind: .broken(error.kind), message: error.description, origin: origin))
      }
    }
    return try state.finish(histories, location: source.location(of:))
  }
}

private struct LoadState {
  let options: LoadOptions
  let report: (InputDiagnostic) -> Void
  var summary = LoadSummary()
  var warningsShown: [String: Int] = [:]
  /// Skipped records, to list by reason in source order at the end.
  var skipped: [(reason: String, origin: EventOrigin?, location: String)] = []

  init(options: LoadOptions, report: @escaping (InputDiagnostic) -> Void) {
    self.options = options
    self.report = report
  }

  mutating func diagnose(_ diagnostic: InputDiagnostic) throws {
    if diagnostic.kind.isSkip {
      skipped.append((diagnostic.kind.label, diagnostic.origin, diagnostic.location))
      if options.strict { throw InputError.strictStop(diagnostic) }
      report(diagnostic)
      return
    }
    // Warnings can repeat for every event of a newer producer: show a few of each kind.
    let shown = warningsShown[diagnostic.kind.label, default: 0]
    if shown < options.warningLimit {
      warningsShown[diagnostic.kind.label] = shown + 1
      report(diagnostic)
    } else {
      summary.warningsNotShown += 1
    }
  }

  /// Replays each incident in `(orgId, incidentId)` order, releasing its history as it goes.
  mutating func finish(_ histories: HistoryPartitions, location: (EventOrigin) -> String) throws -> LoadedIncidents {
    // Held only here, so each history is freed once replayed.
    var (keys, ordered) = histories.takeAll()
    var snapshots: [IncidentSnapshot] = []
    snapshots.reserveCapacity(keys.count)
    var orgs = Set<String>()
    var eventsByType = EventTypeCounts()
    let outcomes = ParallelReplay.run(&ordered, threads: options.threads)
    for (index, key) in keys.enumerated() {
      // Taken one by one: the outcomes are released as their snapshots move out, never copied whole.
      guard let outcome = outcomes.take(index) else { continue }
      let snapshot = outcome.snapshot
      summary.exactDuplicates += outcome.exactDuplicates
      summary.uniqueEvents += snapshot.eventCount
      summary.unknownTypeEvents += snapshot.unknownEventCount
      eventsByType.add(outcome.eventsByType)
      for conflict in outcome.conflicts {
        summary.conflictingDuplicates += 1
        try diagnose(
          InputDiagnostic(
            location: location(conflict.dropped), kind: .conflictingDuplicate,
            message: (conflict.eventId.isEmpty ? "" : "event \(conflict.eventId): ")
              + "same id as the event at \(location(conflict.kept)) but different content; skipped",
            origin: conflict.dropped))
      }
      orgs.insert(key.orgId)
      if !snapshot.hasCreationEvent {
        summary.incidentsWithoutCreation += 1
        try diagnose(
          InputDiagnostic(
            location: "incident \(key.incidentId) (org \(key.orgId))", kind: .missingCreation,
            message:
              "no INCIDENT_CREATED in the stream; replayed from its \(snapshot.eventCount) other event(s), creation taken as \(snapshot.lifecycle.firstEventAt)"
          ))
      }
      snapshots.append(snapshot)
    }
    summary.eventsByType = eventsByType.byName
    summary.incidents = snapshots.count
    summary.orgs = orgs.sorted()
    // Skipped records are listed in source order, whichever stage found them.
    let last = EventOrigin(input: EventOrigin.maximumInput, record: 0)
    skipped.sort { ($0.origin ?? last) < ($1.origin ?? last) }
    for entry in skipped { summary.skippedByReason[entry.reason, default: []].append(entry.location) }
    return LoadedIncidents(snapshots: snapshots, summary: summary)
  }
}

/// Replays histories on several threads, each releasing its history once replayed.
private enum ParallelReplay {
  /// The outcomes, at the indices of `histories`.
  ///
  /// Takes the histories (so each is freed once replayed), leaving `histories` empty.
  static func run(_ histories: inout [IncidentHistory], threads: Int) -> Slots<ReplayOutcome> {
    let pending = Slots(taking: histories)
    histories = []
    let outcomes = Slots<ReplayOutcome>(count: pending.count)
    // In rounds, handing the pages of replayed histories back between them: snapshots are
    // built on other threads' heaps, which cannot reuse what the histories leave free.
    let rounds = 4
    let perRound = (pending.count + rounds - 1) / rounds
    for start in stride(from: 0, to: pending.count, by: max(1, perRound)) {
      let count = min(perRound, pending.count - start)
      ParallelWork.forEachIndex(count, threads: threads) { offset in outcomes[start + offset] = pending.take(start + offset)?.replay() }
      FreeMemory.returnToSystem()
    }
    return outcomes
  }
}

/// Hands the free pages of the process's heaps back to the system, where the C library can.
enum FreeMemory {
  static func returnToSystem() {
    #if canImport(Glibc)
      // glibc keeps freed memory inside its per-thread heaps; this releases the whole free pages of all of them.
      _ = malloc_trim(0)
    #endif
  }
}
