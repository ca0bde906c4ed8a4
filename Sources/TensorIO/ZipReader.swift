// The zip reader behind `readNPZ`: the archive's directory read from the mapped file, every offset and
// size checked against the file's length before a byte of data is touched, stored members used in
// place, deflated ones inflated through the one zlib wrapper with output bounded by the declared size.
// The writing side is ZipWriter.swift; why the package has its own zip code is in ARCHITECTURE.md.

/// The directory of a zip archive (PKWARE APPNOTE 6.3: end record, zip64 end record and locator,
/// central directory, local headers), read from bytes in memory.
internal struct ZipReader {
    /// One file in the archive, as the central directory describes it.
    struct Member {
        /// The member's path in the archive.
        let name: String
        /// The general-purpose flags (bit 0: encrypted, bit 6: strong encryption, bit 11: UTF-8 name).
        let flags: UInt16
        /// The compression method (0 stored, 8 deflate).
        let method: UInt16
        /// The CRC-32 of the uncompressed bytes.
        let crc32: UInt32
        /// The sizes, from the central directory or its zip64 extra field.
        let compressedSize: UInt64
        let uncompressedSize: UInt64
        /// Where the member's local header starts.
        let localHeaderOffset: UInt64
    }

    /// The archive's bytes; they must outlive the reader and the members read from it.
    let archive: FileBytes
    /// The members in directory order.
    private(set) var members: [Member] = []

    private static let endSignature: UInt32 = 0x0605_4b50
    private static let zip64EndSignature: UInt32 = 0x0606_4b50
    private static let zip64LocatorSignature: UInt32 = 0x0706_4b50
    private static let centralSignature: UInt32 = 0x0201_4b50
    private static let localSignature: UInt32 = 0x0403_4b50

    /// Reads and checks the directory of the archive in `archive`.
    ///
    /// - Throws: ``DataIOError/corruptArchive(file:reason:)`` naming the archive and the record or
    ///   field at fault.
    init(_ archive: FileBytes) throws(DataIOError) {
        self.archive = archive
        let bytes = archive.bytes
        let file = archive.file
        func corrupt(_ reason: String) -> DataIOError { .corruptArchive(file: file, reason: reason) }

        // The end record (22 bytes and a comment of up to 65,535) is the last thing in the file.
        guard bytes.count >= 22 else {
            throw corrupt("\(bytes.count) bytes is too short for a zip archive's end record (22 bytes)")
        }
        var end = -1
        var candidate = bytes.count - 22
        let lowest = max(0, bytes.count - 22 - 0xFFFF)
        while candidate >= lowest {
            if Self.uint32(bytes, candidate) == Self.endSignature
                && candidate + 22 + Int(Self.uint16(bytes, candidate + 20)) <= bytes.count
            {
                end = candidate
                break
            }
            candidate -= 1
        }
        guard end >= 0 else {
            throw corrupt("no end-of-central-directory record: not a zip archive, or it is truncated")
        }
        var diskNumber = UInt32(Self.uint16(bytes, end + 4))
        var directoryDisk = UInt32(Self.uint16(bytes, end + 6))
        var entriesOnDisk = UInt64(Self.uint16(bytes, end + 8))
        var entryCount = UInt64(Self.uint16(bytes, end + 10))
        var directorySize = UInt64(Self.uint32(bytes, end + 12))
        var directoryOffset = UInt64(Self.uint32(bytes, end + 16))
        // Where the directory must end: at the zip64 end record when there is one, else at the end record.
        var directoryLimit = UInt64(end)

        let saturated =
            entriesOnDisk == 0xFFFF || entryCount == 0xFFFF || directorySize == 0xFFFF_FFFF
            || directoryOffset == 0xFFFF_FFFF
        if end >= 20 && Self.uint32(bytes, end - 20) == Self.zip64LocatorSignature {
            let locator = end - 20
            let recordOffset = Self.uint64(bytes, locator + 8)
            guard recordOffset <= UInt64(locator), UInt64(locator) - recordOffset >= 56 else {
                throw corrupt(
                    "zip64 locator field 'offset of the zip64 end record' is \(recordOffset), not within the \(locator) bytes before the locator"
                )
            }
            let record = Int(recordOffset)
            guard Self.uint32(bytes, record) == Self.zip64EndSignature else {
                throw corrupt("no zip64 end record at offset \(record), where the zip64 locator points")
            }
            diskNumber = Self.uint32(bytes, record + 16)
            directoryDisk = Self.uint32(bytes, record + 20)
            entriesOnDisk = Self.uint64(bytes, record + 24)
            entryCount = Self.uint64(bytes, record + 32)
            directorySize = Self.uint64(bytes, record + 40)
            directoryOffset = Self.uint64(bytes, record + 48)
            directoryLimit = recordOffset
        } else if saturated {
            throw corrupt(
                "the end record's counts or offsets are 0xFFFF/0xFFFFFFFF (zip64), but there is no zip64 locator")
        }
        guard diskNumber == 0 && directoryDisk == 0 && entriesOnDisk == entryCount else {
            throw corrupt("the archive is split across several disks, which is not supported")
        }
        guard directoryOffset <= directoryLimit && directorySize <= directoryLimit - directoryOffset else {
            throw corrupt(
                "end record fields 'directory offset' \(directoryOffset) and 'directory size' \(directorySize) run past the \(directoryLimit) bytes before the end record"
            )
        }
        // Each directory entry takes at least 46 bytes, which bounds the count before anything is allocated.
        guard entryCount <= directorySize / 46 else {
            throw corrupt(
                "end record field 'entry count' is \(entryCount), more than a directory of \(directorySize) bytes can hold"
            )
        }

        var position = Int(directoryOffset)
        let directoryEnd = position + Int(directorySize)
        members.reserveCapacity(Int(entryCount))
        // Each member once: a name or a local header listed twice would be read (inflated) twice.
        var entryByName: [String: Int] = [:]
        var entryByOffset: [UInt64: Int] = [:]
        for index in 0..<Int(entryCount) {
            func entryCorrupt(_ reason: String) -> DataIOError {
                corrupt("central directory entry \(index + 1): \(reason)")
            }
            guard directoryEnd - position >= 46, Self.uint32(bytes, position) == Self.centralSignature else {
                throw entryCorrupt("no directory entry signature at offset \(position)")
            }
            let flags = Self.uint16(bytes, position + 8)
            let method = Self.uint16(bytes, position + 10)
            let crc = Self.uint32(bytes, position + 16)
            var compressedSize = UInt64(Self.uint32(bytes, position + 20))
            var uncompressedSize = UInt64(Self.uint32(bytes, position + 24))
            let nameLength = Int(Self.uint16(bytes, position + 28))
            let extraLength = Int(Self.uint16(bytes, position + 30))
            let commentLength = Int(Self.uint16(bytes, position + 32))
            let diskStart = Self.uint16(bytes, position + 34)
            var localHeaderOffset = UInt64(Self.uint32(bytes, position + 42))
            let variableLength = nameLength + extraLength + commentLength
            guard directoryEnd - position - 46 >= variableLength else {
                throw entryCorrupt("its name, extra field and comment (\(variableLength) bytes) run past the directory")
            }
            let nameStart = position + 46
            let name = String(
                decoding: UnsafeRawBufferPointer(rebasing: bytes[nameStart..<(nameStart + nameLength)]), as: UTF8.self)
            func memberCorrupt(_ reason: String) -> DataIOError {
                .corruptArchive(file: "\(file)[\(name)]", reason: reason)
            }

            // The zip64 extra field (id 1) holds, in this order, the 8-byte values whose 4-byte fields are
            // 0xFFFFFFFF: uncompressed size, compressed size, local header offset.
            var extra = nameStart + nameLength
            let extraEnd = extra + extraLength
            var needsUncompressed = uncompressedSize == 0xFFFF_FFFF
            var needsCompressed = compressedSize == 0xFFFF_FFFF
            var needsOffset = localHeaderOffset == 0xFFFF_FFFF
            while extraEnd - extra >= 4 {
                let id = Self.uint16(bytes, extra)
                let size = Int(Self.uint16(bytes, extra + 2))
                guard extraEnd - extra - 4 >= size else {
                    throw memberCorrupt("extra field 0x\(String(id, radix: 16)) runs past the entry's extra data")
                }
                if id == 1 {
                    var field = extra + 4
                    let fieldEnd = field + size
                    func next(_ what: String) throws(DataIOError) -> UInt64 {
                        guard fieldEnd - field >= 8 else {
                            throw memberCorrupt("the zip64 extra field lacks the 8-byte \(what)")
                        }
                        defer { field += 8 }
                        return Self.uint64(bytes, field)
                    }
                    if needsUncompressed { uncompressedSize = try next("uncompressed size") }
                    if needsCompressed { compressedSize = try next("compressed size") }
                    if needsOffset { localHeaderOffset = try next("local header offset") }
                    needsUncompressed = false
                    needsCompressed = false
                    needsOffset = false
                }
                extra += 4 + size
            }
            if needsUncompressed || needsCompressed || needsOffset {
                throw memberCorrupt("a size or offset is 0xFFFFFFFF (zip64) but the entry has no zip64 extra field")
            }
            guard diskStart == 0 || diskStart == 0xFFFF else {
                throw memberCorrupt("the member starts on disk \(diskStart); split archives are not supported")
            }
            if let first = entryByName.updateValue(index, forKey: name) {
                throw entryCorrupt("it names '\(name)' again (entry \(first + 1)); a member may be listed once")
            }
            if let first = entryByOffset.updateValue(index, forKey: localHeaderOffset) {
                throw entryCorrupt(
                    "it points to the local header at offset \(localHeaderOffset), as entry \(first + 1) does; a member may be listed once"
                )
            }
            members.append(
                Member(
                    name: name, flags: flags, method: method, crc32: crc, compressedSize: compressedSize,
                    uncompressedSize: uncompressedSize, localHeaderOffset: localHeaderOffset))
            position += 46 + variableLength
        }
    }

    /// The uncompressed bytes of `member`, checked against its CRC-32: the archive's own bytes for a
    /// stored member (no copy; they live as long as the archive), newly inflated memory for a deflated
    /// one.
    ///
    /// - Throws: ``DataIOError/corruptArchive(file:reason:)`` naming `archive[member]` and what is
    ///   wrong: an offset or size past the end of the file, a local header that does not match the
    ///   directory, an encrypted member or an unknown method, a deflate stream that ends early, never
    ///   ends or runs past the declared size, a checksum mismatch.
    func contents(of member: Member) throws(DataIOError) -> FileBytes {
        let bytes = archive.bytes
        let file = "\(archive.file)[\(member.name)]"
        func corrupt(_ reason: String) -> DataIOError { .corruptArchive(file: file, reason: reason) }

        if member.flags & 0x41 != 0 {
            throw corrupt("the member is encrypted; encrypted archives are not supported")
        }
        guard member.method == 0 || member.method == 8 else {
            let known: [UInt16: String] = [9: "deflate64", 12: "bzip2", 14: "LZMA", 93: "zstd", 95: "xz"]
            let shown = known[member.method].map { "\(member.method) (\($0))" } ?? "\(member.method)"
            throw corrupt(
                "compression method \(shown) is not supported; only stored (0) and deflated (8) members can be read")
        }
        let length = UInt64(bytes.count)
        guard member.localHeaderOffset <= length, length - member.localHeaderOffset >= 30 else {
            throw corrupt(
                "directory field 'local header offset' is \(member.localHeaderOffset), but a local header (30 bytes) there runs past the end of the \(bytes.count)-byte file"
            )
        }
        let header = Int(member.localHeaderOffset)
        guard Self.uint32(bytes, header) == Self.localSignature else {
            throw corrupt("no local header signature at offset \(header), where the directory points")
        }
        let nameLength = Int(Self.uint16(bytes, header + 26))
        let extraLength = Int(Self.uint16(bytes, header + 28))
        let dataStart = header + 30 + nameLength + extraLength
        guard dataStart <= bytes.count else {
            throw corrupt(
                "the local header's name and extra field (\(nameLength + extraLength) bytes) run past the end of the file"
            )
        }
        let localName = String(
            decoding: UnsafeRawBufferPointer(rebasing: bytes[(header + 30)..<(header + 30 + nameLength)]), as: UTF8.self
        )
        guard localName == member.name else {
            throw corrupt("the local header names the member '\(localName)', the directory '\(member.name)'")
        }
        guard member.compressedSize <= UInt64(bytes.count - dataStart) else {
            throw corrupt(
                "directory field 'compressed size' is \(member.compressedSize) bytes, but only \(bytes.count - dataStart) remain after the local header at offset \(header)"
            )
        }
        let data = UnsafeRawBufferPointer(rebasing: bytes[dataStart..<(dataStart + Int(member.compressedSize))])

        let contents: FileBytes
        if member.method == 0 {
            guard member.uncompressedSize == member.compressedSize else {
                throw corrupt(
                    "the member is stored, but its directory sizes differ (compressed \(member.compressedSize), uncompressed \(member.uncompressedSize))"
                )
            }
            contents = FileBytes.wrapping(data, file: file, owner: archive)
        } else {
            let bound = UInt64(data.count) * UInt64(Zlib.maximumRatio) + 64
            guard member.uncompressedSize <= bound else {
                throw corrupt(
                    "directory field 'uncompressed size' is \(member.uncompressedSize) bytes, more than deflate can produce from \(data.count) compressed bytes"
                )
            }
            contents = try Zlib.inflateRawDeflate(data, size: Int(member.uncompressedSize), file: file)
        }
        let checksum = Zlib.crc32(contents.bytes)
        guard checksum == member.crc32 else {
            throw corrupt(
                "CRC-32 mismatch: the member's data is damaged (computed \(checksum), recorded \(member.crc32))")
        }
        return contents
    }

    // Little-endian fields at a byte offset; the callers have checked that they lie within `bytes`.
    private static func uint16(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt16 {
        UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    private static func uint32(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt32 {
        UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    private static func uint64(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt64 {
        UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
}
