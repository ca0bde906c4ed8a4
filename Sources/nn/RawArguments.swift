internal import FileSystem
import Foundation

/// The command line as `nn` parses it, with file names that are not valid UTF-8 passed through.
///
/// Swift decodes `argv` as UTF-8, replacing invalid bytes (a Latin-1 `é`, byte 0xE9) with U+FFFD, so
/// such a file name no longer names the file and was reported as missing. Here each argument that is
/// not valid UTF-8 keeps its bytes through ``RawPath`` (each byte of an invalid sequence as a
/// stand-in scalar), which every reader, the file writer and the output checks turn back into the
/// same bytes: an existing file, a folder and an output to overwrite are all found under their own
/// names. Arguments that are valid UTF-8 are unchanged.
enum RawArguments {
    static func arguments() -> [String] {
        var result: [String] = []
        for index in 1..<Int(CommandLine.argc) {
            guard let raw = CommandLine.unsafeArgv[index] else { continue }
            result.append(RawPath.string(fromCString: raw))
        }
        return result
    }
}

/// `path` as messages show it: each byte that is not UTF-8 as `\xNN`.
func displayPath(_ path: String) -> String {
    RawPath.display(path)
}

/// `message` with every byte that is not UTF-8 as `\xNN`.
func readableMessage(_ message: String) -> String {
    RawPath.display(message)
}
