// The zip writer behind `writeNPZ`: members streamed through the package's one atomic writer, each
// local header written with its sizes and CRC-32 known (a stored member's bytes are checksummed in
// place, a deflated member is compressed into memory first by the one zlib wrapper), then the central
// directory and the end records, zip64 ones when a size, an offset or the member count passes what the
// 32- and 16-bit fields hold. The reading side is ZipReader.swift.

import Tensor

/// The sizes and counts from which ``ZipWriter`` writes zip64 fields and records instead of the classic
/// 32- and 16-bit ones.
///
/// ``format`` is the zip format's own limit, which is what `writeNPZ` uses; a lower threshold writes
/// the zip64 records of a 4 GiB archive into a small one, so that tests can check them.
package struct Zip64Threshold: Sendable, Equatable {
    /// A member size, local header offset, directory size or directory offset at or above this is
    /// written in a zip64 field.
    package var size: UInt64
    /// A member count at or above this is written in the zip64 end record only.
    package var memberCount: Int

    /// A threshold at `size` bytes and `memberCount` members.
    ///
    /// - Precondition: at most the format's limits (``format``), which the classic fields can hold.
    package init(size: UInt64, memberCount: Int) {
        checkPrecondition(
            size <= 0xFFFF_FFFF && (0...0xFFFF).contains(memberCount),
            "Zip64Threshold: size \(size) and member count \(memberCount) must be at most 0xFFFFFFFF and 0xFFFF")
        self.size = size
        self.memberCount = memberCount
    }

    /// The format's limits: 0xFFFFFFFF bytes and 0xFFFF members (the largest values mark a zip64
    /// field, so they are themselves written as zip64).
    package static let format = Zip64Threshold(size: 0xFFFF_FFFF, memberCount: 0xFFFF)
}

/// A zip archive (PKWARE APPNOTE 6.3) written front to back into a ``FileWriter``: no seeking, so it
/// streams through the atomic writer's buffer, and no data descriptors, so every reader can use the
/// local headers alone.
///
/// Entries carry a fixed time stamp (1980-01-01 00:00, the format's earliest), so the same arrays give
/// the same bytes. Names are UTF-8 (flag bit 11 set when a name is not ASCII).
internal struct ZipWriter: ~Copyable {
    private var file: FileWriter
    private let threshold: Zip64Threshold
    /// Bytes written so far: where the next local header starts.
    private var offset: UInt64 = 0
    /// The central directory, built as members are added.
    private var directory: [UInt8] = []
    private var memberCount = 0
    private var names: Set<String> = []

    private static let localSignature: UInt32 = 0x0403_4b50
    private static let centralSignature: UInt32 = 0x0201_4b50
    private static let zip64EndSignature: UInt32 = 0x0606_4b50
    private static let zip64LocatorSignature: UInt32 = 0x0706_4b50
    private static let endSignature: UInt32 = 0x0605_4b50
    /// 1980-01-01 in MS-DOS date format (day 1, month 1, year 1980 + 0); the time is 00:00:00.
    private static let dosDate: UInt16 = 0x0021
    /// Version needed to extract: 2.0 (deflate), or 4.5 for an entry or archive with zip64 fields.
    private static let classicVersion: UInt16 = 20
    private static let zip64Version: UInt16 = 45
    /// Version made by: Unix (3) in the high byte, so that the external attributes hold a file mode.
    private static let unixHost: UInt16 = 3 << 8
    /// A regular file readable by everyone (`-rw-r--r--`), in the high half of the external attributes.
    private static let fileAttributes: UInt32 = 0o100644 << 16

    /// Starts an archive at `path` (its temporary file; see ``FileWriter``). A folder or a device at
    /// `path` is refused.
    init(path: String, threshold: Zip64Threshold = .format) throws(DataIOError) {
        file = try FileWriter(path: path, allowsSpecialFiles: false)
        self.threshold = threshold
    }

    /// Adds a member named `name` whose bytes are `parts` one after another: stored as they are, or
    /// deflated (zlib's default level, as Python's `zipfile` and `np.savez_compressed` use).
    ///
    /// - Throws: ``DataIOError/cannotWrite(file:reason:)`` when the name is longer than 65,535 bytes or
    ///   already in the archive, or the file cannot be written.
    mutating func addMember(named name: String, parts: [UnsafeRawBufferPointer], compressed: Bool)
        throws(DataIOError)
    {
        let path = file.file
        let nameBytes = Array(name.utf8)
        guard nameBytes.count <= 0xFFFF else {
            throw .cannotWrite(file: path, reason: "the member name '\(name.prefix(40))…' is longer than 65,535 bytes")
        }
        guard names.insert(name).inserted else {
            throw .cannotWrite(file: path, reason: "two members are named '\(name)'")
        }
        var checksum: UInt32 = 0
        var uncompressedSize: UInt64 = 0
        for part in parts {
            checksum = Zlib.crc32(part, continuing: checksum)
            uncompressedSize += UInt64(part.count)
        }
        let deflated = compressed ? try Zlib.deflateRaw(parts, file: "\(path)[\(name)]") : nil
        let compressedSize = deflated.map { UInt64($0.count) } ?? uncompressedSize
        let method: UInt16 = compressed ? 8 : 0
        let flags: UInt16 = nameBytes.allSatisfy { $0 < 0x80 } ? 0 : 0x0800

        // The local header: a zip64 extra field holds both sizes when either passes the threshold.
        let localZip64 = uncompressedSize >= threshold.size || compressedSize >= threshold.size
        var local: [UInt8] = []
        local.reserveCapacity(30 + nameBytes.count + 20)
        Self.append(Self.localSignature, to: &local)
        Self.append(localZip64 ? Self.zip64Version : Self.classicVersion, to: &local)
        Self.append(flags, to: &local)
        Self.append(method, to: &local)
        Self.append(UInt16(0), to: &local)  // time 00:00:00
        Self.append(Self.dosDate, to: &local)
        Self.append(checksum, to: &local)
        Self.append(localZip64 ? 0xFFFF_FFFF : UInt32(compressedSize), to: &local)
        Self.append(localZip64 ? 0xFFFF_FFFF : UInt32(uncompressedSize), to: &local)
        Self.append(UInt16(nameBytes.count), to: &local)
        Self.append(UInt16(localZip64 ? 20 : 0), to: &local)
        local += nameBytes
        if localZip64 {
            Self.append(UInt16(1), to: &local)  // the zip64 extra field's id
            Self.append(UInt16(16), to: &local)
            Self.append(uncompressedSize, to: &local)
            Self.append(compressedSize, to: &local)
        }

        // The directory entry: each value that passes the threshold moves to the zip64 extra field,
        // in the order uncompressed size, compressed size, local header offset.
        let headerOffset = offset
        var zip64Values: [UInt64] = []
        if uncompressedSize >= threshold.size { zip64Values.append(uncompressedSize) }
        if compressedSize >= threshold.size { zip64Values.append(compressedSize) }
        if headerOffset >= threshold.size { zip64Values.append(headerOffset) }
        let version = zip64Values.isEmpty && !localZip64 ? Self.classicVersion : Self.zip64Version
        Self.append(Self.centralSignature, to: &directory)
        Self.append(Self.unixHost | version, to: &directory)
        Self.append(version, to: &directory)
        Self.append(flags, to: &directory)
        Self.append(method, to: &directory)
        Self.append(UInt16(0), to: &directory)
        Self.append(Self.dosDate, to: &directory)
        Self.append(checksum, to: &directory)
        Self.append(Self.field32(compressedSize, threshold.size), to: &directory)
        Self.append(Self.field32(uncompressedSize, threshold.size), to: &directory)
        Self.append(UInt16(nameBytes.count), to: &directory)
        Self.append(UInt16(zip64Values.isEmpty ? 0 : 4 + 8 * zip64Values.count), to: &directory)
        Self.append(UInt16(0), to: &directory)  // comment length
        Self.append(UInt16(0), to: &directory)  // disk number
        Self.append(UInt16(0), to: &directory)  // internal attributes
        Self.append(Self.fileAttributes, to: &directory)
        Self.append(Self.field32(headerOffset, threshold.size), to: &directory)
        directory += nameBytes
        if !zip64Values.isEmpty {
            Self.append(UInt16(1), to: &directory)
            Self.append(UInt16(8 * zip64Values.count), to: &directory)
            for value in zip64Values { Self.append(value, to: &directory) }
        }
        memberCount += 1

        try file.write(contentsOf: local)
        if let deflated {
            try file.write(contentsOf: deflated)
        } else {
            for part in parts { try file.write(part) }
        }
        offset += UInt64(local.count) + compressedSize
    }

    /// Writes the central directory and the end records (zip64 end record and locator first when the
    /// member count, the directory's size or its offset passes the threshold), and renames the
    /// archive into place.
    ///
    /// - Throws: ``DataIOError/cannotWrite(file:reason:)`` when the file cannot be written or synced.
    consuming func finish() throws(DataIOError) {
        let directoryOffset = offset
        let directorySize = UInt64(directory.count)
        let count = UInt64(memberCount)
        let needsZip64 =
            memberCount >= threshold.memberCount || directorySize >= threshold.size
            || directoryOffset >= threshold.size
        var end: [UInt8] = []
        if needsZip64 {
            let recordOffset = directoryOffset + directorySize
            Self.append(Self.zip64EndSignature, to: &end)
            Self.append(UInt64(44), to: &end)  // the record's size after this field
            Self.append(Self.unixHost | Self.zip64Version, to: &end)
            Self.append(Self.zip64Version, to: &end)
            Self.append(UInt32(0), to: &end)  // this disk
            Self.append(UInt32(0), to: &end)  // the directory's disk
            Self.append(count, to: &end)  // entries on this disk
            Self.append(count, to: &end)  // entries in all
            Self.append(directorySize, to: &end)
            Self.append(directoryOffset, to: &end)
            Self.append(Self.zip64LocatorSignature, to: &end)
            Self.append(UInt32(0), to: &end)  // the zip64 end record's disk
            Self.append(recordOffset, to: &end)
            Self.append(UInt32(1), to: &end)  // disks in all
        }
        let shortCount: UInt16 = memberCount >= threshold.memberCount ? 0xFFFF : UInt16(memberCount)
        Self.append(Self.endSignature, to: &end)
        Self.append(UInt16(0), to: &end)  // this disk
        Self.append(UInt16(0), to: &end)  // the directory's disk
        Self.append(shortCount, to: &end)
        Self.append(shortCount, to: &end)
        Self.append(Self.field32(directorySize, threshold.size), to: &end)
        Self.append(Self.field32(directoryOffset, threshold.size), to: &end)
        Self.append(UInt16(0), to: &end)  // comment length
        try file.write(contentsOf: directory)
        try file.write(contentsOf: end)
        try file.finish()
    }

    /// `value` in a 32-bit field, or 0xFFFFFFFF (its value is then in a zip64 field) at or past `threshold`.
    private static func field32(_ value: UInt64, _ threshold: UInt64) -> UInt32 {
        value >= threshold ? 0xFFFF_FFFF : UInt32(value)
    }

    /// Appends `value` in little-endian byte order.
    private static func append<Value: FixedWidthInteger>(_ value: Value, to bytes: inout [UInt8]) {
        for index in 0..<(Value.bitWidth / 8) { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * index))) }
    }
}
