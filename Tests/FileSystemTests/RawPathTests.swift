import FileSystem
import Testing

#if canImport(Glibc)
    import Glibc
#endif

// File names as bytes (`RawPath`): every byte sequence survives the trip into a string and back, valid
// UTF-8 is left alone, and the atomic writer creates a file under the exact bytes it was given.

@Suite("File names as bytes")
struct RawPathTests {
    /// The bytes of `path` as the system gets them, without the trailing NUL.
    func systemBytes(_ path: String) -> [UInt8] {
        RawPath.bytes(of: path).dropLast().map { UInt8(bitPattern: $0) }
    }

    @Test("every byte sequence comes back unchanged, including ones that are not UTF-8")
    func roundTrip() {
        var state: UInt64 = 19
        func next() -> UInt8 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        var cases: [[UInt8]] = [
            Array("plain.csv".utf8), Array("caf\u{E9}.csv".utf8), [0x6C, 0x61, 0x74, 0xE9, 0x2E, 0x63],
            [0xFF], [0xC3], [0xE2, 0x82], [0xF0, 0x9F, 0x98], [0xED, 0xA0, 0x80], [0xC0, 0xAF],
        ]
        for length in 1...24 { for _ in 0..<40 { cases.append((0..<length).map { _ in Swift.max(1, next()) }) } }
        for bytes in cases {
            let text = bytes.withUnsafeBufferPointer { RawPath.string(fromBytes: $0) }
            #expect(systemBytes(text) == bytes, "\(bytes)")
            #expect(RawPath.hasRawBytes(text) == (String(validating: bytes, as: UTF8.self) == nil), "\(bytes)")
        }
    }

    @Test("valid UTF-8 is unchanged, and messages show the other bytes as \\xNN")
    func validTextAndDisplay() {
        let valid = "données/ß.npy"
        #expect(Array(valid.utf8).withUnsafeBufferPointer { RawPath.string(fromBytes: $0) } == valid)
        #expect(systemBytes(valid) == Array(valid.utf8))
        let latin1: [UInt8] = [0x6D, 0xE9, 0x2E, 0x6E, 0x6E]  // "m\xe9.nn"
        let text = latin1.withUnsafeBufferPointer { RawPath.string(fromBytes: $0) }
        #expect(RawPath.display(text) == "m\\xe9.nn")
        #expect(RawPath.display(valid) == valid)
        // A file's first bytes: printable ASCII kept, every other byte and the backslash as two hex digits.
        #expect(RawPath.display(bytes: [0x93, 0x4E, 0x05, 0x0A, 0x5C, 0x7E, 0x7F]) == "\\x93N\\x05\\x0a\\x5c~\\x7f")
    }

    @Test("the atomic writer creates and replaces a file under the exact bytes")
    func writerUsesTheBytes() throws {
        let folder = "/tmp/RawPathTests-\(getpid())"
        mkdir(folder, 0o755)
        defer {
            if let directory = opendir(folder) {
                while let entry = readdir(directory) {
                    let name = withUnsafePointer(to: entry.pointee.d_name) {
                        $0.withMemoryRebound(to: CChar.self, capacity: 256) {
                            Array(UnsafeBufferPointer(start: $0, count: strlen($0) + 1))
                        }
                    }
                    var path = Array((folder + "/").utf8CString.dropLast())
                    path += name
                    unlink(path)
                }
                closedir(directory)
            }
            rmdir(folder)
        }
        let name: [UInt8] = [0x6D, 0xE9, 0x2E, 0x62, 0x69, 0x6E]  // "m\xe9.bin"
        let path = folder + "/" + name.withUnsafeBufferPointer { RawPath.string(fromBytes: $0) }
        try writeFileAtomically([1, 2, 3], to: path)
        try writeFileAtomically([4, 5], to: path)
        // Opened by its raw bytes, the file holds the second write.
        var raw = Array((folder + "/").utf8) + name
        raw.append(0)
        let descriptor = raw.withUnsafeBufferPointer {
            $0.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_RDONLY) }
        }
        #expect(descriptor >= 0)
        var buffer = [UInt8](repeating: 0, count: 8)
        let count = read(descriptor, &buffer, 8)
        close(descriptor)
        #expect(Array(buffer.prefix(max(0, count))) == [4, 5])
    }
}
