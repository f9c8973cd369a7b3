import Foundation

/// A blameful phrasing and the systemic wording to use instead.
public struct BlamelessRule: Sendable, Hashable {
  /// When a match of the pattern is a finding.
  public enum Condition: Sendable, Hashable {
    /// Always.
    case always
    /// When the clause's subject (the word before the phrase) is a person: "the engineer failed to", not "the pod".
    case personSubject
    /// When the subject is a person, or the phrase is a passive without an agent or with a person as agent:
    /// "the deploy should have been caught", "… validated by the author", not "the cache should have expired".
    case personSubjectOrPassive
    /// Unless a metric's name follows: "user error rate" is a measurement, "user error" a verdict.
    case notMetricName
  }

  /// The rule's name, used in suppressions (`<!-- postmortem-lint ignore human-error -->`).
  public var id: String
  /// Case-insensitive regular expression; word boundaries are part of it.
  public var pattern: String
  public var suggestion: String
  public var condition: Condition = .always
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
      suggestion: "name the gap in process, tooling or context that let the action cause harm", condition: .notMetricName),
    BlamelessRule(
      id: "should-have", pattern: #"\bshould(n't| not| never)? have\b|\bshould've\b"#,
      suggestion: "ask what would have made the safe action the easy one", condition: .personSubjectOrPassive),
    BlamelessRule(
      id: "failed-to", pattern: #"\bfail(ed|s)? to\b"#,
      suggestion: "say what did not happen and what in the system allowed it", condition: .personSubject),
    BlamelessRule(
      id: "trait-judgement",
      pattern:
        #"\bcareless(ly|ness)?\b|\bsloppy\b|\blazy\b|\bincompetent\b|\basleep at the wheel\b|\b(did not|didn't|never) bother(ed)?\b|\bbothered to\b"#,
      suggestion: "describe the conditions (load, ambiguity, fatigue, tooling) instead of a trait"),
    BlamelessRule(
      id: "person-broke", pattern: #"\b(broke|messed up|screwed up|botched|missed|ignored|skipped|made a mistake)\b"#,
      suggestion: "describe what the change did and what let it through", condition: .personSubject),
    BlamelessRule(
      id: "named-person", pattern: NamedPeople.pattern,
      suggestion: "name the role (the on-call engineer) or the change, not the person"),
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
        #"\b(caused|broken|triggered|introduced) by (@[A-Za-z0-9_-]+|user_\w+)|(@[A-Za-z0-9_-]+|\buser_\w+) (caused|broke|forgot|missed|messed up|ran|\w+ed)\b"#,
      suggestion: "name the change or the condition as the cause, not the person"),
  ]

  private static let compiled: [(BlamelessRule, NSRegularExpression)] = rules.compactMap { rule in
    // Names are matched as written (capitalised): "Mark ignored", not "mark the alert".
    let options: NSRegularExpression.Options = rule.id == "named-person" ? [] : [.caseInsensitive]
    return (try? NSRegularExpression(pattern: rule.pattern, options: options)).map { (rule, $0) }
  }

  /// Whether the match at `range` of `line` meets its rule's condition.
  private static func holds(_ condition: BlamelessRule.Condition, in line: String, at range: Range<String.Index>) -> Bool {
    switch condition {
    case .always: return true
    case .personSubject: return Subjects.isPerson(Subjects.head(before: range.lowerBound, in: line))
    case .personSubjectOrPassive:
      if Subjects.isPerson(Subjects.head(before: range.lowerBound, in: line)) { return true }
      let rest = line[range.upperBound...].lowercased()
      guard rest.hasPrefix(" been ") else { return false }
      // A passive: about people unless its agent is a thing ("… released by the controller").
      guard let by = rest.range(of: " by ") else { return true }
      let agent = rest[by.upperBound...].split(whereSeparator: { !$0.isLetter && $0 != "_" && $0 != "@" && $0 != "-" })
        .first { !Subjects.determiners.contains(String($0)) }
      return agent.map { Subjects.isPerson(String($0)) } ?? true
    case .notMetricName:
      let next = line[range.upperBound...].split(whereSeparator: { !$0.isLetter }).first.map { $0.lowercased() }
      return !(next.map(Subjects.metricNouns.contains) ?? false)
    }
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
          guard let matchRange = Range(match.range, in: line), holds(rule.condition, in: line, at: matchRange) else { continue }
          findings.append(
            LintFinding(
              rule: rule.id, line: index + 1, column: line.distance(from: line.startIndex, to: matchRange.lowerBound) + 1,
              phrase: String(line[matchRange]), suggestion: rule.suggestion))
        }
      }
    }
    // Where two rules find the same words ("user_bo broke": a person as the cause, and a person who broke
    // something), the one listed first speaks.
    let order = Dictionary(uniqueKeysWithValues: rules.enumerated().map { ($1.id, $0) })
    var kept: [LintFinding] = []
    for finding in findings.sorted(by: { ($0.line, $0.column, order[$0.rule] ?? 0) < ($1.line, $1.column, order[$1.rule] ?? 0) }) {
      let overlapping = kept.contains { other in
        other.line == finding.line && other.column < finding.column + finding.phrase.count
          && finding.column < other.column + other.phrase.count && other.rule != finding.rule
      }
      if !overlapping { kept.append(finding) }
    }
    return kept.sorted { ($0.line, $0.column, $0.rule) < ($1.line, $1.column, $1.rule) }
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

/// Who a clause is about: the word before a phrase, read as its subject's head.
enum Subjects {
  /// Words that stand for people: pronouns, roles, and the shapes of actor ids.
  static let personWords: Set<String> = [
    "i", "we", "he", "she", "they", "you", "someone", "somebody", "nobody", "anyone", "everyone", "engineer", "engineers",
    "operator", "operators", "developer", "developers", "dev", "devs", "on-call", "oncall", "on-caller", "sre", "sres",
    "admin", "admins", "administrator", "responder", "responders", "reviewer", "reviewers", "author", "authors", "team",
    "teammate", "person", "people", "staff", "human", "humans", "manager", "lead", "intern", "contractor", "commander",
    "owner", "approver", "deployer",
  ]
  /// Words skipped on the way back to the head: "Goran should never have", "the engineer also failed to".
  static let fillers: Set<String> = ["also", "then", "just", "simply", "clearly", "really", "again", "still", "never", "had", "has"]
  static let determiners: Set<String> = ["the", "a", "an", "this", "that", "our", "their", "its"]
  /// Nouns that make "user error" the name of a metric.
  static let metricNouns: Set<String> = [
    "rate", "rates", "ratio", "count", "counts", "counter", "counters", "budget", "budgets", "metric", "metrics", "percentage",
    "total", "totals", "dashboard", "panel", "graph", "slo", "sli",
  ]

  /// The last word before `index` in its clause, lowercased ("" when the clause starts there).
  static func head(before index: String.Index, in line: String) -> String {
    let words = line[..<index].split(whereSeparator: { $0 == " " || $0 == "\t" })
    for word in words.reversed() {
      if let last = word.last, ".;:!?,(".contains(last) { return "" }
      let bare = word.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "\"'()[]*_`"))
      if fillers.contains(bare) { continue }
      // A clause that begins with a conjunction has its subject further back, or none ("… but failed to upload").
      if ["but", "and", "or", "because", "so"].contains(bare) { return "" }
      return bare
    }
    return ""
  }

  static func isPerson(_ word: String) -> Bool {
    let word = word.lowercased()
    return personWords.contains(word) || word.hasPrefix("@") || word.hasPrefix("user_") || NamedPeople.lowercased.contains(word)
  }
}

/// First names, as people are named in incident narratives (the samples' responders among them).
enum NamedPeople {
  static let names = [
    "Alice", "Bob", "Carol", "Dave", "Eve", "Frank", "Grace", "Heidi", "Ivan", "Judy", "Mallory", "Oscar", "Peggy", "Trent",
    "Victor", "Walter", "Ana", "Bo", "Chen", "Dara", "Eli", "Fatima", "Goran", "Hana", "Mark", "Priya", "Tom", "Sam", "Dana",
    "John", "Jane", "Mike", "Sarah", "David", "Maria", "James", "Anna", "Peter", "Paul", "Laura", "Kevin", "Emma", "Lucas",
    "Sofia", "Omar", "Aisha", "Wei", "Yuki", "Raj", "Nina", "Leo", "Mia", "Noah", "Olivia", "Liam", "Sara", "Tariq",
  ]
  static let lowercased = Set(names.map { $0.lowercased() })
  /// A name, as written, followed by its possessive or by a verb in the past ("Bob pushed", "Hana's change").
  static let pattern =
    #"\b(?:"# + names.joined(separator: "|")
    + #")(?:'s\b| (?:\w+ed|ran|broke|made|took|did|wrote|forgot|sent|set|put|left|lost|hit|began|drove)\b)"#
}
