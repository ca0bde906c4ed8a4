import Foundation
internal import FileSystem
import Tensor

/// The saved form of a trained network: a documented, versioned JSON file.
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
/// Weights are nested arrays of shape `(inputSize, outputSize)`, so a numpy user reads them with
/// `np.array(model["layers"][0]["weights"]["values"])`. Values are written in `Double` whatever the
/// precision, with enough digits to round-trip exactly. Loading checks the format, the version,
/// every shape and that every value is finite. `classNames`, `inputTransform` and `featureNames` are
/// optional (`featureNames`, added in session 2, is absent from older files, which still load).
public struct ModelFile: Codable, Sendable, Equatable {
    /// The format name every model file carries.
    public static let formatName = "swift-neural-numerics-model"
    /// The version this code writes and reads.
    public static let currentVersion = 1

    /// One saved layer.
    public struct SavedLayer: Codable, Sendable, Equatable {
        /// `"dense"` or `"activation"`.
        public var type: String
        /// The input size of a dense layer.
        public var inputSize: Int?
        /// The output size of a dense layer.
        public var outputSize: Int?
        /// The activation.
        public var activation: Activation
        /// A dense layer's weights, `(inputSize, outputSize)`.
        public var weights: Matrix<Double>?
        /// A dense layer's bias, `(1, outputSize)`, absent for a layer without bias.
        public var bias: Matrix<Double>?
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

        /// Applies the transform to every row of `inputs`.
        public func apply<Scalar: MatrixScalar>(to inputs: Matrix<Scalar>) -> Matrix<Scalar> {
            let offsetRow = Matrix<Scalar>.row(offset.map { Scalar($0) })
            let scaleRow = Matrix<Scalar>.row(scale.map { Scalar($0) })
            return (inputs - offsetRow) * scaleRow
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

    /// Describes `network` for saving.
    public init<Scalar: MatrixScalar>(
        network: Sequential<Scalar>, loss: Loss, classNames: [String]? = nil,
        inputTransform: InputTransform? = nil, featureNames: [String]? = nil, metadata: [String: String] = [:]
    ) {
        format = Self.formatName
        version = Self.currentVersion
        precision = Scalar.self == Float.self ? "float" : "double"
        self.loss = loss
        self.classNames = classNames
        self.inputTransform = inputTransform
        self.featureNames = featureNames
        self.metadata = metadata
        layers = network.layers.map { layer in
            switch layer.configuration {
            case .dense(let inputSize, let outputSize, _, let activation):
                let dense = layer as! Dense<Scalar>
                return SavedLayer(
                    type: "dense", inputSize: inputSize, outputSize: outputSize, activation: activation,
                    weights: Matrix<Double>(dense.weights.value), bias: dense.bias.map { Matrix<Double>($0.value) })
            case .activation(let activation):
                return SavedLayer(type: "activation", activation: activation)
            }
        }
    }

    /// Encodes the model as pretty-printed JSON.
    public func jsonData() throws(NetworkError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            return try encoder.encode(self)
        } catch {
            throw .invalidConfiguration("the model cannot be saved: \(error) (are all weights finite?)")
        }
    }

    /// Writes the model to `path` atomically: a temporary file in the same folder, then a rename, so
    /// that an interrupted save never leaves a partial file and never destroys the previous one.
    public func write(to path: String) throws(NetworkError) {
        try Self.writeAtomically(try jsonData(), to: path)
    }

    /// Writes `data` to `path` through the package's one atomic writer: a temporary file in the same
    /// folder, synced to disk, then a rename.
    ///
    /// A symbolic link is followed, so the file it points to is replaced and the link stays. A path
    /// that names a device, pipe or socket (`/dev/null`, `/dev/stdout`, `/dev/full`) is written into
    /// directly: a rename would replace the device node itself. Temporary files that an earlier,
    /// killed process left beside `path` (`.NAME.PID.tmp` of a process that no longer runs) are removed.
    ///
    /// - Throws: ``NetworkError/writeFailed(path:reason:)`` with the system's reason in words.
    public static func writeAtomically(_ data: Data, to path: String) throws(NetworkError) {
        do {
            var writer = try AtomicFileWriter(path: path)
            let result: Result<Void, FileWriteError> = data.withUnsafeBytes { bytes in
                do throws(FileWriteError) { try writer.write(bytes); return .success(()) } catch { return .failure(error) }
            }
            try result.get()
            try writer.commit()
        } catch {
            throw .writeFailed(path: path, reason: error.reason)
        }
    }

    /// Reads and validates a model file.
    ///
    /// - Throws: ``NetworkError/invalidModelFile(path:reason:)`` naming what is wrong.
    public static func read(from path: String) throws(NetworkError) -> ModelFile {
        let data: Data
        switch contents(of: path) {
        case .success(let read): data = read
        case .failure(let failure): throw .invalidModelFile(path: path, reason: failure.reason)
        }
        return try decode(data, path: path)
    }

    /// Decodes and validates model JSON; `path` names the source in errors.
    public static func decode(_ data: Data, path: String) throws(NetworkError) -> ModelFile {
        // A training checkpoint holds a model but is not one: say so rather than name a missing field.
        if let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            object["format"] as? String == TrainingCheckpoint.formatName
        {
            throw .invalidModelFile(
                path: path, reason: "this is a training checkpoint, not a model file: resume it with 'nn train --resume', or save the model with --save")
        }
        let model: ModelFile
        do {
            model = try JSONDecoder().decode(ModelFile.self, from: data)
        } catch let DecodingError.dataCorrupted(context) {
            throw .invalidModelFile(path: path, reason: "corrupt JSON at \(codingPath(context.codingPath)): \(context.debugDescription)")
        } catch let DecodingError.keyNotFound(key, context) {
            throw .invalidModelFile(path: path, reason: "missing field '\(key.stringValue)' at \(codingPath(context.codingPath))")
        } catch let DecodingError.typeMismatch(_, context) {
            throw .invalidModelFile(path: path, reason: "wrong type at \(codingPath(context.codingPath)): \(context.debugDescription)")
        } catch let DecodingError.valueNotFound(_, context) {
            throw .invalidModelFile(path: path, reason: "missing value at \(codingPath(context.codingPath))")
        } catch {
            throw .invalidModelFile(path: path, reason: reason(error))
        }
        try model.validate(path: path)
        return model
    }

    /// Checks format, version, shapes and values.
    func validate(path: String) throws(NetworkError) {
        func fail(_ reason: String) -> NetworkError { .invalidModelFile(path: path, reason: reason) }
        guard format == Self.formatName else { throw fail("format is '\(format)', expected '\(Self.formatName)'") }
        guard version == Self.currentVersion else {
            throw fail("version \(version) is not supported (this build reads version \(Self.currentVersion))")
        }
        guard precision == "float" || precision == "double" else { throw fail("precision '\(precision)' is neither float nor double") }
        guard !layers.isEmpty else { throw fail("no layers") }
        var width: Int? = nil
        for (index, layer) in layers.enumerated() {
            switch layer.type {
            case "dense":
                guard let inputSize = layer.inputSize, let outputSize = layer.outputSize, inputSize > 0, outputSize > 0 else {
                    throw fail("layer \(index): a dense layer needs positive inputSize and outputSize")
                }
                if let width, width != inputSize {
                    throw fail("layer \(index) expects \(inputSize) inputs but the previous layer gives \(width)")
                }
                guard let weights = layer.weights, weights.shape == (inputSize, outputSize) else {
                    throw fail("layer \(index): weights must have shape (\(inputSize), \(outputSize)), found \(layer.weights?.shapeDescription ?? "none")")
                }
                guard weights.isFinite else { throw fail("layer \(index): weights contain nan or infinite values") }
                if let bias = layer.bias {
                    guard bias.shape == (1, outputSize) else {
                        throw fail("layer \(index): bias must have shape (1, \(outputSize)), found \(bias.shapeDescription)")
                    }
                    guard bias.isFinite else { throw fail("layer \(index): bias contains nan or infinite values") }
                }
                width = outputSize
            case "activation":
                guard index > 0 else { throw fail("layer 0 is an activation; the first layer must be dense") }
            default:
                throw fail("layer \(index) has unknown type '\(layer.type)'")
            }
        }
        if let classNames, classNames.count != (width == 1 ? 2 : width ?? 0), !(width == 1 && classNames.count == 1) {
            throw fail("\(classNames.count) class names for \(width ?? 0) outputs")
        }
        if let featureNames, featureNames.count != layers[0].inputSize {
            throw fail("\(featureNames.count) feature names for \(layers[0].inputSize ?? 0) inputs")
        }
        if let transform = inputTransform, transform.offset.count != layers[0].inputSize || transform.scale.count != layers[0].inputSize {
            throw fail("the input transform has \(transform.offset.count) offsets and \(transform.scale.count) scales for \(layers[0].inputSize ?? 0) inputs")
        }
    }

    /// The network this file describes, in `Scalar` precision.
    public func network<Scalar: MatrixScalar>(as type: Scalar.Type = Scalar.self) -> Sequential<Scalar> {
        let built: [any Layer<Scalar>] = layers.map { layer in
            if layer.type == "dense" {
                let dense = Dense<Scalar>(
                    inputSize: layer.inputSize!, outputSize: layer.outputSize!, bias: layer.bias != nil,
                    activation: layer.activation, weightInitializer: .zeros, biasInitializer: .zeros)
                return dense
            }
            return ActivationLayer<Scalar>(layer.activation)
        }
        let network = Sequential<Scalar>(built)
        for (layer, saved) in zip(network.layers, layers) {
            guard let dense = layer as? Dense<Scalar> else { continue }
            dense.weights.value = Matrix<Scalar>(saved.weights!)
            if let bias = saved.bias { dense.bias!.value = Matrix<Scalar>(bias) }
        }
        return network
    }

    static func codingPath(_ path: [any CodingKey]) -> String {
        path.isEmpty ? "the top level" : path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    }

    /// The largest file ``read(from:)`` and ``TrainingCheckpoint/read(from:)`` accept: 256 MiB, about
    /// ten million parameters as JSON. A larger file, a device (such as `/dev/zero`) or a pipe that goes
    /// on past it is refused with an error instead of being read on.
    public static let largestReadableFile = 256 << 20

    /// Why a file could not be read, in words.
    struct ReadFailure: Error {
        let reason: String
    }

    /// The whole contents of the file at `path`, read in chunks and refused beyond ``largestReadableFile``.
    static func contents(of path: String) -> Result<Data, ReadFailure> {
        // Non-blocking, so that a FIFO without a writer does not hang the open; blocking again below.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
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
                return .failure(ReadFailure(
                    reason: "is \(Int(status.st_size) >> 20) MiB, larger than the \(largestReadableFile >> 20) MiB this reader accepts"))
            }
        }
        var data = Data()
        do {
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                data.append(chunk)
                if data.count > largestReadableFile {
                    return .failure(ReadFailure(
                        reason: "goes on past \(largestReadableFile >> 20) MiB (an endless stream?): not a file this package wrote"))
                }
            }
        } catch {
            return .failure(ReadFailure(reason: reason(error)))
        }
        return .success(data)
    }

    static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if nsError.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(nsError.code))) }
        return nsError.localizedDescription
    }
}

extension Sequential {
    /// Saves the network to `path` as a ``ModelFile``, atomically.
    public func save(
        to path: String, loss: Loss, classNames: [String]? = nil, inputTransform: ModelFile.InputTransform? = nil,
        featureNames: [String]? = nil, metadata: [String: String] = [:]
    ) throws(NetworkError) {
        try ModelFile(
            network: self, loss: loss, classNames: classNames, inputTransform: inputTransform, featureNames: featureNames,
            metadata: metadata
        ).write(to: path)
    }
}


