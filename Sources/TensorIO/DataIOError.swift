import Tensor

/// An error reading or writing a data file, naming the file and, where it applies, the line,
/// column or header field at fault.
///
/// Every reader in `TensorIO` validates its input and throws one of these cases instead of trapping:
/// a user's file can be wrong in many ways, and each case's ``description`` says what was found and
/// where, so the user can fix the file (or the options) without a debugger.
///
/// Lines and columns are counted from 1, as text editors count them. For `.npz` archives the file is
/// named as `archive.npz[member.npy]`.
public enum DataIOError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file could not be opened or read; `reason` is the operating system's explanation.
    case cannotRead(file: String, reason: String)
    /// The file could not be created or written; `reason` is the operating system's explanation.
    case cannotWrite(file: String, reason: String)
    /// An option passed by the caller cannot be used with this file, for example a column name that
    /// the header does not contain or a delimiter that is not a single ASCII character.
    case invalidOption(file: String, reason: String)

    /// The gzip stream ends before its last block and checksum.
    case truncatedGzip(file: String)
    /// The gzip stream is damaged; `reason` is zlib's message.
    case corruptGzip(file: String, reason: String)

    /// The file holds no data at all (or only blank lines).
    case emptyFile(file: String)
    /// A CSV file holds a header row but no data rows.
    case headerOnly(file: String)
    /// A CSV row has a different number of cells than the first row.
    case raggedRow(file: String, line: Int, expectedColumns: Int, foundColumns: Int)
    /// A CSV cell that should hold a number holds `text` instead (empty when the cell is empty).
    case nonNumericCell(file: String, line: Int, column: Int, text: String)
    /// A quoted CSV cell is not closed, or is followed by characters other than a delimiter.
    case malformedQuote(file: String, line: Int, column: Int)
    /// A CSV target cell read as class labels is empty (or only blanks): a missing label, not a class.
    case emptyLabel(file: String, line: Int, column: Int)

    /// The file does not start with the magic number of the expected format.
    case wrongMagicNumber(file: String, expected: String, found: String)
    /// The IDX file's element type (third header byte) is valid IDX but not unsigned bytes (`0x08`).
    case unsupportedIDXType(file: String, typeCode: UInt8)
    /// The product of the declared dimensions (or their size in bytes) does not fit in an `Int`.
    case dimensionOverflow(file: String, field: String, dimensions: [Int])
    /// The file ends before the bytes that its header (named by `field`) announces.
    case truncatedData(file: String, field: String, expectedBytes: Int, foundBytes: Int)
    /// The file holds more bytes than its header announces.
    case trailingData(file: String, expectedBytes: Int, foundBytes: Int)

    /// The `.npy` format version (bytes 6 and 7) is not 1.0, 2.0 or 3.0.
    case unsupportedNPYVersion(file: String, major: UInt8, minor: UInt8)
    /// The `.npy` header dictionary cannot be read; `field` names the key or part at fault.
    case malformedNPYHeader(file: String, field: String, reason: String)
    /// The `.npy` array is stored in Fortran (column-major) order; only C order is read.
    case fortranOrder(file: String)
    /// The `.npy` element type is not one of `f4`, `f8`, `i1`, `i2`, `i4`, `i8`, `u1`, `u2`, `u4`, `u8`.
    case unsupportedDType(file: String, dtype: String)
    /// The `.npy` array is 0-dimensional or has more than two dimensions.
    case unsupportedShape(file: String, shape: [Int])
    /// The `.npz` (zip) archive cannot be read or written; `reason` is the zip library's explanation.
    case corruptArchive(file: String, reason: String)
    /// The memory for `what` (sized by the file: its declared dimensions, rows or columns) could not be
    /// allocated; `bytes` is its size, or `nil` when the size does not even fit in an `Int`.
    case cannotAllocate(file: String, what: String, bytes: Int?)

    /// A sentence naming the file, the place in it and what is wrong.
    public var description: String {
        switch self {
        case .cannotRead(let file, let reason):
            return "\(file): cannot read the file: \(reason)"
        case .cannotWrite(let file, let reason):
            return "\(file): cannot write the file: \(reason)"
        case .invalidOption(let file, let reason):
            return "\(file): \(reason)"
        case .truncatedGzip(let file):
            return "\(file): the gzip data ends early; the file is truncated (download it again)"
        case .corruptGzip(let file, let reason):
            return "\(file): the gzip data is corrupt: \(reason)"
        case .emptyFile(let file):
            return "\(file): the file is empty"
        case .headerOnly(let file):
            return "\(file): the file has a header row but no data rows"
        case .raggedRow(let file, let line, let expected, let found):
            return "\(file), line \(line): \(found) cells but the first row has \(expected)"
        case .nonNumericCell(let file, let line, let column, let text):
            let shown = text.isEmpty ? "an empty cell" : "'\(text)'"
            return "\(file), line \(line), column \(column): expected a number, found \(shown)"
        case .emptyLabel(let file, let line, let column):
            return "\(file), line \(line), column \(column): the class label is empty; every sample needs its label"
        case .malformedQuote(let file, let line, let column):
            return
                "\(file), line \(line), column \(column): a quoted cell is not closed, or text follows its closing quote"
        case .wrongMagicNumber(let file, let expected, let found):
            return
                "\(file): magic number \(found) where \(expected) was expected; this is not the expected kind of file"
        case .unsupportedIDXType(let file, let typeCode):
            return
                "\(file): header field 'type': IDX element type 0x\(String(typeCode, radix: 16)); only unsigned bytes (0x08) are supported"
        case .dimensionOverflow(let file, let field, let dimensions):
            return "\(file): header field '\(field)': dimensions \(dimensions) are too large to address"
        case .truncatedData(let file, let field, let expected, let found):
            return "\(file): the file ends early: '\(field)' needs \(expected) bytes but only \(found) remain"
        case .trailingData(let file, let expected, let found):
            return "\(file): the header announces \(expected) data bytes but the file holds \(found)"
        case .unsupportedNPYVersion(let file, let major, let minor):
            return "\(file): header field 'version': .npy format \(major).\(minor); only 1.0, 2.0 and 3.0 are supported"
        case .malformedNPYHeader(let file, let field, let reason):
            return "\(file): header field '\(field)': \(reason)"
        case .fortranOrder(let file):
            return
                "\(file): header field 'fortran_order': the array is in Fortran order; save it with np.ascontiguousarray first"
        case .unsupportedDType(let file, let dtype):
            return
                "\(file): header field 'descr': dtype \(dtype) is not supported (use f4, f8 or an integer type of 1 to 8 bytes)"
        case .unsupportedShape(let file, let shape):
            let shown =
                shape.isEmpty
                ? "()" : "(" + shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? ",)" : ")")
            return
                "\(file): header field 'shape': shape \(shown) has \(shape.count) dimensions; only 1 or 2 can be read into a Matrix"
        case .corruptArchive(let file, let reason):
            return "\(file): cannot read or write the .npz (zip) archive: \(reason)"
        case .cannotAllocate(let file, let what, let bytes):
            let size = bytes.map { "\(Self.formattedSize($0)) (\($0) bytes)" } ?? "more bytes than an Int counts"
            return
                "\(file): cannot allocate \(size) for \(what): the system refused the memory; free memory, raise the memory limit (ulimit -v), or read a smaller file"
        }
    }

    /// `bytes` in binary units to three significant digits, as `1.5 GiB` or `312 MiB`.
    static func formattedSize(_ bytes: Int) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        if unit == 0 { return "\(bytes) bytes" }
        return value < 10
            ? String(Double(Int(value * 100 + 0.5)) / 100) + " " + units[unit]
            : value < 100
                ? String(Double(Int(value * 10 + 0.5)) / 10) + " " + units[unit]
                : "\(Int(value + 0.5)) \(units[unit])"
    }

    /// Throws ``cannotAllocate(file:what:bytes:)`` unless `count` elements of `stride` bytes can be
    /// allocated now (``MemoryReservation``): what every reader asks before an allocation sized by
    /// its input.
    static func reserve(
        _ count: Int, of stride: Int, for what: @autoclosure () -> String, file: String
    ) throws(DataIOError) {
        guard let bytes = MemoryReservation.bytes(count: count, stride: stride) else {
            throw .cannotAllocate(file: file, what: what(), bytes: nil)
        }
        guard MemoryReservation.isAvailable(bytes: bytes) else {
            throw .cannotAllocate(file: file, what: what(), bytes: bytes)
        }
    }
}
