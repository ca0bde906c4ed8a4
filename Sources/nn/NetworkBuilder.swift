import Network
import Tensor

/// One layer of the network a new run builds: its token (nil for the output layer nn adds), the
/// shape of its input and output samples, and its number of trainable scalars.
struct PlannedLayer {
    var token: LayerToken?
    var inputShape: [Int]
    var outputShape: [Int]
    var parameterCount: Int

    /// The scalars of one output sample.
    var outputWidth: Int { outputShape.reduce(1, *) }
}

/// Builds the network `--layers` and the other network options describe: first a plan of every
/// layer's shapes and parameter counts (arithmetic only, so that a network too large is refused
/// before anything is allocated), then the layers through their public initializers.
enum NetworkBuilder {
    /// The most trainable parameters a network built from the command line may have (16 GiB as Double).
    static let largestParameterCount = 1 << 31

    /// Plans `stack` on samples of `inputShape` (`[channels, height, width]` for images, else
    /// `[features]`), ending in a dense layer of `outputSize`. After the last image layer the stack
    /// flattens to dense (NCHW order, PyTorch's `nn.Flatten`).
    ///
    /// Refuses, naming the token (exit 64): an image layer without an image shape (`dataName` has
    /// none) or after a layer that flattened the images, a window that does not fit its image,
    /// dropout as the first layer (the first layer must take the input's width), more than
    /// ``largestParameterCount`` parameters (counted without overflow), and binary cross-entropy on
    /// outputs that are not probabilities.
    static func plan(
        _ stack: LayerStack, inputShape: [Int], outputSize: Int, plan: ResolvedRun, dataName: String
    ) throws -> [PlannedLayer] {
        var planned: [PlannedLayer] = []
        var shape = inputShape
        // The token that flattened the images (a dense layer or gap), for the message.
        var flattenedBy: (index: Int, text: String)?
        var total = 0
        func refuse(_ index: Int, _ token: LayerToken, _ reason: String) -> CommandError {
            .usage("--layers: token \(index + 1) '\(token.text)' \(reason)")
        }
        // Adds a layer of `factors.reduce(1, *) + extra` parameters, every product and sum checked for overflow.
        func add(_ token: LayerToken?, output: [Int], parameters factors: [Int], plus extra: Int = 0) throws {
            var count = 1, overflow = false
            for factor in factors where !overflow { (count, overflow) = count.multipliedReportingOverflow(by: factor) }
            let (withExtra, overflowExtra) = count.addingReportingOverflow(extra)
            let (sum, overflowSum) = total.addingReportingOverflow(withExtra)
            guard !overflow, !overflowExtra, !overflowSum, sum <= largestParameterCount else {
                throw CommandError.invalidOption(
                    "--layers \(stack.text) on \(shapeDescription(inputShape)) inputs would need more than \(largestParameterCount) parameters; choose smaller layers"
                )
            }
            total = sum
            planned.append(
                PlannedLayer(token: token, inputShape: shape, outputShape: output, parameterCount: withExtra))
            shape = output
        }
        let bias = plan.bias ? 1 : 0
        for (index, token) in stack.tokens.enumerated() {
            let width = shape.reduce(1, *)
            if token.needsImages && shape.count != 3 {
                if let flattenedBy {
                    throw refuse(
                        index, token,
                        "works on images, but token \(flattenedBy.index + 1) '\(flattenedBy.text)' before it gives flat features; put the image layers first"
                    )
                }
                throw refuse(
                    index, token,
                    "works on images, and \(dataName) has no image shape; give one with --image-shape C,H,W (IDX image files carry theirs)"
                )
            }
            switch token {
            case .dense(let units):
                flattenedBy = flattenedBy ?? (index, token.text)
                try add(token, output: [units], parameters: [width + bias, units])
            case .convolution(let filters, let kernel, let stride, let padding):
                let geometry = ImageGeometry(
                    channels: shape[0], height: shape[1], width: shape[2], kernelSize: kernel, stride: stride,
                    same: padding == .same)
                guard geometry.positions > 0 else {
                    throw refuse(
                        index, token,
                        "has a \(kernel)×\(kernel) kernel without padding, larger than its \(shapeDescription(shape)) input; use a smaller kernel or same padding"
                    )
                }
                if plan.activation == .softmax {
                    throw refuse(
                        index, token,
                        "cannot take --activation softmax, which normalizes a whole sample; choose another activation")
                }
                try add(
                    token, output: [filters, geometry.outputHeight, geometry.outputWidth],
                    parameters: [filters, shape[0], kernel, kernel], plus: bias * filters)
            case .maxPooling(let pool, let stride), .averagePooling(let pool, let stride):
                guard pool <= shape[1], pool <= shape[2] else {
                    throw refuse(
                        index, token, "has a \(pool)×\(pool) window, larger than its \(shapeDescription(shape)) input")
                }
                let geometry = ImageGeometry(
                    channels: shape[0], height: shape[1], width: shape[2], kernelSize: pool, stride: stride,
                    same: false)
                try add(token, output: [shape[0], geometry.outputHeight, geometry.outputWidth], parameters: [0])
            case .globalAveragePooling:
                flattenedBy = flattenedBy ?? (index, token.text)
                try add(token, output: [shape[0]], parameters: [0])
            case .dropout:
                if index == 0 {
                    throw refuse(
                        index, token,
                        "cannot come first: the first layer must take the input's width; put dropout after a layer")
                }
                try add(token, output: shape, parameters: [0])
            case .batchNormalization:
                try add(token, output: shape, parameters: [2, shape[0]])
            }
        }
        try add(nil, output: [outputSize], parameters: [shape.reduce(1, *) + bias, outputSize])
        if plan.loss == .binaryCrossEntropy && plan.outputActivation != .sigmoid && plan.outputActivation != .softmax {
            throw CommandError.usage(
                "--loss bce needs probabilities: an output activation of sigmoid (or softmax), not \(plan.outputActivation.rawValue)"
            )
        }
        return planned
    }

    /// `(1, 28, 28)` for an image, `784` for features.
    static func shapeDescription(_ shape: [Int]) -> String {
        shape.count == 1 ? "\(shape[0])" : "(\(shape.map(String.init).joined(separator: ", ")))"
    }

    /// Refuses a run whose network, optimizer state and workspaces would not fit in the memory
    /// available (``MemoryEstimate``), unless `force`.
    /// `sampleCount` rows at most are evaluated at once (the data's rows: validation and test parts are
    /// smaller).
    static func checkMemory(
        _ planned: [PlannedLayer], stack: LayerStack, plan: ResolvedRun, scalarSize: Int, trainingCount: Int,
        sampleCount: Int, force: Bool
    ) throws {
        let rows = Swift.min(plan.batchSize ?? trainingCount, trainingCount)
        let estimate = MemoryEstimate.trainingBytes(
            widths: [planned[0].inputShape.reduce(1, *)] + planned.map(\.outputWidth),
            parameterCounts: planned.map(\.parameterCount),
            unrolledScalars: planned.map(unrolledScalars), scalarSize: scalarSize,
            stateSlots: plan.optimizerKind.stateCount, batchSize: rows, sampleCount: sampleCount)
        try MemoryEstimate.check(estimate: estimate, force: force, what: "--layers \(stack.text) at batch size \(rows)")
    }

    /// The scalars of one image's unrolled windows and product rows in a convolution's
    /// workspaces (the least they hold), 0 for other layers.
    static func unrolledScalars(_ layer: PlannedLayer) -> Int {
        guard case .convolution(let filters, let kernel, _, _) = layer.token else { return 0 }
        let positions = layer.outputShape[1] * layer.outputShape[2]
        return positions * (layer.inputShape[0] * kernel * kernel + filters)
    }

    /// The layers; a parameter whose memory cannot be allocated is an error, not a trap, and so is a
    /// layer its initializer refuses (named by its token).
    static func layers<Scalar: MatrixScalar>(_ planned: [PlannedLayer], plan: ResolvedRun) throws
        -> [any Layer<Scalar>]
    {
        var built: [any Layer<Scalar>] = []
        for (index, layer) in planned.enumerated() {
            do {
                built.append(try make(layer, plan: plan, as: Scalar.self))
            } catch {
                guard case .invalidConfiguration(let reason) = error else { throw error }
                throw CommandError.usage("--layers: token \(index + 1) '\(layer.token?.text ?? "output")': \(reason)")
            }
        }
        return built
    }

    /// One layer, through its public initializer.
    private static func make<Scalar: MatrixScalar>(_ layer: PlannedLayer, plan: ResolvedRun, as type: Scalar.Type)
        throws(NetworkError) -> any Layer<Scalar>
    {
        let shape = layer.inputShape
        let image = (
            channels: shape.count == 3 ? shape[0] : 0, height: shape.count == 3 ? shape[1] : 0,
            width: shape.count == 3 ? shape[2] : 0
        )
        switch layer.token {
        case nil, .dense:
            return try Dense<Scalar>.make(
                inputSize: shape.reduce(1, *), outputSize: layer.outputWidth, bias: plan.bias,
                activation: layer.token == nil ? plan.outputActivation : plan.activation.activation,
                weightInitializer: plan.weightInitializer, biasInitializer: plan.biasInitializer)
        case .convolution(let filters, let kernel, let stride, let padding):
            return try Conv2D<Scalar>(
                inputShape: image, filters: filters, kernelSize: kernel, stride: stride, padding: padding,
                bias: plan.bias, activation: plan.activation.activation, weightInitializer: plan.weightInitializer,
                biasInitializer: plan.biasInitializer)
        case .maxPooling(let pool, let stride):
            return try MaxPool2D<Scalar>(inputShape: image, poolSize: pool, stride: stride)
        case .averagePooling(let pool, let stride):
            return try AveragePool2D<Scalar>(inputShape: image, poolSize: pool, stride: stride)
        case .globalAveragePooling:
            return try GlobalAveragePool2D<Scalar>(inputShape: image)
        case .dropout(let rate):
            return try Dropout<Scalar>(rate: rate)
        case .batchNormalization:
            return try BatchNorm<Scalar>(inputShape: shape)
        }
    }
}
