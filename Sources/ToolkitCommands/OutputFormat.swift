public import ArgumentParser

/// Output for people or for machines.
public enum TextOrJSON: String, ExpressibleByArgument, CaseIterable, Sendable {
  case text
  case json
}
