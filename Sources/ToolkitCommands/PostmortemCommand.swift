public import ArgumentParser
import Crypto
import EventSources
import Foundation
import IncidentModel
import Postmortem
import ReplayEngine
import SLOBudget

/// `postmortem`: blameless drafts from the event timeline, and a lint for blameful phrasing.
public struct PostmortemCommand: AsyncParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "postmortem",
    abstract: "Draft structured, blameless postmortems from incident events; lint postmortems for blameful phrasing.",
    discussion: "Exit codes: 0 ok; 1 lint found blameful phrasing; 2 usage or input error (including a refused draft).",
    version: ToolkitVersion.current,
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

    @Option(help: ArgumentHelp("OpenSLO definitions, to report the budget this incident consumed.", valueName: "path"))
    public var slos: String?

    @Option(help: ArgumentHelp("A Mustache template to render instead of the default.", valueName: "file"))
    public var template: String?

    @Option(help: ArgumentHelp("Also show timeline times in this zone, such as Europe/Paris.", valueName: "zone"))
    public var timezone: String?

    @Option(help: ArgumentHelp("Evaluation time (RFC 3339 or YYYY-MM-DD); default now.", valueName: "time"))
    public var at: String?

    @Option(help: "Output: the rendered Markdown, or the JSON data the template sees.")
    public var format: DraftFormat = .markdown

    @Option(help: ArgumentHelp("Write to this file (atomically) instead of standard output.", valueName: "file"))
    public var out: String?

    @Flag(help: "Draft even if the incident is not yet mitigated or resolved.")
    public var force = false

    public init() {}

    public func run() async throws {
      if let timezone, TimeZone(identifier: timezone) == nil { throw DraftRefusal.unknownTimeZone(timezone) }
      let at = try TimeArgument.evaluationTime(at)
      let (incident, organisation, definitions) = try loadIncidentAndNeighbours(at: at)
      guard force || incident.status == .mitigated || incident.status == .resolved else {
        throw DraftRefusal.notMitigated(id: incidentId, status: incident.status)
      }

      let templateText: String
      if let template {
        do {
          templateText = try String(contentsOfFile: template, encoding: .utf8)
        } catch {
          throw ValidationError("cannot read the template \(template): \(error.localizedDescription)")
        }
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
        source: input.inputNames.joined(separator: ", "), eventCount: timeline.count, eventsDigest: sha256(canonical),
        template: template ?? "templates/postmortem.md.mustache (built in)", templateDigest: sha256(templateText),
        toolVersion: ToolkitVersion.current)
      let document = DraftBuilder.build(
        DraftInput(incident: incident, organisation: organisation, slos: definitions, at: at, timeZone: timezone, provenance: provenance))
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

    /// The incident, whole, the incidents of its org the draft may cite, and the SLOs of its org.
    private func loadIncidentAndNeighbours(at: Timestamp) throws -> (IncidentSnapshot, [IncidentSnapshot], [SLODefinition]) {
      guard input.events.contains("-") else {
        let loaded = try input.loadIncident(incidentId)
        guard loaded.snapshots.count == 1, let incident = loaded.snapshots.first else {
          throw DraftRefusal.ambiguous(id: incidentId, orgs: loaded.snapshots.map(\.orgId))
        }
        let definitions = try sloDefinitions(org: incident.orgId)
        let counts = DraftBuilder.requestCountsRead(incident: incident, slos: definitions, at: at)
        return (incident, try incidentsSharingService(with: incident, requestCountsWithin: counts), definitions)
      }
      // Standard input can be read only once: one pass keeps every incident, this one whole.
      let loaded = try input.load(detail: .analytics, wholeEventsOf: incidentId)
      let matches = loaded.snapshots.filter { $0.incidentId == incidentId }
      guard let incident = matches.first else {
        let ids = Set(loaded.snapshots.map(\.incidentId))
        throw LookupError.unknownIncident(incidentId, suggestions: NearMatches.find(incidentId, among: ids), incidents: ids.count)
      }
      guard matches.count == 1 else { throw DraftRefusal.ambiguous(id: incidentId, orgs: matches.map(\.orgId)) }
      return (incident, loaded.snapshots.filter { $0.orgId == incident.orgId }, try sloDefinitions(org: incident.orgId))
    }

    private func sloDefinitions(org: String) throws -> [SLODefinition] {
      try slos.map { try SLOOptions.definitions(at: $0, org: org) } ?? []
    }

    /// The incidents of `incident`'s org that the draft can cite: those sharing its service.
    ///
    /// Related incidents and SLO budgets look only at incidents (and request counts)
    /// of the incident's service, and an incident can have that service only if one
    /// of its events names it. So when the input can be read twice, a first pass
    /// collects the incidents naming the service and a second replays only those:
    /// memory follows the service's history, not the whole org's. Problems were
    /// reported by the first read. Request counts outside `requestCountsWithin` are left
    /// out: the draft's SLO figures cannot read them.
    private func incidentsSharingService(
      with incident: IncidentSnapshot, requestCountsWithin: Interval
    ) throws -> [IncidentSnapshot] {
      var narrowed = input
      narrowed.org = incident.orgId
      let source = try narrowed.source()
      var options = try input.loadOptions(detail: .analytics)
      options.strict = false
      options.requestCountsWithin = requestCountsWithin
      guard let service = incident.serviceName else {
        return try IncidentLoader.load(from: source, options: options, report: { _ in }).snapshots
      }
      var naming = Set<String>()
      try source.read(
        threads: input.threadCount,
        transform: { event, _ in Self.names(service, event) ? event.incidentId : nil },
        value: { if let id = $0 { naming.insert(id) } }, broken: { _, _ in })
      let chosen = naming
      return try IncidentLoader.load(from: source, options: options, include: { chosen.contains($0.incidentId) }, report: { _ in })
        .snapshots
    }

    /// Whether `event` names `service` as its incident's or its request counts' service.
    private static func names(_ service: String, _ event: IncidentEvent) -> Bool {
      switch event.payload {
      case .created(let payload): payload.serviceName == service
      case .updated(let payload): payload.serviceName == service
      // A signal without a service counts for its incident's, which another event names.
      case .signalIngested(let payload): payload.serviceName == service
      default: false
      }
    }

    private func sha256(_ text: String) -> String {
      SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
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

    @Argument(help: ArgumentHelp("Markdown or text files.", valueName: "file"))
    public var files: [String]

    public init() {}

    public func run() async throws {
      var found = 0
      for file in files {
        let text: String
        do {
          text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
          throw ValidationError("cannot read \(file): \(error.localizedDescription)")
        }
        for finding in BlamelessLint.lint(text) {
          found += 1
          StandardOutput.write("\(file):\(finding.line):\(finding.column): \(finding.phrase) — \(finding.suggestion) (\(finding.rule))\n")
        }
      }
      if found > 0 { throw ExitCode(ToolkitExit.policyBreach) }
    }
  }
}
