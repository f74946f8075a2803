/// A growable stack of values in one manually managed buffer. Used for the interpreter's locals
/// (frames are windows of it) and the parser's scopes. Reads and writes are bounds-checked.
final class Stack<Element> {
    private var storage: UnsafeMutablePointer<Element>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int = 64) {
        self.capacity = max(capacity, 1)
        storage = .allocate(capacity: self.capacity)
    }

    deinit {
        storage.deinitialize(count: count)
        storage.deallocate()
    }

    func push(_ element: Element) {
        if count == capacity { grow() }
        (storage + count).initialize(to: element)
        count += 1
    }

    /// Removes and returns the top element.
    func pop() -> Element {
        precondition(count > 0, "Stack.pop on an empty stack")
        count -= 1
        return (storage + count).move()
    }

    /// The top element, if any.
    var top: Element? { count > 0 ? storage[count - 1] : nil }

    subscript(index: Int) -> Element {
        get {
            precondition(index >= 0 && index < count, "Stack index out of range")
            return storage[index]
        }
        set {
            precondition(index >= 0 && index < count, "Stack index out of range")
            storage[index] = newValue
        }
    }

    private func grow() {
        let bigger = UnsafeMutablePointer<Element>.allocate(capacity: capacity * 2)
        bigger.moveInitialize(from: storage, count: count)
        storage.deallocate()
        storage = bigger
        capacity *= 2
    }
}

/// An open-addressing hash table from names (byte strings) to values. The parser resolves every
/// identifier through one of these, so name lookups stay in this module's code.
struct SymbolTable<Value> {
    private struct Slot {
        var hash: UInt64
        var keyStart: Int
        var keyLength: Int
        var value: Value
    }

    private var slots: [Slot?]
    private var keys: [UInt8] = []
    private(set) var count = 0

    init(capacity: Int = 16) {
        var size = 8
        while size < capacity * 2 { size *= 2 }
        slots = Array(repeating: nil, count: size)
    }

    private static func hash(_ name: ArraySlice<UInt8>) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in name { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return h
    }

    private func matches(_ slot: Slot, _ name: ArraySlice<UInt8>, _ hash: UInt64) -> Bool {
        guard slot.hash == hash, slot.keyLength == name.count else { return false }
        var k = slot.keyStart
        for byte in name {
            if keys[k] != byte { return false }
            k += 1
        }
        return true
    }

    func value(for name: ArraySlice<UInt8>) -> Value? {
        let h = Self.hash(name)
        var index = Int(truncatingIfNeeded: h) & (slots.count - 1)
        while let slot = slots[index] {
            if matches(slot, name, h) { return slot.value }
            index = (index + 1) & (slots.count - 1)
        }
        return nil
    }

    /// Inserts or replaces the value for name.
    mutating func set(_ value: Value, for name: ArraySlice<UInt8>) {
        if (count + 1) * 2 > slots.count { rehash(size: slots.count * 2) }
        let h = Self.hash(name)
        var index = Int(truncatingIfNeeded: h) & (slots.count - 1)
        while let slot = slots[index] {
            if matches(slot, name, h) {
                slots[index]?.value = value
                return
            }
            index = (index + 1) & (slots.count - 1)
        }
        slots[index] = Slot(hash: h, keyStart: keys.count, keyLength: name.count, value: value)
        keys.append(contentsOf: name)
        count += 1
    }

    private mutating func rehash(size: Int) {
        let old = slots
        slots = Array(repeating: nil, count: size)
        for case let slot? in old {
            var index = Int(truncatingIfNeeded: slot.hash) & (size - 1)
            while slots[index] != nil { index = (index + 1) & (size - 1) }
            slots[index] = slot
        }
    }
}
