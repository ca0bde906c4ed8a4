extension Matrix {
    /// The matrix product `self · other` (`np.dot`), through BLAS's gemm (a direct loop for products of
    /// at most 512 multiply-adds), or gemv when `other` is a column.
    ///
    /// - Precondition: `self.columns == other.rows`; otherwise it traps naming both shapes.
    @inlinable
    public func dot(_ other: Matrix) -> Matrix {
        checkPrecondition(
            columnCount == other.rowCount,
            "dot: \(shapeDescription) · \(other.shapeDescription): \(columnCount) columns but \(other.rowCount) rows")
        // BLAS writes every element with beta = 0, so the result needs no zero fill.
        let count = rowCount * other.columnCount
        var result = Matrix(
            uncheckedRows: rowCount, columns: other.columnCount,
            storage: [Scalar](unsafeUninitializedCapacity: count) { _, initialized in initialized = count })
        if other.columnCount == 1 && rowCount > 1 {
            Matrix.multiplyVector(self, transposed: false, other, into: &result)
        } else {
            Matrix.multiply(self, other, into: &result)
        }
        return result
    }

    /// Writes `alpha · op(left) · op(right) + beta · destination` into `destination`: through BLAS's gemm,
    /// or a direct loop for products of at most 512 multiply-adds (the kernel
    /// `StridedView.multiply(_:transposed:_:transposed:alpha:beta:into:)`, which the trainer calls too).
    ///
    /// `op` transposes its operand when the matching flag is set; the transposed layout is read in
    /// place, so no transpose is ever materialized. With `beta` of 1 the product accumulates into
    /// `destination`; the trainer keeps momentum SGD's velocity this way, with `beta` equal to the
    /// momentum. `destination` must already have the product's shape; nothing is allocated when its
    /// storage is not shared.
    ///
    /// - Precondition: the inner dimensions agree and `destination` has the product's shape.
    @inlinable
    public static func multiply(
        _ left: Matrix, _ right: Matrix, into destination: inout Matrix,
        transposeLeft: Bool = false, transposeRight: Bool = false,
        alpha: Scalar = 1, beta: Scalar = 0
    ) {
        let m = transposeLeft ? left.columnCount : left.rowCount
        let k = transposeLeft ? left.rowCount : left.columnCount
        let rightRows = transposeRight ? right.columnCount : right.rowCount
        let n = transposeRight ? right.rowCount : right.columnCount
        if k != rightRows || destination.rowCount != m || destination.columnCount != n {
            productShapeFailure(left, right, destination, transposeLeft, transposeRight)
        }
        if m == 0 || n == 0 { return }
        if k == 0 {
            if beta == 0 { destination.fill(with: 0) } else { destination *= beta }
            return
        }
        left.withView { a in
            right.withView { b in
                destination.withMutableView { c in
                    StridedView.multiply(
                        a, transposed: transposeLeft, b, transposed: transposeRight, alpha: alpha, beta: beta, into: c)
                }
            }
        }
    }

    /// Writes `alpha · op(matrix) · vector + beta · destination` into `destination` through BLAS's gemv.
    ///
    /// `vector` and `destination` may be rows or columns; only their element counts matter.
    @inlinable
    public static func multiplyVector(
        _ matrix: Matrix, transposed: Bool = false, _ vector: Matrix, into destination: inout Matrix,
        alpha: Scalar = 1, beta: Scalar = 0
    ) {
        let outputCount = transposed ? matrix.columnCount : matrix.rowCount
        let inputCount = transposed ? matrix.rowCount : matrix.columnCount
        checkPrecondition(
            vector.isVector && vector.count == inputCount && destination.count == outputCount,
            "multiplyVector: \(transposed ? "transposed " : "")\(matrix.shapeDescription) · \(vector.shapeDescription) into \(destination.shapeDescription)"
        )
        if outputCount == 0 { return }
        if inputCount == 0 {
            if beta == 0 { destination.fill(with: 0) } else { destination *= beta }
            return
        }
        let m = matrix.rowCount, n = matrix.columnCount
        matrix.storage.withUnsafeBufferPointer { a in
            vector.storage.withUnsafeBufferPointer { x in
                destination.storage.withUnsafeMutableBufferPointer { y in
                    BLAS.gemv(
                        transposeA: transposed, m: m, n: n, alpha: alpha, a: a.baseAddress!, lda: n,
                        x: x.baseAddress!, incx: 1, beta: beta, y: y.baseAddress!, incy: 1)
                }
            }
        }
    }

    /// The outer product of two vectors (`np.outer`): element `(i, j)` is `self[i] · other[j]`,
    /// reading each operand's elements in row-major order whatever its shape.
    @inlinable
    public func outer(_ other: Matrix) -> Matrix {
        var result = Matrix.zeros(rows: count, columns: other.count)
        Matrix.multiply(
            reshaped(rows: count, columns: 1), other.reshaped(rows: 1, columns: other.count), into: &result)
        return result
    }

    @usableFromInline @inline(never)
    static func productShapeFailure(
        _ left: Matrix, _ right: Matrix, _ destination: Matrix, _ transposeLeft: Bool, _ transposeRight: Bool
    ) -> Never {
        let leftText = left.shapeDescription + (transposeLeft ? "ᵀ" : "")
        let rightText = right.shapeDescription + (transposeRight ? "ᵀ" : "")
        let k = transposeLeft ? left.rowCount : left.columnCount
        let rightRows = transposeRight ? right.columnCount : right.rowCount
        if k != rightRows {
            fatalError("multiply: \(leftText) · \(rightText): \(k) columns but \(rightRows) rows")
        }
        let m = transposeLeft ? left.columnCount : left.rowCount
        let n = transposeRight ? right.rowCount : right.columnCount
        fatalError(
            "multiply: \(leftText) · \(rightText) is (\(m), \(n)) but the destination is \(destination.shapeDescription)"
        )
    }
}
