import Foundation
import Postmortem
import TestSupport
import Testing

/// The lint against sentences labelled by hand (Tests/Fixtures/lint-corpus.tsv): how often a flag is right
/// (precision) and how many blameful sentences it flags (recall).
@Suite("Blameless lint on a labelled corpus")
struct BlamelessLintCorpusTests {
  struct Scores {
    var truePositives: [String] = []
    var falsePositives: [String] = []
    var falseNegatives: [String] = []
    var trueNegatives = 0
    var precision: Double { Double(truePositives.count) / Double(max(1, truePositives.count + falsePositives.count)) }
    var recall: Double { Double(truePositives.count) / Double(max(1, truePositives.count + falseNegatives.count)) }
  }

  /// Scores every labelled sentence of the corpus; a sentence is flagged when the lint finds anything in it.
  static func score() throws -> (scores: Scores, sentences: Int) {
    let corpus = try String(contentsOfFile: Repository.path("Tests/Fixtures/lint-corpus.tsv"), encoding: .utf8)
    var scores = Scores()
    var sentences = 0
    for line in corpus.split(separator: "\n") where !line.hasPrefix("#") {
      let parts = line.split(separator: "\t", maxSplits: 1).map(String.init)
      guard parts.count == 2, ["blameful", "blameless"].contains(parts[0]) else {
        Issue.record("a corpus line is not label<TAB>sentence: \(line)")
        continue
      }
      sentences += 1
      let flagged = !BlamelessLint.lint(parts[1]).isEmpty
      switch (parts[0] == "blameful", flagged) {
      case (true, true): scores.truePositives.append(parts[1])
      case (false, true): scores.falsePositives.append(parts[1])
      case (true, false): scores.falseNegatives.append(parts[1])
      case (false, false): scores.trueNegatives += 1
      }
    }
    return (scores, sentences)
  }

  @Test func precisionAndRecallMeetTheirTargets() throws {
    let (scores, sentences) = try Self.score()
    #expect(sentences >= 150, "the corpus holds at least 150 sentences")
    print(
      "blameless lint on \(sentences) labelled sentences: precision \(String(format: "%.3f", scores.precision)), "
        + "recall \(String(format: "%.3f", scores.recall)); flagged but blameless: \(scores.falsePositives); "
        + "blameful but not flagged: \(scores.falseNegatives)")
    #expect(scores.precision >= 0.95, "flagged but blameless: \(scores.falsePositives)")
    #expect(scores.recall >= 0.90, "blameful but not flagged: \(scores.falseNegatives)")
  }
}
