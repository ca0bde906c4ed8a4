// Cholesky, QR and singular value decompositions.
//
// The row-major storage of an `(m, n)` matrix `A` is the column-major storage of `Aᵀ`, so:
// - Cholesky: LAPACK's upper factor `U` of `Aᵀ = A`, read back row-major, is `Uᵀ = L`.
// - QR: the LQ factorization `Aᵀ = L·Q'` (gelqf, orglq) gives `A = Q'ᵀ·Lᵀ`, and `Q'`, `L` read back
//   row-major are `Q'ᵀ = Q` and `Lᵀ = R`. The reflectors are those of geqrf on `A`, so `R`'s signs are numpy's.
// - SVD: `Aᵀ = U'·S·V'ᵀ` (gesdd) gives `A = V'·S·U'ᵀ`, and `V'ᵀ`, `U'` read back row-major are `U`, `Vᵀ`.
// None of them copies a transpose.

/// How much of `Q` and `R` ``Matrix/qr(mode:)`` returns, as numpy's `mode` argument.
public enum QRMode: Sendable, Hashable, CaseIterable {
    /// `Q` is `(m, k)` with orthonormal columns and `R` is `(k, n)`, where `k = min(m, n)` (numpy's default).
    case reduced
    /// `Q` is a square `(m, m)` orthogonal matrix and `R` is `(m, n)`.
    case complete
}

extension Matrix {
    /// The lower-triangular Cholesky factor `L` with `self = L · Lᵀ`, as `numpy.linalg.cholesky`
    /// (LAPACK `potrf`).
    ///
    /// Only the lower triangle of the matrix is read; the strict upper triangle of the result is zero.
    ///
    /// - Throws: ``LinearAlgebraError/notPositiveDefinite(function:info:)`` when the matrix is not
    ///   positive definite, ``LinearAlgebraError/nonFiniteInput(function:)`` when it holds an infinity or nan.
    /// - Precondition: the matrix is square.
    @inlinable
    public func cholesky() throws(LinearAlgebraError) -> Matrix {
        requireSquare("cholesky()")
        try requireFinite("cholesky()")
        let n = rowCount
        if n == 0 { return self }
        var factor = storage
        let info = factor.withUnsafeMutableBufferPointer { factor in
            LAPACK.potrf(upper: true, n: n, a: factor.baseAddress!, lda: n)
        }
        try checkLAPACK(info, "cholesky()", failure: LinearAlgebraError.notPositiveDefinite)
        for row in 0..<n {
            for column in (row + 1)..<n { factor[row * n + column] = 0 }
        }
        return Matrix(uncheckedRows: n, columns: n, storage: factor)
    }

    /// The QR decomposition `self = Q · R`, as `numpy.linalg.qr` (Householder reflectors, LAPACK
    /// `gelqf` and `orglq` on the transpose, which compute the same reflectors as numpy's `geqrf`).
    ///
    /// For an `(m, n)` matrix and `k = min(m, n)`:
    /// - ``QRMode/reduced``: `q` is `(m, k)` with orthonormal columns, `r` is `(k, n)` upper triangular.
    /// - ``QRMode/complete``: `q` is `(m, m)` orthogonal, `r` is `(m, n)` upper triangular.
    ///
    /// The signs of `R`'s diagonal follow LAPACK (and so numpy); they are not made positive.
    ///
    /// - Throws: ``LinearAlgebraError/nonFiniteInput(function:)`` when the matrix holds an infinity or nan.
    @inlinable
    public func qr(mode: QRMode = .reduced) throws(LinearAlgebraError) -> (q: Matrix, r: Matrix) {
        try requireFinite("qr(mode:)")
        let m = rowCount, n = columnCount, k = Swift.min(m, n)
        let qColumns = mode == .reduced ? k : m
        let rRows = mode == .reduced ? k : m
        if k == 0 {
            return (
                mode == .complete ? Matrix.identity(size: m) : Matrix.zeros(rows: m, columns: 0),
                Matrix.zeros(rows: rRows, columns: n)
            )
        }
        // Column-major `Aᵀ`, (n, m) with leading dimension n.
        var reflectors = storage
        var tau = [Scalar](repeating: 0, count: k)
        let factorInfo = reflectors.withUnsafeMutableBufferPointer { reflectors in
            LAPACK.gelqf(m: n, n: m, a: reflectors.baseAddress!, lda: n, tau: &tau)
        }
        try checkLAPACK(factorInfo, "qr(mode:)", failure: LinearAlgebraError.invalidArgument)
        // R: the upper triangle of the first k row-major rows.
        var r = Matrix.zeros(rows: rRows, columns: n)
        for row in 0..<k {
            for column in row..<n { r.storage[row * n + column] = reflectors[row * n + column] }
        }
        // Q'ᵀ is (qColumns, m) column-major with leading dimension qColumns, holding the first k reflector rows.
        var orthogonal = [Scalar](repeating: 0, count: qColumns * m)
        for column in 0..<m {
            for row in 0..<k { orthogonal[column * qColumns + row] = reflectors[column * n + row] }
        }
        let generateInfo = orthogonal.withUnsafeMutableBufferPointer { orthogonal in
            LAPACK.orglq(m: qColumns, n: m, k: k, a: orthogonal.baseAddress!, lda: qColumns, tau: &tau)
        }
        try checkLAPACK(generateInfo, "qr(mode:)", failure: LinearAlgebraError.invalidArgument)
        return (Matrix(uncheckedRows: m, columns: qColumns, storage: orthogonal), r)
    }

    /// The singular value decomposition `self = U · diag(S) · Vᵀ`, as `numpy.linalg.svd`
    /// (LAPACK `gesdd`, divide and conquer).
    ///
    /// For an `(m, n)` matrix and `k = min(m, n)`, `singularValues` holds the `k` singular values in
    /// descending order, and:
    /// - `full == true` (numpy's default): `u` is `(m, m)` and `vTransposed` is `(n, n)`, both orthogonal.
    /// - `full == false`: `u` is `(m, k)` and `vTransposed` is `(k, n)`, with orthonormal columns and rows.
    ///
    /// Each pair of singular vectors is determined only up to a common sign, which may differ from numpy's.
    ///
    /// - Throws: ``LinearAlgebraError/noConvergence(function:info:)`` when the iteration fails,
    ///   ``LinearAlgebraError/nonFiniteInput(function:)`` when the matrix holds an infinity or nan.
    ///
    /// See also ``singularValues()``.
    @inlinable
    public func singularValueDecomposition(full: Bool = true) throws(LinearAlgebraError) -> (
        u: Matrix, singularValues: [Scalar], vTransposed: Matrix
    ) {
        try requireFinite("singularValueDecomposition(full:)")
        let m = rowCount, n = columnCount, k = Swift.min(m, n)
        let uColumns = full ? m : k, vRows = full ? n : k
        if k == 0 {
            return (
                full ? .identity(size: m) : .zeros(rows: m, columns: 0), [],
                full ? .identity(size: n) : .zeros(rows: 0, columns: n)
            )
        }
        var work = storage
        var values = [Scalar](repeating: 0, count: k)
        // LAPACK's U' of Aᵀ, (n, vRows) column-major, is Vᵀ row-major; its V'ᵀ, (uColumns, m), is U.
        var vTransposed = [Scalar](repeating: 0, count: vRows * n)
        var u = [Scalar](repeating: 0, count: m * uColumns)
        let info = work.withUnsafeMutableBufferPointer { work in
            vTransposed.withUnsafeMutableBufferPointer { vTransposed in
                u.withUnsafeMutableBufferPointer { u in
                    LAPACK.gesdd(
                        job: full ? UInt8(ascii: "A") : UInt8(ascii: "S"), m: n, n: m, a: work.baseAddress!, lda: n,
                        s: &values, u: vTransposed.baseAddress!, ldu: n, vt: u.baseAddress!, ldvt: uColumns)
                }
            }
        }
        try checkLAPACK(info, "singularValueDecomposition(full:)", failure: LinearAlgebraError.noConvergence)
        return (
            Matrix(uncheckedRows: m, columns: uColumns, storage: u), values,
            Matrix(uncheckedRows: vRows, columns: n, storage: vTransposed)
        )
    }

    /// The `min(m, n)` singular values in descending order, as `numpy.linalg.svd(a, compute_uv=False)`,
    /// without computing singular vectors (LAPACK `gesdd`).
    ///
    /// - Throws: ``LinearAlgebraError/noConvergence(function:info:)`` when the iteration fails,
    ///   ``LinearAlgebraError/nonFiniteInput(function:)`` when the matrix holds an infinity or nan.
    @inlinable
    public func singularValues() throws(LinearAlgebraError) -> [Scalar] {
        try requireFinite("singularValues()")
        return try singularValuesOfFiniteMatrix("singularValues()")
    }

    /// The singular values of a matrix already known to be finite, failures reported as `operation`.
    @inlinable
    internal func singularValuesOfFiniteMatrix(_ operation: StaticString) throws(LinearAlgebraError) -> [Scalar] {
        let m = rowCount, n = columnCount, k = Swift.min(m, n)
        if k == 0 { return [] }
        var work = storage
        var values = [Scalar](repeating: 0, count: k)
        var unusedU: Scalar = 0, unusedV: Scalar = 0
        let info = work.withUnsafeMutableBufferPointer { work in
            LAPACK.gesdd(
                job: UInt8(ascii: "N"), m: n, n: m, a: work.baseAddress!, lda: n, s: &values,
                u: &unusedU, ldu: 1, vt: &unusedV, ldvt: 1)
        }
        try checkLAPACK(info, operation, failure: LinearAlgebraError.noConvergence)
        return values
    }
}
