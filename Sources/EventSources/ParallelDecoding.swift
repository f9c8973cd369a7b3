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

/// What the reading thread delivers next: a batch's result, or the end of an input.
private enum PendingDelivery<BatchResult: Sendable> {
  case batch(BatchWork<BatchResult>)
  case ended(InputFacts)
}

/// A batch handed to a decoding thread, and what came of it.
private final class BatchWork<BatchResult: Sendable>: @unchecked Sendable {
  // Written once by the worker before `done` is signalled, read by the reader after waiting on it.
  var result: BatchResult?
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
    try readBatches(
      threads: threads,
      process: { batch, input in
        var records: [DecodedRecord<Value>] = []
        records.reserveCapacity(Int(batch.lineCount))
        batch.forEachLine { line, number in
          if line.isBlank { return }
          if let record = decode(line, EventOrigin(input: input, record: number)) { records.append(record) }
        }
        return records
      },
      deliver: { records in
        for record in records {
          switch record {
          case .value(let decoded): try value(decoded)
          case .broken(let origin, let error): try broken(origin, error)
          }
        }
      })
  }

  /// Reads the files in order in batches of whole lines, runs `process` on each batch on up to
  /// `threads` threads (with the index of its input), and hands the results to `deliver` on the
  /// calling thread in input order; `inputEnded` follows the last batch of each input (its
  /// `events` left at 0 for the caller to count).
  ///
  /// When reading fails, the results of the batches read before are delivered first.
  func readBatches<BatchResult: Sendable>(
    threads: Int,
    process: @escaping @Sendable (LineBatch, Int32) -> BatchResult,
    deliver: (BatchResult) throws -> Void,
    inputEnded: (InputFacts) throws -> Void = { _ in }
  ) throws {
    func facts(_ index: Int, _ reader: LineReader, _ file: FileInput) -> InputFacts {
      InputFacts(
        input: index, name: paths[index], lines: Int(reader.linesRead), events: 0, bytes: file.bytesRead, sha256: file.digest())
    }
    guard threads > 1 else {
      for (index, path) in paths.enumerated() {
        let (input, file) = try openByteInput(path: path, digesting: digestsInputs, progress: progress)
        var reader = LineReader(input: input, name: displayName(path), bufferSize: batchSize)
        while let batch = try reader.nextBatch() { try deliver(process(batch, Int32(index))) }
        try inputEnded(facts(index, reader, file))
      }
      return
    }
    // Enough batches in flight to keep every thread busy while the oldest is delivered;
    // an input's end waits in line behind its batches.
    let limit = threads * 2
    var inFlight: [PendingDelivery<BatchResult>] = []
    defer {
      for case .batch(let work) in inFlight { work.done.wait() }
    }
    func deliverOldest() throws {
      switch inFlight.removeFirst() {
      case .ended(let facts): try inputEnded(facts)
      case .batch(let oldest):
        oldest.done.wait()
        guard let result = oldest.result else { return }
        oldest.result = nil
        try deliver(result)
      }
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
      let (input, file) = try reading { try openByteInput(path: path, digesting: digestsInputs, progress: progress) }
      var reader = LineReader(input: input, name: displayName(path), bufferSize: batchSize)
      while let batch = try reading({ try reader.nextBatch() }) {
        let work = BatchWork<BatchResult>()
        inFlight.append(.batch(work))
        DispatchQueue.global(qos: .userInitiated).async {
          work.result = process(batch, Int32(index))
          work.done.signal()
        }
        if inFlight.count >= limit { try deliverOldest() }
      }
      inFlight.append(.ended(facts(index, reader, file)))
    }
    while !inFlight.isEmpty { try deliverOldest() }
  }
}
