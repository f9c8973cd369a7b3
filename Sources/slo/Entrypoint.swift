import ToolkitCommands

@main
struct Entrypoint {
  static func main() async {
    await ToolkitMain.main(SLOCommand.self)
  }
}
