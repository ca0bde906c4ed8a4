#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The one check made before an allocation whose size comes from outside (a file's declared
/// dimensions, its rows and columns, a network's widths): its byte count without overflow, and
/// whether the system grants that memory now.
///
/// Swift's arrays trap when the system refuses their memory, so the readers ask here first and throw
/// an error naming the file; the network's own buffers (`ScalarBuffer` in Network) are `calloc`ed and
/// throw the same way. Under `ulimit -v` or a strict overcommit policy a refused request is reported;
/// under Linux's default policy a request beyond the machine's memory and swap is.
package enum MemoryReservation {
    /// `count × stride` bytes, or nil when the product does not fit in an `Int`.
    package static func bytes(count: Int, stride: Int) -> Int? {
        guard count >= 0, stride >= 0 else { return nil }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: stride)
        return overflow ? nil : bytes
    }

    /// Whether `bytes` can be allocated now: the memory is mapped and unmapped at once (untouched, so
    /// it costs no pages), which the address-space limit and the overcommit policy judge as they judge
    /// the allocation that follows. (A `malloc` followed by `free` would not do: the optimizer removes
    /// such a pair whose memory is never used.)
    package static func isAvailable(bytes: Int) -> Bool {
        guard bytes >= 0 else { return false }
        guard bytes > 1 << 20 else { return true }
        #if canImport(Darwin)
            let anonymous = MAP_ANON
        #else
            let anonymous = MAP_ANONYMOUS
        #endif
        guard let memory = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | anonymous, -1, 0),
            memory != MAP_FAILED
        else { return false }
        munmap(memory, bytes)
        return true
    }
}
