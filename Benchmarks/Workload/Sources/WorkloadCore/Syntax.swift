/// The interpreter's tree: every node is a class behind a protocol, so evaluation is one dynamic
/// (witness-table) call per node, the kind of indirect call a profile can make direct.
protocol Expression: AnyObject {
    func evaluate(_ machine: Machine, _ base: Int) -> Int
}

/// A statement returns nil to continue, or the function's result after `return`.
protocol Statement: AnyObject {
    func execute(_ machine: Machine, _ base: Int) -> Int?
}

/// Integer operators as types, so one generic node class serves them all.
protocol BinaryOperation {
    static func apply(_ left: Int, _ right: Int) -> Int
}

enum Add: BinaryOperation { static func apply(_ a: Int, _ b: Int) -> Int { a &+ b } }
enum Subtract: BinaryOperation { static func apply(_ a: Int, _ b: Int) -> Int { a &- b } }
enum Multiply: BinaryOperation { static func apply(_ a: Int, _ b: Int) -> Int { a &* b } }
/// Division and remainder are total: by zero gives 0, and Int.min / -1 wraps.
enum Divide: BinaryOperation {
    static func apply(_ a: Int, _ b: Int) -> Int { b == 0 ? 0 : a.dividedReportingOverflow(by: b).partialValue }
}
enum Remainder: BinaryOperation {
    static func apply(_ a: Int, _ b: Int) -> Int { b == 0 ? 0 : a.remainderReportingOverflow(dividingBy: b).partialValue }
}
enum Less: BinaryOperation { static func apply(_ a: Int, _ b: Int) -> Int { a < b ? 1 : 0 } }
enum LessEqual: BinaryOperation { static func apply(_ a: Int, _ b: Int) -> Int { a <= b ? 1 : 0 } }
enum Greater: BinaryOperation { static func apply(_ a: Int, _ b: Int) -> Int { a > b ? 1 : 0 } }
enum GreaterEqual: BinaryOperation { static func apply(_ a: Int, _ b: Int) -> Int { a >= b ? 1 : 0 } }
enum Equal: BinaryOperation { static func apply(_ a: Int, _ b: Int) -> Int { a == b ? 1 : 0 } }
enum NotEqual: BinaryOperation { static func apply(_ a: Int, _ b: Int) -> Int { a != b ? 1 : 0 } }

// MARK: - Expressions

final class Literal: Expression {
    let value: Int
    init(_ value: Int) { self.value = value }
    func evaluate(_ machine: Machine, _ base: Int) -> Int { value }
}

final class LocalRead: Expression {
    let slot: Int
    init(slot: Int) { self.slot = slot }
    func evaluate(_ machine: Machine, _ base: Int) -> Int { machine.locals[base + slot] }
}

final class MemoryRead: Expression {
    let index: any Expression
    init(index: any Expression) { self.index = index }
    func evaluate(_ machine: Machine, _ base: Int) -> Int { machine.memory[machine.memoryIndex(index.evaluate(machine, base))] }
}

final class Binary<Operation: BinaryOperation>: Expression {
    let left: any Expression
    let right: any Expression
    init(_ left: any Expression, _ right: any Expression) { (self.left, self.right) = (left, right) }
    func evaluate(_ machine: Machine, _ base: Int) -> Int {
        Operation.apply(left.evaluate(machine, base), right.evaluate(machine, base))
    }
}

final class LogicalAnd: Expression {
    let left: any Expression
    let right: any Expression
    init(_ left: any Expression, _ right: any Expression) { (self.left, self.right) = (left, right) }
    func evaluate(_ machine: Machine, _ base: Int) -> Int {
        left.evaluate(machine, base) != 0 && right.evaluate(machine, base) != 0 ? 1 : 0
    }
}

final class LogicalOr: Expression {
    let left: any Expression
    let right: any Expression
    init(_ left: any Expression, _ right: any Expression) { (self.left, self.right) = (left, right) }
    func evaluate(_ machine: Machine, _ base: Int) -> Int {
        left.evaluate(machine, base) != 0 || right.evaluate(machine, base) != 0 ? 1 : 0
    }
}

final class Negate: Expression {
    let operand: any Expression
    init(_ operand: any Expression) { self.operand = operand }
    func evaluate(_ machine: Machine, _ base: Int) -> Int { 0 &- operand.evaluate(machine, base) }
}

final class LogicalNot: Expression {
    let operand: any Expression
    init(_ operand: any Expression) { self.operand = operand }
    func evaluate(_ machine: Machine, _ base: Int) -> Int { operand.evaluate(machine, base) == 0 ? 1 : 0 }
}

final class Call: Expression {
    let callee: Function
    let arguments: [any Expression]
    init(callee: Function, arguments: [any Expression]) { (self.callee, self.arguments) = (callee, arguments) }
    func evaluate(_ machine: Machine, _ base: Int) -> Int {
        let frame = base + Machine.frameSize
        for (slot, argument) in arguments.enumerated() {
            machine.locals[frame + slot] = argument.evaluate(machine, base)
        }
        return machine.run(callee, frame: frame)
    }
}

// MARK: - Statements

final class Assign: Statement {
    let slot: Int
    let value: any Expression
    init(slot: Int, value: any Expression) { (self.slot, self.value) = (slot, value) }
    func execute(_ machine: Machine, _ base: Int) -> Int? {
        machine.locals[base + slot] = value.evaluate(machine, base)
        return nil
    }
}

final class MemoryWrite: Statement {
    let index: any Expression
    let value: any Expression
    init(index: any Expression, value: any Expression) { (self.index, self.value) = (index, value) }
    func execute(_ machine: Machine, _ base: Int) -> Int? {
        machine.memory[machine.memoryIndex(index.evaluate(machine, base))] = value.evaluate(machine, base)
        return nil
    }
}

final class ExpressionStatement: Statement {
    let expression: any Expression
    init(_ expression: any Expression) { self.expression = expression }
    func execute(_ machine: Machine, _ base: Int) -> Int? {
        _ = expression.evaluate(machine, base)
        return nil
    }
}

final class If: Statement {
    let condition: any Expression
    let then: [any Statement]
    let otherwise: [any Statement]
    init(condition: any Expression, then: [any Statement], otherwise: [any Statement]) {
        (self.condition, self.then, self.otherwise) = (condition, then, otherwise)
    }
    func execute(_ machine: Machine, _ base: Int) -> Int? {
        machine.execute(condition.evaluate(machine, base) != 0 ? then : otherwise, base)
    }
}

final class While: Statement {
    let condition: any Expression
    let body: [any Statement]
    init(condition: any Expression, body: [any Statement]) { (self.condition, self.body) = (condition, body) }
    func execute(_ machine: Machine, _ base: Int) -> Int? {
        while condition.evaluate(machine, base) != 0 {
            if let result = machine.execute(body, base) { return result }
        }
        return nil
    }
}

final class Return: Statement {
    let value: any Expression
    init(_ value: any Expression) { self.value = value }
    func execute(_ machine: Machine, _ base: Int) -> Int? { value.evaluate(machine, base) }
}
