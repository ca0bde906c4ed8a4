import RealModule

// The activation kernels: bias addition fused with an activation (one pass over memory), the row
// softmax, and each activation's derivative written in terms of its output `a`. The network's
// `Activation` picks among them; `sigmoid(Matrix)` and `exp(Matrix)` share the vectorized
// exponential behind them (`VectorMath.swift`).

extension StridedView {
    /// Adds `bias` (a row of ``columns`` scalars, when given) to every row and replaces each element
    /// `x` by `transform(x)`, in one pass: a dense layer's bias and activation. Large views split by
    /// rows over the kernel pool (``KernelPool``).
    @inlinable @inline(__always)
    package func transform(addingRow bias: UnsafePointer<Scalar>?, _ transform: (Scalar) -> Scalar) {
        self.transform(addingRow: bias, parts: KernelPool.parts(forElements: count), transform)
    }

    /// ``transform(addingRow:_:)`` split into `parts` blocks of rows.
    @inlinable @inline(__always)
    package func transform(addingRow bias: UnsafePointer<Scalar>?, parts: Int, _ transform: (Scalar) -> Scalar) {
        splittingRows(parts: parts) { block, _ in
            if let bias {
                for index in 0..<block.rows {
                    let target = block.row(index)
                    for column in 0..<block.columns { target[column] = transform(target[column] + bias[column]) }
                }
            } else {
                block.forEachRun { values, count in
                    for index in 0..<count { values[index] = transform(values[index]) }
                }
            }
        }
    }

    /// Adds `bias[r]` to every element of row `r` (a column of ``rows`` scalars, one per row) and
    /// replaces each element `x` by `transform(x)`, in one pass: a convolution's bias (one per
    /// filter, whose output plane is a row) and activation. Large views split by rows over the
    /// kernel pool (``KernelPool``).
    @inlinable @inline(__always)
    package func transform(addingColumn bias: UnsafePointer<Scalar>, _ transform: (Scalar) -> Scalar) {
        self.transform(addingColumn: bias, parts: KernelPool.parts(forElements: count), transform)
    }

    /// ``transform(addingColumn:_:)`` split into `parts` blocks of rows.
    @inlinable @inline(__always)
    package func transform(addingColumn bias: UnsafePointer<Scalar>, parts: Int, _ transform: (Scalar) -> Scalar) {
        let columns = columns
        KernelPool.forEachBlock(of: rows, parts: parts) { block in
            for index in block {
                let target = row(index), offset = bias[index]
                for column in 0..<columns { target[column] = transform(target[column] + offset) }
            }
        }
    }

    /// Adds `bias` (when given) to every row, then replaces each element by its logistic sigmoid
    /// `1 / (1 + e^-x)`, through the vectorized kernel (within 4 ulps of the scalar ``sigmoid(_:)-(Scalar)``).
    @inlinable
    package func logistic(addingRow bias: UnsafePointer<Scalar>?) {
        logistic(addingRow: bias, parts: KernelPool.parts(forElements: count))
    }

    /// ``logistic(addingRow:)`` split into `parts` blocks of rows.
    @inlinable
    package func logistic(addingRow bias: UnsafePointer<Scalar>?, parts: Int) {
        splittingRows(parts: parts) { block, _ in
            if block.isContiguous {
                logisticsInPlace(block.base, rows: block.rows, columns: block.columns, addingBias: bias)
            } else {
                for index in 0..<block.rows {
                    logisticsInPlace(block.row(index), rows: 1, columns: block.columns, addingBias: bias)
                }
            }
        }
    }

    /// Replaces each row by its softmax `e^x / Σ e^x`, subtracting the row's maximum first so that
    /// no exponential overflows (a nan in a row makes the row nan). The exponentials are the
    /// vectorized kernel's.
    @inlinable
    package func softmaxRows() {
        softmaxRows(parts: KernelPool.parts(forElements: count))
    }

    /// ``softmaxRows()`` split into `parts` blocks of rows.
    @inlinable
    package func softmaxRows(parts: Int) {
        splittingRows(parts: parts) { block, _ in block.softmaxRowsInPlace() }
    }

    /// The serial body of ``softmaxRows(parts:)``, on one block.
    @inlinable
    func softmaxRowsInPlace() {
        for index in 0..<rows {
            let start = row(index)
            var largest = start[0]
            for column in 0..<columns where start[column] > largest || start[column].isNaN { largest = start[column] }
            for column in 0..<columns { start[column] -= largest }
            exponentialsInPlace(start, count: columns)
            var total: Scalar = 0
            for column in 0..<columns { total += start[column] }
            let inverse = 1 / total
            for column in 0..<columns { start[column] *= inverse }
        }
    }

    /// Multiplies this gradient (∂loss/∂a) by the logistic sigmoid's derivative `a(1 - a)`, where
    /// `output` holds `a`.
    @inlinable
    package func multiplyByLogisticDerivative(output: StridedView) {
        multiplyByLogisticDerivative(output: output, parts: KernelPool.parts(forElements: count))
    }

    /// ``multiplyByLogisticDerivative(output:)`` split into `parts` blocks of rows.
    @inlinable
    package func multiplyByLogisticDerivative(output: StridedView, parts: Int) {
        splittingRows(parts: parts, with: output) { block, output in
            block.forEachRun(with: output!) { g, a, count in
                for index in 0..<count { let value = a[index]; g[index] *= value * (1 - value) }
            }
        }
    }

    /// Multiplies this gradient by tanh's derivative `1 - a²`, where `output` holds `a`.
    @inlinable
    package func multiplyByTanhDerivative(output: StridedView) {
        multiplyByTanhDerivative(output: output, parts: KernelPool.parts(forElements: count))
    }

    /// ``multiplyByTanhDerivative(output:)`` split into `parts` blocks of rows.
    @inlinable
    package func multiplyByTanhDerivative(output: StridedView, parts: Int) {
        splittingRows(parts: parts, with: output) { block, output in
            block.forEachRun(with: output!) { g, a, count in
                for index in 0..<count { let value = a[index]; g[index] *= 1 - value * value }
            }
        }
    }

    /// Multiplies this gradient by the derivative of a (leaky) rectifier: 1 where `a > 0`, else
    /// `negativeSlope` (0 for ReLU). A multiplication by a mask vectorizes; a select would not.
    @inlinable
    package func multiplyByRectifierDerivative(output: StridedView, negativeSlope: Scalar) {
        multiplyByRectifierDerivative(
            output: output, negativeSlope: negativeSlope, parts: KernelPool.parts(forElements: count))
    }

    /// ``multiplyByRectifierDerivative(output:negativeSlope:)`` split into `parts` blocks of rows.
    @inlinable
    package func multiplyByRectifierDerivative(output: StridedView, negativeSlope: Scalar, parts: Int) {
        splittingRows(parts: parts, with: output) { block, output in
            block.forEachRun(with: output!) { g, a, count in
                for index in 0..<count { g[index] *= a[index] > 0 ? 1 : negativeSlope }
            }
        }
    }

    /// Turns this gradient (∂loss/∂a of a row softmax) into ∂loss/∂z: `a ⊙ (g - Σ_j g_j a_j)` per
    /// row, where `output` holds `a`.
    @inlinable
    package func softmaxBackward(output: StridedView) {
        softmaxBackward(output: output, parts: KernelPool.parts(forElements: count))
    }

    /// ``softmaxBackward(output:)`` split into `parts` blocks of rows.
    @inlinable
    package func softmaxBackward(output: StridedView, parts: Int) {
        splittingRows(parts: parts, with: output) { block, output in block.softmaxBackwardInPlace(output: output!) }
    }

    /// The serial body of ``softmaxBackward(output:parts:)``, on one block.
    @inlinable
    func softmaxBackwardInPlace(output: StridedView) {
        for index in 0..<rows {
            let a = output.row(index), g = row(index)
            var dot: Scalar = 0
            for column in 0..<columns { dot += g[column] * a[column] }
            for column in 0..<columns { g[column] = a[column] * (g[column] - dot) }
        }
    }
}
