import Dispatch
public import IncidentModel

/// One record of a source, decoded and transformed, possibly on another thread.
public enum DecodedRecord<Value: Sendable>: Sendable {
  case value(Value)
  case broken(EventOrigin, EventDecodingError)
}

extension EventSource {
  /// Reads every record once, as ``read(event:broken:)`` does, and transforms each event.
  ///
  /// Sources that can decode on several threads run `transform` there too and
  /// still deliver in source order; this default decodes on the calling thread.
  public func read<Value: Sendable>(
    threads: Int,
    transform: @escaping @Sendable (IncidentEvent, EventOrigin) -> Value,
    value: (Value) throws -> Void,
    broken: (EventOrigin, EventDecodingError) throws -> Void
  ) throws {
    try read(event: { event, origin in try value(transform(event, origin)) }, broken: broken)
  }
}

/// A batch handed to a decoding thread, and what came of it.
private final class BatchWork<Value: Sendable>: @unchecked Sendable {
  // Written once by the worker before `done` is signalled, read by the reader after waiting on it.
  var records: [DecodedRecord<Value>] = []
  let done = DispatchSemaphore(value: 0)
}

extension JSONLinesSource {
  /// Reads the files in order, decoding batches of lines on up to `threads` threads.
  ///
  /// The calling thread reads the bytes and delivers the records; other threads
  /// decode and transform whole batches. Delivery follows the order of the
  /// lines, so whatever the thread count the caller sees the same sequence.
  public func read<Value: Sendable>(
    threads: Int,
    transform: @escaping @Sendable (IncidentEvent, EventOrigin) -> Value,
    value: (Value) throws -> Void,
    broken: (EventOrigin, EventDecodingError) throws -> Void
  ) throws {
    let filter = self.filter
    func deliver(_ records: [DecodedRecord<Value>]) throws {
      for record in records {
        switch record {
        case .value(let decoded): try value(decoded)
        case .broken(let origin, let error): try broken(origin, error)
        }
      }
    }
    guard threads > 1 else {
      // One thread: each record is delivered as soon as it is decoded, nothing is gathered.
      for (index, path) in paths.enumerated() {
        var reader = LineReader(input: try openByteInput(path: path), name: displayName(path), bufferSize: batchSize)
        try reader.forEachLine { line, number in
          if line.isBlank { return }
          let origin = EventOrigin(input: Int32(index), record: number)
          let event: IncidentEvent
          do throws(EventDecodingError) {
            event = try EventDecoder.decode(line: line)
          } catch {
            try broken(origin, error)
            return
          }
          if filter.isEmpty || filter.matches(event) { try value(transform(event, origin)) }
        }
      }
      return
    }
    // Enough batches in flight to keep every thread busy while the oldest is delivered.
    let limit = threads * 2
    var inFlight: [BatchWork<Value>] = []
    defer { for work in inFlight { work.done.wait() } }
    func deliverOldest() throws {
      let oldest = inFlight.removeFirst()
      oldest.done.wait()
      let records = oldest.records
      oldest.records = []
      try deliver(records)
    }
    /// Runs a step that reads the input; when it fails, what was read before it is delivered first.
    func reading<Result>(_ step: () throws -> Result) throws -> Result {
      do {
        return try step()
      } catch {
        while !inFlight.isEmpty { try deliverOldest() }
        throw error
      }
    }
    for (index, path) in paths.enumerated() {
      var reader = try reading { LineReader(input: try openByteInput(path: path), name: displayName(path), bufferSize: batchSize) }
      while let batch = try reading({ try reader.nextBatch() }) {
        let work = BatchWork<Value>()
        inFlight.append(work)
        DispatchQueue.global(qos: .userInitiated).async {
          work.records = Self.decode(batch, input: Int32(index), filter: filter, transform: transform)
          work.done.signal()
        }
        if inFlight.count >= limit { try deliverOldest() }
      }
    }
    while !inFlight.isEmpty { try deliverOldest() }
  }

  private static func decode<Value: Sendable>(
    _ batch: LineBatch, input: Int32, filter: EventFilter,
    transform: (IncidentEvent, EventOrigin) -> Value
  ) -> [DecodedRecord<Value>] {
    var records: [DecodedRecord<Value>] = []
    records.reserveCapacity(Int(batch.lineCount))
    batch.forEachLine { line, number in
      if line.isBlank { return }
      let origin = EventOrigin(input: input, record: number)
      do throws(EventDecodingError) {
        let event = try EventDecoder.decode(line: line)
        if filter.isEmpty || filter.matches(event) { records.append(.value(transform(event, origin))) }
      } catch {
        records.append(.broken(origin, error))
      }
    }
    return records
  }
}
