public import ArgumentParser

/// The four commands under one root, for the one binary `scripts/install` installs (`runbook-revenant`):
/// run by a command's name (the links under `bin/`), it is that command; run by its own name, it takes
/// the command as its first argument.
public struct AllCommands: AsyncParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "runbook-revenant",
    abstract: "Reliability analytics from IncidentEvent streams; installed as incidents, slo, reliability and postmortem.",
    version: ToolkitVersion.described,
    subcommands: [IncidentsCommand.self, SLOCommand.self, ReliabilityCommand.self, PostmortemCommand.self]
  )

  public init() {}

  /// The command a process run by `name` (the last part of its path) is.
  public static func command(named name: String) -> any ParsableCommand.Type {
    configuration.subcommands.first { $0.configuration.commandName == name } ?? AllCommands.self
  }
}
