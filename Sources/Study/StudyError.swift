/// A study that cannot run as asked: says why, for the user to fix.
public struct StudyError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
