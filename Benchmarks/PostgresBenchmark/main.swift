// Compares ways of streaming the IncidentEvent table through libpq: single-row mode
// (what the toolkit uses: it takes bound parameters), a server-side cursor, and COPY TO
// STDOUT (no parameters possible); then the full source with decoding. Prints figures.
// Run through `Benchmarks/postgres.sh`.
import EventSources
import Foundation
import IncidentModel
import PostgresSource

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count >= 2 else {
  FileHandle.standardError.write(Data("usage: postgres-benchmark CONNECTION TABLE [runs]\n".utf8))
  exit(2)
}
let connectionString = arguments[0]
let table = try PostgresTableName(parsing: arguments[1])
let runs = arguments.count > 2 ? Int(arguments[2]) ?? 3 : 3
let source = PostgresEventSource(connectionString: connectionString, table: table)
let (select, _) = source.query()

func session() throws -> PostgresConnection {
  let connection = try PostgresConnection(connectionString)
  try connection.execute("SELECT set_config('TimeZone', 'UTC', false)", while: "preparing")
  return connection
}

func measure(_ label: String, _ body: () throws -> Int) throws {
  var times: [Double] = []
  var rows = 0
  for _ in 0..<runs {
    let start = DispatchTime.now().uptimeNanoseconds
    rows = try body()
    times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
  }
  let median = times.sorted()[times.count / 2]
  print(
    String(format: "%-34@ median %.3f s  %9.0f rows/s  (%d rows, %d runs)", label as NSString, median, Double(rows) / median, rows, runs))
}

try measure("single-row mode (rows only)") {
  var rows = 0
  try session().streamRows(select, while: "streaming") { _ in rows += 1 }
  return rows
}
try measure("cursor, FETCH 10000 (rows only)") {
  let connection = try session()
  try connection.execute("BEGIN", while: "cursor")
  try connection.execute("DECLARE events NO SCROLL CURSOR FOR \(select)", while: "cursor")
  var rows = 0
  while true {
    let batch = try connection.execute("FETCH 10000 FROM events", while: "cursor").rowCount
    if batch == 0 { break }
    rows += batch
  }
  try connection.execute("COMMIT", while: "cursor")
  return rows
}
try measure("COPY TO STDOUT (rows only)") {
  var rows = 0
  try session().copyOut("COPY (\(select)) TO STDOUT", while: "copying") { _ in rows += 1 }
  return rows
}
try measure("toolkit source (decoded events)") {
  var events = 0
  try source.read(event: { _, _ in events += 1 }, broken: { _, _ in })
  return events
}
