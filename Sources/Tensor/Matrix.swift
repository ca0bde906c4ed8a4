/// A dense two-dimensional array of `Float` or `Double`, stored row-major, with value semantics.
///
/// `Matrix` is this package's counterpart of a two-dimensional numpy array. Copies share storage
/// until one of them is mutated (copy-on-write), so passing matrices around is cheap. Products run
/// on OpenBLAS (``dot(_:)``, ``multiply(_:_:into:transposeLeft:transposeRight:alpha:beta:)``; the
/// tiniest in a direct loop), elementwise arithmetic broadcasts a `(1, n)` row or an `(m, 1)` column
/// as numpy does, and reductions work over all elements or along an axis (0 or 1).
///
/// ```swift
/// let x: Matrix<Double> = [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]]
/// let w = Matrix<Double>.zeros(rows: 3, columns: 4)
/// let hidden = sigmoid(x.dot(w))
/// ```
///
/// Shape mismatches are programming errors and trap with a message naming the operation and both
/// shapes; anything that depends on outside data (files, LAPACK failures) throws instead.
@frozen
public struct Matrix<Scalar: MatrixScalar>: Sendable {
    /// The number of rows.
    @usableFromInline internal var rowCount: Int
    /// The number of columns.
    @usableFromInline internal var columnCount: Int
    /// The elements in row-major order; `storage.count == rowCount * columnCount` always.
    @usableFromInline internal var storage: [Scalar]

    /// Creates a matrix from its row-major elements without checking; the caller guarantees the count.
    @inlinable
    internal init(uncheckedRows rows: Int, columns: Int, storage: [Scalar]) {
        self.rowCount = rows
        self.columnCount = columns
        self.storage = storage
    }

    /// Creates a matrix of the given shape from its elements in row-major order.
    ///
    /// - Precondition: `scalars.count == rows * columns`, and neither dimension is negative.
    @inlinable
    public init(rows: Int, columns: Int, scalars: [Scalar]) {
        checkPrecondition(
            rows >= 0 && columns >= 0, "Matrix(rows:columns:scalars:): negative shape (\(rows), \(columns))")
        checkPrecondition(
            scalars.count == rows * columns,
            "Matrix(rows:columns:scalars:): \(scalars.count) scalars cannot fill shape (\(rows), \(columns))")
        self.init(uncheckedRows: rows, columns: columns, storage: scalars)
    }

    /// Creates a matrix of the given shape with every element equal to `value`.
    @inlinable
    public init(rows: Int, columns: Int, repeating value: Scalar) {
        checkPrecondition(
            rows >= 0 && columns >= 0, "Matrix(rows:columns:repeating:): negative shape (\(rows), \(columns))")
        self.init(uncheckedRows: rows, columns: columns, storage: Array(repeating: value, count: rows * columns))
    }

    /// Creates a matrix from nested rows, as `np.array([[1, 2], [3, 4]])` does.
    ///
    /// - Precondition: every row has the same length.
    @inlinable
    public init(_ nestedRows: [[Scalar]]) {
        let columns = nestedRows.first?.count ?? 0
        var storage: [Scalar] = []
        storage.reserveCapacity(nestedRows.count * columns)
        for (index, row) in nestedRows.enumerated() {
            checkPrecondition(
                row.count == columns,
                "Matrix([[...]]): row \(index) has \(row.count) elements but row 0 has \(columns)")
            storage.append(contentsOf: row)
        }
        self.init(uncheckedRows: nestedRows.count, columns: columns, storage: storage)
    }

    /// Creates a matrix of the given shape whose element at `(row, column)` is `element(row, column)`.
    @inlinable
    public init(rows: Int, columns: Int, element: (_ row: Int, _ column: Int) throws -> Scalar) rethrows {
        checkPrecondition(
            rows >= 0 && columns >= 0, "Matrix(rows:columns:element:): negative shape (\(rows), \(columns))")
        var storage: [Scalar] = []
        storage.reserveCapacity(rows * columns)
        for row in 0..<rows {
            for column in 0..<columns { storage.append(try element(row, column)) }
        }
        self.init(uncheckedRows: rows, columns: columns, storage: storage)
    }

    /// Converts a matrix of another precision, element by element (as numpy's `astype`).
    @inlinable
    public init<Other: MatrixScalar>(_ other: Matrix<Other>) {
        self.init(uncheckedRows: other.rowCount, columns: other.columnCount, storage: other.storage.map { Scalar($0) })
    }

    /// The number of rows.
    @inlinable public var rows: Int { rowCount }

    /// The number of columns.
    @inlinable public var columns: Int { columnCount }

    /// The shape as `(rows, columns)`, like numpy's `shape`.
    @inlinable public var shape: (rows: Int, columns: Int) { (rowCount, columnCount) }

    /// The number of elements, `rows * columns` (numpy's `size`).
    @inlinable public var count: Int { storage.count }

    /// Whether the matrix has no elements.
    @inlinable public var isEmpty: Bool { storage.isEmpty }

    /// The elements in row-major order (numpy's `ravel()`), as a new array sharing storage until mutated.
    @inlinable public var scalars: [Scalar] { storage }

    /// Whether the matrix is `(1, n)` or `(m, 1)`.
    @inlinable public var isVector: Bool { rowCount == 1 || columnCount == 1 }

    /// The element at `(row, column)`.
    ///
    /// - Precondition: `0 <= row < rows` and `0 <= column < columns`.
    @inlinable
    public subscript(row: Int, column: Int) -> Scalar {
        get {
            checkPrecondition(
                row >= 0 && row < rowCount && column >= 0 && column < columnCount,
                "Matrix subscript: index (\(row), \(column)) out of range for shape (\(rowCount), \(columnCount))")
            return storage[row * columnCount + column]
        }
        set {
            checkPrecondition(
                row >= 0 && row < rowCount && column >= 0 && column < columnCount,
                "Matrix subscript: index (\(row), \(column)) out of range for shape (\(rowCount), \(columnCount))")
            storage[row * columnCount + column] = newValue
        }
    }

    /// Calls `body` with a read-only view of the elements in row-major order.
    @inlinable
    public func withScalars<Result>(_ body: (Span<Scalar>) throws -> Result) rethrows -> Result {
        try body(storage.span)
    }

    /// Calls `body` with a mutable view of the elements in row-major order (the shape cannot change).
    @inlinable
    public mutating func withMutableScalars<Result>(_ body: (inout MutableSpan<Scalar>) throws -> Result) rethrows
        -> Result
    {
        var span = storage.mutableSpan
        return try body(&span)
    }

    /// Calls `body` with a pointer to the elements in row-major order, valid only inside `body`
    /// (like `Array.withUnsafeBufferPointer`): for handing a matrix to C or to raw-buffer kernels.
    @inlinable
    public func withUnsafeBufferPointer<Result, Failure: Error>(
        _ body: (UnsafeBufferPointer<Scalar>) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try storage.withUnsafeBufferPointer(body)
    }

    /// Calls `body` with a mutable pointer to the elements in row-major order, valid only inside
    /// `body`; storage shared with a copy is copied first, so other copies never change.
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<Result, Failure: Error>(
        _ body: (UnsafeMutableBufferPointer<Scalar>) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try storage.withUnsafeMutableBufferPointer {
            (buffer: inout UnsafeMutableBufferPointer<Scalar>) throws(Failure) -> Result in
            try body(buffer)
        }
    }

    /// A textual form of the shape, `(rows, columns)`, used in error messages.
    @inlinable
    public var shapeDescription: String { "(\(rowCount), \(columnCount))" }
}

extension Matrix: Equatable {
    /// Two matrices are equal when they have the same shape and equal elements (`nan` is never equal).
    @inlinable
    public static func == (lhs: Matrix, rhs: Matrix) -> Bool {
        guard lhs.rowCount == rhs.rowCount, lhs.columnCount == rhs.columnCount else { return false }
        for index in lhs.storage.indices where lhs.storage[index] != rhs.storage[index] { return false }
        return true
    }
}

extension Matrix: Codable {
    @usableFromInline
    enum CodingKeys: String, CodingKey {
        case rows, columns, values
    }

    /// Decodes `{"rows": m, "columns": n, "values": [[...], ...]}`, checking that the nested rows fit the shape.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let rows = try container.decode(Int.self, forKey: .rows)
        let columns = try container.decode(Int.self, forKey: .columns)
        let values = try container.decode([[Scalar]].self, forKey: .values)
        guard rows >= 0, columns >= 0, values.count == rows, values.allSatisfy({ $0.count == columns }) else {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: container.codingPath + [CodingKeys.values],
                    debugDescription: "values do not form the declared shape (\(rows), \(columns))"))
        }
        self.init(uncheckedRows: rows, columns: columns, storage: values.flatMap { $0 })
    }

    /// Encodes the shape and the elements as nested rows, readable by `np.array(json["values"])`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(rowCount, forKey: .rows)
        try container.encode(columnCount, forKey: .columns)
        try container.encode(nestedRows, forKey: .values)
    }

    /// The elements as an array of rows (numpy's `tolist()`).
    public var nestedRows: [[Scalar]] {
        (0..<rowCount).map { row in Array(storage[(row * columnCount)..<((row + 1) * columnCount)]) }
    }
}
