import Foundation
import Tensor
import ZIPFoundation

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
/// - Parameters:
///   - arrays: the matrices to write, by member name (without `.npy`).
///   - path: the archive to write.
///   - compressed: deflate the members, as `np.savez_compressed` does; by default they are
///     stored, as `np.savez` does.
///   - files: other members stored under their own names, as bytes (`np.load(path)["name"]` returns
///     a member whose name does not end in `.npy` as `bytes`), such as a JSON description.
/// - See also: ``readNPZ(from:as:)``, ``writeNPY(_:to:)``.
public func writeNPZ<Scalar: MatrixScalar>(
    _ arrays: [String: Matrix<Scalar>], to path: String, compressed: Bool = false, files: [String: Data] = [:]
) throws(DataIOError) {
    // The archive is built in a temporary file beside the destination (the package's one atomic
    // writer: a symbolic link is followed, stale temporaries of killed runs are removed) and renamed
    // over it at the end, so a failed write never costs the file already there. A device is refused.
    let file = try FileWriter(path: path, allowsSpecialFiles: false)
    let url = URL(fileURLWithPath: file.temporaryPath!)
    // The zip library creates its file by name and refuses one that exists.
    try? FileManager.default.removeItem(at: url)
    // The archive is closed (its file flushed) when this function returns, before the rename.
    func writeMembers() throws(DataIOError) {
        let archive: Archive
        do {
            archive = try Archive(url: url, accessMode: .create)
        } catch {
            throw .cannotWrite(file: path, reason: "cannot create the archive (\(error))")
        }
        var members: [(name: String, data: Data)] = arrays.sorted(by: { $0.key < $1.key }).map { name, matrix in
            var member = NPY.header(for: matrix)
            member.append(contentsOf: matrix.scalars.withUnsafeBytes { Array($0) })
            return (name + ".npy", Data(member))
        }
        members += files.sorted(by: { $0.key < $1.key }).map { ($0.key, $0.value) }
        for (name, data) in members {
            do {
                try archive.addEntry(
                    with: name, type: .file, uncompressedSize: Int64(data.count),
                    compressionMethod: compressed ? .deflate : .none
                ) { position, size in
                    let start = Int(position)
                    return data.subdata(in: start..<(start + size))
                }
            } catch {
                throw .cannotWrite(file: path, reason: "cannot add \(name) to the archive (\(error))")
            }
        }
    }
    try writeMembers()
    try file.finish(reopeningTemporary: true)
}
