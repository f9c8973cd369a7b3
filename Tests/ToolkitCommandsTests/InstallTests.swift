import Foundation
import TestSupport
import Testing

/// Where `scripts/test` installed the toolkit for these tests.
enum InstalledToolkit {
  static let prefix = ProcessInfo.processInfo.environment["RR_INSTALLED_PREFIX"]
}

/// What `scripts/install` put under the prefix that `scripts/test` installed into (`RR_INSTALLED_PREFIX`):
/// executables that run without the Swift toolchain, manual pages, completion scripts.
///
/// Plain `swift test` installs nothing, and these are skipped; under `CI` an absent install fails the run.
@Suite("An installed toolkit", .enabled(if: InstalledToolkit.prefix != nil || ProcessInfo.processInfo.environment["CI"] != nil))
struct InstallTests {
  static let executables = ["incidents", "slo", "reliability", "postmortem"]

  private func installed() throws -> String {
    try #require(
      InstalledToolkit.prefix, "CI runs scripts/test, which installs into a temporary prefix and names it in RR_INSTALLED_PREFIX")
  }

  @Test func theCommandsAreLinksToOneBinary() throws {
    let prefix = try installed()
    let binary = "\(prefix)/libexec/runbook-revenant/runbook-revenant"
    #expect(FileManager.default.isExecutableFile(atPath: binary))
    for name in Self.executables {
      // Relative, so that a staged or moved prefix still resolves.
      let target = try FileManager.default.destinationOfSymbolicLink(atPath: "\(prefix)/bin/\(name)")
      #expect(target == "../libexec/runbook-revenant/runbook-revenant", "\(name) -> \(target)")
    }
    // The binary run by its own name takes the command as its first argument.
    let direct = try runTool(binary, ["slo", "--help"])
    #expect(direct.status == 0 && direct.stdout.contains("USAGE: runbook-revenant slo <subcommand>"), "\(direct.stdout)")
    let viaLink = try runTool("\(prefix)/bin/slo", ["--help"])
    #expect(viaLink.status == 0 && viaLink.stdout.contains("USAGE: slo <subcommand>"), "\(viaLink.stdout)")
  }

  @Test func theExecutablesNeedNoSwiftRuntimeLibraries() throws {
    let prefix = try installed()
    for name in Self.executables {
      let ldd = try runTool("/usr/bin/ldd", ["\(prefix)/bin/\(name)"])
      #expect(ldd.status == 0, "\(ldd.stderr)")
      #expect(!ldd.stdout.contains("/opt/swift"), "\(ldd.stdout)")
      #expect(!ldd.stdout.contains("libswift"), "\(ldd.stdout)")
      #expect(!ldd.stdout.contains("libFoundation"), "\(ldd.stdout)")
      #expect(!ldd.stdout.contains("not found"), "\(ldd.stdout)")
      // The C libraries stay Debian's.
      if name == "incidents" { #expect(ldd.stdout.contains("libpq.so")) }
      // Stripped: no symbol table left.
      let symbols = try runTool("/usr/bin/nm", ["\(prefix)/bin/\(name)"])
      #expect(symbols.stderr.contains("no symbols"), "\(symbols.stderr.prefix(200))")
    }
  }

  @Test func theyRunWithTheToolchainHidden() throws {
    let prefix = try installed()
    // A private mount namespace hides /opt/swift behind an empty directory; the environment is cleared too.
    let probe = try runTool("/usr/bin/unshare", ["-r", "-m", "true"])
    try #require(probe.status == 0, "user namespaces are needed to hide the toolchain: \(probe.stderr)")
    let commit = try runTool("/usr/bin/git", ["-C", Repository.root.path, "rev-parse", "--short=12", "HEAD"]).stdout
      .trimmingCharacters(in: .whitespacesAndNewlines)
    for name in Self.executables {
      let result = try runTool(
        "/usr/bin/unshare",
        [
          "-r", "-m", "/bin/sh", "-c",
          "mount -t tmpfs none /opt/swift && test ! -e /opt/swift/usr/bin/swift && exec env -i PATH=/usr/bin:/bin "
            + "'\(prefix)/bin/\(name)' --version",
        ])
      #expect(result.status == 0, "\(name): \(result.stderr)")
      #expect(result.stdout.hasPrefix("0.1.0 (commit \(commit)"), "\(name): \(result.stdout)")
    }
    // And they do real work there: the samples validated, from the repository.
    let validate = try runTool(
      "/usr/bin/unshare",
      [
        "-r", "-m", "/bin/sh", "-c",
        "mount -t tmpfs none /opt/swift && exec env -i PATH=/usr/bin:/bin '\(prefix)/bin/incidents' validate --events "
          + "'\(Repository.path("samples/events.jsonl"))'",
      ])
    #expect(validate.status == 0, "\(validate.stderr)")
    #expect(validate.stdout.contains("OK: every record was replayed."))
  }

  @Test func manualPagesDescribeEveryCommandFromItsOwnHelp() throws {
    let prefix = try installed()
    let directory = "\(prefix)/share/man/man1"
    let pages = Set(try FileManager.default.contentsOfDirectory(atPath: directory))
    for page in ["incidents.1", "incidents.validate.1", "slo.check.1", "reliability.weekly.1", "postmortem.draft.1"] {
      #expect(pages.contains(page), "\(pages.sorted())")
    }
    let validate = try String(contentsOfFile: "\(directory)/incidents.validate.1", encoding: .utf8)
    #expect(validate.contains(".Dt INCIDENTS.VALIDATE 1") || validate.contains(".TH"), "\(validate.prefix(300))")
    // The options come from the command's own help: the shared ones too.
    for option in ["memory-limit", "diagnostics", "quiet"] { #expect(validate.contains(option), "\(option)") }
  }

  @Test func completionScriptsCompleteFileNamesWherePathsGo() throws {
    let prefix = try installed()
    // bash: the case arm for an option's value offers files (`-f`) for a path, nothing for a word.
    let bash = try String(contentsOfFile: "\(prefix)/share/bash-completion/completions/incidents", encoding: .utf8)
    #expect(bash.contains("validate"))
    func bashArm(_ option: String) -> String? {
      guard let start = bash.range(of: "'\(option)')\n") else { return nil }
      return String(bash[start.upperBound...].prefix { $0 != ";" })
    }
    #expect(bashArm("--events")?.contains("__incidents_add_completions -f") == true, "\(bashArm("--events") ?? "no arm")")
    #expect(bashArm("--diagnostics")?.contains("__incidents_add_completions -f") == true)
    #expect(bashArm("--org")?.contains("-f") != true)
    // zsh: `_files` as the value's action.
    let zsh = try String(contentsOfFile: "\(prefix)/share/zsh/site-functions/_incidents", encoding: .utf8)
    let zshEvents = zsh.split(separator: "\n").filter { $0.contains("'--events[") }
    #expect(!zshEvents.isEmpty && zshEvents.allSatisfy { $0.hasSuffix(":file:_files'") }, "\(zshEvents)")
    #expect(zsh.split(separator: "\n").filter { $0.contains("'--org[") }.allSatisfy { !$0.contains("_files") })
    // fish: `-rF` (a value, files forced) for a path; `-rf` (files suppressed) for a word.
    let fish = try String(contentsOfFile: "\(prefix)/share/fish/vendor_completions.d/incidents.fish", encoding: .utf8)
    func fishLine(_ option: String) -> String? {
      fish.split(separator: "\n").first { $0.contains("\"incidents validate\"") && $0.contains("-l '\(option)'") }.map(String.init)
    }
    #expect(fishLine("events")?.hasSuffix(" -rF") == true, "\(fishLine("events") ?? "no line")")
    #expect(fishLine("org")?.contains(" -rf") == true, "\(fishLine("org") ?? "no line")")
  }
}
