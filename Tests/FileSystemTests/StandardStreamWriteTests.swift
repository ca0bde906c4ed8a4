import FileSystem
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `writeAll(_:to:)`, the one write loop behind `nn`'s standard streams, the library's
/// `ProgressPrinter` and the data-parallel abort message: every byte arrives, and a failed write is
/// an `errno`, never a trap.
@Suite("Standard stream writes")
struct StandardStreamWriteTests {
    @Test func everyByteReachesAPipe() throws {
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        defer { close(ends[0]) }
        let text = "épsilon, 3 bytes of UTF-8 and more: \(String(repeating: "x", count: 4000))\n"
        #expect(writeAll(text, to: ends[1]) == nil)
        close(ends[1])
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1024)
        while true {
            let count = read(ends[0], &buffer, buffer.count)
            if count <= 0 { break }
            received += buffer[0..<count]
        }
        #expect(received == Array(text.utf8))
    }

    @Test func aFailedWriteIsItsErrno() throws {
        let full = open("/dev/full", O_WRONLY)
        try #require(full >= 0)
        defer { close(full) }
        #expect(writeAll("lost\n", to: full) == ENOSPC)
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        close(ends[0])
        close(ends[1])
        #expect(writeAll("lost\n", to: ends[1]) == EBADF)
        #expect(writeAll("", to: ends[1]) == nil)
    }
}
