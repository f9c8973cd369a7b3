import CLibPQ
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A PostgreSQL failure, with what was being done and what the server said.
///
/// Messages are one line and never contain a password: connection targets are
/// described by host, port, database and user only.
public enum PostgresError: Error, Sendable, CustomStringConvertible {
  /// The connection string could not be parsed.
  case invalidConnectionString(reason: String)
  /// The server could not be reached, refused the login, or has no such database.
  case connectionFailed(target: String, reason: String)
  /// The server answered a statement with an error.
  case statementFailed(action: String, sqlState: String, message: String, detail: String?)
  /// The connection broke while a statement was running.
  case connectionLost(action: String, reason: String)
  /// The table or its columns are not what the toolkit needs.
  case unusableTable(table: String, reason: String)

  public var description: String {
    switch self {
    case .invalidConnectionString(let reason):
      "invalid --postgres connection string: \(reason)"
    case .connectionFailed(let target, let reason):
      "cannot connect to PostgreSQL (\(target)): \(reason)"
    case .statementFailed(let action, let sqlState, let message, let detail):
      "PostgreSQL error \(sqlState) while \(action): \(message)" + (detail.map { " (\($0))" } ?? "")
    case .connectionLost(let action, let reason):
      "the PostgreSQL connection was lost while \(action): \(reason)"
    case .unusableTable(let table, let reason):
      "table \(table) cannot be read: \(reason)"
    }
  }

  /// The SQLSTATE code of a server error, if there was one.
  public var sqlState: String? {
    if case .statementFailed(_, let state, _, _) = self { return state }
    return nil
  }
}

/// One connection to a PostgreSQL server: owns the libpq handle and closes it when released.
///
/// Every libpq call of the toolkit goes through this type and ``PostgresResult``:
/// nothing else imports `CLibPQ`.
public final class PostgresConnection {
  private let handle: OpaquePointer

  /// Connects with a libpq connection string (`host=... dbname=...`) or a `postgres://` URL.
  ///
  /// What the string leaves out comes from the PG* environment variables, as
  /// libpq does; an empty string uses the environment alone.
  public init(_ connectionString: String) throws(PostgresError) {
    var parseError: UnsafeMutablePointer<CChar>?
    // Parsing first gives a clear error for a malformed string instead of a failed connection.
    guard let options = PQconninfoParse(connectionString, &parseError) else {
      let reason = parseError.map { String(cString: $0) } ?? "unreadable"
      if let parseError { PQfreemem(parseError) }
      // libpq quotes the string it could not parse, password included.
      throw .invalidConnectionString(reason: ConnectionSecrets(connectionString).redact(Self.oneLine(reason)))
    }
    PQconninfoFree(options)
    // libpq promises a non-NULL connection object unless it runs out of memory.
    guard let connection = PQconnectdb(connectionString) else {
      throw .connectionFailed(target: "?", reason: "out of memory")
    }
    handle = connection
    guard PQstatus(handle) == CONNECTION_OK else {
      // `deinit` still runs for an initialiser that throws now, and closes the handle.
      throw .connectionFailed(
        target: target,
        reason: ConnectionSecrets(connectionString).redact(Self.connectionFailureReason(String(cString: PQerrorMessage(handle)))))
    }
  }

  deinit {
    PQfinish(handle)
  }

  /// Where this connection goes, without secrets: `host:port, database D, user U`.
  public var target: String {
    func text(_ value: UnsafeMutablePointer<CChar>?) -> String { value.map { String(cString: $0) } ?? "?" }
    return "\(text(PQhost(handle))):\(text(PQport(handle))), database \(text(PQdb(handle))), user \(text(PQuser(handle)))"
  }

  /// Runs one statement with bound parameters and returns its whole result.
  ///
  /// Parameters travel separately from the SQL text (`$1`, `$2`, ...), so no value is ever spliced into it.
  @discardableResult
  public func execute(_ sql: String, _ parameters: [String?] = [], while action: String) throws(PostgresError) -> PostgresResult {
    let result = withParameters(parameters) { count, values in
      PQexecParams(handle, sql, count, nil, values, nil, nil, 0)
    }
    return try check(result, action: action, accepting: [PGRES_COMMAND_OK, PGRES_TUPLES_OK])
  }

  /// Runs a query and hands its rows to `row` one at a time, as they arrive.
  ///
  /// libpq's single-row mode keeps one row in memory however large the result.
  /// If `row` throws, the query is cancelled and the error is rethrown.
  public func streamRows(
    _ sql: String, _ parameters: [String?] = [], while action: String, row: (PostgresRow) throws -> Void
  ) throws {
    let sent = withParameters(parameters) { count, values in
      PQsendQueryParams(handle, sql, count, nil, values, nil, nil, 0)
    }
    guard sent == 1 else { throw lostOrFailed(action: action) }
    guard PQsetSingleRowMode(handle) == 1 else { throw lostOrFailed(action: action) }
    var index = 0
    var failure: (any Error)?
    while let raw = PQgetResult(handle) {
      let result = PostgresResult(raw)
      guard failure == nil else { continue }  // drain what is left after a failure
      switch PQresultStatus(raw) {
      case PGRES_SINGLE_TUPLE:
        do {
          try row(PostgresRow(result: result, index: index))
        } catch {
          failure = error
          cancel()
        }
        index += 1
      case PGRES_TUPLES_OK:
        break  // the end of the rows
      default:
        failure = error(from: raw, action: action)
      }
    }
    if let failure { throw failure }
  }

  /// Runs `COPY ... FROM STDIN` and sends what `produce` writes through the `send` function it is given.
  ///
  /// Data is sent in large blocks; the COPY ends when `produce` returns, or fails with its error.
  public func copyIn(_ sql: String, while action: String, produce: (_ send: (String) throws -> Void) throws -> Void) throws {
    guard let started = PQexec(handle, sql) else { throw lostOrFailed(action: action) }
    let status = PQresultStatus(started)
    let startError = status == PGRES_COPY_IN ? nil : error(from: started, action: action)
    PQclear(started)
    if let startError { throw startError }
    var block: [UInt8] = []
    block.reserveCapacity(1 << 20)
    func flush() throws(PostgresError) {
      guard !block.isEmpty else { return }
      let sent = block.withUnsafeBufferPointer { bytes in
        bytes.withMemoryRebound(to: CChar.self) { PQputCopyData(handle, $0.baseAddress, Int32($0.count)) }
      }
      guard sent == 1 else { throw lostOrFailed(action: action) }
      block.removeAll(keepingCapacity: true)
    }
    do {
      try produce { text in
        block.append(contentsOf: text.utf8)
        if block.count >= 1 << 20 { try flush() }
      }
      try flush()
    } catch {
      _ = PQputCopyEnd(handle, "cancelled by the client")
      while let raw = PQgetResult(handle) { PQclear(raw) }
      throw error
    }
    guard PQputCopyEnd(handle, nil) == 1 else { throw lostOrFailed(action: action) }
    var failure: PostgresError?
    while let raw = PQgetResult(handle) {
      if PQresultStatus(raw) != PGRES_COMMAND_OK && failure == nil { failure = error(from: raw, action: action) }
      PQclear(raw)
    }
    if let failure { throw failure }
  }

  /// Runs `COPY ... TO STDOUT` and hands each row's bytes (with its newline) to `row`.
  ///
  /// COPY takes no bound parameters, so it suits only statements without user values.
  public func copyOut(_ sql: String, while action: String, row: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
    guard let started = PQexec(handle, sql) else { throw lostOrFailed(action: action) }
    let startError = PQresultStatus(started) == PGRES_COPY_OUT ? nil : error(from: started, action: action)
    PQclear(started)
    if let startError { throw startError }
    var buffer: UnsafeMutablePointer<CChar>?
    while true {
      let count = PQgetCopyData(handle, &buffer, 0)
      guard count > 0, let data = buffer else { break }
      defer { PQfreemem(data) }
      try data.withMemoryRebound(to: UInt8.self, capacity: Int(count)) { try row(UnsafeBufferPointer(start: $0, count: Int(count))) }
    }
    var failure: PostgresError?
    while let raw = PQgetResult(handle) {
      if PQresultStatus(raw) != PGRES_COMMAND_OK && failure == nil { failure = error(from: raw, action: action) }
      PQclear(raw)
    }
    if let failure { throw failure }
  }

  // MARK: - Checking results

  private func check(
    _ raw: OpaquePointer?, action: String, accepting accepted: [ExecStatusType]
  ) throws(PostgresError) -> PostgresResult {
    guard let raw else { throw lostOrFailed(action: action) }
    let result = PostgresResult(raw)
    guard accepted.contains(PQresultStatus(raw)) else { throw error(from: raw, action: action) }
    return result
  }

  private func error(from raw: OpaquePointer?, action: String) -> PostgresError {
    guard let raw else { return lostOrFailed(action: action) }
    func field(_ code: Int32) -> String? {
      PQresultErrorField(raw, code).map { String(cString: $0) }
    }
    guard let sqlState = field(RR_PG_DIAG_SQLSTATE) else {
      // No SQLSTATE: the error came from libpq itself, typically a broken connection.
      return lostOrFailed(action: action, fallback: String(cString: PQresultErrorMessage(raw)))
    }
    let message = field(RR_PG_DIAG_MESSAGE_PRIMARY) ?? "unknown error"
    // Class 57 (operator intervention) and 08 (connection exception) end the session.
    if sqlState.hasPrefix("57") || sqlState.hasPrefix("08") {
      return .connectionLost(action: action, reason: Self.oneLine("\(message) (SQLSTATE \(sqlState))"))
    }
    return .statementFailed(
      action: action, sqlState: sqlState, message: Self.oneLine(message), detail: field(RR_PG_DIAG_MESSAGE_DETAIL).map(Self.oneLine))
  }

  private func lostOrFailed(action: String, fallback: String? = nil) -> PostgresError {
    let message = Self.oneLine(fallback ?? String(cString: PQerrorMessage(handle)))
    if PQstatus(handle) != CONNECTION_OK || message.contains("server closed the connection") || message.contains("terminating connection") {
      return .connectionLost(action: action, reason: message.isEmpty ? "the server closed the connection" : message)
    }
    return .statementFailed(action: action, sqlState: "?", message: message.isEmpty ? "unknown error" : message, detail: nil)
  }

  private func cancel() {
    guard let canceller = PQgetCancel(handle) else { return }
    var buffer = [CChar](repeating: 0, count: 256)
    _ = PQcancel(canceller, &buffer, Int32(buffer.count))
    PQfreeCancel(canceller)
  }

  /// Calls `body` with C strings for `parameters` that stay valid for the call.
  private func withParameters<T>(
    _ parameters: [String?], _ body: (Int32, UnsafePointer<UnsafePointer<CChar>?>?) -> T
  ) -> T {
    let copies = parameters.map { $0.flatMap { strdup($0) } }
    defer { copies.forEach { free($0) } }
    let values = copies.map { $0.map { UnsafePointer($0) } }
    return values.withUnsafeBufferPointer { body(Int32(parameters.count), $0.baseAddress) }
  }

  /// libpq's connection errors span lines and repeat the target; keep the reason.
  static func connectionFailureReason(_ message: String) -> String {
    let lines = message.split(separator: "\n").map { $0.trimmingSpaces() }.filter { !$0.isEmpty }
    let reasons = lines.map { line -> String in
      var reason = line
      if let range = reason.range(of: "failed: ") { reason = String(reason[range.upperBound...]) }
      if reason.hasPrefix("FATAL:") { reason = String(reason.dropFirst(6).drop { $0 == " " }) }
      return reason
    }
    var unique: [String] = []
    for reason in reasons where !unique.contains(reason) { unique.append(reason) }
    return unique.joined(separator: "; ")
  }

  static func oneLine(_ text: String) -> String {
    text.split(separator: "\n").map { $0.trimmingSpaces() }.filter { !$0.isEmpty }.joined(separator: "; ")
  }
}

/// A libpq result: owns the handle, clears it when released.
public final class PostgresResult {
  let handle: OpaquePointer

  init(_ handle: OpaquePointer) {
    self.handle = handle
  }

  deinit {
    PQclear(handle)
  }

  public var rowCount: Int { Int(PQntuples(handle)) }

  /// The number of rows a command affected (`INSERT 0 42` gives 42).
  public var affectedRows: Int { Int(String(cString: PQcmdTuples(handle))) ?? 0 }

  /// The text of a field, or nil for SQL NULL.
  public func string(row: Int, column: Int) -> String? {
    guard PQgetisnull(handle, Int32(row), Int32(column)) == 0 else { return nil }
    return String(cString: PQgetvalue(handle, Int32(row), Int32(column)))
  }

  /// The bytes of a field, valid while the result lives, or nil for SQL NULL.
  public func bytes(row: Int, column: Int) -> UnsafeBufferPointer<UInt8>? {
    guard PQgetisnull(handle, Int32(row), Int32(column)) == 0, let value = PQgetvalue(handle, Int32(row), Int32(column)) else {
      return nil
    }
    let count = Int(PQgetlength(handle, Int32(row), Int32(column)))
    return UnsafeRawPointer(value).withMemoryRebound(to: UInt8.self, capacity: count) {
      UnsafeBufferPointer(start: $0, count: count)
    }
  }
}

/// One row of a streamed result, valid during the callback that receives it.
public struct PostgresRow {
  let result: PostgresResult
  /// The 0-based position of the row in the whole result.
  public let index: Int

  public func string(_ column: Int) -> String? { result.string(row: 0, column: column) }
  public func bytes(_ column: Int) -> UnsafeBufferPointer<UInt8>? { result.bytes(row: 0, column: column) }
}

extension Substring {
  fileprivate func trimmingSpaces() -> String {
    String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
  }
}

extension String {
  fileprivate func range(of needle: String) -> Range<String.Index>? {
    var index = startIndex
    while index < endIndex {
      if self[index...].hasPrefix(needle) { return index..<self.index(index, offsetBy: needle.count) }
      index = self.index(after: index)
    }
    return nil
  }
}

/// The passwords a connection string holds, to be blanked out of any message that quotes it.
///
/// libpq's parse errors quote the string (or the part it choked on) as given; a URL's
/// `user:password@`, its `?password=` parameter and a key/value `password=...` are found
/// here even when the rest of the string is malformed.
struct ConnectionSecrets {
  private(set) var secrets: [String] = []

  init(_ connectionString: String) {
    let text = connectionString
    if let scheme = text.range(of: "://") {
      let rest = text[scheme.upperBound...]
      // user:password@host — the last `@` ends the user information (a raw `@` in a password is common).
      if let at = rest.lastIndex(of: "@"), let colon = rest[..<at].firstIndex(of: ":") {
        add(String(rest[rest.index(after: colon)..<at]))
      }
      if let query = rest.firstIndex(of: "?") {
        for pair in rest[rest.index(after: query)...].split(separator: "&") where pair.hasPrefix("password=") {
          add(String(pair.dropFirst("password=".count)))
        }
      }
    } else {
      // key = value pairs; a value is a word or a single-quoted string with backslash escapes.
      var index = text.startIndex
      while let found = text.range(of: "password", range: index..<text.endIndex) {
        var cursor = found.upperBound
        while cursor < text.endIndex, text[cursor] == " " { cursor = text.index(after: cursor) }
        guard cursor < text.endIndex, text[cursor] == "=" else {
          index = found.upperBound
          continue
        }
        cursor = text.index(after: cursor)
        while cursor < text.endIndex, text[cursor] == " " { cursor = text.index(after: cursor) }
        var value = ""
        if cursor < text.endIndex, text[cursor] == "'" {
          cursor = text.index(after: cursor)
          while cursor < text.endIndex, text[cursor] != "'" {
            if text[cursor] == "\\", text.index(after: cursor) < text.endIndex { cursor = text.index(after: cursor) }
            value.append(text[cursor])
            cursor = text.index(after: cursor)
          }
        } else {
          while cursor < text.endIndex, text[cursor] != " " {
            value.append(text[cursor])
            cursor = text.index(after: cursor)
          }
        }
        add(value)
        index = cursor
      }
    }
  }

  private mutating func add(_ secret: String) {
    guard !secret.isEmpty else { return }
    secrets.append(secret)
    if let decoded = secret.removingPercentEncoding, decoded != secret { secrets.append(decoded) }
  }

  /// `message` with every password replaced by `***`.
  func redact(_ message: String) -> String {
    // Longest first, so that a password containing another is blanked whole.
    secrets.sorted { $0.count > $1.count }.reduce(message) { $0.replacingOccurrences(of: $1, with: "***") }
  }
}
