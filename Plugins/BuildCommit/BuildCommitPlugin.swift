import Foundation
import PackagePlugin

/// Writes `BuildCommit.swift`, naming the commit the sources were built from, for `--version`.
///
/// A prebuild command runs before every build: the file is rewritten only when the commit
/// (or whether the tree has changes) differs, so an unchanged tree compiles nothing again.
/// Without git or outside a clone the commit is "unknown".
@main
struct BuildCommitPlugin: BuildToolPlugin {
  func createBuildCommands(context: PluginContext, target: any Target) async throws -> [Command] {
    let output = context.pluginWorkDirectoryURL.appending(path: "Generated")
    let file = output.appending(path: "BuildCommit.swift")
    let script = """
      set -u
      mkdir -p "$2"
      commit=$(git -C "$1" rev-parse --short=12 HEAD 2>/dev/null) || commit=unknown
      if [ "$commit" != unknown ] && ! git -C "$1" diff --quiet HEAD -- Sources Package.swift 2>/dev/null; then
        commit="$commit-modified"
      fi
      text="/// The commit the toolkit was built from (written by the BuildCommit plugin).
      let buildCommit = \\"$commit\\""
      if [ ! -f "$3" ] || [ "$(cat "$3")" != "$text" ]; then printf '%s\\n' "$text" > "$3"; fi
      """
    return [
      .prebuildCommand(
        displayName: "Naming the commit the toolkit is built from",
        executable: URL(fileURLWithPath: "/bin/sh"),
        arguments: ["-c", script, "sh", context.package.directoryURL.path, output.path, file.path],
        outputFilesDirectory: output)
    ]
  }
}
