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

    init(file: String, base: UnsafeRawPointer?, count: Int, release: @escaping (UnsafeMutableRawPointer, Int) -> Void) {
        self.file = file
        self.base = base
        self.count = count
        self.release = release
    }

    deinit {
        if let base { release(UnsafeMutableRawPointer(mutating: base), count) }
    }

    /// The bytes as a buffer pointer, valid while `self` is alive.
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// Maps the file at `path`; when it starts with the gzip magic number `1f 8b`, returns the inflated bytes instead.
    static func load(_ path: String) throws(DataIOError) -> FileBytes {
        let mapped = try map(path)
        if Gzip.isCompressed(mapped.bytes) {
            return try Gzip.decompress(mapped.bytes, file: path)
        }
        return mapped
    }

    /// Wraps bytes already in memory (an `.npz` member) without copying; `owner` keeps them alive.
    static func wrapping(_ bytes: UnsafeRawBufferPointer, file: String, owner: AnyObject) -> FileBytes {
        FileBytes(file: file, base: bytes.baseAddress, count: bytes.count) { _, _ in _ = owner }
    }

    /// Memory-maps the whole file read-only.
    static func map(_ path: String) throws(DataIOError) -> FileBytes {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw .cannotRead(file: path, reason: systemErrorMessage()) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .cannotRead(file: path, reason: systemErrorMessage()) }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw .cannotRead(file: path, reason: "not a regular file")
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
        return FileBytes(file: path, base: UnsafeRawPointer(address), count: size) { address, size in
            _ = munmap(address, size)
        }
    }
}

/// The text of the current `errno`.
internal func systemErrorMessage() -> String {
    String(cString: strerror(errno))
}

/// Writes a file through a 1 MiB buffer, creating or truncating it; errors name the file.
internal struct FileWriter: ~Copyable {
    let file: String
    private var descriptor: Int32
    private var buffer: [UInt8] = []
    private static let bufferCapacity = 1 << 20

    init(path: String) throws(DataIOError) {
        file = path
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { throw .cannotWrite(file: path, reason: systemErrorMessage()) }
        buffer.reserveCapacity(Self.bufferCapacity)
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// Appends bytes, writing the buffer out when it fills.
    mutating func write(_ bytes: UnsafeRawBufferPointer) throws(DataIOError) {
        if buffer.count + bytes.count > Self.bufferCapacity { try flush() }
        if bytes.count >= Self.bufferCapacity {
            try writeDirectly(bytes)
        } else {
            buffer.append(contentsOf: bytes)
        }
    }

    /// Appends the bytes of an array.
    mutating func write(contentsOf array: [UInt8]) throws(DataIOError) {
        if buffer.count + array.count > Self.bufferCapacity { try flush() }
        buffer.append(contentsOf: array)
    }

    /// Appends one byte.
    mutating func write(byte: UInt8) throws(DataIOError) {
        if buffer.count >= Self.bufferCapacity { try flush() }
        buffer.append(byte)
    }

    /// Appends the UTF-8 bytes of `text`.
    mutating func write(_ text: String) throws(DataIOError) {
        var text = text
        let result: Result<Void, DataIOError> = text.withUTF8 { utf8 in
            do throws(DataIOError) {
                try write(UnsafeRawBufferPointer(utf8))
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
    }

    /// Writes out the buffered bytes.
    mutating func flush() throws(DataIOError) {
        guard !buffer.isEmpty else { return }
        let pending = buffer
        buffer.removeAll(keepingCapacity: true)
        let result: Result<Void, DataIOError> = pending.withUnsafeBytes { bytes in
            do throws(DataIOError) {
                try writeDirectly(bytes)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
    }

    /// Flushes and closes the file, reporting errors that `close` finds (a full disk, for example).
    consuming func finish() throws(DataIOError) {
        try flush()
        let status = close(descriptor)
        descriptor = -1
        guard status == 0 else { throw .cannotWrite(file: file, reason: systemErrorMessage()) }
    }

    private func writeDirectly(_ bytes: UnsafeRawBufferPointer) throws(DataIOError) {
        var offset = 0
        while offset < bytes.count {
            let written = systemWrite(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw .cannotWrite(file: file, reason: systemErrorMessage())
            }
            offset += written
        }
    }
}

/// `write(2)`, named apart from ``FileWriter``'s own `write` methods.
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}
