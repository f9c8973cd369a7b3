/// Recognises notes and actions that read as follow-up work.
///
/// A postmortem pre-fills its action items from them, and the related-incidents
/// section says whether earlier occurrences recorded any, so the test lives in
/// the model: replay counts them even when it keeps no note text.
public enum FollowUp {
  /// Openings that mark a follow-up: "Follow-up:", "TODO", "Action item:", "AI:", "Next step:".
  static let openings = ["follow-up", "follow up", "followup", "todo", "action item", "ai:", "next step", "to do:"]

  /// True when `text` starts like a follow-up or asks for work to be added or changed.
  public static func reads(_ text: String) -> Bool {
    let lower = text.lowercased().drop { $0 == " " || $0 == "-" || $0 == "*" }
    if openings.contains(where: { lower.hasPrefix($0) }) { return true }
    return lower.contains("we need to add") || lower.contains("we will add") || lower.contains("follow-up:")
  }
}
