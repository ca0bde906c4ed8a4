internal import FileSystem
import Tensor

/// Reads a numpy `.npy` file (optionally gzip-compressed) into a matrix.
///
/// Accepted: format versions 1.0, 2.0 and 3.0; C order; element types `f4`, `f8`, `i1`, `i2`, `i4`,
/// `i8`, `u1`, `u2`, `u4`, `u8` in either byte order (`<`, `>`, `=` or `|`), converted to `Scalar` as
/// numpy's `astype` would. A two-dimensional array keeps its shape; a one-dimensional array of `n`
/// elements becomes a `(1, n)` row.
///
/// - Throws: ``DataIOError``: ``DataIOError/wrongMagicNumber(file:expected:found:)``,
///   ``DataIOError/unsupportedNPYVersion(file:major:minor:)``,
///   ``DataIOError/malformedNPYHeader(file:field:reason:)``, ``DataIOError/fortranOrder(file:)``,
///   ``DataIOError/unsupportedDType(file:dtype:)``, ``DataIOError/unsupportedShape(file:shape:)`` (0-d or
///   more than 2-D), ``DataIOError/dimensionOverflow(file:field:dimensions:)``,
///   ``DataIOError/truncatedData(file:field:expectedBytes:foundBytes:)``,
///   ``DataIOError/trailingData(file:expectedBytes:foundBytes:)``, and the gzip and file errors.
/// - See also: ``writeNPY(_:to:)``, ``readNPZ(from:as:)``.
public func readNPY<Scalar: MatrixScalar>(from path: String, as type: Scalar.Type = Scalar.self) throws(DataIOError)
    -> Matrix<Scalar>
{
    let bytes = try FileBytes.load(path)
    return try withExtendedLifetime(bytes) { () throws(DataIOError) -> Matrix<Scalar> in
        try NPY.decodeSpecialized(bytes)
    }
}

/// Writes a matrix as a numpy `.npy` file, format 1.0, dtype `<f8` for `Double` and `<f4` for `Float`,
/// shape `(rows, columns)`, C order; `np.load` reads back exactly the same values.
public func writeNPY<Scalar: MatrixScalar>(_ matrix: Matrix<Scalar>, to path: String) throws(DataIOError) {
    var writer = try FileWriter(path: path)
    let header = NPY.header(for: matrix)
    try writer.write(contentsOf: header)
    try NPY.withLittleEndianBytes(of: matrix) { bytes throws(DataIOError) in try writer.write(bytes) }
    try writer.finish()
}

/// The `.npy` format: header parsing, element decoding and encoding.
internal enum NPY {
    /// `\x93NUMPY`.
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]

    /// The element types read into a matrix.
    enum ElementType {
        case float32, float64, int8, int16, int32, int64, uint8, uint16, uint32, uint64

        var size: Int {
            switch self {
            case .int8, .uint8: 1
            case .int16, .uint16: 2
            case .float32, .int32, .uint32: 4
            case .float64, .int64, .uint64: 8
            }
        }
    }

    /// The `.npy` bytes up to the data: magic, version 1.0, header length and the header dictionary,
    /// padded with spaces and a newline to a multiple of 64 bytes, as numpy writes it.
    static func header<Scalar: MatrixScalar>(for matrix: Matrix<Scalar>) -> [UInt8] {
        let descr = Scalar.self == Float.self ? "<f4" : "<f8"
        var dictionary = Array(
            "{'descr': '\(descr)', 'fortran_order': False, 'shape': (\(matrix.rows), \(matrix.columns)), }".utf8)
        let unpadded = magic.count + 2 + 2 + dictionary.count + 1
        dictionary.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (64 - unpadded % 64) % 64))
        dictionary.append(UInt8(ascii: "\n"))
        let length = UInt16(dictionary.count)
        return magic + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + dictionary
    }

    /// Calls `body` with the matrix's elements as little-endian bytes.
    static func withLittleEndianBytes<Scalar: MatrixScalar, Result>(
        of matrix: Matrix<Scalar>, _ body: (UnsafeRawBufferPointer) throws(DataIOError) -> Result
    ) throws(DataIOError) -> Result {
        #if !_endian(little)
            #error("TensorIO writes .npy data by copying memory, which assumes a little-endian host")
        #endif
        let outcome: Swift.Result<Result, DataIOError> = matrix.scalars.withUnsafeBytes { bytes in
            do throws(DataIOError) { return .success(try body(bytes)) } catch { return .failure(error) }
        }
        return try outcome.get()
    }

    /// ``decode(_:)``, called with the concrete scalar types so that the optimizer specializes the conversion loops.
    static func decodeSpecialized<Scalar: MatrixScalar>(_ file: FileBytes) throws(DataIOError) -> Matrix<Scalar> {
        if Scalar.self == Double.self { return try decode(file) as Matrix<Double> as! Matrix<Scalar> }
        if Scalar.self == Float.self { return try decode(file) as Matrix<Float> as! Matrix<Scalar> }
        return try decode(file)
    }

    /// Decodes a whole `.npy` file.
    static func decode<Scalar: MatrixScalar>(_ file: FileBytes) throws(DataIOError) -> Matrix<Scalar> {
        let bytes = file.bytes
        let name = file.file
        let prefix = Array(bytes.prefix(6))
        guard prefix == magic else {
            if prefix.count < 6 && magic.starts(with: prefix) {
                throw .truncatedData(file: name, field: "magic string", expectedBytes: 6, foundBytes: prefix.count)
            }
            throw .wrongMagicNumber(
                file: name, expected: "\\x93NUMPY (.npy)",
                found: RawPath.display(bytes: prefix))
        }
        guard bytes.count >= 8 else {
            throw .truncatedData(file: name, field: "version", expectedBytes: 2, foundBytes: bytes.count - 6)
        }
        let major = bytes[6]
        let minor = bytes[7]
        guard minor == 0, (1...3).contains(major) else {
            throw .unsupportedNPYVersion(file: name, major: major, minor: minor)
        }
        let lengthSize = major == 1 ? 2 : 4
        guard bytes.count >= 8 + lengthSize else {
            throw .truncatedData(
                file: name, field: "header length", expectedBytes: lengthSize, foundBytes: bytes.count - 8)
        }
        var headerLength = 0
        for index in 0..<lengthSize { headerLength |= Int(bytes[8 + index]) << (8 * index) }
        let headerStart = 8 + lengthSize
        guard bytes.count - headerStart >= headerLength else {
            throw .truncatedData(
                file: name, field: "header", expectedBytes: headerLength, foundBytes: bytes.count - headerStart)
        }
        var parser = HeaderParser(bytes: Array(bytes[headerStart..<(headerStart + headerLength)]), file: name)
        let header = try parser.parse()
        guard !header.fortranOrder else { throw .fortranOrder(file: name) }
        guard let (elementType, bigEndian) = elementType(of: header.descr) else {
            throw .unsupportedDType(file: name, dtype: header.descr)
        }
        let shape = header.shape
        var elementCount = 1
        for dimension in shape {
            let (product, overflow) = elementCount.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw .dimensionOverflow(file: name, field: "shape", dimensions: shape) }
            elementCount = product
        }
        let (byteCount, overflow) = elementCount.multipliedReportingOverflow(by: elementType.size)
        guard !overflow else { throw .dimensionOverflow(file: name, field: "shape", dimensions: shape) }
        guard shape.count == 1 || shape.count == 2 else { throw .unsupportedShape(file: name, shape: shape) }
        let dataStart = headerStart + headerLength
        let available = bytes.count - dataStart
        guard available >= byteCount else {
            throw .truncatedData(file: name, field: "data", expectedBytes: byteCount, foundBytes: available)
        }
        guard available == byteCount else {
            throw .trailingData(file: name, expectedBytes: byteCount, foundBytes: available)
        }
        let (rows, columns) = shape.count == 1 ? (1, shape[0]) : (shape[0], shape[1])
        try DataIOError.reserve(
            elementCount, of: MemoryLayout<Scalar>.stride, for: "the array (\(rows), \(columns)) as \(Scalar.self)",
            file: name)
        let data = bytes.baseAddress.map { $0 + dataStart }
        let scalars = [Scalar](unsafeUninitializedCapacity: elementCount) { buffer, initialized in
            if let data, let output = buffer.baseAddress {
                convert(data, count: elementCount, type: elementType, bigEndian: bigEndian, into: output)
            }
            initialized = elementCount
        }
        return Matrix(rows: rows, columns: columns, scalars: scalars)
    }

    /// The element type and byte order of a `descr` such as `<f8` or `|u1`, or nil when unsupported.
    static func elementType(of descr: String) -> (ElementType, bigEndian: Bool)? {
        var text = Substring(descr)
        var bigEndian = false
        #if _endian(big)
            bigEndian = true
        #endif
        if let first = text.first, "<>|=".contains(first) {
            if first == ">" { bigEndian = true } else if first == "<" { bigEndian = false }
            text = text.dropFirst()
        }
        let type: ElementType? =
            switch text {
            case "f4": .float32
            case "f8": .float64
            case "i1": .int8
            case "i2": .int16
            case "i4": .int32
            case "i8": .int64
            case "u1": .uint8
            case "u2": .uint16
            case "u4": .uint32
            case "u8": .uint64
            default: nil
            }
        return type.map { ($0, bigEndian) }
    }

    /// Converts `count` elements at `data` into `output`, which must have room for `count` scalars.
    static func convert<Scalar: MatrixScalar>(
        _ data: UnsafeRawPointer, count: Int, type: ElementType, bigEndian: Bool,
        into output: UnsafeMutablePointer<Scalar>
    ) {
        #if _endian(little)
            let native = !bigEndian
        #else
            let native = bigEndian
        #endif
        if native
            && ((type == .float64 && Scalar.self == Double.self) || (type == .float32 && Scalar.self == Float.self))
        {
            UnsafeMutableRawPointer(output).copyMemory(from: data, byteCount: count * type.size)
            return
        }
        func fill<Raw: FixedWidthInteger>(_ raw: Raw.Type, _ makeScalar: (Raw) -> Scalar) {
            for index in 0..<count {
                let stored = data.loadUnaligned(fromByteOffset: index * MemoryLayout<Raw>.size, as: Raw.self)
                (output + index).initialize(
                    to: makeScalar(bigEndian ? Raw(bigEndian: stored) : Raw(littleEndian: stored)))
            }
        }
        switch type {
        case .float32: fill(UInt32.self) { Scalar(Float(bitPattern: $0)) }
        case .float64: fill(UInt64.self) { Scalar(Double(bitPattern: $0)) }
        case .int8: fill(Int8.self) { Scalar($0) }
        case .int16: fill(Int16.self) { Scalar($0) }
        case .int32: fill(Int32.self) { Scalar($0) }
        case .int64: fill(Int64.self) { Scalar($0) }
        case .uint8: fill(UInt8.self) { Scalar($0) }
        case .uint16: fill(UInt16.self) { Scalar($0) }
        case .uint32: fill(UInt32.self) { Scalar($0) }
        case .uint64: fill(UInt64.self) { Scalar($0) }
        }
    }

    /// The three keys of an `.npy` header.
    struct Header {
        var descr: String
        var fortranOrder: Bool
        var shape: [Int]
    }

    /// Parses the header, a Python dictionary literal such as
    /// `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }`.
    struct HeaderParser {
        let bytes: [UInt8]
        let file: String
        var position = 0

        init(bytes: [UInt8], file: String) {
            self.bytes = bytes
            self.file = file
        }

        /// A Python literal value in the header.
        enum Value {
            case string(String)
            case boolean(Bool)
            case integers([Int])
            case other(String)
        }

        mutating func parse() throws(DataIOError) -> Header {
            var values: [String: Value] = [:]
            skipSpaces()
            try expect(UInt8(ascii: "{"), field: "header")
            while true {
                skipSpaces()
                if peek() == UInt8(ascii: "}") { position += 1; break }
                guard case .string(let key) = try value(field: "header") else {
                    throw malformed("header", "a dictionary key is not a string")
                }
                skipSpaces()
                try expect(UInt8(ascii: ":"), field: key)
                skipSpaces()
                values[key] = try value(field: key)
                skipSpaces()
                if peek() == UInt8(ascii: ",") { position += 1; continue }
                try expect(UInt8(ascii: "}"), field: "header")
                break
            }
            guard let descrValue = values["descr"] else { throw malformed("descr", "missing") }
            guard let orderValue = values["fortran_order"] else { throw malformed("fortran_order", "missing") }
            guard let shapeValue = values["shape"] else { throw malformed("shape", "missing") }
            let descr: String
            switch descrValue {
            case .string(let text): descr = text
            case .other(let text): throw DataIOError.unsupportedDType(file: file, dtype: "\(text) (a structured dtype)")
            default: throw malformed("descr", "not a string")
            }
            guard case .boolean(let fortranOrder) = orderValue else {
                throw malformed("fortran_order", "not True or False")
            }
            guard case .integers(let shape) = shapeValue else { throw malformed("shape", "not a tuple of integers") }
            guard shape.allSatisfy({ $0 >= 0 }) else { throw malformed("shape", "negative dimension in \(shape)") }
            return Header(descr: descr, fortranOrder: fortranOrder, shape: shape)
        }

        private func malformed(_ field: String, _ reason: String) -> DataIOError {
            .malformedNPYHeader(file: file, field: field, reason: reason)
        }

        private func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }

        private mutating func skipSpaces() {
            while let byte = peek(), byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { position += 1 }
        }

        private mutating func expect(_ byte: UInt8, field: String) throws(DataIOError) {
            guard peek() == byte else {
                throw malformed(field, "expected '\(String(UnicodeScalar(byte)))' at header byte \(position)")
            }
            position += 1
        }

        private mutating func value(field: String) throws(DataIOError) -> Value {
            guard let byte = peek() else { throw malformed(field, "the header ends early") }
            switch byte {
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                position += 1
                let start = position
                while let next = peek(), next != byte { position += 1 }
                guard position < bytes.count else { throw malformed(field, "unterminated string") }
                let text = String(decoding: bytes[start..<position], as: UTF8.self)
                position += 1
                return .string(text)
            case UInt8(ascii: "("):
                position += 1
                var integers: [Int] = []
                while true {
                    skipSpaces()
                    if peek() == UInt8(ascii: ")") { position += 1; break }
                    let start = position
                    while let next = peek(), next >= UInt8(ascii: "0") && next <= UInt8(ascii: "9") { position += 1 }
                    guard position > start, position - start <= 18,
                        let integer = Int(String(decoding: bytes[start..<position], as: UTF8.self))
                    else { throw malformed(field, "not a tuple of non-negative integers") }
                    integers.append(integer)
                    if peek() == UInt8(ascii: "L") { position += 1 }  // Python 2 long suffix
                    skipSpaces()
                    if peek() == UInt8(ascii: ",") { position += 1; continue }
                    try expect(UInt8(ascii: ")"), field: field)
                    break
                }
                return .integers(integers)
            case UInt8(ascii: "["):
                // A structured dtype (a list of fields): skip to the matching bracket.
                let start = position
                var depth = 0
                while let next = peek() {
                    position += 1
                    if next == UInt8(ascii: "[") { depth += 1 }
                    if next == UInt8(ascii: "]") { depth -= 1; if depth == 0 { break } }
                }
                guard depth == 0 else { throw malformed(field, "unterminated list") }
                return .other(String(decoding: bytes[start..<position], as: UTF8.self))
            default:
                let start = position
                while let next = peek(),
                    (next >= UInt8(ascii: "A") && next <= UInt8(ascii: "Z"))
                        || (next >= UInt8(ascii: "a") && next <= UInt8(ascii: "z"))
                {
                    position += 1
                }
                switch String(decoding: bytes[start..<position], as: UTF8.self) {
                case "True": return .boolean(true)
                case "False": return .boolean(false)
                default: throw malformed(field, "unexpected value at header byte \(start)")
                }
            }
        }
    }
}
