import Tensor

/// Global average pooling: each channel of an image becomes its mean, so `(channels, height,
/// width)` images become `channels` features (PyTorch's `AdaptiveAvgPool2d(1)` then `Flatten`,
/// Keras's `GlobalAveragePooling2D`). It has no parameters.
public final class GlobalAveragePool2D<Scalar: MatrixScalar>: Layer {
    /// The input's channels, height and width.
    public let inputChannels: Int, inputHeight: Int, inputWidth: Int

    /// A global average over `inputShape` (channels, height, width) images.
    ///
    /// - Throws: ``NetworkError/invalidConfiguration(_:)`` when a size is not positive.
    public init(inputShape: (channels: Int, height: Int, width: Int)) throws(NetworkError) {
        let (channels, height, width) = inputShape
        guard channels > 0, height > 0, width > 0 else {
            throw .invalidConfiguration(
                "GlobalAveragePool2D: input (\(channels), \(height), \(width)) must be positive")
        }
        inputChannels = channels
        inputHeight = height
        inputWidth = width
    }

    /// `channels · height · width`.
    public var inputSize: Int? { inputChannels * inputHeight * inputWidth }

    /// `[channels, height, width]`.
    public var inputShape: [Int]? { [inputChannels, inputHeight, inputWidth] }

    /// `channels`.
    public func outputSize(forInputSize inputSize: Int) -> Int { inputChannels }

    /// `[channels]`.
    public func outputShape(forInputShape inputShape: [Int]) -> [Int] { [inputChannels] }

    /// None.
    public var parameters: [Parameter<Scalar>] { [] }

    /// Identity.
    public var finalActivation: Activation { .identity }

    /// Draws nothing.
    public func initializeParameters<Generator: RealRandomNumberGenerator>(using generator: inout Generator) {}

    /// Averages each channel of each image.
    public func forward(_ input: Matrix<Scalar>, into output: inout Matrix<Scalar>) {
        forwardThroughBuffers(input, into: &output, "GlobalAveragePool2D")
    }

    /// Spreads each channel's gradient evenly over its plane.
    public func backward(
        input: Matrix<Scalar>, output: Matrix<Scalar>, outputGradient: inout Matrix<Scalar>,
        inputGradient: inout Matrix<Scalar>, needsInputGradient: Bool, skipsActivationDerivative: Bool,
        gradientRetention: Scalar
    ) {
        backwardThroughBuffers(
            input: input, output: output, outputGradient: &outputGradient, inputGradient: &inputGradient,
            needsInputGradient: needsInputGradient, skipsActivationDerivative: skipsActivationDerivative,
            gradientRetention: gradientRetention, "GlobalAveragePool2D")
    }
}

extension GlobalAveragePool2D: BufferedLayer {
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func forward(
        _ layer: Unmanaged<AnyObject>, input: UnsafePointer<Scalar>, rows: Int, inputColumns: Int,
        into output: UnsafeMutablePointer<Scalar>, outputColumns: Int
    ) {
        let plane = inputColumns / outputColumns
        // Each (image, channel) plane is one row of the input read as `rows · channels × plane`.
        let planes = StridedView(reading: input, rows: rows * outputColumns, columns: plane)
        planes.sumRows(into: output, beta: 0)
        StridedView.scale(output, count: rows * outputColumns, by: 1 / Scalar(plane))
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func backward(
        _ layer: Unmanaged<AnyObject>, input: UnsafePointer<Scalar>, output: UnsafePointer<Scalar>,
        outputGradient: UnsafeMutablePointer<Scalar>, inputGradient: UnsafeMutablePointer<Scalar>?, rows: Int,
        inputColumns: Int, outputColumns: Int, skipsActivationDerivative: Bool, gradientRetention: Scalar
    ) {
        guard let inputGradient else { return }
        let plane = inputColumns / outputColumns, scale = 1 / Scalar(plane)
        // Blocks of images on the kernel pool (each writes its own images' planes), as large passes split.
        KernelPool.forEachBlock(of: rows, parts: KernelPool.parts(forElements: rows &* inputColumns)) { images in
            for index in (images.lowerBound &* outputColumns)..<(images.upperBound &* outputColumns) {
                (inputGradient + index &* plane).update(repeating: outputGradient[index] * scale, count: plane)
            }
        }
    }
}

/// ``GlobalAveragePool2D`` as model files know it: type `"globalaveragepool2d"` with `channels`,
/// `height` and `width` settings and no arrays.
public enum GlobalAveragePool2DKind: LayerKind {
    /// `"globalaveragepool2d"`.
    public static let typeName = "globalaveragepool2d"

    /// No parameters.
    public static let hasArrays = false

    /// The saved form of a ``GlobalAveragePool2D``, or `nil` for another layer.
    public static func saved<Scalar: MatrixScalar>(_ layer: any Layer<Scalar>, includesWeights: Bool) -> ModelFile
        .SavedLayer?
    {
        guard let pool = layer as? GlobalAveragePool2D<Scalar> else { return nil }
        return savedLayer(
            pool, settings: ModelFile.SavedLayer.imageSettings(pool.inputShape!), includesWeights: includesWeights)
    }

    /// A ``GlobalAveragePool2D`` with the saved input shape.
    public static func makeLayer<Scalar: MatrixScalar>(from saved: ModelFile.SavedLayer, as type: Scalar.Type)
        throws(NetworkError) -> any Layer<Scalar>
    {
        let shape = saved.imageInputShape!
        return try GlobalAveragePool2D<Scalar>(inputShape: (shape[0], shape[1], shape[2]))
    }

    /// None.
    public static func arraySpecifications(_ saved: ModelFile.SavedLayer) -> [ArraySpecification] { [] }

    /// Checks the input shape and that the input width chains on; returns the channels.
    public static func validate(
        _ layer: ModelFile.SavedLayer, index: Int, inputWidth width: Int?, arraysChecked: Bool, precision: String,
        path: String
    ) throws(NetworkError) -> Int? {
        let shape = try layer.checkedImageShape(index: index, path: path)
        try checkInput(shape, chainsFrom: width, index: index, path: path)
        return shape[0]
    }

    /// `(channels, height, width)` in, `(channels)` out.
    public static func sampleShapes(_ saved: ModelFile.SavedLayer) -> (input: [Int], output: [Int])? {
        saved.imageInputShape.map { ($0, [$0[0]]) }
    }

    /// No parameters.
    public static func parameterCount(_ saved: ModelFile.SavedLayer) -> Int { 0 }

    /// `globalaveragepool2d`.
    public static func summary(_ saved: ModelFile.SavedLayer) -> String { typeName }
}
