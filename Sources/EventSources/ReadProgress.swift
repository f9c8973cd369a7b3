import Synchronization

/// How far a run has got, for a progress line: counters the reading and replaying threads
/// move forward and any thread may read at any time.
///
/// Nothing here reaches an output; a run with and without it gives the same bytes.
public final class ReadProgress: Sendable {
  /// What the run is doing.
  public enum Stage: Int, Sendable {
    case reading = 0
    case replaying = 1
  }

  /// The counters at one moment.
  public struct Snapshot: Sendable, Equatable {
    public var stage: Stage
    /// Bytes read of the inputs, as stored (compressed, for gzip); 0 for a database.
    public var bytesRead: Int
    /// The inputs' stored size, when every one of them is a regular file.
    public var totalBytes: Int?
    /// Records read (events and broken records).
    public var records: Int
    /// Partitions replayed, of `partitions`, once the stage is ``Stage/replaying``.
    public var partitionsReplayed: Int
    public var partitions: Int
  }

  private let stage = Atomic<Int>(Stage.reading.rawValue)
  private let bytes = Atomic<Int>(0)
  private let total = Atomic<Int>(-1)
  private let records = Atomic<Int>(0)
  private let replayed = Atomic<Int>(0)
  private let partitions = Atomic<Int>(0)

  public init() {}

  /// The stored size of what will be read, or nil when unknown (standard input, a pipe, a database).
  public func setTotalBytes(_ size: Int?) { total.store(size ?? -1, ordering: .relaxed) }

  public func addBytes(_ count: Int) { bytes.add(count, ordering: .relaxed) }

  public func addRecords(_ count: Int) { records.add(count, ordering: .relaxed) }

  /// Reading is over; `count` partitions are to be replayed.
  public func beginReplay(partitions count: Int) {
    partitions.store(count, ordering: .relaxed)
    stage.store(Stage.replaying.rawValue, ordering: .releasing)
  }

  public func partitionReplayed() { replayed.add(1, ordering: .relaxed) }

  public func snapshot() -> Snapshot {
    let total = total.load(ordering: .relaxed)
    return Snapshot(
      stage: Stage(rawValue: stage.load(ordering: .acquiring)) ?? .reading, bytesRead: bytes.load(ordering: .relaxed),
      totalBytes: total < 0 ? nil : total, records: records.load(ordering: .relaxed),
      partitionsReplayed: replayed.load(ordering: .relaxed), partitions: partitions.load(ordering: .relaxed))
  }
}
