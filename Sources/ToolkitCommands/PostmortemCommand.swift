public import ArgumentParser
import Digests
import EventSources
import Foundation
import IncidentModel
import PartialResults
import Postmortem
import Rendering
import ReplayEngine
import SLOBudget

/// `postmortem`: blameless drafts from the event timeline, and a lint for blameful phrasing.
public struct PostmortemCommand: AsyncParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "postmortem",
    abstract: "Draft structured, blameless postmortems from incident events; lint postmortems for blameful phrasing.",
    discussion: "Exit codes: 0 ok; 1 lint found blameful phrasing; 2 usage or input error (including a refused draft).",
    version: ToolkitVersion.described,
    subcommands: [Draft.self, Lint.self]
  )

  public init() {}
}

/// Output of `postmortem draft`.
public enum DraftFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
  case markdown
  case json
}

/// Why a draft is not written.
enum DraftRefusal: Error, CustomStringConvertible {
  case notMitigated(id: String, status: IncidentStatus)
  case ambiguous(id: String, orgs: [String])
  case unknownTimeZone(String)

  var description: String {
    switch self {
    case .notMitigated(let id, let status):
      status == .cancelled
        ? "incident \(id) was CANCELLED as a false alarm: there is no impact to write up (use --force to draft anyway)"
        : "incident \(id) is \(status.rawValue): a postmortem is drafted once it is MITIGATED or RESOLVED (use --force to draft anyway)"
    case .ambiguous(let id, let orgs):
      "incident id \(id) exists in \(orgs.joined(separator: " and ")): name the organisation with --org"
    case .unknownTimeZone(let zone):
      "'--timezone' must be a time zone name such as Europe/Paris (got '\(zone)')"
    }
  }
}

extension PostmortemCommand {
  /// `postmortem draft`.
  public struct Draft: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
      abstract: "Draft a postmortem for a mitigated or resolved incident.",
      discussion: """
        The JSON output is exactly the data the template sees (null fields are absent to it). \
        The default template is templates/postmortem.md.mustache; --template takes your own.
        """)

    @Argument(help: "The incident's id.")
    public var incidentId: String

    @OptionGroup(title: "Input") public var input: InputOptions

    @Option(help: ArgumentHelp("OpenSLO definitions, to report the budget this incident consumed.", valueName: "path"), completion: .file())
    public var slos: String?

    @Option(help: ArgumentHelp("A Mustache template to render instead of the default.", valueName: "file"), completion: .file())
    public var template: String?

    @Option(help: ArgumentHelp("Also show timeline times in this zone, such as Europe/Paris.", valueName: "zone"))
    public var timezone: String?

    @Option(help: ArgumentHelp("Evaluation time (RFC 3339 or YYYY-MM-DD); default now.", valueName: "time"))
    public var at: String?

    @Option(help: "Output: the rendered Markdown, or the JSON data the template sees.")
    public var format: DraftFormat = .markdown

    @Option(help: ArgumentHelp("Write to this file (atomically) instead of standard output.", valueName: "file"), completion: .file())
    public var out: String?

    @Flag(help: "Draft even if the incident is not yet mitigated or resolved.")
    public var force = false

    public init() {}

    public func run() async throws {
      if let timezone, TimeZone(identifier: timezone) == nil { throw DraftRefusal.unknownTimeZone(timezone) }
      let at = try TimeArgument.evaluationTime(at)
      guard let (incident, organisation, definitions, sloResults, inputs) = try loadIncidentAndNeighbours(at: at) else { return }
      guard force || incident.status == .mitigated || incident.status == .resolved else {
        throw DraftRefusal.notMitigated(id: incidentId, status: incident.status)
      }

      let templateText: String
      if let template {
        // One byte past the renderer's limit: a larger template is refused by it, with its own message.
        templateText = try TextFiles.read(template, role: "the template", limit: DraftRenderer.maximumTemplateBytes + 1)
      } else {
        templateText = DraftRenderer.defaultTemplate
      }
      let timeline = incident.details?.timeline ?? []
      // Canonical lines (object members sorted), so the digest is the same from a file and from a jsonb table.
      let canonical = timeline.map { entry -> String in
        let event = entry.event
        let payload = JSONValue.object(EventEncoder.payloadObject(event.payload)).sortingKeys
        return "\(event.id)\t\(event.orgId)\t\(event.incidentId)\t\(event.ts)\t\(event.type)\t\(payload)"
      }.joined(separator: "\n")
      let provenance = DraftProvenance(
        source: inputs.joined(separator: ", "), eventCount: timeline.count, eventsDigest: sha256(canonical),
        template: template ?? "templates/postmortem.md.mustache (built in)", templateDigest: sha256(templateText),
        toolVersion: ToolkitVersion.current)
      let document = DraftBuilder.build(
        DraftInput(
          incident: incident, organisation: organisation, slos: definitions, at: at, timeZone: timezone, provenance: provenance,
          sloResults: sloResults))
      let text: String
      switch format {
      case .json: text = JSONText.pretty(.object(document))
      case .markdown:
        text = try DraftRenderer.render(document, template: templateText, name: template ?? "templates/postmortem.md.mustache")
      }
      let target = try OutputTarget(path: out)
      try target.write(text)
      try target.commit()
    }

    /// What a draft holds while the input is read: less than the analyses, since it keeps one incident's neighbours.
    static let defaultMemoryLimit = 8 << 20

    /// The incident, whole, the incidents of its org that share its service, the SLOs of its org, their figures,
    /// and the inputs' names; nil when `--emit-partial` wrote the shard's partial result instead.
    ///
    /// One read (standard input too): the incident is replayed first, then every incident is
    /// folded into what its draft cites (see ``DraftFold``). Under `--shard`, every shard replays the
    /// incident and folds its own shard's incidents around it; `--from-partials` merges them.
    private func loadIncidentAndNeighbours(
      at: Timestamp
    ) throws -> (IncidentSnapshot, [IncidentSnapshot], [SLODefinition], [SLOResult], [String])? {
      let read = try slos.map { try SLOOptions.read(at: $0, org: input.org) }
      let allDefinitions = read?.documents.definitions ?? []
      func definitions(of org: String) -> [SLODefinition] { allDefinitions.filter { $0.orgId == nil || $0.orgId == org } }
      let identity = input.completed(
        FoldIdentity(
          command: "postmortem draft", definitionsDigest: read?.digest ?? "", settings: ["--at": "\(at)", "incident": incidentId]),
        readsWholeHistories: true)
      let shard = try input.shardSelection
      func makeFold(_ found: [IncidentSnapshot]) throws -> DraftFold {
        guard found.count <= 1 else { throw DraftRefusal.ambiguous(id: incidentId, orgs: found.map(\.orgId)) }
        return try DraftFold(
          incident: found.first, definitions: found.first.map { definitions(of: $0.orgId) } ?? [], at: at,
          reads: { org, incident in shard?.contains(orgId: org, incidentId: incident) ?? true })
      }
      var fold: DraftFold
      var partial: DraftFold.Partial
      var inputs = input.inputNames
      if input.fromPartials.isEmpty {
        var options = try input.loadOptions(detail: .analytics, defaultMemoryLimit: Self.defaultMemoryLimit)
        options.wholeEventsOf = incidentId
        var made: DraftFold?
        let (located, folded, summary) = try input.readAndFold(locating: incidentId, options: options) { found in
          let fold = try makeFold(found)
          made = fold
          return fold
        }
        // The loader makes the fold once the incident is looked for, found or not.
        guard let made else { throw LookupError.unknownIncident(incidentId, suggestions: [], incidents: 0) }
        if input.emitPartial != nil {
          try input.writePartial(identity: identity, fold: DraftShard(located: located, fold: folded), summary: summary)
          return nil
        }
        (fold, partial) = (made, folded)
      } else {
        let partials: [ReadPartial<DraftShard>] = try input.readPartials(identity: identity)
        let located = partials[0].payload.fold.located
        for other in partials where other.payload.fold.located != located {
          throw PartialFileError.mismatch(
            path: other.path, field: "incident \(incidentId)", expected: "the one of \(partials[0].path)", found: "another")
        }
        fold = try makeFold(located)
        partial = fold.makePartial()
        // The summaries are not merged into a totals line: every shard read the drafted incident's events, so
        // their counts overlap (each shard reported its own skipped records as it read them).
        for read in partials { fold.merge(read.payload.fold.fold, into: &partial) }
        inputs = partials[0].header.inputs
      }
      guard let incident = fold.incident else {
        let ids = fold.incidentIds(partial)
        throw LookupError.unknownIncident(incidentId, suggestions: NearMatches.find(incidentId, among: ids), incidents: ids.count)
      }
      return (incident, fold.neighbours(partial), definitions(of: incident.orgId), fold.sloResults(partial), inputs)
    }

    private func sha256(_ text: String) -> String {
      SHA256Digest.hex(of: Array(text.utf8))
    }
  }

  /// `postmortem lint`.
  public struct Lint: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
      abstract: "Find blameful phrasing in postmortems: FILE:LINE:COL: phrase — suggestion.",
      discussion: """
        Exits 1 when it finds any. Suppress a rule for the next block with \
        <!-- postmortem-lint ignore RULE -->, or for a stretch with disable/enable. Rules: \
        \(BlamelessLint.rules.map(\.id).joined(separator: ", ")).
        """)

    @Argument(help: ArgumentHelp("Markdown or text files.", valueName: "file"), completion: .file())
    public var files: [String]

    public init() {}

    public func run() async throws {
      var found = 0
      for file in files {
        let text = try TextFiles.read(file, role: "the document", limit: 16 << 20)
        for finding in BlamelessLint.lint(text) {
          found += 1
          StandardOutput.write("\(file):\(finding.line):\(finding.column): \(finding.phrase) — \(finding.suggestion) (\(finding.rule))\n")
        }
      }
      if found > 0 { throw ExitCode(ToolkitExit.policyBreach) }
    }
  }
}

/// A shard's partial result of `postmortem draft`: the drafted incident, replayed by every shard, and what the
/// shard's own incidents add around it.
struct DraftShard: Codable {
  var located: [IncidentSnapshot]
  var fold: DraftFold.Partial
}
