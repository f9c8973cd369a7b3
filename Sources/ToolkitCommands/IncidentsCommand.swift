public import ArgumentParser

/// `incidents`: read, check and inspect IncidentEvent streams.
public struct IncidentsCommand: AsyncParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "incidents",
    abstract: "Read, check and inspect Runbook Revenant IncidentEvent streams.",
    discussion: """
      Exit codes: 0 ok; 1 policy breach (validate: something was skipped or ignored); \
      2 usage or input error.
      """,
    version: ToolkitVersion.described,
    subcommands: [Validate.self, Show.self, Export.self, Import.self, Generate.self]
  )

  public init() {}
}

/// The toolkit's version.
public enum ToolkitVersion {
  /// The release, as outputs record it (a report's provenance, a partial's header): the same bytes from any commit.
  public static let current = "0.1.0"
  /// What `--version` prints: the release and the commit it was built from.
  public static let described = "\(current) (commit \(buildCommit))"
}
