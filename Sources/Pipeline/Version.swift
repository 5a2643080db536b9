/// The version `zsn2n --version` and `zsn2nd --version` print and every sidecar records.
public let zsn2nVersion = "0.1.0"
