import Foundation
import PGOSystem
import Pprof

public func fixtureBytes(_ name: String) throws -> [UInt8] {
    try BoundedFile.read(Fixtures.path("profiles/" + name))
}

/// A distinct small valid profile for each `n`, so content hashes differ.
public func syntheticProfile(_ n: Int) -> [UInt8] {
    var p = Profile()
    p.stringTable = ["", "samples", "count", "main.f\(n)"]
    p.sampleTypes = [ValueType(type: 1, unit: 2)]
    p.functions = [Function(id: 1, name: 3, startLine: 1)]
    p.locations = [Location(id: 1, address: 0x1000, lines: [Line(functionID: 1, line: 2)])]
    p.samples = [Sample(locationIDs: [1], values: [Int64(n + 1)])]
    return p.serialized()
}
