import Foundation
import SampleGenerator
import Testing

@testable import ReplayEngine

@Suite("Spilled partitions")
struct SpillPartitionsTests {
  /// A chunk that says what it is: its length and sequence number, then filler ending in the number's low byte.
  private static func chunk(sequence: Int, length: Int) -> [UInt8] {
    var bytes = [UInt8](repeating: 0xA5, count: length)
    for shift in 0..<4 {
      bytes[shift] = UInt8(truncatingIfNeeded: length >> (8 * shift))
      bytes[4 + shift] = UInt8(truncatingIfNeeded: sequence >> (8 * shift))
    }
    bytes[length - 1] = UInt8(truncatingIfNeeded: sequence)
    return bytes
  }

  private static func word(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Int {
    (0..<4).reduce(0) { $0 | Int(bytes[offset + $1]) << (8 * $1) }
  }

  @Test func onceSpillingTheBuffersStayWithinTheBudgetAndEveryChunkComesBackInOrder() throws {
    let directory = SpillDirectory()
    defer { directory.remove() }
    // 32 MiB is the smallest limit under which buffers are kept between writes; the input is three times that.
    let limit = 32 << 20
    let budget = MemoryBudget(limit: limit)
    let partitions = SpillPartitions(count: 8, name: "test", directory: directory, budget: budget)
    var generator = SplitMix64(seed: 7)
    var sent = [[Int]](repeating: [], count: partitions.count)
    var total = 0
    var largestAfterSpill = (capacity: 0, held: 0)
    var sequence = 0
    while total < 3 * limit {
      var chunks = [[UInt8]](repeating: [], count: partitions.count)
      for _ in 0..<16 {
        let partition = Int(generator.next() % UInt64(partitions.count))
        let length = 9 + Int(generator.next() % 4000)
        chunks[partition] += Self.chunk(sequence: sequence, length: length)
        sent[partition].append(sequence)
        sequence += 1
        total += length
      }
      if partitions.append(chunks) { partitions.spill() }
      if partitions.spilled {
        largestAfterSpill.capacity = max(largestAfterSpill.capacity, partitions.bufferCapacity)
        largestAfterSpill.held = max(largestAfterSpill.held, budget.bytesHeld)
      }
    }
    try partitions.check()
    #expect(partitions.spilled)
    // Once spilling, no buffer may grow past its share, whatever the input's length.
    // (A thirty-second more for what the allocator rounds a reservation up to.)
    #expect(
      largestAfterSpill.capacity <= limit + limit / 32,
      "buffers reserved \(largestAfterSpill.capacity) bytes under a \(limit)-byte limit")
    #expect(largestAfterSpill.held <= limit)

    var drainedBytes = 0
    for partition in 0..<partitions.count {
      var received: [Int] = []
      try partitions.drain(partition) { bytes in
        var offset = 0
        while offset + 8 <= bytes.count {
          let length = Self.word(bytes, at: offset)
          guard offset + length <= bytes.count else { break }
          let sequence = Self.word(bytes, at: offset + 4)
          #expect(bytes[offset + length - 1] == UInt8(truncatingIfNeeded: sequence))
          received.append(sequence)
          offset += length
        }
        drainedBytes += offset
        return offset
      }
      #expect(received == sent[partition], "partition \(partition)")
    }
    #expect(drainedBytes == total)
    #expect(budget.bytesHeld == 0)
  }

  /// The files in the spill directory (none before it is made).
  private static func files(in directory: SpillDirectory) throws -> [String] {
    let path = directory.description
    guard FileManager.default.fileExists(atPath: path), path.contains("runbook-revenant-") else { return [] }
    return try FileManager.default.contentsOfDirectory(atPath: path).sorted()
  }

  @Test func partitionsShareOneFileWhichTheLastDrainRemoves() throws {
    let directory = SpillDirectory()
    defer { directory.remove() }
    let partitions = SpillPartitions(count: 6, name: "shared", directory: directory, budget: MemoryBudget(limit: 1 << 16))
    // Interleaved writes from every partition, spilled several times: the file holds them all, in pieces.
    var sent = [[Int]](repeating: [], count: partitions.count)
    for sequence in 0..<600 {
      let partition = (sequence * 7) % partitions.count
      var chunks = [[UInt8]](repeating: [], count: partitions.count)
      chunks[partition] = Self.chunk(sequence: sequence, length: 40 + sequence % 300)
      sent[partition].append(sequence)
      if partitions.append(chunks) { partitions.spill() }
    }
    partitions.spill()
    try partitions.check()
    #expect(try Self.files(in: directory) == ["shared.bin"])
    func drain(_ partition: Int, keeping: Bool) throws -> [Int] {
      var received: [Int] = []
      try partitions.drain(partition, keeping: keeping, chunkSize: 1000) { bytes in
        var offset = 0
        while offset + 8 <= bytes.count, offset + Self.word(bytes, at: offset) <= bytes.count {
          received.append(Self.word(bytes, at: offset + 4))
          offset += Self.word(bytes, at: offset)
        }
        return offset
      }
      return received
    }
    // A look leaves the partition and the file as they were.
    #expect(try drain(2, keeping: true) == sent[2])
    #expect(try drain(2, keeping: true) == sent[2])
    for partition in 0..<partitions.count {
      #expect(try drain(partition, keeping: false) == sent[partition], "partition \(partition)")
      let left = try Self.files(in: directory)
      #expect(left == (partition < partitions.count - 1 ? ["shared.bin"] : []), "after partition \(partition)")
    }
    #expect(!partitions.spilled)
  }
}
