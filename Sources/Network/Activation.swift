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
    /// of `columns` elements: the form the training step calls.
    @inlinable
    func apply<Scalar: MatrixScalar>(
        to values: UnsafeMutablePointer<Scalar>, rows: Int, columns: Int, addingBias bias: UnsafePointer<Scalar>?
    ) {
        let count = rows &* columns
        let slope = Scalar(Activation.leakySlope)
        // Each case is one pass; with a bias the pass runs row by row so the bias row broadcasts.
        @inline(__always) func each(_ transform: (Scalar) -> Scalar) {
            if let bias {
                for row in 0..<rows {
                    let target = values + row &* columns
                    for column in 0..<columns { target[column] = transform(target[column] + bias[column]) }
                }
            } else {
                for index in 0..<count { values[index] = transform(values[index]) }
            }
        }
        switch self {
        case .identity: if bias != nil { each { $0 } }
        case .sigmoid: logisticsInPlace(values, rows: rows, columns: columns, addingBias: bias)
        case .tanh: each { Scalar.tanh($0) }
        case .relu: each { Tensor.relu($0) }
        case .leakyReLU: each { Swift.max($0, $0 * slope) }
        case .softmax:
            if bias != nil { each { $0 } }
            softmaxRows(values, rows: rows, columns: columns)
        }
    }

    /// ``backpropagate(output:gradient:)`` on raw row-major `rows × columns` buffers.
    @inlinable
    func backpropagate<Scalar: MatrixScalar>(
        output: UnsafePointer<Scalar>, gradient: UnsafeMutablePointer<Scalar>, rows: Int, columns: Int
    ) {
        let count = rows &* columns
        let slope = Scalar(Activation.leakySlope)
        switch self {
        case .identity:
            return
        case .sigmoid:
            for index in 0..<count { let a = output[index]; gradient[index] *= a * (1 - a) }
        case .tanh:
            for index in 0..<count { let a = output[index]; gradient[index] *= 1 - a * a }
        case .relu:
            // Multiplying by a 0/1 mask (numpy's `dA * (A > 0)`) vectorizes; selecting does not.
            for index in 0..<count { gradient[index] *= output[index] > 0 ? 1 : 0 }
        case .leakyReLU:
            for index in 0..<count { gradient[index] *= output[index] > 0 ? 1 : slope }
        case .softmax:
            softmaxBackward(output: output, gradient: gradient, rows: rows, columns: columns)
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

/// Replaces each row of a raw `rows × columns` buffer by its softmax, subtracting the row maximum
/// first so that no exponential overflows (a nan in the row makes the row nan).
@inlinable
func softmaxRows<Scalar: MatrixScalar>(_ values: UnsafeMutablePointer<Scalar>, rows: Int, columns: Int) {
    for row in 0..<rows {
        let start = values + row &* columns
        var largest = start[0]
        for index in 0..<columns where start[index] > largest || start[index].isNaN { largest = start[index] }
        for index in 0..<columns { start[index] -= largest }
        exponentialsInPlace(start, count: columns)
        var total: Scalar = 0
        for index in 0..<columns { total += start[index] }
        let inverse = 1 / total
        for index in 0..<columns { start[index] *= inverse }
    }
}

/// ∂loss/∂z of a row-wise softmax from its output `a` and ∂loss/∂a: `a ⊙ (g - Σ_j g_j a_j)` per row.
@inlinable
func softmaxBackward<Scalar: MatrixScalar>(
    output: UnsafePointer<Scalar>, gradient: UnsafeMutablePointer<Scalar>, rows: Int, columns: Int
) {
    for row in 0..<rows {
        let a = output + row &* columns, g = gradient + row &* columns
        var dot: Scalar = 0
        for index in 0..<columns { dot += g[index] * a[index] }
        for index in 0..<columns { g[index] = a[index] * (g[index] - dot) }
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
