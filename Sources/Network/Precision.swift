import Tensor

/// The floating-point precision a network trains and is stored in: the one place that names the two
/// and says where each one's finite range ends. Model files and checkpoints write it as its raw
/// value (`"float"`, `"double"`).
public enum Precision: String, Codable, Sendable, CaseIterable {
    /// 32-bit `Float`.
    case float
    /// 64-bit `Double`.
    case double

    /// The precision of `Scalar`.
    public init<Scalar: MatrixScalar>(of type: Scalar.Type) {
        self = Scalar.self == Float.self ? .float : .double
    }

    /// The largest finite magnitude: a larger value reads (or is stored) as infinity in this precision.
    public var largestFiniteMagnitude: Double {
        self == .float ? Double(Float.greatestFiniteMagnitude) : .greatestFiniteMagnitude
    }

    /// Whether `value` is finite once stored in this precision.
    public func isFinite(_ value: Double) -> Bool { value.magnitude <= largestFiniteMagnitude }

    /// Whether training in this precision flushes subnormal numbers to zero unless told otherwise
    /// (`TrainingOptions.flushesSubnormalsToZero`, `nn train --no-flush-to-zero`): the one place that decides
    /// it. `Float` does, as TensorFlow's CPU threads do: a float run whose values decay toward zero otherwise
    /// slows down two- to threefold on Intel cores while the numbers below 1.2e-38 it keeps make no difference
    /// to a network's outputs. `Double` does not, so that double runs (the notebooks' numpy-exact
    /// trajectories among them) compute exactly as numpy does; its subnormals start at 2.2e-308, which
    /// training does not reach.
    public var flushesSubnormalsToZeroByDefault: Bool { self == .float }
}

extension ModelFile {
    /// ``precision`` as a ``Precision`` (a read file is validated to name one; `.double` otherwise).
    public var scalarPrecision: Precision { Precision(rawValue: precision) ?? .double }
}
