internal import FileSystem
import Foundation
import Tensor

// The binary checkpoint (version 3): the checkpoint's JSON document with its matrices left out,
// and the matrices as arrays in the same container as model files (`ArrayFile`), named by their
// place in the document: `model.layers.N.weights`, `model.layers.N.bias`, `gradients.I`,
// `optimizerState.I.J`, `progress.earlyStopping.bestWeights.I`. Float runs store float32 (exact).
extension TrainingCheckpoint {
    /// The version written since checkpoints became binary.
    static let binaryVersion = 3

    /// Writes the checkpoint as a version 3 file, streaming its matrices.
    func writeBinary(to path: String) throws(NetworkError) {
        let dataType = ArrayFile.DataType(precision: model.scalarPrecision)
        let placeholder = Matrix<Double>(rows: 0, columns: 0, scalars: [])
        var document = self
        document.version = Self.binaryVersion
        var entries: [ArrayFile.Entry] = []
        for (index, layer) in model.layers.enumerated() {
            for (name, matrix) in layer.namedArrays {
                entries.append(.matrix("model.layers.\(index).\(name)", matrix, as: dataType))
            }
            document.model.layers[index] = layer.withoutArrays
        }
        for (index, gradient) in gradients.enumerated() {
            entries.append(.matrix("gradients.\(index)", gradient, as: dataType))
        }
        document.gradients = gradients.map { _ in placeholder }
        for (index, state) in optimizerState.enumerated() {
            for (slot, matrix) in state.enumerated() {
                entries.append(.matrix("optimizerState.\(index).\(slot)", matrix, as: dataType))
            }
        }
        document.optimizerState = optimizerState.map { $0.map { _ in placeholder } }
        if let stopping = progress.earlyStopping {
            for (index, weights) in stopping.bestWeights.enumerated() {
                entries.append(.matrix("progress.earlyStopping.bestWeights.\(index)", weights, as: dataType))
            }
            document.progress.earlyStopping?.bestWeights = stopping.bestWeights.map { _ in placeholder }
        }
        try ArrayFile.write(
            document, format: Self.formatName, version: Self.binaryVersion, what: "the checkpoint", entries: entries,
            to: path)
    }

    /// Decodes a version 3 file: its document, then every matrix from the arrays (each must be there,
    /// in the run's precision, and none may be left over).
    static func decodeBinary(_ reader: ArrayFile.Reader, path: String) throws(NetworkError) -> TrainingCheckpoint {
        func fail(_ reason: String) -> NetworkError {
            .invalidCheckpoint("\(path): not a checkpoint written by 'nn train --checkpoint-every' (\(reason))")
        }
        let format = reader.metadata["format"] ?? "none"
        if format == ModelFile.formatName {
            throw .invalidCheckpoint(
                "\(path): this is a model file, not a checkpoint; train from its data with 'nn train', or resume a checkpoint written with --checkpoint-every"
            )
        }
        guard format == formatName else { throw fail("format is '\(format)', expected '\(formatName)'") }
        guard reader.metadata["version"] == String(binaryVersion), let document = reader.metadata["document"] else {
            throw fail("a binary checkpoint is version \(binaryVersion) with a '__metadata__.document'")
        }
        var checkpoint: TrainingCheckpoint
        do {
            checkpoint = try JSONDecoder().decode(TrainingCheckpoint.self, from: Data(document.utf8))
        } catch {
            throw fail("\(error)")
        }
        guard checkpoint.version == binaryVersion else {
            throw fail("field 'version': the document of a binary checkpoint is version \(binaryVersion)")
        }
        let dataType = ArrayFile.DataType(precision: checkpoint.model.scalarPrecision)
        var used = Set<String>()
        func take(_ name: String) throws(NetworkError) -> Matrix<Double> {
            guard let array = reader.arrays[name] else { throw fail("array '\(name)' is missing") }
            guard array.dataType == dataType else {
                throw fail(
                    "array '\(name)' is \(array.dataType.rawValue); a \(checkpoint.model.precision) run stores \(dataType.rawValue)"
                )
            }
            used.insert(name)
            do { return try reader.matrix(name, as: Double.self) } catch { throw fail(error.reason) }
        }
        for (index, layer) in checkpoint.model.layers.enumerated() {
            for specification in layer.kind?.arraySpecifications(layer) ?? [] {
                let name = "model.layers.\(index).\(specification.name)"
                guard specification.required || reader.arrays[name] != nil else { continue }
                checkpoint.model.layers[index].setArray(try take(name), named: specification.name)
            }
        }
        for index in checkpoint.gradients.indices { checkpoint.gradients[index] = try take("gradients.\(index)") }
        for index in checkpoint.optimizerState.indices {
            for slot in checkpoint.optimizerState[index].indices {
                checkpoint.optimizerState[index][slot] = try take("optimizerState.\(index).\(slot)")
            }
        }
        if let count = checkpoint.progress.earlyStopping?.bestWeights.count {
            for index in 0..<count {
                checkpoint.progress.earlyStopping?.bestWeights[index] = try take(
                    "progress.earlyStopping.bestWeights.\(index)")
            }
        }
        if let extra = reader.arrays.keys.sorted().first(where: { !used.contains($0) }) {
            throw fail("array '\(extra)' belongs to no matrix of the checkpoint")
        }
        return checkpoint
    }
}

extension ArrayFile {
    /// A reader for `path` when it is an array file (a regular file starting with a plausible header
    /// length and `{`), `nil` when it is not (JSON, a device, a pipe: the JSON readers handle those).
    static func reader(ifArrayFile path: String, accepting accepted: Accepted = .nnFiles) throws(Failure) -> Reader? {
        let descriptor = RawPath.withCString(path) { open($0, O_RDONLY | O_CLOEXEC | O_NONBLOCK) }
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return nil }
        var prefix = [UInt8](repeating: 0, count: 9)
        guard pread(descriptor, &prefix, 9, 0) == 9, isArrayFile(prefix: prefix, fileSize: Int(status.st_size)) else {
            return nil
        }
        return try Reader(path: path, accepting: accepted)
    }

    /// A reader for `data` when it is an array file held in memory, `nil` when it is not.
    static func reader(ifArrayFile data: Data, accepting accepted: Accepted = .nnFiles) throws(Failure) -> Reader? {
        guard isArrayFile(prefix: Array(data.prefix(9)), fileSize: data.count) else { return nil }
        return try Reader(data: data, accepting: accepted)
    }
}
