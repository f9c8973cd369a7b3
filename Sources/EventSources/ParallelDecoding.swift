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
    try readLines(
      threads: threads,
      decode: { line, origin in
        do throws(EventDecodingError) {
          let event = try EventDecoder.decode(line: line)
          return filter.isEmpty || filter.matches(event) ? .value(transform(event, origin)) : nil
        } catch {
          return .broken(origin, error)
        }
      }, value: value, broken: broken)
  }

  /// Reads the files in order, turning each non-blank line into a record (or nothing) with `decode`,
  /// on up to `threads` threads, and delivers the records in line order.
  func readLines<Value: Sendable>(
    threads: Int,
    decode: @escaping @Sendable (UnsafeBufferPointer<UInt8>, EventOrigin) -> DecodedRecord<Value>?,
    value: (Value) throws -> Void,
    broken: (EventOrigin, EventDecodingError) throws -> Void
  ) throws {
    func deliver(_ record: DecodedRecord<Value>) throws {
      switch record {
      case .value(let decoded): try value(decoded)
      case .broken(let origin, let error): try broken(origin, error)
      }
    }
    guard threads > 1 else {
      // One thread: each record is delivered as soon as it is decoded, nothing is gathered.
      for (index, path) in paths.enumerated() {
        var reader = LineReader(input: try openByteInput(path: path), name: displayName(path), bufferSize: batchSize)
        try reader.forEachLine { line, number in
          if line.isBlank { return }
          if let record = decode(line, EventOrigin(input: Int32(index), record: number)) { try deliver(record) }
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
      for record in records { try deliver(record) }
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
          var records: [DecodedRecord<Value>] = []
          records.reserveCapacity(Int(batch.lineCount))
          batch.forEachLine { line, number in
            if line.isBlank { return }
            if let record = decode(line, EventOrigin(input: Int32(index), record: number)) { records.append(record) }
          }
          work.records = records
          work.done.signal()
        }
        if inFlight.count >= limit { try deliverOldest() }
      }
    }
    while !inFlight.isEmpty { try deliverOldest() }
  }
}
