import Foundation
import Pprof

/// What the conversion had to leave out, so it can be reported rather than silently lost.
public struct ConversionReport: Equatable, Sendable {
    /// Frames without a usable start line (compiler-generated code, a line before its start, or
    /// one more than 65,535 lines after it, which LLVM's format cannot hold).
    public var framesWithoutStartLine = 0
    /// Samples whose leaf location has no line information (address only: symbolize first).
    public var samplesWithoutLines = 0
    /// Frames whose inlined callees include code without a start line (the standard library's
    /// inlined generics, say): counted at the call site of the first such callee instead.
    public var framesFoldedIntoCallSites = 0
    /// Frames and call targets whose names the format cannot carry (`SampleProfile.canCarry`).
    public var namesLeftOut = 0
    /// Calls into another binary (a shared library): not call targets the compiler can use.
    public var callsIntoOtherBinaries = 0

    public init(framesWithoutStartLine: Int = 0, samplesWithoutLines: Int = 0, framesFoldedIntoCallSites: Int = 0) {
        self.framesWithoutStartLine = framesWithoutStartLine
        self.samplesWithoutLines = samplesWithoutLines
        self.framesFoldedIntoCallSites = framesFoldedIntoCallSites
    }
}

/// Base discriminators by location ID, one per line of the location (innermost first): what a
/// symbolizer knows and pprof cannot hold. Locations without an entry have discriminator 0.
public typealias LineDiscriminators = [UInt64: [Int]]

extension SampleProfile {
    /// Converts a CPU profile: each sample's count goes to its leaf line, nested inside the
    /// callsites of the functions inlined there; each caller frame records a call to its callee
    /// (a call target, with the same count on the call line), and the callee's head samples
    /// count those calls. Names are linkage names (`system_name`, else `name`) as the compiler
    /// needs, and lines become offsets from each function's start line.
    public init(converting profile: Profile, discriminators: LineDiscriminators = [:], report: inout ConversionReport) {
        self.init()
        let valueIndex = profile.sampleTypes.firstIndex {
            profile.string($0.type) == "samples" && profile.string($0.unit) == "count"
        } ?? 0
        let locations = Dictionary(uniqueKeysWithValues: profile.locations.map { ($0.id, $0) })
        let functions = Dictionary(uniqueKeysWithValues: profile.functions.map { ($0.id, $0) })
        let mappings = Dictionary(uniqueKeysWithValues: profile.mappings.map { ($0.id, $0) })

        /// A frame: function linkage name and line location in it, or nil when unusable.
        func frame(_ line: Line, discriminator: Int) -> (name: String, location: LineLocation)? {
            // Offsets are 16-bit in LLVM's sample profiles (llvm-profdata rejects larger ones).
            guard let function = functions[line.functionID], function.startLine > 0, line.line >= function.startLine,
                  line.line - function.startLine <= LineLocation.maximumOffset else { return nil }
            let name = profile.linkageName(of: function)
            guard SampleProfile.canCarry(name) else {
                report.namesLeftOut += 1
                return nil
            }
            return (name, LineLocation(offset: Int(line.line - function.startLine), discriminator: discriminator))
        }

        /// A callee of code without lines (a thunk, a library function), if the format can name it.
        func unprofiledCallee(_ line: Line) -> String? {
            guard let function = functions[line.functionID] else { return nil }
            let name = profile.linkageName(of: function)
            guard SampleProfile.canCarry(name) else {
                report.namesLeftOut += 1
                return nil
            }
            return name
        }

        for sample in profile.samples where valueIndex < sample.values.count && sample.values[valueIndex] > 0 {
            let count = UInt64(sample.values[valueIndex])
            // The physical function of the frame below (nearer the leaf), whether it has a profile
            // of its own (a thunk or other code without lines still names the call), and its mapping.
            var callee: (name: String, profiled: Bool, mapping: UInt64)? = nil
            for (depth, id) in sample.locationIDs.enumerated() {
                guard let location = locations[id], let physicalLine = location.lines.last else {
                    if depth == 0 { report.samplesWithoutLines += 1 }
                    callee = nil
                    continue
                }
                // Lines are innermost first; the last is the function the code physically lives in.
                let bases = discriminators[id]
                let frames = location.lines.enumerated().map { index, line in
                    frame(line, discriminator: bases.flatMap { index < $0.count ? $0[index] : nil } ?? 0)
                }
                // Outermost first, down to the first frame without a usable line: code inlined
                // from where lines are unknown counts at the line that inlined it.
                let chain = frames.reversed().prefix { $0 != nil }.map { $0! }
                guard let physical = chain.first else {
                    report.framesWithoutStartLine += 1
                    // Kernel code ([kernel.kallsyms], [vdso]) is entered by interrupts and
                    // system calls, never called from the line below it.
                    let isKernel = mappings[location.mappingID].map { profile.string($0.filename).hasPrefix("[") } ?? false
                    callee = isKernel ? nil : unprofiledCallee(physicalLine).map { ($0, false, location.mappingID) }
                    continue
                }
                // A call into another binary (a shared library) is no call target this build can use.
                if let known = callee, known.mapping != 0, location.mappingID != 0, known.mapping != location.mappingID {
                    report.callsIntoOtherBinaries += 1
                    callee = nil
                }
                let folded = chain.count < frames.count
                if folded { report.framesFoldedIntoCallSites += 1 }
                var top = self.functions[physical.name] ?? FunctionSamples(name: physical.name)
                // A call made from folded code was not made at the line it is folded into.
                top.record(chain: chain, count: count, isLeaf: depth == 0, callee: folded ? nil : callee?.name)
                self.functions[physical.name] = top
                if depth > 0, let callee, callee.profiled {
                    var calleeSamples = self.functions[callee.name] ?? FunctionSamples(name: callee.name)
                    calleeSamples.headSamples = saturatingSum(calleeSamples.headSamples, count)
                    self.functions[callee.name] = calleeSamples
                }
                callee = (physical.name, true, location.mappingID)
            }
        }
    }
}

extension Profile {
    /// The name a compiler's profile needs: the linkage (mangled) name, else the display name.
    func linkageName(of function: Function) -> String {
        let system = string(function.systemName)
        return system.isEmpty ? string(function.name) : system
    }
}

extension FunctionSamples {
    /// Records one frame chain, outermost (physical) first: samples at the innermost line for
    /// a leaf, or a call to `callee` there for a caller frame.
    mutating func record(chain: [(name: String, location: LineLocation)], count: UInt64, isLeaf: Bool, callee: String?) {
        let here = chain[0].location
        if chain.count > 1 {
            let next = chain[1]
            var inlinee = inlinees[here]?[next.name] ?? FunctionSamples(name: next.name)
            inlinee.record(chain: Array(chain.dropFirst()), count: count, isLeaf: isLeaf, callee: callee)
            inlinees[here, default: [:]][next.name] = inlinee
            return
        }
        bodySamples.add(count, at: here)
        if !isLeaf, let callee { callTargets[here, default: [:]].add(count, at: callee) }
    }
}
