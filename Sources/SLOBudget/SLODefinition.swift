import Foundation
public import IncidentModel

/// One SLO, read from an OpenSLO v1 document.
public struct SLODefinition: Sendable, Hashable {
  /// `metadata.name`.
  public var name: String
  public var displayName: String?
  /// The owning organisation (`runbook-revenant.io/org`), or nil to take the command's `--org`.
  public var orgId: String?
  /// `spec.service`.
  public var service: String
  public var indicator: SLOIndicator
  public var window: SLOWindow
  public var budgeting: BudgetingMethod
  /// `objectives[0].target` as a fraction (`targetPercent` ÷ 100).
  public var target: Double
  /// With Timeslices: the slice length; a slice is bad if any bad time falls in it.
  public var timeSliceWindowMs: Int64?
  /// The `kind: BudgetAdjustment` documents that name this SLO.
  public var adjustments: [BudgetAdjustment] = []
  /// With Timeslices: the share of a slice that must be good for the slice to be good
  /// (`objectives[0].timeSliceTarget`, in (0, 1]; 1 when not given: any bad time makes a slice bad).
  public var timeSliceTarget: Double = 1
  /// `sloId`s of INCIDENT_SLO_VIOLATION_RECORDED events that are this SLO: its name and
  /// any listed in `runbook-revenant.io/slo-id` (comma-separated).
  public var recordedIds: [String]
  public var alertPolicies: [BurnRatePolicy]
  /// `FILE#DOCUMENT`, for messages.
  public var origin: String
  /// Where the SLO names its service: `FILE: document N, line L`, for messages about it.
  public var serviceLocation: String
  /// Where the SLO names its org (its annotation), or its document when it names none.
  public var orgLocation: String

  public init(
    name: String, displayName: String? = nil, orgId: String?, service: String, indicator: SLOIndicator, window: SLOWindow,
    budgeting: BudgetingMethod, target: Double, timeSliceWindowMs: Int64? = nil, recordedIds: [String] = [],
    alertPolicies: [BurnRatePolicy] = BurnRatePolicy.workbookDefaults, origin: String = "", serviceLocation: String? = nil,
    orgLocation: String? = nil
  ) {
    self.name = name
    self.displayName = displayName
    self.orgId = orgId
    self.service = service
    self.indicator = indicator
    self.window = window
    self.budgeting = budgeting
    self.target = target
    self.timeSliceWindowMs = timeSliceWindowMs
    self.recordedIds = recordedIds.isEmpty ? [name] : recordedIds
    self.alertPolicies = alertPolicies
    self.origin = origin
    self.serviceLocation = serviceLocation ?? origin
    self.orgLocation = orgLocation ?? origin
  }
}

/// A service an OpenSLO `kind: Service` document declares: it may have SLOs before it has incidents.
public struct DeclaredService: Sendable, Hashable {
  public var name: String
  /// The org of `runbook-revenant.io/org`; nil declares the name for every org.
  public var orgId: String?

  public init(name: String, orgId: String? = nil) {
    self.name = name
    self.orgId = orgId
  }
}

/// What SLO files hold: the SLOs, the services declared beside them, and what was read to no effect.
public struct SLODocuments: Sendable {
  public var definitions: [SLODefinition] = []
  public var services: [DeclaredService] = []
  /// Fields that were read but change nothing here, each with its place.
  public var warnings: [SLODefinitionWarning] = []

  public init(definitions: [SLODefinition] = [], services: [DeclaredService] = [], warnings: [SLODefinitionWarning] = []) {
    self.definitions = definitions
    self.services = services
    self.warnings = warnings
  }
}

/// A field of a definition that the toolkit reads but that has no effect on its figures: placed and
/// worded as an ``SLODefinitionError`` is, but reported without stopping.
public struct SLODefinitionWarning: Sendable, Equatable, CustomStringConvertible {
  public var place: SLODefinitionError

  public init(file: String, document: Int, line: Int?, field: String, reason: String) {
    place = SLODefinitionError(file: file, document: document, line: line, field: field, reason: reason)
  }

  public var description: String { place.description }
}

/// What an SLO measures.
public enum SLOIndicator: Sendable, Hashable {
  /// Time a service spends in a counted incident (`slo.md`, indicator 1).
  case incidentTime(countedSeverities: Set<Severity>)
  /// Good requests over all requests, from METRIC signals' counts (`slo.md`, indicator 2).
  case requestRatio

  /// Whether the SLO counts requests (and so reads METRIC signals' counts).
  public var isRequestRatio: Bool { self == .requestRatio }

  public var name: String {
    switch self {
    case .incidentTime: "incident-time"
    case .requestRatio: "request-ratio"
    }
  }
}

/// OpenSLO's `budgetingMethod`.
public enum BudgetingMethod: String, Sendable, Hashable {
  case occurrences = "Occurrences"
  case timeslices = "Timeslices"
}

/// The units of a calendar window.
public enum CalendarUnit: String, Sendable, Hashable {
  case day
  case week
  case month
  case quarter
  case year
}

/// OpenSLO's `timeWindow`: rolling (ending at the evaluation time) or calendar-aligned.
public enum SLOWindow: Sendable, Hashable, CustomStringConvertible {
  case rolling(milliseconds: Int64, text: String)
  /// One calendar unit (an ISO week, a month, ...) in a time zone (IANA name or `UTC`); with `start`
  /// (OpenSLO's `calendar.startTime`), the units are counted from that local time instead of from their
  /// natural boundaries.
  case calendar(unit: CalendarUnit, timeZone: String, text: String, start: LocalDateTime? = nil)

  public var description: String {
    switch self {
    case .rolling(_, let text): return "rolling \(text)"
    case .calendar(let unit, let zone, _, let start):
      guard let start, !start.isNaturalStart(of: unit) else {
        return "calendar \(unit == .week ? "ISO week" : unit.rawValue) (\(zone))"
      }
      return "calendar \(unit.rawValue) from \(start) (\(zone))"
    }
  }
}

/// A wall-clock date and time without a zone: OpenSLO's `calendar.startTime` (`2022-01-01 12:00:00`).
public struct LocalDateTime: Sendable, Hashable, CustomStringConvertible {
  public var date: CivilDate
  public var hour: Int
  public var minute: Int
  public var second: Int

  public init(date: CivilDate, hour: Int = 0, minute: Int = 0, second: Int = 0) {
    self.date = date
    self.hour = hour
    self.minute = minute
    self.second = second
  }

  /// Parses `YYYY-MM-DD HH:MM:SS` (a `T` for the space, and no seconds, are accepted too).
  public init?(_ text: String) {
    let parts = text.trimmingCharacters(in: .whitespaces).split(whereSeparator: { $0 == " " || $0 == "T" })
    guard (1...2).contains(parts.count), let date = CivilDate(iso: String(parts[0])) else { return nil }
    var clock = [0, 0, 0]
    if parts.count == 2 {
      let fields = parts[1].split(separator: ":")
      guard (2...3).contains(fields.count) else { return nil }
      for (index, field) in fields.enumerated() {
        guard field.count == 2, let value = Int(field) else { return nil }
        clock[index] = value
      }
      guard clock[0] < 24, clock[1] < 60, clock[2] < 60 else { return nil }
    }
    self.init(date: date, hour: clock[0], minute: clock[1], second: clock[2])
  }

  /// Whether units counted from here fall on the unit's own boundaries (midnight, a Monday, the 1st, …).
  public func isNaturalStart(of unit: CalendarUnit) -> Bool {
    guard hour == 0, minute == 0, second == 0 else { return false }
    switch unit {
    case .day: return true
    case .week: return date.isoWeekday == 1
    case .month: return date.day == 1
    case .quarter: return date.day == 1 && (date.month - 1) % 3 == 0
    case .year: return date.day == 1 && date.month == 1
    }
  }

  public var description: String {
    func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
    return "\(date) \(two(hour)):\(two(minute))" + (second == 0 ? "" : ":\(two(second))")
  }
}

/// A multi-window, multi-burn-rate alert (SRE Workbook, "Alerting on SLOs", table 5-8).
///
/// It fires when both windows burn faster than `factor = budgetShare × period ÷ longWindow`.
public struct BurnRatePolicy: Sendable, Hashable {
  /// `page` or `ticket`.
  public var severity: String
  /// The share of the whole budget the long window may burn, such as 0.02.
  public var budgetShare: Double
  public var longWindowMs: Int64
  public var shortWindowMs: Int64

  /// An OpenSLO `AlertCondition` of kind `burnrate`, when the policy came from one: it then fires on its
  /// own comparison (see ``BurnRateCondition``), and `longWindowMs` is its lookback window.
  public var condition: BurnRateCondition?

  public init(severity: String, budgetShare: Double, longWindowMs: Int64, shortWindowMs: Int64) {
    self.severity = severity
    self.budgetShare = budgetShare
    self.longWindowMs = longWindowMs
    self.shortWindowMs = shortWindowMs
  }

  /// A policy from an OpenSLO burn-rate condition.
  public init(severity: String, condition: BurnRateCondition) {
    self.severity = severity
    budgetShare = 0
    longWindowMs = condition.lookbackWindowMs
    shortWindowMs = condition.alertAfterMs
    self.condition = condition
  }

  /// 2% in 1h (5m) and 5% in 6h (30m) page; 10% in 3d (6h) opens a ticket.
  public static let workbookDefaults = [
    BurnRatePolicy(severity: "page", budgetShare: 0.02, longWindowMs: 3_600_000, shortWindowMs: 300_000),
    BurnRatePolicy(severity: "page", budgetShare: 0.05, longWindowMs: 21_600_000, shortWindowMs: 1_800_000),
    BurnRatePolicy(severity: "ticket", budgetShare: 0.10, longWindowMs: 259_200_000, shortWindowMs: 21_600_000),
  ]

  /// The burn-rate threshold for an SLO period (14.4, 6 and 1 for 30 days; 13.44, 5.6 and 0.933 for 28);
  /// a condition's own threshold.
  public func factor(periodMs: Int64) -> Double {
    condition?.threshold ?? budgetShare * Double(periodMs) / Double(longWindowMs)
  }

  /// How far before the evaluation time the alert reads: its longest window (and a condition's `alertAfter`).
  public var readsBackMs: Int64 {
    condition.map { $0.lookbackWindowMs + $0.alertAfterMs } ?? max(longWindowMs, shortWindowMs)
  }

  /// The share of the whole budget that burning at ``factor(periodMs:)`` for the long window spends.
  public func share(periodMs: Int64) -> Double {
    condition.map { $0.threshold * Double(longWindowMs) / Double(periodMs) } ?? budgetShare
  }
}

/// OpenSLO's burn-rate `AlertCondition`: the burn rate over `lookbackWindow`, compared with `threshold`
/// by `op`, must hold at every instant of the last `alertAfter` (0: at the evaluation time alone).
public struct BurnRateCondition: Sendable, Hashable {
  public enum Comparison: String, Sendable, Hashable {
    case lt, lte, gt, gte

    public func holds(_ value: Double, _ threshold: Double) -> Bool {
      switch self {
      case .lt: value < threshold
      case .lte: value <= threshold
      case .gt: value > threshold
      case .gte: value >= threshold
      }
    }

    public var symbol: String {
      switch self {
      case .lt: "<"
      case .lte: "≤"
      case .gt: ">"
      case .gte: "≥"
      }
    }
  }

  /// `metadata.name` of the condition, for messages.
  public var name: String
  public var op: Comparison
  public var threshold: Double
  public var lookbackWindowMs: Int64
  public var alertAfterMs: Int64

  public init(name: String, op: Comparison, threshold: Double, lookbackWindowMs: Int64, alertAfterMs: Int64) {
    self.name = name
    self.op = op
    self.threshold = threshold
    self.lookbackWindowMs = lookbackWindowMs
    self.alertAfterMs = alertAfterMs
  }
}
