import Dispatch
import EventSources
import IncidentModel
import Synchronization

/// Replays incidents as a source delivers them, each as soon as the next one begins: nothing is partitioned or spilled.
///
/// For a source whose ``DeliveryOrder`` is ``DeliveryOrder/groupedByIncident`` (one
/// thread, source order, each incident's events together, no id under two incidents).
/// The delivering thread gathers whole incidents into batches; up to `threads` batches
/// are replayed and folded at once, each into one of `threads` partials, which merge at
/// the end. Memory is the incident being read plus the batches in flight.
final class IncidentStream<Fold: IncidentFold>: PreparedEventSink {
  private struct Gathering: ~Copyable {
    var current: IncidentHistory?
    var currentIncident: IncidentRef?
    var batch: [(incident: IncidentRef, history: IncidentHistory)] = []
    var batchEvents = 0
  }

  private let fold: Fold
  private let preparation: Preparation
  private let requestCountsWithin: Interval?
  private let warningLimit: Int
  private let gathering = Mutex(Gathering())
  /// Partials not being folded into; one per thread, so a batch always finds one.
  private let idle: Locked<[(Fold.Partial, ReplayTally)]>
  private let slots: DispatchSemaphore
  private let inFlight = DispatchGroup()

  /// Events gathered before a batch is handed to a thread: enough to be worth the hand-off.
  private static var batchEvents: Int { 8192 }

  init(fold: Fold, preparation: Preparation, requestCountsWithin: Interval?, threads: Int, warningLimit: Int) {
    self.fold = fold
    self.preparation = preparation
    self.requestCountsWithin = requestCountsWithin
    self.warningLimit = warningLimit
    let threads = max(1, threads)
    idle = Locked((0..<threads).map { _ in (fold.makePartial(), ReplayTally(keepMissing: warningLimit)) })
    slots = DispatchSemaphore(value: threads)
  }

  func add(_ events: [PreparedEvent]) {
    let full = gathering.withLock { gathering -> [(incident: IncidentRef, history: IncidentHistory)]? in
      for event in events {
        if gathering.currentIncident != event.incident {
          if let incident = gathering.currentIncident, let history = gathering.current {
            gathering.batch.append((incident, history))
          }
          gathering.currentIncident = event.incident
          gathering.current = IncidentHistory(
            orgId: event.incident.orgId, incidentId: event.incident.incidentId,
            detail: preparation.detail(for: event.incident.incidentId))
        }
        gathering.current?.append(preparation.historyEntry(of: event, requestCountsWithin: requestCountsWithin))
        gathering.batchEvents += 1
      }
      guard gathering.batchEvents >= Self.batchEvents, !gathering.batch.isEmpty else { return nil }
      defer {
        gathering.batch = []
        gathering.batchEvents = gathering.current?.count ?? 0
      }
      return gathering.batch
    }
    if let full { submit(full) }
  }

  /// Replays what is left, waits for every batch and returns the merged partial and tally.
  func finish() -> (Fold.Partial, ReplayTally) {
    let last = gathering.withLock { gathering in
      if let incident = gathering.currentIncident, let history = gathering.current { gathering.batch.append((incident, history)) }
      defer { gathering = Gathering() }
      return gathering.batch
    }
    if !last.isEmpty { submit(last) }
    inFlight.wait()
    let results = idle.withLock { $0 }
    var partial = fold.makePartial()
    var tally = ReplayTally(keepMissing: warningLimit)
    for result in results {
      fold.merge(result.0, into: &partial)
      tally.merge(result.1)
    }
    return (partial, tally.finished())
  }

  private func submit(_ batch: [(incident: IncidentRef, history: IncidentHistory)]) {
    slots.wait()
    inFlight.enter()
    DispatchQueue.global(qos: .userInitiated).async { [self] in
      defer {
        slots.signal()
        inFlight.leave()
      }
      // At most `threads` batches run, and there are as many partials: one is always idle.
      guard var (partial, tally) = idle.withLock({ $0.popLast() }) else { preconditionFailure("a partial per thread") }
      for (incident, history) in batch {
        let outcome = history.replay()
        tally.add(outcome, of: incident)
        fold.add(outcome.snapshot, to: &partial)
      }
      idle.withLock { $0.append((partial, tally)) }
    }
  }
}
