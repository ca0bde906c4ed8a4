import RealModule

// The losses' value and gradient in one pass each. The network's `Loss` picks the kernel and
// applies its reduction (mean or sum); the formulas and conventions are documented there.
// Each loss's value accumulates in Double whatever the scalar (for Double nothing changes): a Float
// sum over a large batch then stays within about 1e-7 relative of the float64 sum of its float32
// terms, instead of drifting by the batch size times Float's rounding.

extension StridedView {
    /// Calls `body` with matching runs of three views of one shape: whole when all are contiguous,
    /// else row by row.
    @inlinable @inline(__always)
    package static func forEachRun(
        _ first: StridedView, _ second: StridedView, _ third: StridedView,
        _ body: (UnsafeMutablePointer<Scalar>, UnsafeMutablePointer<Scalar>, UnsafeMutablePointer<Scalar>, Int) -> Void
    ) {
        if first.isContiguous && second.isContiguous && third.isContiguous {
            body(first.base, second.base, third.base, first.count)
        } else {
            for index in 0..<first.rows { body(first.row(index), second.row(index), third.row(index), first.columns) }
        }
    }

    /// `Σ (p - y)²` over all elements, writing `gradient = scale · (p - y) / divisor` in the same pass.
    @inlinable
    package static func squaredError(
        predictions: StridedView, targets: StridedView, gradient: StridedView, scale: Scalar, divisor: Scalar
    ) -> Scalar {
        var total: Double = 0
        forEachRun(predictions, targets, gradient) { p, y, g, count in
            for index in 0..<count {
                let difference = p[index] - y[index]
                total += Double(difference * difference)
                g[index] = scale * difference / divisor
            }
        }
        return Scalar(total)
    }

    /// `-Σ (y log p + (1 - y) log(1 - p))` with `p` clipped to `[1e-7, 1 - 1e-7]` in the logarithms,
    /// writing the gradient divided by `count`: with respect to the sigmoid's input `(p - y) / count`
    /// when `fusedWithSigmoid`, else with respect to `p`.
    @inlinable
    package static func binaryCrossEntropy(
        probabilities: StridedView, targets: StridedView, gradient: StridedView, count: Scalar, fusedWithSigmoid: Bool
    ) -> Scalar {
        let epsilon = Scalar(1e-7)
        var total: Double = 0
        forEachRun(probabilities, targets, gradient) { p, y, g, runCount in
            for index in 0..<runCount {
                let probability = Swift.min(Swift.max(p[index], epsilon), 1 - epsilon)
                let target = y[index]
                total -= Double(target * Scalar.log(probability) + (1 - target) * Scalar.log(1 - probability))
                g[index] =
                    fusedWithSigmoid
                    ? (p[index] - target) / count
                    : (probability - target) / (probability * (1 - probability)) / count
            }
        }
        return Scalar(total)
    }

    /// `-Σ_rows Σ y log softmax(z)` on logits `z`, through each row's ``logSumExp(row:)``, writing
    /// ∂/∂z `(softmax(z) - y) / rows`.
    @inlinable
    package static func softmaxCrossEntropy(logits: StridedView, targets: StridedView, gradient: StridedView) -> Scalar
    {
        var total: Double = 0
        let rowCount = Scalar(logits.rows)
        for index in 0..<logits.rows {
            let (largest, logSum) = logits.logSumExp(row: index)
            let z = logits.row(index), y = targets.row(index), g = gradient.row(index)
            for column in 0..<logits.columns {
                let logProbability = z[column] - largest - logSum
                let target = y[column]
                if target != 0 { total -= Double(target * logProbability) }
                g[column] = (Scalar.exp(logProbability) - target) / rowCount
            }
        }
        return Scalar(total)
    }

    /// `-Σ_rows Σ y log p` on probabilities `p` (a softmax's output, floored at the least normal
    /// magnitude in the logarithm), writing ∂/∂z of the softmax's input, `(p - y) / rows`.
    @inlinable
    package static func crossEntropy(probabilities: StridedView, targets: StridedView, gradient: StridedView) -> Scalar
    {
        var total: Double = 0
        let rowCount = Scalar(probabilities.rows)
        forEachRun(probabilities, targets, gradient) { p, y, g, count in
            for index in 0..<count {
                let probability = p[index]
                let target = y[index]
                if target != 0 {
                    total -= Double(target * Scalar.log(Swift.max(probability, Scalar.leastNormalMagnitude)))
                }
                g[index] = (probability - target) / rowCount
            }
        }
        return Scalar(total)
    }
}
