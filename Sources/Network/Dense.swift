import Tensor

/// A fully connected layer: `output = activation(input · weights + bias)`.
///
/// Weights are stored as `(inputSize, outputSize)`, as the notebooks write `X · W + b`, and the bias
/// as a `(1, outputSize)` row broadcast over the batch. The forward product runs through gemm, with
/// the bias addition and the activation fused in one pass afterwards. The backward pass computes
/// `∂W = inputᵀ · ∂z` and `∂input = ∂z · Wᵀ` through gemm's transpose flags, never copying a transpose.
public final class Dense<Scalar: MatrixScalar>: Layer {
    /// The number of input features.
    public let inputCount: Int
    /// The number of output features.
    public let outputCount: Int
    /// The activation applied after the affine map.
    public let activation: Activation
    /// The weights, `(inputSize, outputSize)`.
    public let weights: Parameter<Scalar>
    /// The bias row, `(1, outputSize)`, or `nil` for a layer without bias.
    public let bias: Parameter<Scalar>?
    /// How ``weights`` are drawn by ``initializeParameters(using:)``.
    public let weightInitializer: Initializer
    /// How ``bias`` is drawn by ``initializeParameters(using:)``.
    public let biasInitializer: Initializer

    /// Creates a dense layer with zero parameters; a ``Sequential`` draws them when it is built.
    ///
    /// - Parameters:
    ///   - inputSize: the number of input features (at least 1).
    ///   - outputSize: the number of output features (at least 1).
    ///   - bias: whether the layer adds a bias row.
    ///   - activation: the activation after the affine map.
    ///   - weightInitializer: how the weights are drawn (Glorot uniform by default, as in Keras).
    ///   - biasInitializer: how the bias is drawn (zeros by default).
    ///
    /// Traps when the memory for the parameters cannot be allocated; ``make(inputSize:outputSize:bias:activation:weightInitializer:biasInitializer:)``
    /// throws ``NetworkError/cannotAllocate(what:bytes:)`` instead (as `nn` and the model-file reader do).
    public convenience init(
        inputSize: Int, outputSize: Int, bias: Bool = true, activation: Activation = .identity,
        weightInitializer: Initializer = .xavierUniform, biasInitializer: Initializer = .zeros
    ) {
        do {
            try self.init(
                allocating: inputSize, outputSize: outputSize, bias: bias, activation: activation,
                weightInitializer: weightInitializer, biasInitializer: biasInitializer)
        } catch {
            failPrecondition("Dense: \(error)")
        }
    }

    /// A dense layer as ``init(inputSize:outputSize:bias:activation:weightInitializer:biasInitializer:)``
    /// makes it, or an error when the memory for its parameters cannot be allocated.
    ///
    /// - Throws: ``NetworkError/cannotAllocate(what:bytes:)``, naming the parameter and its size.
    public static func make(
        inputSize: Int, outputSize: Int, bias: Bool = true, activation: Activation = .identity,
        weightInitializer: Initializer = .xavierUniform, biasInitializer: Initializer = .zeros
    ) throws(NetworkError) -> Dense {
        try Dense(
            allocating: inputSize, outputSize: outputSize, bias: bias, activation: activation,
            weightInitializer: weightInitializer, biasInitializer: biasInitializer)
    }

    /// The one initializer: allocates the parameters, throwing when it cannot.
    init(
        allocating inputSize: Int, outputSize: Int, bias: Bool, activation: Activation,
        weightInitializer: Initializer, biasInitializer: Initializer
    ) throws(NetworkError) {
        checkPrecondition(
            inputSize > 0 && outputSize > 0, "Dense: sizes must be positive, got \(inputSize) → \(outputSize)")
        self.inputCount = inputSize
        self.outputCount = outputSize
        self.activation = activation
        self.weightInitializer = weightInitializer
        self.biasInitializer = biasInitializer
        self.weights = try Parameter(name: "weights", rows: inputSize, columns: outputSize)
        self.bias = bias ? try Parameter(name: "bias", rows: 1, columns: outputSize) : nil
    }

    /// The number of input features.
    public var inputSize: Int? { inputCount }

    /// The number of output features (whatever `inputSize` is).
    public func outputSize(forInputSize inputSize: Int) -> Int { outputCount }

    /// The weights, then the bias if there is one.
    public var parameters: [Parameter<Scalar>] { bias.map { [weights, $0] } ?? [weights] }

    /// The layer's activation.
    public var finalActivation: Activation { activation }

    /// Draws the weights, then the bias, from `generator`.
    public func initializeParameters<Generator: RealRandomNumberGenerator>(using generator: inout Generator) {
        // Zeros draw nothing: they are written in place, without a zero matrix of the layer's size.
        if case .zeros = weightInitializer {
            weights.valueBuffer.pointer.update(repeating: 0, count: weights.count)
        } else {
            weights.value = weightInitializer.matrix(
                rows: inputCount, columns: outputCount, fanIn: inputCount, fanOut: outputCount, using: &generator)
        }
        if let bias {
            if case .zeros = biasInitializer {
                bias.valueBuffer.pointer.update(repeating: 0, count: bias.count)
            } else {
                bias.value = biasInitializer.matrix(
                    rows: 1, columns: outputCount, fanIn: inputCount, fanOut: outputCount, using: &generator)
            }
        }
    }

    /// `output = activation(input · weights + bias)`: one gemm and one fused pass.
    public func forward(_ input: Matrix<Scalar>, into output: inout Matrix<Scalar>) {
        checkPrecondition(
            input.columns == inputCount && output.rows == input.rows && output.columns == outputCount,
            "Dense.forward: input \(input.shapeDescription) into output \(output.shapeDescription) for a \(inputCount) → \(outputCount) layer"
        )
        guard input.rows > 0 else { return }
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                forward(input: x.baseAddress!, rows: input.rows, into: y.baseAddress!)
            }
        }
    }

    /// Backpropagates through the activation and the affine map (see ``Layer/backward(input:output:outputGradient:inputGradient:needsInputGradient:skipsActivationDerivative:gradientRetention:)``).
    public func backward(
        input: Matrix<Scalar>, output: Matrix<Scalar>, outputGradient: inout Matrix<Scalar>,
        inputGradient: inout Matrix<Scalar>, needsInputGradient: Bool, skipsActivationDerivative: Bool,
        gradientRetention: Scalar
    ) {
        let rows = input.rows
        checkPrecondition(
            input.columns == inputCount && output.shape == (rows, outputCount) && outputGradient.shape == output.shape
                && (!needsInputGradient || inputGradient.shape == input.shape),
            "Dense.backward: shapes input \(input.shapeDescription), output \(output.shapeDescription), gradients \(outputGradient.shapeDescription) and \(inputGradient.shapeDescription) do not fit a \(inputCount) → \(outputCount) layer"
        )
        guard rows > 0 else {
            // No samples: the new gradient is zero, so the buffers keep `retention ·` their content.
            for parameter in parameters {
                StridedView.scale(parameter.gradientBuffer.pointer, count: parameter.count, by: gradientRetention)
            }
            return
        }
        input.withUnsafeBufferPointer { x in
            output.withUnsafeBufferPointer { y in
                outputGradient.withUnsafeMutableBufferPointer { dy in
                    inputGradient.withUnsafeMutableBufferPointer { dx in
                        backward(
                            input: x.baseAddress!, output: y.baseAddress!, outputGradient: dy.baseAddress!,
                            inputGradient: needsInputGradient ? dx.baseAddress! : nil, rows: rows,
                            skipsActivationDerivative: skipsActivationDerivative, gradientRetention: gradientRetention)
                    }
                }
            }
        }
    }

    /// The forward pass on raw row-major buffers: `input` is `rows × inputSize`, `output` `rows × outputSize`.
    @usableFromInline
    func forward(input: UnsafePointer<Scalar>, rows: Int, into output: UnsafeMutablePointer<Scalar>) {
        StridedView.multiply(
            StridedView(reading: input, rows: rows, columns: inputCount), transposed: false,
            StridedView(weights.valueBuffer.pointer, rows: inputCount, columns: outputCount), transposed: false,
            into: StridedView(output, rows: rows, columns: outputCount))
        activation.apply(to: output, rows: rows, columns: outputCount, addingBias: bias?.valueBuffer.pointer)
    }

    /// The backward pass on raw row-major buffers; `inputGradient` is `nil` when nobody needs it.
    @usableFromInline
    func backward(
        input: UnsafePointer<Scalar>, output: UnsafePointer<Scalar>, outputGradient: UnsafeMutablePointer<Scalar>,
        inputGradient: UnsafeMutablePointer<Scalar>?, rows: Int, skipsActivationDerivative: Bool,
        gradientRetention: Scalar
    ) {
        if !skipsActivationDerivative {
            activation.backpropagate(output: output, gradient: outputGradient, rows: rows, columns: outputCount)
        }
        let dz = StridedView(outputGradient, rows: rows, columns: outputCount)
        // ∂W = inputᵀ · ∂z and ∂b = the column sums of ∂z, kept as `retention · previous + new` for momentum.
        func parameterGradients() {
            StridedView.multiply(
                StridedView(reading: input, rows: rows, columns: inputCount), transposed: true, dz, transposed: false,
                beta: gradientRetention,
                into: StridedView(weights.gradientBuffer.pointer, rows: inputCount, columns: outputCount))
            if let bias { dz.sumColumns(into: bias.gradientBuffer.pointer, beta: gradientRetention) }
        }
        guard let inputGradient else { return parameterGradients() }
        // ∂input = ∂z · Wᵀ: it reads the weights, which nothing updates before the step's backward pass ends.
        func inputGradientProduct() {
            StridedView.multiply(
                dz, transposed: false, StridedView(weights.valueBuffer.pointer, rows: inputCount, columns: outputCount),
                transposed: true, into: StridedView(inputGradient, rows: rows, columns: inputCount))
        }
        // The two are independent: side by side on two threads where the thread rule says it pays.
        let multiplyAdds = rows &* inputCount &* outputCount
        if ThreadRule.overlapsProducts(multiplyAdds, multiplyAdds, threads: BLASLibrary.threadCount) {
            KernelPool.shared.runSideBySide(inputGradientProduct, parameterGradients)
        } else {
            inputGradientProduct()
            parameterGradients()
        }
    }
}

extension Dense: BufferedLayer {
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func forward(
        _ layer: Unmanaged<AnyObject>, input: UnsafePointer<Scalar>, rows: Int, inputColumns: Int,
        into output: UnsafeMutablePointer<Scalar>, outputColumns: Int
    ) {
        layer._withUnsafeGuaranteedRef {
            unsafeDowncast($0, to: Dense.self).forward(input: input, rows: rows, into: output)
        }
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func backward(
        _ layer: Unmanaged<AnyObject>, input: UnsafePointer<Scalar>, output: UnsafePointer<Scalar>,
        outputGradient: UnsafeMutablePointer<Scalar>, inputGradient: UnsafeMutablePointer<Scalar>?, rows: Int,
        inputColumns: Int, outputColumns: Int, skipsActivationDerivative: Bool, gradientRetention: Scalar
    ) {
        layer._withUnsafeGuaranteedRef {
            unsafeDowncast($0, to: Dense.self).backward(
                input: input, output: output, outputGradient: outputGradient, inputGradient: inputGradient,
                rows: rows, skipsActivationDerivative: skipsActivationDerivative, gradientRetention: gradientRetention)
        }
    }
}

/// ``Dense`` as model files know it: type `"dense"`, with its sizes, bias flag and activation, and
/// its weights (and bias) as arrays.
public enum DenseKind: LayerKind {
    /// `"dense"`.
    public static let typeName = "dense"

    /// Dense layers keep their weights and bias in the file.
    public static let hasArrays = true

    /// The saved form of a ``Dense`` layer, or `nil` for another layer.
    public static func saved<Scalar: MatrixScalar>(_ layer: any Layer<Scalar>, includesWeights: Bool) -> ModelFile
        .SavedLayer?
    {
        guard let dense = layer as? Dense<Scalar> else { return nil }
        var saved = savedLayer(dense, settings: [:], activation: dense.activation, includesWeights: includesWeights)
        saved.inputSize = dense.inputCount
        saved.outputSize = dense.outputCount
        return saved
    }

    /// A zero ``Dense`` layer with the saved sizes, bias flag and activation.
    ///
    /// - Throws: ``NetworkError/cannotAllocate(what:bytes:)`` when its parameters cannot be allocated.
    public static func makeLayer<Scalar: MatrixScalar>(from saved: ModelFile.SavedLayer, as type: Scalar.Type)
        throws(NetworkError) -> any Layer<Scalar>
    {
        try Dense<Scalar>(
            allocating: saved.inputSize!, outputSize: saved.outputSize!, bias: saved.hasBias,
            activation: saved.activation, weightInitializer: .zeros, biasInitializer: .zeros)
    }

    /// `weights` `(inputSize, outputSize)` and, optionally, `bias` `(1, outputSize)`.
    public static func arraySpecifications(_ saved: ModelFile.SavedLayer) -> [ArraySpecification] {
        let inputs = saved.inputSize ?? 0, outputs = saved.outputSize ?? 0
        return [
            ArraySpecification(name: "weights", rows: inputs, columns: outputs),
            ArraySpecification(name: "bias", rows: 1, columns: outputs, required: false),
        ]
    }

    /// Checks the sizes (whole numbers at least 1 whose product fits) and that the input chains on;
    /// returns the output size. The arrays are checked against ``arraySpecifications(_:)`` by the file.
    public static func validate(
        _ layer: ModelFile.SavedLayer, index: Int, inputWidth width: Int?, arraysChecked: Bool, precision: String,
        path: String
    ) throws(NetworkError) -> Int? {
        func fail(_ reason: String) -> NetworkError { .invalidModelFile(path: path, reason: reason) }
        guard let inputSize = layer.inputSize, inputSize > 0 else {
            throw fail(
                "field 'layers.\(index).inputSize': \(layer.inputSize.map(String.init) ?? "missing"); a dense layer needs a whole number at least 1"
            )
        }
        guard let outputSize = layer.outputSize, outputSize > 0 else {
            throw fail(
                "field 'layers.\(index).outputSize': \(layer.outputSize.map(String.init) ?? "missing"); a dense layer needs a whole number at least 1"
            )
        }
        guard case (_, false) = inputSize.multipliedReportingOverflow(by: outputSize), inputSize * outputSize < 1 << 40
        else {
            throw fail("layer \(index): \(inputSize) × \(outputSize) weights is beyond any model this package writes")
        }
        try checkInput([inputSize], chainsFrom: width, index: index, path: path)
        return outputSize
    }

    /// `inputSize × outputSize` weights, plus `outputSize` for a bias.
    public static func parameterCount(_ saved: ModelFile.SavedLayer) -> Int {
        let inputs = saved.inputSize ?? 0, outputs = saved.outputSize ?? 0
        return inputs * outputs + (saved.hasBias ? outputs : 0)
    }

    /// `dense 4 -> 8, relu, bias`.
    public static func summary(_ saved: ModelFile.SavedLayer) -> String {
        "dense \(saved.inputSize ?? 0) -> \(saved.outputSize ?? 0), \(saved.activation.rawValue), \(saved.hasBias ? "bias" : "no bias")"
    }
}
