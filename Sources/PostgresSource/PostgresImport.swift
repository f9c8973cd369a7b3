public import EventSources
public import IncidentModel

/// What an import did.
public struct PostgresImportSummary: Sendable, Equatable {
  /// Events sent to the server.
  public var sent: Int
  /// Events inserted: the ones whose id the table did not hold yet.
  public var inserted: Int

  /// Events left out because their id was already in the table (or earlier in the input).
  public var alreadyPresent: Int { sent - inserted }
}

/// Loads IncidentEvents into a table in one transaction: all of them or, on any failure, none.
///
/// Events travel with `COPY ... FROM STDIN` into a temporary table, then one
/// `INSERT ... SELECT` adds those whose id the table lacks, in input order, so
/// the table's physical order (its tie-break for equal `ts`) is the order of the input.
public enum PostgresImporter {
  public static func importEvents(
    into table: PostgresTableName, connectionString: String, createTable: Bool,
    events: (_ add: (IncidentEvent) throws -> Void) throws -> Void
  ) throws -> PostgresImportSummary {
    let connection = try PostgresConnection(connectionString)
    try PostgresEventSource.prepareSession(connection)
    try connection.execute("BEGIN", while: "starting the import transaction")
    if createTable { try create(table, on: connection) }
    let columns = try TableSchema.inspect(table, on: connection)
    try connection.execute(
      """
      CREATE TEMPORARY TABLE rr_import (ord bigserial, "id" text, "orgId" text, "incidentId" text, "ts" timestamptz, "type" text, "payload" text)
      ON COMMIT DROP
      """, while: "preparing the import")
    var sent = 0
    try connection.copyIn(
      #"COPY rr_import ("id", "orgId", "incidentId", "ts", "type", "payload") FROM STDIN"#,
      while: "sending events to \(table)"
    ) { send in
      try withoutActuallyEscaping(send) { send in
        try events { event in
          sent += 1
          try send(copyLine(event))
        }
      }
    }
    // The payload keeps its column's type; it was sent as text so a `json` column keeps the member order.
    let payload = columns["payload"] == "text" ? "r.\"payload\"" : "r.\"payload\"::\(columns["payload"] == "json" ? "json" : "jsonb")"
    let inserted = try connection.execute(
      """
      INSERT INTO \(table.quoted) ("id", "orgId", "incidentId", "ts", "type", "payload")
      SELECT r."id", r."orgId", r."incidentId", r."ts", r."type", \(payload)
      FROM (SELECT *, row_number() OVER (PARTITION BY "id" ORDER BY ord) AS copy FROM rr_import) r
      WHERE r.copy = 1 AND NOT EXISTS (SELECT 1 FROM \(table.quoted) t WHERE t."id" = r."id")
      ORDER BY r.ord
      """, while: "inserting events into \(table)")
    try connection.execute("COMMIT", while: "committing the import")
    return PostgresImportSummary(sent: sent, inserted: inserted.affectedRows)
  }

  /// Why `event` cannot be stored in PostgreSQL, if it cannot: `text` and `jsonb` hold no NUL
  /// character, and one such event would make the server refuse the whole import unnamed.
  public static func unstorable(_ event: IncidentEvent) -> EventDecodingError? {
    let reason = "holds a NUL character (\\u0000), which PostgreSQL text and jsonb cannot store"
    for (field, value) in [("id", event.id), ("orgId", event.orgId), ("incidentId", event.incidentId), ("type", event.type)]
    where value.utf8.contains(0) {
      return EventDecodingError(.invalidValue, field: field, reason: reason, eventId: event.id)
    }
    if EventEncoder.payloadJSON(event.payload).contains("\\u0000") {
      return EventDecodingError(.invalidValue, field: "payload", reason: reason, eventId: event.id)
    }
    return nil
  }

  /// Creates the table and the indexes of the Prisma model, if missing.
  static func create(_ table: PostgresTableName, on connection: PostgresConnection) throws(PostgresError) {
    func index(_ suffix: String) -> String {
      PostgresTableName(name: "\(table.name)_\(suffix)").quoted
    }
    try connection.execute(
      """
      CREATE TABLE IF NOT EXISTS \(table.quoted) (
        "id" TEXT PRIMARY KEY, "orgId" TEXT NOT NULL, "incidentId" TEXT NOT NULL,
        "ts" TIMESTAMP(3) NOT NULL, "type" TEXT NOT NULL, "payload" JSONB NOT NULL)
      """, while: "creating \(table)")
    try connection.execute(
      "CREATE INDEX IF NOT EXISTS \(index("orgId_incidentId_ts_idx")) ON \(table.quoted) (\"orgId\", \"incidentId\", \"ts\")",
      while: "creating an index on \(table)")
    try connection.execute(
      "CREATE INDEX IF NOT EXISTS \(index("incidentId_ts_idx")) ON \(table.quoted) (\"incidentId\", \"ts\")",
      while: "creating an index on \(table)")
  }

  /// One row of COPY's text format: tab-separated, with backslash, tab, newline and CR escaped.
  static func copyLine(_ event: IncidentEvent) -> String {
    let fields = [event.id, event.orgId, event.incidentId, event.ts.description, event.type, EventEncoder.payloadJSON(event.payload)]
    return fields.map(escape).joined(separator: "\t") + "\n"
  }

  static func escape(_ field: String) -> String {
    guard field.utf8.contains(where: { $0 == 0x5C || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) else { return field }
    var out = ""
    out.reserveCapacity(field.utf8.count + 8)
    for character in field.unicodeScalars {
      switch character {
      case "\\": out += "\\\\"
      case "\t": out += "\\t"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      default: out.unicodeScalars.append(character)
      }
    }
    return out
  }
}
