/// A line of a sample profile's text that does not parse, with its line number.
public struct SampleProfileFormatError: Error, Equatable, Sendable, CustomStringConvertible {
    public var line: Int
    public var problem: String
    public var description: String { "line \(line): \(problem)" }
}

extension SampleProfile {
    /// Reads the text format back, so every profile we write is checked by our own reader
    /// before anything hands it to swiftc (which silently ignores a malformed profile).
    public init(text: String) throws(SampleProfileFormatError) {
        self.init()
        // A stack of (depth, path to the function being filled) while reading nested inlinees.
        var stack: [(depth: Int, path: [(LineLocation, String)])] = []
        var top: String? = nil
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            if rawLine.isEmpty { continue }
            let depth = rawLine.prefix { $0 == " " }.count
            let line = rawLine.dropFirst(depth)
            if depth == 0 {
                let parts = line.split(separator: ":")
                guard parts.count >= 3, let total = UInt64(parts[parts.count - 2]), let head = UInt64(parts[parts.count - 1]) else {
                    throw SampleProfileFormatError(line: number, problem: "expected NAME:TOTAL:HEAD")
                }
                _ = total
                let name = parts.dropLast(2).joined(separator: ":")
                var function = functions[name] ?? FunctionSamples(name: name)
                function.headSamples = saturatingSum(function.headSamples, head)
                functions[name] = function
                top = name
                stack = [(0, [])]
                continue
            }
            guard let topName = top else { throw SampleProfileFormatError(line: number, problem: "a body line before any function") }
            while let last = stack.last, last.depth >= depth { stack.removeLast() }
            guard let parent = stack.last else { throw SampleProfileFormatError(line: number, problem: "bad indentation") }
            guard let colon = line.firstIndex(of: ":") else { throw SampleProfileFormatError(line: number, problem: "expected OFFSET: ...") }
            let locationText = line[..<colon]
            let offsetParts = locationText.split(separator: ".", omittingEmptySubsequences: false)
            guard let offset = Int(offsetParts[0]), offsetParts.count <= 2 else {
                throw SampleProfileFormatError(line: number, problem: "bad line offset '\(locationText)'")
            }
            let discriminator = offsetParts.count == 2 ? Int(offsetParts[1]) : 0
            guard let discriminator else { throw SampleProfileFormatError(line: number, problem: "bad discriminator in '\(locationText)'") }
            let location = LineLocation(offset: offset, discriminator: discriminator)
            let rest = line[line.index(after: colon)...].split(separator: " ")
            guard let first = rest.first else { throw SampleProfileFormatError(line: number, problem: "nothing after the offset") }
            if let count = UInt64(first) {
                var targets: [(String, UInt64)] = []
                for target in rest.dropFirst() {
                    guard let split = target.lastIndex(of: ":"), let calls = UInt64(target[target.index(after: split)...]) else {
                        throw SampleProfileFormatError(line: number, problem: "bad call target '\(target)'")
                    }
                    targets.append((String(target[..<split]), calls))
                }
                modify(topName, path: parent.path) { function in
                    function.bodySamples.add(count, at: location)
                    for (callee, calls) in targets { function.callTargets[location, default: [:]].add(calls, at: callee) }
                }
            } else {
                guard rest.count == 1, let split = first.lastIndex(of: ":"), UInt64(first[first.index(after: split)...]) != nil else {
                    throw SampleProfileFormatError(line: number, problem: "expected COUNT or CALLEE:TOTAL after the offset")
                }
                let callee = String(first[..<split])
                modify(topName, path: parent.path) { function in
                    if function.inlinees[location]?[callee] == nil {
                        function.inlinees[location, default: [:]][callee] = FunctionSamples(name: callee)
                    }
                }
                stack.append((depth, parent.path + [(location, callee)]))
            }
        }
    }

    private mutating func modify(_ name: String, path: [(LineLocation, String)], _ body: (inout FunctionSamples) -> Void) {
        func descend(_ function: inout FunctionSamples, _ path: ArraySlice<(LineLocation, String)>) {
            guard let (location, callee) = path.first else { return body(&function) }
            var inlinee = function.inlinees[location]![callee]!
            descend(&inlinee, path.dropFirst())
            function.inlinees[location]![callee] = inlinee
        }
        descend(&functions[name]!, path[...])
    }
}
