import RealModule

// Reductions the trainer and `Matrix.sum(axis:into:beta:)` share: column and row sums into a
// buffer with beta (a bias gradient, accumulated into momentum's velocity), and a row's stable
// log-sum-exp (the softmax cross-entropy on logits and the metrics on logits).

extension StridedView {
    /// Writes `beta · sums + Σ_rows self` into the ``columns`` scalars at `sums`: column sums, row by
    /// row so that the inner loop runs along memory.
    @inlinable
    package func sumColumns(into sums: UnsafeMutablePointer<Scalar>, beta: Scalar) {
        Self.scale(sums, count: columns, by: beta)
        for index in 0..<rows {
            let source = row(index)
            for column in 0..<columns { sums[column] += source[column] }
        }
    }

    /// Writes `beta · sums + Σ_columns self` into the ``rows`` scalars at `sums`.
    @inlinable
    package func sumRows(into sums: UnsafeMutablePointer<Scalar>, beta: Scalar) {
        Self.scale(sums, count: rows, by: beta)
        for index in 0..<rows {
            let source = row(index)
            var total: Scalar = 0
            for column in 0..<columns { total += source[column] }
            sums[index] += total
        }
    }

    /// `values *= beta` over `count` scalars, as BLAS treats C: zeros for beta 0 (even over nan),
    /// nothing for beta 1.
    @inlinable @inline(__always)
    package static func scale(_ values: UnsafeMutablePointer<Scalar>, count: Int, by beta: Scalar) {
        if beta == 0 {
            values.update(repeating: 0, count: count)
        } else if beta != 1 {
            for index in 0..<count { values[index] *= beta }
        }
    }

    /// The largest element of row `index` and `log Σ e^(x - largest)` over the row, with libm's
    /// `exp` and `log`: `x - largest - logSum` is then the row's log-softmax, computed stably.
    @inlinable @inline(__always)
    package func logSumExp(row index: Int) -> (largest: Scalar, logSum: Scalar) {
        let start = row(index)
        var largest = -Scalar.infinity
        for column in 0..<columns { largest = Swift.max(largest, start[column]) }
        var sum: Scalar = 0
        for column in 0..<columns { sum += Scalar.exp(start[column] - largest) }
        return (largest, Scalar.log(sum))
    }
}
