internal import FileSystem
import Foundation
import Tensor

// The PyTorch mapping, both ways: a model as the `state_dict` of the equivalent `torch.nn.Sequential`
// (names, shapes, layouts), written and read through `ArrayFile`, the one safetensors implementation.
//
// Each layer becomes its kind's modules (`TorchLayerKind`, `LayerKind+Torch.swift`) followed by its
// activation's module (none for identity), each at the next index of the Sequential: a network
// 4-100(relu)-3(identity) is `nn.Sequential(nn.Linear(4, 100), nn.ReLU(), nn.Linear(100, 3))`, whose
// state dict is `0.weight` (100, 4), `0.bias` (100), `2.weight` (3, 100), `2.bias` (3). Linear stores
// `weight` as (outputs, inputs), the transpose of a dense layer's `weights`, and `bias` in one
// dimension. A network that starts with an image layer takes rows of C·H·W values as nn does:
// `nn.Unflatten(1, (C, H, W))` comes first, and `nn.Flatten()` wherever images meet a layer on rows
// (and at the end, when the last layer gives images).
extension ModelFile {
    /// The metadata key of a PyTorch file written by ``writeTorchStateDict(to:)`` that holds the model's
    /// JSON document (without arrays): with it, nn reads the file back as the model it came from.
    public static let torchDocumentKey = "nn.document"

    /// The version of the PyTorch file's metadata layout (`nn.version`) that this code writes for a
    /// model with layers other than dense and activation layers: 2. A model of only those is written
    /// as version 1, the layout of nn 0.4.0, unchanged. Both are read.
    public static let torchExportVersion = 2

    /// The version of the PyTorch file's layout that a model of these layers is written as: 1 when
    /// every layer is a dense or activation layer (what nn 0.4.0 wrote and reads), else
    /// ``torchExportVersion``.
    public var torchExportVersionNeeded: Int {
        layers.allSatisfy { $0.type == DenseKind.typeName || $0.type == ActivationKind.typeName }
            ? 1 : Self.torchExportVersion
    }

    /// The modules of the equivalent `torch.nn.Sequential`, in order, as Python source
    /// (`["nn.Linear(4, 100)", "nn.ReLU()", "nn.Linear(100, 3)"]`).
    public var torchModules: [String] { torchLayout.modules.map(\.source) }

    /// `nn.Sequential(nn.Linear(4, 100), nn.ReLU(), nn.Linear(100, 3))`.
    public var torchSequential: String { "nn.Sequential(\(torchModules.joined(separator: ", ")))" }

    /// Whether a module of the Sequential computes differently in training (dropout, batch
    /// normalization), so that PyTorch must predict in `eval()` mode.
    public var torchDependsOnMode: Bool { torchLayout.modules.contains(where: \.dependsOnMode) }

    /// The state dict's tensors in order, with their shapes: `0.weight` `[100, 4]`, `0.bias` `[100]`, …
    /// (a tensor of an array the layer lacks, a bias, is left out).
    public var torchTensorShapes: [(name: String, shape: [Int])] {
        torchLayout.tensors.filter { tensor in
            guard case .array(let array, _) = tensor.tensor.source else { return true }
            return array != "bias" || layers[tensor.layer].hasBias
        }.map { ($0.name, $0.tensor.shape) }
    }

    /// The first layer whose kind has no PyTorch equivalent, if any.
    var firstLayerWithoutTorchEquivalent: (index: Int, type: String)? {
        layers.enumerated().first { !($0.element.kind is any TorchLayerKind.Type) }.map { ($0.offset, $0.element.type) }
    }

    /// The Sequential's modules and every tensor they hold, with its full name (`3.weight`) and the
    /// layer (by index in ``layers``) whose array fills it.
    private var torchLayout: (modules: [TorchModule], tensors: [(name: String, layer: Int, tensor: TorchTensor)]) {
        var modules: [TorchModule] = []
        var tensors: [(name: String, layer: Int, tensor: TorchTensor)] = []
        var current = TorchBatchLayout.rows
        for (index, layer) in layers.enumerated() {
            guard let kind = layer.kind as? any TorchLayerKind.Type else { continue }
            let input = kind.torchInput(layer)
            if input == .images && current == .rows, let shape = layer.kind?.sampleShapes(layer)?.input {
                modules.append(TorchModule("nn.Unflatten(1, (\(shape.map(String.init).joined(separator: ", "))))"))
            } else if input == .rows && current == .images {
                modules.append(TorchModule("nn.Flatten()"))
            }
            if input != .either { current = input }
            for module in kind.torchModules(layer) {
                for tensor in module.tensors { tensors.append(("\(modules.count).\(tensor.name)", index, tensor)) }
                modules.append(module)
            }
            if let activation = Self.torchModule(layer.activation) { modules.append(TorchModule(activation)) }
            let output = kind.torchOutput(layer)
            if output != .either { current = output }
        }
        if current == .images { modules.append(TorchModule("nn.Flatten()")) }
        return (modules, tensors)
    }

    /// The metadata of a PyTorch file, all strings: `format` `pt`; `nn.version`; `nn.sequential` (the
    /// modules as Python); `nn.precision`; `nn.loss`; `nn.activations` (JSON, one per layer);
    /// `nn.classNames` (JSON, classifiers); `nn.inputOffset` and `nn.inputScale` (JSON: the network
    /// takes `(x - offset) * scale`; the identity when the model is unscaled); `nn.targetOffset` and
    /// `nn.targetScale` (JSON, a regressor on standardized targets: `output / scale + offset`); and
    /// ``torchDocumentKey``, the model's document.
    func torchMetadata() throws(NetworkError) -> [String: String] {
        func json<Value: Encodable>(_ value: Value) throws(NetworkError) -> String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            do {
                return String(decoding: try encoder.encode(value), as: UTF8.self)
            } catch {
                throw .invalidConfiguration("the model cannot be saved: \(error) (are all values finite?)")
            }
        }
        var document = self
        document.version = Self.currentVersion
        document.layers = document.layers.map(\.withoutArrays)
        let inputCount = inputWidth
        let transform =
            inputTransform
            ?? InputTransform(
                offset: [Double](repeating: 0, count: inputCount), scale: [Double](repeating: 1, count: inputCount))
        var metadata = [
            "format": "pt", "nn.version": String(torchExportVersionNeeded), "nn.sequential": torchSequential,
            "nn.precision": precision, "nn.loss": loss.rawValue,
            "nn.activations": try json(layers.map(\.activation.rawValue)),
            "nn.inputOffset": try json(transform.offset), "nn.inputScale": try json(transform.scale),
            Self.torchDocumentKey: try json(document),
        ]
        if let classNames { metadata["nn.classNames"] = try json(classNames) }
        if let targetTransform {
            metadata["nn.targetOffset"] = try json(targetTransform.offset)
            metadata["nn.targetScale"] = try json(targetTransform.scale)
        }
        return metadata
    }

    /// Writes the model as the `state_dict` of ``torchSequential``, in safetensors
    /// (`torch.nn.Sequential(...).load_state_dict(safetensors.torch.load_file(path), strict=True)`
    /// loads it), atomically: each dense layer's `weight` as (outputs, inputs) and its `bias` as
    /// (outputs); a convolution's `weight` as (filters, channels, k, k); batch normalization's
    /// `weight`, `bias`, `running_mean`, `running_var` and `num_batches_tracked`; `float32` for a
    /// float model and `float64` for a double one (the count in `int64`), and the rest of the model
    /// in the metadata (see ``torchDocumentKey``), so that nn reads the file back whole.
    ///
    /// - Precondition: the model was read with its weights (``read(from:)``, not ``readMetadata(from:)``).
    ///
    /// - Throws: ``NetworkError/invalidConfiguration(_:)`` for a model with a layer whose kind has no
    ///   PyTorch equivalent (``TorchLayerKind``).
    public func writeTorchStateDict(to path: String) throws(NetworkError) {
        if let other = firstLayerWithoutTorchEquivalent {
            throw .invalidConfiguration(
                "layer \(other.index) is \(other.type), which has no PyTorch equivalent here; export the arrays for numpy with --format npz"
            )
        }
        let dataType = ArrayFile.DataType(precision: scalarPrecision)
        var entries: [ArrayFile.Entry] = []
        for (name, index, tensor) in torchLayout.tensors {
            switch tensor.source {
            case .batchCount:
                entries.append(.count(name, 0))
            case .array(let array, let transposed):
                guard let matrix = layers[index].array(named: array) else {
                    if array == "bias" { continue }
                    failPrecondition("ModelFile.writeTorchStateDict: layer \(index) was read without its \(array)")
                }
                entries.append(
                    .matrix(name, transposed ? matrix.transposed() : matrix, as: dataType, shape: tensor.shape))
            }
        }
        try ArrayFile.write(to: path, metadata: try torchMetadata(), entries: entries)
    }

    /// Reads a PyTorch file that ``writeTorchStateDict(to:)`` wrote: the document in its metadata,
    /// checked, and its tensors (checked against the document's layers) read back into the layers'
    /// arrays when `loadingWeights` (else the layers only record whether they have a bias).
    static func decodeTorch(_ reader: ArrayFile.Reader, path: String, loadingWeights: Bool) throws(NetworkError)
        -> ModelFile
    {
        func fail(_ reason: String) -> NetworkError { .invalidModelFile(path: path, reason: reason) }
        guard let version = reader.metadata["nn.version"].flatMap({ Int($0) }),
            (1...torchExportVersion).contains(version)
        else {
            throw fail(
                "field '__metadata__.nn.version': '\(reader.metadata["nn.version"] ?? "none")' is not supported (a PyTorch file from 'nn export' is version 1 to \(torchExportVersion))"
            )
        }
        var model = try decodeDocument(Data((reader.metadata[torchDocumentKey] ?? "").utf8), path: path)
        try model.validate(path: path, arraysChecked: true)
        if let other = model.firstLayerWithoutTorchEquivalent {
            throw fail("layer \(other.index) is \(other.type), which has no PyTorch equivalent")
        }
        let dataType = ArrayFile.DataType(precision: model.scalarPrecision)
        var expected: Set<String> = []
        for (name, index, tensor) in model.torchLayout.tensors {
            guard let array = reader.arrays[name] else {
                if case .array("bias", _) = tensor.source { continue }
                throw fail("tensor '\(name)' is missing")
            }
            expected.insert(name)
            guard array.shape == tensor.shape else {
                throw fail(
                    "tensor '\(name)' has shape \(torchShapeText(array.shape)); layer \(index) needs \(torchShapeText(tensor.shape))"
                )
            }
            guard case .array(let arrayName, let transposed) = tensor.source else {
                guard array.dataType == .int64 else {
                    throw fail("tensor '\(name)' is \(array.dataType.rawValue); a batch count is I64")
                }
                continue
            }
            guard array.dataType == dataType else {
                throw fail(
                    "tensor '\(name)' is \(array.dataType.rawValue); a \(model.precision) model stores \(dataType.rawValue)"
                )
            }
            guard loadingWeights else {
                model.layers[index].declaredArrays.insert(arrayName)
                continue
            }
            do {
                let matrix = try reader.matrix(name, as: Double.self)
                model.layers[index].setArray(transposed ? matrix.transposed() : matrix, named: arrayName)
            } catch {
                throw fail(error.reason)
            }
        }
        if let unexpected = reader.arrays.keys.sorted().first(where: { !expected.contains($0) }) {
            throw fail("tensor '\(unexpected)' belongs to no module of \(model.torchSequential)")
        }
        return model
    }
}

extension ModelFile {
    /// A model of `layers` (with their arrays), unscaled, without metadata.
    init(precision: String, loss: Loss, layers: [SavedLayer], classNames: [String]?) {
        format = Self.formatName
        version = Self.currentVersion
        self.precision = precision
        self.loss = loss
        self.layers = layers
        self.classNames = classNames
        inputTransform = nil
        featureNames = nil
        metadata = [:]
    }
}

/// `[3, 100]` or `[100]`: a tensor's shape as PyTorch prints it.
func torchShapeText(_ shape: [Int]) -> String { "[\(shape.map(String.init).joined(separator: ", "))]" }

/// A tensor's shape as PyTorch prints it.
func shapeText(_ array: ArrayFile.Array2D) -> String { torchShapeText(array.shape) }

/// The `nn.Linear` layers of a PyTorch `state_dict` saved in safetensors
/// (`safetensors.torch.save_file(model.state_dict(), path)`), read from the tensors' names and
/// shapes alone: a state dict holds no activations, loss or scaling.
///
/// Each module's tensors are `NAME.weight`, of shape (outputs, inputs), and optionally `NAME.bias`,
/// of shape (outputs); the modules are taken in the natural order of their names (an
/// `nn.Sequential`'s indices `0`, `2`, …, `10`; `fc1`, `fc2`), and each one's inputs must be the
/// previous one's outputs. Activation modules have no tensors, so the activations come from the
/// caller (``modelFile(activation:outputActivation:loss:classNames:)``, or the network that
/// ``Sequential/loadTorchStateDict(from:)`` loads into). Tensors are `F32` or `F64`, all of one type.
public struct TorchStateDict: Sendable, Equatable {
    /// One `nn.Linear` module.
    public struct Linear: Sendable, Equatable {
        /// The module's name in the state dict (`"0"`, `"net.2"`, `"fc1"`).
        public var name: String
        /// `in_features`.
        public var inputSize: Int
        /// `out_features`.
        public var outputSize: Int
        /// Whether the module has a bias tensor.
        public var hasBias: Bool
    }

    /// The file.
    public var path: String
    /// The Linear modules, first to last.
    public var linears: [Linear]
    /// `"float"` for `F32` tensors, `"double"` for `F64`.
    public var precision: String
    /// The file's `__metadata__` (PyTorch writes `format: pt`, or none).
    public var metadata: [String: String]

    /// The widths from inputs to outputs: `[4, 100, 3]`.
    public var widths: [Int] { [linears[0].inputSize] + linears.map(\.outputSize) }

    /// Whether the file also describes the whole model: `nn export --format torch` wrote it, and
    /// ``ModelFile/read(from:)`` reads it as the model it came from.
    public var describesModel: Bool { metadata[ModelFile.torchDocumentKey] != nil }

    /// Whether `path` is a safetensors file that holds no model description of nn's (neither a model
    /// file or checkpoint of nn's, nor a file `nn export --format torch` wrote): a bare state dict
    /// to read with ``read(from:)``. False for anything else, a file that cannot be read included.
    public static func isBareStateDict(at path: String) -> Bool {
        guard let reader = try? ArrayFile.reader(ifArrayFile: path, accepting: .stateDicts) else { return false }
        let format = reader.metadata["format"]
        return format != ModelFile.formatName && format != TrainingCheckpoint.formatName
            && reader.metadata[ModelFile.torchDocumentKey] == nil
    }

    /// Whether `path` is a safetensors file that `nn export --format torch` wrote (its metadata
    /// holds the model's document): ``ModelFile/read(from:)`` reads it as the model it came from,
    /// whatever its layers. False for anything else, a file that cannot be read included.
    public static func describesModel(at path: String) -> Bool {
        guard let reader = try? ArrayFile.reader(ifArrayFile: path, accepting: .stateDicts) else { return false }
        return reader.metadata[ModelFile.torchDocumentKey] != nil
    }

    /// Reads the header of the state dict at `path` (not its values): the Linear modules.
    ///
    /// - Throws: ``NetworkError/invalidModelFile(path:reason:)`` naming the tensor at fault: a name
    ///   that is not `NAME.weight` or `NAME.bias`, a shape that is not a Linear module's, layers whose
    ///   widths do not chain, mixed types.
    public static func read(from path: String) throws(NetworkError) -> TorchStateDict {
        try read(reader(path), path: path)
    }

    /// Reads `path` as a state dict.
    static func reader(_ path: String) throws(NetworkError) -> ArrayFile.Reader {
        func fail(_ reason: String) -> NetworkError { .invalidModelFile(path: path, reason: reason) }
        let reader: ArrayFile.Reader?
        do { reader = try ArrayFile.reader(ifArrayFile: path, accepting: .stateDicts) } catch {
            throw fail(error.reason)
        }
        guard let reader else {
            let exists = RawPath.exists(path)
            throw fail(
                exists
                    ? "not a safetensors file (a PyTorch state dict saved with safetensors)"
                    : String(cString: strerror(ENOENT)))
        }
        return reader
    }

    static func read(_ reader: ArrayFile.Reader, path: String) throws(NetworkError) -> TorchStateDict {
        func fail(_ reason: String) -> NetworkError {
            .invalidModelFile(path: path, reason: "as a PyTorch state dict of Linear layers: \(reason)")
        }
        if let format = reader.metadata["format"],
            [ModelFile.formatName, TrainingCheckpoint.formatName].contains(format)
        {
            throw fail(
                "it is nn's own \(format == ModelFile.formatName ? "model file" : "checkpoint"), not a state dict")
        }
        var modules: [String: (weight: ArrayFile.Array2D?, bias: ArrayFile.Array2D?)] = [:]
        for (name, array) in reader.arrays {
            if name.hasSuffix(".weight") {
                modules[String(name.dropLast(".weight".count)), default: (nil, nil)].weight = array
            } else if name.hasSuffix(".bias") {
                modules[String(name.dropLast(".bias".count)), default: (nil, nil)].bias = array
            } else {
                throw fail("tensor '\(name)' is neither a module's 'weight' nor its 'bias'")
            }
        }
        guard !modules.isEmpty else { throw fail("it holds no tensors") }
        let dataType = reader.arrays.values.first!.dataType
        if let other = reader.arrays.keys.sorted().first(where: { reader.arrays[$0]!.dataType != dataType }) {
            throw fail(
                "tensor '\(other)' is \(reader.arrays[other]!.dataType.rawValue) and others \(dataType.rawValue); save every tensor in one type"
            )
        }
        var linears: [Linear] = []
        for name in modules.keys.sorted(by: naturallyOrdered) {
            let (weight, bias) = modules[name]!
            guard let weight else { throw fail("'\(name).bias' has no '\(name).weight'") }
            guard weight.rank == 2 else {
                throw fail("'\(name).weight' has shape \(shapeText(weight)); a Linear weight is [outputs, inputs]")
            }
            if let bias, bias.rank != 1 || bias.columns != weight.rows {
                throw fail(
                    "'\(name).bias' has shape \(shapeText(bias)); the Linear weight \(shapeText(weight)) needs [\(weight.rows)]"
                )
            }
            guard weight.rows >= 1, weight.columns >= 1 else {
                throw fail(
                    "'\(name).weight' has shape \(shapeText(weight)); a layer needs at least one input and output")
            }
            if let previous = linears.last, previous.outputSize != weight.columns {
                throw fail(
                    "'\(name).weight' has shape \(shapeText(weight)), \(weight.columns) inputs, but the layer before it, '\(previous.name).weight' [\(previous.outputSize), \(previous.inputSize)], has \(previous.outputSize) outputs"
                )
            }
            linears.append(Linear(name: name, inputSize: weight.columns, outputSize: weight.rows, hasBias: bias != nil))
        }
        return TorchStateDict(
            path: path, linears: linears, precision: dataType.precision.rawValue,
            metadata: reader.metadata)
    }

    /// The model these Linear layers make with `activation` after each hidden layer and
    /// `outputActivation` after the last, trained with `loss` (it decides how outputs become
    /// predictions) and, for a classifier, `classNames`; inputs unscaled. Reads the weights.
    ///
    /// - Throws: ``NetworkError/invalidModelFile(path:reason:)`` when the file cannot be read, a
    ///   weight is not finite, or the model is inconsistent (class names for another output count).
    public func modelFile(
        activation: Activation, outputActivation: Activation, loss: Loss, classNames: [String]? = nil
    ) throws(NetworkError) -> ModelFile {
        let reader = try Self.reader(path)
        var layers: [ModelFile.SavedLayer] = []
        for (index, linear) in linears.enumerated() {
            do {
                let weights = try reader.matrix("\(linear.name).weight", as: Double.self).transposed()
                let bias = linear.hasBias ? try reader.matrix("\(linear.name).bias", as: Double.self) : nil
                layers.append(
                    ModelFile.SavedLayer(
                        type: DenseKind.typeName, inputSize: linear.inputSize, outputSize: linear.outputSize,
                        activation: index == linears.count - 1 ? outputActivation : activation, weights: weights,
                        bias: bias))
            } catch {
                throw .invalidModelFile(path: path, reason: error.reason)
            }
        }
        let model = ModelFile(precision: precision, loss: loss, layers: layers, classNames: classNames)
        try model.validate(path: path)
        return model
    }
}

/// Whether `a` comes before `b` with runs of digits compared as numbers (`2` < `10`, `fc2` < `fc10`).
private func naturallyOrdered(_ a: String, _ b: String) -> Bool {
    func parts(_ text: String) -> [(number: Int?, text: String)] {
        var result: [(number: Int?, text: String)] = []
        var current = "", digits = false
        for character in text {
            if !current.isEmpty && character.isASCII && character.isNumber != digits {
                result.append((digits ? Int(current) : nil, current))
                current = ""
            }
            digits = character.isASCII && character.isNumber
            current.append(character)
        }
        if !current.isEmpty { result.append((digits ? Int(current) : nil, current)) }
        return result
    }
    for (left, right) in zip(parts(a), parts(b)) {
        if let x = left.number, let y = right.number, x != y { return x < y }
        if left.text != right.text { return left.text < right.text }
    }
    return parts(a).count < parts(b).count
}

extension Sequential {
    /// Loads a PyTorch `state_dict` saved in safetensors (see ``TorchStateDict``) into this network's
    /// dense layers, in order: each `weight` (outputs, inputs) transposed into the layer's `weights`,
    /// each `bias` into its bias, converted to `Scalar`. The network's activations stay its own.
    ///
    /// - Throws: ``NetworkError/shapeMismatch(_:)`` naming both shapes when the numbers of layers, a
    ///   layer's sizes or its bias differ; ``NetworkError/invalidModelFile(path:reason:)`` when the
    ///   file is not such a state dict or a value is not finite in `Scalar`'s precision.
    public func loadTorchStateDict(from path: String) throws(NetworkError) {
        let reader = try TorchStateDict.reader(path)
        let stateDict = try TorchStateDict.read(reader, path: path)
        let denses = layers.compactMap { $0 as? Dense<Scalar> }
        guard denses.count == layers.filter({ !$0.parameters.isEmpty }).count else {
            throw .shapeMismatch("\(path): only dense layers take a PyTorch state dict's Linear weights")
        }
        guard denses.count == stateDict.linears.count else {
            throw .shapeMismatch(
                "\(path): the state dict has \(stateDict.linears.count) Linear layers (\(stateDict.linears.map(\.name).joined(separator: ", "))), the network \(denses.count) dense layers"
            )
        }
        for (index, (dense, linear)) in zip(denses, stateDict.linears).enumerated() {
            guard dense.inputCount == linear.inputSize, dense.outputCount == linear.outputSize else {
                throw .shapeMismatch(
                    "\(path): '\(linear.name).weight' has shape [\(linear.outputSize), \(linear.inputSize)], but dense layer \(index) is \(dense.inputCount) -> \(dense.outputCount) and needs [\(dense.outputCount), \(dense.inputCount)]"
                )
            }
            guard (dense.bias != nil) == linear.hasBias else {
                throw .shapeMismatch(
                    "\(path): '\(linear.name)' \(linear.hasBias ? "has" : "has no") bias, dense layer \(index) \(dense.bias != nil ? "has one" : "has none")"
                )
            }
        }
        do {
            for (dense, linear) in zip(denses, stateDict.linears) {
                // Read as (outputs, inputs), then transposed into the (inputs, outputs) weights.
                let inputs = dense.inputCount, outputs = dense.outputCount
                var transposed = [Scalar](repeating: 0, count: inputs * outputs)
                try transposed.withUnsafeMutableBufferPointer { (buffer) throws(ArrayFile.Failure) in
                    try reader.read("\(linear.name).weight", into: buffer)
                }
                let weights = dense.weights.valueBuffer.pointer
                for output in 0..<outputs {
                    for input in 0..<inputs { weights[input * outputs + output] = transposed[output * inputs + input] }
                }
                if let bias = dense.bias {
                    try reader.read(
                        "\(linear.name).bias",
                        into: UnsafeMutableBufferPointer(start: bias.valueBuffer.pointer, count: outputs))
                }
            }
        } catch {
            throw .invalidModelFile(path: path, reason: error.reason)
        }
    }
}
