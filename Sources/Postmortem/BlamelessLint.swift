import Foundation

/// A blameful phrasing and the systemic wording to use instead.
public struct BlamelessRule: Sendable, Hashable {
  /// The rule's name, used in suppressions (`<!-- postmortem-lint ignore human-error -->`).
  public var id: String
  /// Case-insensitive regular expression; word boundaries are part of it.
  public var pattern: String
  public var suggestion: String
}

/// One blameful phrase found in a text.
public struct LintFinding: Sendable, Hashable {
  public var rule: String
  /// 1-based line and column (in characters).
  public var line: Int
  public var column: Int
  /// The phrase as written.
  public var phrase: String
  public var suggestion: String
}

/// Finds blameful phrasings: the postmortem stays about systems, not people.
///
/// Suppressions follow alex: `<!-- postmortem-lint ignore RULE[, RULE] -->` skips
/// those rules (all, without a rule) for the next block of text (up to a blank
/// line), `disable RULE` and `enable RULE` for a stretch, so a quoted log line can stay as it was.
public enum BlamelessLint {
  public static let rules: [BlamelessRule] = [
    BlamelessRule(
      id: "human-error", pattern: #"\b(human|operator|user|pilot) error\b"#,
      suggestion: "name the gap in process, tooling or context that let the action cause harm"),
    BlamelessRule(
      id: "should-have", pattern: #"\bshould(n't| not)? have\b|\bshould've\b"#,
      suggestion: "ask what would have made the safe action the easy one"),
    BlamelessRule(
      id: "failed-to", pattern: #"\bfail(ed|s)? to\b"#,
      suggestion: "say what did not happen and what in the system allowed it"),
    BlamelessRule(
      id: "trait-judgement", pattern: #"\bcareless(ly|ness)?\b|\bsloppy\b|\blazy\b|\bincompetent\b"#,
      suggestion: "describe the conditions (load, ambiguity, fatigue, tooling) instead of a trait"),
    BlamelessRule(
      id: "missed-step", pattern: #"\bforg(o|e)t(ten)?\b|\bforgetting\b"#,
      suggestion: "say which step the runbook or tooling did not prompt or enforce"),
    BlamelessRule(
      id: "fault", pattern: #"\b(at|whose|his|her|their|our|my|your) fault\b|\bfault of\b|'s fault\b"#,
      suggestion: "describe the contributing factors instead of assigning responsibility"),
    BlamelessRule(
      id: "neglect-claim", pattern: #"\bnegligen(ce|t|tly)\b"#,
      suggestion: "describe which safeguard was missing"),
    BlamelessRule(
      id: "culprit-search", pattern: #"\bblam(e|ed|es|ing)\b"#,
      suggestion: "look for causes in the system, not for a culprit"),
    BlamelessRule(
      id: "person-as-cause",
      pattern:
        #"\b(caused|broken|triggered|introduced) by (@[A-Za-z0-9_-]+|user_\w+)|(@[A-Za-z0-9_-]+|\buser_\w+) (caused|broke|forgot|missed|messed up)\b"#,
      suggestion: "name the change or the condition as the cause, not the person"),
  ]

  private static let compiled: [(BlamelessRule, NSRegularExpression)] = rules.compactMap { rule in
    (try? NSRegularExpression(pattern: rule.pattern, options: [.caseInsensitive])).map { (rule, $0) }
  }

  /// The findings in `text`, in line and column order, suppressions applied.
  public static func lint(_ text: String) -> [LintFinding] {
    var findings: [LintFinding] = []
    var ignoredForBlock: Set<String>?  // the rules of a pending `ignore`; empty set means all
    var inIgnoredBlock = false
    var disabled: Set<String> = []
    var disabledAll = false
    for (index, line) in text.components(separatedBy: "\n").enumerated() {
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      if let directive = directive(in: trimmed) {
        switch directive.verb {
        case "ignore":
          ignoredForBlock = directive.rules
          inIgnoredBlock = false
        case "disable":
          if directive.rules.isEmpty { disabledAll = true } else { disabled.formUnion(directive.rules) }
        case "enable":
          if directive.rules.isEmpty {
            disabledAll = false
            disabled = []
          } else {
            disabled.subtract(directive.rules)
          }
        default:
          break
        }
        continue
      }
      if trimmed.isEmpty {
        // A blank line ends the block an `ignore` applied to.
        if inIgnoredBlock {
          ignoredForBlock = nil
          inIgnoredBlock = false
        }
        continue
      }
      if ignoredForBlock != nil { inIgnoredBlock = true }
      let range = NSRange(line.startIndex..<line.endIndex, in: line)
      for (rule, expression) in compiled {
        if disabledAll || disabled.contains(rule.id) { continue }
        if let ignored = ignoredForBlock, ignored.isEmpty || ignored.contains(rule.id) { continue }
        for match in expression.matches(in: line, range: range) {
          guard let matchRange = Range(match.range, in: line) else { continue }
          findings.append(
            LintFinding(
              rule: rule.id, line: index + 1, column: line.distance(from: line.startIndex, to: matchRange.lowerBound) + 1,
              phrase: String(line[matchRange]), suggestion: rule.suggestion))
        }
      }
    }
    return findings.sorted { ($0.line, $0.column, $0.rule) < ($1.line, $1.column, $1.rule) }
  }

  /// `<!-- postmortem-lint VERB [RULE, ...] -->`.
  private static func directive(in line: String) -> (verb: String, rules: Set<String>)? {
    guard line.hasPrefix("<!--"), line.hasSuffix("-->") else { return nil }
    let body = line.dropFirst(4).dropLast(3).trimmingCharacters(in: .whitespaces)
    let words = body.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
    guard words.count >= 2, words[0] == "postmortem-lint" || words[0] == "alex" else { return nil }
    return (words[1], Set(words.dropFirst(2)))
  }
}
