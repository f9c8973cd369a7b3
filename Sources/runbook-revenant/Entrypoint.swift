import ToolkitCommands

/// The four commands in one binary, for installing.
///
/// Each installed command is a link to it, and the name it is run by says which command it is.
/// A static Swift runtime makes a binary some 65 MB; one instead of four keeps an install a quarter of that size.
@main
struct Entrypoint {
  static func main() async {
    let name = CommandLine.arguments.first?.split(separator: "/").last.map(String.init) ?? ""
    await ToolkitMain.main(AllCommands.command(named: name))
  }
}
