import Tensor

/// Dropout: in training, each input is zeroed with probability ``rate`` and the others are scaled
/// by `1 / (1 - rate)` (inverted dropout, as PyTorch and Keras do); in inference it is the identity.
///
/// The masks are drawn from a `FastRandom` stream that the run seeds at the start of every
/// training epoch from its own generator (see ``ModeDependentLayer/beginEpoch(seed:)``), so a
/// seeded run, and a run resumed from a checkpoint, draws the same masks. The layer keeps the last
/// training mask for the backward pass, in a buffer that grows to the largest batch once.
public final class Dropout<Scalar: MatrixScalar>: ModeDependentLayer {
    /// The probability that an input is zeroed in training, in `[0, 1)`.
    public let rate: Double
    /// The mode the next forward pass runs in (set by the execution plan).
    public var mode = LayerMode.inference
    /// The stream the masks are drawn from.
    var random = FastRandom(seed: 0)
    /// The last training mask: `1 / (1 - rate)` for a kept input, 0 for a dropped one.
    var mask: UnsafeMutablePointer<Scalar>?
    /// The number of scalars ``mask`` holds.
    var maskCapacity = 0

    /// A dropout layer.
    ///
    /// - Throws: ``NetworkError/invalidConfiguration(_:)`` when `rate` is not in `[0, 1)`.
    public init(rate: Double) throws(NetworkError) {
        guard rate >= 0 && rate < 1 else {
            throw .invalidConfiguration("Dropout: the rate must be at least 0 and below 1, got \(rate)")
        }
        self.rate = rate
    }

    deinit { mask?.deallocate() }

    /// `nil`: dropout accepts any width.
    public var inputSize: Int? { nil }

    /// The input size.
    public func outputSize(forInputSize inputSize: Int) -> Int { inputSize }

    /// None.
    public var parameters: [Parameter<Scalar>] { [] }

    /// Identity.
    public var finalActivation: Activation { .identity }

    /// Draws nothing.
    public func initializeParameters<Generator: RealRandomNumberGenerator>(using generator: inout Generator) {}

    /// Restarts the mask stream from `seed`.
    public func beginEpoch(seed: UInt64) { random = FastRandom(seed: seed) }

    /// True when the rate is above 0.
    public var drawsRandomNumbers: Bool { rate > 0 }

    /// Drops (training) or copies (inference) a batch.
    public func forward(_ input: Matrix<Scalar>, into output: inout Matrix<Scalar>) {
        forwardThroughBuffers(input, into: &output, "Dropout")
    }

    /// Masks the gradient as the last training pass masked its inputs (or copies it in inference).
    public func backward(
        input: Matrix<Scalar>, output: Matrix<Scalar>, outputGradient: inout Matrix<Scalar>,
        inputGradient: inout Matrix<Scalar>, needsInputGradient: Bool, skipsActivationDerivative: Bool,
        gradientRetention: Scalar
    ) {
        backwardThroughBuffers(
            input: input, output: output, outputGradient: &outputGradient, inputGradient: &inputGradient,
            needsInputGradient: needsInputGradient, skipsActivationDerivative: skipsActivationDerivative,
            gradientRetention: gradientRetention, "Dropout")
    }

    /// The forward pass on `count` contiguous scalars.
    func forward(input: UnsafePointer<Scalar>, count: Int, into output: UnsafeMutablePointer<Scalar>) {
        guard mode == .training, rate > 0 else {
            output.update(from: input, count: count)
            return
        }
        if count > maskCapacity {
            // Once per larger batch: the first training step of a run.
            mask?.deallocate()
            mask = .allocate(capacity: count)
            maskCapacity = count
        }
        let mask = mask!, kept = Scalar(1 / (1 - rate)), rate = rate
        for index in 0..<count {
            let factor = random.randomSample() < rate ? 0 : kept
            mask[index] = factor
            output[index] = input[index] * factor
        }
    }

    /// The backward pass on `count` contiguous scalars.
    func backward(outputGradient: UnsafePointer<Scalar>, count: Int, into inputGradient: UnsafeMutablePointer<Scalar>) {
        guard mode == .training, rate > 0, let mask else {
            inputGradient.update(from: outputGradient, count: count)
            return
        }
        for index in 0..<count { inputGradient[index] = outputGradient[index] * mask[index] }
    }
}

extension Dropout: BufferedLayer {
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func forward(
        _ layer: Unmanaged<AnyObject>, input: UnsafePointer<Scalar>, rows: Int, inputColumns: Int,
        into output: UnsafeMutablePointer<Scalar>, outputColumns: Int
    ) {
        layer._withUnsafeGuaranteedRef {
            unsafeDowncast($0, to: Dropout.self).forward(input: input, count: rows &* inputColumns, into: output)
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
            unsafeDowncast($0, to: Dropout.self).backward(
                outputGradient: outputGradient, count: rows &* inputColumns, into: inputGradient)
        }
    }
}

/// ``Dropout`` as model files know it: type `"dropout"` with a `rate` setting and no arrays.
public enum DropoutKind: LayerKind {
    /// `"dropout"`.
    public static let typeName = "dropout"

    /// No parameters.
    public static let hasArrays = false

    /// The saved form of a ``Dropout``, or `nil` for another layer.
    public static func saved<Scalar: MatrixScalar>(_ layer: any Layer<Scalar>, includesWeights: Bool) -> ModelFile
        .SavedLayer?
    {
        guard let dropout = layer as? Dropout<Scalar> else { return nil }
        return savedLayer(dropout, settings: ["rate": .number(dropout.rate)], includesWeights: includesWeights)
    }

    /// A ``Dropout`` with the saved rate.
    public static func makeLayer<Scalar: MatrixScalar>(from saved: ModelFile.SavedLayer, as type: Scalar.Type)
        throws(NetworkError) -> any Layer<Scalar>
    {
        try Dropout<Scalar>(rate: saved.number("rate")!)
    }

    /// None.
    public static func arraySpecifications(_ saved: ModelFile.SavedLayer) -> [ArraySpecification] { [] }

    /// Checks the rate and refuses dropout as the first layer; it keeps its input's width.
    public static func validate(
        _ layer: ModelFile.SavedLayer, index: Int, inputWidth: Int?, arraysChecked: Bool, precision: String,
        path: String
    ) throws(NetworkError) -> Int? {
        guard let rate = layer.number("rate"), rate >= 0 && rate < 1 else {
            throw .invalidModelFile(
                path: path,
                reason:
                    "field 'layers.\(index).settings.rate': \(layer.settings?["rate"]?.description ?? "missing"); dropout needs a rate at least 0 and below 1"
            )
        }
        guard index > 0 else {
            throw .invalidModelFile(
                path: path, reason: "layer 0 is dropout; the first layer must declare its input size")
        }
        return nil
    }

    /// No parameters.
    public static func parameterCount(_ saved: ModelFile.SavedLayer) -> Int { 0 }

    /// `dropout 0.5`.
    public static func summary(_ saved: ModelFile.SavedLayer) -> String { "dropout \(saved.number("rate") ?? 0)" }
}
