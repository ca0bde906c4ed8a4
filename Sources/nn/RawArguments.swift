internal import FileSystem
import Foundation

/// The command line as `nn` parses it, with file names that are not valid UTF-8 passed through.
///
/// Swift decodes `argv` as UTF-8, replacing invalid bytes (a Latin-1 `é`, byte 0xE9) with U+FFFD, so
/// such a file name no longer names the file and was reported as missing. Here each argument that
/// is not valid UTF-8 and names an existing file is opened with its bytes as they are, and replaced
/// by `/dev/fd/N`, which every reader then opens as the same file (and the file writer, which resolves
/// it, replaces under its own name). An invalid one that names no file yet (an output) keeps its bytes
/// through ``RawPath``, which the file writer turns back into the same bytes. Arguments that are
/// valid UTF-8 are unchanged.
enum RawArguments {
    /// The names that `arguments()` replaced by `/dev/fd/N`, as messages show them (`lat\xe9.csv`).
    nonisolated(unsafe) static var displayNames: [String: String] = [:]

    static func arguments() -> [String] {
        var result: [String] = []
        for index in 1..<Int(CommandLine.argc) {
            guard let raw = CommandLine.unsafeArgv[index] else { continue }
            let bytes = UnsafeBufferPointer(
                start: UnsafeRawPointer(raw).assumingMemoryBound(to: UInt8.self), count: strlen(raw))
            if let text = String(validating: bytes, as: UTF8.self) {
                result.append(text)
                continue
            }
            // Without blocking: a named pipe without a writer must not hang the start (its readers refuse it).
            let descriptor = open(raw, O_RDONLY | O_NONBLOCK)
            let kept = RawPath.string(fromBytes: bytes)
            if descriptor >= 0 { displayNames["/dev/fd/\(descriptor)"] = RawPath.display(kept) }
            result.append(descriptor >= 0 ? "/dev/fd/\(descriptor)" : kept)
        }
        return result
    }
}

/// `path` as messages show it: the name the user typed for a `/dev/fd/N` that ``RawArguments`` made,
/// and each byte that is not UTF-8 as `\xNN`.
func displayPath(_ path: String) -> String {
    RawArguments.displayNames[path] ?? RawPath.display(path)
}

/// `message` with each `/dev/fd/N` that ``RawArguments`` made written as the name the user typed, and
/// every other byte that is not UTF-8 as `\xNN`.
func readableMessage(_ message: String) -> String {
    var text = message
    // Longest first, so that /dev/fd/12 is not read as /dev/fd/1 followed by 2.
    for (descriptorPath, name) in RawArguments.displayNames.sorted(by: { $0.key.count > $1.key.count }) {
        text = text.replacingOccurrences(of: descriptorPath, with: name)
    }
    return RawPath.display(text)
}
