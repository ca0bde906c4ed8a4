import Tensor

/// What a pooling layer takes of each window: the operation of ``Pool2D``, so that ``MaxPool2D``
/// and ``AveragePool2D`` are one layer with one saved kind each.
public enum PoolingOperation: Sendable {
    /// The window's largest value (PyTorch's `MaxPool2d`); the gradient goes to the first maximum, row-major.
    case maximum
    /// The window's mean (PyTorch's `AvgPool2d`); the gradient is spread evenly over the window.
    case average

    /// The layer's name in messages and descriptions: `MaxPool2D` or `AveragePool2D`.
    public var layerName: String {
        switch self {
        case .maximum: "MaxPool2D"
        case .average: "AveragePool2D"
        }
    }

    /// The `type` string the layer is saved under: `maxpool2d` or `averagepool2d`.
    public var typeName: String {
        switch self {
        case .maximum: "maxpool2d"
        case .average: "averagepool2d"
        }
    }
}

/// A pooling operation as a type, the second parameter of ``Pool2D``: ``MaximumPooling`` or ``AveragePooling``.
public protocol PoolingOperationType {
    /// The operation.
    static var operation: PoolingOperation { get }
}

/// ``PoolingOperation/maximum`` as a type: `Pool2D<Scalar, MaximumPooling>` is ``MaxPool2D``.
public enum MaximumPooling: PoolingOperationType {
    /// ``PoolingOperation/maximum``.
    public static var operation: PoolingOperation { .maximum }
}

/// ``PoolingOperation/average`` as a type: `Pool2D<Scalar, AveragePooling>` is ``AveragePool2D``.
public enum AveragePooling: PoolingOperationType {
    /// ``PoolingOperation/average``.
    public static var operation: PoolingOperation { .average }
}

/// Max pooling over images: each output cell is the largest input under its window, per channel.
public typealias MaxPool2D<Scalar: MatrixScalar> = Pool2D<Scalar, MaximumPooling>

/// Average pooling over images: each output cell is the mean of the input under its window, per channel.
public typealias AveragePool2D<Scalar: MatrixScalar> = Pool2D<Scalar, AveragePooling>

/// Pooling over images: each output cell is the maximum or the mean (``PoolingOperation``) of the
/// input under its window, per channel. Use it as ``MaxPool2D`` or ``AveragePool2D``.
///
/// A sample is a row of `channels · height · width` scalars in NCHW order; the output keeps the
/// channels, with `(size - poolSize) / stride + 1` positions down and across (no padding, as
/// PyTorch's `MaxPool2d`/`AvgPool2d` and Keras's `valid`). It has no parameters.
///
/// In training (``mode``), max pooling records where each window's maximum lies, in a buffer that
/// grows to the largest batch once, and the backward pass of that batch sends each gradient there
/// instead of searching the window again, as PyTorch keeps `MaxPool2d`'s indices for autograd.
public final class Pool2D<Scalar: MatrixScalar, Operation: PoolingOperationType>: ModeDependentLayer {
    /// The input's channels, height and width.
    public let inputChannels: Int, inputHeight: Int, inputWidth: Int
    /// The side of the square window.
    public let poolSize: Int
    /// The step between windows.
    public let stride: Int
    /// The window's geometry over the input.
    let geometry: ImageGeometry
    /// The mode the next forward pass runs in (set by the execution plan): in training, max pooling
    /// records where each window's maximum lies for the backward pass. The outputs are the same in
    /// both modes.
    public var mode = LayerMode.inference
    /// Whether a training forward pass records the maxima's positions: max pooling over planes whose
    /// cells an `Int32` can number (every realistic image).
    let recordsMaxima: Bool
    /// Where the last training forward pass found each output cell's maximum, as
    /// ``ImageGeometry/maxPool(_:images:into:maxima:parts:)`` records them.
    var maxima: UnsafeMutablePointer<Int32>?
    /// The number of positions ``maxima`` holds.
    var maximaCapacity = 0
    /// The batch whose maxima ``maxima`` holds: its input and rows, set by a training forward pass
    /// and cleared by an inference one; a backward pass of another batch searches its windows.
    var recordedBatch: (input: UnsafePointer<Scalar>, rows: Int)?

    /// A pooling layer over `inputShape` (channels, height, width) images; `stride` defaults to `poolSize`.
    ///
    /// - Throws: ``NetworkError/invalidConfiguration(_:)`` when a size is not positive or the
    ///   window does not fit the image.
    public init(inputShape: (channels: Int, height: Int, width: Int), poolSize: Int, stride: Int? = nil)
        throws(NetworkError)
    {
        let (channels, height, width) = inputShape
        let stride = stride ?? poolSize
        let name = Operation.operation.layerName
        guard channels > 0, height > 0, width > 0, poolSize > 0, stride > 0 else {
            throw .invalidConfiguration(
                "\(name): input (\(channels), \(height), \(width)), pool \(poolSize) and stride \(stride) must all be positive"
            )
        }
        guard poolSize <= height, poolSize <= width else {
            throw .invalidConfiguration(
                "\(name): a \(poolSize)×\(poolSize) window does not fit a \(height)×\(width) image")
        }
        inputChannels = channels
        inputHeight = height
        inputWidth = width
        self.poolSize = poolSize
        self.stride = stride
        geometry = ImageGeometry(
            channels: channels, height: height, width: width, kernelSize: poolSize, stride: stride, same: false)
        recordsMaxima = Operation.operation == .maximum && height * width <= Int(Int32.max)
    }

    deinit { maxima?.deallocate() }

    /// The operation: ``PoolingOperation/maximum`` or ``PoolingOperation/average``.
    public var operation: PoolingOperation { Operation.operation }

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

    /// Nothing to seed: pooling draws no random numbers.
    public func beginEpoch(seed: UInt64) {}

    /// False.
    public var drawsRandomNumbers: Bool { false }

    /// Pools a batch.
    public func forward(_ input: Matrix<Scalar>, into output: inout Matrix<Scalar>) {
        forwardThroughBuffers(input, into: &output, operation.layerName)
    }

    /// Sends each output gradient to its window's maximum (the first one, row-major, as PyTorch
    /// does: where the training forward pass of this input found it, else searched again), or
    /// spreads it evenly over its window.
    public func backward(
        input: Matrix<Scalar>, output: Matrix<Scalar>, outputGradient: inout Matrix<Scalar>,
        inputGradient: inout Matrix<Scalar>, needsInputGradient: Bool, skipsActivationDerivative: Bool,
        gradientRetention: Scalar
    ) {
        backwardThroughBuffers(
            input: input, output: output, outputGradient: &outputGradient, inputGradient: &inputGradient,
            needsInputGradient: needsInputGradient, skipsActivationDerivative: skipsActivationDerivative,
            gradientRetention: gradientRetention, operation.layerName)
    }
}

extension Pool2D: BufferedLayer {
    @_specialize(where Scalar == Float, Operation == MaximumPooling)
    @_specialize(where Scalar == Double, Operation == MaximumPooling)
    @_specialize(where Scalar == Float, Operation == AveragePooling)
    @_specialize(where Scalar == Double, Operation == AveragePooling)
    static func forward(
        _ layer: Unmanaged<AnyObject>, input: UnsafePointer<Scalar>, rows: Int, inputColumns: Int,
        into output: UnsafeMutablePointer<Scalar>, outputColumns: Int
    ) {
        layer._withUnsafeGuaranteedRef {
            let pool = unsafeDowncast($0, to: Pool2D.self)
            switch Operation.operation {
            case .maximum: pool.maxPool(input, rows: rows, into: output, outputColumns: outputColumns)
            case .average: pool.geometry.averagePool(input, images: rows, into: output)
            }
        }
    }

    @_specialize(where Scalar == Float, Operation == MaximumPooling)
    @_specialize(where Scalar == Double, Operation == MaximumPooling)
    @_specialize(where Scalar == Float, Operation == AveragePooling)
    @_specialize(where Scalar == Double, Operation == AveragePooling)
    static func backward(
        _ layer: Unmanaged<AnyObject>, input: UnsafePointer<Scalar>, output: UnsafePointer<Scalar>,
        outputGradient: UnsafeMutablePointer<Scalar>, inputGradient: UnsafeMutablePointer<Scalar>?, rows: Int,
        inputColumns: Int, outputColumns: Int, skipsActivationDerivative: Bool, gradientRetention: Scalar
    ) {
        guard let inputGradient else { return }
        layer._withUnsafeGuaranteedRef {
            let pool = unsafeDowncast($0, to: Pool2D.self)
            switch Operation.operation {
            case .maximum:
                if let maxima = pool.maxima, let batch = pool.recordedBatch, batch.input == input, batch.rows == rows {
                    pool.geometry.maxPoolBackward(
                        maxima: maxima, outputGradient: outputGradient, images: rows, into: inputGradient)
                } else {
                    pool.geometry.maxPoolBackward(
                        input: input, output: output, outputGradient: outputGradient, images: rows,
                        into: inputGradient)
                }
            case .average:
                pool.geometry.averagePoolBackward(outputGradient: outputGradient, images: rows, into: inputGradient)
            }
        }
    }

    /// Max pooling's forward pass; in training, it records the maxima's positions for this batch.
    func maxPool(
        _ input: UnsafePointer<Scalar>, rows: Int, into output: UnsafeMutablePointer<Scalar>, outputColumns: Int
    ) {
        guard mode == .training, recordsMaxima else {
            // Written only after training, so that inference passes on one model from several threads write nothing.
            if recordedBatch != nil { recordedBatch = nil }
            geometry.maxPool(input, images: rows, into: output)
            return
        }
        let count = rows &* outputColumns
        if count > maximaCapacity {
            // Once per larger batch: the first training step of a run.
            maxima?.deallocate()
            maxima = .allocate(capacity: count)
            maximaCapacity = count
        }
        geometry.maxPool(input, images: rows, into: output, maxima: maxima)
        recordedBatch = (input, rows)
    }
}

/// ``MaxPool2D`` as model files know it: type `"maxpool2d"` with `channels`, `height`, `width`,
/// `poolSize` and `stride` settings and no arrays.
public typealias MaxPool2DKind = Pool2DKind<MaximumPooling>

/// ``AveragePool2D`` as model files know it: type `"averagepool2d"` with `channels`, `height`,
/// `width`, `poolSize` and `stride` settings and no arrays.
public typealias AveragePool2DKind = Pool2DKind<AveragePooling>

/// ``Pool2D`` as model files know it: type ``PoolingOperation/typeName`` (`"maxpool2d"`,
/// `"averagepool2d"`) with `channels`, `height`, `width`, `poolSize` and `stride` settings and no arrays.
public enum Pool2DKind<Operation: PoolingOperationType>: LayerKind {
    /// `"maxpool2d"` or `"averagepool2d"`.
    public static var typeName: String { Operation.operation.typeName }

    /// Pooling has no parameters.
    public static var hasArrays: Bool { false }

    /// The saved form of a pooling layer of this operation, or `nil` for another layer.
    public static func saved<Scalar: MatrixScalar>(_ layer: any Layer<Scalar>, includesWeights: Bool) -> ModelFile
        .SavedLayer?
    {
        guard let pool = layer as? Pool2D<Scalar, Operation> else { return nil }
        var settings = ModelFile.SavedLayer.imageSettings(pool.inputShape!)
        settings["poolSize"] = .integer(pool.poolSize)
        settings["stride"] = .integer(pool.stride)
        return savedLayer(pool, settings: settings, includesWeights: includesWeights)
    }

    /// A pooling layer of this operation with the saved settings.
    public static func makeLayer<Scalar: MatrixScalar>(from saved: ModelFile.SavedLayer, as type: Scalar.Type)
        throws(NetworkError) -> any Layer<Scalar>
    {
        let shape = saved.imageInputShape!
        return try Pool2D<Scalar, Operation>(
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
        try checkInput(shape, chainsFrom: width, index: index, path: path)
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

    /// `maxpool2d 2x2, stride 2` or `averagepool2d 2x2, stride 2`.
    public static func summary(_ saved: ModelFile.SavedLayer) -> String {
        let pool = saved.integer("poolSize") ?? 0
        return "\(typeName) \(pool)x\(pool), stride \(saved.integer("stride") ?? 0)"
    }
}
