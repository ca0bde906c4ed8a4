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
    @inlinable
    public func apply<Scalar: MatrixScalar>(to values: inout Matrix<Scalar>, addingBias bias: Matrix<Scalar>? = nil) {
        let slope = Scalar(Activation.leakySlope)
        switch self {
        case .identity:
            if let bias { values += bias }
        case .sigmoid:
            if let bias { values.combine(with: bias, "sigmoid") { Tensor.sigmoid($0 + $1) } } else { values.apply { Tensor.sigmoid($0) } }
        case .tanh:
            if let bias { values.combine(with: bias, "tanh") { Scalar.tanh($0 + $1) } } else { values.apply { Scalar.tanh($0) } }
        case .relu:
            if let bias {
                values.combine(with: bias, "relu") { Tensor.relu($0 + $1) }
            } else {
                values.apply { Tensor.relu($0) }
            }
        case .leakyReLU:
            if let bias {
                values.combine(with: bias, "leakyReLU") { let z = $0 + $1; return Swift.max(z, z * slope) }
            } else {
                values.apply { Swift.max($0, $0 * slope) }
            }
        case .softmax:
            if let bias { values += bias }
            softmaxRowsInPlace(&values)
        }
    }

    /// Multiplies `gradient` (∂loss/∂a) by the derivative of the activation, giving ∂loss/∂z, in place.
    ///
    /// `output` is the activation's output `a` from the forward pass.
    @inlinable
    public func backpropagate<Scalar: MatrixScalar>(output: Matrix<Scalar>, gradient: inout Matrix<Scalar>) {
        let slope = Scalar(Activation.leakySlope)
        switch self {
        case .identity:
            return
        case .sigmoid:
            gradient.combine(with: output, "sigmoid′") { $0 * ($1 * (1 - $1)) }
        case .tanh:
            gradient.combine(with: output, "tanh′") { $0 * (1 - $1 * $1) }
        case .relu:
            // Multiplying by a 0/1 mask (numpy's `dA * (A > 0)`) vectorizes; selecting does not.
            gradient.combine(with: output, "relu′") { $0 * ($1 > 0 ? 1 : 0) }
        case .leakyReLU:
            gradient.combine(with: output, "leakyReLU′") { $0 * ($1 > 0 ? 1 : slope) }
        case .softmax:
            softmaxBackwardInPlace(output: output, gradient: &gradient)
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

/// Replaces each row of `values` by its softmax, subtracting the row maximum first so that no
/// exponential overflows.
@inlinable
func softmaxRowsInPlace<Scalar: MatrixScalar>(_ values: inout Matrix<Scalar>) {
    let columns = values.columns
    guard columns > 0 else { return }
    values.withMutableScalars { span in
        var start = 0
        while start < span.count {
            var largest = span[unchecked: start]
            for index in start..<(start + columns) where span[unchecked: index] > largest || span[unchecked: index].isNaN {
                largest = span[unchecked: index]
            }
            var total: Scalar = 0
            for index in start..<(start + columns) {
                let e = Scalar.exp(span[unchecked: index] - largest)
                span[unchecked: index] = e
                total += e
            }
            let inverse = 1 / total
            for index in start..<(start + columns) { span[unchecked: index] *= inverse }
            start += columns
        }
    }
}

/// ∂loss/∂z of a row-wise softmax from its output `a` and ∂loss/∂a: `a ⊙ (g - Σ_j g_j a_j)` per row.
@inlinable
func softmaxBackwardInPlace<Scalar: MatrixScalar>(output: Matrix<Scalar>, gradient: inout Matrix<Scalar>) {
    let columns = output.columns
    guard columns > 0 else { return }
    output.withScalars { a in
        gradient.withMutableScalars { g in
            var start = 0
            while start < g.count {
                var dot: Scalar = 0
                for index in start..<(start + columns) { dot += g[unchecked: index] * a[unchecked: index] }
                for index in start..<(start + columns) {
                    g[unchecked: index] = a[unchecked: index] * (g[unchecked: index] - dot)
                }
                start += columns
            }
        }
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
