import Synchronization

/// A value behind its own lock, as a class so that many can sit in an array (a `Mutex` cannot be copied into one).
final class Locked<Value: Sendable>: Sendable {
  private let mutex: Mutex<Value>

  init(_ value: sending Value) { mutex = Mutex(value) }

  func withLock<Result: ~Copyable, E: Error>(_ body: (inout sending Value) throws(E) -> sending Result) throws(E) -> sending Result {
    try mutex.withLock(body)
  }
}
