#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why writing a file failed, in words: the path as the caller gave it and the system's reason.
package struct FileWriteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The path as the caller named it.
    package var path: String
    /// What went wrong (`No space left on device`, `File too large`, ...).
    package var reason: String

    package init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    /// `PATH: could not write: REASON`.
    package var description: String { "\(RawPath.display(path)): could not write: \(reason)" }
}

/// The one way this package writes a file: into a temporary file beside the destination
/// (`.NAME.PID.tmp` in the same folder), flushed to disk (`fsync`), then renamed over it, so that an
/// interrupted or failed write (a full disk, a file-size limit, a kill) never leaves a partial file
/// and never destroys the previous one.
///
/// - A symbolic link is followed: the file it names is replaced and the link stays.
/// - A device, pipe or socket (`/dev/null`, `/dev/stdout`, `/dev/full`) is written into directly,
///   since a rename would replace the device node itself (unless the caller refuses special files).
/// - Temporaries that an earlier, killed process left beside the destination (`.NAME.PID.tmp` of a
///   process that no longer runs) are removed after a successful write.
///
/// Writes are buffered (1 MiB), so a large file is streamed rather than built in memory. A writer that
/// is dropped without ``commit()`` removes its temporary file and leaves the destination as it was.
package struct AtomicFileWriter: ~Copyable {
    /// The path as the caller named it (for messages).
    package let path: String
    /// The file that is replaced: `path` with symbolic links resolved.
    package let destination: String
    /// The temporary file being written, or `nil` when writing directly into a special file.
    package let temporaryPath: String?
    private var descriptor: Int32
    private var buffer: [UInt8] = []
    private var committed = false
    private static let bufferCapacity = 1 << 20

    /// Opens a temporary file beside `path` (or `path` itself when it is a device, pipe or socket).
    ///
    /// - Parameter allowsSpecialFiles: when false, a device, pipe or socket at `path` is refused.
    /// - Throws: ``FileWriteError`` naming `path` when the folder is missing or not writable, or
    ///   `path` is a folder.
    package init(path: String, allowsSpecialFiles: Bool = true) throws(FileWriteError) {
        let destination = resolvedPath(path)
        var status = stat()
        let exists = RawPath.withCString(destination) { stat($0, &status) } == 0
        let kind = status.st_mode & S_IFMT
        if exists && kind == S_IFDIR { throw FileWriteError(path: path, reason: "is a folder") }
        let temporary: String?
        let opened: Int32
        if exists && kind != S_IFREG {
            guard allowsSpecialFiles else {
                throw FileWriteError(
                    path: path, reason: "not a regular file; this output is written to a file of its own")
            }
            temporary = nil
            opened = RawPath.withCString(destination) { open($0, O_WRONLY | O_CLOEXEC) }
        } else {
            let (folder, name) = splitPath(destination)
            temporary = folder + "/" + temporaryName(of: name, process: getpid())
            opened = RawPath.withCString(temporary!) { open($0, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) }
            // A file replaced by a rename takes the new file's permissions: keep the old file's mode.
            if opened >= 0 && exists { _ = fchmod(opened, status.st_mode & 0o7777) }
        }
        guard opened >= 0 else { throw FileWriteError(path: path, reason: systemReason()) }
        self.path = path
        self.destination = destination
        self.temporaryPath = temporary
        self.descriptor = opened
        buffer.reserveCapacity(Self.bufferCapacity)
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
        if !committed, let temporaryPath { _ = RawPath.withCString(temporaryPath) { unlink($0) } }
    }

    /// Appends bytes, writing the buffer out when it fills.
    package mutating func write(_ bytes: UnsafeRawBufferPointer) throws(FileWriteError) {
        if buffer.count + bytes.count > Self.bufferCapacity { try flush() }
        if bytes.count >= Self.bufferCapacity {
            try writeDirectly(bytes)
        } else {
            buffer.append(contentsOf: bytes)
        }
    }

    /// Appends the bytes of an array.
    package mutating func write(contentsOf bytes: [UInt8]) throws(FileWriteError) {
        let result: Result<Void, FileWriteError> = bytes.withUnsafeBytes { raw in
            do throws(FileWriteError) { try write(raw); return .success(()) } catch { return .failure(error) }
        }
        try result.get()
    }

    /// Appends one byte.
    package mutating func write(byte: UInt8) throws(FileWriteError) {
        if buffer.count >= Self.bufferCapacity { try flush() }
        buffer.append(byte)
    }

    /// Appends the UTF-8 bytes of `text`.
    package mutating func write(_ text: String) throws(FileWriteError) {
        var text = text
        let result: Result<Void, FileWriteError> = text.withUTF8 { utf8 in
            do throws(FileWriteError) { try write(UnsafeRawBufferPointer(utf8)); return .success(()) } catch {
                return .failure(error)
            }
        }
        try result.get()
    }

    /// Writes out the buffered bytes.
    package mutating func flush() throws(FileWriteError) {
        guard !buffer.isEmpty else { return }
        let pending = buffer
        buffer.removeAll(keepingCapacity: true)
        let result: Result<Void, FileWriteError> = pending.withUnsafeBytes { bytes in
            do throws(FileWriteError) { try writeDirectly(bytes); return .success(()) } catch { return .failure(error) }
        }
        try result.get()
    }

    /// Flushes, syncs and closes the temporary file and renames it over the destination; then removes
    /// stale temporaries of killed processes. On failure the destination is untouched.
    package consuming func commit() throws(FileWriteError) {
        try flush()
        if temporaryPath != nil {
            guard fsync(descriptor) == 0 else { throw FileWriteError(path: path, reason: systemReason()) }
        }
        let status = close(descriptor)
        descriptor = -1
        guard status == 0 else { throw FileWriteError(path: path, reason: systemReason()) }
        guard let temporaryPath else {
            committed = true
            return
        }
        let renamed = RawPath.withCString(temporaryPath) { from in RawPath.withCString(destination) { rename(from, $0) }
        }
        guard renamed == 0 else { throw FileWriteError(path: path, reason: systemReason()) }
        committed = true
        let (folder, name) = splitPath(destination)
        removeStaleTemporaries(of: name, in: folder)
    }

    private func writeDirectly(_ bytes: UnsafeRawBufferPointer) throws(FileWriteError) {
        var offset = 0
        while offset < bytes.count {
            let written = systemWrite(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw FileWriteError(path: path, reason: systemReason())
            }
            offset += written
        }
    }
}

/// Writes `bytes` to `path` through an ``AtomicFileWriter``.
package func writeFileAtomically(_ bytes: [UInt8], to path: String) throws(FileWriteError) {
    var writer = try AtomicFileWriter(path: path)
    try writer.write(contentsOf: bytes)
    try writer.commit()
}

/// The path with symbolic links resolved, or `path` itself when it does not exist yet; a resolved
/// name that is not UTF-8 keeps its bytes (``RawPath``). A dangling symbolic link resolves to the
/// file it names, as `open(2)` with `O_CREAT` would create it: the writer then creates that file and
/// keeps the link, instead of renaming its file over the link. A chain of more than 40 links (a loop)
/// is left as it is.
package func resolvedPath(_ path: String) -> String {
    var current = path
    for _ in 0...40 {
        if let resolved = RawPath.withCString(current, { realpath($0, nil) }) {
            defer { free(resolved) }
            return RawPath.string(fromCString: resolved)
        }
        guard let target = symbolicLinkTarget(current) else { return current }
        current = target.hasPrefix("/") ? target : splitPath(current).folder + "/" + target
    }
    return path
}

/// What the symbolic link at `path` names, as it is written in the link, or nil when `path` is not a
/// symbolic link.
package func symbolicLinkTarget(_ path: String) -> String? {
    var status = stat()
    guard RawPath.withCString(path, { lstat($0, &status) }) == 0, status.st_mode & S_IFMT == S_IFLNK else {
        return nil
    }
    var bytes = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
    let count = RawPath.withCString(path) { name in
        bytes.withUnsafeMutableBufferPointer { readlink(name, $0.baseAddress!, $0.count - 1) }
    }
    guard count > 0 else { return nil }
    return bytes.withUnsafeBufferPointer { RawPath.string(fromBytes: UnsafeBufferPointer(rebasing: $0[0..<count])) }
}

/// The folder (`.` for a bare name, `/` for a name in the root folder) and the last component of
/// `path`, as the file writer splits it.
package func splitPath(_ path: String) -> (folder: String, name: String) {
    guard let slash = path.lastIndex(of: "/") else { return (".", path) }
    let folder = String(path[..<slash])
    return (folder.isEmpty ? "/" : folder, String(path[path.index(after: slash)...]))
}

/// The temporary file's name beside `name`: `.STEM.PID.tmp`, where STEM is `name` with each byte that
/// is not UTF-8 written as `_`, so that the temporary file's name is valid UTF-8 whatever the
/// destination's.
///
/// A name may have up to `NAME_MAX` (255) bytes, and the temporary's adds up to 16: when STEM would
/// pass ``longestTemporaryStem``, it becomes its first bytes, `~` and 16 hex digits of a hash of the
/// whole name. STEM does not depend on the process id, so the stale temporaries of a name share one
/// prefix (``removeStaleTemporaries(of:in:)``).
package func temporaryName(of name: String, process: pid_t) -> String {
    "." + temporaryStem(of: name) + ".\(process).tmp"
}

/// The longest STEM of a temporary's name: `NAME_MAX` less the dot, and `.PID.tmp` with a process id
/// of 10 digits (the most an `Int32` has).
let longestTemporaryStem = 255 - 1 - (1 + 10 + 4)

/// STEM of ``temporaryName(of:process:)``.
func temporaryStem(of name: String) -> String {
    let readable = RawPath.replacingRawBytes(in: name, with: "_")
    guard readable.utf8.count > longestTemporaryStem else { return readable }
    // FNV-1a (64 bits) of the name's bytes as the writer passes them on.
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
    let digits = String(hash, radix: 16)
    let suffix = "~" + String(repeating: "0", count: 16 - digits.count) + digits
    // The first characters that fit, whole (a UTF-8 sequence is never cut).
    var prefix = ""
    var bytes = 0
    for character in readable.unicodeScalars {
        let size = String(character).utf8.count
        guard bytes + size <= longestTemporaryStem - suffix.utf8.count else { break }
        prefix.unicodeScalars.append(character)
        bytes += size
    }
    return prefix + suffix
}

/// Removes `.NAME.PID.tmp` files in `folder` whose process no longer runs (killed during a save).
private func removeStaleTemporaries(of name: String, in folder: String) {
    let prefix = String(temporaryName(of: name, process: 0).dropLast("0.tmp".count))
    guard let directory = RawPath.withCString(folder, { opendir($0) }) else { return }
    defer { closedir(directory) }
    var stale: [String] = []
    while let entry = readdir(directory) {
        let entryName = withUnsafePointer(to: entry.pointee.d_name) { pointer in
            pointer.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
        }
        guard entryName.hasPrefix(prefix), entryName.hasSuffix(".tmp"),
            let pid = Int32(entryName.dropFirst(prefix.count).dropLast(4)), pid > 0, pid != getpid(),
            kill(pid, 0) != 0, errno == ESRCH
        else { continue }
        stale.append(entryName)
    }
    for entry in stale { _ = RawPath.withCString(folder + "/" + entry) { unlink($0) } }
}

/// The text of the current `errno`.
package func systemReason() -> String {
    String(cString: strerror(errno))
}

/// `write(2)`, named apart from the writer's own `write` methods.
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}
