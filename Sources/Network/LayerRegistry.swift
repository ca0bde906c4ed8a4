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

    /// The arrays a saved layer of this kind holds, by name, with their shapes (from its settings,
    /// which ``validate(_:index:inputWidth:arraysChecked:precision:path:)`` has checked); an array
    /// that is not `required` may be absent (a bias). Model files, checkpoints and `nn export`
    /// check and carry a layer's arrays by this list alone.
    static func arraySpecifications(_ saved: ModelFile.SavedLayer) -> [ArraySpecification]

    /// The saved form of `layer`, or `nil` when `layer` is not of this kind; without its arrays when
    /// `includesWeights` is false (a streaming save writes them from the parameters themselves).
    static func saved<Scalar: MatrixScalar>(_ layer: any Layer<Scalar>, includesWeights: Bool) -> ModelFile.SavedLayer?

    /// A layer of this kind with `saved`'s settings and zero parameters (``loadArrays(from:into:)`` fills them).
    ///
    /// - Throws: ``NetworkError/cannotAllocate(what:bytes:)`` when the parameters' memory cannot be
    ///   allocated (a model file's sizes come from outside).
    static func makeLayer<Scalar: MatrixScalar>(from saved: ModelFile.SavedLayer, as type: Scalar.Type)
        throws(NetworkError) -> any Layer<Scalar>

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

    /// The shape of one input sample and one output sample of a saved layer whose kind works on
    /// images (`[channels, height, width]`), from its settings; `nil` for a kind that takes any
    /// shape of its width (dense, activation). The file's validation checks that shapes chain.
    static func sampleShapes(_ saved: ModelFile.SavedLayer) -> (input: [Int], output: [Int])?

    /// The number of trainable scalars a saved layer of this kind holds.
    static func parameterCount(_ saved: ModelFile.SavedLayer) -> Int

    /// A one-line description of a saved layer (`dense 4 -> 8, relu, bias`), for `nn info`.
    static func summary(_ saved: ModelFile.SavedLayer) -> String
}

/// One array a saved layer holds: its name (`weights`, `runningMean`), shape and whether it may be absent.
public struct ArraySpecification: Sendable, Equatable {
    /// The array's name, the name of the parameter or buffer it is saved from.
    public var name: String
    /// The number of rows.
    public var rows: Int
    /// The number of columns.
    public var columns: Int
    /// Whether every layer of the kind has it (`false` for a bias).
    public var required: Bool

    /// Creates a specification.
    public init(name: String, rows: Int, columns: Int, required: Bool = true) {
        self.name = name
        self.rows = rows
        self.columns = columns
        self.required = required
    }
}

extension LayerKind {
    /// `nil`: the kind takes any shape of its width.
    public static func sampleShapes(_ saved: ModelFile.SavedLayer) -> (input: [Int], output: [Int])? { nil }

    /// Copies `saved`'s arrays into the layer's parameters and buffers of the same names; an
    /// array the layer does not hold, or one `saved` lacks, is skipped.
    public static func loadArrays<Scalar: MatrixScalar>(from saved: ModelFile.SavedLayer, into layer: any Layer<Scalar>)
    {
        for parameter in layer.savedArrays {
            if let matrix = saved.array(named: parameter.name) { parameter.value = Matrix<Scalar>(matrix) }
        }
    }

    /// A saved layer of this kind with `settings` and, when `includesWeights`, every parameter and
    /// buffer of `layer` as an array of its name (else only their names, for ``ModelFile/SavedLayer/hasBias``).
    static func savedLayer<Scalar: MatrixScalar>(
        _ layer: any Layer<Scalar>, settings: [String: ModelFile.LayerSetting], activation: Activation = .identity,
        includesWeights: Bool
    ) -> ModelFile.SavedLayer {
        var saved = ModelFile.SavedLayer(
            type: typeName, activation: activation, settings: settings.isEmpty ? nil : settings)
        for parameter in layer.savedArrays {
            if includesWeights {
                saved.setArray(Matrix<Double>(parameter.value), named: parameter.name)
            } else {
                saved.declaredArrays.insert(parameter.name)
            }
        }
        return saved
    }

    /// The width of samples of `shape`, after checking that it is `width`, what the previous layer
    /// outputs (`nil` before the first sized layer): the one check of how saved layers chain.
    @discardableResult
    static func checkInput(_ shape: [Int], chainsFrom width: Int?, index: Int, path: String) throws(NetworkError)
        -> Int
    {
        let inputCount = shape.reduce(1, *)
        if let width, width != inputCount {
            let shown = shape.count > 1 ? " \(shapeText(shape))" : ""
            throw .invalidModelFile(
                path: path,
                reason: "layer \(index) expects \(inputCount) inputs\(shown) but the previous layer gives \(width)")
        }
        return inputCount
    }

    /// Checks that `saved` holds exactly the arrays of ``arraySpecifications(_:)`` (a JSON model
    /// keeps them in the document), each of its shape and finite in `precision`.
    static func validateDocumentArrays(
        _ saved: ModelFile.SavedLayer, index: Int, precision: String, path: String
    ) throws(NetworkError) {
        func fail(_ reason: String) -> NetworkError { .invalidModelFile(path: path, reason: reason) }
        let specifications = arraySpecifications(saved)
        for specification in specifications {
            guard let matrix = saved.array(named: specification.name) else {
                if specification.required {
                    throw fail(
                        "layer \(index): \(specification.name) must have shape (\(specification.rows), \(specification.columns)), found none"
                    )
                }
                continue
            }
            guard matrix.shape == (specification.rows, specification.columns) else {
                throw fail(
                    "layer \(index): \(specification.name) must have shape (\(specification.rows), \(specification.columns)), found \(matrix.shapeDescription)"
                )
            }
            if let bad = ModelFile.firstNonFinite(matrix, precision: precision) {
                throw fail(
                    "layer \(index): \(specification.name) contains \(bad), which is not a finite \(precision) number")
            }
        }
        if let extra = saved.namedArrays.first(where: { array in !specifications.contains { $0.name == array.name } }) {
            throw fail("layer \(index): a \(typeName) layer has no array '\(extra.name)'")
        }
    }
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
            Conv2DKind.self,
            MaxPool2DKind.self,
            AveragePool2DKind.self,
            GlobalAveragePool2DKind.self,
            DropoutKind.self,
            BatchNormKind.self,
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
