// Eigenvalues and eigenvectors of symmetric (syevd) and general (geev) square matrices.

/// The eigenvalues and right eigenvectors of a general real square matrix, which may be complex,
/// as `numpy.linalg.eig` returns them, split into real and imaginary parts.
///
/// Eigenvalue `j` is `eigenvalueRealParts[j] + i·eigenvalueImaginaryParts[j]`, and its eigenvector is
/// column `j` of `eigenvectorRealParts + i·eigenvectorImaginaryParts`, so that
/// `A · v_j = λ_j · v_j`. Complex eigenvalues come in conjugate pairs, the one with positive imaginary
/// part first, with conjugate eigenvectors. Each eigenvector has Euclidean norm 1 and its
/// largest component real, as LAPACK (and so numpy) normalizes them.
///
/// The order of the eigenvalues is unspecified, as numpy documents for `eig`: it is what LAPACK's QR
/// iteration produces, and it can differ from numpy's for the same matrix (at n = 200, 3 to 19
/// positions in 3 of 4 test matrices), since OpenBLAS builds and numpy's LAPACK take different
/// paths. Compare spectra as sets, or call ``sorted()`` for an order that does not depend on LAPACK
/// (numpy: `order = np.lexsort((-abs(w.imag), w.imag, w.real))`-style sorting by hand).
public struct ComplexEigenDecomposition<Scalar: MatrixScalar>: Sendable {
    /// The real parts of the `n` eigenvalues.
    public var eigenvalueRealParts: [Scalar]
    /// The imaginary parts of the `n` eigenvalues; all zero when the spectrum is real.
    public var eigenvalueImaginaryParts: [Scalar]
    /// The real parts of the eigenvectors, one per column, `(n, n)`.
    public var eigenvectorRealParts: Matrix<Scalar>
    /// The imaginary parts of the eigenvectors, one per column, `(n, n)`.
    public var eigenvectorImaginaryParts: Matrix<Scalar>

    /// Creates a decomposition from its parts (used by ``Matrix/eigen()``).
    @inlinable
    public init(
        eigenvalueRealParts: [Scalar], eigenvalueImaginaryParts: [Scalar],
        eigenvectorRealParts: Matrix<Scalar>, eigenvectorImaginaryParts: Matrix<Scalar>
    ) {
        self.eigenvalueRealParts = eigenvalueRealParts
        self.eigenvalueImaginaryParts = eigenvalueImaginaryParts
        self.eigenvectorRealParts = eigenvectorRealParts
        self.eigenvectorImaginaryParts = eigenvectorImaginaryParts
    }

    /// Whether every eigenvalue (and so every eigenvector) is real.
    @inlinable
    public var isReal: Bool { eigenvalueImaginaryParts.allSatisfy { $0 == 0 } }

    /// The same decomposition with the eigenvalues in ascending order of real part, then of the
    /// imaginary part's magnitude, a conjugate pair's positive member first; eigenvector columns move
    /// with their eigenvalues. The order then no longer depends on LAPACK's iteration (ties of equal
    /// eigenvalues keep LAPACK's order).
    public func sorted() -> ComplexEigenDecomposition {
        let order = eigenvalueRealParts.indices.sorted { left, right in
            let (a, b) = (eigenvalueRealParts[left], eigenvalueRealParts[right])
            if a != b { return a < b }
            let (c, d) = (eigenvalueImaginaryParts[left], eigenvalueImaginaryParts[right])
            if Swift.abs(c) != Swift.abs(d) { return Swift.abs(c) < Swift.abs(d) }
            if c != d { return c > d }
            return left < right
        }
        let n = order.count
        func permuted(_ matrix: Matrix<Scalar>) -> Matrix<Scalar> {
            Matrix(rows: n, columns: n) { row, column in matrix[row, order[column]] }
        }
        return ComplexEigenDecomposition(
            eigenvalueRealParts: order.map { eigenvalueRealParts[$0] },
            eigenvalueImaginaryParts: order.map { eigenvalueImaginaryParts[$0] },
            eigenvectorRealParts: permuted(eigenvectorRealParts),
            eigenvectorImaginaryParts: permuted(eigenvectorImaginaryParts))
    }
}

extension Matrix {
    /// The eigenvalues in ascending order and orthonormal eigenvectors of a symmetric matrix, as
    /// `numpy.linalg.eigh` (LAPACK `syevd`, divide and conquer).
    ///
    /// Only the lower triangle is read, as numpy's default `UPLO='L'`. Column `j` of `vectors` is the
    /// eigenvector of `values[j]`, so `self · vectors = vectors · diag(values)` and
    /// `vectorsᵀ · vectors = I`. Each eigenvector's sign is arbitrary and may differ from numpy's.
    ///
    /// - Throws: ``LinearAlgebraError/noConvergence(function:info:)`` when the iteration fails,
    ///   ``LinearAlgebraError/nonFiniteInput(function:)`` when the matrix holds an infinity or nan.
    /// - Precondition: the matrix is square.
    @inlinable
    public func symmetricEigen() throws(LinearAlgebraError) -> (values: [Scalar], vectors: Matrix) {
        requireSquare("symmetricEigen()")
        try requireFinite("symmetricEigen()")
        let n = rowCount
        if n == 0 { return ([], self) }
        var vectors = storage
        var values = [Scalar](repeating: 0, count: n)
        // The row-major lower triangle is the column-major upper one.
        let info = vectors.withUnsafeMutableBufferPointer { vectors in
            LAPACK.syevd(vectors: true, upper: true, n: n, a: vectors.baseAddress!, lda: n, values: &values)
        }
        try checkLAPACK(info, "symmetricEigen()", failure: LinearAlgebraError.noConvergence)
        // LAPACK's eigenvector columns are column-major: row-major, they are the rows.
        return (values, Matrix(uncheckedRows: n, columns: n, storage: vectors).transposed())
    }

    /// The eigenvalues and right eigenvectors of a general square matrix, as `numpy.linalg.eig`
    /// (LAPACK `geev`); see ``ComplexEigenDecomposition`` for the layout and normalization.
    ///
    /// For a symmetric matrix, ``symmetricEigen()`` is faster, exact in its symmetry, and sorted.
    ///
    /// - Throws: ``LinearAlgebraError/noConvergence(function:info:)`` when the QR iteration fails to find
    ///   all eigenvalues, ``LinearAlgebraError/nonFiniteInput(function:)`` when the matrix holds an infinity or nan.
    /// - Precondition: the matrix is square.
    @inlinable
    public func eigen() throws(LinearAlgebraError) -> ComplexEigenDecomposition<Scalar> {
        requireSquare("eigen()")
        try requireFinite("eigen()")
        let n = rowCount
        if n == 0 {
            return ComplexEigenDecomposition(
                eigenvalueRealParts: [], eigenvalueImaginaryParts: [], eigenvectorRealParts: self,
                eigenvectorImaginaryParts: self)
        }
        // geev factors the matrix it is given, in column-major order: numpy passes A itself, so this
        // does too (one transposed copy), to keep numpy's eigenvalue order and eigenvector phases.
        var work = transposed().storage
        var realParts = [Scalar](repeating: 0, count: n)
        var imaginaryParts = [Scalar](repeating: 0, count: n)
        var packed = [Scalar](repeating: 0, count: n * n)
        let info = work.withUnsafeMutableBufferPointer { work in
            packed.withUnsafeMutableBufferPointer { packed in
                LAPACK.geev(
                    vectors: true, n: n, a: work.baseAddress!, lda: n, realParts: &realParts,
                    imaginaryParts: &imaginaryParts, vr: packed.baseAddress!, ldvr: n)
            }
        }
        try checkLAPACK(info, "eigen()", failure: LinearAlgebraError.noConvergence)
        // Column j of the column-major `packed` is `packed[j * n ..< (j + 1) * n]`. A real eigenvalue's
        // vector is that column; a pair (j, j + 1) shares columns j ± i·(j + 1).
        var vectorReal = Matrix.zeros(rows: n, columns: n)
        var vectorImaginary = Matrix.zeros(rows: n, columns: n)
        var column = 0
        while column < n {
            if imaginaryParts[column] == 0 || column + 1 == n {
                for row in 0..<n { vectorReal.storage[row * n + column] = packed[column * n + row] }
                column += 1
            } else {
                for row in 0..<n {
                    let real = packed[column * n + row], imaginary = packed[(column + 1) * n + row]
                    vectorReal.storage[row * n + column] = real
                    vectorImaginary.storage[row * n + column] = imaginary
                    vectorReal.storage[row * n + column + 1] = real
                    vectorImaginary.storage[row * n + column + 1] = -imaginary
                }
                column += 2
            }
        }
        return ComplexEigenDecomposition(
            eigenvalueRealParts: realParts, eigenvalueImaginaryParts: imaginaryParts,
            eigenvectorRealParts: vectorReal, eigenvectorImaginaryParts: vectorImaginary)
    }
}
