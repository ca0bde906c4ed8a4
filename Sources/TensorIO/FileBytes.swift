internal import FileSystem

// The internal file layer: mapping a file's bytes into memory (no copy), inflating gzip when the
// bytes start with its magic number, and a buffered writer. The C calls (open, mmap, write) stay here.
#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Read-only bytes of a whole file, memory-mapped, or owned heap memory after gzip inflation.
///
/// The bytes stay valid for the lifetime of the object; readers parse them in place, so a file is
/// never copied into a second buffer (except when it must be inflated).
internal final class FileBytes {
    /// The name used in error messages (the path as the caller gave it).
    let file: String
    /// The first byte (nil when the file is empty).
    let base: UnsafeRawPointer?
    /// The number of bytes.
    let count: Int
    /// Releases the memory: `munmap` for a mapping, `free` for inflated data.
    private let release: (UnsafeMutableRawPointer, Int) -> Void
    /// Whether the bytes are a read-only mapping of the file, whose pages the system can read again.
    private let isMapping: Bool

    init(
        file: String, base: UnsafeRawPointer?, count: Int, isMapping: Bool = false,
        release: @escaping (UnsafeMutableRawPointer, Int) -> Void
    ) {
        self.file = file
        self.base = base
        self.count = count
        self.isMapping = isMapping
        self.release = release
    }

    /// Gives the mapped pages before `offset` back to the system (a no-op for inflated bytes): a reader
    /// that has passed them keeps its resident memory to what it has parsed, not the whole file
    /// besides. They stay valid; reading them again reads the file again (from the page cache).
    func releasePages(before offset: Int) {
        guard isMapping, let base, offset > 0 else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let length = Swift.min(offset, count) / page * page
        if length > 0 { _ = madvise(UnsafeMutableRawPointer(mutating: base), length, MADV_DONTNEED) }
    }

    deinit {
        if let base { release(UnsafeMutableRawPointer(mutating: base), count) }
    }

    /// The bytes as a buffer pointer, valid while `self` is alive.
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// Maps the file at `path`; when it starts with the gzip magic number `1f 8b`, returns the inflated bytes instead.
    /// A file compressed some other way (bzip2, xz, zstd, zip) is refused by name, rather than read as
    /// the binary it is (a bzip2 CSV's first line became its header, `BZh91AY&SY`).
    static func load(_ path: String) throws(DataIOError) -> FileBytes {
        let mapped = try map(path)
        if Zlib.isGzip(mapped.bytes) {
            return try Zlib.inflateGzip(mapped.bytes, file: path)
        }
        if let reason = otherCompression(mapped.bytes) { throw .cannotRead(file: path, reason: reason) }
        return mapped
    }

    /// Loads a text file (a CSV) as ``load(_:)`` does, refusing UTF-16 and UTF-32 text, known by its
    /// byte-order mark (as Excel's "Unicode text" is saved), which would be read as ragged lines.
    static func loadText(_ path: String) throws(DataIOError) -> FileBytes {
        let bytes = try load(path)
        let start = Array(bytes.bytes.prefix(4))
        let encoding: String? =
            start.starts(with: [0xFF, 0xFE, 0, 0]) || start.starts(with: [0, 0, 0xFE, 0xFF])
            ? "UTF-32"
            : start.starts(with: [0xFF, 0xFE]) || start.starts(with: [0xFE, 0xFF]) ? "UTF-16" : nil
        if let encoding {
            throw .cannotRead(
                file: path,
                reason:
                    "it is \(encoding) text (it begins with a byte-order mark), and nn reads UTF-8; convert it with iconv -f \(encoding) -t UTF-8"
            )
        }
        return bytes
    }

    /// What compression other than gzip `bytes` begin with and how to undo it, in words; nil for none.
    static func otherCompression(_ bytes: UnsafeRawBufferPointer) -> String? {
        func startsWith(_ magic: [UInt8]) -> Bool {
            bytes.count >= magic.count && bytes.prefix(magic.count).elementsEqual(magic)
        }
        // bzip2: "BZh", the block size 1-9, then the first block's magic 0x314159265359 ("1AY&SY").
        if bytes.count >= 10, startsWith(Array("BZh".utf8)), (0x31...0x39).contains(bytes[3]),
            bytes[4..<10].elementsEqual(Array("1AY&SY".utf8))
        {
            return
                "it is bzip2-compressed, which nn does not read; decompress it with bunzip2, or compress it with gzip"
        }
        if startsWith([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]) {
            return "it is xz-compressed, which nn does not read; decompress it with unxz, or compress it with gzip"
        }
        if startsWith([0x28, 0xB5, 0x2F, 0xFD]) {
            return "it is zstd-compressed, which nn does not read; decompress it with unzstd, or compress it with gzip"
        }
        if startsWith([0x50, 0x4B, 0x03, 0x04]) || startsWith([0x50, 0x4B, 0x05, 0x06]) {
            return
                "it is a zip archive, which nn reads only as an .npz file of arrays; unzip it, or name it .npz if it is one"
        }
        return nil
    }

    /// Wraps bytes already in memory (an `.npz` member) without copying; `owner` keeps them alive.
    static func wrapping(_ bytes: UnsafeRawBufferPointer, file: String, owner: AnyObject) -> FileBytes {
        FileBytes(file: file, base: bytes.baseAddress, count: bytes.count) { _, _ in _ = owner }
    }

    /// Memory-maps the whole file read-only. Anything but a regular file (a named pipe, a socket, a
    /// device, a folder) is refused: the readers need the whole file and its size. The file is opened
    /// without blocking, so that a named pipe without a writer is refused rather than waited on forever.
    static func map(_ path: String) throws(DataIOError) -> FileBytes {
        let descriptor = RawPath.withCString(path) { open($0, O_RDONLY | O_NONBLOCK | O_CLOEXEC) }
        guard descriptor >= 0 else { throw .cannotRead(file: path, reason: systemErrorMessage()) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .cannotRead(file: path, reason: systemErrorMessage()) }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw .cannotRead(
                file: path,
                reason:
                    "it is \(fileKind(status.st_mode)), not a regular file; the data is read whole, so save it to a file first"
            )
        }
        let size = Int(status.st_size)
        if size == 0 {
            return FileBytes(file: path, base: nil, count: 0) { _, _ in }
        }
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), address != MAP_FAILED else {
            throw .cannotRead(file: path, reason: systemErrorMessage())
        }
        // The file is read front to back once.
        _ = madvise(address, size, MADV_SEQUENTIAL)
        return FileBytes(file: path, base: UnsafeRawPointer(address), count: size, isMapping: true) { address, size in
            _ = munmap(address, size)
        }
    }
}

/// What a file that is not a regular file is, in words (`a named pipe (FIFO)`).
internal func fileKind(_ mode: mode_t) -> String {
    switch mode & S_IFMT {
    case S_IFIFO: return "a named pipe (FIFO)"
    case S_IFSOCK: return "a socket"
    case S_IFCHR: return "a character device"
    case S_IFBLK: return "a block device"
    case S_IFDIR: return "a folder"
    default: return "a special file"
    }
}

/// The text of the current `errno`.
internal func systemErrorMessage() -> String {
    String(cString: strerror(errno))
}

/// Writes a file atomically through the package's one writer (``AtomicFileWriter``: a temporary file
/// beside the destination, synced and renamed over it), so a failed write keeps the previous file;
/// errors name the file in words.
internal struct FileWriter: ~Copyable {
    let file: String
    private var writer: AtomicFileWriter

    init(path: String, allowsSpecialFiles: Bool = true) throws(DataIOError) {
        file = path
        do {
            writer = try AtomicFileWriter(path: path, allowsSpecialFiles: allowsSpecialFiles)
        } catch {
            throw .cannotWrite(file: path, reason: error.reason)
        }
    }

    /// Appends bytes.
    mutating func write(_ bytes: UnsafeRawBufferPointer) throws(DataIOError) {
        do { try writer.write(bytes) } catch { throw .cannotWrite(file: file, reason: error.reason) }
    }

    /// Appends the bytes of an array.
    mutating func write(contentsOf array: [UInt8]) throws(DataIOError) {
        do { try writer.write(contentsOf: array) } catch { throw .cannotWrite(file: file, reason: error.reason) }
    }

    /// Appends one byte.
    mutating func write(byte: UInt8) throws(DataIOError) {
        do { try writer.write(byte: byte) } catch { throw .cannotWrite(file: file, reason: error.reason) }
    }

    /// Appends the UTF-8 bytes of `text`.
    mutating func write(_ text: String) throws(DataIOError) {
        do { try writer.write(text) } catch { throw .cannotWrite(file: file, reason: error.reason) }
    }

    /// Syncs the file and renames it over the destination, reporting errors such as a full disk.
    consuming func finish() throws(DataIOError) {
        let file = self.file
        do { try writer.commit() } catch {
            throw .cannotWrite(file: file, reason: error.reason)
        }
    }
}
