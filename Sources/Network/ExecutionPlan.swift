import Tensor

/// How a network runs, decided once per `fit`, `predict` and `evaluate`: one step per layer, the
/// fusion decisions, and the workspaces every batch size uses.
///
/// The built-in layers run on raw buffers through ``BufferedLayer`` (each layer's own file says how),
/// so the plan lists no layer kind; a layer of the user's own runs through the ``Layer`` protocol,
/// with `Matrix` copies in and out. The plan decides once whether the
/// loss gives ∂loss/∂z of the last activation directly (``skipsFinalDerivative``, fused softmax or
/// sigmoid with cross-entropy), which activation the loss reads its predictions through, and how
/// layers keep the previous gradient (``gradientRetention``, for momentum SGD).
final class ExecutionPlan<Scalar: MatrixScalar> {
    /// A layer as the plan runs it: one that works on raw buffers (every built-in layer, through
    /// ``BufferedLayer``), or a layer of the user's own, called with `Matrix` copies.
    ///
    /// The references are unowned: the plan keeps its network, and so the layers, alive (see
    /// ``network``), and a step costs no reference counting, which for the notebooks' 3-4-1 network
    /// was a fifth of the step.
    struct Step {
        /// The layer, for the `Matrix` path.
        unowned(unsafe) let layer: any Layer<Scalar>
        /// The same layer, unretained, when it runs on raw buffers, and its type, which runs it: a
        /// pair that is read and called without reference counting.
        let buffered: (layer: Unmanaged<AnyObject>, type: any BufferedLayer<Scalar>.Type)?

        init(_ layer: any Layer<Scalar>) {
            self.layer = layer
            if let fast = layer as? any BufferedLayer<Scalar> {
                buffered = (Unmanaged.passUnretained(fast as AnyObject), type(of: fast))
            } else {
                buffered = nil
            }
        }

        /// The forward pass on raw row-major buffers (`rows × inputColumns` into `rows × outputColumns`).
        func forward(
            input: UnsafePointer<Scalar>, rows: Int, inputColumns: Int, into output: UnsafeMutablePointer<Scalar>,
            outputColumns: Int
        ) {
            if let buffered {
                buffered.type.forward(
                    buffered.layer, input: input, rows: rows, inputColumns: inputColumns, into: output,
                    outputColumns: outputColumns)
                return
            }
            // A layer of the user's own speaks `Matrix`: copy in and out around it.
            var result = Matrix<Scalar>.zeros(rows: rows, columns: outputColumns)
            layer.forward(Matrix(copying: input, rows: rows, columns: inputColumns), into: &result)
            checkPrecondition(
                result.rows == rows && result.columns == outputColumns,
                "\(type(of: layer)).forward: wrote a \(result.shapeDescription) output where (\(rows), \(outputColumns)) was given; a layer must keep its output's shape"
            )
            result.copy(to: output)
        }

        /// The backward pass on raw row-major buffers; `inputGradient` is `nil` for the first layer.
        func backward(
            input: UnsafePointer<Scalar>, output: UnsafePointer<Scalar>, outputGradient: UnsafeMutablePointer<Scalar>,
            inputGradient: UnsafeMutablePointer<Scalar>?, rows: Int, inputColumns: Int, outputColumns: Int,
            skipsActivationDerivative: Bool, gradientRetention: Scalar
        ) {
            if let buffered {
                buffered.type.backward(
                    buffered.layer, input: input, output: output, outputGradient: outputGradient,
                    inputGradient: inputGradient,
                    rows: rows, inputColumns: inputColumns, outputColumns: outputColumns,
                    skipsActivationDerivative: skipsActivationDerivative, gradientRetention: gradientRetention)
                return
            }
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

    /// The network the plan runs, which keeps the steps' layers alive.
    let network: Sequential<Scalar>
    /// The steps, first layer first, in a table the plan owns: reading one costs no reference counting.
    let steps: UnsafeMutableBufferPointer<Step>
    /// ``outputSizes`` in a table of the plan's own, read by every step.
    let outputWidths: UnsafeMutableBufferPointer<Int>
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
    /// Where each step's parameter gradients start in the network's gradient block (the parameters'
    /// scalars before that layer's), for ``GradientHook/gradientsReady(_:from:)``.
    let gradientOffsets: UnsafeMutableBufferPointer<Int>
    /// The layers that behave differently in training and inference (dropout, batch normalization).
    let modeDependentLayers: [any ModeDependentLayer<Scalar>]
    /// The mode those layers were last set to.
    var mode = LayerMode.inference
    /// Workspaces by batch size, created on first use.
    @exclusivity(unchecked) var workspaces: [Int: Workspace<Scalar>] = [:]
    /// The addresses of the workspace used last, checked before the dictionary (full-batch training
    /// uses one size); the workspace itself stays in ``workspaces``.
    @exclusivity(unchecked) var recentWorkspace: Workspace<Scalar>.Addresses?

    /// The plan for `network`, trained on `loss` when given.
    init(_ network: Sequential<Scalar>, loss: Loss?, gradientRetention: Scalar) {
        self.network = network
        steps = .allocate(capacity: network.layers.count)
        _ = steps.initialize(from: network.layers.map(Step.init))
        inputSize = network.inputSize
        outputSizes = network.outputSizes
        outputWidths = .allocate(capacity: outputSizes.count)
        _ = outputWidths.initialize(from: outputSizes)
        let final = network.finalActivation
        let fused = loss?.fuses(with: final) ?? false
        skipsFinalDerivative = fused
        lossActivation = fused || loss == .softmaxCrossEntropy ? final : .identity
        self.gradientRetention = gradientRetention
        gradientOffsets = .allocate(capacity: network.layers.count)
        var offset = 0
        for (index, layer) in network.layers.enumerated() {
            gradientOffsets[index] = offset
            offset += layer.parameters.reduce(0) { $0 + $1.count }
        }
        modeDependentLayers = network.layers.compactMap { $0 as? any ModeDependentLayer<Scalar> }
        randomLayers = modeDependentLayers.filter { $0.drawsRandomNumbers }
        drawsRandomNumbers = !randomLayers.isEmpty
        for layer in modeDependentLayers { layer.mode = .inference }
    }

    /// The layers that draw random numbers in training (dropout), in layer order: asked once, when
    /// the plan is made, as a layer's settings do not change during a `fit`.
    let randomLayers: [any ModeDependentLayer<Scalar>]

    /// Whether some layer draws random numbers in training, so a training epoch begins with
    /// ``beginEpoch(random:)``.
    let drawsRandomNumbers: Bool

    /// Seeds the layers that draw random numbers for the coming epoch, one seed each from `random`
    /// in layer order; draws nothing when no layer does (a dense network's stream is unchanged).
    func beginEpoch(random: inout NumpyRandomState) {
        for layer in randomLayers { layer.beginEpoch(seed: random.next()) }
    }

    /// Sets every mode-dependent layer to `mode` when it is not already there.
    @inline(__always)
    func setMode(_ newMode: LayerMode) {
        guard newMode != mode else { return }
        mode = newMode
        for layer in modeDependentLayers { layer.mode = newMode }
    }

    deinit {
        steps.deinitialize().deallocate()
        outputWidths.deallocate()
        gradientOffsets.deallocate()
    }

    /// The addresses of the workspace for `batchSize`, created once and kept by the plan.
    ///
    /// - Throws: ``NetworkError/cannotAllocate(what:bytes:)`` when it cannot be allocated.
    func workspace(batchSize: Int) throws(NetworkError) -> Workspace<Scalar>.Addresses {
        if let recent = recentWorkspace, recent.batchSize == batchSize { return recent }
        let workspace: Workspace<Scalar>
        if let existing = workspaces[batchSize] {
            workspace = existing
        } else {
            workspace = try Workspace<Scalar>(batchSize: batchSize, inputSize: inputSize, outputSizes: outputSizes)
            workspaces[batchSize] = workspace
        }
        recentWorkspace = workspace.addresses
        return workspace.addresses
    }

    /// Runs the forward pass on `rows` inputs (row-major, ``inputSize`` wide) into the workspace's
    /// layer outputs, in `mode` (a training step's, or inference for everything else).
    func forward(
        _ inputs: UnsafePointer<Scalar>, rows: Int, workspace: Workspace<Scalar>.Addresses,
        mode: LayerMode = .inference
    ) {
        if !modeDependentLayers.isEmpty { setMode(mode) }
        let outputs = workspace.outputs, outputWidths = outputWidths, steps = steps
        var input = inputs, width = inputSize
        for index in steps.indices {
            let output = outputs[index], outputWidth = outputWidths[index]
            steps[index].forward(
                input: input, rows: rows, inputColumns: width, into: output, outputColumns: outputWidth)
            input = UnsafePointer(output)
            width = outputWidth
        }
    }

    /// Runs the backward pass after ``forward(_:rows:workspace:)``; the last step's gradient buffer
    /// must already hold ∂loss/∂output (or ∂loss/∂z when ``skipsFinalDerivative``).
    ///
    /// With `hook`, each layer's parameter gradients but the first layer's are announced as soon as
    /// that layer's step has produced them (``GradientHook/gradientsReady(_:from:)``), so that a data-parallel hook sends
    /// them while the earlier layers compute; `gradients` must then hold the step's statistics already.
    func backward(
        _ inputs: UnsafePointer<Scalar>, rows: Int, workspace: Workspace<Scalar>.Addresses,
        hook: (any GradientHook<Scalar>)? = nil, gradients stepGradients: StepGradients<Scalar>? = nil
    ) {
        let outputs = workspace.outputs, gradients = workspace.gradients
        let outputSizes = outputWidths, steps = steps, gradientOffsets = gradientOffsets
        let last = steps.count - 1
        for index in steps.indices.reversed() {
            let input = index == 0 ? inputs : UnsafePointer(outputs[index - 1])
            steps[index].backward(
                input: input, output: outputs[index], outputGradient: gradients[index],
                inputGradient: index == 0 ? nil : gradients[index - 1], rows: rows,
                inputColumns: index == 0 ? inputSize : outputSizes[index - 1], outputColumns: outputSizes[index],
                skipsActivationDerivative: skipsFinalDerivative && index == last, gradientRetention: gradientRetention)
            // After the first layer nothing is left to compute: gradientsComplete follows.
            if index > 0, let hook, let stepGradients {
                hook.gradientsReady(stepGradients, from: gradientOffsets[index])
            }
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
    /// The buffers' addresses, for the steps.
    let addresses: Addresses

    /// The addresses of a workspace's buffers, valid while the workspace lives: what the training
    /// loop and the plan read, a plain value that costs no reference counting.
    struct Addresses {
        /// The batch size the workspace is for.
        let batchSize: Int
        /// The gathered mini-batch's inputs and targets.
        let inputs: UnsafeMutablePointer<Scalar>
        let targets: UnsafeMutablePointer<Scalar>
        /// Each layer's output and ∂loss/∂output.
        let outputs: UnsafeMutableBufferPointer<UnsafeMutablePointer<Scalar>>
        let gradients: UnsafeMutableBufferPointer<UnsafeMutablePointer<Scalar>>

        /// The last layer's output.
        var finalOutput: UnsafeMutablePointer<Scalar> { outputs[outputs.count - 1] }
        /// The last layer's gradient buffer.
        var finalGradient: UnsafeMutablePointer<Scalar> { gradients[gradients.count - 1] }
    }

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
        let outputTable = UnsafeMutableBufferPointer<UnsafeMutablePointer<Scalar>>.allocate(capacity: outputs.count)
        _ = outputTable.initialize(from: outputs.map(\.pointer))
        let gradientTable = UnsafeMutableBufferPointer<UnsafeMutablePointer<Scalar>>.allocate(capacity: gradients.count)
        _ = gradientTable.initialize(from: gradients.map(\.pointer))
        addresses = Addresses(
            batchSize: batchSize, inputs: inputs.pointer, targets: targets.pointer, outputs: outputTable,
            gradients: gradientTable)
    }

    deinit {
        addresses.outputs.deallocate()
        addresses.gradients.deallocate()
    }
}

/// A layer that runs on raw row-major buffers, without `Matrix` copies: what the built-in layers
/// conform to, each in its own file, so that the execution plan calls their specialized code. A
/// layer of the user's own needs only ``Layer``.
///
/// The entry points are static and take the layer unretained: the plan holds each step as that
/// pair (an unmanaged reference and the metatype), so a step costs no reference counting, and a
/// conformance marks them `@_specialize` for `Float` and `Double` so that the call lands on
/// specialized code (as `Dense.swift` does).
protocol BufferedLayer<Scalar>: Layer {
    /// The forward pass of `layer` (an instance of this type): `input` is `rows × inputColumns`,
    /// `output` `rows × outputColumns`.
    static func forward(
        _ layer: Unmanaged<AnyObject>, input: UnsafePointer<Scalar>, rows: Int, inputColumns: Int,
        into output: UnsafeMutablePointer<Scalar>, outputColumns: Int)

    /// The backward pass of `layer` after its forward pass: turns `outputGradient` (∂loss/∂output,
    /// or ∂loss/∂z when `skipsActivationDerivative`) into the parameters' gradients (kept as
    /// `gradientRetention · previous + new`) and, unless `inputGradient` is `nil` (the first layer),
    /// ∂loss/∂input.
    static func backward(
        _ layer: Unmanaged<AnyObject>, input: UnsafePointer<Scalar>, output: UnsafePointer<Scalar>,
        outputGradient: UnsafeMutablePointer<Scalar>, inputGradient: UnsafeMutablePointer<Scalar>?, rows: Int,
        inputColumns: Int, outputColumns: Int, skipsActivationDerivative: Bool, gradientRetention: Scalar)
}

extension BufferedLayer {
    /// ``Layer/forward(_:into:)`` through the layer's raw-buffer pass: what the layers whose only
    /// form is that pass (convolution, pooling, dropout, batch normalization) answer with.
    func forwardThroughBuffers(_ input: Matrix<Scalar>, into output: inout Matrix<Scalar>, _ name: String) {
        let outputColumns = outputSize(forInputSize: input.columns)
        checkPrecondition(
            input.columns == (inputSize ?? input.columns) && output.shape == (input.rows, outputColumns),
            "\(name).forward: input \(input.shapeDescription) into output \(output.shapeDescription) for a \(inputSize ?? input.columns) → \(outputColumns) layer"
        )
        guard input.rows > 0 else { return }
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                Self.forward(
                    Unmanaged.passUnretained(self as AnyObject), input: x.baseAddress!, rows: input.rows,
                    inputColumns: input.columns, into: y.baseAddress!, outputColumns: outputColumns)
            }
        }
    }

    /// ``Layer/backward(input:output:outputGradient:inputGradient:needsInputGradient:skipsActivationDerivative:gradientRetention:)``
    /// through the layer's raw-buffer pass.
    func backwardThroughBuffers(
        input: Matrix<Scalar>, output: Matrix<Scalar>, outputGradient: inout Matrix<Scalar>,
        inputGradient: inout Matrix<Scalar>, needsInputGradient: Bool, skipsActivationDerivative: Bool,
        gradientRetention: Scalar, _ name: String
    ) {
        let rows = input.rows
        checkPrecondition(
            output.shape == (rows, outputSize(forInputSize: input.columns)) && outputGradient.shape == output.shape
                && (!needsInputGradient || inputGradient.shape == input.shape),
            "\(name).backward: shapes input \(input.shapeDescription), output \(output.shapeDescription), gradients \(outputGradient.shapeDescription) and \(inputGradient.shapeDescription) do not fit"
        )
        guard rows > 0 else {
            for parameter in parameters {
                StridedView.scale(parameter.gradientBuffer.pointer, count: parameter.count, by: gradientRetention)
            }
            return
        }
        input.withUnsafeBufferPointer { x in
            output.withUnsafeBufferPointer { y in
                outputGradient.withUnsafeMutableBufferPointer { dy in
                    inputGradient.withUnsafeMutableBufferPointer { dx in
                        Self.backward(
                            Unmanaged.passUnretained(self as AnyObject), input: x.baseAddress!, output: y.baseAddress!,
                            outputGradient: dy.baseAddress!, inputGradient: needsInputGradient ? dx.baseAddress! : nil,
                            rows: rows, inputColumns: input.columns, outputColumns: output.columns,
                            skipsActivationDerivative: skipsActivationDerivative, gradientRetention: gradientRetention)
                    }
                }
            }
        }
    }
}
