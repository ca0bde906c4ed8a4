import Tensor

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Whether the first row of a CSV file names the columns.
public enum CSVHeader: Sendable, Hashable {
    /// The first row is a header when all its cells are non-numeric, or when some column is non-numeric
    /// in the first row but numeric in the second (so a file whose label column is text in every row
    /// is still read as having no header).
    case automatic
    /// The first row is a header.
    case present
    /// Every row is data.
    case absent
}

/// A column of a CSV file, chosen by its header name or by its position.
///
/// String and integer literals convert: `"species"` is `.name("species")`, `-1` is `.index(-1)`.
public enum CSVColumn: Sendable, Hashable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    CustomStringConvertible
{
    /// The column whose header cell is this name (leading and trailing spaces ignored); needs a header row.
    case name(String)
    /// The column at this zero-based position; a negative position counts from the end (`-1` is the last).
    case index(Int)

    /// Creates `.name(value)`.
    public init(stringLiteral value: String) { self = .name(value) }

    /// Creates `.index(value)`.
    public init(integerLiteral value: Int) { self = .index(value) }

    /// `'name'` or `#index`, as error messages show it.
    public var description: String {
        switch self {
        case .name(let name): return "'\(name)'"
        case .index(let index): return "#\(index)"
        }
    }
}

/// How the target column of a CSV file is read.
public enum CSVTargetKind: Sendable, Hashable {
    /// Class labels when the first data row's target cell is not a number, numbers otherwise.
    case automatic
    /// Numbers (a regression target, or class indices written as numbers).
    case numeric
    /// Class labels, even when they look like numbers; each distinct text is one class.
    case classLabels
}

/// How ``readCSV(from:as:options:)`` splits a CSV file into features and a target.
public struct CSVReadOptions: Sendable, Hashable {
    /// Whether the first row is a header; ``CSVHeader/automatic`` by default.
    public var header: CSVHeader
    /// The character between cells: a single ASCII character other than a quote or a line break.
    public var delimiter: Character
    /// The feature columns in the order they should appear, or nil for every column except the target.
    public var featureColumns: [CSVColumn]?
    /// The target column, or nil when the file has no target (then every column is a feature by default).
    public var targetColumn: CSVColumn?
    /// Whether the target holds numbers or class labels.
    public var targetKind: CSVTargetKind

    /// Creates options; by default the header is detected, cells are comma-separated, and every column is a feature.
    public init(
        header: CSVHeader = .automatic, delimiter: Character = ",", featureColumns: [CSVColumn]? = nil,
        targetColumn: CSVColumn? = nil, targetKind: CSVTargetKind = .automatic
    ) {
        self.header = header
        self.delimiter = delimiter
        self.featureColumns = featureColumns
        self.targetColumn = targetColumn
        self.targetKind = targetKind
    }
}

/// The features and (optionally) the target read from a CSV file, one row per data line.
public struct CSVDataset<Scalar: MatrixScalar>: Sendable {
    /// The feature columns, `rows × featureColumns`.
    public var features: Matrix<Scalar>
    /// The target as an `(rows, 1)` column: its numbers, or class indices when ``labelEncoding`` is set.
    public var targets: Matrix<Scalar>?
    /// The class names of a target read as labels (class `i` is `labelEncoding.classNames[i]`), else nil.
    public var labelEncoding: LabelEncoding?
    /// The header names of the feature columns, or nil when the file has no header row.
    public var featureNames: [String]?
    /// The header name of the target column, or nil when there is no target or no header row.
    public var targetName: String?

    /// Creates a dataset from its parts.
    public init(
        features: Matrix<Scalar>, targets: Matrix<Scalar>? = nil, labelEncoding: LabelEncoding? = nil,
        featureNames: [String]? = nil, targetName: String? = nil
    ) {
        self.features = features
        self.targets = targets
        self.labelEncoding = labelEncoding
        self.featureNames = featureNames
        self.targetName = targetName
    }

    /// The class index of each row when the target was read as class labels, else nil.
    public var classIndices: [Int]? {
        guard labelEncoding != nil, let targets else { return nil }
        return targets.scalars.map { Int($0) }
    }
}

/// Reads a numeric CSV file (optionally gzip-compressed) into features and an optional target.
///
/// The file is memory-mapped and parsed in place: cells become numbers without an intermediate
/// `String`, so reading a file of hundreds of megabytes holds the file's pages and the result only.
/// A UTF-8 byte-order mark, CRLF line ends, quoted cells (RFC 4180, with `""` for a quote, possibly
/// spanning lines) and blank lines (skipped) are handled. Numbers are what C's `strtod` reads, including
/// `inf` and `nan`, except hexadecimal (refused, as numpy refuses it); spaces around a number are ignored. A target column of text becomes class indices
/// through a ``LabelEncoding`` (sorted class names).
///
/// ```swift
/// let iris = try readCSV(from: "iris.csv", as: Double.self,
///                        options: CSVReadOptions(targetColumn: "species"))
/// // iris.features: (150, 4); iris.classIndices: [0, 0, ...]; iris.labelEncoding!.classNames: ["setosa", ...]
/// ```
///
/// - Throws: ``DataIOError``: ``DataIOError/emptyFile(file:)``, ``DataIOError/headerOnly(file:)``,
///   ``DataIOError/raggedRow(file:line:expectedColumns:foundColumns:)``,
///   ``DataIOError/nonNumericCell(file:line:column:text:)`` (empty cells included),
///   ``DataIOError/malformedQuote(file:line:column:)``, ``DataIOError/emptyLabel(file:line:column:)``,
///   ``DataIOError/invalidOption(file:reason:)`` for an
///   unknown column or a bad delimiter, and the gzip and file errors.
/// - See also: ``readCSVMatrix(from:as:header:delimiter:)``, ``writeCSV(_:to:columnNames:delimiter:)``.
public func readCSV<Scalar: MatrixScalar>(
    from path: String, as type: Scalar.Type = Scalar.self, options: CSVReadOptions = CSVReadOptions()
) throws(DataIOError) -> CSVDataset<Scalar> {
    let bytes = try FileBytes.loadText(path)
    return try withExtendedLifetime(bytes) { () throws(DataIOError) -> CSVDataset<Scalar> in
        // Call the concrete types directly so that the optimizer specializes the parsing loop.
        let reader = CSVReader(bytes: bytes, options: options)
        if Scalar.self == Double.self { return try reader.read(as: Double.self) as! CSVDataset<Scalar> }
        if Scalar.self == Float.self { return try reader.read(as: Float.self) as! CSVDataset<Scalar> }
        return try reader.read(as: Scalar.self)
    }
}

/// Reads every column of a numeric CSV file (optionally gzip-compressed) into a matrix, one row per data line.
///
/// The same as ``readCSV(from:as:options:)`` with no target column; see there for the accepted format.
public func readCSVMatrix<Scalar: MatrixScalar>(
    from path: String, as type: Scalar.Type = Scalar.self, header: CSVHeader = .automatic, delimiter: Character = ","
) throws(DataIOError) -> Matrix<Scalar> {
    try readCSV(from: path, as: type, options: CSVReadOptions(header: header, delimiter: delimiter)).features
}

/// Writes a matrix as CSV, one line per row (`\n` line ends), each value in its shortest form that reads
/// back to the same value (Swift's `description`: `0.1`, `1e-05`, `inf`, `nan`).
///
/// Reading the file back with ``readCSVMatrix(from:as:header:delimiter:)`` for the same scalar type, or
/// with `np.loadtxt(path, delimiter=",", dtype=...)`, gives exactly the matrix written.
///
/// - Parameters:
///   - matrix: the values to write.
///   - path: the file to write.
///   - columnNames: header names written as the first line (quoted when they contain the delimiter, a
///     quote or a line break), or nil for no header.
///   - delimiter: a single ASCII character other than a quote or a line break.
/// - Precondition: `columnNames`, when given, has one name per column.
public func writeCSV<Scalar: MatrixScalar>(
    _ matrix: Matrix<Scalar>, to path: String, columnNames: [String]? = nil, delimiter: Character = ","
) throws(DataIOError) {
    if let columnNames {
        checkPrecondition(
            columnNames.count == matrix.columns,
            "writeCSV: \(columnNames.count) column names for a matrix of shape \(matrix.shapeDescription)")
    }
    let delimiterByte = try csvDelimiterByte(delimiter, file: path)
    var writer = try FileWriter(path: path)
    if let columnNames {
        for (index, name) in columnNames.enumerated() {
            if index > 0 { try writer.write(byte: delimiterByte) }
            try writer.write(quotedIfNeeded(name, delimiter: delimiterByte))
        }
        try writer.write(byte: UInt8(ascii: "\n"))
    }
    let scalars = matrix.scalars
    let columns = matrix.columns
    for row in 0..<matrix.rows {
        for column in 0..<columns {
            if column > 0 { try writer.write(byte: delimiterByte) }
            try writer.write(scalars[row * columns + column].description)
        }
        try writer.write(byte: UInt8(ascii: "\n"))
    }
    try writer.finish()
}

/// The delimiter as one byte, or an error when it is not a usable single ASCII character.
internal func csvDelimiterByte(_ delimiter: Character, file: String) throws(DataIOError) -> UInt8 {
    guard let ascii = delimiter.asciiValue, delimiter != "\"", delimiter != "\r\n", ascii != 10, ascii != 13 else {
        throw .invalidOption(
            file: file,
            reason: "delimiter '\(delimiter)' must be a single ASCII character other than a quote or a line break")
    }
    return ascii
}

/// `text`, quoted with doubled inner quotes when it contains the delimiter, a quote, a line break or edge spaces.
private func quotedIfNeeded(_ text: String, delimiter: UInt8) -> String {
    let needsQuotes =
        text.utf8.contains { $0 == delimiter || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13 }
        || text.first == " " || text.last == " "
    guard needsQuotes else { return text }
    return "\"" + text.replacingQuotes() + "\""
}

extension String {
    /// The string with each `"` doubled, as CSV escapes it.
    fileprivate func replacingQuotes() -> String {
        var result = ""
        for character in self {
            result.append(character)
            if character == "\"" { result.append("\"") }
        }
        return result
    }
}

/// One cell's byte range in the file; for a quoted cell, the range inside the quotes.
internal struct CSVField {
    var start: Int
    var end: Int
    var quoted: Bool
    var hasEscapedQuote: Bool
}

/// Splits the file's bytes into records and cells, tracking line numbers.
extension CSVScanner {
    /// Whether `first`, the record just read, is a header under `choice`. Detected (`.automatic`):
    /// a header when all its cells are text (text and empty cells: pandas' index column has an empty
    /// name), none when all are numbers, and otherwise when a text cell stands above a number in the
    /// next record.
    func isHeader(_ first: [CSVField], _ choice: CSVHeader) throws(DataIOError) -> Bool {
        switch choice {
        case .present: return true
        case .absent: return false
        case .automatic:
            let firstNumeric = first.map { number($0, as: Double.self) != nil }
            if firstNumeric.allSatisfy({ $0 }) { return false }
            if firstNumeric.allSatisfy({ !$0 }) { return true }
            var lookahead = self
            var second: [CSVField] = []
            guard try lookahead.nextRecord(into: &second) else { return false }
            return zip(firstNumeric, second).contains { firstIsNumber, cell in
                !firstIsNumber && lookahead.number(cell, as: Double.self) != nil
            }
        }
    }
}

internal struct CSVScanner {
    let base: UnsafePointer<UInt8>
    let count: Int
    let delimiter: UInt8
    let file: String
    /// The next byte to read.
    var position: Int
    /// The line number at `position`, from 1.
    var line = 1
    /// The line on which the last record returned by ``nextRecord(into:)`` starts.
    var recordLine = 1

    /// Whether `byte` is a space or a tab that is not the delimiter.
    @inline(__always)
    func isBlank(_ byte: UInt8) -> Bool {
        (byte == 0x20 || byte == 0x09) && byte != delimiter
    }

    /// Reads the next non-blank record into `fields`; returns false at the end of the file.
    mutating func nextRecord(into fields: inout [CSVField]) throws(DataIOError) -> Bool {
        while position < count {
            fields.removeAll(keepingCapacity: true)
            recordLine = line
            try readRecord(into: &fields)
            if fields.count == 1 && !fields[0].quoted && isBlankRange(fields[0].start, fields[0].end) { continue }
            return true
        }
        return false
    }

    private func isBlankRange(_ start: Int, _ end: Int) -> Bool {
        var index = start
        while index < end {
            if !isBlank(base[index]) { return false }
            index += 1
        }
        return true
    }

    /// Reads cells up to and including the record's line end (or the end of the file).
    private mutating func readRecord(into fields: inout [CSVField]) throws(DataIOError) {
        while true {
            var field: CSVField
            if position < count && base[position] == UInt8(ascii: "\"") {
                field = try readQuoted(column: fields.count + 1)
            } else {
                let start = position
                while position < count {
                    let byte = base[position]
                    if byte == delimiter || byte == 10 || byte == 13 { break }
                    position += 1
                }
                field = CSVField(start: start, end: position, quoted: false, hasEscapedQuote: false)
            }
            // A line of millions of cells (a file of one line) grows the list by doubling: each doubling
            // is asked for first, so that a line too long for the memory is an error, not a trap.
            if fields.count == fields.capacity && fields.count >= 1 << 16 {
                try DataIOError.reserve(
                    2 * fields.count, of: MemoryLayout<CSVField>.stride,
                    for: "the cells of line \(recordLine) (more than \(fields.count))", file: file)
            }
            fields.append(field)
            if position >= count { return }
            let byte = base[position]
            position += 1
            if byte == delimiter { continue }
            if byte == 13 && position < count && base[position] == 10 { position += 1 }
            line += 1
            return
        }
    }

    /// Reads a quoted cell starting at the opening quote and stops at the byte after it (and trailing blanks).
    private mutating func readQuoted(column: Int) throws(DataIOError) -> CSVField {
        position += 1
        let start = position
        var hasEscapedQuote = false
        while true {
            guard position < count else { throw .malformedQuote(file: file, line: recordLine, column: column) }
            let byte = base[position]
            if byte == UInt8(ascii: "\"") {
                if position + 1 < count && base[position + 1] == UInt8(ascii: "\"") {
                    hasEscapedQuote = true
                    position += 2
                    continue
                }
                break
            }
            if byte == 10 || (byte == 13 && !(position + 1 < count && base[position + 1] == 10)) { line += 1 }
            position += 1
        }
        let end = position
        position += 1
        while position < count && isBlank(base[position]) { position += 1 }
        if position < count {
            let byte = base[position]
            guard byte == delimiter || byte == 10 || byte == 13 else {
                throw .malformedQuote(file: file, line: recordLine, column: column)
            }
        }
        return CSVField(start: start, end: end, quoted: true, hasEscapedQuote: hasEscapedQuote)
    }

    /// The cell's range without leading and trailing blanks.
    @inline(__always)
    func trimmed(_ field: CSVField) -> (start: Int, end: Int) {
        var start = field.start
        var end = field.end
        while start < end && isBlank(base[start]) { start += 1 }
        while end > start && isBlank(base[end - 1]) { end -= 1 }
        return (start, end)
    }

    /// The cell as a number, or nil when it is not one.
    @inline(__always)
    func number<Scalar: MatrixScalar>(_ field: CSVField, as type: Scalar.Type) -> Scalar? {
        if field.hasEscapedQuote { return nil }
        let (start, end) = trimmed(field)
        return parseScalar(base + start, count: end - start, as: type)
    }

    /// The cell's text (trimmed, with `""` unescaped).
    func text(_ field: CSVField) -> String {
        let (start, end) = trimmed(field)
        let raw = String(decoding: UnsafeBufferPointer(start: base + start, count: end - start), as: UTF8.self)
        return field.hasEscapedQuote ? raw.replacingOccurrencesOfDoubledQuotes() : raw
    }
}

extension String {
    /// The string with each `""` turned back into `"`.
    fileprivate func replacingOccurrencesOfDoubledQuotes() -> String {
        var result = ""
        var previousWasQuote = false
        for character in self {
            if character == "\"" && previousWasQuote {
                previousWasQuote = false
                continue
            }
            previousWasQuote = character == "\""
            result.append(character)
        }
        return result
    }
}

/// Reads a whole CSV file's bytes into a ``CSVDataset``.
internal struct CSVReader {
    let bytes: FileBytes
    let options: CSVReadOptions

    var file: String { bytes.file }

    func read<Scalar: MatrixScalar>(as type: Scalar.Type) throws(DataIOError) -> CSVDataset<Scalar> {
        let delimiter = try csvDelimiterByte(options.delimiter, file: file)
        guard bytes.count > 0, let raw = bytes.base else { throw .emptyFile(file: file) }
        let base = raw.assumingMemoryBound(to: UInt8.self)
        var start = 0
        if bytes.count >= 3 && base[0] == 0xEF && base[1] == 0xBB && base[2] == 0xBF { start = 3 }
        var scanner = CSVScanner(base: base, count: bytes.count, delimiter: delimiter, file: file, position: start)
        let beginning = scanner

        var fields: [CSVField] = []
        guard try scanner.nextRecord(into: &fields) else { throw .emptyFile(file: file) }
        let columnCount = fields.count
        let hasHeader = try scanner.isHeader(fields, options.header)
        let names: [String]? = hasHeader ? fields.map { scanner.text($0) } : nil
        if !hasHeader { scanner = beginning }

        let target = try options.targetColumn.map { column throws(DataIOError) in
            try resolve(column, names: names, columnCount: columnCount)
        }
        var featureIndices: [Int] = []
        if let featureColumns = options.featureColumns {
            for column in featureColumns {
                featureIndices.append(try resolve(column, names: names, columnCount: columnCount))
            }
        } else {
            featureIndices = (0..<columnCount).filter { $0 != target }
        }

        // Reserve once, from the number of line ends left (an upper bound on the data rows).
        var lineEnds = 0
        var cursor = scanner.position
        while cursor < bytes.count, let found = memchr(base + cursor, 10, bytes.count - cursor) {
            lineEnds += 1
            cursor = UnsafeRawPointer(found) - UnsafeRawPointer(base) + 1
        }
        let (cells, cellsOverflow) = (lineEnds + 1).multipliedReportingOverflow(by: featureIndices.count + 1)
        try DataIOError.reserve(
            cellsOverflow ? -1 : cells, of: MemoryLayout<Scalar>.stride,
            for: "\(lineEnds + 1) rows of \(featureIndices.count) values as \(Scalar.self)", file: file)
        var storage: [Scalar] = []
        storage.reserveCapacity((lineEnds + 1) * featureIndices.count)
        var targetValues: [Scalar] = []
        if target != nil { targetValues.reserveCapacity(lineEnds + 1) }

        var targetIsLabels: Bool? =
            switch options.targetKind {
            case .automatic: nil
            case .numeric: false
            case .classLabels: true
            }
        var labelIDs: [String: Int] = [:]
        var rowCount = 0
        while try scanner.nextRecord(into: &fields) {
            guard fields.count == columnCount else {
                throw .raggedRow(
                    file: file, line: scanner.recordLine, expectedColumns: columnCount, foundColumns: fields.count)
            }
            for index in featureIndices {
                guard let value = scanner.number(fields[index], as: Scalar.self) else {
                    throw nonNumeric(scanner, fields[index], column: index)
                }
                storage.append(value)
            }
            if let target {
                let cell = fields[target]
                if targetIsLabels == nil { targetIsLabels = scanner.number(cell, as: Double.self) == nil }
                if targetIsLabels == true {
                    let label = scanner.text(cell)
                    if label.allSatisfy(\.isWhitespace) {
                        throw .emptyLabel(file: file, line: scanner.recordLine, column: target + 1)
                    }
                    if let id = labelIDs[label] {
                        targetValues.append(Scalar(id))
                    } else {
                        targetValues.append(Scalar(labelIDs.count))
                        labelIDs[label] = labelIDs.count
                    }
                } else {
                    guard let value = scanner.number(cell, as: Scalar.self) else {
                        throw nonNumeric(scanner, cell, column: target)
                    }
                    targetValues.append(value)
                }
            }
            rowCount += 1
            if rowCount % 4096 == 0 { bytes.releasePages(before: scanner.position) }
        }
        guard rowCount > 0 else { throw hasHeader ? .headerOnly(file: file) : .emptyFile(file: file) }

        var labelEncoding: LabelEncoding?
        if targetIsLabels == true {
            // Renumber from first appearance to the encoding's sorted order.
            let encoding = LabelEncoding(fitting: labelIDs.keys)
            let namesByID = labelIDs.sorted { $0.value < $1.value }.map(\.key)
            let sortedIndexOfID = try! encoding.indices(of: namesByID).get()  // every name is in the encoding
            for index in targetValues.indices {
                targetValues[index] = Scalar(sortedIndexOfID[Int(targetValues[index])])
            }
            labelEncoding = encoding
        }
        return CSVDataset(
            features: Matrix(rows: rowCount, columns: featureIndices.count, scalars: storage),
            targets: target.map { _ in Matrix(rows: rowCount, columns: 1, scalars: targetValues) },
            labelEncoding: labelEncoding,
            featureNames: names.map { names in featureIndices.map { names[$0] } },
            targetName: target.flatMap { target in names?[target] })
    }

    /// The error for a cell that is not a number (columns counted from 1).
    private func nonNumeric(_ scanner: CSVScanner, _ field: CSVField, column: Int) -> DataIOError {
        var text = scanner.text(field)
        if text.count > 40 { text = String(text.prefix(40)) + "…" }
        return .nonNumericCell(file: file, line: scanner.recordLine, column: column + 1, text: text)
    }

    /// The zero-based position of `column`, or an error naming what the file offers.
    private func resolve(_ column: CSVColumn, names: [String]?, columnCount: Int) throws(DataIOError) -> Int {
        try resolveCSVColumn(column, names: names, columnCount: columnCount, file: file)
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    fileprivate func trimmingBlanks() -> String {
        let blanks: Set<Character> = [" ", "\t"]
        guard let first = firstIndex(where: { !blanks.contains($0) }) else { return "" }
        let last = lastIndex(where: { !blanks.contains($0) })!
        return String(self[first...last])
    }
}

/// The cells pandas reads as missing (its default `na_values`), compared after trimming spaces.
public let csvMissingMarkers: Set<String> = [
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA",
    "NULL", "NaN", "None", "n/a", "nan", "null",
]

/// A CSV file read column by column, with each column's kind decided from its cells, as pandas'
/// `read_csv` does: a column whose every cell is a number or a missing marker (``csvMissingMarkers``)
/// is numeric, with missing cells as nan; any other column is text, with missing cells as nil.
public struct CSVTable: Sendable {
    /// One column's cells.
    public enum Column: Sendable, Equatable {
        /// Numbers; nan marks a missing cell.
        case numbers([Double])
        /// Text cells (trimmed); nil marks a missing cell.
        case text([String?])

        /// Whether the column is numeric.
        public var isNumeric: Bool { if case .numbers = self { true } else { false } }
    }

    /// The header names, or nil when the file has no header row.
    public var names: [String]?
    /// The columns, in file order.
    public var columns: [Column]
    /// The line of the file on which each data row starts (from 1).
    public var lines: [Int]

    /// The number of data rows.
    public var rowCount: Int { lines.count }

    /// Creates a table from its parts.
    public init(names: [String]?, columns: [Column], lines: [Int]) {
        self.names = names
        self.columns = columns
        self.lines = lines
    }

    /// `'name'` when the file has a header, else `#index` (zero-based), as messages show a column.
    public func label(of column: Int) -> String {
        if let names { return "'\(names[column])'" }
        return "#\(column)"
    }

    /// The zero-based position of `column`, or an error naming what the file offers.
    public func resolve(_ column: CSVColumn, file: String) throws(DataIOError) -> Int {
        try resolveCSVColumn(column, names: names, columnCount: columns.count, file: file)
    }
}

/// Reads a CSV file (optionally gzip-compressed) into a ``CSVTable``: numeric and text columns, with
/// missing cells marked, for data that ``readCSV(from:as:options:)`` refuses (text features, empty
/// cells, `NA`). The header is detected as ``readCSV(from:as:options:)`` detects it.
///
/// - Throws: ``DataIOError``: ``DataIOError/emptyFile(file:)``, ``DataIOError/headerOnly(file:)``,
///   ``DataIOError/raggedRow(file:line:expectedColumns:foundColumns:)``,
///   ``DataIOError/malformedQuote(file:line:column:)``, and the gzip and file errors.
public func readCSVTable(
    from path: String, header: CSVHeader = .automatic, delimiter: Character = ","
) throws(DataIOError) -> CSVTable {
    let bytes = try FileBytes.loadText(path)
    return try withExtendedLifetime(bytes) { () throws(DataIOError) -> CSVTable in
        let file = bytes.file
        let delimiterByte = try csvDelimiterByte(delimiter, file: file)
        guard bytes.count > 0, let raw = bytes.base else { throw .emptyFile(file: file) }
        let base = raw.assumingMemoryBound(to: UInt8.self)
        var start = 0
        if bytes.count >= 3 && base[0] == 0xEF && base[1] == 0xBB && base[2] == 0xBF { start = 3 }
        var scanner = CSVScanner(base: base, count: bytes.count, delimiter: delimiterByte, file: file, position: start)
        let beginning = scanner
        var fields: [CSVField] = []
        guard try scanner.nextRecord(into: &fields) else { throw .emptyFile(file: file) }
        let columnCount = fields.count
        func isMissing(_ field: CSVField, _ scanner: CSVScanner) -> Bool {
            let (start, end) = scanner.trimmed(field)
            if end - start > 8 { return false }
            return csvMissingMarkers.contains(scanner.text(field))
        }
        let hasHeader = try scanner.isHeader(fields, header)
        let names: [String]? = hasHeader ? fields.map { scanner.text($0) } : nil
        if !hasHeader { scanner = beginning }
        let dataStart = scanner

        // First pass: which columns hold a cell that is neither a number nor a missing marker.
        var isText = [Bool](repeating: false, count: columnCount)
        var rowCount = 0
        while try scanner.nextRecord(into: &fields) {
            guard fields.count == columnCount else {
                throw .raggedRow(
                    file: file, line: scanner.recordLine, expectedColumns: columnCount, foundColumns: fields.count)
            }
            for column in 0..<columnCount where !isText[column] {
                if scanner.number(fields[column], as: Double.self) == nil && !isMissing(fields[column], scanner) {
                    isText[column] = true
                }
            }
            rowCount += 1
            if rowCount % 4096 == 0 { bytes.releasePages(before: scanner.position) }
        }
        guard rowCount > 0 else { throw hasHeader ? .headerOnly(file: file) : .emptyFile(file: file) }

        // Second pass: the values, whose memory is estimated first: a Double per numeric cell, an
        // optional string per text cell (and at most the file's bytes of text in them), a line number
        // per row, and an array's header per column.
        let textColumns = isText.lazy.filter { $0 }.count
        let perRow =
            (columnCount - textColumns) * MemoryLayout<Double>.stride
            + textColumns * MemoryLayout<String?>.stride + MemoryLayout<Int>.stride
        let (cellBytes, cellsOverflow) = rowCount.multipliedReportingOverflow(by: perRow)
        try DataIOError.reserve(
            cellsOverflow ? -1 : cellBytes + columnCount * 64 + (textColumns > 0 ? bytes.count : 0), of: 1,
            for: "a table of \(rowCount) rows and \(columnCount) columns", file: file)
        scanner = dataStart
        var numbers = (0..<columnCount).map { isText[$0] ? [Double]() : [Double](repeating: .nan, count: rowCount) }
        var texts = (0..<columnCount).map { isText[$0] ? [String?](repeating: nil, count: rowCount) : [String?]() }
        var lines = [Int](repeating: 0, count: rowCount)
        var row = 0
        while try scanner.nextRecord(into: &fields) {
            lines[row] = scanner.recordLine
            for column in 0..<columnCount {
                let field = fields[column]
                if isText[column] {
                    if !isMissing(field, scanner) { texts[column][row] = scanner.text(field) }
                } else if let value = scanner.number(field, as: Double.self) {
                    numbers[column][row] = value
                }
            }
            row += 1
            // The file's pages behind the scanner are parsed: with them given back, the table's peak
            // is its values, not the values and the whole file (#29 D9).
            if row % 4096 == 0 { bytes.releasePages(before: scanner.position) }
        }
        let columns: [CSVTable.Column] = (0..<columnCount).map { isText[$0] ? .text(texts[$0]) : .numbers(numbers[$0]) }
        return CSVTable(names: names, columns: columns, lines: lines)
    }
}

/// The zero-based position of `column` in a file of `columnCount` columns with header `names` (or
/// none), or an error naming what the file offers: a name needs a header and must appear in it once,
/// an index may count from the end (-1 is the last column).
func resolveCSVColumn(
    _ column: CSVColumn, names: [String]?, columnCount: Int, file: String
) throws(DataIOError) -> Int {
    switch column {
    case .name(let name):
        guard let names else {
            throw .invalidOption(
                file: file, reason: "column \(column) is chosen by name but the file has no header row")
        }
        let wanted = name.trimmingBlanks()
        guard let index = names.firstIndex(of: wanted) else {
            throw .invalidOption(
                file: file,
                reason: "no column named \(column); the header names \(names.map { "'\($0)'" }.joined(separator: ", "))"
            )
        }
        // A name the header gives twice does not say which column is meant.
        if let again = names[(index + 1)...].firstIndex(of: wanted) {
            throw .invalidOption(
                file: file,
                reason:
                    "the header names column \(column) twice (columns \(index + 1) and \(again + 1)); rename one, or choose it by index"
            )
        }
        return index
    case .index(let index):
        let resolved = index < 0 ? index + columnCount : index
        guard resolved >= 0 && resolved < columnCount else {
            throw .invalidOption(file: file, reason: "column index \(index) is out of range for \(columnCount) columns")
        }
        return resolved
    }
}
