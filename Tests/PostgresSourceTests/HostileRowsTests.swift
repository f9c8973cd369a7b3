import EventSources
import Foundation
import IncidentModel
import PostgresSource
import TestSupport
import Testing

@Suite("Rows and strings PostgreSQL holds that the toolkit cannot: named, skipped, never echoed", .enabled(if: Server.isAvailable))
struct HostileRowsTests {
  /// A table of the two-line fixture plus rows whose `ts` no RFC 3339 text can carry.
  private func tableWithUnrepresentableTimes() throws -> String {
    let table = try Server.loadTable(Repository.path("Tests/Fixtures/broken-lines.jsonl"))
    try Server.adminConnection().execute(
      """
      INSERT INTO \(PostgresTableName(name: table).quoted) VALUES
        ('evt_inf', 'org_x', 'inc_a', 'infinity', 'INCIDENT_NOTE_ADDED', '{"text": "later"}'),
        ('evt_ninf', 'org_x', 'inc_a', '-infinity', 'INCIDENT_NOTE_ADDED', '{"text": "earlier"}'),
        ('evt_far', 'org_x', 'inc_a', '200000-01-01 00:00:00', 'INCIDENT_NOTE_ADDED', '{"text": "far"}'),
        ('evt_bc', 'org_x', 'inc_a', '0044-03-15 00:00:00 BC', 'INCIDENT_NOTE_ADDED', '{"text": "ides"}')
      """, while: "test setup")
    return table
  }

  @Test func rowsWithTimesOutsideFourDigitYearsAreNamedAndSkipped() throws {
    let table = try tableWithUnrepresentableTimes()
    let result = try runTool("incidents", ["validate", "--postgres", Server.url, "--table", table])
    #expect(result.status == 1, "skipped input is a policy breach, not a failed read: \(result.stderr)")
    let expected = [
      ("evt_inf", "infinity is"), ("evt_ninf", "-infinity is"), ("evt_far", "200000-01-01 is"), ("evt_bc", "-0043-03-15 is"),
    ]
    for (id, text) in expected {
      #expect(
        result.stderrLines.contains {
          $0.contains(": event \(id): field \"ts\": \(text) outside the years 0000–9999 (UTC) that timestamps may have")
        }, "\(id): \(result.stderr)")
    }
    #expect(
      result.stdout.split(separator: "\n").contains { $0.hasPrefix("  records read") && $0.hasSuffix(" 8") },
      "the fixture's four rows were read too: \(result.stdout)")
  }

  @Test func exportWritesOnlyWhatTheFileReaderReadsBack() throws {
    let table = try tableWithUnrepresentableTimes()
    let dir = try TemporaryDirectory()
    let export = try runTool("incidents", ["export", "--postgres", Server.url, "--table", table, "--out", dir.path("out.jsonl")])
    #expect(export.status == 1, "rows were left out: \(export.stderr)")
    #expect(export.stderr.contains("4 broken record(s) left out"), "\(export.stderr)")
    let text = try String(contentsOfFile: dir.path("out.jsonl"), encoding: .utf8)
    #expect(!text.contains("evt_inf") && !text.contains("evt_far") && !text.contains("evt_bc"))
    let reread = try runTool("incidents", ["validate", "--events", dir.path("out.jsonl")])
    #expect(!reread.stderr.contains("field \"ts\""), "every exported timestamp reads back: \(reread.stderr)")
  }

  @Test func anEventWithANulCharacterIsNamedAndLeftOutOfAnImport() throws {
    let dir = try TemporaryDirectory()
    let good = try String(contentsOfFile: Server.samples, encoding: .utf8).split(separator: "\n").prefix(3).map(String.init)
    let nul =
      #"{"id":"evt_nul","orgId":"org_x","incidentId":"inc_n","ts":"2026-11-02T10:00:00Z","type":"INCIDENT_NOTE_ADDED","payload":{"text":"a\u0000b"}}"#
    let file = try dir.write("nul.jsonl", lines: good + [nul])
    let table = Server.freshTable()
    let result = try runTool("incidents", ["import", "--postgres", Server.url, "--table", table, "--create-table", "--events", file])
    #expect(result.status == 1, "a record was left out: \(result.stderr)")
    #expect(
      result.stderr.contains(
        "nul.jsonl:4: event evt_nul: field \"payload\": holds a NUL character (\\u0000), which PostgreSQL text and jsonb cannot store"),
      "\(result.stderr)")
    #expect(result.stderr.contains("imported 3 new event(s)"), "the valid events went in: \(result.stderr)")
  }

  @Test(arguments: [
    "postgres://revenant:SEKRIT@[::1/revenant_test",
    "postgres://revenant:SEKRIT@[::1]x/db",
    "postgres://revenant:SE%ZZKRIT@localhost/db",
    "postgres://revenant@localhost/db?password=SEKRIT&broken",
    "host=localhost password='SEK RIT' broken",
    "host=localhost password=SEKRIT broken",
  ])
  func aPasswordIsNeverPrinted(connection: String) throws {
    let result = try runTool("incidents", ["validate", "--postgres", connection])
    #expect(result.status == 2)
    #expect(result.stderr.hasPrefix("Error: invalid --postgres connection string: "), "\(result.stderr)")
    #expect(
      !result.stderr.contains("SEKRIT") && !result.stderr.contains("SEK RIT") && !result.stderr.contains("ZZKRIT"), "\(result.stderr)")
    #expect(result.stderrLines.count == 1)
  }
}
