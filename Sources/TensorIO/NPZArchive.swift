import Tensor

/// A numpy `.npz` archive opened for reading: its directory is read and checked at once, and each
/// array is decoded only when asked for, so that reading two arrays of an archive costs those two
/// members, however many others it holds.
///
/// Opening refuses an archive whose central directory names one member twice, or points two entries
/// at one local header (an archive in which one deflated member, listed K times, would be inflated K
/// times). See ``readNPZ(from:as:)`` for the members that are read and the errors.
public struct NPZArchive {
    /// The archive's path, as errors name it.
    public let path: String
    private let reader: ZipReader
    /// The `.npy` members by array name (the member's path without `.npy`).
    private let arrayMembers: [String: ZipReader.Member]

    /// The names of the arrays, sorted (the members' paths without `.npy`; other members are skipped).
    public var names: [String] { arrayMembers.keys.sorted() }

    /// Maps the archive at `path` and reads its directory.
    ///
    /// - Throws: ``DataIOError/cannotRead(file:reason:)``, ``DataIOError/emptyFile(file:)``,
    ///   ``DataIOError/corruptArchive(file:reason:)``.
    public init(path: String) throws(DataIOError) {
        let mapped = try FileBytes.map(path)
        guard mapped.count > 0 else { throw .emptyFile(file: path) }
        // Read through the package's own zip reader, not ZIPFoundation's extraction, whose inflate loop
        // never ends on a deflate stream that runs out of input (ARCHITECTURE.md).
        reader = try ZipReader(mapped)
        var members: [String: ZipReader.Member] = [:]
        for member in reader.members where member.name.hasSuffix(".npy") {
            members[String(member.name.dropLast(4))] = member
        }
        arrayMembers = members
        self.path = path
    }

    /// The array `name`, decoded (its member inflated and checked) now; `nil` when the archive has no
    /// such array.
    ///
    /// - Throws: ``DataIOError/corruptArchive(file:reason:)`` and the ``readNPY(from:as:)`` errors,
    ///   naming `archive.npz[name.npy]`.
    public func array<Scalar: MatrixScalar>(named name: String, as type: Scalar.Type = Scalar.self)
        throws(DataIOError) -> Matrix<Scalar>?
    {
        guard let member = arrayMembers[name] else { return nil }
        let contents = try reader.contents(of: member)
        return try withExtendedLifetime(contents) { () throws(DataIOError) -> Matrix<Scalar> in
            try NPY.decodeSpecialized(contents)
        }
    }
}
