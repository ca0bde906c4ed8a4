import RealModule
import Tensor

/// The activation functions a layer can apply after its affine map.
///
/// Each one is used in the forward pass as `f(z)` and in the backward pass through its derivative
/// written in terms of the output `a = f(z)`, so that layers keep only their outputs:
/// sigmoid `a(1 - a)`, tanh `1 - a²`, ReLU `a > 0`, leaky ReLU `a > 0 ? 1 : 0.01`, softmax the
/// Jacobian–vector product `a ⊙ (g - Σ g ⊙ a)` per row, identity `1`.
public enum Activation: String, Codable, CaseIterable, Sendable {
    /// `f(z) = z`.
    case identity
    /// The logistic function `1 / (1 + e^-z)`, stable for large `|z|`.
    case sigmoid
    /// The hyperbolic tangent.
    case tanh
    /// The rectified linear unit `max(0, z)`.
    case relu
    /// `z` for positive `z`, `0.01 · z` otherwise (PyTorch's default slope), computed as `max(z, 0.01 · z)`.
    case leakyReLU
    /// The softmax of each row: `e^z / Σ e^z`, computed after subtracting the row's maximum.
    case softmax

    /// The slope of ``leakyReLU`` for negative inputs.
    public static let leakySlope = 0.01

    /// Applies the activation to `values` in place, after adding `bias` (a `(1, columns)` row) when given:
    /// the bias addition and the activation share one pass over memory.
    ///
    /// - Precondition: `bias`, when given, is a `(1, values.columns)` row.
    @inlinable
    public func apply<Scalar: MatrixScalar>(to values: inout Matrix<Scalar>, addingBias bias: Matrix<Scalar>? = nil) {
        let rows = values.rows, columns = values.columns
        guard rows > 0 && columns > 0 else { return }
        if let bias {
            checkPrecondition(
                bias.rows == 1 && bias.columns == columns,
                "\(rawValue): bias \(bias.shapeDescription) does not broadcast over \(values.shapeDescription)")
            bias.withScalars { b in
                b.withUnsafeBufferPointer { b in
                    values.withMutableScalars { v in
                        v.withUnsafeMutableBufferPointer { v in
                            apply(to: v.baseAddress!, rows: rows, columns: columns, addingBias: b.baseAddress!)
                        }
                    }
                }
            }
        } else {
            values.withMutableScalars { v in
                v.withUnsafeMutableBufferPointer { v in
                    apply(to: v.baseAddress!, rows: rows, columns: columns, addingBias: nil)
                }
            }
        }
    }

    /// Multiplies `gradient` (∂loss/∂a) by the derivative of the activation, giving ∂loss/∂z, in place.
    ///
    /// `output` is the activation's output `a` from the forward pass.
    ///
    /// - Precondition: `output` and `gradient` have the same shape.
    @inlinable
    public func backpropagate<Scalar: MatrixScalar>(output: Matrix<Scalar>, gradient: inout Matrix<Scalar>) {
        checkPrecondition(
            output.shape == gradient.shape,
            "\(rawValue)′: output \(output.shapeDescription) and gradient \(gradient.shapeDescription) differ")
        let rows = output.rows, columns = output.columns
        guard rows > 0 && columns > 0 else { return }
        output.withScalars { a in
            a.withUnsafeBufferPointer { a in
                gradient.withMutableScalars { g in
                    g.withUnsafeMutableBufferPointer { g in
                        backpropagate(output: a.baseAddress!, gradient: g.baseAddress!, rows: rows, columns: columns)
                    }
                }
            }
        }
    }

    /// ``apply(to:addingBias:)`` on a raw row-major `rows × columns` buffer, with an optional bias row
    /// of `columns` elements: the form the training step calls. The arithmetic is Tensor's kernels'
    /// (`StridedView.transform(addingRow:_:)`, `logistic(addingRow:)`, `softmaxRows()`); this only
    /// names each activation's scalar function.
    @inlinable
    func apply<Scalar: MatrixScalar>(
        to values: UnsafeMutablePointer<Scalar>, rows: Int, columns: Int, addingBias bias: UnsafePointer<Scalar>?
    ) {
        let view = StridedView(values, rows: rows, columns: columns)
        let slope = Scalar(Activation.leakySlope)
        switch self {
        case .identity: if bias != nil { view.transform(addingRow: bias) { $0 } }
        case .sigmoid: view.logistic(addingRow: bias)
        case .tanh: view.transform(addingRow: bias) { Scalar.tanh($0) }
        case .relu: view.transform(addingRow: bias) { Tensor.relu($0) }
        case .leakyReLU: view.transform(addingRow: bias) { Swift.max($0, $0 * slope) }
        case .softmax:
            if bias != nil { view.transform(addingRow: bias) { $0 } }
            view.softmaxRows()
        }
    }

    /// ``apply(to:rows:columns:addingBias:)`` with a bias column of `rows` scalars, `bias[r]` added
    /// to every element of row `r`: the form a convolution's step calls, whose rows are its filters'
    /// output planes. The elementwise activations take the bias in the same pass
    /// (`StridedView.transform(addingColumn:_:)`); sigmoid and softmax add it first and then run
    /// their own kernels.
    @inlinable
    func apply<Scalar: MatrixScalar>(
        to values: UnsafeMutablePointer<Scalar>, rows: Int, columns: Int, addingBiasColumn bias: UnsafePointer<Scalar>
    ) {
        let view = StridedView(values, rows: rows, columns: columns)
        let slope = Scalar(Activation.leakySlope)
        switch self {
        case .identity: view.transform(addingColumn: bias) { $0 }
        case .tanh: view.transform(addingColumn: bias) { Scalar.tanh($0) }
        case .relu: view.transform(addingColumn: bias) { Tensor.relu($0) }
        case .leakyReLU: view.transform(addingColumn: bias) { Swift.max($0, $0 * slope) }
        case .sigmoid, .softmax:
            view.transform(addingColumn: bias) { $0 }
            apply(to: values, rows: rows, columns: columns, addingBias: nil)
        }
    }

    /// ``backpropagate(output:gradient:)`` on raw row-major `rows × columns` buffers, through
    /// Tensor's derivative kernels.
    @inlinable
    func backpropagate<Scalar: MatrixScalar>(
        output: UnsafePointer<Scalar>, gradient: UnsafeMutablePointer<Scalar>, rows: Int, columns: Int
    ) {
        let a = StridedView(reading: output, rows: rows, columns: columns)
        let g = StridedView(gradient, rows: rows, columns: columns)
        switch self {
        case .identity: return
        case .sigmoid: g.multiplyByLogisticDerivative(output: a)
        case .tanh: g.multiplyByTanhDerivative(output: a)
        case .relu: g.multiplyByRectifierDerivative(output: a, negativeSlope: 0)
        case .leakyReLU: g.multiplyByRectifierDerivative(output: a, negativeSlope: Scalar(Activation.leakySlope))
        case .softmax: g.softmaxBackward(output: a)
        }
    }

    /// The activation applied to a copy of `values`.
    @inlinable
    public func callAsFunction<Scalar: MatrixScalar>(_ values: Matrix<Scalar>) -> Matrix<Scalar> {
        var result = values
        apply(to: &result)
        return result
    }
}

/// `max(0, x)` elementwise, or `0.01 · x` for negative `x` (see ``Activation/leakyReLU``).
@inlinable
public func leakyReLU<Scalar: MatrixScalar>(_ values: Matrix<Scalar>) -> Matrix<Scalar> {
    Activation.leakyReLU(values)
}

/// The softmax of each row of `values` (`exp(x) / exp(x).sum(axis=1, keepdims=True)`), computed stably.
@inlinable
public func softmax<Scalar: MatrixScalar>(_ values: Matrix<Scalar>) -> Matrix<Scalar> {
    Activation.softmax(values)
}
