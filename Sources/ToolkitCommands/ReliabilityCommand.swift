public import ArgumentParser

/// `reliability`: reliability analyses across incidents.
public struct ReliabilityCommand: AsyncParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "reliability",
    abstract: "Reliability analyses across incidents: recurring patterns and the weekly report.",
    discussion: "Exit codes: 0 ok; 2 usage or input error.",
    version: ToolkitVersion.described,
    subcommands: [Patterns.self, Weekly.self]
  )

  public init() {}
}
