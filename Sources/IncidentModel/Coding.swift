// Compact Codable forms of the model's values, for the partial results a sharded run writes
// (`--emit-partial`). Instants are numbers, intervals pairs, JSON values keep their exact text.

extension Timestamp: Codable {
  /// Milliseconds since the epoch; `[milliseconds, offset minutes]` when the source carried an offset.
  public init(from decoder: any Decoder) throws {
    if let milliseconds = try? decoder.singleValueContainer().decode(Int64.self) {
      self.init(millisecondsSinceEpoch: milliseconds)
      return
    }
    var pair = try decoder.unkeyedContainer()
    self.init(millisecondsSinceEpoch: try pair.decode(Int64.self), utcOffsetMinutes: try pair.decode(Int16.self))
  }

  public func encode(to encoder: any Encoder) throws {
    if utcOffsetMinutes == 0 {
      var single = encoder.singleValueContainer()
      try single.encode(millisecondsSinceEpoch)
    } else {
      var pair = encoder.unkeyedContainer()
      try pair.encode(millisecondsSinceEpoch)
      try pair.encode(utcOffsetMinutes)
    }
  }
}

extension Interval: Codable {
  /// `[start, end]`.
  public init(from decoder: any Decoder) throws {
    var pair = try decoder.unkeyedContainer()
    self.init(start: try pair.decode(Timestamp.self), end: try pair.decode(Timestamp.self))
  }

  public func encode(to encoder: any Encoder) throws {
    var pair = encoder.unkeyedContainer()
    try pair.encode(start)
    try pair.encode(end)
  }
}

extension Span: Codable where Value: Codable {
  private enum CodingKeys: String, CodingKey { case value, start, end, eventId }

  public init(from decoder: any Decoder) throws {
    let keyed = try decoder.container(keyedBy: CodingKeys.self)
    self.init(
      value: try keyed.decode(Value.self, forKey: .value), start: try keyed.decode(Timestamp.self, forKey: .start),
      end: try keyed.decodeIfPresent(Timestamp.self, forKey: .end), eventId: try keyed.decodeIfPresent(String.self, forKey: .eventId))
  }

  public func encode(to encoder: any Encoder) throws {
    var keyed = encoder.container(keyedBy: CodingKeys.self)
    try keyed.encode(value, forKey: .value)
    try keyed.encode(start, forKey: .start)
    try keyed.encodeIfPresent(end, forKey: .end)
    try keyed.encodeIfPresent(eventId, forKey: .eventId)
  }
}

extension JSONValue: Codable {
  /// `null`, booleans, strings and arrays as themselves; a number as `{"n": text}` (its literal text, exactly);
  /// an object as `{"o": [[key, value], …]}` (its members in order, repeats included).
  private enum CodingKeys: String, CodingKey { case n, o }

  public init(from decoder: any Decoder) throws {
    let single = try decoder.singleValueContainer()
    if single.decodeNil() {
      self = .null
    } else if let value = try? single.decode(Bool.self) {
      self = .bool(value)
    } else if let value = try? single.decode(String.self) {
      self = .string(value)
    } else if let items = try? single.decode([JSONValue].self) {
      self = .array(items)
    } else {
      let keyed = try decoder.container(keyedBy: CodingKeys.self)
      if let text = try keyed.decodeIfPresent(String.self, forKey: .n) {
        self = .number(text)
      } else {
        var members = try keyed.nestedUnkeyedContainer(forKey: .o)
        var object = JSONObject()
        while !members.isAtEnd {
          var member = try members.nestedUnkeyedContainer()
          object.append(try member.decode(String.self), try member.decode(JSONValue.self))
        }
        self = .object(object)
      }
    }
  }

  public func encode(to encoder: any Encoder) throws {
    switch self {
    case .null:
      var single = encoder.singleValueContainer()
      try single.encodeNil()
    case .bool(let value):
      var single = encoder.singleValueContainer()
      try single.encode(value)
    case .string(let value):
      var single = encoder.singleValueContainer()
      try single.encode(value)
    case .array(let items):
      var single = encoder.singleValueContainer()
      try single.encode(items)
    case .number(let text):
      var keyed = encoder.container(keyedBy: CodingKeys.self)
      try keyed.encode(text, forKey: .n)
    case .object(let object):
      var keyed = encoder.container(keyedBy: CodingKeys.self)
      var members = keyed.nestedUnkeyedContainer(forKey: .o)
      for member in object {
        var pair = members.nestedUnkeyedContainer()
        try pair.encode(member.key)
        try pair.encode(member.value)
      }
    }
  }
}

extension JSONObject: Codable {
  public init(from decoder: any Decoder) throws {
    guard case .object(let object) = try JSONValue(from: decoder) else {
      throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "expected a JSON object"))
    }
    self = object
  }

  public func encode(to encoder: any Encoder) throws { try JSONValue.object(self).encode(to: encoder) }
}

extension EventOrigin: Codable {
  /// `[input, record]`.
  public init(from decoder: any Decoder) throws {
    var pair = try decoder.unkeyedContainer()
    let input = try pair.decode(Int32.self)
    let record = try pair.decode(Int64.self)
    guard (0...Self.maximumInput).contains(input), record >= 0, record < 1 << 44 else {
      throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "an origin out of range"))
    }
    self.init(input: input, record: record)
  }

  public func encode(to encoder: any Encoder) throws {
    var pair = encoder.unkeyedContainer()
    try pair.encode(input)
    try pair.encode(record)
  }
}
