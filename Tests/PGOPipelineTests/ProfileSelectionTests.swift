import Foundation
import PGOPipeline
import ProfileStore
import Testing

@Suite struct ProfileSelectionTests {
    @Test func selectionRules() {
        let objects = (0..<5).map { i in
            StoredProfile(key: "k\(i)", service: "s", createdAt: Date(unixMilliseconds: Int64(i) * 1000), size: [30, 10, 50, 20, 40][i])
        }
        #expect(ProfileSelection("all")?.choose(from: objects).map(\.key) == ["k0", "k1", "k2", "k3", "k4"])
        #expect(ProfileSelection("newest:2")?.choose(from: objects).map(\.key) == ["k3", "k4"])
        #expect(ProfileSelection("largest:2")?.choose(from: objects).map(\.key) == ["k2", "k4"])
        let cpu: [String: Int64] = ["k0": 5, "k1": 9, "k2": 1, "k3": 7, "k4": 2]
        #expect(ProfileSelection("cpu:2")?.choose(from: objects) { cpu[$0.key]! }.map(\.key) == ["k1", "k3"])
        for bad in ["", "some", "newest:", "newest:0", "largest:-1", "top:3"] { #expect(ProfileSelection(bad) == nil, "\(bad)") }
    }
}
