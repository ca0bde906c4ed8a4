import Tensor

/// Average pooling over images: each output cell is the mean of the input under its window, per channel.
///
/// A sample is a row of `channels · height · width` scalars in NCHW order; the output keeps the
/// channels, with `(size - poolSize) / stride + 1` positions down and across (no padding, as
/// PyTorch's `AvgPool2d` and Keras's `valid`). It has no parameters.
public final class AveragePool2D<Scalar: MatrixScalar>: Layer {
    /// The input's channels, height and width.
    public let inputChannels: Int, inputHeight: Int, inputWidth: Int
    /// The side of the square window.
    public let poolSize: Int
    /// The step between windows.
    public let stride: Int
    /// The window's geometry over the input.
    let geometry: ImageGeometry

    /// A pooling layer over `inputShape` (channels, height, width) images; `stride` defaults to `poolSize`.
    ///
    /// - Throws: ``NetworkError/invalidConfiguration(_:)`` when a size is not positive or the
    ///   window does not fit the image.
    public init(inputShape: (channels: Int, height: Int, width: Int), poolSize: Int, stride: Int? = nil)
        throws(NetworkError)
    {
        let (channels, height, width) = inputShape
        let stride = stride ?? poolSize
        guard channels > 0, height > 0, width > 0, poolSize > 0, stride > 0 else {
            throw .invalidConfiguration(
                "AveragePool2D: input (\(channels), \(height), \(width)), pool \(poolSize) and stride \(stride) must all be positive"
            )
        }
        guard poolSize <= height, poolSize <= width else {
            throw .invalidConfiguration(
                "AveragePool2D: a \(poolSize)×\(poolSize) window does not fit a \(height)×\(width) image")
        }
        inputChannels = channels
        inputHeight = height
        inputWidth = width
        self.poolSize = poolSize
        self.stride = stride
        geometry = ImageGeometry(
            channels: channels, height: height, width: width, kernelSize: poolSize, stride: stride, same: false)
    }

    /// `channels · height · width`.
    public var inputSize: Int? { geometry.inputCount }

    /// `[channels, height, width]`.
    public var inputShape: [Int]? { [inputChannels, inputHeight, inputWidth] }

    /// `channels · outputHeight · outputWidth`.
    public func outputSize(forInputSize inputSize: Int) -> Int { inputChannels * geometry.positions }

    /// `[channels, outputHeight, outputWidth]`.
    public func outputShape(forInputShape inputShape: [Int]) -> [Int] {
        [inputChannels, geometry.outputHeight, geometry.outputWidth]
    }

    /// None.
    public var parameters: [Parameter<Scalar>] { [] }

    /// Identity: pooling has no activation.
    public var finalActivation: Activation { .identity }

    /// Draws nothing.
    public func initializeParameters<Generator: RealRandomNumberGenerator>(using generator: inout Generator) {}

    /// Pools a batch.
    public func forward(_ input: Matrix<Scalar>, into output: inout Matrix<Scalar>) {
        forwardThroughBuffers(input, into: &output, "AveragePool2D")
    }

    /// Spreads each output gradient evenly over its window.
    public func backward(
        input: Matrix<Scalar>, output: Matrix<Scalar>, outputGradient: inout Matrix<Scalar>,
        inputGradient: inout Matrix<Scalar>, needsInputGradient: Bool, skipsActivationDerivative: Bool,
        gradientRetention: Scalar
    ) {
        backwardThroughBuffers(
            input: input, output: output, outputGradient: &outputGradient, inputGradient: &inputGradient,
            needsInputGradient: needsInputGradient, skipsActivationDerivative: skipsActivationDerivative,
            gradientRetention: gradientRetention, "AveragePool2D")
    }
}

extension AveragePool2D: BufferedLayer {
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func forward(
        _ layer: Unmanaged<AnyObject>, input: UnsafePointer<Scalar>, rows: Int, inputColumns: Int,
        into output: UnsafeMutablePointer<Scalar>, outputColumns: Int
    ) {
        layer._withUnsafeGuaranteedRef {
            unsafeDowncast($0, to: AveragePool2D.self).geometry.averagePool(input, images: rows, into: output)
        }
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func backward(
        _ layer: Unmanaged<AnyObject>, input: UnsafePointer<Scalar>, output: UnsafePointer<Scalar>,
        outputGradient: UnsafeMutablePointer<Scalar>, inputGradient: UnsafeMutablePointer<Scalar>?, rows: Int,
        inputColumns: Int, outputColumns: Int, skipsActivationDerivative: Bool, gradientRetention: Scalar
    ) {
        guard let inputGradient else { return }
        layer._withUnsafeGuaranteedRef {
            unsafeDowncast($0, to: AveragePool2D.self).geometry.averagePoolBackward(
                outputGradient: outputGradient, images: rows, into: inputGradient)
        }
    }
}

/// ``AveragePool2D`` as model files know it: type `"averagepool2d"` with `channels`, `height`, `width`,
/// `poolSize` and `stride` settings and no arrays.
public enum AveragePool2DKind: LayerKind {
    /// `"averagepool2d"`.
    public static let typeName = "averagepool2d"

    /// Pooling has no parameters.
    public static let hasArrays = false

    /// The saved form of a ``AveragePool2D``, or `nil` for another layer.
    public static func saved<Scalar: MatrixScalar>(_ layer: any Layer<Scalar>, includesWeights: Bool) -> ModelFile
        .SavedLayer?
    {
        guard let pool = layer as? AveragePool2D<Scalar> else { return nil }
        var settings = ModelFile.SavedLayer.imageSettings(pool.inputShape!)
        settings["poolSize"] = .integer(pool.poolSize)
        settings["stride"] = .integer(pool.stride)
        return savedLayer(pool, settings: settings, includesWeights: includesWeights)
    }

    /// A ``AveragePool2D`` with the saved settings.
    public static func makeLayer<Scalar: MatrixScalar>(from saved: ModelFile.SavedLayer, as type: Scalar.Type)
        throws(NetworkError) -> any Layer<Scalar>
    {
        let shape = saved.imageInputShape!
        return try AveragePool2D<Scalar>(
            inputShape: (shape[0], shape[1], shape[2]), poolSize: saved.integer("poolSize")!,
            stride: saved.integer("stride")!)
    }

    /// None.
    public static func arraySpecifications(_ saved: ModelFile.SavedLayer) -> [ArraySpecification] { [] }

    /// Checks the settings and that the input width chains on; returns the output width.
    public static func validate(
        _ layer: ModelFile.SavedLayer, index: Int, inputWidth width: Int?, arraysChecked: Bool, precision: String,
        path: String
    ) throws(NetworkError) -> Int? {
        let shape = try layer.checkedImageShape(index: index, path: path)
        let pool = try layer.checkedInteger("poolSize", in: 1...min(shape[1], shape[2]), index: index, path: path)
        let stride = try layer.checkedInteger("stride", in: 1...(1 << 10), index: index, path: path)
        let inputCount = shape[0] * shape[1] * shape[2]
        if let width, width != inputCount {
            throw .invalidModelFile(
                path: path,
                reason:
                    "layer \(index) expects \(inputCount) inputs \(shapeText(shape)) but the previous layer gives \(width)"
            )
        }
        let geometry = ImageGeometry(
            channels: shape[0], height: shape[1], width: shape[2], kernelSize: pool, stride: stride, same: false)
        return shape[0] * geometry.positions
    }

    /// `(channels, height, width)` in, `(channels, outputHeight, outputWidth)` out.
    public static func sampleShapes(_ saved: ModelFile.SavedLayer) -> (input: [Int], output: [Int])? {
        guard let shape = saved.imageInputShape, let pool = saved.integer("poolSize"),
            let stride = saved.integer("stride"),
            pool > 0, stride > 0
        else { return nil }
        let geometry = ImageGeometry(
            channels: shape[0], height: shape[1], width: shape[2], kernelSize: pool, stride: stride, same: false)
        return (shape, [shape[0], geometry.outputHeight, geometry.outputWidth])
    }

    /// No parameters.
    public static func parameterCount(_ saved: ModelFile.SavedLayer) -> Int { 0 }

    /// `averagepool2d 2x2, stride 2`.
    public static func summary(_ saved: ModelFile.SavedLayer) -> String {
        let pool = saved.integer("poolSize") ?? 0
        return "averagepool2d \(pool)x\(pool), stride \(saved.integer("stride") ?? 0)"
    }
}
