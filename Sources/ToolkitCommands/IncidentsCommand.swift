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
    version: ToolkitVersion.current,
    subcommands: [Validate.self, Show.self, Export.self, Import.self, Generate.self]
  )

  public init() {}
}

/// The toolkit's version, shown by `--version`.
public enum ToolkitVersion {
  public static let current = "0.1.0"
}
