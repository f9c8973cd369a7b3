import Foundation
import TestSupport
import Testing

/// Runs a program found on PATH; nil when it is not installed.
private func runProgram(_ name: String, _ arguments: [String], input: String? = nil) throws -> String? {
  guard
    let path = ProcessInfo.processInfo.environment["PATH"]?.split(separator: ":").map({ "\($0)/\(name)" })
      .first(where: { FileManager.default.isExecutableFile(atPath: $0) })
  else { return nil }
  let process = Process()
  process.executableURL = URL(fileURLWithPath: path)
  process.arguments = arguments
  let output = Pipe()
  process.standardOutput = output
  process.standardError = FileHandle.nullDevice
  process.currentDirectoryURL = Repository.root
  let feed = Pipe()
  process.standardInput = feed
  try process.run()
  if let input { feed.fileHandleForWriting.write(Data(input.utf8)) }
  try feed.fileHandleForWriting.close()
  let data = output.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return String(decoding: data, as: UTF8.self)
}

private let libreOfficeIsInstalled = ["soffice", "pdfinfo"].allSatisfy { name in
  ProcessInfo.processInfo.environment["PATH"]?.split(separator: ":").contains {
    FileManager.default.isExecutableFile(atPath: "\($0)/\(name)")
  }
    ?? false
}

@Suite("The weekly workbook prints and says what it was made from", .serialized)
struct WeeklyPrintTests {
  private func write(_ dir: TemporaryDirectory, events: String = "samples/events.jsonl") throws {
    let result = try runTool(
      "reliability",
      [
        "weekly", "--events", events, "--slos", "samples/slos.yaml", "--week", "2026-W47", "--at", "2026-11-23T06:00:00Z", "--out-dir",
        dir.url.path,
      ])
    #expect(result.status == 0, "\(result.stderr)")
  }

  @Test func everySheetPrintsLandscapeOnePageWideWithItsHeaderRepeated() throws {
    let dir = try TemporaryDirectory()
    try write(dir)
    let book = try ReadBackWorkbook(path: dir.path("reliability-org_acme-2026-W47.xlsx"))
    let workbook = book.files["xl/workbook.xml"] ?? ""
    for (index, name) in book.sheetNames.enumerated() {
      let xml = book.sheetXML(name)
      #expect(xml.contains("<pageSetUpPr fitToPage=\"1\"/>"), "\(name)")
      // One page for the charts and this short Summary; one page wide and as long as it takes for the others.
      // (fitToWidth 1 and fitToHeight 1 are the defaults the file leaves out.)
      #expect(xml.contains("<pageSetup paperSize=\"9\" ") && xml.contains("orientation=\"landscape\"/>"), "\(name)")
      #expect(xml.contains("fitToHeight=\"0\"") == !["Charts", "Summary"].contains(name) && !xml.contains("fitToWidth="), "\(name)")
      #expect(xml.contains("<oddFooter>&amp;Lorg_acme 2026-W47&amp;C&amp;A"), "\(name)")
      if !["Summary", "Charts", "About"].contains(name) {
        let quoted = name.contains(" ") ? "'\(name)'" : name
        #expect(
          workbook.contains("<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"\(index)\">\(quoted)!$1:$1</definedName>"), "\(name)")
      }
      if name != "Charts" { #expect(xml.contains("state=\"frozen\""), "\(name) has a frozen header") }
    }
    // The wide sheets print their leading columns (the rest stays on screen, as the footer says).
    let slos = book.rows("SLOs")
    let incidents = book.rows("Incidents")
    #expect(workbook.contains("<definedName name=\"_xlnm.Print_Area\" localSheetId=\"2\">SLOs!$A$1:$N$\(slos)</definedName>"))
    #expect(workbook.contains("<definedName name=\"_xlnm.Print_Area\" localSheetId=\"4\">Incidents!$A$1:$K$\(incidents)</definedName>"))
    #expect(book.sheetXML("SLOs").contains("columns A–N printed, all on screen"))
    // Real Excel tables on the sheets that are held in memory, named and filtered.
    func tableNames(_ sheet: String) -> [String] {
      book.parts(of: sheet, "tables/").compactMap { xml in
        xml.range(of: #"displayName="[^"]+""#, options: .regularExpression).map { String(xml[$0].dropFirst(13).dropLast()) }
      }
    }
    #expect(tableNames("Summary") == ["Figures", "IncidentsPerService", "SLOBudgets", "TopPatterns"])
    #expect(tableNames("SLOs") == ["SLOTable"] && tableNames("Budget burn") == ["BurnTable"])
    #expect(tableNames("Patterns") == ["PatternTable"] && tableNames("About") == ["AboutTable"])
    // The streamed sheets have an autofilter instead (a table needs its rows in memory).
    #expect(book.sheetXML("Incidents").contains("<autoFilter ref=\"A1:R\(incidents)\"/>"))
    // Status cells are coloured: breached red, met green.
    let summary = book.cells("Summary")
    let header = try #require((1...60).first { summary["A\($0)"] == "SLO" && summary["B\($0)"] == "Budget remaining" })
    let statuses = ((header + 1)...(header + 7)).compactMap { summary["C\($0)"] }
    #expect(statuses.contains("BREACHED") && statuses.contains("MET"), "\(statuses)")
    #expect(book.files["xl/styles.xml"]?.contains("<fgColor rgb=\"FFFFC7CE\"/>") ?? false)
    #expect(book.files["xl/styles.xml"]?.contains("<fgColor rgb=\"FFC6EFCE\"/>") ?? false)
  }

  @Test func theAboutSheetNamesItsInputsWithTheirCountsAndDigests() throws {
    let dir = try TemporaryDirectory()
    // A gzip copy: its digest is the compressed file's, as sha256sum gives it; its lines are the events'.
    let compressed = dir.path("events.jsonl.gz")
    let gzip = try #require(try runProgram("sh", ["-c", "gzip -c samples/events.jsonl > '\(compressed)'"]))
    #expect(gzip.isEmpty)
    try write(dir, events: compressed)
    let book = try ReadBackWorkbook(path: dir.path("reliability-org_acme-2026-W47.xlsx"))
    let cells = book.cells("About")
    var about: [String: String] = [:]
    var row = 4
    while let item = cells["A\(row)"] {
      about[item] = cells["B\(row)"]
      row += 1
    }
    let sha = try #require(try runProgram("sha256sum", [compressed])).prefix(64)
    #expect(about["Input"] == compressed)
    #expect(about["Input: SHA-256"] == String(sha))
    let lines = try String(contentsOfFile: Repository.path("samples/events.jsonl"), encoding: .utf8).split(separator: "\n").count
    #expect(about["Input: lines read"] == String(lines) && about["Input: events decoded"] == String(lines))
    #expect(about["Records read (all inputs)"] == String(lines) && about["Records skipped (see the run's diagnostics)"] == "0")
    // The SLO definitions' digest, as partial results carry it: SHA-256 of the file's text and a NUL.
    let slos = try String(contentsOfFile: Repository.path("samples/slos.yaml"), encoding: .utf8)
    let digest = try #require(try runProgram("sha256sum", [], input: slos + "\u{0}")).prefix(64)
    #expect(about["SLO definitions digest (SHA-256)"] == String(digest))
    #expect(about["Evaluated at (UTC: the period's end, or --at if earlier)"] == "46349")
    #expect(about["Timeline events"] == String(book.rows("Timeline") - 1))
    #expect(about["Tool version"]?.isEmpty == false)
  }

  @Test(.enabled(if: libreOfficeIsInstalled, "needs LibreOffice (soffice) and pdfinfo"))
  func eachOrgsWorkbookPrintsInAtMostTwelvePages() throws {
    let dir = try TemporaryDirectory()
    try write(dir)
    let profile = dir.path("libreoffice-profile")
    for org in ["org_acme", "org_globex"] {
      let workbook = dir.path("reliability-\(org)-2026-W47.xlsx")
      _ = try runProgram(
        "soffice", ["-env:UserInstallation=file://\(profile)", "--headless", "--convert-to", "pdf", "--outdir", dir.url.path, workbook])
      let info = try #require(try runProgram("pdfinfo", [dir.path("reliability-\(org)-2026-W47.pdf")]))
      let pages = info.split(separator: "\n").first { $0.hasPrefix("Pages:") }.flatMap {
        Int($0.dropFirst(6).trimmingCharacters(in: .whitespaces))
      }
      let count = try #require(pages, "\(info)")
      // Eight sheets: each prints at least one page.
      #expect((8...12).contains(count), "\(org): \(count) pages")
    }
  }
}
