import Foundation

/// One sample of `perf script` output: who was running and the stack perf unwound.
public struct PerfSample: Equatable, Sendable {
    public var command: String
    /// Printed only when perf script shows `pid/tid`.
    public var processID: Int?
    public var threadID: Int
    public var cpu: Int?
    /// perf's timestamp (time since boot) in nanoseconds.
    public var timeNanos: UInt64
    /// The sample's period (nanoseconds for cpu-clock and task-clock), when printed.
    public var period: UInt64?
    /// The event name without the trailing colon, e.g. `cpu-clock` or `cpu-clock:u`.
    public var event: String
    /// Leaf first, as perf prints them.
    public var frames: [PerfFrame]
    /// The line of the sample's header, for error messages.
    public var line: Int

    /// The address space the sample's addresses belong to: the process when printed, else the thread.
    public var addressSpace: Int { processID ?? threadID }
}

/// One stack frame: `ADDRESS SYMBOL+0xOFFSET (DSO)`.
public struct PerfFrame: Equatable, Sendable {
    /// As printed: a runtime address for the sampled IP without call graphs, a DSO-relative
    /// address (perf 6.1: the file offset) in call graphs.
    public var address: UInt64
    /// nil when perf printed `[unknown]`.
    public var symbol: String?
    public var symbolOffset: UInt64?
    /// nil when perf printed `([unknown])`.
    public var dso: String?
    public var line: Int

    public init(address: UInt64, symbol: String? = nil, symbolOffset: UInt64? = nil, dso: String? = nil, line: Int = 0) {
        self.address = address
        self.symbol = symbol
        self.symbolOffset = symbolOffset
        self.dso = dso
        self.line = line
    }

    public var isKernel: Bool { dso == "[kernel.kallsyms]" || (dso == nil && address >= 0xffff_8000_0000_0000) }
}

/// Malformed `perf script` text: the line and what was wrong with it.
public struct PerfScriptError: Error, Equatable, Sendable, CustomStringConvertible {
    public var line: Int
    public var problem: String
    public var description: String { "line \(line): \(problem)" }
}

/// Reads the text of a plain `perf script` run: sample headers
/// `COMMAND [PID/]TID [[CPU]] SECONDS.FRACTION: [PERIOD] EVENT:`, each followed either by its
/// call graph (one indented frame a line, a blank line after; `perf record -g`) or by the
/// sampled frame on the header line itself (without -g). `#` lines are comments.
public enum PerfScript {
    public static func parse(_ text: String) throws(PerfScriptError) -> [PerfSample] {
        var samples: [PerfSample] = []
        var open = false  // whether frame lines may follow the last sample
        var number = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            let tokens = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let first = tokens.first else {
                open = false
                continue
            }
            if first.hasPrefix("#") { continue }
            if let timeIndex = timeTokenIndex(tokens) {
                samples.append(try header(line, tokens: tokens, timeIndex: timeIndex, number: number))
                open = true
            } else if line.first == " " || line.first == "\t" {
                guard open, !samples.isEmpty else {
                    throw PerfScriptError(line: number, problem: samples.isEmpty
                        ? "a stack frame before any sample header"
                        : "a stack frame after the blank line that ends a sample, without a sample header")
                }
                samples[samples.count - 1].frames.append(try frame(line, number: number))
            } else {
                throw PerfScriptError(line: number, problem:
                    "not a perf script sample header (expected 'COMMAND PID [CPU] SECONDS: [PERIOD] EVENT:'): \(excerpt(line))")
            }
        }
        return samples
    }

    /// The index of the `SECONDS.FRACTION:` token that follows a thread id or a `[CPU]`.
    static func timeTokenIndex(_ tokens: [Substring]) -> Int? {
        tokens.indices.dropFirst().first { index in
            isTime(tokens[index]) && (threadIDs(tokens[index - 1]) != nil || cpu(tokens[index - 1]) != nil)
        }
    }

    static func isTime(_ token: Substring) -> Bool {
        guard token.hasSuffix(":") else { return false }
        let parts = token.dropLast().split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 2 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) }
    }

    static func threadIDs(_ token: Substring) -> (pid: Int?, tid: Int)? {
        let parts = token.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, parts.allSatisfy({ !$0.isEmpty && $0.count <= 10 && $0.allSatisfy(\.isASCIIDigit) }) else { return nil }
        guard let last = Int(parts[parts.count - 1]) else { return nil }
        return parts.count == 2 ? (Int(parts[0]), last) : (nil, last)
    }

    static func cpu(_ token: Substring) -> Int? {
        guard token.hasPrefix("["), token.hasSuffix("]"), token.count <= 8 else { return nil }
        let digits = token.dropFirst().dropLast()
        return digits.allSatisfy(\.isASCIIDigit) ? Int(digits) : nil
    }

    static func header(_ line: Substring, tokens: [Substring], timeIndex: Int, number: Int) throws(PerfScriptError) -> PerfSample {
        var index = timeIndex - 1
        let cpu = cpu(tokens[index])
        if cpu != nil { index -= 1 }
        guard index >= 1, let ids = threadIDs(tokens[index]) else {
            throw PerfScriptError(line: number, problem: "sample header without a command and thread id before the time: \(excerpt(line))")
        }
        let command = tokens[0..<index].joined(separator: " ")
        guard let time = nanoseconds(tokens[timeIndex].dropLast()) else {
            throw PerfScriptError(line: number, problem: "time '\(tokens[timeIndex])' is out of range")
        }
        var next = timeIndex + 1
        var period: UInt64? = nil
        if next < tokens.count, tokens[next].allSatisfy(\.isASCIIDigit) {
            guard let value = UInt64(tokens[next]) else { throw PerfScriptError(line: number, problem: "period '\(tokens[next])' is out of range") }
            period = value
            next += 1
        }
        guard next < tokens.count, tokens[next].hasSuffix(":"), tokens[next].count > 1 else {
            throw PerfScriptError(line: number, problem: "sample header without an event name ('EVENT:') after the time: \(excerpt(line))")
        }
        let event = String(tokens[next].dropLast())
        var sample = PerfSample(command: command, processID: ids.pid, threadID: ids.tid, cpu: cpu, timeNanos: time,
                                period: period, event: event, frames: [], line: number)
        // Without -g, the sampled frame follows on the same line.
        let rest = line[tokens[next].endIndex...]
        if rest.contains(where: { $0 != " " && $0 != "\t" }) {
            sample.frames.append(try frame(rest, number: number))
        }
        return sample
    }

    /// `SECONDS.FRACTION` (perf prints 6 or 9 fraction digits) in nanoseconds.
    static func nanoseconds(_ text: Substring) -> UInt64? {
        let parts = text.split(separator: ".")
        guard parts.count == 2, parts[0].count <= 12, let seconds = UInt64(parts[0]) else { return nil }
        let fraction = parts[1].prefix(9)
        guard let digits = UInt64(fraction) else { return nil }
        var scale: UInt64 = 1
        for _ in fraction.count..<9 { scale *= 10 }
        return seconds * 1_000_000_000 + digits * scale
    }

    /// `ADDRESS SYMBOL+0xOFFSET (DSO)`; the symbol may be `[unknown]` and may hold spaces
    /// (demangled C++), the DSO may be `[unknown]`, `[kernel.kallsyms]` or `PATH (deleted)`.
    static func frame(_ text: Substring, number: Int) throws(PerfScriptError) -> PerfFrame {
        let trimmed = text.drop { $0 == " " || $0 == "\t" }
        let addressText = trimmed.prefix { $0 != " " && $0 != "\t" }
        guard !addressText.isEmpty, addressText.count <= 16, addressText.allSatisfy(\.isHexDigit),
              let address = UInt64(addressText, radix: 16) else {
            throw PerfScriptError(line: number, problem: "expected a stack frame 'ADDRESS SYMBOL+0xOFFSET (DSO)' with a hexadecimal address, found: \(excerpt(text))")
        }
        var rest = Substring(trimmed.dropFirst(addressText.count).trimmingSpaces())
        var dso: String? = nil
        let deleted = " (deleted))"
        if rest.hasSuffix(deleted) { rest = rest.dropLast(deleted.count) + ")" }
        if rest.hasSuffix(")") {
            guard let open = rest.lastIndex(of: "(") else {
                throw PerfScriptError(line: number, problem: "stack frame with an unbalanced ')' after its symbol: \(excerpt(text))")
            }
            let name = rest[rest.index(after: open)..<rest.index(before: rest.endIndex)]
            dso = name.isEmpty || name == "[unknown]" ? nil : String(name)
            rest = Substring(rest[..<open].trimmingSpaces())
        }
        var symbol: String? = rest.isEmpty || rest == "[unknown]" ? nil : String(rest)
        var offset: UInt64? = nil
        if let plus = rest.range(of: "+0x", options: .backwards) {
            let hex = rest[plus.upperBound...]
            if !hex.isEmpty, hex.count <= 16, hex.allSatisfy(\.isHexDigit), let value = UInt64(hex, radix: 16), plus.lowerBound > rest.startIndex {
                symbol = String(rest[..<plus.lowerBound])
                offset = value
            }
        }
        return PerfFrame(address: address, symbol: symbol, symbolOffset: offset, dso: dso, line: number)
    }

    static func excerpt(_ line: Substring) -> String {
        let text = line.trimmingSpaces()
        return "'" + (text.count > 80 ? text.prefix(80) + "..." : text) + "'"
    }
}

private extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

private extension Substring {
    func trimmingSpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        return String(drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
