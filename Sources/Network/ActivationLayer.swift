import Tensor

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

extension ActivationLayer: BufferedLayer {
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func forward(
        _ layer: Unmanaged<AnyObject>, input: UnsafePointer<Scalar>, rows: Int, inputColumns: Int,
        into output: UnsafeMutablePointer<Scalar>, outputColumns: Int
    ) {
        layer._withUnsafeGuaranteedRef {
            unsafeDowncast($0, to: ActivationLayer.self).forward(
                input: input, rows: rows, columns: inputColumns, into: output)
        }
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func backward(
        _ layer: Unmanaged<AnyObject>, input: UnsafePointer<Scalar>, output: UnsafePointer<Scalar>,
        outputGradient: UnsafeMutablePointer<Scalar>, inputGradient: UnsafeMutablePointer<Scalar>?, rows: Int,
        inputColumns: Int, outputColumns: Int, skipsActivationDerivative: Bool, gradientRetention: Scalar
    ) {
        // The first layer's input gradient is wanted by nobody.
        guard let inputGradient else { return }
        layer._withUnsafeGuaranteedRef {
            unsafeDowncast($0, to: ActivationLayer.self).backward(
                output: output, outputGradient: outputGradient, inputGradient: inputGradient, rows: rows,
                columns: outputColumns, skipsActivationDerivative: skipsActivationDerivative)
        }
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

    /// None.
    public static func arraySpecifications(_ saved: ModelFile.SavedLayer) -> [ArraySpecification] { [] }

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
