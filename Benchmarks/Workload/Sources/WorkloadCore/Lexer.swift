/// Token kinds of the workload's little language.
enum TokenKind: UInt8 {
    case number, identifier
    case keywordFn, keywordLet, keywordIf, keywordElse, keywordWhile, keywordReturn, keywordMem
    case leftParen, rightParen, leftBrace, rightBrace, leftBracket, rightBracket, comma, semicolon
    case assign, plus, minus, star, slash, percent
    case less, lessEqual, greater, greaterEqual, equal, notEqual, not, and, or
    case end
}

struct Token {
    var kind: TokenKind
    /// Byte offset and length in the source.
    var start: Int
    var length: Int
    /// The literal's value for `.number`.
    var value: Int
}

struct LexError: Error, CustomStringConvertible {
    var offset: Int
    var problem: String
    var description: String { "byte \(offset): \(problem)" }
}

/// Splits source text into tokens: a byte-at-a-time scanner with a branch per character class.
struct Lexer {
    let source: [UInt8]

    func tokenize() throws -> [Token] {
        var tokens: [Token] = []
        tokens.reserveCapacity(source.count / 3)
        var i = 0
        let n = source.count
        while i < n {
            let c = source[i]
            switch c {
            case 0x20, 0x09, 0x0A, 0x0D:  // whitespace
                i += 1
            case 0x23:  // '#' comment to the end of the line
                while i < n && source[i] != 0x0A { i += 1 }
            case 0x30...0x39:  // digits
                let start = i
                var value = 0
                while i < n, source[i] >= 0x30, source[i] <= 0x39 {
                    value = value &* 10 &+ Int(source[i] - 0x30)
                    i += 1
                }
                tokens.append(Token(kind: .number, start: start, length: i - start, value: value))
            case 0x61...0x7A, 0x41...0x5A, 0x5F:  // letters, '_'
                let start = i
                while i < n, Self.isIdentifierByte(source[i]) { i += 1 }
                tokens.append(Token(kind: keyword(start, i - start) ?? .identifier, start: start, length: i - start, value: 0))
            default:
                let (kind, length) = try punctuation(at: i)
                tokens.append(Token(kind: kind, start: i, length: length, value: 0))
                i += length
            }
        }
        tokens.append(Token(kind: .end, start: n, length: 0, value: 0))
        return tokens
    }

    private static func isIdentifierByte(_ c: UInt8) -> Bool {
        (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39) || c == 0x5F
    }

    private func matches(_ start: Int, _ length: Int, _ word: StaticString) -> Bool {
        guard length == word.utf8CodeUnitCount else { return false }
        let bytes = word.utf8Start
        for k in 0..<length where source[start + k] != bytes[k] { return false }
        return true
    }

    private func keyword(_ start: Int, _ length: Int) -> TokenKind? {
        switch source[start] {
        case 0x66: return matches(start, length, "fn") ? .keywordFn : nil
        case 0x6C: return matches(start, length, "let") ? .keywordLet : nil
        case 0x69: return matches(start, length, "if") ? .keywordIf : nil
        case 0x65: return matches(start, length, "else") ? .keywordElse : nil
        case 0x77: return matches(start, length, "while") ? .keywordWhile : nil
        case 0x72: return matches(start, length, "return") ? .keywordReturn : nil
        case 0x6D: return matches(start, length, "mem") ? .keywordMem : nil
        default: return nil
        }
    }

    private func punctuation(at i: Int) throws -> (TokenKind, Int) {
        let next: UInt8 = i + 1 < source.count ? source[i + 1] : 0
        switch source[i] {
        case 0x28: return (.leftParen, 1)
        case 0x29: return (.rightParen, 1)
        case 0x7B: return (.leftBrace, 1)
        case 0x7D: return (.rightBrace, 1)
        case 0x5B: return (.leftBracket, 1)
        case 0x5D: return (.rightBracket, 1)
        case 0x2C: return (.comma, 1)
        case 0x3B: return (.semicolon, 1)
        case 0x2B: return (.plus, 1)
        case 0x2D: return (.minus, 1)
        case 0x2A: return (.star, 1)
        case 0x2F: return (.slash, 1)
        case 0x25: return (.percent, 1)
        case 0x3D: return next == 0x3D ? (.equal, 2) : (.assign, 1)
        case 0x3C: return next == 0x3D ? (.lessEqual, 2) : (.less, 1)
        case 0x3E: return next == 0x3D ? (.greaterEqual, 2) : (.greater, 1)
        case 0x21: return next == 0x3D ? (.notEqual, 2) : (.not, 1)
        case 0x26 where next == 0x26: return (.and, 2)
        case 0x7C where next == 0x7C: return (.or, 2)
        default: throw LexError(offset: i, problem: "unexpected byte \(source[i])")
        }
    }
}
