import Tensor

/// One kind of built-in layer as model files and checkpoints know it: the `type` string it is saved
/// under, and how a layer of the kind is saved, checked, rebuilt and described.
///
/// Each built-in layer's file declares its kind next to the layer (``DenseKind`` in `Dense.swift`,
/// ``ActivationKind`` beside ``ActivationLayer``), and ``LayerRegistry/kinds`` lists it once; model
/// files, checkpoints and `nn` ask the registry rather than switching on type strings.
public protocol LayerKind {
    /// The `type` string of a saved layer of this kind (`"dense"`).
    static var typeName: String { get }

    /// Whether a saved layer of this kind carries arrays (`weights`, `bias`) in the file.
    static var hasArrays: Bool { get }

    /// The saved form of `layer`, or `nil` when `layer` is not of this kind; without its arrays when
    /// `includesWeights` is false (a streaming save writes them from the parameters themselves).
    static func saved<Scalar: MatrixScalar>(_ layer: any Layer<Scalar>, includesWeights: Bool) -> ModelFile.SavedLayer?

    /// A layer of this kind with `saved`'s settings and zero parameters (``loadArrays(from:into:)`` fills them).
    ///
    /// - Throws: ``NetworkError/cannotAllocate(what:bytes:)`` when the parameters' memory cannot be
    ///   allocated (a model file's sizes come from outside).
    static func makeLayer<Scalar: MatrixScalar>(from saved: ModelFile.SavedLayer, as type: Scalar.Type)
        throws(NetworkError) -> any Layer<Scalar>

    /// Copies `saved`'s arrays, when it has them, into `layer` (made by ``makeLayer(from:as:)``).
    static func loadArrays<Scalar: MatrixScalar>(from saved: ModelFile.SavedLayer, into layer: any Layer<Scalar>)

    /// Checks a saved layer's fields; returns the width it outputs, or `nil` when it keeps its input's.
    ///
    /// - Parameters:
    ///   - saved: the layer as the file holds it.
    ///   - index: the layer's position, for messages.
    ///   - inputWidth: the previous layer's output width (`nil` before the first sized layer).
    ///   - arraysChecked: the arrays are in a binary section the caller checks; the layer carries none.
    ///   - precision: `"float"` or `"double"`, the precision values must be finite in.
    ///   - path: the file, for the error.
    static func validate(
        _ saved: ModelFile.SavedLayer, index: Int, inputWidth: Int?, arraysChecked: Bool, precision: String,
        path: String
    ) throws(NetworkError) -> Int?

    /// The number of trainable scalars a saved layer of this kind holds.
    static func parameterCount(_ saved: ModelFile.SavedLayer) -> Int

    /// A one-line description of a saved layer (`dense 4 -> 8, relu, bias`), for `nn info`.
    static func summary(_ saved: ModelFile.SavedLayer) -> String
}

/// The built-in layer kinds, each listed once. Adding a built-in layer means its file (the layer
/// and its ``LayerKind``) plus one line here; see ARCHITECTURE.md.
public enum LayerRegistry {
    /// Every built-in kind. A saved layer whose `type` is none of these is refused when read.
    ///
    /// A computed list rather than a stored one: a stored global of metatypes is not `Sendable`, and
    /// Swift 6 warns about it in every build of the package, a consumer's included.
    public static var kinds: [any LayerKind.Type] {
        [
            DenseKind.self,
            ActivationKind.self,
        ]
    }

    /// The kind saved under `typeName`, or `nil` when no built-in kind has that name.
    public static func kind(named typeName: String) -> (any LayerKind.Type)? {
        kinds.first { $0.typeName == typeName }
    }

    /// The saved form of `layer`, from the first kind that recognises it.
    ///
    /// - Precondition: `layer` is one of the built-in kinds (a layer of the user's own cannot be saved).
    static func saved<Scalar: MatrixScalar>(_ layer: any Layer<Scalar>, includesWeights: Bool) -> ModelFile.SavedLayer {
        for kind in kinds {
            if let saved = kind.saved(layer, includesWeights: includesWeights) { return saved }
        }
        failPrecondition("\(type(of: layer)) is not a registered layer kind and cannot be saved in a model file")
    }
}

extension ModelFile.SavedLayer {
    /// The registered kind of this layer, or `nil` for an unknown `type`.
    public var kind: (any LayerKind.Type)? { LayerRegistry.kind(named: type) }

    /// Whether this layer keeps arrays in the file (false for an unknown `type`).
    public var hasArrays: Bool { kind?.hasArrays ?? false }
}

extension ModelFile {
    /// The first element of `matrix` that is not finite in `precision` (`"float"` or `"double"`), if any.
    static func firstNonFinite(_ matrix: Matrix<Double>, precision: String) -> Double? {
        let precision = Precision(rawValue: precision) ?? .double
        return matrix.withUnsafeBufferPointer { buffer in buffer.first { !precision.isFinite($0) } }
    }
}
