// Matrix norms, condition number and numerical rank, as numpy.linalg's norm, cond and matrix_rank.

/// Which matrix norm ``Matrix/norm(_:)`` computes, as numpy's `ord` argument for two-dimensional input.
public enum MatrixNorm: Sendable, Hashable, CaseIterable {
    /// The largest column sum of absolute values (`ord=1`).
    case one
    /// The largest singular value, the spectral norm (`ord=2`).
    case two
    /// The largest row sum of absolute values (`ord=inf`).
    case infinity
    /// The square root of the sum of squares (`ord='fro'`, numpy's default).
    case frobenius
    /// The sum of singular values, the trace norm (`ord='nuc'`).
    case nuclear
}

extension Matrix {
    /// The matrix norm of the given kind, as `numpy.linalg.norm(matrix, ord)`.
    ///
    /// ``MatrixNorm/one``, ``MatrixNorm/infinity`` and ``MatrixNorm/frobenius`` are sums and never
    /// throw (a nan or infinity propagates as numpy's does). The norm of an empty matrix is 0.
    ///
    /// - Throws: for ``MatrixNorm/two`` and ``MatrixNorm/nuclear``, which need the singular values:
    ///   ``LinearAlgebraError/nonFiniteInput(function:)`` when the matrix holds an infinity or nan,
    ///   ``LinearAlgebraError/noConvergence(function:info:)`` when the SVD fails.
    @inlinable
    public func norm(_ kind: MatrixNorm) throws(LinearAlgebraError) -> Scalar {
        if isEmpty { return 0 }
        switch kind {
        case .frobenius:
            return frobeniusNorm()
        case .one, .infinity:
            let byColumn = kind == .one
            var sums = [Scalar](repeating: 0, count: byColumn ? columnCount : rowCount)
            for row in 0..<rowCount {
                for column in 0..<columnCount {
                    sums[byColumn ? column : row] += Swift.abs(storage[row * columnCount + column])
                }
            }
            var largest = sums[0]
            for sum in sums {
                if sum.isNaN { return sum }
                largest = Swift.max(largest, sum)
            }
            return largest
        case .two, .nuclear:
            try requireFinite("norm(_:)")
            let values = try singularValuesOfFiniteMatrix("norm(_:)")
            return kind == .two ? values[0] : values.reduce(0, +)
        }
    }

    /// The 2-norm condition number `s_max / s_min`, as `numpy.linalg.cond(matrix)`.
    ///
    /// Large values mean that solutions of linear systems with this matrix lose about `log10(cond)`
    /// digits; an exactly singular matrix gives infinity (numpy gives infinity or a huge value).
    ///
    /// - Throws: ``LinearAlgebraError/nonFiniteInput(function:)`` when the matrix holds an infinity or nan,
    ///   ``LinearAlgebraError/noConvergence(function:info:)`` when the SVD fails.
    /// - Precondition: the matrix is not empty.
    @inlinable
    public func conditionNumber() throws(LinearAlgebraError) -> Scalar {
        checkPrecondition(!isEmpty, "conditionNumber(): needs a non-empty matrix, got shape \(shapeDescription)")
        try requireFinite("conditionNumber()")
        let values = try singularValuesOfFiniteMatrix("conditionNumber()")
        return values[0] / values[values.count - 1]
    }

    /// The numerical rank: the number of singular values above `tolerance`, as `numpy.linalg.matrix_rank`.
    ///
    /// - Parameter tolerance: The absolute threshold, or `nil` for numpy's default formula
    ///   `s_max · max(m, n) · eps` with the machine epsilon of `Scalar`. For `Float` that is Float's
    ///   epsilon, where numpy (which computes `float32` in `float64`) uses Double's: a rank-deficient
    ///   `Float` matrix can get a smaller rank here than from numpy (see ``leastSquares(_:_:rcond:)``).
    /// - Throws: ``LinearAlgebraError/nonFiniteInput(function:)`` when the matrix holds an infinity or nan,
    ///   ``LinearAlgebraError/noConvergence(function:info:)`` when the SVD fails.
    @inlinable
    public func rank(tolerance: Scalar? = nil) throws(LinearAlgebraError) -> Int {
        try requireFinite("rank(tolerance:)")
        let values = try singularValuesOfFiniteMatrix("rank(tolerance:)")
        let threshold = tolerance ?? (values.first ?? 0) * Scalar(Swift.max(rowCount, columnCount)) * Scalar.ulpOfOne
        return values.count { $0 > threshold }
    }
}
