import Foundation
import Network
import Tensor
import Testing

// Issue 19 item 2 (models above ~7.5M parameters saved but could not be read back) and items 7-8
// (values and fields of a model file checked against their meaning): the binary model file
// (version 2), its streaming reader, and the reader of version 1 (JSON) files.

/// The path of a committed fixture file.
func fixturePath(_ name: String, _ extension: String) throws -> String {
    try #require(Bundle.module.url(forResource: name, withExtension: `extension`, subdirectory: "Fixtures")).path
}

/// Writes `object` as JSON to a fresh file and returns its path.
func writeJSON(_ object: Any, named name: String, in directory: URL) throws -> String {
    let path = directory.appendingPathComponent(name).path
    try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: path))
    return path
}

/// The reason of a model-file error, or a failure when `body` does not throw one.
func modelFileError(_ body: () throws(NetworkError) -> Void) -> String {
    do {
        try body()
        return "no error"
    } catch {
        return error.description
    }
}

@Suite("Model file format")
struct ModelFileFormatTests {
    @Test("a version 1 (JSON) file of sessions 1-2 still loads, in both readers")
    func versionOneFileLoads() throws {
        let path = try fixturePath("model-v1", "json")
        let model = try ModelFile.read(from: path)
        #expect(model.version == 1 && model.precision == "float" && model.classNames == ["no", "yes"])
        #expect(model.featureNames == ["a", "b", "c"] && model.layers.count == 3 && model.layers[1].bias == nil)
        let (file, network) = try ModelFile.readNetwork(from: path, as: Float.self)
        #expect(file.layers[0].hasBias && !file.layers[1].hasBias && file.layers[0].weights == nil)
        let input = Matrix<Float>(rows: 1, columns: 3, scalars: [0.25, -1.0, 2.0])
        let output = try network.predict(file.inputTransform!.apply(to: input))
        // numpy's float32 result, printed by scripts/fixtures/model_v1_fixture.py.
        #expect(abs(output[0, 0] - 0.9182053804397583) < 1e-6 && abs(output[0, 1] - 0.08179454505443573) < 1e-6)
    }

    @Test("save writes version 2 (binary, safetensors layout); both readers give the weights bit for bit")
    func binaryRoundTrip() throws {
        try checkBinaryRoundTrip(Float.self)
        try checkBinaryRoundTrip(Double.self)
    }

    func checkBinaryRoundTrip<S: MatrixScalar>(_: S.Type) throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("model.json").path
        let network = modelNetwork(S.self)
        try network.save(
            to: path, loss: .softmaxCrossEntropy, classNames: ["a", "b", "c"], featureNames: ["w", "x", "y", "z"])
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let headerLength = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect(headerLength % 8 == 0 && bytes[8] == UInt8(ascii: "{"))
        // Weights (4×5 + 5 bias + 5×3) stored in the model's precision after the header.
        #expect(bytes.count == 8 + headerLength + 40 * MemoryLayout<S>.size)
        let model = try ModelFile.read(from: path)
        #expect(model.version == 2 && model.featureNames == ["w", "x", "y", "z"])
        let loaded: Sequential<S> = model.network()
        #expect(parameterValues(loaded) == parameterValues(network))
        let (file, streamed) = try ModelFile.readNetwork(from: path, as: S.self)
        #expect(parameterValues(streamed) == parameterValues(network))
        #expect(file.layers[0].hasBias && !file.layers[1].hasBias && file.classNames == ["a", "b", "c"])
        // ModelFile.write (from the Double matrices) writes the same arrays.
        let again = directory.appendingPathComponent("again.json").path
        try model.write(to: again)
        let reread: Sequential<S> = try ModelFile.read(from: again).network()
        #expect(parameterValues(reread) == parameterValues(network))
    }

    @Test("a model of 9.4 million parameters (over the old 7.5M ceiling) saves and loads back")
    func largeModelRoundTrip() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("big.json").path
        let network = Sequential<Float>(
            [Dense(inputSize: 3_000, outputSize: 3_000, activation: .relu), Dense(inputSize: 3_000, outputSize: 130)],
            seed: 3)
        try network.save(to: path, loss: .meanSquaredError)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        #expect(size < 9_393_130 * 4 + 4096, "stored as float32: \(size) bytes")
        let (_, loaded) = try ModelFile.readNetwork(from: path, as: Float.self)
        #expect(parameterValues(loaded) == parameterValues(network))
        #expect(try ModelFile.readMetadata(from: path).layers[0].outputSize == 3_000)
    }

    @Test("a damaged binary file is refused naming the array or field")
    func damagedBinaryFiles() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("model.json").path
        try modelNetwork(Float.self).save(to: path, loss: .softmaxCrossEntropy)
        let good = try Data(contentsOf: URL(fileURLWithPath: path))
        // Cut short: the arrays no longer fill the declared shapes.
        #expect(
            modelFileError { () throws(NetworkError) in
                _ = try ModelFile.decode(good.prefix(good.count - 4), path: "cut")
            }.contains("data bytes"))
        // A weight that is nan.
        var poisoned = good
        poisoned.replaceSubrange((good.count - 4)..<good.count, with: withUnsafeBytes(of: Float.nan) { Array($0) })
        #expect(
            modelFileError { () throws(NetworkError) in _ = try ModelFile.decode(poisoned, path: "nan") }.contains(
                "not a finite number"))
        try poisoned.write(to: URL(fileURLWithPath: path))
        #expect(
            modelFileError { () throws(NetworkError) in _ = try ModelFile.readNetwork(from: path, as: Float.self) }
                .contains("not a finite number"))
        // A header length beyond the file.
        var long = good
        long[5] = 1
        let longLength = Array(long.prefix(8)).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        #expect(longLength > UInt64(1) << 40)
        #expect(
            modelFileError { () throws(NetworkError) in _ = try ModelFile.decode(long, path: "long") }.contains(
                "it begins as safetensors, but its header length, \(longLength) bytes, is not between 2 and the \(good.count - 8) bytes after it"
            ))
    }

    @Test("float weights that overflow float (1e40) are refused, not read as infinity (item 7)")
    func floatOverflowRefused() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var object = try #require(
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: fixturePath("model-v1", "json")))) as? [String: Any])
        var layers = try #require(object["layers"] as? [[String: Any]])
        var weights = try #require(layers[0]["weights"] as? [String: Any])
        var values = try #require(weights["values"] as? [[Double]])
        values[1][2] = 1e40
        weights["values"] = values
        layers[0]["weights"] = weights
        object["layers"] = layers
        let path = try writeJSON(object, named: "overflow.json", in: directory)
        let message = modelFileError { () throws(NetworkError) in _ = try ModelFile.read(from: path) }
        #expect(message.contains("1e+40") && message.contains("not a finite float number"), "\(message)")
        // The same value is a finite double.
        object["precision"] = "double"
        let double = try writeJSON(object, named: "double.json", in: directory)
        #expect(try ModelFile.read(from: double).precision == "double")
    }

    @Test(
        "a wrong number in a field is named with what the field must be (item 8)",
        arguments: [
            ("inputSize", "1e30", "field 'layers.0.inputSize' must be a whole number at least 1"),
            ("inputSize", "3.5", "field 'layers.0.inputSize' must be a whole number at least 1"),
            ("version", "1e20", "field 'version' must be a whole number"),
            ("inputSize", "-3", "field 'layers.0.inputSize': -3"),
        ])
    func wrongFieldValues(_ field: String, _ value: String, _ expected: String) throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var text = try String(contentsOfFile: try fixturePath("model-v1", "json"), encoding: .utf8)
        let key = "\"\(field)\": "
        let range = try #require(text.range(of: key))
        let end = try #require(text[range.upperBound...].firstIndex(where: { $0 == "," || $0 == "\n" }))
        text.replaceSubrange(range.upperBound..<end, with: value)
        let path = directory.appendingPathComponent("bad.json").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let message = modelFileError { () throws(NetworkError) in _ = try ModelFile.read(from: path) }
        #expect(message.contains(expected), "\(message)")
        #expect(!message.contains("not valid JSON"), "\(message)")
    }
}

/// Issue 19 item 2 for checkpoints: version 3 keeps the matrices as arrays, so the checkpoint of a
/// model over the old JSON ceiling (3 × 9.4M numbers, about 0.5 GB as JSON) writes and resumes.
@Suite("Binary checkpoints")
struct BinaryCheckpointTests {
    @Test func largeCheckpointRoundTripsBitForBit() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("run.checkpoint.json").path
        let network = Sequential<Float>(
            [Dense(inputSize: 3_000, outputSize: 3_000, activation: .relu), Dense(inputSize: 3_000, outputSize: 130)],
            seed: 4)
        let optimizer = Optimizer<Float>(.sgd(momentum: 0.9, nesterov: false), learningRate: 0.01)
        var random = NumpyRandomState(seed: 9)
        let inputs = Matrix<Float>(rows: 2, columns: 3_000) { row, column in Float((row + column) % 7) / 7 }
        let history = try network.fit(
            inputs, Matrix<Float>(rows: 2, columns: 130, repeating: 0.25), loss: .meanSquaredError,
            optimizer: optimizer,
            options: TrainingOptions(epochs: 1, batchSize: 2), random: &random)
        let checkpoint = TrainingCheckpoint(
            network: network, loss: .meanSquaredError, optimizer: optimizer, random: random,
            progress: TrainingProgress(epoch: 1, history: history))
        try checkpoint.write(to: path)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        #expect(size < 2 * 9_393_130 * 4 + 1 << 20, "float32 arrays: \(size) bytes")
        let read = try TrainingCheckpoint.read(from: path)
        #expect(read.version == 3 && read.progress == checkpoint.progress && read.stepCount == 1)
        let (restored, _, restoredRandom) = try read.restore(as: Float.self)
        #expect(parameterValues(restored) == parameterValues(network))
        #expect(restored.parameters.map(\.gradient) == network.parameters.map(\.gradient))
        #expect(restoredRandom.state == random.state)
    }
}
