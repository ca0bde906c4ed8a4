import Tensor

/// How a layer's weights or biases are drawn when the network is built.
///
/// Every scheme draws in `Double`, in numpy's row-major order, and rounds to the network's precision,
/// so with a `NumpyRandomState` the values equal what numpy draws: ``uniform(low:high:)`` is
/// `np.random.uniform(low, high, size)` (and so `2 * np.random.rand(...) - 1` for `-1, 1`), and
/// ``normal(mean:standardDeviation:)`` is `np.random.normal(mean, std, size)` (so `randn(...) * 0.1`
/// for `0, 0.1`). `fanIn` and `fanOut` are the layer's input and output sizes.
public enum Initializer: Codable, Sendable, Equatable {
    /// All zeros (draws nothing).
    case zeros
    /// A constant value (draws nothing).
    case constant(Double)
    /// Uniform on `[low, high)`: `low + (high - low) · rand`.
    case uniform(low: Double, high: Double)
    /// Normal: `mean + standardDeviation · randn`.
    case normal(mean: Double, standardDeviation: Double)
    /// Glorot/Xavier uniform: `±sqrt(6 / (fanIn + fanOut))`.
    case xavierUniform
    /// Glorot/Xavier normal: standard deviation `sqrt(2 / (fanIn + fanOut))`.
    case xavierNormal
    /// He/Kaiming uniform for ReLU: `±sqrt(6 / fanIn)`.
    case heUniform
    /// He/Kaiming normal for ReLU: standard deviation `sqrt(2 / fanIn)`.
    case heNormal

    /// Draws a `rows × columns` matrix with this scheme.
    public func matrix<Scalar: MatrixScalar, Generator: RealRandomNumberGenerator>(
        rows: Int, columns: Int, fanIn: Int, fanOut: Int, using generator: inout Generator
    ) -> Matrix<Scalar> {
        switch self {
        case .zeros:
            return .zeros(rows: rows, columns: columns)
        case .constant(let value):
            return .filled(rows: rows, columns: columns, with: Scalar(value))
        case .uniform(let low, let high):
            return .uniform(rows: rows, columns: columns, low: low, high: high, using: &generator)
        case .normal(let mean, let standardDeviation):
            return .normal(
                rows: rows, columns: columns, mean: mean, standardDeviation: standardDeviation, using: &generator)
        case .xavierUniform:
            let limit = (6.0 / Double(max(1, fanIn + fanOut))).squareRoot()
            return .uniform(rows: rows, columns: columns, low: -limit, high: limit, using: &generator)
        case .xavierNormal:
            let deviation = (2.0 / Double(max(1, fanIn + fanOut))).squareRoot()
            return .normal(rows: rows, columns: columns, mean: 0, standardDeviation: deviation, using: &generator)
        case .heUniform:
            let limit = (6.0 / Double(max(1, fanIn))).squareRoot()
            return .uniform(rows: rows, columns: columns, low: -limit, high: limit, using: &generator)
        case .heNormal:
            let deviation = (2.0 / Double(max(1, fanIn))).squareRoot()
            return .normal(rows: rows, columns: columns, mean: 0, standardDeviation: deviation, using: &generator)
        }
    }
}
