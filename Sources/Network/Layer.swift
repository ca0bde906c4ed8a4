import Tensor

/// A trainable tensor of a layer: its current value and the buffer its gradient is written into.
///
/// Parameters are reference types so that a layer and an ``Optimizer`` can share them, and their
/// shape is fixed when they are created. The numbers live at a stable address that the training
/// step works on directly; ``value`` and ``gradient`` read and write them as `Matrix` copies, so a
/// matrix read from a parameter never changes when training goes on. The `gradient` buffer has the
/// value's shape; with momentum SGD it holds the running velocity, and between steps the velocity
/// times the momentum, to which the layer's gradient product adds the next gradient (see
/// ``Optimizer/gradientRetention``).
///
/// A network and its parameters are not thread-safe; use one per thread.
public final class Parameter<Scalar: MatrixScalar> {
    /// A short name for messages and files, such as `weights` or `bias`.
    public let name: String
    /// The current value's numbers.
    @usableFromInline let valueBuffer: ScalarBuffer<Scalar>
    /// The gradient's numbers: the parameter's own, or, once a network has trained, its place in
    /// the network's one contiguous gradient block (see ``StepGradients``).
    @usableFromInline @exclusivity(unchecked) var gradientBuffer: ScalarBuffer<Scalar>

    /// Creates a parameter with `value`'s shape and contents and a zero gradient.
    ///
    /// Traps when the memory for the value's copy or the gradient cannot be allocated (a matrix of
    /// the same size already exists); the parameters that `fit` and the model-file and checkpoint
    /// readers allocate themselves throw ``NetworkError/cannotAllocate(what:bytes:)`` instead.
    public init(name: String, value: Matrix<Scalar>) {
        self.name = name
        self.valueBuffer = .trappingOnFailure(copying: value, for: "parameter \(name) \(value.shapeDescription)")
        self.gradientBuffer = .trappingOnFailure(
            rows: value.rows, columns: value.columns, for: "the gradient of \(name) \(value.shapeDescription)")
    }

    /// A parameter of zeros of the given shape, without building a zero matrix first (its pages stay
    /// untouched until written: a large model read from a file costs its weights' size once).
    ///
    /// - Throws: ``NetworkError/cannotAllocate(what:bytes:)`` when its value or gradient cannot be allocated.
    init(name: String, rows: Int, columns: Int) throws(NetworkError) {
        self.name = name
        self.valueBuffer = try ScalarBuffer(
            rows: rows, columns: columns, for: "parameter \(name) (\(rows), \(columns))")
        self.gradientBuffer = try ScalarBuffer(
            rows: rows, columns: columns, for: "the gradient of \(name) (\(rows), \(columns))")
    }

    /// The shape, `(rows, columns)`, fixed for the parameter's life.
    public var shape: (rows: Int, columns: Int) { (valueBuffer.rows, valueBuffer.columns) }

    /// The number of scalars.
    public var count: Int { valueBuffer.count }

    /// The current value, as a copy; assigning copies a matrix of the same shape in.
    ///
    /// - Precondition: an assigned matrix has the parameter's ``shape``.
    public var value: Matrix<Scalar> {
        get { valueBuffer.matrix }
        set { valueBuffer.assign(newValue, "Parameter \(name)") }
    }

    /// The gradient of the loss with respect to ``value`` from the last backward pass (see the type's
    /// note on momentum), as a copy; assigning copies a matrix of the same shape in.
    ///
    /// - Precondition: an assigned matrix has the parameter's ``shape``.
    public var gradient: Matrix<Scalar> {
        get { gradientBuffer.matrix }
        set { gradientBuffer.assign(newValue, "Parameter \(name) gradient") }
    }
}

/// One stage of a ``Sequential`` network: a forward map and its backward pass, side by side.
///
/// Conform to add a layer of your own. The built-in layers (``Dense``, ``ActivationLayer``) also run
/// on raw buffers inside the execution plan that `fit`, `predict` and `evaluate` build; other
/// conforming layers are called through this protocol with `Matrix` copies in and out, which works
/// but runs the layer's generic code unspecialized. A layer of the user's own trains and predicts;
/// saving it in a model file needs a registered ``LayerKind``, which only built-in layers have.
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

    /// Computes the layer's output for a batch (one sample a row) into `output`, which has the right
    /// shape and must keep it (a layer that changes it stops the program with a message).
    func forward(_ input: Matrix<Scalar>, into output: inout Matrix<Scalar>)

    /// The backward pass for the batch last passed through ``forward(_:into:)``.
    ///
    /// - Parameters:
    ///   - input: the batch the forward pass read.
    ///   - output: what the forward pass wrote.
    ///   - outputGradient: ∂loss/∂output on entry; the layer may overwrite it.
    ///   - inputGradient: receives ∂loss/∂input when `needsInputGradient` is true; it has the input's
    ///     shape and must keep it.
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

    /// State that is saved with the model but not trained by the optimizer, in the order it is
    /// saved (batch normalization's running mean and variance); none for most layers. A buffer's
    /// gradient is never read.
    var buffers: [Parameter<Scalar>] { get }

    /// The shape of one input sample, outermost first (`[channels, height, width]` for an image
    /// layer, `[features]` for a dense layer), or `nil` when the layer accepts any shape of its width.
    var inputShape: [Int]? { get }

    /// The shape of one output sample for an input sample of `inputShape`.
    func outputShape(forInputShape inputShape: [Int]) -> [Int]
}

extension Layer {
    /// None.
    public var buffers: [Parameter<Scalar>] { [] }

    /// `[inputSize]` when the layer declares its width, else `nil`.
    public var inputShape: [Int]? { inputSize.map { [$0] } }

    /// The input's shape for a layer that keeps its width; else `[outputSize(forInputSize:)]`.
    public func outputShape(forInputShape inputShape: [Int]) -> [Int] {
        let width = inputShape.reduce(1, *)
        let output = outputSize(forInputSize: width)
        return output == width ? inputShape : [output]
    }

    /// The arrays a model file holds for the layer: its ``parameters``, then its ``buffers``.
    var savedArrays: [Parameter<Scalar>] { parameters + buffers }
}

/// Whether a network is learning (dropout drops, batch normalization uses and updates batch
/// statistics) or being applied (`predict`, `evaluate`, validation, export).
public enum LayerMode: Sendable {
    /// A training step's forward pass.
    case training
    /// Any other forward pass.
    case inference
}

/// A layer that behaves differently in training and inference (dropout, batch normalization;
/// max pooling, which records where each maximum lies for the training step's backward pass).
///
/// The execution plan sets ``mode`` before each forward pass that needs another one, as PyTorch's
/// `model.train()` and `model.eval()` do; a layer starts in inference.
public protocol ModeDependentLayer<Scalar>: Layer {
    /// The mode the next forward pass runs in.
    var mode: LayerMode { get set }

    /// Seeds the layer's random draws for the coming epoch from the run's generator (dropout's
    /// masks); layers that draw nothing ignore it. Called once per training epoch, before its first step.
    func beginEpoch(seed: UInt64)

    /// Whether the layer draws random numbers in training (so the run draws a seed for it each epoch);
    /// read once per `fit`, when its execution plan is made, so it must not change during a `fit`.
    var drawsRandomNumbers: Bool { get }
}
