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

    /// Whether the loss sums over samples (½SSE, SSE) rather than averaging over them. The one place
    /// this is decided: a batch's value adds to a data set's total as it is, where a mean's is
    /// weighted by its rows (``epochContribution(ofBatchValue:rows:totalRows:)``), and a data-parallel
    /// member's gradient of a sum is not weighted by its share.
    @inlinable
    public var sumsOverSamples: Bool { self == .halfSumSquaredError || self == .sumSquaredError }

    /// What one batch's loss `value` over `rows` rows adds to the loss of `totalRows` rows: the value
    /// itself for a sum, its row-weighted share for a mean. Training epochs and ``Sequential/evaluate(_:_:loss:metrics:batchSize:)``
    /// both add up batches this way, so an epoch's loss is the loss of its rows whatever the batch size.
    public func epochContribution(ofBatchValue value: Double, rows: Int, totalRows: Int) -> Double {
        sumsOverSamples ? value : value * Double(rows) / Double(totalRows)
    }

    /// Whether the loss fuses with a final `activation`, giving ∂loss/∂z directly.
    @inlinable
    public func fuses(with activation: Activation) -> Bool {
        (self == .binaryCrossEntropy && activation == .sigmoid)
            || (self == .softmaxCrossEntropy && activation == .softmax)
    }

    /// The loss of `predictions` against `targets`.
    @inlinable
    public func value<Scalar: MatrixScalar>(predictions: Matrix<Scalar>, targets: Matrix<Scalar>) -> Scalar {
        var scratch = Matrix<Scalar>.zeros(rows: predictions.rows, columns: predictions.columns)
        return valueAndGradient(
            predictions: predictions, targets: targets, gradient: &scratch, finalActivation: .identity)
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
            "\(rawValue): predictions \(predictions.shapeDescription), targets \(targets.shapeDescription) and gradient \(gradient.shapeDescription) differ"
        )
        let rows = predictions.rows, columns = predictions.columns
        guard rows > 0 && columns > 0 else {
            return sumsOverSamples ? 0 : .nan
        }
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
        predictions p: UnsafePointer<Scalar>, targets y: UnsafePointer<Scalar>,
        gradient g: UnsafeMutablePointer<Scalar>,
        rows: Int, columns: Int, finalActivation: Activation
    ) -> Scalar {
        let p = StridedView(reading: p, rows: rows, columns: columns)
        let y = StridedView(reading: y, rows: rows, columns: columns)
        let g = StridedView(g, rows: rows, columns: columns)
        let count = Scalar(rows &* columns)
        switch self {
        case .meanSquaredError:
            return StridedView.squaredError(predictions: p, targets: y, gradient: g, scale: 2, divisor: count) / count
        case .halfSumSquaredError:
            return StridedView.squaredError(predictions: p, targets: y, gradient: g, scale: 1, divisor: 1) / 2
        case .sumSquaredError:
            return StridedView.squaredError(predictions: p, targets: y, gradient: g, scale: 2, divisor: 1)
        case .binaryCrossEntropy:
            return StridedView.binaryCrossEntropy(
                probabilities: p, targets: y, gradient: g, count: count, fusedWithSigmoid: finalActivation == .sigmoid)
                / count
        case .softmaxCrossEntropy:
            let total =
                finalActivation == .softmax
                ? StridedView.crossEntropy(probabilities: p, targets: y, gradient: g)
                : StridedView.softmaxCrossEntropy(logits: p, targets: y, gradient: g)
            return total / Scalar(rows)
        }
    }

    /// Turns network outputs into predictions: the softmax of logits for ``softmaxCrossEntropy``
    /// with an identity final activation, the outputs themselves otherwise.
    @inlinable
    public func predictions<Scalar: MatrixScalar>(fromOutputs outputs: Matrix<Scalar>, finalActivation: Activation)
        -> Matrix<Scalar>
    {
        if self == .softmaxCrossEntropy && finalActivation == .identity { return softmax(outputs) }
        return outputs
    }
}
