import RealModule
import Tensor

/// The loss functions a network trains on, each with its gradient.
///
/// `predictions` are the network's outputs and `targets` have the same shape (one-hot rows for
/// classification). Reductions are documented per case; they decide how gradients scale with the
/// batch size.
public enum Loss: String, Codable, CaseIterable, Sendable {
    /// `mean((ŷ - y)²)` over all elements, as numpy's and PyTorch's mean squared error; gradient `2(ŷ - y) / count`.
    case meanSquaredError
    /// `½ Σ (y - ŷ)²` over all elements; gradient `ŷ - y` (the update rule of the first notebooks).
    case halfSumSquaredError
    /// `Σ (y - ŷ)²` over all elements; gradient `2(ŷ - y)` (the last notebook's rule).
    case sumSquaredError
    /// Binary cross-entropy `-mean(y log p + (1 - y) log(1 - p))` on probabilities, with `p` clipped
    /// to `[1e-7, 1 - 1e-7]` in the logarithms. After a sigmoid it fuses: ∂loss/∂z = `(p - y) / count`.
    case binaryCrossEntropy
    /// Softmax cross-entropy `-mean over rows of Σ y log softmax(z)`: on logits (a final identity
    /// activation), computed stably through log-sum-exp; or fused with a final softmax activation.
    /// Either way ∂loss/∂z = `(softmax(z) - y) / rows`.
    case softmaxCrossEntropy

    /// Whether the loss fuses with a final `activation`, giving ∂loss/∂z directly.
    @inlinable
    public func fuses(with activation: Activation) -> Bool {
        (self == .binaryCrossEntropy && activation == .sigmoid) || (self == .softmaxCrossEntropy && activation == .softmax)
    }

    /// The loss of `predictions` against `targets`.
    @inlinable
    public func value<Scalar: MatrixScalar>(predictions: Matrix<Scalar>, targets: Matrix<Scalar>) -> Scalar {
        var scratch = Matrix<Scalar>.zeros(rows: predictions.rows, columns: predictions.columns)
        return valueAndGradient(predictions: predictions, targets: targets, gradient: &scratch, finalActivation: .identity)
    }

    /// Computes the loss and writes its gradient into `gradient` (same shape as `predictions`).
    ///
    /// With a `finalActivation` the loss fuses with (see ``fuses(with:)``), `predictions` are that
    /// activation's outputs and the gradient is with respect to its inputs; for
    /// ``softmaxCrossEntropy`` with an identity final activation, `predictions` are logits.
    @inlinable
    public func valueAndGradient<Scalar: MatrixScalar>(
        predictions: Matrix<Scalar>, targets: Matrix<Scalar>, gradient: inout Matrix<Scalar>,
        finalActivation: Activation
    ) -> Scalar {
        checkPrecondition(
            predictions.shape == targets.shape && gradient.shape == predictions.shape,
            "\(rawValue): predictions \(predictions.shapeDescription), targets \(targets.shapeDescription) and gradient \(gradient.shapeDescription) differ")
        let rows = predictions.rows, columns = predictions.columns
        guard rows > 0 && columns > 0 else { return self == .halfSumSquaredError || self == .sumSquaredError ? 0 : .nan }
        return predictions.withScalars { p in
            p.withUnsafeBufferPointer { p in
                targets.withScalars { y in
                    y.withUnsafeBufferPointer { y in
                        gradient.withMutableScalars { g in
                            g.withUnsafeMutableBufferPointer { g in
                                valueAndGradient(
                                    predictions: p.baseAddress!, targets: y.baseAddress!, gradient: g.baseAddress!,
                                    rows: rows, columns: columns, finalActivation: finalActivation)
                            }
                        }
                    }
                }
            }
        }
    }

    /// ``valueAndGradient(predictions:targets:gradient:finalActivation:)`` on raw row-major
    /// `rows × columns` buffers (at least one element): the form the training step calls.
    @inlinable
    func valueAndGradient<Scalar: MatrixScalar>(
        predictions p: UnsafePointer<Scalar>, targets y: UnsafePointer<Scalar>, gradient g: UnsafeMutablePointer<Scalar>,
        rows: Int, columns: Int, finalActivation: Activation
    ) -> Scalar {
        let elementCount = rows &* columns
        let count = Scalar(elementCount)
        switch self {
        case .meanSquaredError, .halfSumSquaredError, .sumSquaredError:
            // One pass: the difference, its square into the total, and the gradient.
            let scale: Scalar = self == .halfSumSquaredError ? 1 : 2
            let divisor: Scalar = self == .meanSquaredError ? count : 1
            var total: Scalar = 0
            for index in 0..<elementCount {
                let difference = p[index] - y[index]
                total += difference * difference
                g[index] = scale * difference / divisor
            }
            switch self {
            case .meanSquaredError: return total / count
            case .halfSumSquaredError: return total / 2
            default: return total
            }
        case .binaryCrossEntropy:
            let epsilon = Scalar(1e-7)
            var total: Scalar = 0
            let fused = finalActivation == .sigmoid
            for index in 0..<elementCount {
                let probability = Swift.min(Swift.max(p[index], epsilon), 1 - epsilon)
                let target = y[index]
                total -= target * Scalar.log(probability) + (1 - target) * Scalar.log(1 - probability)
                g[index] = fused
                    ? (p[index] - target) / count
                    : (probability - target) / (probability * (1 - probability)) / count
            }
            return total / count
        case .softmaxCrossEntropy:
            let fromLogits = finalActivation != .softmax
            var total: Scalar = 0
            let rowCount = Scalar(rows)
            for row in 0..<rows {
                let start = row &* columns, end = start &+ columns
                if fromLogits {
                    var largest = -Scalar.infinity
                    for index in start..<end { largest = Swift.max(largest, p[index]) }
                    var sum: Scalar = 0
                    for index in start..<end { sum += Scalar.exp(p[index] - largest) }
                    let logSum = Scalar.log(sum)
                    for index in start..<end {
                        let logProbability = p[index] - largest - logSum
                        let target = y[index]
                        if target != 0 { total -= target * logProbability }
                        g[index] = (Scalar.exp(logProbability) - target) / rowCount
                    }
                } else {
                    for index in start..<end {
                        let probability = p[index]
                        let target = y[index]
                        if target != 0 {
                            total -= target * Scalar.log(Swift.max(probability, Scalar.leastNormalMagnitude))
                        }
                        g[index] = (probability - target) / rowCount
                    }
                }
            }
            return total / rowCount
        }
    }

    /// Turns network outputs into predictions: the softmax of logits for ``softmaxCrossEntropy``
    /// with an identity final activation, the outputs themselves otherwise.
    @inlinable
    public func predictions<Scalar: MatrixScalar>(fromOutputs outputs: Matrix<Scalar>, finalActivation: Activation) -> Matrix<Scalar> {
        if self == .softmaxCrossEntropy && finalActivation == .identity { return softmax(outputs) }
        return outputs
    }
}
