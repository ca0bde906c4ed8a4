import Tensor

/// A built-in layer as a concrete value, so that the training loop calls specialized code directly
/// instead of going through the ``Layer`` protocol's unspecialized witnesses.
@usableFromInline
enum LayerNode<Scalar: MatrixScalar> {
    case dense(Dense<Scalar>)
    case activation(ActivationLayer<Scalar>)
    case custom(any Layer<Scalar>)

    init(_ layer: any Layer<Scalar>) {
        if let dense = layer as? Dense<Scalar> {
            self = .dense(dense)
        } else if let activation = layer as? ActivationLayer<Scalar> {
            self = .activation(activation)
        } else {
            self = .custom(layer)
        }
    }

    func forward(_ input: Matrix<Scalar>, into output: inout Matrix<Scalar>) {
        switch self {
        case .dense(let layer): layer.forward(input, into: &output)
        case .activation(let layer): layer.forward(input, into: &output)
        case .custom(let layer): layer.forward(input, into: &output)
        }
    }

    func backward(
        input: Matrix<Scalar>, output: Matrix<Scalar>, outputGradient: inout Matrix<Scalar>,
        inputGradient: inout Matrix<Scalar>, needsInputGradient: Bool, skipsActivationDerivative: Bool,
        gradientRetention: Scalar
    ) {
        switch self {
        case .dense(let layer):
            layer.backward(
                input: input, output: output, outputGradient: &outputGradient, inputGradient: &inputGradient,
                needsInputGradient: needsInputGradient, skipsActivationDerivative: skipsActivationDerivative,
                gradientRetention: gradientRetention)
        case .activation(let layer):
            layer.backward(
                input: input, output: output, outputGradient: &outputGradient, inputGradient: &inputGradient,
                needsInputGradient: needsInputGradient, skipsActivationDerivative: skipsActivationDerivative,
                gradientRetention: gradientRetention)
        case .custom(let layer):
            layer.backward(
                input: input, output: output, outputGradient: &outputGradient, inputGradient: &inputGradient,
                needsInputGradient: needsInputGradient, skipsActivationDerivative: skipsActivationDerivative,
                gradientRetention: gradientRetention)
        }
    }
}

/// The buffers of one layer for one batch size: its output and the gradient with respect to it.
final class LayerBuffers<Scalar: MatrixScalar> {
    @exclusivity(unchecked) var output: Matrix<Scalar>
    @exclusivity(unchecked) var gradient: Matrix<Scalar>

    init(rows: Int, columns: Int) {
        output = .zeros(rows: rows, columns: columns)
        gradient = .zeros(rows: rows, columns: columns)
    }
}

/// Preallocated buffers for a batch size, reused by every step with that size.
final class Workspace<Scalar: MatrixScalar> {
    let batchSize: Int
    @exclusivity(unchecked) var inputs: Matrix<Scalar>
    @exclusivity(unchecked) var targets: Matrix<Scalar>
    let layers: [LayerBuffers<Scalar>]

    init(batchSize: Int, inputSize: Int, outputSizes: [Int]) {
        self.batchSize = batchSize
        inputs = .zeros(rows: batchSize, columns: inputSize)
        targets = .zeros(rows: batchSize, columns: outputSizes.last ?? 0)
        layers = outputSizes.map { LayerBuffers(rows: batchSize, columns: $0) }
    }
}

/// A stack of layers applied in order: the network of the notebooks, and of Keras's `Sequential`.
///
/// ```swift
/// var random = NumpyRandomState(seed: 1)
/// let network = Sequential<Double>([
///     Dense(inputSize: 3, outputSize: 4, bias: false, activation: .sigmoid, weightInitializer: .uniform(low: -1, high: 1)),
///     Dense(inputSize: 4, outputSize: 1, bias: false, activation: .sigmoid, weightInitializer: .uniform(low: -1, high: 1)),
/// ], generator: &random)
/// let history = try network.fit(inputs, targets, loss: .halfSumSquaredError,
///                               optimizer: Optimizer(learningRate: 1), epochs: 60_000)
/// ```
///
/// Building the stack draws every layer's parameters, layer by layer and weights before bias, so that
/// a seeded ``NumpyRandomState`` gives the weights a seeded numpy notebook draws.
public final class Sequential<Scalar: MatrixScalar> {
    /// The layers, first to last.
    public let layers: [any Layer<Scalar>]
    /// The number of input features.
    public let inputSize: Int
    /// The width of each layer's output.
    public let outputSizes: [Int]
    @usableFromInline let nodes: [LayerNode<Scalar>]
    /// Workspaces by batch size, created on first use.
    var workspaces: [Int: Workspace<Scalar>] = [:]
    /// The workspace used last, checked before the dictionary (full-batch training uses one size).
    var recentWorkspace: Workspace<Scalar>?

    /// Builds the stack and draws every layer's parameters from `generator`.
    ///
    /// - Precondition: the layers' sizes chain (each layer's input size is the previous output size),
    ///   and the first layer declares its input size.
    public init<Generator: RealRandomNumberGenerator>(_ layers: [any Layer<Scalar>], generator: inout Generator) {
        precondition(!layers.isEmpty, "Sequential: a network needs at least one layer")
        guard let first = layers.first?.inputSize else {
            preconditionFailure("Sequential: the first layer must declare its input size (start with a Dense layer)")
        }
        var width = first
        var sizes: [Int] = []
        for (index, layer) in layers.enumerated() {
            if let expected = layer.inputSize, expected != width {
                preconditionFailure("Sequential: layer \(index) expects \(expected) inputs but receives \(width)")
            }
            width = layer.outputSize(forInputSize: width)
            sizes.append(width)
        }
        self.layers = layers
        self.inputSize = first
        self.outputSizes = sizes
        self.nodes = layers.map(LayerNode.init)
        for layer in layers { layer.initializeParameters(using: &generator) }
    }

    /// Builds the stack and draws its parameters from a ``NumpyRandomState`` seeded with `seed`.
    public convenience init(_ layers: [any Layer<Scalar>], seed: UInt32 = 0) {
        var generator = NumpyRandomState(seed: seed)
        self.init(layers, generator: &generator)
    }

    /// The number of output features.
    public var outputSize: Int { outputSizes.last! }

    /// Every trainable parameter, layer by layer.
    public var parameters: [Parameter<Scalar>] { layers.flatMap { $0.parameters } }

    /// The total number of trainable scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }

    /// The activation the last layer ends with.
    public var finalActivation: Activation { layers.last!.finalActivation }

    /// The workspace for `batchSize`, created once.
    func workspace(batchSize: Int) -> Workspace<Scalar> {
        if let recent = recentWorkspace, recent.batchSize == batchSize { return recent }
        if let existing = workspaces[batchSize] {
            recentWorkspace = existing
            return existing
        }
        let created = Workspace<Scalar>(batchSize: batchSize, inputSize: inputSize, outputSizes: outputSizes)
        workspaces[batchSize] = created
        recentWorkspace = created
        return created
    }

    /// Runs the forward pass on `inputs` into the workspace's layer outputs.
    func forward(_ inputs: Matrix<Scalar>, workspace: Workspace<Scalar>) {
        let buffers = workspace.layers
        for index in nodes.indices {
            let input = index == 0 ? inputs : buffers[index - 1].output
            nodes[index].forward(input, into: &buffers[index].output)
        }
    }

    /// Runs the backward pass after ``forward(_:workspace:)``; the last layer's gradient buffer must
    /// already hold ∂loss/∂output (or ∂loss/∂z when `fused`).
    func backward(_ inputs: Matrix<Scalar>, workspace: Workspace<Scalar>, fused: Bool, gradientRetention: Scalar) {
        let buffers = workspace.layers
        var unused = Matrix<Scalar>.zeros(rows: 0, columns: 0)
        for index in nodes.indices.reversed() {
            let input = index == 0 ? inputs : buffers[index - 1].output
            if index == 0 {
                nodes[index].backward(
                    input: input, output: buffers[index].output, outputGradient: &buffers[index].gradient,
                    inputGradient: &unused, needsInputGradient: false,
                    skipsActivationDerivative: fused && index == nodes.count - 1, gradientRetention: gradientRetention)
            } else {
                nodes[index].backward(
                    input: input, output: buffers[index].output, outputGradient: &buffers[index].gradient,
                    inputGradient: &buffers[index - 1].gradient, needsInputGradient: true,
                    skipsActivationDerivative: fused && index == nodes.count - 1, gradientRetention: gradientRetention)
            }
        }
    }

    /// The network's outputs for `inputs` (one sample a row), computed in batches of `batchSize` rows.
    ///
    /// - Throws: ``NetworkError/shapeMismatch(_:)`` when `inputs` does not have ``inputSize`` columns.
    public func predict(_ inputs: Matrix<Scalar>, batchSize: Int = 1024) throws(NetworkError) -> Matrix<Scalar> {
        try checkInputs(inputs, "predict")
        return specialized(
            { network in unsafeBitCast(network.predictSpecialized(unsafeBitCast(inputs, to: Matrix<Float>.self), batchSize: batchSize), to: Matrix<Scalar>.self) },
            { network in unsafeBitCast(network.predictSpecialized(unsafeBitCast(inputs, to: Matrix<Double>.self), batchSize: batchSize), to: Matrix<Scalar>.self) },
            { network in network.predictSpecialized(inputs, batchSize: batchSize) })
    }

    func predictSpecialized(_ inputs: Matrix<Scalar>, batchSize: Int) -> Matrix<Scalar> {
        let size = max(1, min(batchSize, inputs.rows))
        if inputs.rows <= size {
            let workspace = workspace(batchSize: inputs.rows)
            forward(inputs, workspace: workspace)
            return workspace.layers.last!.output
        }
        var pieces: [Matrix<Scalar>] = []
        var start = 0
        while start < inputs.rows {
            let end = min(start + size, inputs.rows)
            let workspace = workspace(batchSize: end - start)
            forward(inputs.rows(start..<end), workspace: workspace)
            pieces.append(workspace.layers.last!.output)
            start = end
        }
        return .concatenatedVertically(pieces)
    }

    /// Checks that `inputs` has the network's input width.
    func checkInputs(_ inputs: Matrix<Scalar>, _ operation: String) throws(NetworkError) {
        guard inputs.columns == inputSize else {
            throw .shapeMismatch(
                "\(operation): the data has \(inputs.columns) features per sample (shape \(inputs.shapeDescription)) but the network expects \(inputSize)")
        }
    }

    /// Calls the body for this network's concrete precision, so that the generic code inside runs
    /// specialized for `Float` or `Double` (generic code called through a type parameter does not).
    @inline(__always)
    func specialized<Result, Failure: Error>(
        _ float: (Sequential<Float>) throws(Failure) -> Result, _ double: (Sequential<Double>) throws(Failure) -> Result,
        _ generic: (Sequential<Scalar>) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        if let network = self as? Sequential<Float> { return try float(network) }
        if let network = self as? Sequential<Double> { return try double(network) }
        return try generic(self)
    }
}
