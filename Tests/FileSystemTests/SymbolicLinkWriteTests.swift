import FileSystem
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The atomic writer follows a symbolic link to the file it names, a dangling link included (as
/// `open(2)` with `O_CREAT` would): the link stays a link. Before, a dangling link was replaced by the
/// written file, because `realpath` cannot resolve a missing target.
@Suite("Writes through symbolic links")
struct SymbolicLinkWriteTests {
    func folder() throws -> String {
        var template = Array("/tmp/atomic-links-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        try #require(made != nil)
        return String(cString: made!)
    }

    func isLink(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFLNK
    }

    func contents(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        while true {
            let byte = fgetc(file)
            if byte == EOF { break }
            bytes.append(UInt8(byte))
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func aDanglingLinkIsWrittenWhereItPoints() throws {
        let directory = try folder()
        #expect(mkdir(directory + "/models", 0o755) == 0)
        // Relative, through a chain of two links, and absolute.
        #expect(symlink("models/real.bin", directory + "/second") == 0)
        #expect(symlink("second", directory + "/first") == 0)
        #expect(symlink(directory + "/models/absolute.bin", directory + "/absolute") == 0)
        try writeFileAtomically(Array("chained".utf8), to: directory + "/first")
        try writeFileAtomically(Array("absolute".utf8), to: directory + "/absolute")
        #expect(isLink(directory + "/first") && isLink(directory + "/second") && isLink(directory + "/absolute"))
        #expect(contents(directory + "/models/real.bin") == "chained")
        #expect(contents(directory + "/models/absolute.bin") == "absolute")
        // Written again, now that the target exists: the same file.
        try writeFileAtomically(Array("again".utf8), to: directory + "/first")
        #expect(isLink(directory + "/first") && contents(directory + "/models/real.bin") == "again")
        #expect(resolvedPath(directory + "/missing/file") == directory + "/missing/file")
        #expect(symbolicLinkTarget(directory + "/first") == "second")
        #expect(symbolicLinkTarget(directory + "/models/real.bin") == nil)
    }

    @Test func aLinkIntoAMissingFolderFailsNamingIt() throws {
        let directory = try folder()
        #expect(symlink("absent/real.bin", directory + "/link") == 0)
        #expect(throws: FileWriteError.self) { try writeFileAtomically(Array("x".utf8), to: directory + "/link") }
        #expect(isLink(directory + "/link"))
    }

    @Test func pathsSplitAsTheWriterSplitsThem() {
        #expect(splitPath("model.bin") == (".", "model.bin"))
        #expect(splitPath("/model.bin") == ("/", "model.bin"))
        #expect(splitPath("a/b/model.bin") == ("a/b", "model.bin"))
    }
}
