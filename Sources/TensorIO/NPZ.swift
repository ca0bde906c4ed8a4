import Foundation
import Tensor

/// Reads every array of a numpy `.npz` archive (as `np.savez` or `np.savez_compressed` writes it) into
/// matrices keyed by name (the member's path without `.npy`; `np.savez(f, a)` names it `arr_0`).
///
/// Members are read whether stored or deflated, including ZIP64 archives and members (numpy writes
/// those); each is decoded as ``readNPY(from:as:)`` decodes a file, and errors in it name
/// `archive.npz[member.npy]`. Members whose names do not end in `.npy` are skipped. Every offset and
/// size in the archive is checked against the file's length before its data is read, and a deflated
/// member must inflate to exactly its declared size.
///
/// - Throws: ``DataIOError/corruptArchive(file:reason:)`` when the zip structure is damaged, a member is
///   encrypted or compressed other than by deflate, its deflate stream ends early or runs past its
///   declared size, or its checksum is wrong; ``DataIOError/cannotRead(file:reason:)``,
///   ``DataIOError/emptyFile(file:)``, and the ``readNPY(from:as:)`` errors per member.
/// - See also: ``NPZArchive`` (only the arrays asked for), ``writeNPZ(_:to:compressed:files:)``.
public func readNPZ<Scalar: MatrixScalar>(
    from path: String, as type: Scalar.Type = Scalar.self
) throws(DataIOError) -> [String: Matrix<Scalar>] {
    // To read only some arrays, open an ``NPZArchive`` and ask for them by name.
    let archive = try NPZArchive(path: path)
    var arrays: [String: Matrix<Scalar>] = [:]
    for name in archive.names { arrays[name] = try archive.array(named: name, as: Scalar.self) }
    return arrays
}

/// Writes named matrices as a numpy `.npz` archive (one `name.npy` member each, in name order), which
/// `np.load` opens as a dictionary; an existing file is replaced only once the new archive is whole
/// (it is written beside it and renamed over it), and a folder or device at `path` is refused.
///
/// The archive is written by the package's own zip writer, streamed through the atomic file writer:
/// stored members are checksummed and written from the matrices' memory without a copy, deflated
/// ones are compressed into memory one member at a time. Archives and members past 4 GiB, and
/// archives of more than 65,534 members, get zip64 records, as Python's `zipfile` writes them. Every
/// entry has the same fixed time stamp, so the same arrays give the same bytes.
///
/// - Parameters:
///   - arrays: the matrices to write, by member name (without `.npy`).
///   - path: the archive to write.
///   - compressed: deflate the members, as `np.savez_compressed` does; by default they are
///     stored, as `np.savez` does.
///   - files: other members stored under their own names, as bytes (`np.load(path)["name"]` returns
///     a member whose name does not end in `.npy` as `bytes`), such as a JSON description.
/// - Throws: ``DataIOError/cannotWrite(file:reason:)`` when the file cannot be written (a missing or
///   read-only folder, a full disk, a folder or device at `path`), or two members would have the same
///   name.
/// - See also: ``readNPZ(from:as:)``, ``writeNPY(_:to:)``.
public func writeNPZ<Scalar: MatrixScalar>(
    _ arrays: [String: Matrix<Scalar>], to path: String, compressed: Bool = false, files: [String: Data] = [:]
) throws(DataIOError) {
    try writeNPZ(arrays, to: path, compressed: compressed, files: files, zip64Threshold: .format)
}

/// ``writeNPZ(_:to:compressed:files:)`` with zip64 records from `zip64Threshold` on, so that tests
/// can write a small archive with the records of a large one.
package func writeNPZ<Scalar: MatrixScalar>(
    _ arrays: [String: Matrix<Scalar>], to path: String, compressed: Bool, files: [String: Data],
    zip64Threshold: Zip64Threshold
) throws(DataIOError) {
    var archive = try ZipWriter(path: path, threshold: zip64Threshold)
    for (name, matrix) in arrays.sorted(by: { $0.key < $1.key }) {
        let header = NPY.header(for: matrix)
        let added: Result<Void, DataIOError> = header.withUnsafeBytes { headerBytes in
            do throws(DataIOError) {
                try NPY.withLittleEndianBytes(of: matrix) { (scalarBytes) throws(DataIOError) in
                    try archive.addMember(
                        named: name + ".npy", parts: [headerBytes, scalarBytes], compressed: compressed)
                }
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try added.get()
    }
    for (name, data) in files.sorted(by: { $0.key < $1.key }) {
        let added: Result<Void, DataIOError> = data.withUnsafeBytes { bytes in
            do throws(DataIOError) {
                try archive.addMember(named: name, parts: [bytes], compressed: compressed)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try added.get()
    }
    try archive.finish()
}
