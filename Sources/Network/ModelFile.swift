internal import FileSystem
import Foundation
import Tensor

/// The saved form of a trained network: a documented, versioned file.
///
/// Version 2 (written since nn 0.2.0) is a binary file in the safetensors layout (see `ArrayFile`):
/// an 8-byte header length, a JSON header, then the weights as little-endian `float32` (float models)
/// or `float64` (double models), named `layers.N.weights` and `layers.N.bias` (and, for layers with
/// other arrays, `layers.N.NAME`: batch normalization's `layers.N.runningMean`). The header's
/// `__metadata__.document` holds the JSON below without the `weights` and `bias` values. Python reads
/// the arrays with `safetensors.numpy.load_file("model.json")` (the extension is free) and the rest
/// with `json.loads(header["__metadata__"]["document"])`. Writing streams the arrays; reading sizes
/// its limit from the shapes the header declares and reads each array into place, so a model of any
/// size that was written can be read back.
///
/// Version 1 (nn 0.1.0 and 0.2.0) is the JSON document itself with the weights inline; it is still read:
///
/// ```json
/// {
///   "format": "swift-neural-numerics-model", "version": 1, "precision": "float",
///   "loss": "softmaxCrossEntropy",
///   "layers": [
///     {"type": "dense", "inputSize": 784, "outputSize": 256, "activation": "relu",
///      "weights": {"rows": 784, "columns": 256, "values": [[...], ...]},
///      "bias": {"rows": 1, "columns": 256, "values": [[...]]}},
///     {"type": "activation", "activation": "sigmoid"}
///   ],
///   "classNames": ["T-shirt/top", ...],
///   "inputTransform": {"offset": [...], "scale": [...]},
///   "featureNames": ["sepal_length", ...],
///   "metadata": {"createdBy": "nn train", ...}
/// }
/// ```
///
/// In version 1 weights are nested arrays of shape `(inputSize, outputSize)`, written in `Double`
/// whatever the precision. Loading checks the format, the version, every field against its meaning
/// (sizes are whole numbers at least 1, shapes agree) and that every value is finite in the model's
/// precision (a float model's `1e40` is refused, not read as infinity). `classNames`, `inputTransform` and `featureNames` are
/// optional (`featureNames`, added in 0.2.0, is absent from older files, which still load).
public struct ModelFile: Codable, Sendable, Equatable {
    /// The format name every model file carries.
    public static let formatName = "swift-neural-numerics-model"
    /// The version this code writes: 2, the binary form. Versions 1 (JSON) and 2 are read.
    public static let currentVersion = 2
    /// The versions this code reads.
    public static let readableVersions = 1...2

    /// One saved layer: its kind, the settings its kind needs, and its arrays by name.
    ///
    /// Every kind shares ``type`` and ``activation``; a dense layer also has ``inputSize`` and
    /// ``outputSize``. Other kinds keep their settings in ``settings`` (a convolution's filters,
    /// kernel, stride, padding and input shape), so a new kind needs no field here. The arrays are
    /// named as the layer's parameters and buffers are (``Layer/parameters``, ``Layer/buffers``):
    /// `weights` and `bias` keep the fields they always had, and any other array (batch
    /// normalization's `runningMean`) is in ``arrays``.
    public struct SavedLayer: Codable, Sendable, Equatable {
        /// The layer's kind, a ``LayerKind/typeName`` of ``LayerRegistry/kinds`` (`"dense"`, `"activation"`).
        public var type: String
        /// The input size of a dense layer.
        public var inputSize: Int?
        /// The output size of a dense layer.
        public var outputSize: Int?
        /// The activation.
        public var activation: Activation
        /// A layer's `weights` array (a dense layer's is `(inputSize, outputSize)`).
        public var weights: Matrix<Double>?
        /// A layer's `bias` row, absent for a layer without bias.
        public var bias: Matrix<Double>?
        /// The kind's own settings by name, absent for the kinds that have none (dense, activation).
        public var settings: [String: LayerSetting]?
        /// The arrays other than ``weights`` and ``bias``, by name; absent when there are none.
        public var arrays: [String: Matrix<Double>]?
        /// Read without its arrays (``ModelFile/readMetadata(from:)``), the names of the arrays the file has.
        var declaredArrays: Set<String> = []

        /// Whether the layer has a bias (also when the file was read without its arrays).
        public var hasBias: Bool { bias != nil || declaredArrays.contains("bias") }

        /// The array named `name` (`weights`, `bias`, or one of ``arrays``), if the layer holds it.
        public func array(named name: String) -> Matrix<Double>? {
            switch name {
            case "weights": return weights
            case "bias": return bias
            default: return arrays?[name]
            }
        }

        /// Stores `matrix` as the array named `name`, in its field.
        public mutating func setArray(_ matrix: Matrix<Double>?, named name: String) {
            switch name {
            case "weights": weights = matrix
            case "bias": bias = matrix
            default:
                var others = arrays ?? [:]
                others[name] = matrix
                arrays = others.isEmpty ? nil : others
            }
        }

        /// Every array the layer holds, `weights` and `bias` first, then the others by name.
        public var namedArrays: [(name: String, matrix: Matrix<Double>)] {
            var result: [(name: String, matrix: Matrix<Double>)] = []
            if let weights { result.append(("weights", weights)) }
            if let bias { result.append(("bias", bias)) }
            for name in (arrays ?? [:]).keys.sorted() { result.append((name, arrays![name]!)) }
            return result
        }

        /// The layer without its arrays, remembering their names (what a streaming save writes in
        /// the document, and what ``ModelFile/readMetadata(from:)`` returns).
        var withoutArrays: SavedLayer {
            var layer = self
            layer.declaredArrays.formUnion(namedArrays.map(\.name))
            layer.weights = nil
            layer.bias = nil
            layer.arrays = nil
            return layer
        }

        /// The setting `name` as a whole number, if it is one.
        public func integer(_ name: String) -> Int? {
            if case .integer(let value) = settings?[name] { return value }
            return nil
        }

        /// The setting `name` as a number (a whole number converts), if it is one.
        public func number(_ name: String) -> Double? {
            switch settings?[name] {
            case .integer(let value): return Double(value)
            case .number(let value): return value
            default: return nil
            }
        }

        /// The setting `name` as text, if it is text.
        public func text(_ name: String) -> String? {
            if case .text(let value) = settings?[name] { return value }
            return nil
        }

        private enum CodingKeys: String, CodingKey {
            case type, inputSize, outputSize, activation, weights, bias, settings, arrays
        }
    }

    /// One setting of a saved layer, as JSON writes it: a whole number, a number or text.
    public enum LayerSetting: Codable, Sendable, Equatable, CustomStringConvertible {
        /// A whole number (sizes, strides).
        case integer(Int)
        /// A number (rates, momenta).
        case number(Double)
        /// Text (a padding mode).
        case text(String)

        /// Reads a JSON number (whole numbers as ``integer(_:)``) or string.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let value = try? container.decode(Int.self) {
                self = .integer(value)
            } else if let value = try? container.decode(Double.self) {
                self = .number(value)
            } else {
                self = .text(try container.decode(String.self))
            }
        }

        /// Writes the value as a JSON number or string.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .integer(let value): try container.encode(value)
            case .number(let value): try container.encode(value)
            case .text(let value): try container.encode(value)
            }
        }

        /// The value as JSON shows it.
        public var description: String {
            switch self {
            case .integer(let value): return String(value)
            case .number(let value): return String(value)
            case .text(let value): return value
            }
        }
    }

    /// An affine map applied to inputs before the network: `(x - offset) * scale`, per feature.
    public struct InputTransform: Codable, Sendable, Equatable {
        /// Subtracted from each feature.
        public var offset: [Double]
        /// Each centred feature is multiplied by this.
        public var scale: [Double]

        /// Creates a transform.
        public init(offset: [Double], scale: [Double]) {
            self.offset = offset
            self.scale = scale
        }

        /// Applies the transform to every row of `inputs`, or to the rows at `rows` (gathered in that
        /// order): `(x - offset) * scale` in `Scalar`, written once into the result, so that scaling a
        /// data set (or its training part) costs one matrix, not the temporaries of each operation.
        ///
        /// - Precondition: `inputs` has one column per offset and scale, and every index in `rows` is a row of it.
        public func apply<Scalar: MatrixScalar>(to inputs: Matrix<Scalar>, rows: [Int]? = nil) -> Matrix<Scalar> {
            let columns = inputs.columns
            checkPrecondition(
                offset.count == columns && scale.count == columns,
                "InputTransform.apply: \(offset.count) offsets and \(scale.count) scales for \(columns) columns")
            let offsets = offset.map { Scalar($0) }, scales = scale.map { Scalar($0) }
            let rowCount = rows?.count ?? inputs.rows
            let scalars = inputs.withUnsafeBufferPointer { source in
                [Scalar](unsafeUninitializedCapacity: rowCount * columns) { buffer, initialized in
                    for row in 0..<rowCount {
                        let from = rows?[row] ?? row
                        checkPrecondition(
                            from >= 0 && from < inputs.rows, "InputTransform.apply: row \(from) of \(inputs.rows)")
                        let input = from * columns, output = row * columns
                        for column in 0..<columns {
                            buffer[output + column] = (source[input + column] - offsets[column]) * scales[column]
                        }
                    }
                    initialized = rowCount * columns
                }
            }
            return Matrix(rows: rowCount, columns: columns, scalars: scalars)
        }
    }

    /// Always ``formatName``.
    public var format: String
    /// The file's version.
    public var version: Int
    /// `"float"` or `"double"`: the precision the network was trained in.
    public var precision: String
    /// The loss the network was trained with; it decides how outputs become predictions.
    public var loss: Loss
    /// The layers, first to last.
    public var layers: [SavedLayer]
    /// Class names by output index, for classifiers.
    public var classNames: [String]?
    /// The input scaling to apply before the network.
    public var inputTransform: InputTransform?
    /// The names of the input features, in input order, when the training data had them (a CSV
    /// header); readers of new data pick their columns by these names. Absent in older files.
    public var featureNames: [String]?
    /// Free-form notes (how it was trained).
    public var metadata: [String: String]
    /// The map from standardized network outputs back to target units for a regressor trained on
    /// standardized targets: a prediction is `output / scale + offset`. Absent in older files and for
    /// classifiers.
    public var targetTransform: InputTransform? = nil
    /// How the training table's columns became the network's inputs (numeric columns, one-hot text
    /// columns, the values that fill missing cells), in input order; nil when the data was not a
    /// table. Absent in older files.
    public var tableLayout: TableLayout? = nil

    private enum CodingKeys: String, CodingKey {
        case format, version, precision, loss, layers, classNames, inputTransform, featureNames, metadata
        case targetTransform, tableLayout
    }

    /// Decodes a model document; feature names left out because they are the table layout's input
    /// names (see ``encode(to:)``) are derived again, when the layout's width is the first layer's.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        format = try container.decode(String.self, forKey: .format)
        version = try container.decode(Int.self, forKey: .version)
        precision = try container.decode(String.self, forKey: .precision)
        loss = try container.decode(Loss.self, forKey: .loss)
        layers = try container.decode([SavedLayer].self, forKey: .layers)
        classNames = try container.decodeIfPresent([String].self, forKey: .classNames)
        inputTransform = try container.decodeIfPresent(InputTransform.self, forKey: .inputTransform)
        featureNames = try container.decodeIfPresent([String].self, forKey: .featureNames)
        metadata = try container.decode([String: String].self, forKey: .metadata)
        targetTransform = try container.decodeIfPresent(InputTransform.self, forKey: .targetTransform)
        tableLayout = try container.decodeIfPresent(TableLayout.self, forKey: .tableLayout)
        if featureNames == nil, let tableLayout, tableLayout.inputWidth == layers.first?.inputSize {
            featureNames = tableLayout.inputNames
        }
    }

    /// Encodes the model document. Feature names that are exactly the table layout's input names
    /// (`column=value` for each category of a one-hot column) are left out: they would store every
    /// category value a second time, and decoding derives them from the layout.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(format, forKey: .format)
        try container.encode(version, forKey: .version)
        try container.encode(precision, forKey: .precision)
        try container.encode(loss, forKey: .loss)
        try container.encode(layers, forKey: .layers)
        try container.encodeIfPresent(classNames, forKey: .classNames)
        try container.encodeIfPresent(inputTransform, forKey: .inputTransform)
        let derivable = tableLayout.map { featureNames == $0.inputNames } ?? false
        try container.encodeIfPresent(derivable ? nil : featureNames, forKey: .featureNames)
        try container.encode(metadata, forKey: .metadata)
        try container.encodeIfPresent(targetTransform, forKey: .targetTransform)
        try container.encodeIfPresent(tableLayout, forKey: .tableLayout)
    }

    /// Describes `network` for saving.
    public init<Scalar: MatrixScalar>(
        network: Sequential<Scalar>, loss: Loss, classNames: [String]? = nil,
        inputTransform: InputTransform? = nil, featureNames: [String]? = nil, metadata: [String: String] = [:]
    ) {
        self.init(
            network: network, loss: loss, classNames: classNames, inputTransform: inputTransform,
            featureNames: featureNames,
            metadata: metadata, includesWeights: true)
    }

    /// Describes `network`; without its weights when `includesWeights` is false (the streaming save
    /// writes them from the parameters themselves, and ``checkHeaderSize(for:)`` needs only the shapes).
    public init<Scalar: MatrixScalar>(
        network: Sequential<Scalar>, loss: Loss, classNames: [String]?, inputTransform: InputTransform?,
        featureNames: [String]?, metadata: [String: String], includesWeights: Bool
    ) {
        format = Self.formatName
        version = Self.currentVersion
        precision = Precision(of: Scalar.self).rawValue
        self.loss = loss
        self.classNames = classNames
        self.inputTransform = inputTransform
        self.featureNames = featureNames
        self.metadata = metadata
        layers = network.layers.map { LayerRegistry.saved($0, includesWeights: includesWeights) }
    }

    /// Encodes the model as pretty-printed JSON (the version 1 document, weights inline).
    public func jsonData() throws(NetworkError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            return try encoder.encode(self)
        } catch {
            throw .invalidConfiguration("the model cannot be saved: \(error) (are all weights finite?)")
        }
    }

    /// Writes the model to `path` in the binary form (version 2), atomically: a temporary file in the
    /// same folder, then a rename, so that an interrupted save never leaves a partial file and never
    /// destroys the previous one. A float model's weights are stored as `float32`.
    public func write(to path: String) throws(NetworkError) {
        let dataType = ArrayFile.DataType(precision: scalarPrecision)
        var entries: [ArrayFile.Entry] = []
        for (index, layer) in layers.enumerated() {
            for (name, matrix) in layer.namedArrays {
                entries.append(.matrix("layers.\(index).\(name)", matrix, as: dataType))
            }
        }
        try writeBinary(to: path, entries: entries)
    }

    /// Throws what ``write(to:)`` would throw for a header too large to read back (more than 64 MiB of
    /// description: feature names, class names, the table layout), without writing anything or
    /// needing the weights: `nn train` calls it before training, so that a model that could never be
    /// saved is refused before the work rather than after.
    ///
    /// - Throws: ``NetworkError/invalidConfiguration(_:)`` naming `path`, the header's size and what fills it.
    public func checkHeaderSize(for path: String) throws(NetworkError) {
        let dataType = ArrayFile.DataType(precision: scalarPrecision)
        var entries: [ArrayFile.Entry] = []
        for (index, layer) in layers.enumerated() {
            guard let inputs = layer.inputSize, let outputs = layer.outputSize else { continue }
            entries.append(.shape("layers.\(index).weights", [inputs, outputs], as: dataType))
            if layer.hasBias { entries.append(.shape("layers.\(index).bias", [1, outputs], as: dataType)) }
        }
        let metadata = try ArrayFile.metadata(
            binaryDocument(), format: Self.formatName, version: Self.currentVersion, what: "the model")
        _ = try ArrayFile.header(metadata: metadata, entries: entries, path: path, what: "the model")
    }

    /// Reads and validates a model file.
    ///
    /// - Throws: ``NetworkError/invalidModelFile(path:reason:)`` naming what is wrong.
    public static func read(from path: String) throws(NetworkError) -> ModelFile {
        if let reader = try binaryReader(path) { return try decodeBinary(reader, path: path, loadingWeights: true) }
        let data: Data
        switch contents(of: path) {
        case .success(let read): data = read
        case .failure(let failure): throw .invalidModelFile(path: path, reason: failure.reason)
        }
        return try decode(data, path: path)
    }

    /// Decodes and validates model JSON; `path` names the source in errors.
    public static func decode(_ data: Data, path: String) throws(NetworkError) -> ModelFile {
        if ArrayFile.isArrayFile(prefix: Array(data.prefix(9)), fileSize: data.count) {
            let reader: ArrayFile.Reader
            do { reader = try ArrayFile.Reader(data: data, accepting: .nnFilesAndTorchExports) } catch {
                throw .invalidModelFile(path: path, reason: error.reason)
            }
            return try decodeBinary(reader, path: path, loadingWeights: true)
        }
        // A training checkpoint holds a model but is not one: say so rather than name a missing field.
        if let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            object["format"] as? String == TrainingCheckpoint.formatName
        {
            throw .invalidModelFile(
                path: path,
                reason:
                    "this is a training checkpoint, not a model file: resume it with 'nn train --resume', or save the model with --save"
            )
        }
        if let problem = unrecognizedContents(data) {
            throw .invalidModelFile(path: path, reason: problem)
        }
        let model = try decodeDocument(data, path: path)
        try model.validate(path: path)
        return model
    }

    /// Why `data`, which is not a safetensors file, cannot be a JSON document either, or nil when it
    /// may be one (its first character that is not blank is `{`): an empty file, or one that begins
    /// with other text (a CSV given as `--model`), is named as such with its first bytes, rather than
    /// with a JSON parser's "not valid JSON".
    static func unrecognizedContents(_ data: Data) -> String? {
        let blank: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0D]
        guard let first = data.first(where: { !blank.contains($0) }) else {
            return data.isEmpty ? "the file is empty" : "the file holds only blank space"
        }
        guard first != UInt8(ascii: "{") else { return nil }
        if let length = ArrayFile.headerLength(prefix: Array(data.prefix(9))) {
            // A safetensors file whose header length ``ArrayFile/isArrayFile(prefix:fileSize:)`` refused.
            return
                "it begins as safetensors, but its header length, \(length) bytes, is not between 2 and the \(data.count - 8) bytes after it: the file is cut short or damaged"
        }
        return
            "it is neither safetensors (what nn writes) nor JSON (nn's version 1); it begins with '\(RawPath.display(bytes: data.prefix(16)))'"
    }

    /// Decodes the JSON document of a model (version 1 file, or version 2 header) without validating it.
    static func decodeDocument(_ data: Data, path: String) throws(NetworkError) -> ModelFile {
        let model: ModelFile
        do {
            model = try JSONDecoder().decode(ModelFile.self, from: data)
        } catch let DecodingError.dataCorrupted(context) {
            throw .invalidModelFile(path: path, reason: numericFieldProblem(in: data) ?? fieldProblem(context))
        } catch let DecodingError.keyNotFound(key, context) {
            throw .invalidModelFile(
                path: path, reason: "missing field '\(key.stringValue)' at \(codingPath(context.codingPath))")
        } catch let DecodingError.typeMismatch(_, context) {
            throw .invalidModelFile(path: path, reason: fieldProblem(context))
        } catch let DecodingError.valueNotFound(_, context) {
            throw .invalidModelFile(path: path, reason: "missing value at \(codingPath(context.codingPath))")
        } catch {
            throw .invalidModelFile(path: path, reason: reason(error))
        }
        return model
    }

    /// The network this file describes, in `Scalar` precision, each layer rebuilt by its registered
    /// ``LayerKind``.
    ///
    /// Traps when the memory for the parameters cannot be allocated (the file's weights, as `Double`
    /// matrices, already exist); ``readNetwork(from:as:)`` and ``TrainingCheckpoint/restore(as:learningRate:schedule:)``, which
    /// allocate a model's parameters before reading them, throw ``NetworkError/cannotAllocate(what:bytes:)``
    /// instead.
    ///
    /// - Precondition: every layer's `type` is in ``LayerRegistry/kinds`` (true of any file read).
    public func network<Scalar: MatrixScalar>(as type: Scalar.Type = Scalar.self) -> Sequential<Scalar> {
        do {
            return try makeNetwork(as: Scalar.self)
        } catch {
            failPrecondition("ModelFile.network: \(error)")
        }
    }

    /// ``network(as:)``, throwing ``NetworkError/cannotAllocate(what:bytes:)`` when the parameters'
    /// memory cannot be allocated.
    package func makeNetwork<Scalar: MatrixScalar>(as type: Scalar.Type = Scalar.self) throws(NetworkError)
        -> Sequential<Scalar>
    {
        var kinds: [any LayerKind.Type] = []
        var made: [any Layer<Scalar>] = []
        for (index, saved) in layers.enumerated() {
            guard let kind = saved.kind else {
                failPrecondition("ModelFile.network: layer \(index) has unknown type '\(saved.type)'")
            }
            kinds.append(kind)
            made.append(try kind.makeLayer(from: saved, as: Scalar.self))
        }
        let network = Sequential<Scalar>(made)
        for ((kind, saved), layer) in zip(zip(kinds, layers), network.layers) {
            kind.loadArrays(from: saved, into: layer)
        }
        return network
    }

    static func codingPath(_ path: [any CodingKey]) -> String {
        path.isEmpty
            ? "the top level" : path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    }

    /// The largest JSON file (version 1 model, version 2 checkpoint) ``read(from:)`` and
    /// ``TrainingCheckpoint/read(from:)`` accept: 256 MiB, about ten million parameters as JSON. Binary
    /// files (model version 2, checkpoint version 3) have no fixed limit: their size must match the
    /// shapes their header declares. A larger file, a device (such as `/dev/zero`) or a pipe that goes
    /// on past it is refused with an error instead of being read on.
    public static let largestReadableFile = 256 << 20

    /// Why a file could not be read, in words.
    struct ReadFailure: Error {
        let reason: String
    }

    /// The whole contents of the file at `path`, read in chunks and refused beyond ``largestReadableFile``.
    static func contents(of path: String) -> Result<Data, ReadFailure> {
        // Non-blocking, so that a FIFO without a writer does not hang the open; blocking again below.
        let descriptor = RawPath.withCString(path) { open($0, O_RDONLY | O_CLOEXEC | O_NONBLOCK) }
        guard descriptor >= 0 else { return .failure(ReadFailure(reason: String(cString: strerror(errno)))) }
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK)
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        var status = stat()
        if fstat(descriptor, &status) == 0 {
            let kind = status.st_mode & S_IFMT
            if kind == S_IFCHR || kind == S_IFBLK {
                return .failure(ReadFailure(reason: "is a device, not a file this package wrote"))
            }
            if kind == S_IFREG && Int(status.st_size) > largestReadableFile {
                return .failure(
                    ReadFailure(
                        reason:
                            "is \(Int(status.st_size) >> 20) MiB, larger than the \(largestReadableFile >> 20) MiB this reader accepts"
                    ))
            }
        }
        var data = Data()
        do {
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                data.append(chunk)
                if data.count > largestReadableFile {
                    return .failure(
                        ReadFailure(
                            reason:
                                "goes on past \(largestReadableFile >> 20) MiB (an endless stream?): not a file this package wrote"
                        ))
                }
            }
        } catch {
            return .failure(ReadFailure(reason: reason(error)))
        }
        return .success(data)
    }

    static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain
        {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if nsError.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(nsError.code))) }
        return nsError.localizedDescription
    }
}

extension Sequential {
    /// Saves the network to `path` as a ``ModelFile`` (version 2, binary), atomically, streaming the
    /// weights from the parameters: no copy of them is made in memory.
    ///
    /// `loss` is the loss written into the file, overriding ``trainingLoss`` (the loss `fit` trained
    /// with, which ``save(to:classNames:inputTransform:featureNames:metadata:)`` writes); the network's
    /// ``trainingLoss`` itself is left as it is.
    public func save(
        to path: String, loss: Loss, classNames: [String]? = nil, inputTransform: ModelFile.InputTransform? = nil,
        featureNames: [String]? = nil, metadata: [String: String] = [:]
    ) throws(NetworkError) {
        let document = ModelFile(
            network: self, loss: loss, classNames: classNames, inputTransform: inputTransform,
            featureNames: featureNames,
            metadata: metadata, includesWeights: false)
        let dataType = ArrayFile.DataType(precision: document.scalarPrecision)
        var entries: [ArrayFile.Entry] = []
        // Each layer's parameters and buffers under their own names (`layers.N.weights`,
        // `layers.N.bias`, `layers.N.runningMean`), as its registered kind saves them.
        for (index, layer) in layers.enumerated() {
            for parameter in layer.savedArrays {
                let (rows, columns) = parameter.shape
                entries.append(
                    .scalars(
                        "layers.\(index).\(parameter.name)", parameter.valueBuffer.pointer, rows: rows,
                        columns: columns, as: dataType))
            }
        }
        try withExtendedLifetime(self) { () throws(NetworkError) in try document.writeBinary(to: path, entries: entries)
        }
    }
}
