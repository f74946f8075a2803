import Synchronization

/// A value shared between threads or tasks, reachable only while its lock is held: the one lock
/// type of this package (in the manner of swift-nio's NIOLockedValueBox), over the standard
/// library's `Mutex`, as a class so that closures and tasks can share it.
public final class Locked<Value: ~Copyable>: Sendable {
    private let mutex: Mutex<Value>

    public init(_ value: consuming sending Value) { mutex = Mutex(value) }

    /// Runs `body` with the value, under the lock.
    public func withLock<Result: ~Copyable, E: Error>(_ body: (inout sending Value) throws(E) -> sending Result) throws(E) -> sending Result {
        try mutex.withLock(body)
    }
}

extension Locked where Value: Copyable & Sendable {
    /// A copy of the value, taken under the lock.
    public var value: Value { withLock { $0 } }

    /// Replaces the value.
    public func set(_ newValue: Value) { withLock { $0 = newValue } }
}
