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
        precondition(
            predictions.shape == targets.shape && gradient.shape == predictions.shape,
            "\(rawValue): predictions \(predictions.shapeDescription), targets \(targets.shapeDescription) and gradient \(gradient.shapeDescription) differ")
        let count = Scalar(predictions.count)
        switch self {
        case .meanSquaredError, .halfSumSquaredError, .sumSquaredError:
            // One pass: the difference, its square into the total, and the gradient.
            let scale: Scalar = self == .halfSumSquaredError ? 1 : 2
            let divisor: Scalar = self == .meanSquaredError ? count : 1
            var total: Scalar = 0
            predictions.withScalars { p in
                targets.withScalars { y in
                    gradient.withMutableScalars { g in
                        for index in p.indices {
                            let difference = p[unchecked: index] - y[unchecked: index]
                            total += difference * difference
                            g[unchecked: index] = scale * difference / divisor
                        }
                    }
                }
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
            predictions.withScalars { p in
                targets.withScalars { y in
                    gradient.withMutableScalars { g in
                        for index in p.indices {
                            let probability = Swift.min(Swift.max(p[unchecked: index], epsilon), 1 - epsilon)
                            let target = y[unchecked: index]
                            total -= target * Scalar.log(probability) + (1 - target) * Scalar.log(1 - probability)
                            g[unchecked: index] = fused
                                ? (p[unchecked: index] - target) / count
                                : (probability - target) / (probability * (1 - probability)) / count
                        }
                    }
                }
            }
            return total / count
        case .softmaxCrossEntropy:
            let rows = predictions.rows, columns = predictions.columns
            let fromLogits = finalActivation != .softmax
            var total: Scalar = 0
            let rowCount = Scalar(rows)
            predictions.withScalars { z in
                targets.withScalars { y in
                    gradient.withMutableScalars { g in
                        for row in 0..<rows {
                            let start = row * columns, end = start + columns
                            if fromLogits {
                                var largest = -Scalar.infinity
                                for index in start..<end { largest = Swift.max(largest, z[unchecked: index]) }
                                var sum: Scalar = 0
                                for index in start..<end { sum += Scalar.exp(z[unchecked: index] - largest) }
                                let logSum = Scalar.log(sum)
                                for index in start..<end {
                                    let logProbability = z[unchecked: index] - largest - logSum
                                    let target = y[unchecked: index]
                                    if target != 0 { total -= target * logProbability }
                                    g[unchecked: index] = (Scalar.exp(logProbability) - target) / rowCount
                                }
                            } else {
                                for index in start..<end {
                                    let probability = z[unchecked: index]
                                    let target = y[unchecked: index]
                                    if target != 0 {
                                        total -= target * Scalar.log(Swift.max(probability, Scalar.leastNormalMagnitude))
                                    }
                                    g[unchecked: index] = (probability - target) / rowCount
                                }
                            }
                        }
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
