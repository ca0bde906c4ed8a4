import Foundation

/// The command line as `nn` parses it, with file names that are not valid UTF-8 passed through.
///
/// Swift decodes `argv` as UTF-8, replacing invalid bytes (a Latin-1 `é`, byte 0xE9) with U+FFFD, so
/// such a file name no longer names the file and was reported as missing. Here each argument that
/// is not valid UTF-8 and names an existing file is opened with its bytes as they are, and replaced
/// by `/dev/fd/N`, which every reader then opens as the same file. Arguments that are valid UTF-8 are
/// unchanged; an invalid one that names no file keeps the decoder's replacement characters (an output
/// file name that is not UTF-8 cannot be created).
enum RawArguments {
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
            let descriptor = open(raw, O_RDONLY)
            result.append(descriptor >= 0 ? "/dev/fd/\(descriptor)" : String(decoding: bytes, as: UTF8.self))
        }
        return result
    }
}
