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
    /// or a direct loop for products of at most 512 multiply-adds.
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
        left.storage.withUnsafeBufferPointer { a in
            right.storage.withUnsafeBufferPointer { b in
                destination.storage.withUnsafeMutableBufferPointer { c in
                    multiply(
                        transposeLeft: transposeLeft, transposeRight: transposeRight, m: m, n: n, k: k, alpha: alpha,
                        a.baseAddress!, leftStride: left.columnCount, b.baseAddress!,
                        rightStride: right.columnCount, beta: beta, into: c.baseAddress!, destinationStride: n)
                }
            }
        }
    }

    /// `C = alpha · op(A) · op(B) + beta · C` on raw row-major buffers, for code that manages its own
    /// memory (the network trainer's workspaces): the same dispatch as
    /// ``multiply(_:_:into:transposeLeft:transposeRight:alpha:beta:)`` without a `Matrix` around each operand.
    ///
    /// `op(A)` is `m × k`, `op(B)` is `k × n` and `C` is `m × n`; each stride is the distance between
    /// rows of the operand as stored (its column count before any transpose). Products up to
    /// 512 multiply-adds (m·n·k) run in a direct loop, larger ones in BLAS's gemm.
    ///
    /// With `m` or `n` of 0 nothing is written; with `k` of 0, C becomes `beta · C` (zeros for beta 0).
    ///
    /// - Precondition: no dimension is negative and each buffer holds its operand; nothing is checked.
    @inlinable
    public static func multiply(
        transposeLeft: Bool, transposeRight: Bool, m: Int, n: Int, k: Int, alpha: Scalar,
        _ left: UnsafePointer<Scalar>, leftStride: Int, _ right: UnsafePointer<Scalar>, rightStride: Int,
        beta: Scalar, into destination: UnsafeMutablePointer<Scalar>, destinationStride: Int
    ) {
        if m <= 0 || n <= 0 { return }
        if k <= 0 {
            for i in 0..<m {
                let row = destination + i &* destinationStride
                for j in 0..<n { row[j] = beta == 0 ? 0 : beta * row[j] }
            }
            return
        }
        if m &* n &* k <= smallProductLimit {
            smallProduct(
                transposeLeft, transposeRight, m, n, k, alpha, left, leftStride, right, rightStride, beta,
                destination, destinationStride)
        } else {
            BLAS.gemm(
                transposeA: transposeLeft, transposeB: transposeRight, m: m, n: n, k: k,
                alpha: alpha, a: left, lda: leftStride, b: right, ldb: rightStride,
                beta: beta, c: destination, ldc: destinationStride)
        }
    }

    /// `destination += alpha · source` over `count` contiguous elements (BLAS's axpy), for code that
    /// manages its own memory: the trainer's parameter updates. Short vectors run in a direct loop;
    /// long ones in OpenBLAS, which vectorizes for the CPU at hand and splits very long ones across threads.
    @inlinable
    public static func addScaled(
        _ alpha: Scalar, _ source: UnsafePointer<Scalar>, to destination: UnsafeMutablePointer<Scalar>, count: Int
    ) {
        if count <= 4096 {
            for index in 0..<count { destination[index] += alpha * source[index] }
        } else {
            BLAS.axpy(count: count, alpha: alpha, x: source, y: destination)
        }
    }

    /// Products with at most this many multiply-adds (m·n·k) run in ``smallProduct``, a direct loop:
    /// below it the loop is faster than any BLAS call's dispatch on this package's machines (see
    /// BENCHMARKS.md), above it BLAS wins.
    @usableFromInline static var smallProductLimit: Int { 512 }

    /// `C = alpha · op(A) · op(B) + beta · C` as a plain loop, for products too small for BLAS to pay off.
    ///
    /// The inner loop runs along a row of `C` so that it vectorizes when `B` is not transposed.
    @inlinable
    static func smallProduct(
        _ transposeA: Bool, _ transposeB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Scalar,
        _ a: UnsafePointer<Scalar>, _ lda: Int, _ b: UnsafePointer<Scalar>, _ ldb: Int,
        _ beta: Scalar, _ c: UnsafeMutablePointer<Scalar>, _ ldc: Int
    ) {
        // Element (i, p) of op(A) is a[i·aRow + p·aColumn]; element (p, j) of op(B) is b[p·bRow + j·bColumn].
        // Each element of C is one dot product summed in order of p, with no zero fill: below, kept in a
        // register and written once; in the alpha 1 / beta 0 path, accumulated in C's row itself.
        let aRow = transposeA ? 1 : lda, aColumn = transposeA ? lda : 1
        if !transposeB && alpha == 1 && beta == 0 && n >= 2 {
            // The common case of a training step: C's row i is built as Σ_p A[i, p] · B's row p, so the
            // inner loop runs along contiguous rows of B and C and vectorizes. Each element still sums
            // its products in order of p, as below.
            for i in 0..<m {
                let row = c + i &* ldc, aStart = a + i &* aRow
                let first = aStart[0]
                for j in 0..<n { row[j] = first * b[j] }
                var p = 1
                while p < k {
                    let factor = aStart[p &* aColumn], bRowStart = b + p &* ldb
                    for j in 0..<n { row[j] += factor * bRowStart[j] }
                    p &+= 1
                }
            }
            return
        }
        let bRow = transposeB ? 1 : ldb, bColumn = transposeB ? ldb : 1
        for i in 0..<m {
            let row = c + i &* ldc, aStart = a + i &* aRow
            var j = 0
            // Four elements of the row at a time: each A element is loaded once for four products.
            while j &+ 4 <= n {
                let bStart = b + j &* bColumn
                var total0: Scalar = 0, total1: Scalar = 0, total2: Scalar = 0, total3: Scalar = 0
                for p in 0..<k {
                    let factor = aStart[p &* aColumn], bRowStart = bStart + p &* bRow
                    total0 += factor * bRowStart[0]
                    total1 += factor * bRowStart[bColumn]
                    total2 += factor * bRowStart[2 &* bColumn]
                    total3 += factor * bRowStart[3 &* bColumn]
                }
                if beta == 0 {
                    row[j] = alpha * total0
                    row[j &+ 1] = alpha * total1
                    row[j &+ 2] = alpha * total2
                    row[j &+ 3] = alpha * total3
                } else {
                    row[j] = beta * row[j] + alpha * total0
                    row[j &+ 1] = beta * row[j &+ 1] + alpha * total1
                    row[j &+ 2] = beta * row[j &+ 2] + alpha * total2
                    row[j &+ 3] = beta * row[j &+ 3] + alpha * total3
                }
                j &+= 4
            }
            while j < n {
                let bStart = b + j &* bColumn
                var total: Scalar = 0
                for p in 0..<k { total += aStart[p &* aColumn] * bStart[p &* bRow] }
                row[j] = beta == 0 ? alpha * total : beta * row[j] + alpha * total
                j &+= 1
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
            "multiplyVector: \(transposed ? "transposed " : "")\(matrix.shapeDescription) · \(vector.shapeDescription) into \(destination.shapeDescription)")
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
        fatalError("multiply: \(leftText) · \(rightText) is (\(m), \(n)) but the destination is \(destination.shapeDescription)")
    }
}
