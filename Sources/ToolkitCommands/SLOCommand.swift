public import ArgumentParser
import Foundation
import IncidentModel
import PartialResults
import Rendering
import SLOBudget

/// `slo`: error budgets recomputed from the incident stream.
public struct SLOCommand: AsyncParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "slo",
    abstract: "Recompute SLO error budgets, burn rates and alerts from IncidentEvent streams.",
    discussion: "Exit codes: 0 every SLO within policy; 1 an SLO breached (slo check); 2 usage or input error.",
    version: ToolkitVersion.described,
    subcommands: [Check.self, Report.self, Lint.self]
  )

  public init() {}
}

/// Where SLO definitions come from and when they are evaluated, shared by `slo check` and `slo report`.
public struct SLOOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp("OpenSLO v1 YAML: a file (several documents allowed) or a directory of .yaml/.yml files.", valueName: "path"),
    completion: .file())
  public var slos: String

  @Option(help: ArgumentHelp("Evaluation time (RFC 3339 or YYYY-MM-DD); default now. Rolling windows end here.", valueName: "time"))
  public var at: String?

  public init() {}

  /// The definitions in a file or directory, in file order (a directory's files by name), optionally only
  /// those of one org (and those naming none); a broken one is an input error.
  static func definitions(at slos: String, org: String?) throws -> [SLODefinition] {
    try documents(at: slos, org: org).definitions
  }

  /// The definitions and the declared services of a file or directory; with `org`, only the
  /// definitions of that org (and those naming none).
  static func documents(at slos: String, org: String?) throws -> SLODocuments {
    try read(at: slos, org: org).documents
  }

  /// ``documents(at:org:)`` and the digest of the files as read, for partial-result headers.
  static func read(at slos: String, org: String?) throws -> (documents: SLODocuments, digest: String) {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: slos, isDirectory: &isDirectory) else {
      throw ValidationError("'--slos' names nothing: no file or directory at \(slos).")
    }
    var files = [slos]
    if isDirectory.boolValue {
      files = try FileManager.default.contentsOfDirectory(atPath: slos)
        .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted().map { (slos as NSString).appendingPathComponent($0) }
    }
    // One set: an indicatorRef finds its kind: SLI in any file of the directory.
    let sources = try files.map { file in (text: try TextFiles.read(file, role: "the SLO file", limit: 16 << 20), file: file) }
    var documents = try SLODefinitionParser.parse(sources: sources)
    for warning in documents.warnings { StandardError.write("warning: \(warning)") }
    var seen: [String: String] = [:]
    for definition in documents.definitions {
      if let first = seen[definition.name] {
        throw ValidationError("SLO \(definition.name) is defined twice: \(first) and \(definition.origin).")
      }
      seen[definition.name] = definition.origin
    }
    guard !documents.definitions.isEmpty else { throw ValidationError("no SLO (kind: SLO) in \(slos).") }
    // With --org, the SLOs of that org (and those naming none) are evaluated.
    documents.definitions = documents.definitions.filter { org == nil || $0.orgId == nil || $0.orgId == org }
    return (documents, PartialFile.digest(of: sources.map(\.text)))
  }

  /// Loads the input (or merges `--from-partials`) and evaluates every SLO at the evaluation time (with the evidence
  /// behind the figures if `explain`); also returns the SLOs whose org or service the input never names.
  ///
  /// Nil when `--emit-partial` wrote the partial result instead.
  func evaluate(input: InputOptions, command: String, minimumRemaining: Double = 0, explain: Bool) throws -> (
    at: Timestamp, results: [SLOResult], unmatched: [UnmatchedSLO]
  )? {
    let at = try TimeArgument.evaluationTime(at)
    let (documents, digest) = try Self.read(at: slos, org: input.org)
    let fold = try SLOFold(documents.definitions, at: at, defaultOrgId: input.org, explain: explain)
    let identity = FoldIdentity(
      command: command, definitionsDigest: digest, settings: ["--at": "\(at)", "--explain": explain ? "yes" : "no"])
    guard let folded = try input.foldForOutput(fold, identity: identity) else { return nil }
    return (
      at, fold.finish(folded.partial, minimumRemaining: minimumRemaining), fold.unmatched(folded.partial, declared: documents.services)
    )
  }
}

/// SLOs that name an org or a service the input lacks: the gate refuses them, reports warn.
enum UnmatchedSLOs {
  /// The gate: every one an error line, exit 2 (a typo must not pass as a perfect score).
  static func refuse(_ unmatched: [UnmatchedSLO]) throws {
    guard let last = unmatched.last else { return }
    for entry in unmatched.dropLast() { StandardError.write("Error: \(entry)") }
    throw ValidationError(last.description)
  }

  static func warn(_ unmatched: [UnmatchedSLO]) {
    for entry in unmatched { StandardError.write("warning: \(entry)") }
  }
}

/// Output formats of `slo check`.
public enum SLOCheckFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
  case table
  case json
  case junit
  case markdown
}

extension SLOCommand {
  /// `slo check`: the CI gate.
  public struct Check: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
      abstract: "Check every SLO against its error budget: exit 1 when any breaches.",
      discussion: """
        An SLO breaches when its remaining budget is below --min-remaining (default 0, i.e. overspent). \
        A request-ratio SLO without traffic reports NO_DATA and does not breach.
        """)

    @OptionGroup(title: "SLOs") public var sloOptions: SLOOptions
    @OptionGroup(title: "Input") public var input: InputOptions

    @Option(help: ArgumentHelp("Breach when the remaining budget is below this fraction (0.25 = keep a quarter).", valueName: "fraction"))
    public var minRemaining = 0.0

    @Option(help: "Output: table for people, json, junit for CI test reports, markdown for a job summary.")
    public var format: SLOCheckFormat = .table

    @Option(
      help: ArgumentHelp("Write the output to this file (atomically) instead of standard output.", valueName: "file"), completion: .file())
    public var out: String?

    @Option(help: ArgumentHelp("Also write the JUnit XML report to this file.", valueName: "file"), completion: .file())
    public var junit: String?

    @Option(help: ArgumentHelp("Also write the Markdown job summary to this file.", valueName: "file"), completion: .file())
    public var markdown: String?

    @Option(help: ArgumentHelp("Also write the JSON document to this file.", valueName: "file"), completion: .file())
    public var json: String?

    public init() {}

    public func validate() throws {
      for (name, path) in [("--junit", junit), ("--markdown", markdown), ("--json", json)] where path == "-" {
        throw ValidationError("'\(name)' takes a file: standard output carries the --format output.")
      }
      let named = [out, junit, markdown, json].compactMap { $0 }.filter { $0 != "-" }
      guard Set(named).count == named.count else { throw ValidationError("Each output needs a file of its own.") }
      guard minRemaining.isFinite, minRemaining <= 1 else {
        throw ValidationError("'--min-remaining' must be a fraction up to 1 (got \(minRemaining)).")
      }
    }

    public func run() async throws {
      guard
        let (at, results, unmatched) = try sloOptions.evaluate(
          input: input, command: "slo check", minimumRemaining: minRemaining, explain: false)
      else { return }
      try UnmatchedSLOs.refuse(unmatched)
      func rendered(_ format: SLOCheckFormat) -> String {
        switch format {
        case .table: SLORendering.checkTable(results, at: at, minimumRemaining: minRemaining)
        case .json: JSONText.pretty(SLORendering.json(results, at: at, minimumRemaining: minRemaining, report: false, explain: false))
        case .junit: SLORendering.junit(results, at: at, minimumRemaining: minRemaining)
        case .markdown: SLORendering.markdown(results, at: at, minimumRemaining: minRemaining)
        }
      }
      // One evaluation, every output: the extra files appear together, before the main output.
      let extras = [(junit, SLOCheckFormat.junit), (markdown, .markdown), (json, .json)].compactMap { path, format in
        path.map { ($0, format) }
      }
      if !extras.isEmpty {
        let files = OutputSet()
        for (path, format) in extras { try files.add(path).write(rendered(format)) }
        try files.commit()
      }
      let target = try OutputTarget(path: out)
      try target.write(rendered(format))
      try target.commit()
      if results.contains(where: { $0.status == .breached }) { throw ExitCode(ToolkitExit.policyBreach) }
    }
  }

  /// `slo report`: where the budget went.
  public struct Report: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
      abstract: "Report each SLO's budget over its window: daily series, top consumers, alerts, live records.")

    @OptionGroup(title: "SLOs") public var sloOptions: SLOOptions
    @OptionGroup(title: "Input") public var input: InputOptions

    @Option(help: "Output: table for people, json or csv (the daily series) for machines.")
    public var format: TableJSONCSV = .table

    @Flag(help: "Show the work behind each figure: the bad intervals and what produced them, or the METRIC signals counted.")
    public var explain = false

    public init() {}

    public func run() async throws {
      guard let (at, results, unmatched) = try sloOptions.evaluate(input: input, command: "slo report", explain: explain) else { return }
      UnmatchedSLOs.warn(unmatched)
      switch format {
      case .table: StandardOutput.write(SLORendering.reportTable(results, at: at, explain: explain))
      case .json:
        StandardOutput.write(JSONText.pretty(SLORendering.json(results, at: at, minimumRemaining: 0, report: true, explain: explain)))
      case .csv: StandardOutput.write(SLORendering.dailyCSV(results))
      }
    }
  }
}
