// File names that are not valid UTF-8, carried through Swift strings.
//
// A Linux file name is bytes; a Swift `String` is Unicode. Decoding a name such as Latin-1 `lat\xe9.csv`
// as UTF-8 replaces the byte with U+FFFD, and a file created under the decoded name is another file.
// So the command line's arguments and the names the system returns (`realpath`) are decoded here with
// each byte of an invalid sequence kept as one scalar of Unicode's last private-use plane,
// U+10FF00 + byte, and every path handed back to the system is encoded the same way in reverse. Names
// that are valid UTF-8 (nearly all) pass through unchanged; a real name would have to contain those
// private-use scalars to be misread.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The encoding between file-name bytes and the strings that carry them (see the file's note).
package enum RawPath {
    /// The scalar that stands for a byte of an invalid UTF-8 sequence is this plus the byte.
    static let escapeBase: UInt32 = 0x10_FF00

    /// A string in which each byte that is not UTF-8 becomes `replacement`: a name safe for any library.
    package static func replacingRawBytes(in path: String, with replacement: Unicode.Scalar) -> String {
        String(String.UnicodeScalarView(path.unicodeScalars.map { escapedByte($0) == nil ? $0 : replacement }))
    }

    /// `bytes` as a string: valid UTF-8 decoded, each byte of an invalid sequence as its stand-in.
    package static func string(fromBytes bytes: UnsafeBufferPointer<UInt8>) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        var scalars = String.UnicodeScalarView()
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var position = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                scalars.append(Unicode.UTF8.decode(encoded))
                position += encoded.count
            case .error(let length):
                for offset in 0..<length {
                    scalars.append(Unicode.Scalar(escapeBase + UInt32(bytes[position + offset]))!)
                }
                position += length
            case .emptyInput:
                return String(scalars)
            }
        }
    }

    /// A C string's bytes as a string (see ``string(fromBytes:)``).
    package static func string(fromCString text: UnsafePointer<CChar>) -> String {
        let count = strlen(text)
        return text.withMemoryRebound(to: UInt8.self, capacity: count) {
            string(fromBytes: UnsafeBufferPointer(start: $0, count: count))
        }
    }

    /// The byte `scalar` stands for, or nil when it is an ordinary character.
    static func escapedByte(_ scalar: Unicode.Scalar) -> UInt8? {
        scalar.value >= escapeBase + 0x80 && scalar.value <= escapeBase + 0xFF ? UInt8(scalar.value - escapeBase) : nil
    }

    /// The bytes the system knows `path` by, NUL-terminated: each stand-in back to its byte, the rest as UTF-8.
    package static func bytes(of path: String) -> [CChar] {
        var result: [CChar] = []
        result.reserveCapacity(path.utf8.count + 1)
        for scalar in path.unicodeScalars {
            if let byte = escapedByte(scalar) {
                result.append(CChar(bitPattern: byte))
            } else {
                for byte in String(scalar).utf8 { result.append(CChar(bitPattern: byte)) }
            }
        }
        result.append(0)
        return result
    }

    /// Calls `body` with `path` as the system's C string.
    package static func withCString<Result, Failure: Error>(
        _ path: String, _ body: (UnsafePointer<CChar>) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        let encoded = bytes(of: path)
        return try encoded.withUnsafeBufferPointer { (buffer) throws(Failure) -> Result in try body(buffer.baseAddress!)
        }
    }

    /// The type bits (`S_IFMT` of `st_mode`: `S_IFREG`, `S_IFDIR`, ...) of the file at `path`, symbolic
    /// links followed, or nil when nothing is there: Foundation's `fileExists(atPath:)` encodes a stand-in
    /// as UTF-8 and so reports a name that is not UTF-8 as missing.
    package static func fileType(of path: String) -> mode_t? {
        var status = stat()
        guard withCString(path, { stat($0, &status) }) == 0 else { return nil }
        return status.st_mode & S_IFMT
    }

    /// Whether a file or folder exists at `path` (see ``fileType(of:)``).
    package static func exists(_ path: String) -> Bool { fileType(of: path) != nil }

    /// Up to `count` bytes from the start of the file at `path`, or nil when it cannot be opened (a
    /// named pipe without a writer gives none rather than blocking).
    package static func firstBytes(of path: String, count: Int) -> [UInt8]? {
        let descriptor = withCString(path) { open($0, O_RDONLY | O_NONBLOCK | O_CLOEXEC) }
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: count)
        let received = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, count) }
        return received >= 0 ? Array(bytes.prefix(received)) : nil
    }

    /// Whether `path` carries a byte that is not UTF-8.
    package static func hasRawBytes(_ path: String) -> Bool {
        path.unicodeScalars.contains { escapedByte($0) != nil }
    }

    /// `bytes` for messages (a file's first bytes, a magic number): printable ASCII as itself, every
    /// other byte and the backslash as `\xNN`.
    package static func display<Bytes: Sequence<UInt8>>(bytes: Bytes) -> String {
        bytes.map { (0x20..<0x7F).contains($0) && $0 != UInt8(ascii: "\\") ? String(UnicodeScalar($0)) : escaped($0) }
            .joined()
    }

    /// One byte as `\xNN`, two lowercase hexadecimal digits.
    static func escaped(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return "\\x\(digits[Int(byte >> 4)])\(digits[Int(byte & 15)])"
    }

    /// `path` for messages: each byte that is not UTF-8 as `\xNN`.
    package static func display(_ path: String) -> String {
        guard hasRawBytes(path) else { return path }
        var text = ""
        for scalar in path.unicodeScalars {
            if let byte = escapedByte(scalar) {
                text += escaped(byte)
            } else {
                text.unicodeScalars.append(scalar)
            }
        }
        return text
    }
}
