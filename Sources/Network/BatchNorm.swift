import Tensor

/// Batch normalization over features (after ``Dense``: input shape `[features]`) or over channels
/// (after ``Conv2D``: `[channels, height, width]`), as PyTorch's `BatchNorm1d` and `BatchNorm2d`.
///
/// In training each channel is normalized by the batch's mean and (biased) variance over the
/// batch and, for images, every position: `y = (x - mean) / sqrt(variance + epsilon) · scale +
/// shift`; the running statistics move towards the batch's, `running = (1 - momentum) · running +
/// momentum · batch`, with the unbiased variance (`· m / (m - 1)` for `m` values), as PyTorch
/// does. In inference the running statistics normalize instead. ``scale`` (ones) and ``shift``
/// (zeros) are trained; ``runningMean`` (zeros) and ``runningVariance`` (ones) are saved buffers.
public final class BatchNorm<Scalar: MatrixScalar>: ModeDependentLayer {
    /// The shape of one sample: `[features]` or `[channels, height, width]`.
    public let sampleShape: [Int]
    /// The weight of a batch's statistics in the running ones (PyTorch's `momentum`, 0.1 by default).
    public let momentum: Double
    /// Added to the variance before its square root.
    public let epsilon: Double
    /// γ, one per channel, `(1, channels)`.
    public let scale: Parameter<Scalar>
    /// β, one per channel, `(1, channels)`.
    public let shift: Parameter<Scalar>
    /// The running mean, `(1, channels)`.
    public let runningMean: Parameter<Scalar>
    /// The running variance, `(1, channels)`.
    public let runningVariance: Parameter<Scalar>
    /// The mode the next forward pass runs in (set by the execution plan).
    public var mode = LayerMode.inference
    /// The channels, and the scalars of one channel in one sample (1 for features).
    let channels: Int, planeSize: Int
    /// The mean and `1 / sqrt(variance + epsilon)` the last forward pass normalized with, and
    /// per-channel sums for the backward pass, in `Double`.
    let mean: UnsafeMutablePointer<Double>, inverseDeviation: UnsafeMutablePointer<Double>
    let sums: UnsafeMutablePointer<Double>, productSums: UnsafeMutablePointer<Double>

    /// Batch normalization of samples of `inputShape`: `[features]` or `[channels, height, width]`.
    ///
    /// - Throws: ``NetworkError/invalidConfiguration(_:)`` for another rank, a size that is not
    ///   positive, a momentum outside `[0, 1]` or an epsilon that is not positive;
    ///   ``NetworkError/cannotAllocate(what:bytes:)`` when the memory cannot be allocated.
    public init(inputShape: [Int], momentum: Double = 0.1, epsilon: Double = 1e-5) throws(NetworkError) {
        guard inputShape.count == 1 || inputShape.count == 3, inputShape.allSatisfy({ $0 > 0 }) else {
            throw .invalidConfiguration(
                "BatchNorm: the input shape must be [features] or [channels, height, width] of positive sizes, got \(inputShape)"
            )
        }
        guard (0...1).contains(momentum), epsilon > 0, epsilon.isFinite else {
            throw .invalidConfiguration(
                "BatchNorm: momentum \(momentum) must be in [0, 1] and epsilon \(epsilon) positive")
        }
        sampleShape = inputShape
        self.momentum = momentum
        self.epsilon = epsilon
        channels = inputShape[0]
        planeSize = inputShape.dropFirst().reduce(1, *)
        scale = try Parameter(name: "scale", rows: 1, columns: channels)
        shift = try Parameter(name: "shift", rows: 1, columns: channels)
        runningMean = try Parameter(name: "runningMean", rows: 1, columns: channels)
        runningVariance = try Parameter(name: "runningVariance", rows: 1, columns: channels)
        runningVariance.valueBuffer.pointer.update(repeating: 1, count: channels)
        mean = .allocate(capacity: channels)
        inverseDeviation = .allocate(capacity: channels)
        sums = .allocate(capacity: channels)
        productSums = .allocate(capacity: channels)
    }

    deinit {
        mean.deallocate()
        inverseDeviation.deallocate()
        sums.deallocate()
        productSums.deallocate()
    }

    /// The sample's width.
    public var inputSize: Int? { channels * planeSize }

    /// ``sampleShape``.
    public var inputShape: [Int]? { sampleShape }

    /// The input size.
    public func outputSize(forInputSize inputSize: Int) -> Int { inputSize }

    /// ``sampleShape``.
    public func outputShape(forInputShape inputShape: [Int]) -> [Int] { sampleShape }

    /// ``scale``, then ``shift``.
    public var parameters: [Parameter<Scalar>] { [scale, shift] }

    /// ``runningMean``, then ``runningVariance``.
    public var buffers: [Parameter<Scalar>] { [runningMean, runningVariance] }

    /// Identity.
    public var finalActivation: Activation { .identity }

    /// Sets ``scale`` to ones and ``shift`` to zeros (PyTorch's start); draws nothing.
    public func initializeParameters<Generator: RealRandomNumberGenerator>(using generator: inout Generator) {
        scale.valueBuffer.pointer.update(repeating: 1, count: channels)
        shift.valueBuffer.pointer.update(repeating: 0, count: channels)
    }

    /// Draws nothing.
    public func beginEpoch(seed: UInt64) {}

    /// False.
    public var drawsRandomNumbers: Bool { false }

    /// Normalizes a batch with its own statistics (training) or the running ones (inference).
    public func forward(_ input: Matrix<Scalar>, into output: inout Matrix<Scalar>) {
        forwardThroughBuffers(input, into: &output, "BatchNorm")
    }

    /// The backward pass through the statistics the forward pass used.
    public func backward(
        input: Matrix<Scalar>, output: Matrix<Scalar>, outputGradient: inout Matrix<Scalar>,
        inputGradient: inout Matrix<Scalar>, needsInputGradient: Bool, skipsActivationDerivative: Bool,
        gradientRetention: Scalar
    ) {
        backwardThroughBuffers(
            input: input, output: output, outputGradient: &outputGradient, inputGradient: &inputGradient,
            needsInputGradient: needsInputGradient, skipsActivationDerivative: skipsActivationDerivative,
            gradientRetention: gradientRetention, "BatchNorm")
    }

    /// Calls `body(channel, run)` for each channel's run of ``planeSize`` scalars in each of `rows`
    /// samples, sample by sample.
    @inline(__always)
    func forEachRun(rows: Int, _ body: (Int, Int) -> Void) {
        for sample in 0..<rows {
            for channel in 0..<channels { body(channel, (sample &* channels &+ channel) &* planeSize) }
        }
    }

    /// The forward pass on raw buffers.
    func forward(input: UnsafePointer<Scalar>, rows: Int, into output: UnsafeMutablePointer<Scalar>) {
        let plane = planeSize, mean = mean, inverseDeviation = inverseDeviation, sums = sums
        if mode == .training {
            let count = Double(rows &* plane)
            sums.update(repeating: 0, count: channels)
            forEachRun(rows: rows) { channel, start in
                var total = 0.0
                for index in start..<(start &+ plane) { total += Double(input[index]) }
                sums[channel] += total
            }
            for channel in 0..<channels { mean[channel] = sums[channel] / count }
            sums.update(repeating: 0, count: channels)
            forEachRun(rows: rows) { channel, start in
                var total = 0.0
                let center = mean[channel]
                for index in start..<(start &+ plane) {
                    let deviation = Double(input[index]) - center
                    total += deviation * deviation
                }
                sums[channel] += total
            }
            let runningMean = runningMean.valueBuffer.pointer, runningVariance = runningVariance.valueBuffer.pointer
            for channel in 0..<channels {
                let variance = sums[channel] / count
                inverseDeviation[channel] = 1 / (variance + epsilon).squareRoot()
                let unbiased = count > 1 ? variance * count / (count - 1) : variance
                runningMean[channel] = Scalar((1 - momentum) * Double(runningMean[channel]) + momentum * mean[channel])
                runningVariance[channel] = Scalar(
                    (1 - momentum) * Double(runningVariance[channel]) + momentum * unbiased)
            }
        } else {
            let runningMean = runningMean.valueBuffer.pointer, runningVariance = runningVariance.valueBuffer.pointer
            for channel in 0..<channels {
                mean[channel] = Double(runningMean[channel])
                inverseDeviation[channel] = 1 / (Double(runningVariance[channel]) + epsilon).squareRoot()
            }
        }
        let gamma = scale.valueBuffer.pointer, beta = shift.valueBuffer.pointer
        forEachRun(rows: rows) { channel, start in
            let center = mean[channel], factor = inverseDeviation[channel] * Double(gamma[channel])
            let offset = Double(beta[channel])
            for index in start..<(start &+ plane) {
                output[index] = Scalar((Double(input[index]) - center) * factor + offset)
            }
        }
    }

    /// The backward pass on raw buffers; `inputGradient` is `nil` when nobody needs it.
    func backward(
        input: UnsafePointer<Scalar>, outputGradient: UnsafePointer<Scalar>,
        inputGradient: UnsafeMutablePointer<Scalar>?, rows: Int, gradientRetention: Scalar
    ) {
        let plane = planeSize, mean = mean, inverseDeviation = inverseDeviation
        let sums = sums, productSums = productSums
        // Σ ∂y and Σ ∂y · x̂ per channel: the shift's and the scale's gradients.
        sums.update(repeating: 0, count: channels)
        productSums.update(repeating: 0, count: channels)
        forEachRun(rows: rows) { channel, start in
            var total = 0.0, product = 0.0
            let center = mean[channel], factor = inverseDeviation[channel]
            for index in start..<(start &+ plane) {
                let gradient = Double(outputGradient[index])
                total += gradient
                product += gradient * (Double(input[index]) - center) * factor
            }
            sums[channel] += total
            productSums[channel] += product
        }
        let gammaGradient = scale.gradientBuffer.pointer, betaGradient = shift.gradientBuffer.pointer
        for channel in 0..<channels {
            gammaGradient[channel] = gradientRetention * gammaGradient[channel] + Scalar(productSums[channel])
            betaGradient[channel] = gradientRetention * betaGradient[channel] + Scalar(sums[channel])
        }
        guard let inputGradient else { return }
        let gamma = scale.valueBuffer.pointer
        let training = mode == .training, count = Double(rows &* plane)
        forEachRun(rows: rows) { channel, start in
            let center = mean[channel], deviation = inverseDeviation[channel]
            let factor = Double(gamma[channel]) * deviation
            if training {
                // ∂x = γ / σ · (∂y - mean(∂y) - x̂ · mean(∂y · x̂)).
                let meanGradient = sums[channel] / count, meanProduct = productSums[channel] / count
                for index in start..<(start &+ plane) {
                    let normalized = (Double(input[index]) - center) * deviation
                    inputGradient[index] = Scalar(
                        factor * (Double(outputGradient[index]) - meanGradient - normalized * meanProduct))
                }
            } else {
                for index in start..<(start &+ plane) {
                    inputGradient[index] = Scalar(factor * Double(outputGradient[index]))
                }
            }
        }
    }
}

extension BatchNorm: BufferedLayer {
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func forward(
        _ layer: Unmanaged<AnyObject>, input: UnsafePointer<Scalar>, rows: Int, inputColumns: Int,
        into output: UnsafeMutablePointer<Scalar>, outputColumns: Int
    ) {
        layer._withUnsafeGuaranteedRef {
            unsafeDowncast($0, to: BatchNorm.self).forward(input: input, rows: rows, into: output)
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
            unsafeDowncast($0, to: BatchNorm.self).backward(
                input: input, outputGradient: outputGradient, inputGradient: inputGradient, rows: rows,
                gradientRetention: gradientRetention)
        }
    }
}

/// ``BatchNorm`` as model files know it: type `"batchnorm"` with `features` (after a dense
/// layer) or `channels`, `height` and `width` settings, `momentum` and `epsilon`; arrays `scale`,
/// `shift`, `runningMean` and `runningVariance`, each `(1, channels)`.
public enum BatchNormKind: LayerKind {
    /// `"batchnorm"`.
    public static let typeName = "batchnorm"

    /// The trained scale and shift and the running statistics.
    public static let hasArrays = true

    /// The saved form of a ``BatchNorm``, or `nil` for another layer.
    public static func saved<Scalar: MatrixScalar>(_ layer: any Layer<Scalar>, includesWeights: Bool) -> ModelFile
        .SavedLayer?
    {
        guard let norm = layer as? BatchNorm<Scalar> else { return nil }
        var settings =
            norm.sampleShape.count == 3
            ? ModelFile.SavedLayer.imageSettings(norm.sampleShape) : ["features": .integer(norm.sampleShape[0])]
        settings["momentum"] = .number(norm.momentum)
        settings["epsilon"] = .number(norm.epsilon)
        return savedLayer(norm, settings: settings, includesWeights: includesWeights)
    }

    /// The saved sample shape: `[features]` or `[channels, height, width]`.
    static func sampleShape(_ saved: ModelFile.SavedLayer) -> [Int]? {
        if let features = saved.integer("features") { return (1...(1 << 30)).contains(features) ? [features] : nil }
        return saved.imageInputShape
    }

    /// A ``BatchNorm`` with the saved settings (its arrays are loaded after).
    public static func makeLayer<Scalar: MatrixScalar>(from saved: ModelFile.SavedLayer, as type: Scalar.Type)
        throws(NetworkError) -> any Layer<Scalar>
    {
        try BatchNorm<Scalar>(
            inputShape: sampleShape(saved)!, momentum: saved.number("momentum")!, epsilon: saved.number("epsilon")!)
    }

    /// `scale`, `shift`, `runningMean`, `runningVariance`, each `(1, channels)`.
    public static func arraySpecifications(_ saved: ModelFile.SavedLayer) -> [ArraySpecification] {
        let channels = sampleShape(saved)?[0] ?? 0
        return ["scale", "shift", "runningMean", "runningVariance"].map {
            ArraySpecification(name: $0, rows: 1, columns: channels)
        }
    }

    /// Checks the shape, momentum and epsilon, and that the input width chains on.
    public static func validate(
        _ layer: ModelFile.SavedLayer, index: Int, inputWidth width: Int?, arraysChecked: Bool, precision: String,
        path: String
    ) throws(NetworkError) -> Int? {
        func fail(_ reason: String) -> NetworkError { .invalidModelFile(path: path, reason: reason) }
        guard let shape = sampleShape(layer) else {
            throw fail(
                "layer \(index) (batchnorm): needs a 'features' setting, or 'channels', 'height' and 'width', of whole numbers at least 1"
            )
        }
        guard let momentum = layer.number("momentum"), (0...1).contains(momentum) else {
            throw fail("field 'layers.\(index).settings.momentum': must be a number from 0 to 1")
        }
        guard let epsilon = layer.number("epsilon"), epsilon > 0, epsilon.isFinite else {
            throw fail("field 'layers.\(index).settings.epsilon': must be a positive number")
        }
        return try checkInput(shape, chainsFrom: width, index: index, path: path)
    }

    /// The sample shape in and out, for images; `nil` for features (any shape of the width).
    public static func sampleShapes(_ saved: ModelFile.SavedLayer) -> (input: [Int], output: [Int])? {
        guard let shape = sampleShape(saved), shape.count == 3 else { return nil }
        return (shape, shape)
    }

    /// `2 · channels`: the scale and the shift (the running statistics are not trained).
    public static func parameterCount(_ saved: ModelFile.SavedLayer) -> Int { 2 * (sampleShape(saved)?[0] ?? 0) }

    /// `batchnorm 32 channels` or `batchnorm 128 features`.
    public static func summary(_ saved: ModelFile.SavedLayer) -> String {
        let shape = sampleShape(saved) ?? [0]
        return "batchnorm \(shape[0]) \(shape.count == 3 ? "channels" : "features")"
    }
}
