import Algorithms
public import IncidentModel

/// Whether an SLO is within policy.
public enum SLOStatus: String, Sendable, Hashable {
  case met = "MET"
  case breached = "BREACHED"
  /// A request-ratio SLO without traffic in its window: no data is not zero errors.
  case noData = "NO_DATA"
}

/// What an SLO's figures count: milliseconds of bad time, or bad requests.
public enum SLOMeasure: String, Sendable, Hashable {
  case time
  case events
}

/// An incident's share of an SLO's budget.
public struct BudgetConsumer: Sendable, Hashable {
  public var incidentId: String
  public var title: String?
  /// Its own bad time (ms) or bad requests in the window; overlaps with other incidents count for each.
  public var bad: Double
  /// `bad` ÷ the error budget; nil when the budget is zero.
  public var share: Double?
}

/// A live-recorded violation beside the recomputed consumption of the same window.
public struct RecordedComparison: Sendable, Hashable {
  public var eventId: String
  public var incidentId: String
  public var recordedAt: Timestamp
  public var window: Interval
  public var recorded: Double
  /// The toolkit's consumption over the same window; nil when undefined (no traffic, zero budget).
  public var recomputed: Double?
  /// `recomputed − recorded`.
  public var difference: Double?
}

/// One multi-window burn-rate alert, evaluated at `at`.
public struct AlertState: Sendable, Hashable {
  public var policy: BurnRatePolicy
  /// `budgetShare × period ÷ longWindow` (a condition's threshold).
  public var factor: Double
  /// The share of the whole budget that burning at `factor` over the long window spends.
  public var budgetShare: Double
  /// Burn rates over the windows ending at `at`; nil when undefined (target 100%, or no traffic).
  public var longBurnRate: Double?
  public var shortBurnRate: Double?
  /// Both windows burn faster than `factor`.
  public var firing: Bool
}

/// Budget spent on one calendar day of the window.
public struct DailyBudget: Sendable, Hashable {
  public var date: CivilDate
  public var interval: Interval
  public var bad: Double
  /// That day's bad ÷ the whole window's budget; nil when the budget is zero or undefined.
  public var consumed: Double?
  /// 1 − everything consumed up to the end of that day.
  public var remaining: Double?
}

/// A piece of the unioned bad time and what produced it.
public struct ExplainedInterval: Sendable, Hashable {
  public var interval: Interval
  public var contributions: [Contribution]

  public struct Contribution: Sendable, Hashable {
    public var incidentId: String
    /// The incident's own counted bad time inside this piece.
    public var intervals: [Interval]
    /// Its status and severity spans that overlap this piece.
    public var statusSpans: [Span<IncidentStatus>]
    public var severitySpans: [Span<Severity>]
  }
}

/// A METRIC signal counted by a request-ratio SLO.
public struct ExplainedSample: Sendable, Hashable {
  public var incidentId: String
  public var sample: RequestSample
}

/// The evaluation of one SLO at one time: every figure, computed once, with its evidence.
public struct SLOResult: Sendable {
  public var definition: SLODefinition
  public var orgId: String
  /// The whole window; figures cover `evaluated`, its part up to `at`.
  public var window: Interval
  public var evaluated: Interval
  public var at: Timestamp
  public var measure: SLOMeasure
  /// Milliseconds of the evaluated window, or requests counted in it.
  public var valid: Double
  /// Bad milliseconds (after time slicing), or bad requests.
  public var bad: Double
  /// good ÷ valid; nil with no data.
  public var sli: Double?
  /// Allowed bad: `(1 − target) × window length`, or `(1 − target) × requests`.
  public var errorBudget: Double
  /// bad ÷ error budget (may exceed 1); nil with no data, or a zero budget that was spent.
  public var consumed: Double?
  /// 1 − consumed (may be negative).
  public var remaining: Double?
  /// (bad ÷ valid) ÷ (1 − target): 1 spends the budget exactly over the window.
  public var burnRate: Double?
  public var status: SLOStatus
  /// How far below the policy's minimum remaining the SLO is, when breached.
  public var breachMargin: Double?
  /// Why a figure is missing, in words.
  public var notes: [String]
  /// With time slices: the slice length and how many slices of the evaluated window were bad.
  public var timeSlices: (lengthMs: Int64, bad: Int, total: Int)?
  public var consumers: [BudgetConsumer]
  public var recorded: [RecordedComparison]
  public var alerts: [AlertState]
  public var daily: [DailyBudget]
  public var explainedIntervals: [ExplainedInterval]
  public var explainedSamples: [ExplainedSample]
  /// The figures without the SLO's budget adjustments, when one applied in the evaluated window.
  public var raw: RawFigures?
  /// Each occurrence of an adjustment inside the evaluated window, with what it removed.
  public var adjustments: [AppliedAdjustment] = []

  /// The error budget in minutes, for time-based SLOs.
  public var errorBudgetMinutes: Double? { measure == .time ? errorBudget / 60_000 : nil }
  /// Budget minutes left (negative once overspent), for time-based SLOs.
  public var remainingMinutes: Double? { measure == .time ? (errorBudget - bad) / 60_000 : nil }
  public var badMinutes: Double? { measure == .time ? bad / 60_000 : nil }
}

/// Why an SLO cannot be evaluated.
public enum SLOEvaluationError: Error, Sendable, CustomStringConvertible {
  case noOrg(slo: String, origin: String)

  public var description: String {
    switch self {
    case .noOrg(let slo, let origin):
      "SLO \(slo) (\(origin)) names no organisation (annotation \(SLODefinitionParser.orgAnnotation)) and no --org was given"
    }
  }
}

/// The error-budget engine: pure, no I/O, no clock; the evaluation time is an argument.
///
/// Figures come from an ``SLOFold``'s merged partial (see ``SLOFold/finish(_:minimumRemaining:)``);
/// these entry points fold a list of snapshots first, for callers that have one.
public enum SLOEngine {
  /// Evaluates every definition over the same incidents at `at`.
  ///
  /// Each result is what ``evaluate(_:incidents:at:defaultOrgId:minimumRemaining:explain:)`` gives for its
  /// definition, in the order of `definitions`. The first definition that cannot be evaluated (in that order) throws.
  public static func evaluate(
    _ definitions: [SLODefinition], incidents: [IncidentSnapshot], at: Timestamp, defaultOrgId: String? = nil,
    minimumRemaining: Double = 0, explain: Bool = true
  ) throws(SLOEvaluationError) -> [SLOResult] {
    let fold = try SLOFold(definitions, at: at, defaultOrgId: defaultOrgId, explain: explain)
    var partial = fold.makePartial()
    for incident in incidents { fold.add(incident, to: &partial) }
    return fold.finish(partial, minimumRemaining: minimumRemaining)
  }

  /// Evaluates `definition` over replayed incidents at `at`.
  ///
  /// Only incidents of the SLO's org count, even for a service of the same name
  /// elsewhere; `defaultOrgId` (the command's `--org`) applies when the SLO names none.
  /// An SLO is breached when its remaining budget is below `minimumRemaining`. Without
  /// `explain`, the evidence behind the figures (``SLOResult/explainedIntervals`` and
  /// ``SLOResult/explainedSamples``) is left empty; every figure is the same.
  public static func evaluate(
    _ definition: SLODefinition, incidents: [IncidentSnapshot], at: Timestamp, defaultOrgId: String? = nil,
    minimumRemaining: Double = 0, explain: Bool = true
  ) throws(SLOEvaluationError) -> SLOResult {
    let results = try evaluate(
      [definition], incidents: incidents, at: at, defaultOrgId: defaultOrgId, minimumRemaining: minimumRemaining, explain: explain)
    return results[0]
  }

  /// The evaluation proper, over what the fold kept of the SLO's org and service.
  ///
  /// With budget adjustments in the evaluated window, the figures are those without what they
  /// exclude, and ``SLOResult/raw`` holds the figures with it, for the reader to compare.
  static func evaluate(
    _ definition: SLODefinition, orgId: String, incidents: ServiceIncidents, at: Timestamp, calendarUnitHolding: Timestamp?,
    minimumRemaining: Double, explain: Bool
  ) -> SLOResult {
    let window = SLOWindows.window(definition.window, at: at, unitHolding: calendarUnitHolding)
    let evaluated = Interval(start: window.start, end: min(window.end, at))
    let occurrences = definition.adjustments.flatMap { adjustment in
      adjustment.occurrences(overlapping: evaluated).compactMap { $0.clipped(to: evaluated) }.map { (adjustment, $0) }
    }
    guard !occurrences.isEmpty else {
      return evaluateUnadjusted(
        definition, orgId: orgId, incidents: incidents, at: at, calendarUnitHolding: calendarUnitHolding,
        minimumRemaining: minimumRemaining, explain: explain)
    }
    let excluded = occurrences.map(\.1).unioned()
    var plain = definition
    plain.adjustments = []
    let raw = evaluateUnadjusted(
      plain, orgId: orgId, incidents: incidents, at: at, calendarUnitHolding: calendarUnitHolding, minimumRemaining: minimumRemaining,
      explain: false)
    var kept = incidents
    kept.counted = incidents.counted.map { entry in
      var entry = entry
      entry.intervals = entry.intervals.subtracting(excluded)
      return entry
    }.filter { !$0.intervals.isEmpty }
    kept.samples = incidents.samples.excluding(excluded)
    var result = evaluateUnadjusted(
      definition, orgId: orgId, incidents: kept, at: at, calendarUnitHolding: calendarUnitHolding, minimumRemaining: minimumRemaining,
      explain: explain)
    result.raw = RawFigures(
      valid: raw.valid, bad: raw.bad, sli: raw.sli, consumed: raw.consumed, remaining: raw.remaining, status: raw.status,
      daily: raw.daily)
    let union = incidents.counted.flatMap(\.intervals).unioned()
    result.adjustments = occurrences.map { adjustment, occurrence in
      let removed: Double
      switch definition.indicator {
      case .incidentTime: removed = Double(union.clipped(to: occurrence).totalMilliseconds)
      case .requestRatio:
        let counts = incidents.samples.counts(in: occurrence)
        removed = Double(counts.total - counts.good)
      }
      return AppliedAdjustment(name: adjustment.name, reason: adjustment.reason, occurrence: occurrence, removed: removed)
    }
    return result
  }

  private static func evaluateUnadjusted(
    _ definition: SLODefinition, orgId: String, incidents: ServiceIncidents, at: Timestamp, calendarUnitHolding: Timestamp?,
    minimumRemaining: Double, explain: Bool
  ) -> SLOResult {
    let window = SLOWindows.window(definition.window, at: at, unitHolding: calendarUnitHolding)
    let evaluated = Interval(start: window.start, end: min(window.end, at))
    let allowedShare = 1 - definition.target
    var result: SLOResult
    switch definition.indicator {
    case .incidentTime:
      let badTime = BadTime(
        incidents: incidents.counted,
        slices: definition.budgeting == .timeslices ? definition.timeSliceWindowMs.map { (window.start, $0) } : nil,
        sliceTarget: definition.timeSliceTarget)
      let bad = badTime.counted(in: evaluated)
      let badMs = Double(bad.totalMilliseconds)
      let valid = Double(evaluated.milliseconds)
      let budget = allowedShare * Double(window.milliseconds)
      result = SLOResult(
        definition: definition, orgId: orgId, window: window, evaluated: evaluated, at: at, measure: .time, valid: valid, bad: badMs,
        sli: valid > 0 ? 1 - badMs / valid : nil, errorBudget: budget, consumed: nil, remaining: nil, burnRate: nil, status: .met,
        breachMargin: nil, notes: [], timeSlices: nil, consumers: [], recorded: [], alerts: [], daily: [], explainedIntervals: [],
        explainedSamples: [])
      if let (origin, length) = badTime.slices {
        let total = Int((evaluated.end.millisecondsSinceEpoch - origin.millisecondsSinceEpoch + length - 1) / length)
        let badSlices = Set(
          bad.flatMap { piece -> [Int64] in
            let first = (piece.start.millisecondsSinceEpoch - origin.millisecondsSinceEpoch) / length
            let last = (piece.end.millisecondsSinceEpoch - 1 - origin.millisecondsSinceEpoch) / length
            return Array(first...last)
          }
        ).count
        result.timeSlices = (length, badSlices, total)
      }
      result.consumers = badTime.consumers(in: evaluated, budget: budget)
      if explain { result.explainedIntervals = badTime.explain(in: evaluated) }
      // Days are consecutive: a binary search into the counted intervals, not a fresh clip per day.
      result.daily = daily(definition: definition, evaluated: evaluated, budget: budget) { Double(bad.overlapMilliseconds(with: $0)) }
      result.alerts = definition.alertPolicies.map { policy in
        alert(
          policy, period: window.milliseconds, target: definition.target, at: at,
          measure: { interval in (Double(badTime.continuous(in: interval).totalMilliseconds), Double(interval.milliseconds)) },
          changes: { interval in badTime.continuous(in: interval).flatMap { [$0.start, $0.end] } })
      }
      result.recorded = recorded(definition, incidents: incidents, evaluated: evaluated) { recordWindow in
        let spent = Double(badTime.counted(in: recordWindow).totalMilliseconds)
        let allowed = allowedShare * Double(recordWindow.milliseconds)
        return allowed > 0 ? spent / allowed : (spent == 0 ? 0 : nil)
      }

    case .requestRatio:
      let samples = incidents.samples
      let counted = samples.counts(in: evaluated)
      let total = Double(counted.total)
      let badEvents = Double(counted.total - counted.good)
      result = SLOResult(
        definition: definition, orgId: orgId, window: window, evaluated: evaluated, at: at, measure: .events, valid: total,
        bad: badEvents, sli: total > 0 ? Double(counted.good) / total : nil, errorBudget: allowedShare * total, consumed: nil,
        remaining: nil, burnRate: nil, status: .met, breachMargin: nil, notes: [], timeSlices: nil, consumers: [], recorded: [],
        alerts: [], daily: [], explainedIntervals: [], explainedSamples: explain ? samples.explain(in: evaluated) : [])
      if total == 0 { result.notes.append("no request counts in the window: the SLI is undefined and the budget untouched") }
      result.consumers = samples.consumers(in: evaluated, budget: result.errorBudget)
      let budget = result.errorBudget
      result.daily = daily(definition: definition, evaluated: evaluated, budget: budget) { day in
        let counts = samples.counts(in: day)
        return Double(counts.total - counts.good)
      }
      result.alerts = definition.alertPolicies.map { policy in
        alert(
          policy, period: window.milliseconds, target: definition.target, at: at,
          measure: { interval in
            let counts = samples.counts(in: interval)
            return (Double(counts.total - counts.good), Double(counts.total))
          }, changes: { interval in samples.instants(in: interval) })
      }
      result.recorded = recorded(definition, incidents: incidents, evaluated: evaluated) { recordWindow in
        let counts = samples.counts(in: recordWindow)
        let allowed = allowedShare * Double(counts.total)
        let spent = Double(counts.total - counts.good)
        return counts.total == 0 ? nil : (allowed > 0 ? spent / allowed : (spent == 0 ? 0 : nil))
      }
    }
    settle(&result, allowedShare: allowedShare, minimumRemaining: minimumRemaining)
    return result
  }

  /// Consumed, remaining, burn rate and status from bad, valid and the budget, without dividing by zero.
  private static func settle(_ result: inout SLOResult, allowedShare: Double, minimumRemaining: Double) {
    if result.measure == .events && result.valid == 0 {
      result.status = .noData
      return
    }
    if result.errorBudget > 0 {
      result.consumed = result.bad / result.errorBudget
      result.remaining = 1 - result.bad / result.errorBudget
    } else if result.bad == 0 {
      result.consumed = 0
      result.remaining = 1
    } else {
      result.notes.append(
        "the target is 100%: the error budget is zero, and any bad \(result.measure == .time ? "time" : "request") breaches it")
    }
    if allowedShare > 0 && result.valid > 0 {
      result.burnRate = (result.bad / result.valid) / allowedShare
    }
    guard let remaining = result.remaining else {
      result.status = .breached
      return
    }
    if remaining < minimumRemaining {
      result.status = .breached
      result.breachMargin = minimumRemaining - remaining
    }
  }

  private static func daily(
    definition: SLODefinition, evaluated: Interval, budget: Double, bad: (Interval) -> Double
  ) -> [DailyBudget] {
    var spent = 0.0
    return SLOWindows.days(of: evaluated, zone: SLOWindows.timeZone(of: definition.window)).map { day in
      let amount = bad(day.interval)
      spent += amount
      let consumed: Double? = budget > 0 ? amount / budget : (amount == 0 ? 0 : nil)
      let remaining: Double? = budget > 0 ? 1 - spent / budget : (spent == 0 ? 1 : nil)
      return DailyBudget(date: day.date, interval: day.interval, bad: amount, consumed: consumed, remaining: remaining)
    }
  }

  /// `measure(window)` gives (bad, valid) over a window; `changes(span)` the instants in `span` where what
  /// is measured starts or stops changing (bad time's ends, request samples).
  private static func alert(
    _ policy: BurnRatePolicy, period: Int64, target: Double, at: Timestamp, measure: (Interval) -> (Double, Double),
    changes: (Interval) -> [Timestamp]
  ) -> AlertState {
    let factor = policy.factor(periodMs: period)
    let allowed = 1 - target
    func rate(_ length: Int64, endingAt end: Timestamp = at) -> (errorRate: Double?, burn: Double?) {
      let (bad, valid) = measure(Interval(start: end.adding(milliseconds: -length), end: end))
      guard valid > 0 else { return (nil, nil) }
      let errorRate = bad / valid
      return (errorRate, allowed > 0 ? errorRate / allowed : nil)
    }
    if let condition = policy.condition {
      let lookback = condition.lookbackWindowMs
      // The condition must hold at every instant of the last alertAfter. Between change points the burn
      // over the lookback window is linear (bad time) or constant (request counts), so its extremes over
      // that span lie at the span's ends and at each change point c, or c + lookback, inside it.
      var instants = [at]
      if condition.alertAfterMs > 0 {
        let span = Interval(start: at.adding(milliseconds: -condition.alertAfterMs), end: at)
        instants.append(span.start)
        for point in changes(Interval(start: span.start.adding(milliseconds: -lookback), end: at)) {
          for instant in [point, point.adding(milliseconds: lookback)] where span.start < instant && instant < at {
            instants.append(instant)
          }
        }
      }
      let holds = instants.allSatisfy { instant in
        guard let errorRate = rate(lookback, endingAt: instant).errorRate else { return false }  // no data: no verdict
        // A zero budget (target 100%) burns infinitely fast on any bad time.
        let burn = allowed > 0 ? errorRate / allowed : (errorRate > 0 ? Double.infinity : 0)
        return condition.op.holds(burn, condition.threshold)
      }
      return AlertState(
        policy: policy, factor: factor, budgetShare: policy.share(periodMs: period), longBurnRate: rate(lookback).burn,
        shortBurnRate: nil, firing: holds)
    }
    let long = rate(policy.longWindowMs)
    let short = rate(policy.shortWindowMs)
    // Compared as error rates, so a zero budget (target 100%) fires on any bad time.
    func exceeds(_ errorRate: Double?) -> Bool { errorRate.map { $0 > factor * allowed } ?? false }
    return AlertState(
      policy: policy, factor: factor, budgetShare: policy.budgetShare, longBurnRate: long.burn, shortBurnRate: short.burn,
      firing: exceeds(long.errorRate) && exceeds(short.errorRate))
  }

  private static func recorded(
    _ definition: SLODefinition, incidents: ServiceIncidents, evaluated: Interval, recompute: (Interval) -> Double?
  ) -> [RecordedComparison] {
    var comparisons: [RecordedComparison] = []
    for entry in incidents.violations {
      let violation = entry.violation
      guard evaluated.start <= violation.ts && violation.ts < evaluated.end else { continue }
      let window = Interval(start: violation.payload.windowStart, end: violation.payload.windowEnd)
      // Bad time and request counts are kept only where the SLO reads them: a window reaching past that is not recomputed.
      let readable = incidents.kept.map { kept in kept.contains { $0.start <= window.start && window.end <= $0.end } } ?? true
      let recomputed = readable ? recompute(window) : nil
      comparisons.append(
        RecordedComparison(
          eventId: violation.eventId, incidentId: entry.incidentId, recordedAt: violation.ts, window: window,
          recorded: violation.payload.errorBudgetConsumed, recomputed: recomputed,
          difference: recomputed.map { $0 - violation.payload.errorBudgetConsumed }))
    }
    return comparisons.sorted { ($0.recordedAt, $0.eventId, $0.incidentId) < ($1.recordedAt, $1.eventId, $1.incidentId) }
  }
}

/// The counted bad time of one service's incidents.
struct BadTime {
  /// The incidents with bad time, by id, with their own bad intervals.
  let incidents: [CountedIncident]
  let union: [Interval]
  /// Slice origin and length, when time slices apply.
  let slices: (origin: Timestamp, length: Int64)?
  /// The bad time a slice may hold and still be good: `(1 − timeSliceTarget) × length`, rounded down.
  let sliceTolerance: Int64

  init(incidents: [CountedIncident], slices: (Timestamp, Int64)?, sliceTarget: Double = 1) {
    self.incidents = incidents
    union = incidents.flatMap(\.intervals).unioned()
    self.slices = slices
    sliceTolerance = slices.map { Int64(((1 - sliceTarget) * Double($0.1)).rounded(.down)) } ?? 0
  }

  /// Unioned bad time inside `window`, before slicing.
  func continuous(in window: Interval) -> [Interval] { union.clipped(to: window) }

  /// Counted bad time inside `window`: with slices, every slice touched by bad time, clipped to the window.
  func counted(in window: Interval) -> [Interval] {
    guard let (origin, length) = slices else { return continuous(in: window) }
    // The slices an interval touches form one interval: widen it to slice boundaries.
    func floor(_ t: Timestamp) -> Timestamp {
      let offset = (t.millisecondsSinceEpoch - origin.millisecondsSinceEpoch).floorDivided(by: length).quotient
      return origin.adding(milliseconds: offset * length)
    }
    let widened = union.map { piece in
      Interval(start: floor(piece.start), end: floor(piece.end.adding(milliseconds: -1)).adding(milliseconds: length))
    }
    guard sliceTolerance > 0 else { return widened.unioned().clipped(to: window) }
    // With a timeSliceTarget below 1, a slice is bad only when its bad time passes the tolerance.
    var bad: [Interval] = []
    var index = 0
    for span in widened.unioned() {
      var sliceStart = span.start
      while sliceStart < span.end {
        let slice = Interval(start: sliceStart, end: sliceStart.adding(milliseconds: length))
        // The union is sorted: skip what ends before this slice, then add what overlaps it.
        while index < union.count && union[index].end <= slice.start { index += 1 }
        var badMs: Int64 = 0
        var probe = index
        while probe < union.count && union[probe].start < slice.end {
          badMs += union[probe].clipped(to: slice)?.milliseconds ?? 0
          probe += 1
        }
        if badMs > sliceTolerance { bad.append(slice) }
        sliceStart = slice.end
      }
    }
    return bad.unioned().clipped(to: window)
  }

  func consumers(in window: Interval, budget: Double) -> [BudgetConsumer] {
    incidents.compactMap { entry -> BudgetConsumer? in
      let ms = Double(entry.intervals.clipped(to: window).totalMilliseconds)
      guard ms > 0 else { return nil }
      return BudgetConsumer(incidentId: entry.incidentId, title: entry.title, bad: ms, share: budget > 0 ? ms / budget : nil)
    }.sorted { ($0.bad, $1.incidentId) > ($1.bad, $0.incidentId) }
  }

  /// The unioned pieces of bad time in `window`, each with the incidents (in order) and spans that produced it.
  ///
  /// One pass over the incidents: each of their intervals is placed in its piece by
  /// binary search, so the cost follows the intervals, not pieces × incidents.
  func explain(in window: Interval) -> [ExplainedInterval] {
    let pieces = continuous(in: window)
    var contributions = [[ExplainedInterval.Contribution]](repeating: [], count: pieces.count)
    for index in incidents.indices {
      var byPiece: [Int: [Interval]] = [:]
      for interval in incidents[index].intervals {
        guard let clipped = interval.clipped(to: window) else { continue }
        // Pieces are sorted and disjoint, and each interval lies inside exactly one of them.
        let piece = pieces.partitioningIndex { $0.end > clipped.start }
        if piece < pieces.count { byPiece[piece, default: []].append(clipped) }
      }
      guard !byPiece.isEmpty else { continue }
      let incident = incidents[index]
      for (piece, own) in byPiece.sorted(by: { $0.key < $1.key }) {
        let bounds = pieces[piece]
        func overlaps<V>(_ span: Span<V>) -> Bool { span.start < bounds.end && (span.end.map { $0 > bounds.start } ?? true) }
        contributions[piece].append(
          .init(
            incidentId: incident.incidentId, intervals: own.unioned(), statusSpans: incident.statusSpans.filter(overlaps),
            severitySpans: incident.severitySpans.filter(overlaps)))
      }
    }
    return zip(pieces, contributions).map { ExplainedInterval(interval: $0, contributions: $1) }
  }
}

/// The request counts of one service's METRIC signals, from every incident of the org.
struct RequestSamples: Sendable {
  let samples: [(incidentId: String, sample: RequestSample)]

  /// `samples` in `(instant, eventId, incidentId)` order: a total order, whatever order they were gathered in.
  init(samples: [(incidentId: String, sample: RequestSample)]) {
    self.samples = samples.sorted {
      ($0.sample.instant, $0.sample.eventId, $0.incidentId) < ($1.sample.instant, $1.sample.eventId, $1.incidentId)
    }
  }

  /// Counts whose instant is inside `window` (start inclusive, end exclusive).
  ///
  /// Summed in 128 bits: each count fits in 64, and no number of them can overflow the sum.
  func counts(in window: Interval) -> (good: Int128, total: Int128) {
    var good: Int128 = 0
    var total: Int128 = 0
    // Samples are sorted by instant: find the first in the window, stop at its end.
    for entry in samples[samples.partitioningIndex { $0.sample.instant >= window.start }...] {
      guard entry.sample.instant < window.end else { break }
      good += Int128(entry.sample.good)
      total += Int128(entry.sample.total)
    }
    return (good, total)
  }

  /// These samples but those whose instant lies in one of `intervals` (sorted, disjoint).
  func excluding(_ intervals: [Interval]) -> RequestSamples {
    RequestSamples(
      sorted: samples.filter { entry in
        let index = intervals.partitioningIndex { $0.end > entry.sample.instant }
        return !(index < intervals.count && intervals[index].start <= entry.sample.instant)
      })
  }

  private init(sorted: [(incidentId: String, sample: RequestSample)]) { samples = sorted }

  /// The instants of the samples inside `window`, in order.
  func instants(in window: Interval) -> [Timestamp] {
    var instants: [Timestamp] = []
    for entry in samples[samples.partitioningIndex { $0.sample.instant >= window.start }...] {
      guard entry.sample.instant < window.end else { break }
      instants.append(entry.sample.instant)
    }
    return instants
  }

  func consumers(in window: Interval, budget: Double) -> [BudgetConsumer] {
    var bad: [String: Int128] = [:]
    for entry in samples where window.start <= entry.sample.instant && entry.sample.instant < window.end {
      bad[entry.incidentId, default: 0] += Int128(entry.sample.total - entry.sample.good)
    }
    return bad.filter { $0.value > 0 }.map { id, events in
      BudgetConsumer(incidentId: id, title: nil, bad: Double(events), share: budget > 0 ? Double(events) / budget : nil)
    }.sorted { ($0.bad, $1.incidentId) > ($1.bad, $0.incidentId) }
  }

  func explain(in window: Interval) -> [ExplainedSample] {
    samples.filter { window.start <= $0.sample.instant && $0.sample.instant < window.end }.map {
      ExplainedSample(incidentId: $0.incidentId, sample: $0.sample)
    }
  }
}

extension Double {
  /// The whole number as text (`468180`, `14223372036862541824`), for any finite magnitude.
  ///
  /// Request counts are summed without overflow and may pass `Int64.max`, where `Int64(_:)` would trap.
  public func wholeNumberText(_ rule: FloatingPointRoundingRule = .toNearestOrAwayFromZero) -> String {
    let whole = rounded(rule)
    if let exact = Int64(exactly: whole) { return String(exact) }
    return whole.isFinite ? String(format: "%.0f", whole) : "\(whole)"
  }

  /// The millisecond count, clamped to `Int64`'s range: durations are bounded by a window's length.
  public func clampedMilliseconds(_ rule: FloatingPointRoundingRule = .toNearestOrAwayFromZero) -> Int64 {
    let whole = rounded(rule)
    guard whole.isFinite else { return whole > 0 ? .max : (whole < 0 ? .min : 0) }
    // 2⁶³ is the first double past Int64.max; −2⁶³ is Int64.min exactly.
    if whole >= 9_223_372_036_854_775_808.0 { return .max }
    if whole <= -9_223_372_036_854_775_808.0 { return .min }
    return Int64(whole)
  }
}

extension [Interval] {
  /// These intervals (sorted, disjoint) without what `other` (sorted, disjoint) covers.
  func subtracting(_ other: [Interval]) -> [Interval] {
    var result: [Interval] = []
    for piece in self {
      var start = piece.start
      for cut in other where cut.end > start && cut.start < piece.end {
        if cut.start > start { result.append(Interval(start: start, end: cut.start)) }
        start = Swift.max(start, cut.end)
      }
      if start < piece.end { result.append(Interval(start: start, end: piece.end)) }
    }
    return result
  }
}
