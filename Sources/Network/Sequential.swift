import Tensor

/// A stack of layers applied in order: the network of the notebooks, and of Keras's `Sequential`.
///
/// ```swift
/// var random = NumpyRandomState(seed: 1)
/// let network = Sequential<Double>([
///     Dense(inputSize: 3, outputSize: 4, bias: false, activation: .sigmoid, weightInitializer: .uniform(low: -1, high: 1)),
///     Dense(inputSize: 4, outputSize: 1, bias: false, activation: .sigmoid, weightInitializer: .uniform(low: -1, high: 1)),
/// ], generator: &random)
/// let history = try network.fit(inputs, targets, loss: .halfSumSquaredError,
///                               optimizer: Optimizer(learningRate: 1),
///                               options: TrainingOptions(epochs: 60_000), random: &random)
/// ```
///
/// Building the stack draws every layer's parameters, layer by layer and weights before bias, so that
/// a seeded `NumpyRandomState` gives the weights a seeded numpy notebook draws.
public final class Sequential<Scalar: MatrixScalar> {
    /// The layers, first to last.
    public let layers: [any Layer<Scalar>]
    /// The number of input features.
    public let inputSize: Int
    /// The width of each layer's output.
    public let outputSizes: [Int]
    /// The shape of one sample: the input's, then each layer's output (`[channels, height, width]`
    /// for images, `[features]` otherwise).
    public let sampleShapes: [[Int]]
    /// Every parameter's gradient and the step's statistics in one block (see ``StepGradients``),
    /// made by the first training run.
    @exclusivity(unchecked) var gradientStorage: ScalarBuffer<Scalar>?

    /// Called in every training step when the gradients are complete, before the update: the place
    /// for a distributed gradient reducer (see ``GradientHook`` and ``StepGradients``). `nil` by default.
    public var gradientHook: (any GradientHook<Scalar>)?

    /// The loss the network was last trained with: set by every `fit` (and by ``load(from:)`` from the
    /// model file), and saved by ``save(to:classNames:inputTransform:featureNames:metadata:)``. `nil`
    /// for a network that has not been trained or loaded; set it to save such a network.
    public var trainingLoss: Loss?

    /// Builds the stack and draws every layer's parameters from `generator`.
    ///
    /// - Precondition: the layers' sizes chain (each layer's input size is the previous output size),
    ///   and the first layer declares its input size.
    public init<Generator: RealRandomNumberGenerator>(_ layers: [any Layer<Scalar>], generator: inout Generator) {
        checkPrecondition(!layers.isEmpty, "Sequential: a network needs at least one layer")
        guard let first = layers.first?.inputSize else {
            failPrecondition("Sequential: the first layer must declare its input size (start with a Dense layer)")
        }
        var width = first
        var shape = layers[0].inputShape ?? [first]
        var sizes: [Int] = []
        var shapes = [shape]
        for (index, layer) in layers.enumerated() {
            if let expected = layer.inputSize, expected != width {
                failPrecondition("Sequential: layer \(index) expects \(expected) inputs but receives \(width)")
            }
            // An image layer after another must take the shape it gives (a flat input of the
            // right width, such as a dense layer's, is read in the layer's own shape).
            if let expected = layer.inputShape, expected.count > 1, shape.count > 1, expected != shape {
                failPrecondition(
                    "Sequential: layer \(index) (\(type(of: layer))) takes samples of shape \(shapeText(expected)) but the previous layer gives \(shapeText(shape))"
                )
            }
            if let expected = layer.inputShape, shape.count == 1 { shape = expected }
            shape = layer.outputShape(forInputShape: shape)
            shapes.append(shape)
            width = layer.outputSize(forInputSize: width)
            sizes.append(width)
        }
        sampleShapes = shapes
        self.layers = layers
        self.inputSize = first
        self.outputSizes = sizes
        for layer in layers { layer.initializeParameters(using: &generator) }
    }

    /// Builds the stack and draws its parameters from a `NumpyRandomState` seeded with `seed`
    /// (by default `NumpyRandomState.defaultSeed`, 0).
    public convenience init(_ layers: [any Layer<Scalar>], seed: UInt32 = NumpyRandomState.defaultSeed) {
        var generator = NumpyRandomState(seed: seed)
        self.init(layers, generator: &generator)
    }

    /// The number of output features.
    public var outputSize: Int { outputSizes.last! }

    /// Every trainable parameter, layer by layer.
    public var parameters: [Parameter<Scalar>] { layers.flatMap { $0.parameters } }

    /// The total number of trainable scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    /// The activation the last layer ends with.
    public var finalActivation: Activation { layers.last!.finalActivation }

    /// The execution plan for running this network: its steps, the fusion of the last activation's
    /// derivative with `loss` (when given), and workspaces. Built once per `fit`, `predict` and `evaluate`.
    func plan(loss: Loss? = nil, gradientRetention: Scalar = 0) -> ExecutionPlan<Scalar> {
        ExecutionPlan(self, loss: loss, gradientRetention: gradientRetention)
    }

    /// The network's outputs for `inputs` (one sample a row), computed in batches of `batchSize` rows.
    ///
    /// - Throws: ``NetworkError/shapeMismatch(_:)`` when `inputs` does not have ``inputSize`` columns;
    ///   ``NetworkError/cannotAllocate(what:bytes:)`` when a batch's workspace cannot be allocated.
    public func predict(_ inputs: Matrix<Scalar>, batchSize: Int = 1024) throws(NetworkError) -> Matrix<Scalar> {
        try checkInputs(inputs, "predict")
        return try specialized(
            { network throws(NetworkError) in
                unsafeBitCast(
                    try network.predictSpecialized(unsafeBitCast(inputs, to: Matrix<Float>.self), batchSize: batchSize),
                    to: Matrix<Scalar>.self)
            },
            { network throws(NetworkError) in
                unsafeBitCast(
                    try network.predictSpecialized(
                        unsafeBitCast(inputs, to: Matrix<Double>.self), batchSize: batchSize),
                    to: Matrix<Scalar>.self)
            },
            { network throws(NetworkError) in try network.predictSpecialized(inputs, batchSize: batchSize) })
    }

    func predictSpecialized(_ inputs: Matrix<Scalar>, batchSize: Int) throws(NetworkError) -> Matrix<Scalar> {
        let size = max(1, min(batchSize, inputs.rows))
        let width = outputSize
        var result = Matrix<Scalar>.zeros(rows: inputs.rows, columns: width)
        guard inputs.rows > 0 else { return result }
        let plan = plan()
        try inputs.withUnsafeBufferPointer { (x) throws(NetworkError) in
            try result.withUnsafeMutableBufferPointer { (y) throws(NetworkError) in
                var start = 0
                while start < inputs.rows {
                    let end = min(start + size, inputs.rows)
                    let workspace = try plan.workspace(batchSize: end - start)
                    plan.forward(x.baseAddress! + start * inputSize, rows: end - start, workspace: workspace)
                    (y.baseAddress! + start * width).update(from: workspace.finalOutput, count: (end - start) * width)
                    start = end
                }
            }
        }
        return result
    }

    /// Checks that `inputs` has the network's input width.
    func checkInputs(_ inputs: Matrix<Scalar>, _ operation: String) throws(NetworkError) {
        guard inputs.columns == inputSize else {
            throw .shapeMismatch(
                "\(operation): the data has \(inputs.columns) features per sample (shape \(inputs.shapeDescription)) but the network expects \(inputSize)"
            )
        }
    }

    /// Calls the body for this network's concrete precision, so that the generic code inside runs
    /// specialized for `Float` or `Double` (generic code called through a type parameter does not).
    @inline(__always)
    func specialized<Result, Failure: Error>(
        _ float: (Sequential<Float>) throws(Failure) -> Result,
        _ double: (Sequential<Double>) throws(Failure) -> Result,
        _ generic: (Sequential<Scalar>) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        if let network = self as? Sequential<Float> { return try float(network) }
        if let network = self as? Sequential<Double> { return try double(network) }
        return try generic(self)
    }
}
