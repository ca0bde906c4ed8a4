import FileSystem
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 29 D13: a file name of 243 to 255 bytes is valid, but its temporary `.NAME.PID.tmp` passed
/// NAME_MAX and the write failed. A long name's temporary is shortened with a hash of the name, and
/// the stale temporaries of killed runs are still found and removed.
@Suite("Temporary file names")
struct AtomicFileNameTests {
    func folder() throws -> String {
        var template = Array("/tmp/atomic-names-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        try #require(made != nil)
        return String(cString: made!)
    }

    func entries(_ folder: String) -> [String] {
        guard let directory = opendir(folder) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    @Test("names up to 255 bytes are written, their temporaries fit, stale ones are removed")
    func longNames() throws {
        let directory = try folder()
        for name in [String(repeating: "a", count: 255), String(repeating: "é", count: 127) + "b", "short.csv"] {
            let temporary = temporaryName(of: name, process: Int32.max)
            #expect(temporary.utf8.count <= 255, "\(temporary.utf8.count) bytes")
            // A temporary of a dead process, named as that process would have named it.
            let stale = temporaryName(of: name, process: 999_999_999)
            let staleFile = open(directory + "/" + stale, O_WRONLY | O_CREAT, 0o644)
            #expect(staleFile >= 0, "\(String(cString: strerror(errno)))")
            close(staleFile)
            try writeFileAtomically(Array("data".utf8), to: directory + "/" + name)
            #expect(entries(directory).contains(name))
            #expect(!entries(directory).contains(stale), "the stale temporary was left")
        }
        // Two long names that differ only at the end get different temporaries.
        let common = String(repeating: "x", count: 250)
        #expect(temporaryName(of: common + "1", process: 1) != temporaryName(of: common + "2", process: 1))
        #expect(
            entries(directory).sorted()
                == ["short.csv", String(repeating: "a", count: 255), String(repeating: "é", count: 127) + "b"].sorted())
    }
}
