// The one internal wrapper over zlib. Nothing of C leaves this file: callers pass byte buffers and
// get back ``FileBytes``, deflated bytes, a checksum or a ``DataIOError``.
internal import CZlibShim

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Inflation through zlib's `inflate` (gzip files, RFC 1952, and the raw deflate members of zip
/// archives, RFC 1951) in one loop, raw deflate for the zip writer's members, and zlib's CRC-32.
internal enum Zlib {
    /// Whether `bytes` start with the gzip magic number `1f 8b`.
    static func isGzip(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
    }

    /// The largest ratio deflate can reach (about 1032:1): no stream of `n` bytes inflates to more than
    /// `n × maximumRatio` bytes, which bounds the memory a size field can ask for.
    static let maximumRatio = 1032

    /// Inflates a whole gzip file (one or more concatenated members) into newly allocated memory.
    ///
    /// The output buffer is sized from the trailer's length field (the uncompressed size modulo 2³²) and
    /// grows by doubling when that hint is wrong. A stream that ends early throws
    /// ``DataIOError/truncatedGzip(file:)``; bad data or a checksum mismatch throws
    /// ``DataIOError/corruptGzip(file:reason:)``. Input is never read past `input.count`.
    static func inflateGzip(_ input: UnsafeRawBufferPointer, file: String) throws(DataIOError) -> FileBytes {
        do {
            return try inflate(input, format: .gzip, file: file)
        } catch {
            switch error {
            case .endsEarly: throw .truncatedGzip(file: file)
            case .corrupt(let message): throw .corruptGzip(file: file, reason: message)
            case .runsPastDeclaredSize, .endsBeforeDeclaredSize:  // not reached: a gzip stream declares no size
                throw .corruptGzip(file: file, reason: "invalid compressed data")
            case .cannotAllocate(let bytes):
                throw .cannotAllocate(file: file, what: "the inflated gzip data", bytes: bytes)
            }
        }
    }

    /// Inflates one raw deflate stream (a zip member with method 8) of exactly `size` bytes into newly
    /// allocated memory.
    ///
    /// The output buffer holds `size` bytes (plus one, to notice a stream that goes on), so the memory
    /// is bounded by the declared size, which the caller checks against `input.count × maximumRatio`.
    /// A stream that ends before `size` bytes, needs more input than `input` holds (it never ends), or
    /// produces more than `size` bytes throws ``DataIOError/corruptArchive(file:reason:)`` naming
    /// `file` (the member); so does bad data. Input is never read past `input.count`, and the loop ends
    /// because every call of `inflate` either consumes input, produces bounded output, or stops it.
    static func inflateRawDeflate(_ input: UnsafeRawBufferPointer, size: Int, file: String) throws(DataIOError)
        -> FileBytes
    {
        do {
            return try inflate(input, format: .rawDeflate(size: size), file: file)
        } catch {
            switch error {
            case .endsEarly:
                throw .corruptArchive(
                    file: file,
                    reason:
                        "the deflate stream needs more than its \(input.count) compressed bytes (truncated, or sizes that lie)"
                )
            case .corrupt(let message):
                throw .corruptArchive(file: file, reason: "the deflate stream is damaged: \(message)")
            case .runsPastDeclaredSize(let declared):
                throw .corruptArchive(
                    file: file, reason: "the deflate stream inflates to more than the declared \(declared) bytes")
            case .endsBeforeDeclaredSize(let produced, let declared):
                throw .corruptArchive(
                    file: file,
                    reason: "the deflate stream ends after \(produced) bytes, short of the declared \(declared)")
            case .cannotAllocate(let bytes):
                throw .cannotAllocate(file: file, what: "the inflated member", bytes: bytes)
            }
        }
    }

    /// The CRC-32 (zip's and gzip's checksum) of `bytes`; with `previous`, the checksum of the bytes
    /// whose checksum that was followed by `bytes` (so a member in several pieces is summed piece by piece).
    static func crc32(_ bytes: UnsafeRawBufferPointer, continuing previous: UInt32 = 0) -> UInt32 {
        var crc = uLong(previous)
        guard var base = bytes.baseAddress?.assumingMemoryBound(to: Bytef.self) else { return UInt32(crc) }
        var remaining = bytes.count
        while remaining > 0 {
            let chunk = min(remaining, maximumChunk)
            crc = CZlibShim.crc32(crc, base, uInt(chunk))
            base += chunk
            remaining -= chunk
        }
        return UInt32(crc)
    }

    /// Compresses `parts`, one after another, into one raw deflate stream (RFC 1951; a zip member with
    /// method 8) at zlib's default level, as Python's `zipfile` and `np.savez_compressed` do.
    ///
    /// The output starts at zlib's bound for the input's size (which one pass never exceeds) and
    /// grows by doubling should it ever be short.
    ///
    /// - Throws: ``DataIOError/cannotWrite(file:reason:)`` naming `file` (the member) when zlib cannot
    ///   start (out of memory) or reports an error.
    static func deflateRaw(_ parts: [UnsafeRawBufferPointer], file: String) throws(DataIOError) -> [UInt8] {
        var stream = z_stream()
        let initStatus = deflateInit2_(
            &stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY, zlibVersion(),
            Int32(MemoryLayout<z_stream>.size))
        guard initStatus == Z_OK else {
            throw .cannotWrite(file: file, reason: "zlib could not start deflating (status \(initStatus))")
        }
        defer { deflateEnd(&stream) }
        let total = parts.reduce(0) { $0 + $1.count }
        var output = [UInt8](repeating: 0, count: max(Int(deflateBound(&stream, uLong(total))), 64))
        var produced = 0

        // Feeds `input` (empty for the final call) and runs deflate until it has taken all of it, or,
        // with `Z_FINISH`, until the stream has ended.
        func run(_ input: UnsafeRawBufferPointer, flush: Int32) throws(DataIOError) {
            stream.next_in = input.baseAddress.map {
                UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: Bytef.self))
            }
            stream.avail_in = uInt(input.count)
            while true {
                if produced == output.count { output += repeatElement(0, count: output.count) }
                let room = min(output.count - produced, maximumChunk)
                let status = output.withUnsafeMutableBytes { buffer in
                    stream.next_out = (buffer.baseAddress! + produced).assumingMemoryBound(to: Bytef.self)
                    stream.avail_out = uInt(room)
                    return CZlibShim.deflate(&stream, flush)
                }
                produced += room - Int(stream.avail_out)
                switch status {
                case Z_STREAM_END:
                    return
                case Z_OK, Z_BUF_ERROR:
                    // Without Z_FINISH the input is all taken once deflate leaves output room unused.
                    if flush != Z_FINISH && stream.avail_in == 0 && stream.avail_out > 0 { return }
                default:
                    let message = stream.msg.map { String(cString: $0) } ?? "status \(status)"
                    throw .cannotWrite(file: file, reason: "zlib could not deflate the data (\(message))")
                }
            }
        }

        for part in parts {
            var start = 0
            while start < part.count {
                let end = start + min(part.count - start, maximumChunk)
                try run(UnsafeRawBufferPointer(rebasing: part[start..<end]), flush: Z_NO_FLUSH)
                start = end
            }
        }
        try run(UnsafeRawBufferPointer(start: nil, count: 0), flush: Z_FINISH)
        output.removeLast(output.count - produced)
        return output
    }

    /// zlib counts bytes in `uInt`: input and output are handed over in chunks of at most this size.
    private static let maximumChunk = Int(UInt32.max >> 1)

    private enum Format {
        /// One or more gzip members, zero padding allowed after the last; the output grows as needed.
        case gzip
        /// One raw deflate stream that must inflate to exactly `size` bytes.
        case rawDeflate(size: Int)
    }

    /// How the inflate loop failed; each entry point words it as its own ``DataIOError``.
    private enum Failure: Error {
        /// The input runs out before the stream's end.
        case endsEarly
        /// zlib's message for bad data, or what else went wrong.
        case corrupt(String)
        /// A raw stream produces more than its declared size.
        case runsPastDeclaredSize(Int)
        /// A raw stream ends before its declared size.
        case endsBeforeDeclaredSize(produced: Int, declared: Int)
        /// The output buffer of this many bytes could not be allocated.
        case cannotAllocate(Int)
    }

    /// The one inflate loop.
    private static func inflate(_ input: UnsafeRawBufferPointer, format: Format, file: String) throws(Failure)
        -> FileBytes
    {
        let windowBits: Int32
        var capacity: Int
        switch format {
        case .gzip:
            guard input.count >= 2 else { throw .endsEarly }
            windowBits = 16 + MAX_WBITS
            capacity = 1 << 16
            if input.count >= 18 {
                let trailer = input.count - 4
                let hint =
                    Int(input[trailer]) | Int(input[trailer + 1]) << 8
                    | Int(input[trailer + 2]) << 16 | Int(input[trailer + 3]) << 24
                // One spare byte, so that a correct hint never triggers a growth before the stream's end.
                capacity = max(capacity, min(hint, input.count * maximumRatio) + 1)
            }
        case .rawDeflate(let size):
            windowBits = -MAX_WBITS
            // One spare byte, so that a stream running past `size` shows itself.
            capacity = size + 1
        }
        var stream = z_stream()
        let initStatus = inflateInit2_(&stream, windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard initStatus == Z_OK else { throw .corrupt("zlib could not start (status \(initStatus))") }
        defer { inflateEnd(&stream) }

        guard var output = malloc(capacity) else { throw .cannotAllocate(capacity) }
        var produced = 0
        var fedEnd = 0  // input[..<fedEnd] has been handed to zlib

        func fail(_ error: Failure) -> Failure {
            free(output)
            return error
        }

        while true {
            if stream.avail_in == 0 && fedEnd < input.count, let inputBase = input.baseAddress {
                let chunk = min(input.count - fedEnd, maximumChunk)
                stream.next_in = UnsafeMutablePointer(
                    mutating: (inputBase + fedEnd).assumingMemoryBound(to: Bytef.self))
                stream.avail_in = uInt(chunk)
                fedEnd += chunk
            }
            if produced == capacity {
                if case .rawDeflate(let size) = format { throw fail(.runsPastDeclaredSize(size)) }
                let grown = capacity * 2
                guard let reallocated = realloc(output, grown) else { throw fail(.cannotAllocate(grown)) }
                output = reallocated
                capacity = grown
            }
            let room = min(capacity - produced, maximumChunk)
            stream.next_out = (output + produced).assumingMemoryBound(to: Bytef.self)
            stream.avail_out = uInt(room)
            let status = CZlibShim.inflate(&stream, Z_NO_FLUSH)
            produced += room - Int(stream.avail_out)
            let consumed = fedEnd - Int(stream.avail_in)
            switch status {
            case Z_OK:
                continue
            case Z_STREAM_END:
                if case .rawDeflate(let size) = format {
                    if produced > size { throw fail(.runsPastDeclaredSize(size)) }
                    if produced < size { throw fail(.endsBeforeDeclaredSize(produced: produced, declared: size)) }
                    break
                }
                let remaining = input.count - consumed
                if remaining == 0 { break }
                if remaining >= 2 && input[consumed] == 0x1f && input[consumed + 1] == 0x8b {
                    // Another gzip member follows (as `cat a.gz b.gz` produces).
                    inflateReset(&stream)
                    continue
                }
                if input[consumed...].allSatisfy({ $0 == 0 }) { break }  // zero padding, as tape tools write
                throw fail(.corrupt("\(remaining) unexpected bytes after the end of the gzip data"))
            case Z_BUF_ERROR:
                // No progress possible: either the output is full (grown or refused above) or the input
                // is exhausted. Either way the next turn of the loop changes something or ends it.
                if stream.avail_in == 0 && fedEnd == input.count { throw fail(.endsEarly) }
                continue
            case Z_DATA_ERROR, Z_NEED_DICT:
                throw fail(.corrupt(stream.msg.map { String(cString: $0) } ?? "invalid compressed data"))
            case Z_MEM_ERROR:
                throw fail(.corrupt("zlib ran out of memory"))
            default:
                throw fail(.corrupt("zlib status \(status)"))
            }
            break
        }
        if capacity - produced > (1 << 20), let shrunk = realloc(output, max(produced, 1)) {
            output = shrunk
        }
        return FileBytes(file: file, base: UnsafeRawPointer(output), count: produced) { address, _ in free(address) }
    }
}
