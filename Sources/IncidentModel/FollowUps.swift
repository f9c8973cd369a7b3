/// Recognises notes and actions that read as follow-up work.
///
/// A postmortem pre-fills its action items from them, and the related-incidents
/// section says whether earlier occurrences recorded any, so the test lives in
/// the model: replay counts them even when it keeps no note text.
public enum FollowUp {
  /// Openings that mark a follow-up: "Follow-up:", "TODO", "Action item:", "AI:", "Next step:".
  static let openings = ["follow-up", "follow up", "followup", "todo", "action item", "ai:", "next step", "to do:"]
  /// Phrases that ask for work anywhere in the text.
  static let phrases = ["we need to add", "we will add", "follow-up:"]

  /// True when `text` starts like a follow-up or asks for work to be added or changed.
  public static func reads(_ text: String) -> Bool {
    // Replay asks this of every note: ASCII text (nearly all) is matched on its bytes.
    if let answer = text.utf8.withContiguousStorageIfAvailable(reads(ascii:)), let answer { return answer }
    let lower = text.lowercased().drop { $0 == " " || $0 == "-" || $0 == "*" }
    if openings.contains(where: { lower.hasPrefix($0) }) { return true }
    return phrases.contains { lower.contains($0) }
  }

  /// The answer for text given as UTF-8 bytes when they are all ASCII; nil for any other text.
  public static func reads(ascii bytes: UnsafeBufferPointer<UInt8>) -> Bool? {
    guard bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
    let start = bytes.firstIndex { $0 != 0x20 && $0 != 0x2D && $0 != 0x2A } ?? bytes.endIndex
    func matches(_ phrase: String, at offset: Int) -> Bool {
      guard bytes.count - offset >= phrase.utf8.count else { return false }
      var index = offset
      for expected in phrase.utf8 {
        let byte = bytes[index]
        guard (byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte) == expected else { return false }
        index += 1
      }
      return true
    }
    if openings.contains(where: { matches($0, at: start) }) { return true }
    // Every phrase starts with "w" or "f": only there is a phrase compared.
    for offset in bytes.indices where bytes[offset] | 0x20 == 0x77 || bytes[offset] | 0x20 == 0x66 {
      if phrases.contains(where: { matches($0, at: offset) }) { return true }
    }
    return false
  }
}
