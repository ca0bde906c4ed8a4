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
    /// Traps when the memory for the parameters cannot be allocated; the layers a model file or
    /// checkpoint is read into are made through a form that throws
    /// ``NetworkError/cannotAllocate(what:bytes:)`` instead.
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

    /// ``init(inputSize:outputSize:bias:activation:weightInitializer:biasInitializer:)``, throwing
    /// ``NetworkError/cannotAllocate(what:bytes:)`` when the parameters' memory cannot be allocated.
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

    /// `.dense` with this layer's sizes, bias flag and activation.
    public var configuration: LayerConfiguration {
        .dense(inputSize: inputCount, outputSize: outputCount, bias: bias != nil, activation: activation)
    }

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
        let w = StridedView(weights.valueBuffer.pointer, rows: inputCount, columns: outputCount)
        // ∂input = ∂z · Wᵀ first: it reads the weights before any update.
        if let inputGradient {
            StridedView.multiply(
                dz, transposed: false, w, transposed: true,
                into: StridedView(inputGradient, rows: rows, columns: inputCount))
        }
        // ∂W = inputᵀ · ∂z, kept as `retention · previous + new` for momentum.
        StridedView.multiply(
            StridedView(reading: input, rows: rows, columns: inputCount), transposed: true, dz, transposed: false,
            beta: gradientRetention,
            into: StridedView(weights.gradientBuffer.pointer, rows: inputCount, columns: outputCount))
        // ∂b = the column sums of ∂z, kept the same way.
        if let bias { dz.sumColumns(into: bias.gradientBuffer.pointer, beta: gradientRetention) }
    }
}

/// A layer that applies an ``Activation`` to every element (or row, for softmax) of its input.
public final class ActivationLayer<Scalar: MatrixScalar>: Layer {
    /// The activation.
    public let activation: Activation

    /// Creates an activation layer.
    public init(_ activation: Activation) {
        self.activation = activation
    }

    /// `nil`: an activation accepts any width.
    public var inputSize: Int? { nil }

    /// The input size: activations keep the width.
    public func outputSize(forInputSize inputSize: Int) -> Int { inputSize }

    /// None.
    public var parameters: [Parameter<Scalar>] { [] }

    /// The layer's activation.
    public var finalActivation: Activation { activation }

    /// `.activation` with this layer's function.
    public var configuration: LayerConfiguration { .activation(activation) }

    /// Draws nothing.
    public func initializeParameters<Generator: RealRandomNumberGenerator>(using generator: inout Generator) {}

    /// Copies the input into `output` and applies the activation there.
    public func forward(_ input: Matrix<Scalar>, into output: inout Matrix<Scalar>) {
        checkPrecondition(
            input.shape == output.shape,
            "ActivationLayer.forward: input \(input.shapeDescription) into output \(output.shapeDescription)")
        guard input.count > 0 else { return }
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                forward(input: x.baseAddress!, rows: input.rows, columns: input.columns, into: y.baseAddress!)
            }
        }
    }

    /// Multiplies the output gradient by the activation's derivative and hands it on.
    public func backward(
        input: Matrix<Scalar>, output: Matrix<Scalar>, outputGradient: inout Matrix<Scalar>,
        inputGradient: inout Matrix<Scalar>, needsInputGradient: Bool, skipsActivationDerivative: Bool,
        gradientRetention: Scalar
    ) {
        guard needsInputGradient, output.count > 0 else { return }
        checkPrecondition(
            output.shape == outputGradient.shape && inputGradient.shape == output.shape,
            "ActivationLayer.backward: output \(output.shapeDescription), gradients \(outputGradient.shapeDescription) and \(inputGradient.shapeDescription) differ"
        )
        output.withUnsafeBufferPointer { y in
            outputGradient.withUnsafeMutableBufferPointer { dy in
                inputGradient.withUnsafeMutableBufferPointer { dx in
                    backward(
                        output: y.baseAddress!, outputGradient: dy.baseAddress!, inputGradient: dx.baseAddress!,
                        rows: output.rows, columns: output.columns, skipsActivationDerivative: skipsActivationDerivative
                    )
                }
            }
        }
    }

    /// The forward pass on raw row-major `rows × columns` buffers.
    @usableFromInline
    func forward(input: UnsafePointer<Scalar>, rows: Int, columns: Int, into output: UnsafeMutablePointer<Scalar>) {
        output.update(from: input, count: rows &* columns)
        activation.apply(to: output, rows: rows, columns: columns, addingBias: nil)
    }

    /// The backward pass on raw row-major `rows × columns` buffers.
    @usableFromInline
    func backward(
        output: UnsafePointer<Scalar>, outputGradient: UnsafeMutablePointer<Scalar>,
        inputGradient: UnsafeMutablePointer<Scalar>, rows: Int, columns: Int, skipsActivationDerivative: Bool
    ) {
        if !skipsActivationDerivative {
            activation.backpropagate(output: output, gradient: outputGradient, rows: rows, columns: columns)
        }
        inputGradient.update(from: outputGradient, count: rows &* columns)
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
        guard let dense = layer as? Dense<Scalar>,
            case .dense(let inputSize, let outputSize, _, let activation) = dense.configuration
        else { return nil }
        guard includesWeights else {
            return ModelFile.SavedLayer(
                type: typeName, inputSize: inputSize, outputSize: outputSize, activation: activation, weights: nil,
                bias: nil,
                declaresBias: dense.bias != nil)
        }
        return ModelFile.SavedLayer(
            type: typeName, inputSize: inputSize, outputSize: outputSize, activation: activation,
            weights: Matrix<Double>(dense.weights.value), bias: dense.bias.map { Matrix<Double>($0.value) })
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

    /// Copies the saved weights and bias into the layer.
    public static func loadArrays<Scalar: MatrixScalar>(from saved: ModelFile.SavedLayer, into layer: any Layer<Scalar>)
    {
        guard let dense = layer as? Dense<Scalar>, let weights = saved.weights else { return }
        dense.weights.value = Matrix<Scalar>(weights)
        if let bias = saved.bias { dense.bias!.value = Matrix<Scalar>(bias) }
    }

    /// Checks the sizes (whole numbers at least 1 whose product fits), that the input chains on, and
    /// the arrays' shapes and finiteness; returns the output size.
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
        if let width, width != inputSize {
            throw fail("layer \(index) expects \(inputSize) inputs but the previous layer gives \(width)")
        }
        if !arraysChecked {
            guard let weights = layer.weights, weights.shape == (inputSize, outputSize) else {
                throw fail(
                    "layer \(index): weights must have shape (\(inputSize), \(outputSize)), found \(layer.weights?.shapeDescription ?? "none")"
                )
            }
            if let bad = ModelFile.firstNonFinite(weights, precision: precision) {
                throw fail("layer \(index): weights contain \(bad), which is not a finite \(precision) number")
            }
            if let bias = layer.bias {
                guard bias.shape == (1, outputSize) else {
                    throw fail(
                        "layer \(index): bias must have shape (1, \(outputSize)), found \(bias.shapeDescription)")
                }
                if let bad = ModelFile.firstNonFinite(bias, precision: precision) {
                    throw fail("layer \(index): bias contains \(bad), which is not a finite \(precision) number")
                }
            }
        } else if layer.weights != nil || layer.bias != nil {
            throw fail("layer \(index): a version 2 file keeps weights in its binary section, not in the document")
        }
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

/// ``ActivationLayer`` as model files know it: type `"activation"` with its activation, no arrays.
public enum ActivationKind: LayerKind {
    /// `"activation"`.
    public static let typeName = "activation"

    /// Activation layers have no parameters.
    public static let hasArrays = false

    /// The saved form of an ``ActivationLayer``, or `nil` for another layer.
    public static func saved<Scalar: MatrixScalar>(_ layer: any Layer<Scalar>, includesWeights: Bool) -> ModelFile
        .SavedLayer?
    {
        guard let layer = layer as? ActivationLayer<Scalar> else { return nil }
        return ModelFile.SavedLayer(type: typeName, activation: layer.activation)
    }

    /// An ``ActivationLayer`` with the saved activation.
    public static func makeLayer<Scalar: MatrixScalar>(from saved: ModelFile.SavedLayer, as type: Scalar.Type)
        -> any Layer<Scalar>
    {
        ActivationLayer<Scalar>(saved.activation)
    }

    /// Nothing to load.
    public static func loadArrays<Scalar: MatrixScalar>(from saved: ModelFile.SavedLayer, into layer: any Layer<Scalar>)
    {}

    /// Refuses an activation as the first layer; it keeps its input's width.
    public static func validate(
        _ layer: ModelFile.SavedLayer, index: Int, inputWidth: Int?, arraysChecked: Bool, precision: String,
        path: String
    ) throws(NetworkError) -> Int? {
        guard index > 0 else {
            throw .invalidModelFile(path: path, reason: "layer 0 is an activation; the first layer must be dense")
        }
        return nil
    }

    /// No parameters.
    public static func parameterCount(_ saved: ModelFile.SavedLayer) -> Int { 0 }

    /// `activation relu`.
    public static func summary(_ saved: ModelFile.SavedLayer) -> String { "activation \(saved.activation.rawValue)" }
}
