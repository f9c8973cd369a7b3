public import EventSources
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
  /// Events at times inside this interval are kept whole too, in their snapshot's details (a report's Timeline).
  public var wholeEventsWithin: Interval?
  /// When set, request counts whose instant is outside it are left out; their signals are kept.
  ///
  /// For figures that read counts only there, so memory follows that window, not the history.
  /// An interval that ends before it starts keeps none.
  public var requestCountsWithin: Interval?
  /// About how many bytes of events the load holds in memory before it writes partitions to temporary files.
  public var memoryLimit: Int
  /// How many partitions the incidents are split over; the result is the same for any count.
  public var partitions: Int
  /// Where the temporary directory is made when partitions spill; nil for `$TMPDIR` (else `/tmp`).
  public var temporaryDirectory: String?
  /// Counts records read and partitions replayed, for a progress line; the result is the same without it.
  public var progress: ReadProgress?

  /// The default ``memoryLimit``: a whole command stays near 150 MB at any input size (Benchmarks/RESULTS.md).
  public static let defaultMemoryLimit = 64 << 20
  /// The default ``partitions``: enough that each holds a small share, few enough that each is worth a file.
  public static let defaultPartitions = 64

  public init(
    strict: Bool = false, detail: EventDetail = .analytics, warningLimit: Int = 20, threads: Int = 1,
    memoryLimit: Int = LoadOptions.defaultMemoryLimit, partitions: Int = LoadOptions.defaultPartitions
  ) {
    self.strict = strict
    self.detail = detail
    self.warningLimit = warningLimit
    self.threads = max(1, threads)
    self.memoryLimit = max(1, memoryLimit)
    self.partitions = max(1, partitions)
  }
}

/// A record a load left out, and why.
public struct SkippedRecord: Sendable, Hashable, Codable {
  /// The reason's label, as `invalid JSON` or `conflicting duplicate`.
  public var reason: String
  /// Whether the record could not be decoded (else it was a conflicting duplicate).
  public var broken: Bool
  public var origin: EventOrigin?
  /// Where it is, as `FILE:LINE` or `TABLE row N`.
  public var location: String

  public init(reason: String, broken: Bool, origin: EventOrigin?, location: String) {
    self.reason = reason
    self.broken = broken
    self.origin = origin
    self.location = location
  }

  /// Source order; records without an origin last.
  static func inSourceOrder(_ a: SkippedRecord, _ b: SkippedRecord) -> Bool {
    let last = EventOrigin(input: EventOrigin.maximumInput, record: 0)
    return (a.origin ?? last, a.location, a.reason) < (b.origin ?? last, b.location, b.reason)
  }
}

/// What a load read, kept, and left out.
public struct LoadSummary: Sendable, Equatable, Codable {
  /// Non-blank lines or rows read.
  public var recordsRead = 0
  /// Records that decoded into an event (duplicates included).
  public var eventsDecoded = 0
  /// Events kept after dedupe; what replay sees.
  public var uniqueEvents = 0
  /// Repeats of an event already read, with the same content: counted once.
  public var exactDuplicates = 0
  /// Repeats of an event id with different content (or under another incident): skipped and reported.
  public var conflictingDuplicates = 0
  /// Records that could not be decoded: skipped and reported.
  public var brokenRecords = 0
  /// Kept events of a type this toolkit does not know (ignored by replay).
  public var unknownTypeEvents = 0
  /// Kept events per `type` as written, unknown types included.
  public var eventsByType: [String: Int] = [:]
  /// Skipped records, in source order.
  public var skippedRecords: [SkippedRecord] = []
  /// Number of incidents replayed.
  public var incidents = 0
  /// Organisations seen, sorted.
  public var orgs: [String] = []
  /// Incidents replayed without their INCIDENT_CREATED.
  public var incidentsWithoutCreation = 0
  /// Warnings not shown because of ``LoadOptions/warningLimit``.
  public var warningsNotShown = 0
  /// Whether the load wrote partitions to temporary files (they are gone once it returns).
  public var spilled = false
  /// Each input of a JSON Lines source, as read (empty for a database table).
  public var inputs: [InputFacts] = []

  /// Records left out of the replay.
  public var skipped: Int { brokenRecords + conflictingDuplicates }

  /// Two summaries are equal when they loaded the same: ``inputs`` says where from (a file's name
  /// and digest, or nothing for a table) and is left out, so a table and its export compare equal.
  public static func == (a: LoadSummary, b: LoadSummary) -> Bool {
    // Every stored property but `inputs`.
    (a.recordsRead, a.eventsDecoded, a.uniqueEvents, a.exactDuplicates, a.conflictingDuplicates, a.brokenRecords)
      == (b.recordsRead, b.eventsDecoded, b.uniqueEvents, b.exactDuplicates, b.conflictingDuplicates, b.brokenRecords)
      && (a.unknownTypeEvents, a.incidents, a.incidentsWithoutCreation, a.warningsNotShown, a.spilled)
        == (b.unknownTypeEvents, b.incidents, b.incidentsWithoutCreation, b.warningsNotShown, b.spilled)
      && a.eventsByType == b.eventsByType && a.skippedRecords == b.skippedRecords && a.orgs == b.orgs
  }

  // Whether a load spilled depends on its memory limit, not on its input: a partial result leaves it out.
  private enum CodingKeys: String, CodingKey {
    case recordsRead, eventsDecoded, uniqueEvents, exactDuplicates, conflictingDuplicates, brokenRecords, unknownTypeEvents
    case eventsByType, skippedRecords, incidents, orgs, incidentsWithoutCreation, warningsNotShown, inputs
  }

  /// Locations of skipped records by reason, in source order.
  public var skippedByReason: [String: [String]] {
    Dictionary(grouping: skippedRecords, by: \.reason).mapValues { $0.map(\.location) }
  }

  public init() {}

  /// Adds the summary of another shard of the same inputs.
  ///
  /// Every shard reads every record, so a record that did not decode (and so belongs to no
  /// incident) is reported by each shard that saw it: it counts once, by its origin. Whatever
  /// replay counted belongs to one shard and adds up. The merge is associative and commutative,
  /// and a run's own summary is what merging its shards' summaries gives.
  public mutating func merge(shard other: LoadSummary) {
    eventsDecoded += other.eventsDecoded
    uniqueEvents += other.uniqueEvents
    exactDuplicates += other.exactDuplicates
    unknownTypeEvents += other.unknownTypeEvents
    eventsByType.merge(other.eventsByType, uniquingKeysWith: +)
    incidents += other.incidents
    orgs = Set(orgs).union(other.orgs).sorted()
    incidentsWithoutCreation += other.incidentsWithoutCreation
    warningsNotShown += other.warningsNotShown
    spilled = spilled || other.spilled
    // Every shard reads every byte of every input: lines, sizes and digests agree; events are each shard's own.
    if inputs.isEmpty {
      inputs = other.inputs
    } else {
      for (index, facts) in other.inputs.enumerated() where inputs.indices.contains(index) { inputs[index].events += facts.events }
    }
    var records: [SkippedRecord] = []
    for record in (skippedRecords + other.skippedRecords).sorted(by: SkippedRecord.inSourceOrder) where records.last != record {
      records.append(record)
    }
    skippedRecords = records
    brokenRecords = records.count { $0.broken }
    conflictingDuplicates = records.count - brokenRecords
    recordsRead = eventsDecoded + brokenRecords
  }
}

/// The replayed incidents of a stream, in `(orgId, incidentId)` order.
public struct LoadedIncidents: Sendable {
  public var snapshots: [IncidentSnapshot]
  public var summary: LoadSummary

  public init(snapshots: [IncidentSnapshot], summary: LoadSummary) {
    self.snapshots = snapshots
    self.summary = summary
  }
}

/// Reads a source, drops duplicates, replays every incident and folds the snapshots, in bounded memory.
///
/// The pipeline: the source decodes records on its threads and hands prepared
/// events to partitions chosen by a stable hash of `(orgId, incidentId)`; past
/// ``LoadOptions/memoryLimit`` the partitions are written to temporary files
/// (under `$TMPDIR`, removed on every way out). Then each partition is read back
/// alone, on every thread (split further first when it is too large to hold),
/// its incidents deduplicated, ordered, replayed and folded into a per-thread
/// partial result; the partials are merged. No snapshot outlives its fold.
///
/// Duplicates follow `events.md`: the same `id` with the same content counts
/// once; the same `id` with different content is a conflict, reported with
/// both locations, and the later one is skipped (the first read wins, so the
/// result depends only on the order of the inputs). An id used under two
/// incidents is such a conflict too: the events of the incident that read it
/// later are skipped (see ``ReusedIds``).
public enum IncidentLoader {
  /// Loads `source` and folds every replayed incident into `fold`'s partial result.
  ///
  /// `include` narrows the incidents kept (by org and id); `report` receives each
  /// diagnostic as it is found, in a deterministic order: problems of single records
  /// in source order while reading, then what replay found, by incident.
  public static func fold<Fold: IncidentFold>(
    _ fold: Fold, from source: some EventSource, options: LoadOptions = LoadOptions(),
    include: @escaping @Sendable (IncidentRef) -> Bool = { _ in true },
    report: (InputDiagnostic) -> Void
  ) throws -> (partial: Fold.Partial, summary: LoadSummary) {
    try withoutActuallyEscaping(report) { report in
      try run(fold, from: source, options: options, include: include, report: report)
    }
  }

  /// Loads `source` and keeps every replayed incident, in `(orgId, incidentId)` order.
  ///
  /// Memory follows the snapshots kept: for one incident or a few (`include`, a source
  /// filter); analyses of a whole stream use ``fold(_:from:options:include:report:)``.
  public static func load(
    from source: some EventSource, options: LoadOptions = LoadOptions(),
    include: @escaping @Sendable (IncidentRef) -> Bool = { _ in true },
    report: (InputDiagnostic) -> Void
  ) throws -> LoadedIncidents {
    let collection = SnapshotCollection()
    let (partial, summary) = try fold(collection, from: source, options: options, include: include, report: report)
    return LoadedIncidents(snapshots: collection.finish(partial), summary: summary)
  }

  /// Loads `source` once, replays the incidents with id `incidentId` first (in every org), then folds every incident
  /// into the fold `makeFold` makes of them.
  ///
  /// For an analysis that depends on one incident (a draft's service, its impact's end): the
  /// fold is made once that incident is known, and the input is still read once (standard input too).
  public static func fold<Fold: IncidentFold>(
    locating incidentId: String, from source: some EventSource, options: LoadOptions = LoadOptions(),
    include: @escaping @Sendable (IncidentRef) -> Bool = { _ in true }, report: (InputDiagnostic) -> Void,
    then makeFold: ([IncidentSnapshot]) throws -> Fold
  ) throws -> (located: [IncidentSnapshot], partial: Fold.Partial, summary: LoadSummary) {
    try withoutActuallyEscaping(report) { report in
      var located: [IncidentSnapshot] = []
      let (partial, summary) = try run(
        from: source, options: options, include: include, report: report,
        locating: incidentId,
        makeFold: { found in
          located = found
          return try makeFold(found)
        })
      return (located, partial, summary)
    }
  }

  private static func run<Fold: IncidentFold>(
    _ fold: Fold, from source: some EventSource, options: LoadOptions, include: @escaping @Sendable (IncidentRef) -> Bool,
    report: @escaping (InputDiagnostic) -> Void
  ) throws -> (partial: Fold.Partial, summary: LoadSummary) {
    try run(from: source, options: options, include: include, report: report, locating: nil, makeFold: { _ in fold })
  }

  private static func run<Fold: IncidentFold>(
    from source: some EventSource, options: LoadOptions, include: @escaping @Sendable (IncidentRef) -> Bool,
    report: @escaping (InputDiagnostic) -> Void, locating: String?, makeFold: ([IncidentSnapshot]) throws -> Fold
  ) throws -> (partial: Fold.Partial, summary: LoadSummary) {
    let preparation = Preparation(
      detail: options.detail, wholeEventsOf: options.wholeEventsOf, wholeEventsWithin: options.wholeEventsWithin, include: include)
    var state = LoadState(options: options, report: report)
    func receive(_ notice: LoadNotice) throws { try state.receive(notice, location: source.location(of:)) }
    if source.deliveryOrder == .groupedByIncident && locating == nil {
      // Whole incidents arrive one after another: each is replayed when the next begins, nothing partitioned.
      let stream = IncidentStream(
        fold: try makeFold([]), preparation: preparation, requestCountsWithin: options.requestCountsWithin,
        threads: options.threads, warningLimit: options.warningLimit)
      do {
        try source.read(threads: options.threads, preparation: preparation, into: stream, notice: receive)
      } catch {
        _ = stream.finish()
        throw error
      }
      let (partial, tally) = stream.finish()
      try state.finish(tally, location: source.location(of:))
      return (partial, state.summary)
    }
    let directory = SpillDirectory(base: options.temporaryDirectory)
    defer { directory.remove() }
    let budget = MemoryBudget(limit: options.memoryLimit)
    let spool = EventSpool(partitions: options.partitions, directory: directory, budget: budget, tracksOrgs: locating != nil)
    try source.read(threads: options.threads, preparation: preparation, into: spool, notice: receive)
    try spool.check()
    // Once anything went to disk, the rest follows: replay then holds only the partitions it works on.
    if spool.spilled { spool.spill(releasingMemory: true) }
    try spool.check()
    state.summary.spilled = spool.spilled

    // An id partition is searched in about four times its bytes.
    let reused = try ReusedIds.find(
      in: spool.ids, threads: options.threads, partitionLimit: options.memoryLimit / (16 * options.threads), directory: directory)
    var located: [IncidentSnapshot] = []
    if let locating {
      let orgs = spool.orgsSeen
      located = try orgs.compactMap { org in
        try IncidentLocator.locate(
          IncidentRef(orgId: org, incidentId: locating), in: spool.records, preparation: preparation,
          requestCountsWithin: options.requestCountsWithin, reused: reused)
      }
    }
    // A partition replays into about twice its bytes; one whose events are kept whole, into several times more.
    let replay = PartitionReplay(
      fold: try makeFold(located), preparation: preparation, requestCountsWithin: options.requestCountsWithin,
      reused: reused, directory: directory,
      partitionLimit: max(1 << 16, options.memoryLimit / (2 * options.threads * (options.wholeEventsWithin == nil ? 1 : 4))),
      warningLimit: options.warningLimit, progress: options.progress)
    options.progress?.beginReplay(partitions: spool.records.count)
    FreeMemory.returnToSystem()
    let (partial, tally) = try replay.run(spool.records, threads: options.threads)
    try state.finish(tally, location: source.location(of:))
    return (partial, state.summary)
  }
}

private struct LoadState {
  let options: LoadOptions
  let report: (InputDiagnostic) -> Void
  var summary = LoadSummary()
  var warningsShown: [String: Int] = [:]
  /// Skipped records, to list in source order at the end.
  var skipped: [SkippedRecord] = []

  init(options: LoadOptions, report: @escaping (InputDiagnostic) -> Void) {
    self.options = options
    self.report = report
  }

  /// Counts and diagnoses what the source reports of its records, in source order.
  mutating func receive(_ notice: LoadNotice, location: (EventOrigin) -> String) throws {
    switch notice {
    case .events(let count):
      options.progress?.addRecords(count)
      summary.recordsRead += count
      summary.eventsDecoded += count
    case .unknownType(let type, let eventId, let origin):
      try diagnose(
        InputDiagnostic(
          location: location(origin), kind: .unknownType,
          message: "event \(eventId) has unknown type \"\(type)\"; kept but ignored by replay"))
    case .inputRead(let facts):
      summary.inputs.append(facts)
    case .broken(let origin, let error):
      options.progress?.addRecords(1)
      summary.recordsRead += 1
      summary.brokenRecords += 1
      try diagnose(InputDiagnostic(location: location(origin), kind: .broken(error.kind), message: error.description, origin: origin))
    }
  }

  mutating func diagnose(_ diagnostic: InputDiagnostic) throws {
    if diagnostic.kind.isSkip {
      skipped.append(
        SkippedRecord(
          reason: diagnostic.kind.label, broken: diagnostic.kind != .conflictingDuplicate, origin: diagnostic.origin,
          location: diagnostic.location))
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

  /// Reports what replay found, incident by incident in `(orgId, incidentId)` order, and completes the summary.
  mutating func finish(_ tally: ReplayTally, location: (EventOrigin) -> String) throws {
    summary.exactDuplicates += tally.exactDuplicates
    summary.uniqueEvents += tally.uniqueEvents
    summary.unknownTypeEvents += tally.unknownTypeEvents
    summary.eventsByType = tally.eventsByType.byName
    summary.incidents = tally.incidents
    summary.orgs = tally.orgs.sorted()
    summary.incidentsWithoutCreation += tally.missingCreationCount
    summary.warningsNotShown += tally.missingCreationCount - tally.missingCreation.count

    let conflicts = tally.conflicts.sorted { ($0.incident, $0.conflict.dropped) < ($1.incident, $1.conflict.dropped) }
    var nextConflict = 0
    func reportConflicts(through incident: IncidentRef?) throws {
      while nextConflict < conflicts.count, incident.map({ conflicts[nextConflict].incident <= $0 }) ?? true {
        let conflict = conflicts[nextConflict].conflict
        nextConflict += 1
        summary.conflictingDuplicates += 1
        try diagnose(
          InputDiagnostic(
            location: location(conflict.dropped), kind: .conflictingDuplicate,
            message: (conflict.eventId.isEmpty ? "" : "event \(conflict.eventId): ")
              + (conflict.acrossIncidents
                ? "same id as the event at \(location(conflict.kept)), which belongs to another incident; skipped"
                : "same id as the event at \(location(conflict.kept)) but different content; skipped"),
            origin: conflict.dropped))
      }
    }
    for missing in tally.missingCreation.sorted(by: { $0.incident < $1.incident }) {
      try reportConflicts(through: missing.incident)
      try diagnose(
        InputDiagnostic(
          location: "incident \(missing.incident.incidentId) (org \(missing.incident.orgId))", kind: .missingCreation,
          message:
            "no INCIDENT_CREATED in the stream; replayed from its \(missing.eventCount) other event(s), creation taken as \(missing.firstEventAt)"
        ))
    }
    try reportConflicts(through: nil)
    // Skipped records are listed in source order, whichever stage found them.
    skipped.sort(by: SkippedRecord.inSourceOrder)
    summary.skippedRecords = skipped
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
