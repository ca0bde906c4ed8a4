import Foundation
import Network
import Tensor
import Testing

/// The PyTorch mapping (#28): a model as the state dict of the equivalent `torch.nn.Sequential`, and
/// state dicts read back by their tensors' names and shapes.
@Suite struct TorchStateDictTests {
    /// Writes a safetensors file of float32 tensors (name, shape, values), as
    /// `safetensors.torch.save_file` would, with `metadata`.
    func writeSafetensors(_ tensors: [(String, [Int], [Float])], metadata: [String: String]?, to path: String)
        throws
    {
        var header: [String: Any] = [:]
        if let metadata { header["__metadata__"] = metadata }
        var data = Data(), offset = 0
        for (name, shape, values) in tensors {
            header[name] = ["dtype": "F32", "shape": shape, "data_offsets": [offset, offset + 4 * values.count]]
            offset += 4 * values.count
            for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        }
        var json = try JSONSerialization.data(withJSONObject: header)
        json.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - json.count % 8) % 8))
        var file = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { file.append(contentsOf: $0) }
        try (file + json + data).write(to: URL(fileURLWithPath: path))
    }

    func network() -> Sequential<Float> {
        var generator = NumpyRandomState(seed: 3)
        return Sequential<Float>(
            [
                Dense(inputSize: 3, outputSize: 5, activation: .relu),
                Dense(inputSize: 5, outputSize: 4, activation: .identity), ActivationLayer(.tanh),
                Dense(inputSize: 4, outputSize: 2, activation: .identity),
            ], generator: &generator)
    }

    @Test func modulesAreTheEquivalentSequentials() {
        let file = ModelFile(network: network(), loss: .softmaxCrossEntropy)
        #expect(
            file.torchModules == ["nn.Linear(3, 5)", "nn.ReLU()", "nn.Linear(5, 4)", "nn.Tanh()", "nn.Linear(4, 2)"])
        #expect(
            file.torchTensorShapes.map(\.name) == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"])
        #expect(file.torchTensorShapes.map(\.shape) == [[5, 3], [5], [4, 5], [4], [2, 4], [2]])
        #expect(ModelFile.torchModule(.leakyReLU) == "nn.LeakyReLU(0.01)")
        #expect(ModelFile.torchModule(.softmax) == "nn.Softmax(dim=1)")
        #expect(ModelFile.torchModule(.identity) == nil)
        let noBias = ModelFile(
            network: Sequential<Float>([Dense(inputSize: 2, outputSize: 1, bias: false, activation: .sigmoid)]),
            loss: .binaryCrossEntropy)
        #expect(noBias.torchSequential == "nn.Sequential(nn.Linear(2, 1, bias=False), nn.Sigmoid())")
    }

    @Test func exportReadsBackAsTheSameModelAndLoadsIntoANetwork() throws {
        let original = network()
        var file = ModelFile(
            network: original, loss: .softmaxCrossEntropy, classNames: ["a", "b"],
            inputTransform: .init(offset: [1, 2, 3], scale: [0.5, 0.25, 2]))
        file.metadata["note"] = "kept"
        let path = try temporaryDirectory().appendingPathComponent("model.pt.safetensors").path
        try file.writeTorchStateDict(to: path)

        let read = try ModelFile.read(from: path)
        #expect(read.layers == file.layers && read.classNames == file.classNames)
        #expect(read.inputTransform == file.inputTransform && read.metadata["note"] == "kept")

        let stateDict = try TorchStateDict.read(from: path)
        #expect(stateDict.linears.map(\.name) == ["0", "2", "4"] && stateDict.widths == [3, 5, 4, 2])
        #expect(stateDict.precision == "float" && stateDict.describesModel)
        #expect(!TorchStateDict.isBareStateDict(at: path))

        let copy = network()
        for layer in copy.layers { for parameter in layer.parameters { parameter.value = parameter.value * 0 } }
        try copy.loadTorchStateDict(from: path)
        let inputs = Matrix<Float>([[0.5, -1, 2], [3, 0.25, -0.75]])
        #expect(try copy.predict(inputs) == (try original.predict(inputs)))
    }

    @Test func bareStateDictLayersFollowTheirNamesNaturalOrder() throws {
        let folder = try temporaryDirectory()
        let path = folder.appendingPathComponent("fc.safetensors").path
        // fc10 comes after fc2, though it sorts before it as text.
        try writeSafetensors(
            [
                ("fc10.weight", [1, 4], [1, 2, 3, 4]), ("fc10.bias", [1], [0.5]),
                ("fc1.weight", [3, 2], [1, 0, 0, 1, 1, 1]), ("fc1.bias", [3], [0, 0, 0]),
                ("fc2.weight", [4, 3], Array(repeating: 0.5, count: 12)), ("fc2.bias", [4], [1, 1, 1, 1]),
            ], metadata: nil, to: path)
        #expect(TorchStateDict.isBareStateDict(at: path))
        let stateDict = try TorchStateDict.read(from: path)
        #expect(stateDict.linears.map(\.name) == ["fc1", "fc2", "fc10"] && stateDict.widths == [2, 3, 4, 1])
        let file = try stateDict.modelFile(activation: .relu, outputActivation: .identity, loss: .meanSquaredError)
        #expect(file.layers.map(\.activation) == [.relu, .relu, .identity])
        // fc1 as (inputs, outputs): the transpose of its (3, 2) weight.
        #expect(file.layers[0].weights == Matrix([[1, 0, 1], [0, 1, 1]]))
        let network: Sequential<Double> = file.network()
        // x = (1, 2): fc1 → (1, 2, 3); fc2 → 0.5 · 6 + 1 = 4 each; fc10 → 4 · 10 + 0.5.
        #expect(try network.predict(Matrix([[1, 2]])) == Matrix([[40.5]]))

        // A network of other sizes is refused naming both shapes.
        let other = Sequential<Double>([
            Dense(inputSize: 2, outputSize: 3, activation: .relu),
            Dense(inputSize: 3, outputSize: 5, activation: .relu),
            Dense(inputSize: 5, outputSize: 1, activation: .identity),
        ])
        #expect {
            try other.loadTorchStateDict(from: path)
        } throws: { error in
            "\(error)".contains("'fc2.weight' has shape [4, 3], but dense layer 1 is 3 -> 5 and needs [5, 3]")
        }
    }

    @Test func brokenStateDictsAreRefusedNamingTheTensor() throws {
        let folder = try temporaryDirectory()
        let path = folder.appendingPathComponent("broken.safetensors").path
        func refusal(_ tensors: [(String, [Int], [Float])]) throws -> String {
            try writeSafetensors(tensors, metadata: ["format": "pt"], to: path)
            do {
                _ = try TorchStateDict.read(from: path)
                return "read"
            } catch {
                return "\(error)"
            }
        }
        #expect(
            try refusal([("0.weight", [3, 2], Array(repeating: 0, count: 6)), ("2.weight", [1, 4], [0, 0, 0, 0])])
                .contains(
                    "'2.weight' has shape [1, 4], 4 inputs, but the layer before it, '0.weight' [3, 2], has 3 outputs"))
        #expect(try refusal([("0.weight", [2, 2], [0, 0, 0, 0]), ("0.bias", [3], [0, 0, 0])]).contains("needs [2]"))
        #expect(try refusal([("0.running_mean", [2], [0, 0])]).contains("neither a module's 'weight' nor its 'bias'"))
        // nn's own readers still refuse a bare state dict by name.
        #expect {
            _ = try ModelFile.readMetadata(from: path)
        } throws: { error in
            "\(error)".contains("a safetensors file that nn did not write (its metadata names format 'pt'")
        }
    }
}
