/// A problem with one named input: a file, an object in a store, standard input.
public struct InputError: Error, Hashable, Sendable, CustomStringConvertible {
    public var source: String
    public var problem: String
    public init(source: String, problem: String) {
        self.source = source
        self.problem = problem
    }
    public var description: String { "\(source): \(problem)" }
}
