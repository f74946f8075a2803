/// A fixed-size array in one allocation: no copy-on-write or exclusivity bookkeeping on the
/// interpreter's hot path, just a bounds check.
final class FixedArray<Element> {
    private let storage: UnsafeMutablePointer<Element>
    let count: Int

    init(repeating element: Element, count: Int) {
        self.count = count
        storage = .allocate(capacity: count)
        storage.initialize(repeating: element, count: count)
    }

    deinit {
        storage.deinitialize(count: count)
        storage.deallocate()
    }

    subscript(index: Int) -> Element {
        get {
            precondition(index >= 0 && index < count, "FixedArray index out of range")
            return storage[index]
        }
        set {
            precondition(index >= 0 && index < count, "FixedArray index out of range")
            storage[index] = newValue
        }
    }
}

/// A parsed function. Its body is set once parsing of the body is done.
final class Function {
    let name: String
    let parameterCount: Int
    private(set) var localCount = 0
    private(set) var body: [any Statement] = []

    init(name: String, parameterCount: Int) { (self.name, self.parameterCount) = (name, parameterCount) }

    func finish(body: [any Statement], localCount: Int) { (self.body, self.localCount) = (body, localCount) }
}

/// Runs functions. Every frame is a fixed window of `frameSize` locals, so a call needs no
/// bookkeeping beyond its base offset.
final class Machine {
    static let frameSize = 32
    static let maximumDepth = 64

    let locals = FixedArray(repeating: 0, count: Machine.frameSize * Machine.maximumDepth)
    let memory: FixedArray<Int>

    init(memorySize: Int) { memory = FixedArray(repeating: 0, count: memorySize) }

    /// Maps any integer onto a memory cell.
    func memoryIndex(_ value: Int) -> Int {
        let index = value % memory.count
        return index < 0 ? index + memory.count : index
    }

    /// Runs function with its arguments already stored at frame; locals past them start at 0.
    func run(_ function: Function, frame: Int) -> Int {
        precondition(frame + Machine.frameSize <= locals.count, "call depth exceeds \(Machine.maximumDepth)")
        for slot in function.parameterCount..<function.localCount { locals[frame + slot] = 0 }
        return execute(function.body, frame) ?? 0
    }

    /// Runs a call from outside the program.
    func call(_ function: Function, _ arguments: [Int]) -> Int {
        for (slot, argument) in arguments.prefix(function.parameterCount).enumerated() { locals[slot] = argument }
        return run(function, frame: 0)
    }

    func execute(_ statements: [any Statement], _ base: Int) -> Int? {
        for statement in statements {
            if let result = statement.execute(self, base) { return result }
        }
        return nil
    }
}
