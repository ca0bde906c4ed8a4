import RealModule

// Reductions the trainer and `Matrix.sum(axis:into:beta:)` share: column and row sums into a
// buffer with beta (a bias gradient, accumulated into momentum's velocity), and a row's stable
// log-sum-exp (the softmax cross-entropy on logits and the metrics on logits).

extension StridedView {
    /// Writes `beta · sums + Σ_rows self` into the ``columns`` scalars at `sums`: column sums, row by
    /// row so that the inner loop runs along memory.
    @inlinable
    package func sumColumns(into sums: UnsafeMutablePointer<Scalar>, beta: Scalar) {
        sumColumns(into: sums, beta: beta, parts: KernelPool.parts(forElements: count))
    }

    /// ``sumColumns(into:beta:)`` split into `parts` blocks of columns: each sum is still added up by
    /// one thread, row after row, so the result does not depend on `parts`.
    @inlinable
    package func sumColumns(into sums: UnsafeMutablePointer<Scalar>, beta: Scalar, parts: Int) {
        let parts = Swift.max(1, Swift.min(parts, columns))
        if parts == 1 {
            sumColumns(first: 0, end: columns, into: sums, beta: beta)
            return
        }
        KernelPool.shared.run(parts: parts) { part in
            sumColumns(
                first: KernelPool.blockStart(part, of: parts, count: columns),
                end: KernelPool.blockStart(part &+ 1, of: parts, count: columns),
                into: sums, beta: beta)
        }
    }

    /// The serial body of ``sumColumns(into:beta:parts:)``: columns `first..<end` only.
    @inlinable
    func sumColumns(first: Int, end: Int, into sums: UnsafeMutablePointer<Scalar>, beta: Scalar) {
        let width = end &- first, target = sums + first
        Self.scale(target, count: width, by: beta)
        for index in 0..<rows {
            let source = row(index) + first
            for column in 0..<width { target[column] += source[column] }
        }
    }

    /// Writes `beta · sums + Σ_columns self` into the ``rows`` scalars at `sums`.
    @inlinable
    package func sumRows(into sums: UnsafeMutablePointer<Scalar>, beta: Scalar) {
        sumRows(into: sums, beta: beta, parts: KernelPool.parts(forElements: count))
    }

    /// ``sumRows(into:beta:)`` split into `parts` blocks of rows (each row's sum on one thread).
    @inlinable
    package func sumRows(into sums: UnsafeMutablePointer<Scalar>, beta: Scalar, parts: Int) {
        let parts = Swift.max(1, Swift.min(parts, rows))
        let rowCount = rows
        // A local function, not a closure value: its context stays on the stack (no allocation per call).
        func body(_ part: Int) {
            let start = KernelPool.blockStart(part, of: parts, count: rowCount),
                end = KernelPool.blockStart(part &+ 1, of: parts, count: rowCount)
            Self.scale(sums + start, count: end &- start, by: beta)
            for index in start..<end {
                let source = row(index)
                var total: Scalar = 0
                for column in 0..<columns { total += source[column] }
                sums[index] += total
            }
        }
        if parts == 1 { body(0) } else { KernelPool.shared.run(parts: parts, body) }
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

extension StridedView {
    /// Copies row `rowIndices[i]` of `source` into row `i` of this view, for each of this view's rows
    /// (a mini-batch gathered from a shuffled order). Large gathers split by rows over the kernel pool.
    ///
    /// - Precondition: `rowIndices` has ``rows`` entries, each a row of `source`, whose width is ``columns``.
    @inlinable
    package func gatherRows(from source: StridedView, rowIndices: UnsafePointer<Int>) {
        gatherRows(from: source, rowIndices: rowIndices, parts: KernelPool.parts(forElements: count))
    }

    /// ``gatherRows(from:rowIndices:)`` split into `parts` blocks of rows.
    @inlinable
    package func gatherRows(from source: StridedView, rowIndices: UnsafePointer<Int>, parts: Int) {
        let parts = Swift.max(1, Swift.min(parts, rows))
        let rowCount = rows
        // A local function, not a closure value: its context stays on the stack (no allocation per call).
        func body(_ part: Int) {
            let start = KernelPool.blockStart(part, of: parts, count: rowCount),
                end = KernelPool.blockStart(part &+ 1, of: parts, count: rowCount)
            for index in start..<end {
                row(index).update(from: source.row(rowIndices[index]), count: columns)
            }
        }
        if parts == 1 { body(0) } else { KernelPool.shared.run(parts: parts, body) }
    }
}
