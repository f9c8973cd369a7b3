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
    var command: any ParsableCommand
    do {
      command = try root.parseAsRoot(arguments)
    } catch {
      let code = root.exitCode(for: error)
      if code == .success {
        // --help, --version
        StandardOutput.write(root.fullMessage(for: error) + "\n")
        return ToolkitExit.ok
      }
      StandardError.write(oneLineMessage(for: error, of: root, hint: true))
      return ToolkitExit.usageOrInputError
    }
    do {
      if var asyncCommand = command as? any AsyncParsableCommand {
        try await asyncCommand.run()
      } else {
        try command.run()
      }
      return ToolkitExit.ok
    } catch let exit as ExitCode {
      return exit.rawValue
    } catch {
      // `--help` on a subcommand parses into a help command whose run ends in a clean exit.
      if root.exitCode(for: error) == .success {
        StandardOutput.write(root.fullMessage(for: error) + "\n")
        return ToolkitExit.ok
      }
      StandardError.write(oneLineMessage(for: error, of: root, hint: false))
      return ToolkitExit.usageOrInputError
    }
  }

  /// The error in one line: the message, and for a usage error where to read the command's help.
  ///
  /// ArgumentParser's full message adds a usage block and a help hint on lines of their own;
  /// the toolkit promises one line, so the hint is folded into it.
  /// `hint` is for errors found while parsing: those of a run are about the input, not the usage.
  static func oneLineMessage<Root: ParsableCommand>(for error: any Error, of root: Root.Type, hint: Bool) -> String {
    let message = root.message(for: error).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
      .filter { !$0.isEmpty }.joined(separator: " ")
    var line = message.hasPrefix("Error:") ? message : "Error: \(message)"
    let full = root.fullMessage(for: error)
    if hint, full.contains("\nUsage:") || full.hasPrefix("Usage:"),
      let hint = full.split(separator: "\n").last, hint.hasPrefix("  See '") || hint.hasPrefix("See '"),
      let open = hint.firstIndex(of: "'"), let close = hint[hint.index(after: open)...].firstIndex(of: "'")
    {
      line += " (see \(hint[open...close]))"
    }
    return line
  }

  /// Runs a root command and exits the process with its code: the whole body of an executable.
  ///
  /// Output that could not be written makes the exit status 2 whatever the command found:
  /// a report that never reached its reader is not a success, nor a mere policy breach.
  public static func main<Root: ParsableCommand>(_ root: Root.Type) async -> Never {
    StandardStreams.prepare()
    var code = await run(root)
    StandardOutput.flush()
    if let reason = StandardStreams.outputFailure {
      StandardError.write("Error: cannot write standard output: \(reason)")
      code = ToolkitExit.usageOrInputError
    }
    if StandardStreams.errorFailed { code = ToolkitExit.usageOrInputError }
    exit(code)
  }
}
