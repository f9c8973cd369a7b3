import ToolkitCommands

@main
struct Entrypoint {
  static func main() async {
    await ToolkitMain.main(PostmortemCommand.self)
  }
}
