// swift-tools-version: 6.1
import PackageDescription

// Shared settings, declared once.
let strictSwift: [SwiftSetting] = [
  .enableUpcomingFeature("ExistentialAny"),
  .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
  name: "runbook-revenant-analytics",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "incidents", targets: ["incidents"]),
    .executable(name: "reliability", targets: ["reliability"]),
    .executable(name: "slo", targets: ["slo"]),
    .executable(name: "postmortem", targets: ["postmortem"]),
    .executable(name: "runbook-revenant", targets: ["runbook-revenant"]),
    .library(name: "IncidentModel", targets: ["IncidentModel"]),
    .library(name: "EventSources", targets: ["EventSources"]),
    .library(name: "ReplayEngine", targets: ["ReplayEngine"]),
    // For the fuzz targets (Tests/Fuzz), which drive the parsers directly.
    .library(name: "SLOBudget", targets: ["SLOBudget"]),
    .library(name: "Postmortem", targets: ["Postmortem"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-algorithms.git", from: "1.2.1"),
    .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
    .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
    .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
    // Test-only: read written workbooks back.
    .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
    .package(url: "https://github.com/drmohundro/SWXMLHash.git", from: "8.1.1"),
  ],
  targets: [
    // MARK: - C libraries (module maps only)

    .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
    .systemLibrary(name: "CXLSXWriter", pkgConfig: "xlsxwriter", providers: [.apt(["libxlsxwriter-dev"])]),
    /// The system's libcrypto (OpenSSL), which libpq already loads: SHA-256 and MD5 without building a TLS stack.
    .systemLibrary(name: "CLibCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
    /// The system's zlib (libxlsxwriter loads it too): gzip input.
    .systemLibrary(name: "CLibZ", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
    /// The C library's allocator controls (glibc's `malloc_trim`), for handing freed heap pages back.
    .systemLibrary(name: "CMalloc", path: "Sources/CMalloc"),
    /// Guards descriptors 0–2 at process start (a C constructor, ahead of every runtime that opens files).
    .target(name: "CStandardStreams"),

    // MARK: - Pure libraries

    /// SHA-256 and MD5 over the system's libcrypto: the one thin wrapper of it.
    .target(name: "Digests", dependencies: ["CLibCrypto"], swiftSettings: strictSwift),

    /// Gzip members inflated through the system's zlib: the one thin wrapper of it.
    .target(name: "Gzip", dependencies: ["CLibZ"], swiftSettings: strictSwift),

    /// The event model and the replay of an incident's events into read models.
    .target(
      name: "IncidentModel", dependencies: [.product(name: "Algorithms", package: "swift-algorithms")], swiftSettings: strictSwift),

    /// Recurring-pattern groups by org, service and correlation key, with their statistics.
    .target(name: "Patterns", dependencies: ["IncidentModel"], swiftSettings: strictSwift),

    /// SLO definitions (OpenSLO v1), the error-budget engine, burn-rate alerts, explanations.
    .target(
      name: "SLOBudget",
      dependencies: [
        "IncidentModel", .product(name: "Yams", package: "Yams"), .product(name: "Algorithms", package: "swift-algorithms"),
      ],
      swiftSettings: strictSwift
    ),

    /// Postmortem drafts: the draft model with its evidence, blameless lint, Mustache rendering.
    .target(
      name: "Postmortem",
      dependencies: ["IncidentModel", "SLOBudget", "Patterns", .product(name: "Mustache", package: "swift-mustache")],
      swiftSettings: strictSwift
    ),

    // MARK: - Sources (adapters at the input edge)

    /// JSON Lines (files, stdin, gzip): the byte-level reader, diagnostics, dedupe and grouping.
    .target(
      name: "EventSources",
      dependencies: [
        "IncidentModel", "Digests", "Gzip",
        .product(name: "SystemPackage", package: "swift-system"),
      ],
      swiftSettings: strictSwift
    ),

    /// IncidentEvents from a PostgreSQL table: the one thin libpq wrapper, the source, the importer.
    .target(
      name: "PostgresSource",
      dependencies: ["CLibPQ", "EventSources", "IncidentModel"],
      swiftSettings: strictSwift
    ),

    // MARK: - Engine

    /// Loading: partitions by incident, spilling past the memory limit, dedupe, parallel replay into folds.
    .target(
      name: "ReplayEngine",
      dependencies: [
        "CMalloc", "EventSources", "IncidentModel", .product(name: "SystemPackage", package: "swift-system"),
        .product(name: "HeapModule", package: "swift-collections"),
      ],
      swiftSettings: strictSwift
    ),

    // MARK: - Sinks (adapters at the output edge)

    /// The one thin libxlsxwriter wrapper: workbook, worksheet, format and chart.
    .target(name: "Spreadsheet", dependencies: ["CXLSXWriter"], swiftSettings: strictSwift),

    /// The weekly reliability report: figures assembled into sheets, charts and a Markdown summary.
    .target(
      name: "ReliabilityReport",
      dependencies: [
        "IncidentModel", "SLOBudget", "Patterns", "Spreadsheet", .product(name: "HeapModule", package: "swift-collections"),
      ],
      swiftSettings: strictSwift
    ),

    /// Deterministic, realistic IncidentEvent streams (and matching OpenSLO documents)
    /// for the samples, the tests and the benchmarks.
    .target(
      name: "SampleGenerator",
      dependencies: ["IncidentModel", "EventSources", .product(name: "HeapModule", package: "swift-collections")],
      swiftSettings: strictSwift
    ),

    /// Text, Markdown, JSON, JUnit and CSV renderings of the analyses' results, and number and duration formatting.
    .target(
      name: "Rendering",
      dependencies: ["IncidentModel", "EventSources", "ReplayEngine", "Patterns", "SLOBudget", "Postmortem"],
      swiftSettings: strictSwift
    ),

    /// The envelope of partial-result files (`--emit-partial`, `--from-partials`): header, checksum, merge checks.
    .target(
      name: "PartialResults",
      dependencies: ["Digests"],
      swiftSettings: strictSwift
    ),

    // MARK: - Build information

    /// Names the commit the sources were built from, for `--version`.
    .plugin(name: "BuildCommit", capability: .buildTool(), path: "Plugins/BuildCommit"),

    // MARK: - Commands

    /// Every command and subcommand, shared option groups, output writers and exit codes.
    .target(
      name: "ToolkitCommands",
      dependencies: [
        "IncidentModel", "EventSources", "ReplayEngine", "PostgresSource", "Patterns", "SLOBudget", "Postmortem", "ReliabilityReport",
        "Rendering", "SampleGenerator", "PartialResults", "CStandardStreams", "Digests",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      swiftSettings: strictSwift,
      plugins: ["BuildCommit"]
    ),

    // MARK: - Executables (one-file entry points)

    .executableTarget(name: "incidents", dependencies: ["ToolkitCommands"], swiftSettings: strictSwift),
    .executableTarget(name: "reliability", dependencies: ["ToolkitCommands"], swiftSettings: strictSwift),
    .executableTarget(name: "slo", dependencies: ["ToolkitCommands"], swiftSettings: strictSwift),
    .executableTarget(name: "postmortem", dependencies: ["ToolkitCommands"], swiftSettings: strictSwift),
    /// The four in one binary, which `scripts/install` installs once and links under each name.
    .executableTarget(name: "runbook-revenant", dependencies: ["ToolkitCommands"], swiftSettings: strictSwift),

    // MARK: - Benchmarks (apart from the tests: they print figures and assert nothing)

    .executableTarget(
      name: "reader-benchmark",
      dependencies: ["EventSources", "IncidentModel", "ReplayEngine"],
      path: "Benchmarks/ReaderBenchmark",
      swiftSettings: strictSwift
    ),

    .executableTarget(
      name: "postgres-benchmark",
      dependencies: ["PostgresSource", "EventSources", "IncidentModel"],
      path: "Benchmarks/PostgresBenchmark",
      swiftSettings: strictSwift
    ),

    // MARK: - Tests

    .target(name: "TestSupport", dependencies: ["IncidentModel"], path: "Tests/TestSupport"),
    .testTarget(name: "IncidentModelTests", dependencies: ["IncidentModel", "TestSupport"], swiftSettings: strictSwift),
    .testTarget(name: "PatternsTests", dependencies: ["Patterns", "IncidentModel", "TestSupport"], swiftSettings: strictSwift),
    .testTarget(name: "PartialResultsTests", dependencies: ["PartialResults"], swiftSettings: strictSwift),
    .testTarget(
      name: "SLOBudgetTests", dependencies: ["SLOBudget", "IncidentModel", "EventSources", "ReplayEngine", "TestSupport"],
      swiftSettings: strictSwift),
    .testTarget(name: "PostmortemTests", dependencies: ["Postmortem", "IncidentModel", "TestSupport"], swiftSettings: strictSwift),
    .testTarget(
      name: "EventSourcesTests",
      dependencies: [
        "EventSources", "IncidentModel", "ReplayEngine", "SampleGenerator", "TestSupport",
      ],
      swiftSettings: strictSwift
    ),
    .testTarget(
      name: "ReplayEngineTests",
      dependencies: ["ReplayEngine", "EventSources", "IncidentModel", "SampleGenerator", "TestSupport"],
      swiftSettings: strictSwift
    ),
    /// Talks to the real PostgreSQL servers `scripts/with-postgres` starts (see `scripts/test`).
    .testTarget(
      name: "PostgresSourceTests",
      dependencies: ["PostgresSource", "EventSources", "IncidentModel", "ReplayEngine", "TestSupport", "incidents", "reliability", "slo"],
      swiftSettings: strictSwift
    ),
    .testTarget(
      name: "ToolkitCommandsTests",
      // The executables are listed so they are built for the end-to-end tests.
      dependencies: [
        "ToolkitCommands", "Rendering", "EventSources", "IncidentModel", "ReplayEngine", "Patterns", "SLOBudget", "SampleGenerator",
        "TestSupport",
        "incidents",
        "reliability", "slo",
        "postmortem", .product(name: "ZIPFoundation", package: "ZIPFoundation"), .product(name: "SWXMLHash", package: "SWXMLHash"),
      ],
      swiftSettings: strictSwift
    ),
  ]
)
