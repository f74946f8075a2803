import Foundation
import PGOSystem
import TestSupport
import Testing
@testable import Pprof

/// Decoding never traps, whatever the bytes: 3,500 seeded mutations of the real and synthetic
/// fixtures (flipped bytes, overwritten varints, truncations, insertions, duplicated runs), raw
/// and gzip, each either decoding to a valid profile or failing with an error (issue 11's
/// adversarial run, kept as a test).
@Suite struct MutationTests {
    /// A small deterministic generator (SplitMix64), so a failure can be replayed by its index.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9e37_79b9_7f4a_7c15
            var z = state
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return z ^ (z >> 31)
        }
    }

    @Test func thousandsOfMutationsNeverTrap() throws {
        let inputs = try (Fixtures.realProfiles + Fixtures.syntheticProfiles).map { relative -> [UInt8] in
            let bytes = try BoundedFile.read(Fixtures.path(relative))
            // Mutate the protobuf itself: a mutated gzip mostly fails its checksum and says little.
            let isGzip = bytes.withUnsafeBytes { Gzip.hasMagic($0) }
            return isGzip ? try bytes.withUnsafeBytes { try Gzip.decompress($0, limit: 64 << 20) } : bytes
        }.filter { !$0.isEmpty }
        var random = SplitMix(state: 2026)
        var (accepted, rejected) = (0, 0)
        for index in 0..<3_500 {
            var bytes = inputs[index % inputs.count]
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let at = Int.random(in: 0..<max(bytes.count, 1), using: &random)
                switch Int.random(in: 0..<6, using: &random) {
                case 0: if at < bytes.count { bytes[at] ^= UInt8.random(in: 1...255, using: &random) }
                case 1: if at < bytes.count { bytes[at] = [0x00, 0x7f, 0x80, 0xff][Int.random(in: 0..<4, using: &random)] }
                case 2: bytes = Array(bytes.prefix(at))
                case 3: bytes.insert(contentsOf: (0..<Int.random(in: 1...10, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }, at: min(at, bytes.count))
                case 4: bytes.insert(contentsOf: [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], at: min(at, bytes.count))
                default: let run = bytes[at..<min(bytes.count, at + 64)]; bytes.insert(contentsOf: run, at: at)
                }
            }
            for candidate in [bytes, Gzip.compress(bytes)] {
                do {
                    let profile = try Profile(serialized: candidate)
                    try profile.validate()
                    _ = profile.serialized()
                    _ = try? profile.trimmedForGoPGO()
                    accepted += 1
                } catch {
                    #expect(!"\(error)".isEmpty, "mutation \(index)")
                    rejected += 1
                }
            }
        }
        print("mutations: \(accepted + rejected) decodes, \(accepted) accepted as valid profiles, \(rejected) rejected with an error, none trapped")
        #expect(accepted + rejected == 7_000)
        #expect(rejected > 0)
    }
}
