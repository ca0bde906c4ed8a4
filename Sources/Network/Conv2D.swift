import Tensor

/// How a convolution treats the image's border.
public enum Padding: String, Codable, Sendable, CaseIterable {
    /// No padding: only windows that lie inside the image, `(size - kernel) / stride + 1` positions.
    case valid
    /// Zeros around the image so that there are `ceil(size / stride)` positions (the size itself
    /// at stride 1), the odd zero after the image, as Keras and PyTorch pad.
    case same
}

/// A two-dimensional convolution: `output = activation(weights ⊛ input + bias)` over images.
///
/// A sample is a row of `channels · height · width` scalars in NCHW order (PyTorch's); the output
/// is `filters · outputHeight · outputWidth` in the same order. The weights are `(filters,
/// channels · kernelSize²)`, each row one filter laid out channel, kernel row, kernel column: the
/// layout of PyTorch's `Conv2d.weight` (filters, channels, k, k) read as rows. The bias is a
/// `(1, filters)` row, one value per output channel.
///
/// The forward pass unrolls each image's windows into the columns of a `(channels · k², positions)`
/// matrix (im2col in Caffe's layout) and computes the image's output with one product, `weights ·
/// columns`, which is `(filters, positions)`: NCHW as it stands, so the product writes the output
/// in place and the bias and activation follow, in one pass, while the image is in cache. The backward pass, per
/// image, adds `∂output · columnsᵀ` to the weight gradient and the row sums of `∂output` to the bias
/// gradient (one product: the window matrix has a row of ones below the windows), computes `∂columns = weightsᵀ · ∂output`, and folds it back onto the image (col2im).
///
/// A batch splits into parts of consecutive images (``ThreadRule``'s `convolutionParts`), each with
/// its own window matrix and partial gradients, allocated once; the parts share OpenBLAS's threads,
/// each product single-threaded, and the partial gradients are added in part order, so the result
/// does not depend on the thread count.
public final class Conv2D<Scalar: MatrixScalar>: Layer {
    /// The input's channels, height and width.
    public let inputChannels: Int, inputHeight: Int, inputWidth: Int
    /// The number of filters: the output's channels.
    public let filters: Int
    /// The side of the square kernel.
    public let kernelSize: Int
    /// The step between windows.
    public let stride: Int
    /// The border mode.
    public let padding: Padding
    /// The activation after the convolution.
    public let activation: Activation
    /// The filters, `(filters, inputChannels · kernelSize²)`.
    public let weights: Parameter<Scalar>
    /// One bias per filter, `(1, filters)`, or `nil`.
    public let bias: Parameter<Scalar>?
    /// How ``weights`` are drawn (fan-in `channels · k²`, fan-out `filters · k²`).
    public let weightInitializer: Initializer
    /// How ``bias`` is drawn.
    public let biasInitializer: Initializer
    /// The window's geometry over the input.
    let geometry: ImageGeometry
    /// The most parts a batch splits into (``ThreadRule/convolutionParts(images:windowScalars:)``
    /// for any batch).
    let partCapacity: Int
    /// The rows of a part's window matrix: `channels · k²`, and with a bias one more, all ones, so
    /// that the weight-gradient product `∂output · windowsᵀ` gives the bias gradient (the row sums
    /// of `∂output`) as its last column.
    let windowRows: Int
    /// Each part's window matrix, `windowRows × positions`, one after the other.
    let windowsBuffer: ScalarBuffer<Scalar>
    /// Each part's weight and bias gradients, `filters × windowRows` (the bias gradient the last
    /// column), one part after the other.
    let partialGradientsBuffer: ScalarBuffer<Scalar>

    /// Creates a convolution over `inputShape` (channels, height, width) images.
    ///
    /// - Throws: ``NetworkError/invalidConfiguration(_:)`` when a size is not positive, the kernel
    ///   does not fit a `valid` image, or the activation is softmax (which normalizes a whole
    ///   sample, not a channel); ``NetworkError/cannotAllocate(what:bytes:)`` when the memory cannot be allocated.
    public init(
        inputShape: (channels: Int, height: Int, width: Int), filters: Int, kernelSize: Int, stride: Int = 1,
        padding: Padding = .valid, bias: Bool = true, activation: Activation = .identity,
        weightInitializer: Initializer = .xavierUniform, biasInitializer: Initializer = .zeros
    ) throws(NetworkError) {
        let (channels, height, width) = inputShape
        guard channels > 0, height > 0, width > 0, filters > 0, kernelSize > 0, stride > 0 else {
            throw .invalidConfiguration(
                "Conv2D: input (\(channels), \(height), \(width)), \(filters) filters, kernel \(kernelSize) and stride \(stride) must all be positive"
            )
        }
        guard padding == .same || (kernelSize <= height && kernelSize <= width) else {
            throw .invalidConfiguration(
                "Conv2D: a \(kernelSize)×\(kernelSize) kernel does not fit a \(height)×\(width) image without padding")
        }
        guard activation != .softmax else {
            throw .invalidConfiguration("Conv2D: softmax normalizes a whole sample; use it on a dense layer")
        }
        inputChannels = channels
        inputHeight = height
        inputWidth = width
        self.filters = filters
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        self.activation = activation
        self.weightInitializer = weightInitializer
        self.biasInitializer = biasInitializer
        geometry = ImageGeometry(
            channels: channels, height: height, width: width, kernelSize: kernelSize, stride: stride,
            same: padding == .same)
        let patch = geometry.patchCount, positions = geometry.positions
        guard positions > 0 else {
            throw .invalidConfiguration(
                "Conv2D: the \(height)×\(width) image has no \(kernelSize)×\(kernelSize) window")
        }
        partCapacity = ThreadRule.convolutionParts(images: .max, windowScalars: patch * positions)
        weights = try Parameter(name: "weights", rows: filters, columns: patch)
        self.bias = bias ? try Parameter(name: "bias", rows: 1, columns: filters) : nil
        windowRows = bias ? patch + 1 : patch
        windowsBuffer = try ScalarBuffer(
            rows: partCapacity * windowRows, columns: positions, for: "Conv2D's window matrices")
        partialGradientsBuffer = try ScalarBuffer(
            rows: partCapacity, columns: filters * windowRows, for: "Conv2D's partial gradients")
        if bias {
            for part in 0..<partCapacity {
                (windowsBuffer.pointer + (part * windowRows + patch) * positions).update(repeating: 1, count: positions)
            }
        }
    }

    /// `channels · height · width`.
    public var inputSize: Int? { geometry.inputCount }

    /// `[channels, height, width]`.
    public var inputShape: [Int]? { [inputChannels, inputHeight, inputWidth] }

    /// `filters · outputHeight · outputWidth`.
    public func outputSize(forInputSize inputSize: Int) -> Int { filters * geometry.positions }

    /// `[filters, outputHeight, outputWidth]`.
    public func outputShape(forInputShape inputShape: [Int]) -> [Int] {
        [filters, geometry.outputHeight, geometry.outputWidth]
    }

    /// The weights, then the bias if there is one.
    public var parameters: [Parameter<Scalar>] { bias.map { [weights, $0] } ?? [weights] }

    /// The layer's activation.
    public var finalActivation: Activation { activation }

    /// Draws the weights, then the bias, with fan-in `channels · k²` and fan-out `filters · k²`.
    public func initializeParameters<Generator: RealRandomNumberGenerator>(using generator: inout Generator) {
        let area = kernelSize * kernelSize
        let fanIn = inputChannels * area, fanOut = filters * area
        weights.value = weightInitializer.matrix(
            rows: filters, columns: fanIn, fanIn: fanIn, fanOut: fanOut, using: &generator)
        if let bias {
            bias.value = biasInitializer.matrix(
                rows: 1, columns: filters, fanIn: fanIn, fanOut: fanOut, using: &generator)
        }
    }

    /// The convolution of a batch (see the type's notes).
    public func forward(_ input: Matrix<Scalar>, into output: inout Matrix<Scalar>) {
        forwardThroughBuffers(input, into: &output, "Conv2D")
    }

    /// The backward pass (see the type's notes and ``Layer``).
    public func backward(
        input: Matrix<Scalar>, output: Matrix<Scalar>, outputGradient: inout Matrix<Scalar>,
        inputGradient: inout Matrix<Scalar>, needsInputGradient: Bool, skipsActivationDerivative: Bool,
        gradientRetention: Scalar
    ) {
        backwardThroughBuffers(
            input: input, output: output, outputGradient: &outputGradient, inputGradient: &inputGradient,
            needsInputGradient: needsInputGradient, skipsActivationDerivative: skipsActivationDerivative,
            gradientRetention: gradientRetention, "Conv2D")
    }

    /// The forward pass on raw buffers: `rows` images in, `rows` output images out.
    @usableFromInline
    func forward(input: UnsafePointer<Scalar>, rows: Int, into output: UnsafeMutablePointer<Scalar>) {
        let parts = ThreadRule.convolutionParts(images: rows, windowScalars: geometry.patchCount * geometry.positions)
        if parts == 1 { return forward(part: 0, of: 1, input: input, rows: rows, into: output) }
        KernelPool.shared.runWithSingleThreadedProducts(parts: parts) { part in
            forward(part: part, of: parts, input: input, rows: rows, into: output)
        }
    }

    /// The forward pass of part `part`'s images: per image, im2col, `weights · columns` into the
    /// output, then the bias and the activation.
    func forward(
        part: Int, of parts: Int, input: UnsafePointer<Scalar>, rows: Int, into output: UnsafeMutablePointer<Scalar>
    ) {
        let geometry = geometry, positions = geometry.positions, patch = geometry.patchCount
        let inputCount = geometry.inputCount, outputCount = filters * positions
        let windows = windowsBuffer.pointer + part * windowRows * positions
        let w = StridedView(weights.valueBuffer.pointer, rows: filters, columns: patch)
        let bias = bias?.valueBuffer.pointer
        let first = KernelPool.blockStart(part, of: parts, count: rows)
        for image in first..<KernelPool.blockStart(part + 1, of: parts, count: rows) {
            geometry.unrollWindows(input + image * inputCount, into: windows)
            let result = output + image * outputCount
            StridedView.multiply(
                w, transposed: false, StridedView(windows, rows: patch, columns: positions), transposed: false,
                into: StridedView(result, rows: filters, columns: positions))
            // The bias (one per filter, whose plane is a row) and the activation in one pass.
            if let bias {
                activation.apply(to: result, rows: filters, columns: positions, addingBiasColumn: bias)
            } else {
                activation.apply(to: result, rows: filters, columns: positions, addingBias: nil)
            }
        }
    }

    /// The backward pass on raw buffers; `inputGradient` is `nil` when nobody needs it.
    @usableFromInline
    func backward(
        input: UnsafePointer<Scalar>, output: UnsafePointer<Scalar>, outputGradient: UnsafeMutablePointer<Scalar>,
        inputGradient: UnsafeMutablePointer<Scalar>?, rows: Int, skipsActivationDerivative: Bool,
        gradientRetention: Scalar
    ) {
        let patch = geometry.patchCount, windowRows = windowRows, partials = partialGradientsBuffer.pointer
        let parts = ThreadRule.convolutionParts(images: rows, windowScalars: patch * geometry.positions)
        if parts == 1 {
            backward(
                part: 0, of: 1, input: input, output: output, outputGradient: outputGradient,
                inputGradient: inputGradient, rows: rows, skipsActivationDerivative: skipsActivationDerivative)
        } else {
            KernelPool.shared.runWithSingleThreadedProducts(parts: parts) { part in
                backward(
                    part: part, of: parts, input: input, output: output, outputGradient: outputGradient,
                    inputGradient: inputGradient, rows: rows, skipsActivationDerivative: skipsActivationDerivative)
            }
        }
        // The gradients: `retention ·` the previous ones, plus each part's, in part order.
        let weightGradient = weights.gradientBuffer.pointer
        StridedView<Scalar>.scale(weightGradient, count: filters * patch, by: gradientRetention)
        for part in 0..<parts {
            let partial = partials + part * filters * windowRows
            for filter in 0..<filters {
                StridedView.addScaled(
                    1, partial + filter * windowRows, to: weightGradient + filter * patch, count: patch)
            }
        }
        if let bias {
            let biasGradient = bias.gradientBuffer.pointer
            StridedView<Scalar>.scale(biasGradient, count: filters, by: gradientRetention)
            for part in 0..<parts {
                let partial = partials + part * filters * windowRows + patch
                for filter in 0..<filters { biasGradient[filter] += partial[filter * windowRows] }
            }
        }
    }

    /// The backward pass of part `part`'s images into the part's partial gradients: per image, the
    /// activation's derivative, `∂W += ∂output · windowsᵀ` (the bias gradient, the row sums of
    /// `∂output`, its last column through the window matrix's row of ones), then `∂windows =
    /// weightsᵀ · ∂output` folded onto the input gradient.
    func backward(
        part: Int, of parts: Int, input: UnsafePointer<Scalar>, output: UnsafePointer<Scalar>,
        outputGradient: UnsafeMutablePointer<Scalar>, inputGradient: UnsafeMutablePointer<Scalar>?, rows: Int,
        skipsActivationDerivative: Bool
    ) {
        let geometry = geometry, positions = geometry.positions, patch = geometry.patchCount
        let inputCount = geometry.inputCount, outputCount = filters * positions, windowRows = windowRows
        let windows = windowsBuffer.pointer + part * windowRows * positions
        let partial = StridedView(
            partialGradientsBuffer.pointer + part * filters * windowRows, rows: filters, columns: windowRows)
        let w = StridedView(weights.valueBuffer.pointer, rows: filters, columns: patch)
        let first = KernelPool.blockStart(part, of: parts, count: rows)
        for image in first..<KernelPool.blockStart(part + 1, of: parts, count: rows) {
            let gradient = outputGradient + image * outputCount
            if !skipsActivationDerivative {
                activation.backpropagate(
                    output: output + image * outputCount, gradient: gradient, rows: filters, columns: positions)
            }
            let dz = StridedView(gradient, rows: filters, columns: positions)
            geometry.unrollWindows(input + image * inputCount, into: windows)
            StridedView.multiply(
                dz, transposed: false, StridedView(windows, rows: windowRows, columns: positions), transposed: true,
                beta: image == first ? 0 : 1, into: partial)
            if let inputGradient {
                // ∂windows = Wᵀ · ∂z over the window matrix's first rows, which the product above has read.
                StridedView.multiply(
                    w, transposed: true, dz, transposed: false,
                    into: StridedView(windows, rows: patch, columns: positions))
                geometry.foldWindows(windows, into: inputGradient + image * inputCount)
            }
        }
    }
}

extension Conv2D: BufferedLayer {
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func forward(
        _ layer: Unmanaged<AnyObject>, input: UnsafePointer<Scalar>, rows: Int, inputColumns: Int,
        into output: UnsafeMutablePointer<Scalar>, outputColumns: Int
    ) {
        layer._withUnsafeGuaranteedRef {
            unsafeDowncast($0, to: Conv2D.self).forward(input: input, rows: rows, into: output)
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
            unsafeDowncast($0, to: Conv2D.self).backward(
                input: input, output: output, outputGradient: outputGradient, inputGradient: inputGradient,
                rows: rows, skipsActivationDerivative: skipsActivationDerivative, gradientRetention: gradientRetention)
        }
    }
}

/// The image settings every image layer saves: `channels`, `height`, `width` of its input.
extension ModelFile.SavedLayer {
    /// The saved input shape `[channels, height, width]`, each at least 1, or `nil` when a setting
    /// is missing or out of range (at most 2²⁰ each).
    var imageInputShape: [Int]? {
        guard let channels = integer("channels"), let height = integer("height"), let width = integer("width"),
            [channels, height, width].allSatisfy({ (1...(1 << 20)).contains($0) })
        else { return nil }
        return [channels, height, width]
    }

    /// The settings of an image layer's input shape.
    static func imageSettings(_ shape: [Int]) -> [String: ModelFile.LayerSetting] {
        ["channels": .integer(shape[0]), "height": .integer(shape[1]), "width": .integer(shape[2])]
    }

    /// The input shape as validation needs it, or an error naming the layer.
    func checkedImageShape(index: Int, path: String) throws(NetworkError) -> [Int] {
        guard let shape = imageInputShape else {
            throw .invalidModelFile(
                path: path,
                reason:
                    "layer \(index) (\(type)): settings 'channels', 'height' and 'width' must be whole numbers from 1 to \(1 << 20)"
            )
        }
        return shape
    }

    /// The whole-number setting `name` in `range`, or an error naming the layer and the field.
    func checkedInteger(_ name: String, in range: ClosedRange<Int>, index: Int, path: String) throws(NetworkError)
        -> Int
    {
        guard let value = integer(name), range.contains(value) else {
            throw .invalidModelFile(
                path: path,
                reason:
                    "field 'layers.\(index).settings.\(name)': \(settings?[name]?.description ?? "missing"); a \(type) layer needs a whole number from \(range.lowerBound) to \(range.upperBound)"
            )
        }
        return value
    }
}

/// ``Conv2D`` as model files know it: type `"conv2d"` with `channels`, `height`, `width`,
/// `filters`, `kernelSize`, `stride` and `padding` settings, its activation, and `weights` `(filters,
/// channels · k²)` and an optional `bias` `(1, filters)`.
public enum Conv2DKind: LayerKind {
    /// `"conv2d"`.
    public static let typeName = "conv2d"

    /// Convolutions keep their weights and bias in the file.
    public static let hasArrays = true

    /// The saved form of a ``Conv2D``, or `nil` for another layer.
    public static func saved<Scalar: MatrixScalar>(_ layer: any Layer<Scalar>, includesWeights: Bool) -> ModelFile
        .SavedLayer?
    {
        guard let conv = layer as? Conv2D<Scalar> else { return nil }
        var settings = ModelFile.SavedLayer.imageSettings(conv.inputShape!)
        settings["filters"] = .integer(conv.filters)
        settings["kernelSize"] = .integer(conv.kernelSize)
        settings["stride"] = .integer(conv.stride)
        settings["padding"] = .text(conv.padding.rawValue)
        return savedLayer(conv, settings: settings, activation: conv.activation, includesWeights: includesWeights)
    }

    /// A zero ``Conv2D`` with the saved settings.
    public static func makeLayer<Scalar: MatrixScalar>(from saved: ModelFile.SavedLayer, as type: Scalar.Type)
        throws(NetworkError) -> any Layer<Scalar>
    {
        let shape = saved.imageInputShape!
        return try Conv2D<Scalar>(
            inputShape: (shape[0], shape[1], shape[2]), filters: saved.integer("filters")!,
            kernelSize: saved.integer("kernelSize")!, stride: saved.integer("stride")!,
            padding: Padding(rawValue: saved.text("padding")!)!, bias: saved.hasBias, activation: saved.activation,
            weightInitializer: .zeros, biasInitializer: .zeros)
    }

    /// `weights` `(filters, channels · k²)` and, optionally, `bias` `(1, filters)`.
    public static func arraySpecifications(_ saved: ModelFile.SavedLayer) -> [ArraySpecification] {
        let filters = saved.integer("filters") ?? 0, kernel = saved.integer("kernelSize") ?? 0
        let channels = saved.integer("channels") ?? 0
        let (area, overflow) = kernel.multipliedReportingOverflow(by: kernel)
        let (patch, overflow2) = channels.multipliedReportingOverflow(by: area)
        return [
            ArraySpecification(name: "weights", rows: filters, columns: overflow || overflow2 ? -1 : patch),
            ArraySpecification(name: "bias", rows: 1, columns: filters, required: false),
        ]
    }

    /// Checks the settings and that the input width chains on; returns the output width.
    public static func validate(
        _ layer: ModelFile.SavedLayer, index: Int, inputWidth width: Int?, arraysChecked: Bool, precision: String,
        path: String
    ) throws(NetworkError) -> Int? {
        let shape = try layer.checkedImageShape(index: index, path: path)
        let filters = try layer.checkedInteger("filters", in: 1...(1 << 16), index: index, path: path)
        let kernel = try layer.checkedInteger("kernelSize", in: 1...(1 << 10), index: index, path: path)
        let stride = try layer.checkedInteger("stride", in: 1...(1 << 10), index: index, path: path)
        guard let padding = layer.text("padding").flatMap(Padding.init(rawValue:)) else {
            throw .invalidModelFile(
                path: path, reason: "field 'layers.\(index).settings.padding': must be 'valid' or 'same'")
        }
        let geometry = ImageGeometry(
            channels: shape[0], height: shape[1], width: shape[2], kernelSize: kernel, stride: stride,
            same: padding == .same)
        guard geometry.positions > 0, layer.activation != .softmax else {
            throw .invalidModelFile(
                path: path,
                reason:
                    "layer \(index): a \(kernel)×\(kernel) \(padding.rawValue) convolution with \(layer.activation.rawValue) does not apply to \(shapeText(shape)) images"
            )
        }
        try checkInput(shape, chainsFrom: width, index: index, path: path)
        return filters * geometry.positions
    }

    /// `(channels, height, width)` in, `(filters, outputHeight, outputWidth)` out.
    public static func sampleShapes(_ saved: ModelFile.SavedLayer) -> (input: [Int], output: [Int])? {
        guard let shape = saved.imageInputShape, let filters = saved.integer("filters"),
            let kernel = saved.integer("kernelSize"), let stride = saved.integer("stride")
        else { return nil }
        let geometry = ImageGeometry(
            channels: shape[0], height: shape[1], width: shape[2], kernelSize: kernel, stride: stride,
            same: saved.text("padding") == Padding.same.rawValue)
        return (shape, [filters, geometry.outputHeight, geometry.outputWidth])
    }

    /// `filters · channels · k²` weights, plus `filters` for a bias.
    public static func parameterCount(_ saved: ModelFile.SavedLayer) -> Int {
        let filters = saved.integer("filters") ?? 0, kernel = saved.integer("kernelSize") ?? 0
        return filters * (saved.integer("channels") ?? 0) * kernel * kernel + (saved.hasBias ? filters : 0)
    }

    /// `conv2d 32 filters 3x3, stride 1, same, relu, bias`.
    public static func summary(_ saved: ModelFile.SavedLayer) -> String {
        let kernel = saved.integer("kernelSize") ?? 0
        return
            "conv2d \(saved.integer("filters") ?? 0) filters \(kernel)x\(kernel), stride \(saved.integer("stride") ?? 0), \(saved.text("padding") ?? "?"), \(saved.activation.rawValue), \(saved.hasBias ? "bias" : "no bias")"
    }
}
