internal import FileSystem
import Foundation

/// Checks on the files a command will write, made before any work: an output that would overwrite
/// one of the command's inputs (the training data, the checkpoint being resumed, the model being
/// read), that is a folder, whose name is longer than a file name may be, or whose folder does not
/// exist or cannot be written, is refused up front instead of after a long run.
enum OutputPaths {
    /// Writes a text output (a history, a plot, predictions) whole, through the package's one atomic
    /// writer: a failed write leaves the previous file as it was.
    static func write(_ text: String, to path: String) throws {
        do {
            try writeFileAtomically(Array(text.utf8), to: path)
        } catch {
            throw CommandError.invalidOption("\(error)")
        }
    }

    /// The path with symbolic links resolved where the file exists (or a dangling link names it),
    /// standardized otherwise, so that `./a.csv`, `a.csv` and a link to it compare equal.
    static func canonical(_ path: String) -> String {
        let path = resolvedPath(path)
        if RawPath.exists(path) { return path }
        let (folder, name) = split(path)
        return (RawPath.exists(folder) ? resolvedPath(folder) : URL(fileURLWithPath: folder).standardizedFileURL.path)
            + "/" + name
    }

    /// The folder (`.` when none) and the last component of `path`, as the file writer splits it.
    static func split(_ path: String) -> (folder: String, name: String) {
        splitPath(path)
    }

    /// Throws when an output names the same file as an input, or lies in a folder that does not exist.
    ///
    /// - Parameters:
    ///   - outputs: option name and path of each file the command writes.
    ///   - inputs: option name and path of each file the command reads.
    ///   - allowed: (output, input) option pairs that may name one file: a resumed run may go on writing
    ///     checkpoints to the checkpoint it started from (each is written whole, then renamed).
    static func check(outputs: [(String, String?)], inputs: [(String, String?)], allowed: [(String, String)] = [])
        throws
    {
        let readFiles = inputs.compactMap { name, path in path.map { (name, canonical($0)) } }
        for case (let name, let path?) in outputs {
            let conflict = readFiles.first { input in
                input.1 == canonical(path) && !allowed.contains { $0.0 == name && $0.1 == input.0 }
            }
            if let input = conflict {
                throw CommandError.invalidOption(
                    "\(name) \(path) is the file given to \(input.0); writing it would destroy the input, so choose another file"
                )
            }
            // The file writer follows a symbolic link, a dangling one too, so its target's folder is
            // the one that must exist and be writable.
            let destination = symbolicLinkTarget(path) == nil ? path : resolvedPath(path)
            let folder = split(destination).folder
            // By the name's bytes: Foundation reports a folder whose name is not UTF-8 as missing.
            guard let type = RawPath.fileType(of: folder) else {
                throw CommandError.invalidOption("could not write \(name) \(path): the folder \(folder) does not exist")
            }
            guard type == S_IFDIR else {
                throw CommandError.invalidOption("could not write \(name) \(path): \(folder) is a file, not a folder")
            }
            try checkWritable(name, destination, folder: folder)
        }
    }

    /// The longest file name (one path component, in bytes) the system accepts: `NAME_MAX`.
    static let longestFileName = 255

    /// Throws when `path` is a folder, its last component is longer than ``longestFileName`` bytes, or
    /// its folder cannot be written (`access`, so root, who may write anywhere, passes; a read-only
    /// file system does not). A read-only file itself is no obstacle: it is replaced by a rename.
    static func checkWritable(_ name: String, _ path: String, folder: String) throws {
        var status = stat()
        if RawPath.withCString(path, { stat($0, &status) }) == 0, status.st_mode & S_IFMT == S_IFDIR {
            throw CommandError.invalidOption(
                "could not write \(name) \(RawPath.display(path)): it is a folder; name a file in it instead")
        }
        let bytes = RawPath.bytes(of: path).dropLast()  // without the NUL
        let component = bytes.count - ((bytes.lastIndex(of: CChar(UInt8(ascii: "/"))) ?? -1) + 1)
        if component > longestFileName {
            throw CommandError.invalidOption(
                "could not write \(name) \(RawPath.display(path)): the file name has \(component) bytes, more than the \(longestFileName) a file name may have"
            )
        }
        if RawPath.withCString(folder, { access($0, W_OK | X_OK) }) != 0 {
            throw CommandError.invalidOption(
                "could not write \(name) \(RawPath.display(path)): the folder \(RawPath.display(folder)) cannot be written (\(String(cString: strerror(errno))))"
            )
        }
    }
}
