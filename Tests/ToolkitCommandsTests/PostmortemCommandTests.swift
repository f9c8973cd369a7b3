import EventSources
import Foundation
import IncidentModel
import Postmortem
import ReplayEngine
import SLOBudget
import SWXMLHash
import TestSupport
import Testing

@Suite("postmortem draft and postmortem lint")
struct PostmortemCommandTests {
  static let draftOptions = ["--events", "samples/events.jsonl", "--slos", "samples/slos.yaml", "--at", "2026-11-23T00:00:00Z"]

  @Test(arguments: [
    ("inc_000534997", [String]()), ("inc_0000d8e53", []), ("inc_000582a18", []), ("inc_0006i88c5", []),
    ("inc_0001p7bd9", ["--timezone", "Europe/Paris"]),
  ])
  func draftsMatchTheirGoldenFiles(incident: String, extra: [String]) throws {
    let result = try runTool("postmortem", ["draft", incident] + Self.draftOptions + extra)
    #expect(result.status == 0, "\(result.stderr)")
    let golden = try String(contentsOfFile: Repository.path("Tests/Fixtures/golden/postmortem-\(incident).md"), encoding: .utf8)
    #expect(result.stdout == golden, "postmortem-\(incident).md changed: if intended, run scripts/update-goldens and review the diff")
    #expect(try runTool("postmortem", ["draft", incident] + Self.draftOptions + extra).stdout == result.stdout)
  }

  @Test(arguments: ["inc_000534997", "inc_0001p7bd9", "inc_0000d8e53"])
  func readingOnlyTheServicesIncidentsDraftsAsReadingTheWholeOrg(incident: String) throws {
    // Standard input is read once, replaying the whole org; a file is read again for the service's incidents only.
    let data = try Data(contentsOf: URL(fileURLWithPath: Repository.path("samples/events.jsonl")))
    let options = ["--slos", "samples/slos.yaml", "--at", "2026-11-23T00:00:00Z", "--format", "json"]
    let whole = try runTool("postmortem", ["draft", incident, "--events", "-"] + options, stdin: data)
    let narrowed = try runTool("postmortem", ["draft", incident, "--events", "samples/events.jsonl"] + options)
    #expect(whole.status == 0 && narrowed.status == 0, "\(whole.stderr)\(narrowed.stderr)")
    #expect(whole.stdout.contains("\"related\""))
    #expect(whole.stdout.replacingOccurrences(of: "\"source\": \"-\"", with: "\"source\": \"samples/events.jsonl\"") == narrowed.stdout)
  }

  @Test func theJSONIsTheDataTheTemplateSees() throws {
    let json = try runTool("postmortem", ["draft", "inc_0001p7bd9", "--format", "json", "--timezone", "Europe/Paris"] + Self.draftOptions)
    let golden = try String(contentsOfFile: Repository.path("Tests/Fixtures/golden/postmortem-inc_0001p7bd9.json"), encoding: .utf8)
    #expect(json.stdout == golden)
    let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
    #expect(
      Set(document.keys) == [
        "title", "draft", "incidentId", "orgId", "projectId", "serviceName", "environment", "status", "severity", "peakSeverity",
        "forcedBeforeMitigation", "severityHistory", "correlationKeys", "tags", "ticketLinks", "summary", "resolutionSummary",
        "impact", "sloImpact", "hasSloImpact", "sloImpactDefinition", "slosConsidered", "trigger", "detection", "timeZone", "timeline",
        "actions", "hasActions", "resolution", "contributingFactorQuestions", "rootCauseQuestions", "wentWellPrompts",
        "wentPoorlyPrompts", "luckyPrompts", "actionItems", "hasActionItems", "actionItemPrompts", "related", "flags", "hasFlags",
        "provenance",
      ])
    // A team's own template sees the same values.
    let dir = try TemporaryDirectory()
    let template = dir.path("mine.mustache")
    try
      "{{% CONTENT_TYPE: TEXT}}{{incidentId}}|{{status}}|{{#detection}}{{detectedBy}}{{/detection}}|{{provenance.eventCount}}|{{#timeline}}.{{/timeline}}\n"
      .write(toFile: template, atomically: true, encoding: .utf8)
    let rendered = try runTool("postmortem", ["draft", "inc_0001p7bd9", "--template", template] + Self.draftOptions)
    let provenance = try #require(document["provenance"] as? [String: Any])
    let timeline = try #require(document["timeline"] as? [Any])
    #expect(
      rendered.stdout
        == "inc_0001p7bd9|RESOLVED|prometheus-alertmanager|\(provenance["eventCount"] as? Int ?? -1)|\(String(repeating: ".", count: timeline.count))\n"
    )
    #expect((provenance["template"] as? String) == "templates/postmortem.md.mustache (built in)")
    let custom = try runTool("postmortem", ["draft", "inc_0001p7bd9", "--template", template, "--format", "json"] + Self.draftOptions)
    #expect(custom.stdout.contains("\"template\": \"\(template)\""))
  }

  @Test func refusesIncidentsNotYetMitigatedUnknownIdsAndFalseAlarms() throws {
    let open = try runTool("postmortem", ["draft", "inc_0006n24d2"] + Self.draftOptions)
    #expect(open.status == 2)
    #expect(
      open.stderr
        == "Error: incident inc_0006n24d2 is INVESTIGATING: a postmortem is drafted once it is MITIGATED or RESOLVED (use --force to draft anyway)\n"
    )
    let cancelled = try runTool("postmortem", ["draft", "inc_00006c2a6"] + Self.draftOptions)
    #expect(cancelled.status == 2)
    #expect(cancelled.stderr.contains("was CANCELLED as a false alarm"))
    let unknown = try runTool("postmortem", ["draft", "inc_0001p7bd8"] + Self.draftOptions)
    #expect(unknown.status == 2)
    #expect(unknown.stderr.contains("did you mean inc_0001p7bd9"))
    let zone = try runTool("postmortem", ["draft", "inc_0001p7bd9", "--timezone", "Mars/Olympus"] + Self.draftOptions)
    #expect(zone.status == 2)
    // Forced: drafted, marked, and the missing milestones are flagged, never defaulted.
    let forced = try runTool("postmortem", ["draft", "inc_0006n24d2", "--force"] + Self.draftOptions)
    #expect(forced.status == 0)
    #expect(forced.stdout.contains("**Drafted before mitigation (`--force`): the incident is still INVESTIGATING.**"))
    #expect(
      forced.stdout.contains(
        "| mitigated (time to mitigate) | **missing**: not recorded: no MITIGATED or RESOLVED status after the last reopen |"))
  }

  @Test func writesAtomicallyWithOut() throws {
    let dir = try TemporaryDirectory()
    let path = dir.path("draft.md")
    let result = try runTool("postmortem", ["draft", "inc_0001p7bd9", "--out", path] + Self.draftOptions)
    #expect(result.status == 0)
    #expect(result.stdout.isEmpty)
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path) == ["draft.md"])
  }

  @Test func lintNamesEachBlamefulPhraseWithItsPosition() throws {
    let path = "Tests/Fixtures/handwritten-postmortem.md"
    let result = try runTool("postmortem", ["lint", path])
    #expect(result.status == 1)
    #expect(
      result.stdout.split(separator: "\n").map(String.init) == [
        "\(path):5:61: human error — name the gap in process, tooling or context that let the action cause harm (human-error)",
        "\(path):6:22: forgot — say which step the runbook or tooling did not prompt or enforce (missed-step)",
        "\(path):10:14: should have — ask what would have made the safe action the easy one (should-have)",
        "\(path):11:14: at fault — describe the contributing factors instead of assigning responsibility (fault)",
      ])
    // The project's own prose, which quotes the phrases it warns of in code spans only.
    let pages = try FileManager.default.contentsOfDirectory(atPath: Repository.path("docs")).filter { $0.hasSuffix(".md") }.sorted()
    #expect(pages.count >= 8)
    let clean = try runTool("postmortem", ["lint", "README.md"] + pages.map { "docs/\($0)" })
    #expect(clean.status == 0, "\(clean.stdout)")
  }

  @Test func requestCountsOutsideTheWindowsTheDraftReadsChangeNoSampleDraft() throws {
    // What lets `postmortem draft` leave those counts out of its load of the incident's neighbours.
    let loaded = try IncidentLoader.load(
      from: JSONLinesSource(paths: [Repository.path("samples/events.jsonl")]), options: LoadOptions(detail: .full), report: { _ in })
    let slos = try SLODefinitionParser.parse(
      yaml: String(contentsOfFile: Repository.path("samples/slos.yaml"), encoding: .utf8), file: "samples/slos.yaml")
    let at = ts("2026-11-23T00:00:00Z")
    func draft(_ incident: IncidentSnapshot, _ organisation: [IncidentSnapshot]) -> JSONObject {
      DraftBuilder.build(
        DraftInput(
          incident: incident, organisation: organisation, slos: slos, at: at, timeZone: nil,
          provenance: DraftProvenance(source: "s", eventCount: 0, eventsDigest: "d", template: "t", templateDigest: "t", toolVersion: "0")))
    }
    var leftOut = 0
    var withImpact = 0
    for incident in loaded.snapshots where incident.status == .mitigated || incident.status == .resolved {
      let window = DraftBuilder.requestCountsRead(incident: incident, slos: slos, at: at)
      let organisation = loaded.snapshots.filter { $0.orgId == incident.orgId }
      var narrowed = organisation
      for index in narrowed.indices {
        let before = narrowed[index].requestSamples.count
        narrowed[index].requestSamples.removeAll { $0.instant < window.start || $0.instant > window.end }
        leftOut += before - narrowed[index].requestSamples.count
      }
      let whole = draft(incident, organisation)
      if case .array(let rows)? = whole["sloImpact"], !rows.isEmpty { withImpact += 1 }
      #expect(draft(incident, narrowed) == whole, "\(incident.incidentId)")
    }
    #expect(leftOut > 1000 && withImpact > 10, "left out \(leftOut) counts; \(withImpact) drafts with SLO impact")
  }

  @Test func everySampleDraftIsBlamelessButForCopiedTextAndItsTablesAreWellFormed() throws {
    let source = JSONLinesSource(paths: [Repository.path("samples/events.jsonl")])
    let loaded = try IncidentLoader.load(from: source, options: LoadOptions(detail: .full), report: { _ in })
    let slos = try SLODefinitionParser.parse(
      yaml: String(contentsOfFile: Repository.path("samples/slos.yaml"), encoding: .utf8), file: "samples/slos.yaml")
    var drafted = 0
    var keys = Set<String>()
    func collect(_ value: JSONValue) {
      switch value {
      case .object(let object):
        for member in object {
          keys.insert(member.key)
          collect(member.value)
        }
      case .array(let items): items.forEach(collect)
      default: break
      }
    }
    for incident in loaded.snapshots where incident.status != .cancelled {
      let organisation = loaded.snapshots.filter { $0.orgId == incident.orgId }
      let document = DraftBuilder.build(
        DraftInput(
          incident: incident, organisation: organisation, slos: slos, at: ts("2026-11-23T00:00:00Z"), timeZone: nil,
          provenance: DraftProvenance(source: "s", eventCount: 0, eventsDigest: "d", template: "t", templateDigest: "t", toolVersion: "0")))
      collect(.object(document))
      // Drafts of open incidents (`--force`) give their keys; the rest is for the ones mitigated or resolved.
      guard incident.status == .mitigated || incident.status == .resolved else { continue }
      let markdown = try DraftRenderer.render(document, template: DraftRenderer.defaultTemplate, name: "default")
      drafted += 1
      // Every finding sits in text copied from the incident, which the draft flags.
      let copied = (incident.details?.timeline ?? []).compactMap { entry -> String? in
        switch entry.event.payload {
        case .noteAdded(let p): return p.text
        case .resolved(let p): return p.summary
        case .statusChanged(let p): return p.reason
        case .playbookActionExecuted(let p): return p.label
        default: return nil
        }
      }
      for finding in BlamelessLint.lint(markdown) {
        #expect(copied.contains { $0.lowercased().contains(finding.phrase.lowercased()) }, "\(incident.incidentId): \(finding)")
      }
      // Tables, read by a real GFM parser: each table of the source is one table of the document, with every row,
      // and every row has as many cells as its header (cmark-gfm pads or drops cells, so they are counted in the source).
      var sourceTables: [[Substring]] = []
      var open = false
      for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
        if line.hasPrefix("|") {
          if !open { sourceTables.append([]) }
          sourceTables[sourceTables.count - 1].append(line)
          open = true
        } else {
          open = false
        }
      }
      let parsed = try GFMDocument(markdown)
      #expect(parsed.tables.map(\.count) == sourceTables.map { $0.count - 1 }, "\(incident.incidentId): tables and rows")
      for table in sourceTables {
        let columns = GFMDocument.sourceCells(table[0])
        for row in table { #expect(GFMDocument.sourceCells(row) == columns, "\(incident.incidentId): \(row)") }
      }
    }
    #expect(drafted > 200)
    // What a template may name is what the drafts hold: no key missing, none left over.
    #expect(keys.subtracting(DraftBuilder.templateKeys).isEmpty, "\(keys.subtracting(DraftBuilder.templateKeys).sorted())")
    #expect(DraftBuilder.templateKeys.subtracting(keys).isEmpty, "\(DraftBuilder.templateKeys.subtracting(keys).sorted())")
  }

  @Test func aTemplateNamingAKeyNoDraftHasExitsTwoNamingIt() throws {
    let dir = try TemporaryDirectory()
    let template = dir.path("typo.mustache")
    try "# {{title}}\n{{#impact}}{{customerImpcat}}{{/impact}}\n".write(toFile: template, atomically: true, encoding: .utf8)
    let result = try runTool("postmortem", ["draft", "inc_0001p7bd9", "--template", template] + Self.draftOptions)
    #expect(result.status == 2)
    #expect(result.stdout.isEmpty)
    #expect(
      result.stderr.hasPrefix(
        "Error: \(template):2:12: unknown key \"customerImpcat\" (did you mean customerImpact?); the draft's keys are title, draft,"),
      "\(result.stderr)")
  }
}

/// A Markdown document as cmark-gfm (GitHub's CommonMark parser, Debian's `cmark-gfm`) reads it.
struct GFMDocument {
  /// Each table's rows (the header first), each row's cells as text.
  let tables: [[[String]]]

  init(_ markdown: String) throws {
    let result = try runTool("/usr/bin/cmark-gfm", ["--extension", "table", "--to", "xml"], stdin: Data(markdown.utf8))
    guard result.status == 0 else { throw CocoaError(.fileReadCorruptFile) }
    func text(_ node: XMLIndexer) -> String {
      node.children.map { child in child.element?.name == "text" || child.element?.name == "code" ? child.element?.text ?? "" : text(child)
      }
      .joined()
    }
    tables = XMLHash.parse(result.stdout)["document"]["table"].all.map { table in
      table.children.map { row in row["table_cell"].all.map(text) }
    }
  }

  /// The cells of a table row as written: split at the pipes that are not escaped.
  static func sourceCells(_ row: Substring) -> Int {
    var count = 0
    var escaped = false
    for character in row {
      if character == "|" && !escaped { count += 1 }
      escaped = character == "\\" && !escaped
    }
    return count - 1
  }
}

@Suite("Postmortem drafts: Markdown correct by construction")
struct DraftMarkdownTests {
  @Test func aPipeOrALineBreakInTextFromTheStreamStaysInItsCell() throws {
    let dir = try TemporaryDirectory()
    func event(_ id: String, _ ts: String, _ type: String, _ payload: String) -> String {
      #"{"id":"\#(id)","orgId":"org_t","incidentId":"inc_t","ts":"2026-11-20T\#(ts)Z","type":"\#(type)","payload":{\#(payload)}}"#
    }
    let lines = [
      event(
        "e1", "10:00:00", "INCIDENT_CREATED",
        #""projectId":"p","title":"Flags | toggles","serviceName":"api","severity":"SEV2","environment":"prod""#),
      event(
        "e2", "10:05:00", "INCIDENT_PLAYBOOK_ACTION_EXECUTED",
        #""actionKind":"FLAG","label":"Flip | flag\nfor all","riskLevel":"LOW","actorType":"USER","actorRef":"user_ana""#),
      event("e3", "10:20:00", "INCIDENT_STATUS_CHANGED", #""newStatus":"MITIGATED","reason":"off | on""#),
    ]
    let events = dir.path("pipes.jsonl")
    try (lines.joined(separator: "\n") + "\n").write(toFile: events, atomically: true, encoding: .utf8)
    let result = try runTool("postmortem", ["draft", "inc_t", "--events", events, "--at", "2026-11-21T00:00:00Z"])
    #expect(result.status == 0, "\(result.stderr)")
    let document = try GFMDocument(result.stdout)
    let response = try #require(document.tables.first { $0.first?.contains("action") ?? false }, "\(result.stdout)")
    #expect(response.count == 2 && response[1].count == response[0].count)
    // The label reads as written, in its own cell; the line break became a space.
    #expect(response[1].contains("Flip | flag for all"), "\(response)")
    #expect(result.stdout.contains("| FLAG | Flip \\| flag for all | LOW |"))
  }
}

@Suite("Postmortem drafts and budget adjustments")
struct DraftAdjustmentTests {
  @Test func theSLOImpactSaysWhenPlannedWorkWasExcluded() throws {
    // inc_0006m07bc (SEV1, still investigating, so drafted with --force) is counted from 22:02:25 on 2026-11-22 to
    // --at, 1h 57m 35s; the samples' Sunday failover drill (22:00–23:00) takes 57m 35s of it: 1h of a 3h 36m budget
    // (0.5% of 30 days) is 27.8%.
    let result = try runTool(
      "postmortem",
      [
        "draft", "inc_0006m07bc", "--force", "--events", "samples/events.jsonl", "--slos", "samples/slos.yaml", "--at",
        "2026-11-23T00:00:00Z",
      ])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("| `acme-payments-availability-monthly` | calendar month (UTC), "))
    #expect(result.stdout.contains("| 27.8% | 1h 00m | 3h 36m |"))
    #expect(
      result.stdout.contains(
        "Note on `acme-payments-availability-monthly`: a budget adjustment applied: payments-failover-drill (Weekly failover drill of the payments ledger, Sundays at 22:00 UTC, announced in the change calendar.) 2026-11-22T22:00:00.000Z → 2026-11-22T23:00:00.000Z; its bad time there does not count."
      ))
  }
}
