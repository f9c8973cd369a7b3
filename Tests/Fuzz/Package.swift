// swift-tools-version:5.3
import PackageDescription

// libFuzzer targets, apart from the main package: each defines `LLVMFuzzerTestOneInput` and no
// `main` (libFuzzer brings its own), so they link only with `-sanitize=fuzzer`. Built and run by
// `make fuzz` (scripts/fuzz); crashes found are turned into tests of the main package.
// No top-level code, so no `main`: the one libFuzzer links in runs the target.
let library: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]

let package = Package(
  name: "runbook-revenant-fuzz",
  // Plain targets behind executable products: SwiftPM then renames no entry point.
  products: [
    .executable(name: "fuzz-event-decoder", targets: ["fuzz-event-decoder"]),
    .executable(name: "fuzz-slo-parser", targets: ["fuzz-slo-parser"]),
    .executable(name: "fuzz-template", targets: ["fuzz-template"]),
  ],
  dependencies: [.package(name: "runbook-revenant-analytics", path: "../..")],
  targets: [
    .target(
      name: "fuzz-event-decoder",
      dependencies: [
        .product(name: "EventSources", package: "runbook-revenant-analytics"),
        .product(name: "ReplayEngine", package: "runbook-revenant-analytics"),
        .product(name: "IncidentModel", package: "runbook-revenant-analytics"),
      ], swiftSettings: library),
    .target(
      name: "fuzz-slo-parser", dependencies: [.product(name: "SLOBudget", package: "runbook-revenant-analytics")],
      swiftSettings: library),
    .target(
      name: "fuzz-template",
      dependencies: [
        .product(name: "Postmortem", package: "runbook-revenant-analytics"),
        .product(name: "IncidentModel", package: "runbook-revenant-analytics"),
      ], swiftSettings: library),
  ]
)
