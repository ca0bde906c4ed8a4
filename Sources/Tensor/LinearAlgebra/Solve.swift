import RealModule

// Linear systems, inverses and determinants through the LU and Cholesky factorizations.
//
// A row-major matrix is the column-major storage of its transpose, so `getrf` on `A`'s storage
// factors `Aᵀ = P·L·U`; `getrs` with transpose then solves `A·X = B`, `getri` yields `(Aᵀ)⁻¹` whose
// column-major storage is `A⁻¹` row-major, and `det(Aᵀ) = det(A)`. No copy of `A` is transposed.

/// Solves `a · x = b` for `x`, as `numpy.linalg.solve` does (LAPACK `getrf` and `getrs`).
///
/// - Parameters:
///   - a: A square `(n, n)` coefficient matrix.
///   - b: The right-hand sides, `(n, k)`; each column is one system (an `(n, 1)` column for a single one).
/// - Returns: `x`, of shape `(n, k)`.
/// - Throws: ``LinearAlgebraError/singularMatrix(function:info:)`` when a pivot of the LU factorization is
///   exactly zero, ``LinearAlgebraError/nonFiniteInput(function:)`` when `a` or `b` holds an infinity or nan.
///   Like numpy, a nearly singular matrix does not throw; check ``Matrix/conditionNumber()`` when in doubt.
///   For `Float` the factorization runs in single precision, where numpy factors `float32` input in
///   `float64`: a matrix that is singular in `Float` arithmetic (a 3×3 rank-1 matrix whose pivot
///   rounds to exactly 0) throws here, while numpy, whose `float64` pivot is a tiny nonzero, returns
///   a (meaningless, huge) result. Convert to `Matrix<Double>` to reproduce numpy.
/// - Precondition: `a` is square and `b` has as many rows as `a`.
///
/// See also ``solveSymmetricPositiveDefinite(_:_:)`` and ``leastSquares(_:_:rcond:)``.
@inlinable
public func solve<Scalar: MatrixScalar>(
    _ a: Matrix<Scalar>, _ b: Matrix<Scalar>
) throws(LinearAlgebraError) -> Matrix<Scalar> {
    a.requireSquare("solve(_:_:)")
    checkPrecondition(
        b.rowCount == a.rowCount,
        "solve(_:_:): a \(a.shapeDescription) and b \(b.shapeDescription): b needs \(a.rowCount) rows")
    try a.requireFinite("solve(_:_:)")
    try b.requireFinite("solve(_:_:)")
    let n = a.rowCount, rightHandSides = b.columnCount
    if n == 0 || rightHandSides == 0 { return Matrix.zeros(rows: n, columns: rightHandSides) }
    var factors = a.storage
    var pivots = [Int32](repeating: 0, count: n)
    // Column-major B is the row-major storage of bᵀ.
    var solution = b.transposed().storage
    let factorInfo = factors.withUnsafeMutableBufferPointer { factors in
        LAPACK.getrf(m: n, n: n, a: factors.baseAddress!, lda: n, pivots: &pivots)
    }
    try checkLAPACK(factorInfo, "solve(_:_:)", failure: LinearAlgebraError.singularMatrix)
    let solveInfo = factors.withUnsafeMutableBufferPointer { factors in
        solution.withUnsafeMutableBufferPointer { solution in
            LAPACK.getrs(
                transpose: true, n: n, nrhs: rightHandSides, a: factors.baseAddress!, lda: n, pivots: &pivots,
                b: solution.baseAddress!, ldb: n)
        }
    }
    try checkLAPACK(solveInfo, "solve(_:_:)", failure: LinearAlgebraError.invalidArgument)
    return Matrix(uncheckedRows: rightHandSides, columns: n, storage: solution).transposed()
}

/// Solves `a · x = b` for a symmetric positive-definite `a` by its Cholesky factorization
/// (LAPACK `posv`), about twice as fast as ``solve(_:_:)``.
///
/// Only the lower triangle of `a` is read, as `numpy.linalg.cholesky` reads it.
///
/// - Parameters:
///   - a: A square `(n, n)` symmetric positive-definite matrix.
///   - b: The right-hand sides, `(n, k)`.
/// - Returns: `x`, of shape `(n, k)`.
/// - Throws: ``LinearAlgebraError/notPositiveDefinite(function:info:)`` when `a` is not positive definite,
///   ``LinearAlgebraError/nonFiniteInput(function:)`` when `a` or `b` holds an infinity or nan.
/// - Precondition: `a` is square and `b` has as many rows as `a`.
@inlinable
public func solveSymmetricPositiveDefinite<Scalar: MatrixScalar>(
    _ a: Matrix<Scalar>, _ b: Matrix<Scalar>
) throws(LinearAlgebraError) -> Matrix<Scalar> {
    a.requireSquare("solveSymmetricPositiveDefinite(_:_:)")
    checkPrecondition(
        b.rowCount == a.rowCount,
        "solveSymmetricPositiveDefinite(_:_:): a \(a.shapeDescription) and b \(b.shapeDescription): "
            + "b needs \(a.rowCount) rows")
    try a.requireFinite("solveSymmetricPositiveDefinite(_:_:)")
    try b.requireFinite("solveSymmetricPositiveDefinite(_:_:)")
    let n = a.rowCount, rightHandSides = b.columnCount
    if n == 0 || rightHandSides == 0 { return Matrix.zeros(rows: n, columns: rightHandSides) }
    var factors = a.storage
    var solution = b.transposed().storage
    // The row-major lower triangle is the column-major upper one.
    let info = factors.withUnsafeMutableBufferPointer { factors in
        solution.withUnsafeMutableBufferPointer { solution in
            LAPACK.posv(
                upper: true, n: n, nrhs: rightHandSides, a: factors.baseAddress!, lda: n,
                b: solution.baseAddress!, ldb: n)
        }
    }
    try checkLAPACK(info, "solveSymmetricPositiveDefinite(_:_:)", failure: LinearAlgebraError.notPositiveDefinite)
    return Matrix(uncheckedRows: rightHandSides, columns: n, storage: solution).transposed()
}

extension Matrix {
    /// The LU factors of `selfᵀ` in column-major order (the row-major storage of `self`) and the pivots.
    @inlinable
    internal func luFactorization(_ operation: StaticString) throws(LinearAlgebraError) -> (
        factors: [Scalar], pivots: [Int32], info: Int
    ) {
        let n = rowCount
        var factors = storage
        var pivots = [Int32](repeating: 0, count: n)
        let info = factors.withUnsafeMutableBufferPointer { factors in
            LAPACK.getrf(m: n, n: n, a: factors.baseAddress!, lda: n, pivots: &pivots)
        }
        if info < 0 { throw .invalidArgument(function: "\(operation)", info: info) }
        return (factors, pivots, info)
    }

    /// The inverse, `numpy.linalg.inv` (LAPACK `getrf` and `getri`).
    ///
    /// Prefer ``solve(_:_:)`` to multiplying by an inverse: it is faster and more accurate.
    ///
    /// - Returns: The `(n, n)` matrix `x` with `self · x = x · self = I`.
    /// - Throws: ``LinearAlgebraError/singularMatrix(function:info:)`` when the matrix is exactly singular,
    ///   ``LinearAlgebraError/nonFiniteInput(function:)`` when it holds an infinity or nan.
    /// - Precondition: the matrix is square.
    @inlinable
    public func inverse() throws(LinearAlgebraError) -> Matrix {
        requireSquare("inverse()")
        try requireFinite("inverse()")
        let n = rowCount
        if n == 0 { return self }
        var (factors, pivots, info) = try luFactorization("inverse()")
        try checkLAPACK(info, "inverse()", failure: LinearAlgebraError.singularMatrix)
        let inverseInfo = factors.withUnsafeMutableBufferPointer { factors in
            LAPACK.getri(n: n, a: factors.baseAddress!, lda: n, pivots: &pivots)
        }
        try checkLAPACK(inverseInfo, "inverse()", failure: LinearAlgebraError.singularMatrix)
        return Matrix(uncheckedRows: n, columns: n, storage: factors)
    }

    /// The determinant, `numpy.linalg.det`: the product of the LU factorization's pivots, with the
    /// sign of the row permutation.
    ///
    /// A singular matrix has determinant 0 and does not throw; the product can overflow to ±infinity or
    /// underflow to 0 for large matrices, where ``signAndLogDeterminant()`` stays accurate.
    /// The determinant of a `(0, 0)` matrix is 1.
    ///
    /// - Throws: ``LinearAlgebraError/nonFiniteInput(function:)`` when the matrix holds an infinity or nan.
    /// - Precondition: the matrix is square.
    @inlinable
    public func determinant() throws(LinearAlgebraError) -> Scalar {
        requireSquare("determinant()")
        try requireFinite("determinant()")
        if rowCount == 0 { return 1 }
        let (factors, pivots, _) = try luFactorization("determinant()")
        let n = rowCount
        var product: Scalar = 1
        for index in 0..<n {
            product *= factors[index * n + index]
            if Int(pivots[index]) != index + 1 { product = -product }
        }
        return product
    }

    /// The sign and the natural logarithm of the absolute value of the determinant,
    /// `numpy.linalg.slogdet`, which neither overflows nor underflows.
    ///
    /// `determinant() == sign * exp(logAbsoluteDeterminant)`. A singular matrix gives sign 0 and
    /// logarithm -infinity, as numpy does, and does not throw.
    ///
    /// - Throws: ``LinearAlgebraError/nonFiniteInput(function:)`` when the matrix holds an infinity or nan.
    /// - Precondition: the matrix is square.
    @inlinable
    public func signAndLogDeterminant() throws(LinearAlgebraError) -> (sign: Scalar, logAbsoluteDeterminant: Scalar) {
        requireSquare("signAndLogDeterminant()")
        try requireFinite("signAndLogDeterminant()")
        if rowCount == 0 { return (1, 0) }
        let (factors, pivots, info) = try luFactorization("signAndLogDeterminant()")
        if info > 0 { return (0, -.infinity) }
        let n = rowCount
        var sign: Scalar = 1
        var logarithm: Scalar = 0
        for index in 0..<n {
            let pivot = factors[index * n + index]
            if pivot < 0 { sign = -sign }
            if Int(pivots[index]) != index + 1 { sign = -sign }
            logarithm += Scalar.log(Swift.abs(pivot))
        }
        return (sign, logarithm)
    }
}
