extension Matrix {
    /// The same elements in a new shape, in row-major order (`reshape`).
    ///
    /// - Precondition: `rows * columns == count`.
    @inlinable
    public func reshaped(rows: Int, columns: Int) -> Matrix {
        checkPrecondition(
            rows >= 0 && columns >= 0 && rows * columns == count,
            "reshaped: cannot reshape \(shapeDescription) (\(count) elements) to (\(rows), \(columns))")
        return Matrix(uncheckedRows: rows, columns: columns, storage: storage)
    }

    /// The transpose (numpy's `.T`), as a new matrix.
    ///
    /// Products never need it: ``multiply(_:_:into:transposeLeft:transposeRight:alpha:beta:)`` takes
    /// transpose flags that BLAS applies without copying.
    @inlinable
    public func transposed() -> Matrix {
        let rows = rowCount, columns = columnCount
        if rows == 1 || columns == 1 { return Matrix(uncheckedRows: columns, columns: rows, storage: storage) }
        let result = [Scalar](unsafeUninitializedCapacity: count) { buffer, initialized in
            storage.withUnsafeBufferPointer { source in
                // Blocked so that both the reads and the writes stay within cache lines.
                let block = 32
                for rowStart in stride(from: 0, to: rows, by: block) {
                    for columnStart in stride(from: 0, to: columns, by: block) {
                        for row in rowStart..<Swift.min(rowStart + block, rows) {
                            for column in columnStart..<Swift.min(columnStart + block, columns) {
                                buffer[column * rows + row] = source[row * columns + column]
                            }
                        }
                    }
                }
            }
            initialized = rows * columns
        }
        return Matrix(uncheckedRows: columns, columns: rows, storage: result)
    }

    /// Row `index` as a `(1, columns)` matrix (numpy's `a[index:index + 1, :]`).
    ///
    /// The same as ``subscript(row:)``.
    ///
    /// - Parameter index: the row, from 0 to `rows - 1`; negative indices do not count from the end.
    /// - Returns: a new `(1, columns)` matrix.
    /// - Precondition: `0 <= index < rows`.
    @inlinable
    public func row(_ index: Int) -> Matrix {
        checkPrecondition(
            index >= 0 && index < rowCount, "row(_:): row \(index) out of range for shape \(shapeDescription)")
        return block(rows: index..<(index + 1), columns: 0..<columnCount)
    }

    /// Column `index` as a `(rows, 1)` matrix (numpy's `a[:, index:index + 1]`).
    ///
    /// The same as ``subscript(column:)``.
    ///
    /// - Parameter index: the column, from 0 to `columns - 1`; negative indices do not count from the end.
    /// - Returns: a new `(rows, 1)` matrix.
    /// - Precondition: `0 <= index < columns`.
    @inlinable
    public func column(_ index: Int) -> Matrix {
        checkPrecondition(
            index >= 0 && index < columnCount, "column(_:): column \(index) out of range for shape \(shapeDescription)")
        return block(rows: 0..<rowCount, columns: index..<(index + 1))
    }

    /// The rows in `range`, as a matrix (numpy's `a[start:end]`).
    ///
    /// Any range form works: `a.rows(1..<3)`, `a.rows(1...2)`, `a.rows(1...)`, `a.rows(..<2)`.
    ///
    /// - Parameter range: rows within `0..<rows`; an empty range gives a `(0, columns)` matrix.
    /// - Returns: a new `(range.count, columns)` matrix.
    /// - Precondition: the range lies within `0..<rows` (numpy clips it; here it is a programming error).
    @inlinable
    public func rows<Rows: RangeExpression>(_ range: Rows) -> Matrix where Rows.Bound == Int {
        let rows = Matrix.resolve(range, count: rowCount, "rows(_:)", "rows", shapeDescription)
        return block(rows: rows, columns: 0..<columnCount)
    }

    /// The columns in `range`, as a matrix (numpy's `a[:, start:end]`).
    ///
    /// Any range form works, as for ``rows(_:)``.
    ///
    /// - Parameter range: columns within `0..<columns`; an empty range gives a `(rows, 0)` matrix.
    /// - Returns: a new `(rows, range.count)` matrix.
    /// - Precondition: the range lies within `0..<columns`.
    @inlinable
    public func columns<Columns: RangeExpression>(_ range: Columns) -> Matrix where Columns.Bound == Int {
        let columns = Matrix.resolve(range, count: columnCount, "columns(_:)", "columns", shapeDescription)
        return block(rows: 0..<rowCount, columns: columns)
    }

    /// The rows at `indices`, in that order (numpy's `matrix[indices]`, fancy indexing of rows).
    @inlinable
    public func rows<Indices: Collection>(at indices: Indices) -> Matrix where Indices.Element == Int {
        var result = Matrix.zeros(rows: indices.count, columns: columnCount)
        gatherRows(at: indices, into: &result)
        return result
    }

    /// Copies the rows at `indices` into `destination`, whose shape must be `(indices.count, columns)`.
    ///
    /// This is how a trainer fills a mini-batch without allocating.
    @inlinable
    public func gatherRows<Indices: Collection>(at indices: Indices, into destination: inout Matrix)
    where Indices.Element == Int {
        checkPrecondition(
            destination.rowCount == indices.count && destination.columnCount == columnCount,
            "gatherRows: \(indices.count) rows of \(shapeDescription) do not fit destination \(destination.shapeDescription)"
        )
        let columns = columnCount, rows = rowCount
        storage.withUnsafeBufferPointer { source in
            destination.storage.withUnsafeMutableBufferPointer { target in
                var offset = 0
                for index in indices {
                    checkPrecondition(
                        index >= 0 && index < rows, "gatherRows: row \(index) out of range for \(rows) rows")
                    let start = index &* columns
                    for column in 0..<columns { target[offset &+ column] = source[start &+ column] }
                    offset &+= columns
                }
            }
        }
    }

    /// The matrices side by side (`np.hstack`); all must have the same number of rows.
    @inlinable
    public static func concatenatedHorizontally(_ matrices: [Matrix]) -> Matrix {
        guard let first = matrices.first else { return Matrix.zeros(rows: 0, columns: 0) }
        for matrix in matrices where matrix.rowCount != first.rowCount {
            failPrecondition(
                "concatenatedHorizontally: \(first.shapeDescription) and \(matrix.shapeDescription) have different row counts"
            )
        }
        let columns = matrices.reduce(0) { $0 + $1.columnCount }
        var result: [Scalar] = []
        result.reserveCapacity(first.rowCount * columns)
        for row in 0..<first.rowCount {
            for matrix in matrices {
                result.append(contentsOf: matrix.storage[(row * matrix.columnCount)..<((row + 1) * matrix.columnCount)])
            }
        }
        return Matrix(uncheckedRows: first.rowCount, columns: columns, storage: result)
    }

    /// The matrices stacked top to bottom (`np.vstack`); all must have the same number of columns.
    @inlinable
    public static func concatenatedVertically(_ matrices: [Matrix]) -> Matrix {
        guard let first = matrices.first else { return Matrix.zeros(rows: 0, columns: 0) }
        for matrix in matrices where matrix.columnCount != first.columnCount {
            failPrecondition(
                "concatenatedVertically: \(first.shapeDescription) and \(matrix.shapeDescription) have different column counts"
            )
        }
        var result: [Scalar] = []
        result.reserveCapacity(matrices.reduce(0) { $0 + $1.count })
        for matrix in matrices { result.append(contentsOf: matrix.storage) }
        return Matrix(
            uncheckedRows: matrices.reduce(0) { $0 + $1.rowCount }, columns: first.columnCount, storage: result)
    }

    /// This matrix with `other` to its right (`np.hstack([self, other])`).
    @inlinable
    public func appendingColumns(_ other: Matrix) -> Matrix { .concatenatedHorizontally([self, other]) }

    /// This matrix with `other` below it (`np.vstack([self, other])`).
    @inlinable
    public func appendingRows(_ other: Matrix) -> Matrix { .concatenatedVertically([self, other]) }
}

// MARK: Slicing with ranges, numpy's a[r0:r1, c0:c1]
//
// Every slice is a new matrix (value semantics: there are no views), and always two-dimensional: where
// numpy's `a[0:2, 1]` drops the indexed axis and returns a 1-D array, `a[0..<2, 1]` returns the `(2, 1)`
// column that numpy spells `a[0:2, 1:2]`, and `a[1, 0..<2]` the `(1, 2)` row. An index or a range
// outside the matrix is a programming error and traps, naming the operation and the shape; numpy clips
// slices instead. Negative indices do not count from the end (Swift's collections never do, and a
// computed index that went negative should stop the program rather than select the last row): write
// `a[row: a.rows - 1]` for numpy's `a[-1]`.

extension Matrix {
    /// The positions `range` selects among `0..<count`, or a trap naming `operation`, `axis` and `shape`.
    ///
    /// The five standard range forms are read before any `relative(to:)`, which would trap on inverted
    /// bounds with a message that names neither the operation nor the shape.
    @inlinable
    internal static func resolve<Positions: RangeExpression>(
        _ range: Positions, count: Int, _ operation: StaticString, _ axis: StaticString,
        _ shape: @autoclosure () -> String
    ) -> Range<Int> where Positions.Bound == Int {
        let lower: Int
        let upper: Int
        if let range = range as? Range<Int> {
            (lower, upper) = (range.lowerBound, range.upperBound)
        } else if let range = range as? ClosedRange<Int> {
            (lower, upper) = (range.lowerBound, range.upperBound &+ 1)
        } else if let range = range as? PartialRangeFrom<Int> {
            (lower, upper) = (range.lowerBound, count)
        } else if let range = range as? PartialRangeUpTo<Int> {
            (lower, upper) = (0, range.upperBound)
        } else if let range = range as? PartialRangeThrough<Int> {
            (lower, upper) = (0, range.upperBound &+ 1)
        } else {
            let positions = range.relative(to: 0..<count)
            (lower, upper) = (positions.lowerBound, positions.upperBound)
        }
        if lower < 0 || lower > upper || upper > count {
            rangeFailure(operation, axis, describe(range), shape())
        }
        return lower..<upper
    }

    /// The position `index` among `0..<count` as a one-element range, or a trap naming `operation`,
    /// `axis` and `shape`.
    @inlinable @inline(__always)
    internal static func resolve(
        _ index: Int, count: Int, _ operation: StaticString, _ axis: StaticString, _ shape: @autoclosure () -> String
    ) -> Range<Int> {
        if index < 0 || index >= count { rangeFailure(operation, axis, String(index), shape()) }
        return index..<(index + 1)
    }

    /// A range as the user wrote it (`1...`, `..<2`, `0...3`), for error messages.
    @usableFromInline
    internal static func describe<Positions: RangeExpression>(_ range: Positions) -> String
    where Positions.Bound == Int {
        if let range = range as? PartialRangeFrom<Int> { return "\(range.lowerBound)..." }
        if let range = range as? PartialRangeUpTo<Int> { return "..<\(range.upperBound)" }
        if let range = range as? PartialRangeThrough<Int> { return "...\(range.upperBound)" }
        return "\(range)"
    }

    @usableFromInline @inline(never)
    internal static func rangeFailure(
        _ operation: StaticString, _ axis: StaticString, _ positions: String, _ shape: String
    ) -> Never {
        let negative = positions.contains("-") ? " (negative indices do not count from the end)" : ""
        failPrecondition("\(operation): \(axis) \(positions) out of range for shape \(shape)\(negative)")
    }

    /// The elements in `rows` × `columns` as a new matrix; both ranges are already checked.
    @inlinable
    internal func block(rows: Range<Int>, columns: Range<Int>) -> Matrix {
        let width = columns.count, stride = columnCount
        if width == stride {
            return Matrix(
                uncheckedRows: rows.count, columns: width,
                storage: Array(storage[(rows.lowerBound * stride)..<(rows.upperBound * stride)]))
        }
        var result: [Scalar] = []
        result.reserveCapacity(rows.count * width)
        for row in rows {
            result.append(
                contentsOf: storage[(row * stride + columns.lowerBound)..<(row * stride + columns.upperBound)])
        }
        return Matrix(uncheckedRows: rows.count, columns: width, storage: result)
    }

    /// Writes `newValue`, broadcast to the block's shape as ``combine(with:_:_:)`` broadcasts, into
    /// `rows` × `columns`; both ranges are already checked.
    @inlinable
    internal mutating func replaceBlock(
        rows: Range<Int>, columns: Range<Int>, with newValue: Matrix, _ operation: StaticString
    ) {
        let height = rows.count, width = columns.count, stride = columnCount
        var values = newValue
        if newValue.rowCount != height || newValue.columnCount != width {
            values = Matrix(uncheckedRows: height, columns: width, storage: Array(repeating: 0, count: height * width))
            values.combine(with: newValue, operation) { $1 }
        }
        values.storage.withUnsafeBufferPointer { source in
            storage.withUnsafeMutableBufferPointer { target in
                for (offset, row) in rows.enumerated() {
                    let targetStart = row &* stride &+ columns.lowerBound, sourceStart = offset &* width
                    for column in 0..<width { target[targetStart &+ column] = source[sourceStart &+ column] }
                }
            }
        }
    }

    /// The block of rows `rows` and columns `columns` (numpy's `a[r0:r1, c0:c1]`), as a new matrix.
    ///
    /// Both ranges may take any form: `a[0..<2, 1...]`, `a[...1, ..<2]`, `a[1...2, 0...0]`; an
    /// empty range gives a matrix with no rows or no columns. Pass `...` for every row or every column
    /// (`a[..., 1..<3]`), and an integer for one (`a[0..<2, 1]`).
    ///
    /// Setting writes the new value into the block, broadcast as the elementwise operators broadcast:
    /// the block's own shape, a `(1, n)` row, an `(m, 1)` column or a `(1, 1)` matrix
    /// (`a[0..<2, 1...] = [[0]]` zeros the block).
    ///
    /// - Parameters:
    ///   - rows: the rows, within `0..<rows`.
    ///   - columns: the columns, within `0..<columns`.
    /// - Precondition: both ranges lie within the matrix (numpy clips them; here it is a programming
    ///   error), and a new value broadcasts to the block's shape.
    @inlinable
    public subscript<Rows: RangeExpression, Columns: RangeExpression>(rows: Rows, columns: Columns) -> Matrix
    where Rows.Bound == Int, Columns.Bound == Int {
        get {
            block(
                rows: Matrix.resolve(
                    rows, count: rowCount, "Matrix subscript [rows, columns]", "rows", shapeDescription),
                columns: Matrix.resolve(
                    columns, count: columnCount, "Matrix subscript [rows, columns]", "columns", shapeDescription))
        }
        set {
            replaceBlock(
                rows: Matrix.resolve(
                    rows, count: rowCount, "Matrix subscript [rows, columns]", "rows", shapeDescription),
                columns: Matrix.resolve(
                    columns, count: columnCount, "Matrix subscript [rows, columns]", "columns", shapeDescription),
                with: newValue, "Matrix subscript [rows, columns]")
        }
    }

    /// Column `column` of the rows `rows`, as a `(rows.count, 1)` matrix: numpy's `a[r0:r1, column]`
    /// with the column axis kept (numpy's `a[r0:r1, column:column + 1]`).
    ///
    /// Setting writes a `(rows.count, 1)` column, or a `(1, 1)` matrix broadcast down it.
    ///
    /// - Parameters:
    ///   - rows: the rows, within `0..<rows`.
    ///   - column: the column, within `0..<columns`.
    /// - Precondition: `rows` and `column` lie within the matrix.
    @inlinable
    public subscript<Rows: RangeExpression>(rows: Rows, column: Int) -> Matrix where Rows.Bound == Int {
        get {
            block(
                rows: Matrix.resolve(
                    rows, count: rowCount, "Matrix subscript [rows, column]", "rows", shapeDescription),
                columns: Matrix.resolve(
                    column, count: columnCount, "Matrix subscript [rows, column]", "column", shapeDescription))
        }
        set {
            replaceBlock(
                rows: Matrix.resolve(
                    rows, count: rowCount, "Matrix subscript [rows, column]", "rows", shapeDescription),
                columns: Matrix.resolve(
                    column, count: columnCount, "Matrix subscript [rows, column]", "column", shapeDescription),
                with: newValue, "Matrix subscript [rows, column]")
        }
    }

    /// The columns `columns` of row `row`, as a `(1, columns.count)` matrix: numpy's `a[row, c0:c1]`
    /// with the row axis kept (numpy's `a[row:row + 1, c0:c1]`).
    ///
    /// Setting writes a `(1, columns.count)` row, or a `(1, 1)` matrix broadcast along it.
    ///
    /// - Parameters:
    ///   - row: the row, within `0..<rows`.
    ///   - columns: the columns, within `0..<columns`.
    /// - Precondition: `row` and `columns` lie within the matrix.
    @inlinable
    public subscript<Columns: RangeExpression>(row: Int, columns: Columns) -> Matrix where Columns.Bound == Int {
        get {
            block(
                rows: Matrix.resolve(row, count: rowCount, "Matrix subscript [row, columns]", "row", shapeDescription),
                columns: Matrix.resolve(
                    columns, count: columnCount, "Matrix subscript [row, columns]", "columns", shapeDescription))
        }
        set {
            replaceBlock(
                rows: Matrix.resolve(row, count: rowCount, "Matrix subscript [row, columns]", "row", shapeDescription),
                columns: Matrix.resolve(
                    columns, count: columnCount, "Matrix subscript [row, columns]", "columns", shapeDescription),
                with: newValue, "Matrix subscript [row, columns]")
        }
    }

    /// The columns `columns` of every row (numpy's `a[:, c0:c1]`), as a new matrix.
    ///
    /// - Parameters:
    ///   - allRows: `...`, every row.
    ///   - columns: the columns, within `0..<columns`.
    /// - Precondition: `columns` lies within the matrix; a new value broadcasts to the block's shape.
    @inlinable
    public subscript<Columns: RangeExpression>(allRows: UnboundedRange, columns: Columns) -> Matrix
    where Columns.Bound == Int {
        get { self[0..., columns] }
        set { self[0..., columns] = newValue }
    }

    /// The rows `rows` with every column (numpy's `a[r0:r1, :]`), as a new matrix.
    ///
    /// - Parameters:
    ///   - rows: the rows, within `0..<rows`.
    ///   - allColumns: `...`, every column.
    /// - Precondition: `rows` lies within the matrix; a new value broadcasts to the block's shape.
    @inlinable
    public subscript<Rows: RangeExpression>(rows: Rows, allColumns: UnboundedRange) -> Matrix
    where Rows.Bound == Int {
        get { self[rows, 0...] }
        set { self[rows, 0...] = newValue }
    }

    /// The whole matrix (numpy's `a[:, :]`); setting it broadcasts the new value over every element
    /// (`a[..., ...] = [[0]]`, numpy's `a[:, :] = 0`).
    ///
    /// - Parameters:
    ///   - allRows: `...`, every row.
    ///   - allColumns: `...`, every column.
    /// - Precondition: a new value broadcasts to this matrix's shape.
    @inlinable
    public subscript(allRows: UnboundedRange, allColumns: UnboundedRange) -> Matrix {
        get { self }
        set { self[0..., 0...] = newValue }
    }

    /// Column `column` of every row (numpy's `a[:, column]`), as a `(rows, 1)` matrix; the same as
    /// ``subscript(column:)``.
    ///
    /// - Parameters:
    ///   - allRows: `...`, every row.
    ///   - column: the column, within `0..<columns`.
    /// - Precondition: `column` lies within the matrix; a new value broadcasts to `(rows, 1)`.
    @inlinable
    public subscript(allRows: UnboundedRange, column: Int) -> Matrix {
        get { self[column: column] }
        set { self[column: column] = newValue }
    }

    /// Row `row` (numpy's `a[row, :]`), as a `(1, columns)` matrix; the same as ``subscript(row:)``.
    ///
    /// - Parameters:
    ///   - row: the row, within `0..<rows`.
    ///   - allColumns: `...`, every column.
    /// - Precondition: `row` lies within the matrix; a new value broadcasts to `(1, columns)`.
    @inlinable
    public subscript(row: Int, allColumns: UnboundedRange) -> Matrix {
        get { self[row: row] }
        set { self[row: row] = newValue }
    }

    /// Row `row` as a `(1, columns)` matrix (numpy's `a[row]`, with the row axis kept).
    ///
    /// Setting writes a `(1, columns)` row, or a `(1, 1)` matrix broadcast along it:
    /// `a[row: 0] = [[1, 2, 3]]`. Negative indices do not count from the end; numpy's `a[-1]` is
    /// `a[row: a.rows - 1]`.
    ///
    /// - Parameter row: the row, within `0..<rows`.
    /// - Precondition: `0 <= row < rows`.
    @inlinable
    public subscript(row row: Int) -> Matrix {
        get {
            block(
                rows: Matrix.resolve(row, count: rowCount, "Matrix subscript [row:]", "row", shapeDescription),
                columns: 0..<columnCount)
        }
        set {
            replaceBlock(
                rows: Matrix.resolve(row, count: rowCount, "Matrix subscript [row:]", "row", shapeDescription),
                columns: 0..<columnCount, with: newValue, "Matrix subscript [row:]")
        }
    }

    /// Column `column` as a `(rows, 1)` matrix (numpy's `a[:, column]`, with the column axis kept).
    ///
    /// Setting writes a `(rows, 1)` column, or a `(1, 1)` matrix broadcast down it. Negative indices
    /// do not count from the end.
    ///
    /// - Parameter column: the column, within `0..<columns`.
    /// - Precondition: `0 <= column < columns`.
    @inlinable
    public subscript(column column: Int) -> Matrix {
        get {
            block(
                rows: 0..<rowCount,
                columns: Matrix.resolve(
                    column, count: columnCount, "Matrix subscript [column:]", "column", shapeDescription))
        }
        set {
            replaceBlock(
                rows: 0..<rowCount,
                columns: Matrix.resolve(
                    column, count: columnCount, "Matrix subscript [column:]", "column", shapeDescription),
                with: newValue, "Matrix subscript [column:]")
        }
    }
}
