// The one internal wrapper over zlib. Nothing of C leaves this file: callers pass a byte buffer and
// get back ``FileBytes`` or a ``DataIOError``.
internal import CZlibShim

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Gzip (RFC 1952) detection and streaming decompression through zlib's `inflate`.
internal enum Gzip {
    /// Whether `bytes` start with the gzip magic number `1f 8b`.
    static func isCompressed(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
    }

    /// The largest ratio deflate can reach (about 1032:1), used to cap the size hint of a damaged trailer.
    private static let maximumRatio = 1032

    /// Inflates a whole gzip file (one or more concatenated members) into newly allocated memory.
    ///
    /// The output buffer is sized from the trailer's length field (the uncompressed size modulo 2³²) and
    /// grows by doubling when that hint is wrong. A stream that ends early throws
    /// ``DataIOError/truncatedGzip(file:)``; bad data or a checksum mismatch throws
    /// ``DataIOError/corruptGzip(file:reason:)``. Input is never read past `input.count`.
    static func decompress(_ input: UnsafeRawBufferPointer, file: String) throws(DataIOError) -> FileBytes {
        guard let inputBase = input.baseAddress, input.count >= 2 else { throw .truncatedGzip(file: file) }
        var stream = z_stream()
        let initStatus = inflateInit2_(&stream, 16 + MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard initStatus == Z_OK else {
            throw .corruptGzip(file: file, reason: "zlib could not start (status \(initStatus))")
        }
        defer { inflateEnd(&stream) }

        var capacity = 1 << 16
        if input.count >= 18 {
            let trailer = input.count - 4
            let hint =
                Int(input[trailer]) | Int(input[trailer + 1]) << 8
                | Int(input[trailer + 2]) << 16 | Int(input[trailer + 3]) << 24
            // One spare byte, so that a correct hint never triggers a growth before the stream's end.
            capacity = max(capacity, min(hint, input.count * maximumRatio) + 1)
        }
        guard var output = malloc(capacity) else {
            throw .corruptGzip(file: file, reason: "cannot allocate \(capacity) bytes for the inflated data")
        }
        var produced = 0
        var fedEnd = 0  // input[..<fedEnd] has been handed to zlib
        let maximumChunk = Int(UInt32.max >> 1)

        func fail(_ error: DataIOError) -> DataIOError {
            free(output)
            return error
        }

        while true {
            if stream.avail_in == 0 && fedEnd < input.count {
                let chunk = min(input.count - fedEnd, maximumChunk)
                stream.next_in = UnsafeMutablePointer(
                    mutating: (inputBase + fedEnd).assumingMemoryBound(to: Bytef.self))
                stream.avail_in = uInt(chunk)
                fedEnd += chunk
            }
            if produced == capacity {
                let grown = capacity * 2
                guard let reallocated = realloc(output, grown) else {
                    throw fail(.corruptGzip(file: file, reason: "cannot allocate \(grown) bytes for the inflated data"))
                }
                output = reallocated
                capacity = grown
            }
            let room = min(capacity - produced, maximumChunk)
            stream.next_out = (output + produced).assumingMemoryBound(to: Bytef.self)
            stream.avail_out = uInt(room)
            let status = inflate(&stream, Z_NO_FLUSH)
            produced += room - Int(stream.avail_out)
            let consumed = fedEnd - Int(stream.avail_in)
            switch status {
            case Z_OK:
                continue
            case Z_STREAM_END:
                let remaining = input.count - consumed
                if remaining == 0 { break }
                if remaining >= 2 && input[consumed] == 0x1f && input[consumed + 1] == 0x8b {
                    // Another gzip member follows (as `cat a.gz b.gz` produces).
                    inflateReset(&stream)
                    continue
                }
                if input[consumed...].allSatisfy({ $0 == 0 }) { break }  // zero padding, as tape tools write
                throw fail(
                    .corruptGzip(file: file, reason: "\(remaining) unexpected bytes after the end of the gzip data"))
            case Z_BUF_ERROR:
                // No progress possible: either the output is full (grown above) or the input is exhausted.
                if stream.avail_in == 0 && fedEnd == input.count { throw fail(.truncatedGzip(file: file)) }
                continue
            case Z_DATA_ERROR, Z_NEED_DICT:
                let message = stream.msg.map { String(cString: $0) } ?? "invalid compressed data"
                throw fail(.corruptGzip(file: file, reason: message))
            case Z_MEM_ERROR:
                throw fail(.corruptGzip(file: file, reason: "zlib ran out of memory"))
            default:
                throw fail(.corruptGzip(file: file, reason: "zlib status \(status)"))
            }
            break
        }
        if capacity - produced > (1 << 20), let shrunk = realloc(output, max(produced, 1)) {
            output = shrunk
        }
        return FileBytes(file: file, base: UnsafeRawPointer(output), count: produced) { address, _ in free(address) }
    }
}
