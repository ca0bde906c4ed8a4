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

    /// Row `index` as a `(1, columns)` matrix.
    @inlinable
    public func row(_ index: Int) -> Matrix {
        checkPrecondition(
            index >= 0 && index < rowCount, "row(_:): row \(index) out of range for shape \(shapeDescription)")
        return Matrix(
            uncheckedRows: 1, columns: columnCount,
            storage: Array(storage[(index * columnCount)..<((index + 1) * columnCount)]))
    }

    /// Column `index` as a `(rows, 1)` matrix.
    @inlinable
    public func column(_ index: Int) -> Matrix {
        checkPrecondition(
            index >= 0 && index < columnCount, "column(_:): column \(index) out of range for shape \(shapeDescription)")
        return Matrix(
            uncheckedRows: rowCount, columns: 1,
            storage: (0..<rowCount).map { storage[$0 * columnCount + index] })
    }

    /// The rows in `range`, as a matrix (`matrix[a:b]`).
    @inlinable
    public func rows(_ range: Range<Int>) -> Matrix {
        checkPrecondition(
            range.lowerBound >= 0 && range.upperBound <= rowCount,
            "rows(_:): rows \(range) out of range for shape \(shapeDescription)")
        return Matrix(
            uncheckedRows: range.count, columns: columnCount,
            storage: Array(storage[(range.lowerBound * columnCount)..<(range.upperBound * columnCount)]))
    }

    /// The columns in `range`, as a matrix (`matrix[:, a:b]`).
    @inlinable
    public func columns(_ range: Range<Int>) -> Matrix {
        checkPrecondition(
            range.lowerBound >= 0 && range.upperBound <= columnCount,
            "columns(_:): columns \(range) out of range for shape \(shapeDescription)")
        var result: [Scalar] = []
        result.reserveCapacity(rowCount * range.count)
        for row in 0..<rowCount {
            result.append(
                contentsOf: storage[(row * columnCount + range.lowerBound)..<(row * columnCount + range.upperBound)])
        }
        return Matrix(uncheckedRows: rowCount, columns: range.count, storage: result)
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
