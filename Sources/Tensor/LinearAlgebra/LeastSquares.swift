// Least-squares solutions (gelsd) and the Moore-Penrose pseudo-inverse (through the SVD).

/// The minimum-norm least-squares solution of `a · x ≈ b`, as `numpy.linalg.lstsq` (LAPACK `gelsd`).
///
/// Singular values of `a` at most `rcond · s_max` are treated as zero; `rcond` defaults to
/// `eps · max(m, n)` with the machine epsilon of `Scalar`.
///
/// `Float` differs from numpy by design: this package runs `Float` linear algebra in single
/// precision (LAPACK's `s` routines), while numpy computes `float32` input in `float64` and rounds
/// the result. So for `Float`:
/// - the default cutoff uses `Float`'s epsilon (1.2e-7), numpy's uses `Double`'s (2.2e-16): on
///   rank-deficient input the rank can differ widely (67 here against numpy's 200 on a 200-column
///   matrix whose small singular values are rounding noise), and with it the solution and whether
///   `residuals` is empty (numpy returns residuals when it counts full rank). To reproduce numpy,
///   convert to `Matrix<Double>` and convert the solution back, or pass
///   `rcond: Float(Double.ulpOfOne) * Float(max(m, n))`;
/// - results carry `Float` rounding (about 1e-6 relative), numpy's `float32` results about 1e-7.
///
/// - Parameters:
///   - a: The `(m, n)` coefficient matrix, of any shape and rank.
///   - b: The `(m, k)` right-hand sides, one per column.
///   - rcond: The relative cutoff for small singular values, or `nil` for numpy's default.
/// - Returns: `solution`, `(n, k)`; `residuals`, the `k` squared Euclidean norms of `b - a · x` per column,
///   but empty (as numpy's) unless `rank == n` and `m > n`; `rank`, the effective rank of `a`; and
///   `singularValues`, the `min(m, n)` singular values of `a` in descending order.
/// - Throws: ``LinearAlgebraError/noConvergence(function:info:)`` when the SVD fails,
///   ``LinearAlgebraError/nonFiniteInput(function:)`` when `a` or `b` holds an infinity or nan.
/// - Precondition: `b` has as many rows as `a`.
@inlinable
public func leastSquares<Scalar: MatrixScalar>(
    _ a: Matrix<Scalar>, _ b: Matrix<Scalar>, rcond: Scalar? = nil
) throws(LinearAlgebraError) -> (solution: Matrix<Scalar>, residuals: [Scalar], rank: Int, singularValues: [Scalar]) {
    checkPrecondition(
        b.rowCount == a.rowCount,
        "leastSquares(_:_:rcond:): a \(a.shapeDescription) and b \(b.shapeDescription): b needs \(a.rowCount) rows")
    try a.requireFinite("leastSquares(_:_:rcond:)")
    try b.requireFinite("leastSquares(_:_:rcond:)")
    let m = a.rowCount, n = a.columnCount, rightHandSides = b.columnCount
    let cutoff = rcond ?? Scalar.ulpOfOne * Scalar(Swift.max(m, n))
    if m == 0 || n == 0 || rightHandSides == 0 {
        let residuals =
            m > n && n == 0
            ? (0..<rightHandSides).map { column in
                (0..<m).reduce(Scalar(0)) {
                    $0 + b.storage[$1 * rightHandSides + column] * b.storage[$1 * rightHandSides + column]
                }
            } : []
        return (
            Matrix.zeros(rows: n, columns: rightHandSides), residuals, 0, [Scalar](repeating: 0, count: Swift.min(m, n))
        )
    }
    let leading = Swift.max(m, n)
    // Column-major copies: A (m, n) with leading dimension m, and B padded to (max(m, n), k).
    var work = a.transposed().storage
    var solution = [Scalar](repeating: 0, count: leading * rightHandSides)
    for row in 0..<m {
        for column in 0..<rightHandSides { solution[column * leading + row] = b.storage[row * rightHandSides + column] }
    }
    var values = [Scalar](repeating: 0, count: Swift.min(m, n))
    var rank = 0
    let info = work.withUnsafeMutableBufferPointer { work in
        solution.withUnsafeMutableBufferPointer { solution in
            LAPACK.gelsd(
                m: m, n: n, nrhs: rightHandSides, a: work.baseAddress!, lda: m, b: solution.baseAddress!,
                ldb: leading, s: &values, rcond: cutoff, rank: &rank)
        }
    }
    try checkLAPACK(info, "leastSquares(_:_:rcond:)", failure: LinearAlgebraError.noConvergence)
    var x = Matrix<Scalar>.zeros(rows: n, columns: rightHandSides)
    for row in 0..<n {
        for column in 0..<rightHandSides { x.storage[row * rightHandSides + column] = solution[column * leading + row] }
    }
    var residuals: [Scalar] = []
    if rank == n && m > n {
        // Rows n..<m of the transformed right-hand side hold the residual's components.
        residuals = (0..<rightHandSides).map { column in
            var total: Scalar = 0
            for row in n..<m {
                let value = solution[column * leading + row]
                total += value * value
            }
            return total
        }
    }
    return (x, residuals, rank, values)
}

extension Matrix {
    /// The Moore-Penrose pseudo-inverse, as `numpy.linalg.pinv`: `V · diag(1/s) · Uᵀ` from the reduced SVD,
    /// where singular values at most `rcond · s_max` count as zero.
    ///
    /// - Parameter rcond: The relative cutoff for small singular values, or `nil` for `max(m, n) · eps`
    ///   with the machine epsilon of `Scalar` (numpy's `pinv(a, rtol=None)`, as ``rank(tolerance:)`` uses).
    ///   numpy's legacy default, `rcond=1e-15`, lies below `Float`'s resolution and would invert rounding
    ///   noise; pass `1e-15` to reproduce it for `Double`.
    /// - Returns: An `(n, m)` matrix for an `(m, n)` one; `self · p · self ≈ self` and `p · self · p ≈ p`.
    /// - Throws: ``LinearAlgebraError/noConvergence(function:info:)`` when the SVD fails,
    ///   ``LinearAlgebraError/nonFiniteInput(function:)`` when the matrix holds an infinity or nan.
    @inlinable
    public func pseudoInverse(rcond: Scalar? = nil) throws(LinearAlgebraError) -> Matrix {
        try requireFinite("pseudoInverse(rcond:)")
        if isEmpty { return Matrix.zeros(rows: columnCount, columns: rowCount) }
        let (u, values, vTransposed) = try singularValueDecomposition(full: false)
        let relativeCutoff = rcond ?? Scalar(Swift.max(rowCount, columnCount)) * Scalar.ulpOfOne
        let cutoff = relativeCutoff * (values.first ?? 0)
        let k = values.count
        // (diag(1/s) · Uᵀ), (k, m): row j of Uᵀ scaled by 1/s_j, or zeroed below the cutoff.
        var scaled = u.transposed()
        let m = rowCount
        for row in 0..<k {
            let factor: Scalar = values[row] > cutoff ? 1 / values[row] : 0
            for column in 0..<m { scaled.storage[row * m + column] *= factor }
        }
        return vTransposed.transposed().dot(scaled)
    }
}
