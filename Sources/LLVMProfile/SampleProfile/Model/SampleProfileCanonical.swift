extension SampleProfile {
    /// The profile exactly as both encodings store it, so a written profile can be compared with
    /// what is read back: functions and inlinees without samples are left out (neither format
    /// can say anything useful about them), call targets only exist at sampled lines, and
    /// inlinees have no head samples (only top-level functions record entries).
    /// Throws when a function's total does not fit in 64 bits, which no encoding can store.
    public func canonical() throws(SampleProfileValidationError) -> SampleProfile {
        var result = SampleProfile()
        for (name, function) in functions {
            guard let total = function.checkedTotalSamples else {
                throw SampleProfileValidationError(description: "the sample counts of \(name) add up to more than 64 bits")
            }
            if total > 0 { result.functions[name] = function.canonicalBody(name: name, headSamples: function.headSamples) }
        }
        return result
    }
}

extension FunctionSamples {
    /// `totalSamples`, or nil when the sum does not fit in 64 bits.
    var checkedTotalSamples: UInt64? {
        var total: UInt64 = 0
        for count in bodySamples.values {
            let (sum, overflow) = total.addingReportingOverflow(count)
            if overflow { return nil }
            total = sum
        }
        for inlinees in inlinees.values {
            for inlinee in inlinees.values {
                guard let inner = inlinee.checkedTotalSamples else { return nil }
                let (sum, overflow) = total.addingReportingOverflow(inner)
                if overflow { return nil }
                total = sum
            }
        }
        return total
    }

    /// This function under `name` (the key it is stored by), pruned as `SampleProfile.canonical()`
    /// describes; totals must have been checked.
    func canonicalBody(name: String, headSamples: UInt64) -> FunctionSamples {
        var result = FunctionSamples(name: name)
        result.headSamples = headSamples
        result.bodySamples = bodySamples
        for (location, targets) in callTargets where bodySamples[location] != nil && !targets.isEmpty {
            result.callTargets[location] = targets
        }
        for (location, callees) in inlinees {
            var kept: [String: FunctionSamples] = [:]
            for (callee, inlinee) in callees where (inlinee.checkedTotalSamples ?? 0) > 0 {
                kept[callee] = inlinee.canonicalBody(name: callee, headSamples: 0)
            }
            if !kept.isEmpty { result.inlinees[location] = kept }
        }
        return result
    }
}
