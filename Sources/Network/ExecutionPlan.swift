import Tensor

/// How a network runs, decided once per `fit`, `predict` and `evaluate`: one step per layer, the
/// fusion decisions, and the workspaces every batch size uses.
///
/// The built-in layers become concrete steps (``Step``), so the training loop calls specialized
/// code directly instead of the ``Layer`` protocol's unspecialized witnesses; a layer of the user's
/// own runs through the protocol, with `Matrix` copies in and out. The plan decides once whether the
/// loss gives ∂loss/∂z of the last activation directly (``skipsFinalDerivative``, fused softmax or
/// sigmoid with cross-entropy), which activation the loss reads its predictions through, and how
/// layers keep the previous gradient (``gradientRetention``, for momentum SGD).
final class ExecutionPlan<Scalar: MatrixScalar> {
    /// A layer as the plan runs it.
    enum Step {
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
                    "\(type(of: layer)).forward: wrote a \(result.shapeDescription) output where (\(rows), \(outputColumns)) was given; a layer must keep its output's shape"
                )
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
                    input: input, output: output, outputGradient: outputGradient, inputGradient: inputGradient,
                    rows: rows,
                    skipsActivationDerivative: skipsActivationDerivative, gradientRetention: gradientRetention)
            case .activation(let layer):
                guard let inputGradient else { return }
                layer.backward(
                    output: output, outputGradient: outputGradient, inputGradient: inputGradient, rows: rows,
                    columns: outputColumns, skipsActivationDerivative: skipsActivationDerivative)
            case .custom(let layer):
                var gradient = Matrix(copying: outputGradient, rows: rows, columns: outputColumns)
                let needsInputGradient = inputGradient != nil
                var result = Matrix<Scalar>.zeros(
                    rows: needsInputGradient ? rows : 0, columns: needsInputGradient ? inputColumns : 0)
                layer.backward(
                    input: Matrix(copying: input, rows: rows, columns: inputColumns),
                    output: Matrix(copying: output, rows: rows, columns: outputColumns), outputGradient: &gradient,
                    inputGradient: &result, needsInputGradient: needsInputGradient,
                    skipsActivationDerivative: skipsActivationDerivative, gradientRetention: gradientRetention)
                if let inputGradient {
                    checkPrecondition(
                        result.rows == rows && result.columns == inputColumns,
                        "\(type(of: layer)).backward: wrote a \(result.shapeDescription) input gradient where (\(rows), \(inputColumns)) was given; a layer must keep its shape"
                    )
                    result.copy(to: inputGradient)
                }
            }
        }
    }

    /// The steps, first layer first.
    let steps: [Step]
    /// The network's input width.
    let inputSize: Int
    /// Each step's output width.
    let outputSizes: [Int]
    /// Whether the loss gives ∂loss/∂z of the last activation, so the last step skips its derivative.
    let skipsFinalDerivative: Bool
    /// The activation the loss reads the network's outputs through (identity unless it fuses, or
    /// softmax cross-entropy on logits).
    let lossActivation: Activation
    /// Parameter gradients become `retention · previous + new` (see ``Optimizer/gradientRetention``).
    let gradientRetention: Scalar
    /// Workspaces by batch size, created on first use.
    @exclusivity(unchecked) var workspaces: [Int: Workspace<Scalar>] = [:]
    /// The workspace used last, checked before the dictionary (full-batch training uses one size).
    @exclusivity(unchecked) var recentWorkspace: Workspace<Scalar>?

    /// The plan for `network`, trained on `loss` when given.
    init(_ network: Sequential<Scalar>, loss: Loss?, gradientRetention: Scalar) {
        steps = network.layers.map(Step.init)
        inputSize = network.inputSize
        outputSizes = network.outputSizes
        let final = network.finalActivation
        let fused = loss?.fuses(with: final) ?? false
        skipsFinalDerivative = fused
        lossActivation = fused || loss == .softmaxCrossEntropy ? final : .identity
        self.gradientRetention = gradientRetention
    }

    /// The workspace for `batchSize`, created once.
    ///
    /// - Throws: ``NetworkError/cannotAllocate(what:bytes:)`` when it cannot be allocated.
    func workspace(batchSize: Int) throws(NetworkError) -> Workspace<Scalar> {
        if let recent = recentWorkspace, recent.batchSize == batchSize { return recent }
        if let existing = workspaces[batchSize] {
            recentWorkspace = existing
            return existing
        }
        let created = try Workspace<Scalar>(batchSize: batchSize, inputSize: inputSize, outputSizes: outputSizes)
        workspaces[batchSize] = created
        recentWorkspace = created
        return created
    }

    /// Runs the forward pass on `rows` inputs (row-major, ``inputSize`` wide) into the workspace's layer outputs.
    func forward(_ inputs: UnsafePointer<Scalar>, rows: Int, workspace: Workspace<Scalar>) {
        let outputs = workspace.outputPointers
        var input = inputs, width = inputSize
        for index in steps.indices {
            let output = outputs[index], outputWidth = outputSizes[index]
            steps[index].forward(
                input: input, rows: rows, inputColumns: width, into: output, outputColumns: outputWidth)
            input = UnsafePointer(output)
            width = outputWidth
        }
    }

    /// Runs the backward pass after ``forward(_:rows:workspace:)``; the last step's gradient buffer
    /// must already hold ∂loss/∂output (or ∂loss/∂z when ``skipsFinalDerivative``).
    func backward(_ inputs: UnsafePointer<Scalar>, rows: Int, workspace: Workspace<Scalar>) {
        let outputs = workspace.outputPointers, gradients = workspace.gradientPointers
        let last = steps.count - 1
        for index in steps.indices.reversed() {
            let input = index == 0 ? inputs : UnsafePointer(outputs[index - 1])
            steps[index].backward(
                input: input, output: outputs[index], outputGradient: gradients[index],
                inputGradient: index == 0 ? nil : gradients[index - 1], rows: rows,
                inputColumns: index == 0 ? inputSize : outputSizes[index - 1], outputColumns: outputSizes[index],
                skipsActivationDerivative: skipsFinalDerivative && index == last, gradientRetention: gradientRetention)
        }
    }
}

extension Matrix {
    /// A matrix holding a copy of a raw row-major `rows × columns` buffer.
    init(copying source: UnsafePointer<Scalar>, rows: Int, columns: Int) {
        self.init(
            rows: rows, columns: columns, scalars: Array(UnsafeBufferPointer(start: source, count: rows * columns)))
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

    init(batchSize: Int, inputSize: Int, outputSizes: [Int]) throws(NetworkError) {
        self.batchSize = batchSize
        func buffer(columns: Int, _ what: String) throws(NetworkError) -> ScalarBuffer<Scalar> {
            try ScalarBuffer(rows: batchSize, columns: columns, for: "the \(what) (\(batchSize), \(columns))")
        }
        inputs = try buffer(columns: inputSize, "workspace's batch of inputs")
        targets = try buffer(columns: outputSizes.last ?? 0, "workspace's batch of targets")
        var outputs: [ScalarBuffer<Scalar>] = []
        var gradients: [ScalarBuffer<Scalar>] = []
        for (index, width) in outputSizes.enumerated() {
            outputs.append(try buffer(columns: width, "workspace's outputs of layer \(index + 1)"))
            gradients.append(try buffer(columns: width, "workspace's gradients of layer \(index + 1)"))
        }
        self.outputs = outputs
        self.gradients = gradients
        outputPointers = outputs.map(\.pointer)
        gradientPointers = gradients.map(\.pointer)
    }

    /// The last layer's output.
    var finalOutput: UnsafeMutablePointer<Scalar> { outputPointers[outputPointers.count - 1] }
    /// The last layer's gradient buffer.
    var finalGradient: UnsafeMutablePointer<Scalar> { gradientPointers[gradientPointers.count - 1] }
}
