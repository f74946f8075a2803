import Foundation
import BinaryFormats
import Testing
@testable import ProfileStore

@Suite struct CryptoTests {
    private static func sha256Hex(_ string: String) -> String { hexString(SHA256.hash(Array(string.utf8))) }

    /// The FIPS 180 example messages (the NIST "Cryptographic Standards and Guidelines" examples).
    @Test func fipsExampleVectors() {
        #expect(Self.sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Self.sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        // 448 bits: the padding no longer fits the block, so a second one is needed.
        #expect(
            Self.sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(
            Self.sha256Hex(
                "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu")
                == "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
    }

    /// One million 'a', streamed in odd-sized chunks so that the partial-block buffer is filled
    /// and drained at every offset.
    @Test func oneMillionAStreamed() {
        let expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        var hasher = SHA256()
        var fed = 0
        var size = 1
        while fed < 1_000_000 {
            let n = min(size, 1_000_000 - fed)
            chunk.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            fed += n
            size = size % 991 + 6  // 1, 7, 13, ... odd sizes up to 995, below the chunk size
        }
        #expect(hexString(hasher.finalize()) == expected)
        #expect(hexString(SHA256.hash([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))) == expected)
    }

    /// Lengths around the padding boundaries (55/56 bytes: length field fits or not; 63/64/65:
    /// block edges), with digests from Python's hashlib.
    @Test(arguments: [
        (55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"),
        (56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"),
        (63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"),
        (64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"),
        (65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"),
        (119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"),
        (120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"),
        (127, "c57e9278af78fa3cab38667bef4ce29d783787a2f731d4e12200270f0c32320a"),
        (128, "6836cf13bac400e9105071cd6af47084dfacad4e5e302c94bfed24e013afb73e"),
    ])
    func boundaryLengths(_ length: Int, _ expected: String) {
        #expect(hexString(SHA256.hash([UInt8](repeating: UInt8(ascii: "a"), count: length))) == expected)
    }

    /// Any split of a message into two or three updates gives the one-shot digest, for every
    /// length up to three blocks (covering 55/56/63/64 and their multiples).
    @Test func chunkedEqualsOneShot() {
        let message = (0..<200).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        for length in 0...192 {
            let whole = Array(message[0..<length])
            let expected = SHA256.hash(whole)
            for split in 0...length {
                var hasher = SHA256()
                hasher.update(Array(whole[0..<split]))
                hasher.update(Array(whole[split...]))
                #expect(hasher.finalize() == expected, "length \(length) split \(split)")
            }
            for first in stride(from: 0, through: length, by: 5) {
                for second in stride(from: first, through: length, by: 9) {
                    var hasher = SHA256()
                    whole.withUnsafeBytes { raw in
                        hasher.update(UnsafeRawBufferPointer(rebasing: raw[0..<first]))
                        hasher.update(UnsafeRawBufferPointer(rebasing: raw[first..<second]))
                        hasher.update(UnsafeRawBufferPointer(rebasing: raw[second...]))
                    }
                    #expect(hasher.finalize() == expected, "length \(length) splits \(first), \(second)")
                }
            }
        }
    }

    @Test func finalizeResetsAndUnalignedInputWorks() {
        var hasher = SHA256()
        hasher.update(Array("abc".utf8))
        _ = hasher.finalize()
        #expect(hexString(hasher.finalize()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")

        // Whole blocks hashed straight from memory at an odd address.
        let bytes = [UInt8](repeating: UInt8(ascii: "a"), count: 129)
        let digest = bytes.withUnsafeBytes { SHA256.hash(UnsafeRawBufferPointer(rebasing: $0[1...])) }
        #expect(hexString(digest) == "6836cf13bac400e9105071cd6af47084dfacad4e5e302c94bfed24e013afb73e")
    }

    @Test func hexIsLowercase() {
        #expect(hexString([0x00, 0x0f, 0xa0, 0xff]) == "000fa0ff")
        #expect(hexString([]) == "")
    }

    /// RFC 4231 §4.2-4.8, test cases 1-7.
    @Test func hmacRFC4231() {
        func hmac(_ key: [UInt8], _ data: [UInt8]) -> String { hexString(HMACSHA256.authenticationCode(key: key, message: data)) }
        let text = { (s: String) in Array(s.utf8) }

        #expect(
            hmac([UInt8](repeating: 0x0b, count: 20), text("Hi There"))
                == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        #expect(
            hmac(text("Jefe"), text("what do ya want for nothing?"))
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(
            hmac([UInt8](repeating: 0xaa, count: 20), [UInt8](repeating: 0xdd, count: 50))
                == "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe")
        #expect(
            hmac(Array(1...25), [UInt8](repeating: 0xcd, count: 50))
                == "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b")
        // Case 5: truncated to 128 bits.
        #expect(
            hmac([UInt8](repeating: 0x0c, count: 20), text("Test With Truncation")).prefix(32)
                == "a3b6167473100ee06e0c796c2955552b")
        // Cases 6 and 7: a 131-byte key, longer than the block, is hashed first.
        #expect(
            hmac([UInt8](repeating: 0xaa, count: 131), text("Test Using Larger Than Block-Size Key - Hash Key First"))
                == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
        #expect(
            hmac(
                [UInt8](repeating: 0xaa, count: 131),
                text(
                    "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm."
                )) == "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2")
    }

    /// The CPU's SHA instructions and the Swift code give the same digest for every length from
    /// 0 to 1,000 bytes (every padding case, one to sixteen blocks) and for a megabyte fed in
    /// uneven pieces; on a CPU without them both runs are the Swift code, and the test says so.
    @Test func hardwareAndPortableCompressionAgree() {
        var state: UInt64 = 0x9e37_79b9_7f4a_7c15
        let bytes = (0..<(1 << 20)).map { _ -> UInt8 in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
        func digest(_ input: ArraySlice<UInt8>, portable: Bool, pieces: Int = 1) -> [UInt8] {
            var hasher = SHA256()
            hasher.portable = portable
            let step = max(1, input.count / pieces + 7)
            var start = input.startIndex
            while start < input.endIndex {
                let end = min(start + step, input.endIndex)
                Array(input[start..<end]).withUnsafeBytes { hasher.update($0) }
                start = end
            }
            return hasher.finalize()
        }
        for length in 0...1000 {
            #expect(digest(bytes[..<length], portable: false) == digest(bytes[..<length], portable: true), "\(length) bytes")
        }
        #expect(digest(bytes[...], portable: false, pieces: 13) == digest(bytes[...], portable: true))
        #expect(SHA256.hash(Array("abc".utf8)) == digest(Array("abc".utf8)[...], portable: true))
        if !SHA256.usesHardware { print("this CPU has no SHA instructions: both digests came from the Swift code") }
    }

    /// Prints SHA-256 throughput (no assertion on time: machines differ). Meaningful in release
    /// builds: `swift test -c release -Xswiftc -enable-testing --filter CryptoTests/throughput`.
    @Test func throughput() {
        let data = [UInt8](repeating: 0x5a, count: 16 << 20)
        let start = DispatchTime.now().uptimeNanoseconds
        let digest = SHA256.hash(data)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        #expect(digest.count == 32)
        print("SHA256 throughput: \(String(format: "%.0f", 16 / max(seconds, 1e-9))) MB/s (16 MiB in \(String(format: "%.3f", seconds)) s)")
    }
}
