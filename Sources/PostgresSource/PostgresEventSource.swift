public import EventSources
public import IncidentModel

/// A table name as the user gave it, `[schema.]table`, quoted safely for SQL.
///
/// Names are taken literally (case-sensitive, as Prisma creates them); a part
/// that contains a dot or a quote is written in double quotes, with `""` for a quote.
public struct PostgresTableName: Sendable, Hashable, CustomStringConvertible {
  public var schema: String?
  public var name: String

  public init(schema: String? = nil, name: String) {
    self.schema = schema
    self.name = name
  }

  /// Parses `IncidentEvent`, `analytics.IncidentEvent` or `"my.schema"."Incident ""Events"""`.
  public init(parsing text: String) throws(PostgresError) {
    var parts: [String] = []
    var current = ""
    var quoted = false
    var index = text.startIndex
    while index < text.endIndex {
      let character = text[index]
      index = text.index(after: index)
      if quoted {
        if character == "\"" {
          if index < text.endIndex && text[index] == "\"" {
            current.append("\"")
            index = text.index(after: index)
          } else {
            quoted = false
          }
        } else {
          current.append(character)
        }
      } else if character == "\"" {
        quoted = true
      } else if character == "." {
        parts.append(current)
        current = ""
      } else {
        current.append(character)
      }
    }
    parts.append(current)
    guard !quoted else { throw .unusableTable(table: text, reason: "the --table name has an unclosed double quote") }
    guard (1...2).contains(parts.count), parts.allSatisfy({ !$0.isEmpty }) else {
      throw .unusableTable(table: text, reason: "the --table name must be TABLE or SCHEMA.TABLE")
    }
    self.init(schema: parts.count == 2 ? parts[0] : nil, name: parts[parts.count - 1])
  }

  /// The name as SQL text: each part in double quotes, quotes doubled.
  public var quoted: String {
    func quote(_ part: String) -> String {
      "\"" + part.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }
    return (schema.map { quote($0) + "." } ?? "") + quote(name)
  }

  public var description: String { quoted }
}

/// IncidentEvents read from a PostgreSQL table shaped like the product's Prisma model.
///
/// Rows stream through libpq's single-row mode, so memory does not grow with the
/// table. Filters become `WHERE` clauses with bound parameters. `ts` may be
/// `timestamp` (read as UTC, as Prisma writes it) or `timestamptz`; `payload`
/// may be `jsonb`, `json` or `text`. Rows with equal `ts` in one incident keep
/// the table's physical order, which for an append-only table is the order of
/// insertion: synchronized and parallel scans are turned off for the session so
/// that order is stable from run to run.
public struct PostgresEventSource: EventSource {
  public let connectionString: String
  public let table: PostgresTableName
  public let filter: EventFilter
  /// The order rows are read in: the table's, or incident by incident.
  public var order: PostgresReadOrder

  public init(
    connectionString: String, table: PostgresTableName, filter: EventFilter = EventFilter(), order: PostgresReadOrder = .table
  ) {
    self.connectionString = connectionString
    self.table = table
    self.filter = filter
    self.order = order
  }

  /// Incident by incident when reading the table in `("orgId", "incidentId", "ts")` order is safe and cheap for the
  /// server; else in the table's order (see ``PostgresReadOrder``).
  public func choosingOrder() throws(PostgresError) -> PostgresEventSource {
    let connection = try PostgresConnection(connectionString)
    try TableSchema.inspect(table, on: connection)
    var chosen = self
    chosen.order = try TableSchema.hasUniqueIdAndIncidentIndex(table, on: connection) ? .incident : .table
    return chosen
  }

  /// Whether the table has a unique index on `"id"`, so that no id can be used by two incidents.
  public func hasUniqueId() throws(PostgresError) -> Bool {
    let connection = try PostgresConnection(connectionString)
    try TableSchema.inspect(table, on: connection)
    return try TableSchema.hasUniqueId(table, on: connection)
  }

  public var deliveryOrder: DeliveryOrder { order == .incident ? .groupedByIncident : .unordered }

  public func read(
    event: (IncidentEvent, EventOrigin) throws -> Void,
    broken: (EventOrigin, EventDecodingError) throws -> Void
  ) throws {
    let connection = try PostgresConnection(connectionString)
    try Self.prepareSession(connection)
    try TableSchema.inspect(table, on: connection)
    if order == .incident, try !TableSchema.hasUniqueId(table, on: connection) {
      throw PostgresError.unusableTable(
        table: "\(table)",
        reason: "reading it incident by incident needs a unique index on \"id\" (read it in table order: --postgres-order table)")
    }
    let (sql, parameters) = query()
    var ordinal: Int64 = 0
    try connection.streamRows(sql, parameters, while: "reading events from \(table)") { row in
      ordinal += 1
      let origin = EventOrigin(input: 0, record: ordinal)
      let decoded: IncidentEvent
      do throws(EventDecodingError) {
        decoded = try Self.decode(row)
      } catch {
        try broken(origin, error)
        return
      }
      try event(decoded, origin)
    }
  }

  public func location(of origin: EventOrigin) -> String {
    "table \(table) row \(origin.record)"
  }

  /// The SELECT, with one bound parameter per filter; no value is ever part of the text.
  public func query() -> (String, [String?]) {
    var conditions: [String] = []
    var parameters: [String?] = []
    func bind(_ condition: (String) -> String, _ value: String) {
      parameters.append(value)
      conditions.append(condition("$\(parameters.count)"))
    }
    if let orgId = filter.orgId { bind({ "\"orgId\" = \($0)" }, orgId) }
    if let incidentId = filter.incidentId { bind({ "\"incidentId\" = \($0)" }, incidentId) }
    if let since = filter.since { bind({ "\"ts\" >= \($0)::timestamptz" }, since.description) }
    if let until = filter.until { bind({ "\"ts\" < \($0)::timestamptz" }, until.description) }
    if let shard = filter.shard {
      parameters += [String(shard.count), String(shard.index)]
      let predicate = Shard.sqlPredicate(count: "$\(parameters.count - 1)", index: "$\(parameters.count)")
      if let passing = filter.passesShard {
        parameters.append(passing)
        conditions.append("(\(predicate) OR \"incidentId\" = $\(parameters.count))")
      } else {
        conditions.append(predicate)
      }
    }
    var sql = """
      SELECT "id"::text, "orgId"::text, "incidentId"::text, \
      CASE WHEN isfinite("ts") THEN floor(extract(epoch FROM "ts"::timestamptz) * 1000)::bigint END, \
      "type"::text, "payload"::text, CASE WHEN NOT isfinite("ts") THEN "ts"::text END FROM \(table.quoted)
      """
    if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
    // Rows of one incident at the same instant keep the physical order a table-order read gives them.
    if order == .incident { sql += #" ORDER BY "orgId", "incidentId", "ts", ctid"# }
    return (sql, parameters)
  }

  /// UTF-8 text, UTC timestamps, and a stable scan order.
  static func prepareSession(_ connection: PostgresConnection) throws(PostgresError) {
    try connection.execute(
      """
      SELECT set_config('client_encoding', 'UTF8', false), set_config('TimeZone', 'UTC', false),
             set_config('synchronize_seqscans', 'off', false), set_config('max_parallel_workers_per_gather', '0', false)
      """, while: "preparing the session")
  }

  private static func decode(_ row: PostgresRow) throws(EventDecodingError) -> IncidentEvent {
    // `infinity` has no epoch in bigint: the query leaves it NULL and hands over its text.
    let range = "outside the years 0000–9999 (UTC) that timestamps may have"
    if let text = row.string(6) {
      throw EventDecodingError(.invalidTimestamp, field: "ts", reason: "\(text) is \(range)", eventId: row.string(0))
    }
    // The table's NOT NULL constraints may be missing on a hand-made table: check.
    let names = ["id", "orgId", "incidentId", "ts", "type", "payload"]
    for column in 0..<names.count where row.bytes(column) == nil {
      throw EventDecodingError(.missingField, field: names[column], reason: "is NULL", eventId: row.string(0))
    }
    let id = row.string(0) ?? ""
    guard let millis = row.string(3).flatMap({ Int64($0) }) else {
      throw EventDecodingError(.invalidTimestamp, field: "ts", reason: "is \(range)", eventId: id)
    }
    let ts = Timestamp(millisecondsSinceEpoch: millis)
    guard ts.isRepresentable else {
      throw EventDecodingError(.invalidTimestamp, field: "ts", reason: "\(Self.civil(ts)) is \(range)", eventId: id)
    }
    return try EventDecoder.decode(
      id: id, orgId: row.string(1) ?? "", incidentId: row.string(2) ?? "", ts: ts,
      type: row.string(4) ?? "", payload: row.bytes(5) ?? UnsafeBufferPointer(start: nil, count: 0))
  }
}

extension PostgresEventSource {
  /// A date outside four-digit years, for messages: `200000-01-01`, `-0043-03-15` (astronomical years, as ISO 8601 writes them).
  static func civil(_ ts: Timestamp) -> String {
    let days =
      ts.millisecondsSinceEpoch >= 0 ? ts.millisecondsSinceEpoch / 86_400_000 : (ts.millisecondsSinceEpoch - 86_399_999) / 86_400_000
    let date = CivilDate(daysSinceEpoch: days)
    let month = date.month < 10 ? "0\(date.month)" : "\(date.month)"
    let day = date.day < 10 ? "0\(date.day)" : "\(date.day)"
    let digits = String(abs(date.year))
    let year = (date.year < 0 ? "-" : "") + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    return "\(year)-\(month)-\(day)"
  }
}

/// How a ``PostgresEventSource`` reads its table.
public enum PostgresReadOrder: String, Sendable, CaseIterable {
  /// In the table's physical order (a sequential scan, the cheapest read for the server); the loader
  /// partitions the rows by incident, spilling past its memory limit, and searches the ids for reuse.
  case table
  /// Ordered by `("orgId", "incidentId", "ts")`, ties in physical order; each incident is replayed as soon as
  /// the next begins. Needs a unique index on `"id"` (so no id can be under two incidents); the Prisma
  /// schema's primary key is one, and its index on `("orgId", "incidentId", "ts")` spares the server a sort.
  case incident
}

/// The columns an IncidentEvent table needs, checked before reading so a wrong
/// table gives one clear error rather than a failed query.
enum TableSchema {
  struct Column {
    var name: String
    var type: String
    var accepted: Set<String>
  }

  static let required: [(name: String, types: Set<String>, expected: String)] = [
    ("id", ["text", "varchar", "bpchar"], "text"),
    ("orgId", ["text", "varchar", "bpchar"], "text"),
    ("incidentId", ["text", "varchar", "bpchar"], "text"),
    ("ts", ["timestamp", "timestamptz"], "timestamp or timestamptz"),
    ("type", ["text", "varchar", "bpchar"], "text"),
    ("payload", ["jsonb", "json", "text"], "jsonb, json or text"),
  ]

  /// Checks that `table` exists with the required columns; returns each column's type name.
  @discardableResult
  static func inspect(_ table: PostgresTableName, on connection: PostgresConnection) throws(PostgresError) -> [String: String] {
    let exists = try connection.execute("SELECT to_regclass($1) IS NOT NULL", [table.quoted], while: "looking up table \(table)")
    guard exists.string(row: 0, column: 0) == "t" else {
      throw .unusableTable(table: "\(table)", reason: "it does not exist in the database (check --table and the schema)")
    }
    let columns = try connection.execute(
      """
      SELECT a.attname, t.typname FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
      WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
      """, [table.quoted], while: "reading the columns of \(table)")
    var types: [String: String] = [:]
    for row in 0..<columns.rowCount {
      if let name = columns.string(row: row, column: 0) { types[name] = columns.string(row: row, column: 1) ?? "" }
    }
    for column in required {
      guard let type = types[column.name] else {
        throw .unusableTable(table: "\(table)", reason: "it has no column \"\(column.name)\"")
      }
      guard column.types.contains(type) else {
        throw .unusableTable(table: "\(table)", reason: "column \"\(column.name)\" is \(type); expected \(column.expected)")
      }
    }
    return types
  }

  /// Whether a unique index (a primary key, a unique constraint) covers exactly `"id"`, without a predicate.
  static func hasUniqueId(_ table: PostgresTableName, on connection: PostgresConnection) throws(PostgresError) -> Bool {
    try !indexes(of: table, on: connection, where: "i.indisunique AND i.indpred IS NULL AND i.indnkeyatts = 1", leading: ["id"])
      .isEmpty
  }

  /// Whether `"id"` is unique and a btree index leads with `("orgId", "incidentId")`: an ordered read is then safe and cheap.
  static func hasUniqueIdAndIncidentIndex(_ table: PostgresTableName, on connection: PostgresConnection) throws(PostgresError) -> Bool {
    guard try hasUniqueId(table, on: connection) else { return false }
    return try !indexes(of: table, on: connection, where: "am.amname = 'btree' AND i.indpred IS NULL", leading: ["orgId", "incidentId"])
      .isEmpty
  }

  /// The names of `table`'s indexes that match `condition` and whose first key columns are `leading`.
  private static func indexes(
    of table: PostgresTableName, on connection: PostgresConnection, where condition: String, leading: [String]
  ) throws(PostgresError) -> [String] {
    let result = try connection.execute(
      """
      SELECT c.relname FROM pg_catalog.pg_index i
      JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid JOIN pg_catalog.pg_am am ON am.oid = c.relam
      WHERE i.indrelid = to_regclass($1) AND i.indisvalid AND \(condition)
        AND (SELECT array_agg(a.attname::text ORDER BY k.n) FROM unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
             JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum WHERE k.n <= $2::int)
            = $3::text[]
      """, [table.quoted, String(leading.count), "{" + leading.map { "\"\($0)\"" }.joined(separator: ",") + "}"],
      while: "reading the indexes of \(table)")
    return (0..<result.rowCount).compactMap { result.string(row: $0, column: 0) }
  }
}
