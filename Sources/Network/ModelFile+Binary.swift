import Foundation
import Tensor

// The binary model file (version 2): reading and writing through `ArrayFile`.
extension ModelFile {
    /// Writes this model's document (its layers without arrays) and `entries` as a version 2 file.
    func writeBinary(to path: String, entries: [ArrayFile.Entry]) throws(NetworkError) {
        try ArrayFile.write(
            binaryDocument(), format: Self.formatName, version: Self.currentVersion, what: "the model",
            entries: entries, to: path)
    }

    /// The document a version 2 file's header holds: this model at the current version, its layers
    /// without arrays (a layer that has a bias still says so through its bias array).
    func binaryDocument() -> ModelFile {
        var document = self
        document.version = Self.currentVersion
        document.layers = document.layers.map(\.withoutArrays)
        return document
    }

    /// An array-file reader for `path` when it is a version 2 (binary) file or a PyTorch file that
    /// `nn export --format torch` wrote, `nil` when it is not a safetensors file (JSON, a device, a
    /// pipe: the JSON reader handles and refuses those).
    static func binaryReader(_ path: String) throws(NetworkError) -> ArrayFile.Reader? {
        do {
            return try ArrayFile.reader(ifArrayFile: path, accepting: .nnFilesAndTorchExports)
        } catch {
            throw .invalidModelFile(path: path, reason: error.reason)
        }
    }

    /// Decodes and validates a version 2 file's header; reads the arrays as `Double` matrices when
    /// `loadingWeights` is true (else the layers only record whether they have a bias).
    static func decodeBinary(_ reader: ArrayFile.Reader, path: String, loadingWeights: Bool) throws(NetworkError)
        -> ModelFile
    {
        func fail(_ reason: String) -> NetworkError { .invalidModelFile(path: path, reason: reason) }
        let format = reader.metadata["format"] ?? "none"
        if format != formatName && reader.metadata[torchDocumentKey] != nil {
            return try decodeTorch(reader, path: path, loadingWeights: loadingWeights)
        }
        if format == TrainingCheckpoint.formatName {
            throw fail(
                "this is a training checkpoint, not a model file: resume it with 'nn train --resume', or save the model with --save"
            )
        }
        guard format == formatName else { throw fail("format is '\(format)', expected '\(formatName)'") }
        guard reader.metadata["version"] == "2" else {
            throw fail(
                "field '__metadata__.version': '\(reader.metadata["version"] ?? "none")' is not supported (a binary model file is version 2)"
            )
        }
        guard let document = reader.metadata["document"] else {
            throw fail("the header has no '__metadata__.document'")
        }
        var model = try decodeDocument(Data(document.utf8), path: path)
        guard model.version == 2 else {
            throw fail("field 'version': the document of a binary file is version 2, found \(model.version)")
        }
        try model.validate(path: path, arraysChecked: true)
        try model.checkArrays(in: reader, path: path)
        for (index, layer) in model.layers.enumerated() {
            for specification in layer.kind?.arraySpecifications(layer) ?? [] {
                let name = "layers.\(index).\(specification.name)"
                guard reader.arrays[name] != nil else { continue }
                guard loadingWeights else {
                    model.layers[index].declaredArrays.insert(specification.name)
                    continue
                }
                do {
                    model.layers[index].setArray(try reader.matrix(name, as: Double.self), named: specification.name)
                } catch {
                    throw fail(error.reason)
                }
            }
        }
        return model
    }

    /// Checks that the file holds exactly the arrays each layer's kind lists
    /// (``LayerKind/arraySpecifications(_:)``: a dense layer's weights and optional bias), each of
    /// its shape and the model's precision.
    func checkArrays(in reader: ArrayFile.Reader, path: String) throws(NetworkError) {
        func fail(_ reason: String) -> NetworkError { .invalidModelFile(path: path, reason: reason) }
        let dataType = ArrayFile.DataType(precision: scalarPrecision)
        var expected: Set<String> = []
        for (index, layer) in layers.enumerated() {
            for specification in layer.kind?.arraySpecifications(layer) ?? [] {
                let name = "layers.\(index).\(specification.name)"
                guard let array = reader.arrays[name] else {
                    if specification.required { throw fail("array '\(name)' is missing") }
                    continue
                }
                guard array.rows == specification.rows, array.columns == specification.columns else {
                    throw fail(
                        "array '\(name)' has shape (\(array.rows), \(array.columns)); layer \(index) needs (\(specification.rows), \(specification.columns))"
                    )
                }
                guard array.dataType == dataType else {
                    throw fail(
                        "array '\(name)' is \(array.dataType.rawValue); a \(precision) model stores \(dataType.rawValue)"
                    )
                }
                expected.insert(name)
            }
        }
        if let unexpected = reader.arrays.keys.sorted().first(where: { !expected.contains($0) }) {
            throw fail("array '\(unexpected)' belongs to no layer")
        }
    }

    /// Reads a model file's settings and layer shapes without its weights (the layers' `weights` and
    /// `bias` are `nil`; ``SavedLayer/hasBias`` tells whether a layer has a bias). For a version 2
    /// file this reads only the header; a version 1 (JSON) file is read whole.
    ///
    /// - Throws: ``NetworkError/invalidModelFile(path:reason:)`` naming what is wrong.
    public static func readMetadata(from path: String) throws(NetworkError) -> ModelFile {
        if let reader = try binaryReader(path) { return try decodeBinary(reader, path: path, loadingWeights: false) }
        var model = try read(from: path)
        model.layers = model.layers.map(\.withoutArrays)
        return model
    }

    /// Reads a model file and builds its network in `Scalar` precision, reading a version 2 file's
    /// weights straight into the network's parameters (peak memory about the weights' size once).
    /// The returned file has no weights (see ``readMetadata(from:)``).
    ///
    /// - Throws: ``NetworkError/invalidModelFile(path:reason:)`` naming what is wrong, including a
    ///   weight that is not finite in `Scalar`'s precision; ``NetworkError/cannotAllocate(what:bytes:)``
    ///   when the parameters' memory cannot be allocated.
    public static func readNetwork<Scalar: MatrixScalar>(
        from path: String, as type: Scalar.Type = Scalar.self
    ) throws(NetworkError) -> (file: ModelFile, network: Sequential<Scalar>) {
        guard let reader = try binaryReader(path) else {
            let file = try read(from: path)
            let network: Sequential<Scalar> = try file.makeNetwork()
            return (try readMetadata(from: path), network)
        }
        guard reader.metadata["format"] == formatName else {
            // A PyTorch file (`nn export --format torch`): its weights are transposed as they are read.
            var file = try decodeBinary(reader, path: path, loadingWeights: true)
            let network: Sequential<Scalar> = try file.makeNetwork()
            file.layers = file.layers.map(\.withoutArrays)
            return (file, network)
        }
        let file = try decodeBinary(reader, path: path, loadingWeights: false)
        let network: Sequential<Scalar> = try file.makeNetwork()
        // Each layer's parameters and buffers are its arrays, by name (`layers.N.weights`,
        // `layers.N.bias`, `layers.N.runningMean`).
        for (index, layer) in network.layers.enumerated() {
            do {
                for parameter in layer.savedArrays {
                    try reader.read(
                        "layers.\(index).\(parameter.name)",
                        into: UnsafeMutableBufferPointer(start: parameter.valueBuffer.pointer, count: parameter.count))
                }
            } catch {
                throw .invalidModelFile(path: path, reason: error.reason)
            }
        }
        return (file, network)
    }
}
