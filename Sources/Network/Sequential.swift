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

    /// The forward pass on raw row-major buffers (`rows × inputColumns` into `rows × outputColumns`).
    func forward(
        input: UnsafePointer<Scalar>, rows: Int, inputColumns: Int, into output: UnsafeMutablePointer<Scalar>,
        outputColumns: Int
    ) {
        switch self {
        case .dense(let layer): layer.forward(input: input, rows: rows, into: output)
        case .activation(let layer): layer.forward(input: input, rows: rows, columns: inputColumns, into: output)
        case .custom(let layer):
            // A layer of the user's own speaks `Matrix`: copy in and out around it.
            var result = Matrix<Scalar>.zeros(rows: rows, columns: outputColumns)
            layer.forward(Matrix(copying: input, rows: rows, columns: inputColumns), into: &result)
            checkPrecondition(
                result.rows == rows && result.columns == outputColumns,
                "\(type(of: layer)).forward: wrote a \(result.shapeDescription) output where (\(rows), \(outputColumns)) was given; a layer must keep its output's shape")
            result.copy(to: output)
        }
    }

    /// The backward pass on raw row-major buffers; `inputGradient` is `nil` for the first layer.
    func backward(
        input: UnsafePointer<Scalar>, output: UnsafePointer<Scalar>, outputGradient: UnsafeMutablePointer<Scalar>,
        inputGradient: UnsafeMutablePointer<Scalar>?, rows: Int, inputColumns: Int, outputColumns: Int,
        skipsActivationDerivative: Bool, gradientRetention: Scalar
    ) {
        switch self {
        case .dense(let layer):
            layer.backward(
                input: input, output: output, outputGradient: outputGradient, inputGradient: inputGradient, rows: rows,
                skipsActivationDerivative: skipsActivationDerivative, gradientRetention: gradientRetention)
        case .activation(let layer):
            guard let inputGradient else { return }
            layer.backward(
                output: output, outputGradient: outputGradient, inputGradient: inputGradient, rows: rows,
                columns: outputColumns, skipsActivationDerivative: skipsActivationDerivative)
        case .custom(let layer):
            var gradient = Matrix(copying: outputGradient, rows: rows, columns: outputColumns)
            let needsInputGradient = inputGradient != nil
            var result = Matrix<Scalar>.zeros(rows: needsInputGradient ? rows : 0, columns: needsInputGradient ? inputColumns : 0)
            layer.backward(
                input: Matrix(copying: input, rows: rows, columns: inputColumns),
                output: Matrix(copying: output, rows: rows, columns: outputColumns), outputGradient: &gradient,
                inputGradient: &result, needsInputGradient: needsInputGradient,
                skipsActivationDerivative: skipsActivationDerivative, gradientRetention: gradientRetention)
            if let inputGradient {
                checkPrecondition(
                    result.rows == rows && result.columns == inputColumns,
                    "\(type(of: layer)).backward: wrote a \(result.shapeDescription) input gradient where (\(rows), \(inputColumns)) was given; a layer must keep its shape")
                result.copy(to: inputGradient)
            }
        }
    }
}

extension Matrix {
    /// A matrix holding a copy of a raw row-major `rows × columns` buffer.
    init(copying source: UnsafePointer<Scalar>, rows: Int, columns: Int) {
        self.init(rows: rows, columns: columns, scalars: Array(UnsafeBufferPointer(start: source, count: rows * columns)))
    }

    /// Copies the elements, row-major, to `destination`.
    func copy(to destination: UnsafeMutablePointer<Scalar>) {
        withUnsafeBufferPointer { source in
            if let base = source.baseAddress { destination.update(from: base, count: source.count) }
        }
    }
}

/// Preallocated buffers for one batch size, reused by every step with that size: the gathered
/// mini-batch and, for each layer, its output and the gradient with respect to it.
final class Workspace<Scalar: MatrixScalar> {
    let batchSize: Int
    /// The mini-batch's inputs and targets, gathered from the shuffled order.
    let inputs: ScalarBuffer<Scalar>
    let targets: ScalarBuffer<Scalar>
    /// Each layer's output and ∂loss/∂output, `batchSize × width`.
    let outputs: [ScalarBuffer<Scalar>]
    let gradients: [ScalarBuffer<Scalar>]
    /// The same buffers' addresses, so that a step reads them without touching reference counts.
    let outputPointers: [UnsafeMutablePointer<Scalar>]
    let gradientPointers: [UnsafeMutablePointer<Scalar>]

    init(batchSize: Int, inputSize: Int, outputSizes: [Int]) {
        self.batchSize = batchSize
        inputs = ScalarBuffer(rows: batchSize, columns: inputSize)
        targets = ScalarBuffer(rows: batchSize, columns: outputSizes.last ?? 0)
        outputs = outputSizes.map { ScalarBuffer(rows: batchSize, columns: $0) }
        gradients = outputSizes.map { ScalarBuffer(rows: batchSize, columns: $0) }
        outputPointers = outputs.map(\.pointer)
        gradientPointers = gradients.map(\.pointer)
    }

    /// The last layer's output.
    var finalOutput: UnsafeMutablePointer<Scalar> { outputPointers[outputPointers.count - 1] }
    /// The last layer's gradient buffer.
    var finalGradient: UnsafeMutablePointer<Scalar> { gradientPointers[gradientPointers.count - 1] }
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
    @usableFromInline let nodes: [LayerNode<Scalar>]
    /// Workspaces by batch size, created on first use.
    @exclusivity(unchecked) var workspaces: [Int: Workspace<Scalar>] = [:]
    /// The workspace used last, checked before the dictionary (full-batch training uses one size).
    @exclusivity(unchecked) var recentWorkspace: Workspace<Scalar>?

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
        var sizes: [Int] = []
        for (index, layer) in layers.enumerated() {
            if let expected = layer.inputSize, expected != width {
                failPrecondition("Sequential: layer \(index) expects \(expected) inputs but receives \(width)")
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

    /// Builds the stack and draws its parameters from a `NumpyRandomState` seeded with `seed`.
    public convenience init(_ layers: [any Layer<Scalar>], seed: UInt32 = 0) {
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

    /// Runs the forward pass on `rows` inputs (row-major, ``inputSize`` wide) into the workspace's layer outputs.
    func forward(_ inputs: UnsafePointer<Scalar>, rows: Int, workspace: Workspace<Scalar>) {
        let outputs = workspace.outputPointers
        var input = inputs, width = inputSize
        for index in nodes.indices {
            let output = outputs[index], outputWidth = outputSizes[index]
            nodes[index].forward(input: input, rows: rows, inputColumns: width, into: output, outputColumns: outputWidth)
            input = UnsafePointer(output)
            width = outputWidth
        }
    }

    /// Runs the backward pass after ``forward(_:rows:workspace:)``; the last layer's gradient buffer
    /// must already hold ∂loss/∂output (or ∂loss/∂z when `fused`).
    func backward(_ inputs: UnsafePointer<Scalar>, rows: Int, workspace: Workspace<Scalar>, fused: Bool, gradientRetention: Scalar) {
        let outputs = workspace.outputPointers, gradients = workspace.gradientPointers
        let last = nodes.count - 1
        for index in nodes.indices.reversed() {
            let input = index == 0 ? inputs : UnsafePointer(outputs[index - 1])
            nodes[index].backward(
                input: input, output: outputs[index], outputGradient: gradients[index],
                inputGradient: index == 0 ? nil : gradients[index - 1], rows: rows,
                inputColumns: index == 0 ? inputSize : outputSizes[index - 1], outputColumns: outputSizes[index],
                skipsActivationDerivative: fused && index == last, gradientRetention: gradientRetention)
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
        let width = outputSize
        var result = Matrix<Scalar>.zeros(rows: inputs.rows, columns: width)
        guard inputs.rows > 0 else { return result }
        inputs.withUnsafeBufferPointer { x in
            result.withUnsafeMutableBufferPointer { y in
                var start = 0
                while start < inputs.rows {
                    let end = min(start + size, inputs.rows)
                    let workspace = workspace(batchSize: end - start)
                    forward(x.baseAddress! + start * inputSize, rows: end - start, workspace: workspace)
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
