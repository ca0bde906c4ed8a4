#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes all of `text` to the open file `descriptor` with `write(2)`, retrying after a signal and
/// after a short write, and returns the `errno` of a failed write, or nil when every byte went
/// through. Unlike Foundation's `FileHandle.write(_:)`, which traps when the write fails, a closed or
/// full standard stream costs the text and nothing else: `nn`'s standard streams and the data-parallel
/// abort message write through this one function.
package func writeAll(_ text: String, to descriptor: Int32) -> Int32? {
    var text = text
    return text.withUTF8 { bytes -> Int32? in
        guard let base = bytes.baseAddress else { return nil }
        var offset = 0
        while offset < bytes.count {
            let written = write(descriptor, base + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return errno
            }
            offset += written
        }
        return nil
    }
}
