import Tensor

/// A trainable tensor of a layer: its current value and the buffer its gradient is written into.
///
/// Parameters are reference types so that a layer and an ``Optimizer`` can share them. The
/// `gradient` buffer has the value's shape; with momentum SGD it holds the running velocity
/// (the optimizer folds `velocity = momentum · velocity + gradient` into the gradient product).
public final class Parameter<Scalar: MatrixScalar> {
    /// A short name for messages and files, such as `weights` or `bias`.
    public let name: String
    /// The current value.
    ///
    /// Exclusivity is not checked at run time for the two buffers: the training step touches them
    /// several times per layer, and the checks cost more than the arithmetic of a small network.
    /// The network is not thread-safe; use one per thread.
    @exclusivity(unchecked) public var value: Matrix<Scalar>
    /// The gradient of the loss with respect to ``value`` from the last backward pass (see the type's note on momentum).
    @exclusivity(unchecked) public var gradient: Matrix<Scalar>

    /// Creates a parameter with a zero gradient buffer of the value's shape.
    public init(name: String, value: Matrix<Scalar>) {
        self.name = name
        self.value = value
        self.gradient = .zeros(rows: value.rows, columns: value.columns)
    }
}

/// One stage of a ``Sequential`` network: a forward map and its backward pass, side by side.
///
/// Conform to add a layer of your own. The built-in ``Dense`` and ``ActivationLayer`` run through a
/// concrete fast path; other conforming layers are called through this protocol, which works but
/// runs the layer's generic code unspecialized.
public protocol Layer<Scalar>: AnyObject {
    /// The element type.
    associatedtype Scalar: MatrixScalar

    /// The number of input features, or `nil` when the layer accepts any width (activations).
    var inputSize: Int? { get }

    /// The number of output features for `inputSize` input features.
    func outputSize(forInputSize inputSize: Int) -> Int

    /// The trainable parameters, in the order they are drawn, saved and updated.
    var parameters: [Parameter<Scalar>] { get }

    /// Draws the parameters' initial values from `generator` (weights before bias).
    func initializeParameters<Generator: RealRandomNumberGenerator>(using generator: inout Generator)

    /// Computes the layer's output for a batch (one sample a row) into `output`, which has the right shape.
    func forward(_ input: Matrix<Scalar>, into output: inout Matrix<Scalar>)

    /// The backward pass for the batch last passed through ``forward(_:into:)``.
    ///
    /// - Parameters:
    ///   - input: the batch the forward pass read.
    ///   - output: what the forward pass wrote.
    ///   - outputGradient: ∂loss/∂output on entry; the layer may overwrite it.
    ///   - inputGradient: receives ∂loss/∂input when `needsInputGradient` is true.
    ///   - needsInputGradient: false for the first layer, whose input gradient nobody reads.
    ///   - skipsActivationDerivative: the loss already gave ∂loss/∂z (fused softmax or sigmoid with cross-entropy).
    ///   - gradientRetention: parameter gradients become `retention · gradient + new gradient`
    ///     (0 for a plain gradient; the momentum for momentum SGD).
    func backward(
        input: Matrix<Scalar>, output: Matrix<Scalar>, outputGradient: inout Matrix<Scalar>,
        inputGradient: inout Matrix<Scalar>, needsInputGradient: Bool, skipsActivationDerivative: Bool,
        gradientRetention: Scalar)

    /// The activation the layer ends with, which a loss may fuse with (``Activation/identity`` if none).
    var finalActivation: Activation { get }

    /// A description of the layer that ``ModelFile`` saves and restores.
    var configuration: LayerConfiguration { get }
}

/// A layer's kind and settings, as saved in a model file.
public enum LayerConfiguration: Codable, Sendable, Equatable {
    /// A ``Dense`` layer.
    case dense(inputSize: Int, outputSize: Int, bias: Bool, activation: Activation)
    /// An ``ActivationLayer``.
    case activation(Activation)
}
