struct ParseError: Error, CustomStringConvertible {
    var offset: Int
    var problem: String
    var description: String { "byte \(offset): \(problem)" }
}

/// Recursive descent for statements, operator precedence (shunting-yard over two stacks) for
/// binary expressions. Functions must be defined before they are called, so calls resolve at once.
struct Parser {
    private let source: [UInt8]
    private let tokens: [Token]
    private var position = 0
    private var functions = SymbolTable<Function>(capacity: 64)
    private var locals = SymbolTable<Int>()
    private var localCount = 0
    private let operands = Stack<any Expression>()
    private let operators = Stack<TokenKind>()
    private(set) var nodeCount = 0

    init(source: [UInt8], tokens: [Token]) { (self.source, self.tokens) = (source, tokens) }

    /// All functions of the program, in source order.
    mutating func parseProgram() throws -> [Function] {
        var program: [Function] = []
        while current.kind != .end { program.append(try parseFunction()) }
        return program
    }

    // MARK: Tokens

    private var current: Token { tokens[position] }

    private mutating func advance() { if position < tokens.count - 1 { position += 1 } }

    private func text(_ token: Token) -> ArraySlice<UInt8> { source[token.start..<(token.start + token.length)] }

    private func fail(_ problem: String) -> ParseError { ParseError(offset: current.start, problem: problem) }

    @discardableResult
    private mutating func expect(_ kind: TokenKind) throws -> Token {
        guard current.kind == kind else { throw fail("expected \(kind), found \(current.kind)") }
        let token = current
        advance()
        return token
    }

    // MARK: Declarations

    private mutating func parseFunction() throws -> Function {
        try expect(.keywordFn)
        let name = try expect(.identifier)
        locals = SymbolTable<Int>()
        localCount = 0
        try expect(.leftParen)
        while current.kind != .rightParen {
            if localCount > 0 { try expect(.comma) }
            _ = try declareLocal(try expect(.identifier))
        }
        try expect(.rightParen)
        let function = Function(name: String(decoding: text(name), as: UTF8.self), parameterCount: localCount)
        let body = try parseBlock()
        function.finish(body: body, localCount: localCount)
        functions.set(function, for: text(name))
        return function
    }

    private mutating func declareLocal(_ name: Token) throws -> Int {
        if let slot = locals.value(for: text(name)) { return slot }
        guard localCount < Machine.frameSize else { throw ParseError(offset: name.start, problem: "more than \(Machine.frameSize) locals") }
        locals.set(localCount, for: text(name))
        localCount += 1
        return localCount - 1
    }

    // MARK: Statements

    private mutating func parseBlock() throws -> [any Statement] {
        try expect(.leftBrace)
        var statements: [any Statement] = []
        while current.kind != .rightBrace {
            guard current.kind != .end else { throw fail("unterminated block") }
            statements.append(try parseStatement())
        }
        advance()
        return statements
    }

    private mutating func parseStatement() throws -> any Statement {
        nodeCount += 1
        switch current.kind {
        case .keywordLet:
            advance()
            let slot = try declareLocal(try expect(.identifier))
            try expect(.assign)
            let value = try parseExpression()
            try expect(.semicolon)
            return Assign(slot: slot, value: value)
        case .keywordIf:
            advance()
            let condition = try parseCondition()
            let then = try parseBlock()
            var otherwise: [any Statement] = []
            if current.kind == .keywordElse {
                advance()
                otherwise = current.kind == .keywordIf ? [try parseStatement()] : try parseBlock()
            }
            return If(condition: condition, then: then, otherwise: otherwise)
        case .keywordWhile:
            advance()
            let condition = try parseCondition()
            return While(condition: condition, body: try parseBlock())
        case .keywordReturn:
            advance()
            let value = try parseExpression()
            try expect(.semicolon)
            return Return(value)
        case .keywordMem:
            advance()
            try expect(.leftBracket)
            let index = try parseExpression()
            try expect(.rightBracket)
            try expect(.assign)
            let value = try parseExpression()
            try expect(.semicolon)
            return MemoryWrite(index: index, value: value)
        case .identifier where tokens[position + 1].kind == .assign:
            guard let slot = locals.value(for: text(current)) else { throw fail("assignment to undeclared \(String(decoding: text(current), as: UTF8.self))") }
            advance()
            advance()
            let value = try parseExpression()
            try expect(.semicolon)
            return Assign(slot: slot, value: value)
        default:
            let expression = try parseExpression()
            try expect(.semicolon)
            return ExpressionStatement(expression)
        }
    }

    private mutating func parseCondition() throws -> any Expression {
        try expect(.leftParen)
        let condition = try parseExpression()
        try expect(.rightParen)
        return condition
    }

    // MARK: Expressions

    private static func precedence(_ kind: TokenKind) -> Int? {
        switch kind {
        case .or: 1
        case .and: 2
        case .less, .lessEqual, .greater, .greaterEqual, .equal, .notEqual: 3
        case .plus, .minus: 4
        case .star, .slash, .percent: 5
        default: nil
        }
    }

    private static func combine(_ kind: TokenKind, _ left: any Expression, _ right: any Expression) -> any Expression {
        switch kind {
        case .or: LogicalOr(left, right)
        case .and: LogicalAnd(left, right)
        case .less: Binary<Less>(left, right)
        case .lessEqual: Binary<LessEqual>(left, right)
        case .greater: Binary<Greater>(left, right)
        case .greaterEqual: Binary<GreaterEqual>(left, right)
        case .equal: Binary<Equal>(left, right)
        case .notEqual: Binary<NotEqual>(left, right)
        case .plus: Binary<Add>(left, right)
        case .minus: Binary<Subtract>(left, right)
        case .star: Binary<Multiply>(left, right)
        case .slash: Binary<Divide>(left, right)
        default: Binary<Remainder>(left, right)
        }
    }

    /// Pops one operator and its two operands, pushes the combined node.
    private mutating func reduce() {
        let right = operands.pop()
        let left = operands.pop()
        operands.push(Self.combine(operators.pop(), left, right))
        nodeCount += 1
    }

    private mutating func parseExpression() throws -> any Expression {
        let operatorBase = operators.count
        operands.push(try parseUnary())
        while let precedence = Self.precedence(current.kind) {
            while operators.count > operatorBase, let top = operators.top, let topPrecedence = Self.precedence(top),
                topPrecedence >= precedence
            {
                reduce()
            }
            operators.push(current.kind)
            advance()
            operands.push(try parseUnary())
        }
        while operators.count > operatorBase { reduce() }
        return operands.pop()
    }

    private mutating func parseUnary() throws -> any Expression {
        nodeCount += 1
        switch current.kind {
        case .minus:
            advance()
            return Negate(try parseUnary())
        case .not:
            advance()
            return LogicalNot(try parseUnary())
        default:
            return try parsePrimary()
        }
    }

    private mutating func parsePrimary() throws -> any Expression {
        let token = current
        switch token.kind {
        case .number:
            advance()
            return Literal(token.value)
        case .leftParen:
            advance()
            let inner = try parseExpression()
            try expect(.rightParen)
            return inner
        case .keywordMem:
            advance()
            try expect(.leftBracket)
            let index = try parseExpression()
            try expect(.rightBracket)
            return MemoryRead(index: index)
        case .identifier where tokens[position + 1].kind == .leftParen:
            guard let callee = functions.value(for: text(token)) else { throw fail("call to undefined function") }
            advance()
            advance()
            var arguments: [any Expression] = []
            while current.kind != .rightParen {
                if !arguments.isEmpty { try expect(.comma) }
                arguments.append(try parseExpression())
            }
            advance()
            guard arguments.count == callee.parameterCount else {
                throw ParseError(offset: token.start, problem: "\(callee.name) takes \(callee.parameterCount) arguments, got \(arguments.count)")
            }
            return Call(callee: callee, arguments: arguments)
        case .identifier:
            guard let slot = locals.value(for: text(token)) else { throw fail("undeclared \(String(decoding: text(token), as: UTF8.self))") }
            advance()
            return LocalRead(slot: slot)
        default:
            throw fail("expected an expression, found \(token.kind)")
        }
    }
}
