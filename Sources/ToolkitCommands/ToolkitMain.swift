public import ArgumentParser
import Foundation

/// The toolkit's exit codes, the same for every executable.
public enum ToolkitExit {
  /// Everything read, nothing out of policy.
  public static let ok: Int32 = 0
  /// A policy breach: `validate` skipped input, `slo check` found a breached SLO.
  public static let policyBreach: Int32 = 1
  /// A usage or input error: bad flags, an unreadable file, a broken line under `--strict`.
  public static let usageOrInputError: Int32 = 2
}

/// Runs a root command and turns its outcome into the toolkit's exit codes.
///
/// ArgumentParser exits 64 on a usage error and 1 on any other error; the
/// toolkit documents 2 for both usage and input errors and keeps 1 for policy
/// breaches, which commands signal by throwing `ExitCode(1)`.
public enum ToolkitMain {
  /// Parses `arguments` (the process's when nil), runs the command and returns its exit code.
  public static func run<Root: ParsableCommand>(_ root: Root.Type, arguments: [String]? = nil) async -> Int32 {
    do {
      var command = try root.parseAsRoot(arguments)
      if var asyncCommand = command as? any AsyncParsableCommand {
        try await asyncCommand.run()
      } else {
        try command.run()
      }
      return ToolkitExit.ok
    } catch let exit as ExitCode {
      return exit.rawValue
    } catch {
      let code = root.exitCode(for: error)
      let message = root.fullMessage(for: error)
      if code == .success {
        // --help, --version
        print(message)
        return ToolkitExit.ok
      }
      StandardError.write(message.hasPrefix("Error:") ? message : "Error: \(message)")
      return ToolkitExit.usageOrInputError
    }
  }

  /// Runs a root command and exits the process with its code: the whole body of an executable.
  public static func main<Root: ParsableCommand>(_ root: Root.Type) async -> Never {
    let code = await run(root)
    StandardOutput.flush()
    exit(code)
  }
}
