import Foundation
import Testing

/// PyTorch weights both ways (#28): `nn export --format torch` writes the state dict of the equivalent
/// `torch.nn.Sequential`; `nn import`, `nn predict` and `nn train --init-from` read state dicts. The
/// fixtures (`scripts/fixtures/torch_state_dict.py`, numpy and safetensors only) stand in for PyTorch,
/// which these tests never need; `benchmarks/torch-roundtrip.py` checks against PyTorch itself.
@Suite struct TorchCommandTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let stateDict = fixtures.appendingPathComponent("torch-sequential.safetensors").path
    static let inputs = fixtures.appendingPathComponent("torch-sequential-inputs.csv").path
    static let outputs = fixtures.appendingPathComponent("torch-sequential-outputs.csv").path

    /// A safetensors file's header and the bytes of each tensor.
    struct SafetensorsFile {
        var header: [String: Any]
        var metadata: [String: String]
        var tensors: [String: (dtype: String, shape: [Int], bytes: Data)]

        init(path: String) throws {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            let length = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            header = try #require(try JSONSerialization.jsonObject(with: data[8..<(8 + length)]) as? [String: Any])
            metadata = header["__metadata__"] as? [String: String] ?? [:]
            tensors = [:]
            for (name, value) in header where name != "__metadata__" {
                let entry = try #require(value as? [String: Any])
                let offsets = try #require(entry["data_offsets"] as? [Int])
                tensors[name] = (
                    try #require(entry["dtype"] as? String), try #require(entry["shape"] as? [Int]),
                    data[(8 + length + offsets[0])..<(8 + length + offsets[1])]
                )
            }
        }

        /// The float32 values of `name`.
        func floats(_ name: String) -> [Float] {
            let bytes = tensors[name]!.bytes
            return stride(from: bytes.startIndex, to: bytes.endIndex, by: 4).map { start in
                Float(
                    bitPattern: bytes[start..<(start + 4)].enumerated().reduce(UInt32(0)) {
                        $0 | UInt32($1.element) << (8 * UInt32($1.offset))
                    })
            }
        }
    }

    /// The numbers of a CSV's rows after its header.
    func rows(_ text: String) -> [[Double]] {
        text.split(separator: "\n").dropFirst().map { $0.split(separator: ",").compactMap { Double($0) } }
    }

    @Test func exportWritesTheStateDictOfTheEquivalentSequential() throws {
        let folder = try temporaryFolder()
        let model = folder.appendingPathComponent("xor.safetensors").path
        let torch = folder.appendingPathComponent("xor.pt.safetensors").path
        let train = try Executable.run([
            "train", "--dataset", "xor", "--layers", "3", "--activation", "tanh", "--epochs", "20", "--save", model,
            "-q",
        ])
        #expect(train.status == 0, "\(train.standardError)")
        let export = try Executable.run(["export", "--format", "torch", "--model", model, "--output", torch])
        #expect(export.status == 0, "\(export.standardError)")
        // The PyTorch that rebuilds the network and loads the file strictly.
        #expect(
            export.standardOutput.contains("nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1), nn.Sigmoid())"))
        #expect(export.standardOutput.contains("model.load_state_dict(load_file(\"xor.pt.safetensors\"), strict=True)"))

        let file = try SafetensorsFile(path: torch)
        #expect(Set(file.tensors.keys) == ["0.weight", "0.bias", "2.weight", "2.bias"])
        #expect(file.tensors["0.weight"]?.shape == [3, 2] && file.tensors["0.bias"]?.shape == [3])
        #expect(file.tensors["2.weight"]?.shape == [1, 3] && file.tensors["2.bias"]?.shape == [1])
        #expect(file.tensors.values.allSatisfy { $0.dtype == "F32" })
        #expect(file.metadata["format"] == "pt")
        #expect(file.metadata["nn.version"] == "1", "a dense model keeps the layout of nn 0.4.0")
        #expect(
            file.metadata["nn.sequential"] == "nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1), nn.Sigmoid())"
        )
        #expect(file.metadata["nn.loss"] == "binaryCrossEntropy")
        #expect(file.metadata["nn.activations"] == #"["tanh","sigmoid"]"#)
        #expect(file.metadata["nn.inputScale"] == "[1,1]" && file.metadata["nn.classNames"] != nil)

        // The values are the model file's, each weight transposed (outputs, inputs).
        let native = try SafetensorsFile(path: model)
        let weights = native.floats("layers.0.weights")  // (2, 3)
        let transposed = file.floats("0.weight")  // (3, 2)
        for output in 0..<3 {
            for input in 0..<2 { #expect(transposed[output * 2 + input] == weights[input * 3 + output]) }
        }
        #expect(file.floats("0.bias") == native.floats("layers.0.bias"))
        #expect(file.floats("2.weight") == native.floats("layers.1.weights"))  // (3, 1) and (1, 3): same order
        #expect(file.floats("2.bias") == native.floats("layers.1.bias"))

        // nn reads the export back as the model it came from: the same predictions, the same info.
        let data = folder.appendingPathComponent("points.csv")
        try "a,b\n0,0\n0,1\n1,0\n1,1\n0.3,0.8\n".write(to: data, atomically: true, encoding: .utf8)
        let fromModel = try Executable.run(["predict", "--model", model, "--data", data.path, "--probabilities"])
        let fromTorch = try Executable.run(["predict", "--model", torch, "--data", data.path, "--probabilities"])
        #expect(fromModel.status == 0 && fromTorch.status == 0, "\(fromModel.standardError) \(fromTorch.standardError)")
        #expect(fromModel.standardOutput == fromTorch.standardOutput)
        let info = try Executable.run(["info", "--model", torch])
        #expect(info.status == 0 && info.standardOutput.contains("tanh"), "\(info.standardError)")
    }

    @Test func exportRefusesAnOutputOfTheOtherFormat() throws {
        let torch = try Executable.run(["export", "--format", "torch", "--model", "m.safetensors", "--output", "m.npz"])
        #expect(torch.status == 64 && torch.standardError.contains("--output must end in .safetensors"))
        let npz = try Executable.run(["export", "--model", "m.safetensors", "--output", "m.safetensors"])
        #expect(npz.status == 64 && npz.standardError.contains("--output must end in .npz"))
    }

    @Test func importedStateDictPredictsWhatPyTorchComputes() throws {
        let folder = try temporaryFolder()
        let model = folder.appendingPathComponent("imported.safetensors").path
        let imported = try Executable.run([
            "import", "--model", Self.stateDict, "--activation", "relu", "--output", model,
        ])
        #expect(imported.status == 0, "\(imported.standardError)")
        #expect(imported.standardOutput.contains("nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))"))
        let predicted = try Executable.run([
            "predict", "--model", model, "--data", Self.inputs, "--target", "label",
        ])
        #expect(predicted.status == 0, "\(predicted.standardError)")
        let expected = rows(try String(contentsOfFile: Self.outputs, encoding: .utf8))
        let actual = rows(predicted.standardOutput)
        #expect(actual.count == 5 && actual.allSatisfy { $0.count == 2 }, "\(predicted.standardOutput)")
        for (row, values) in zip(expected, actual) {
            for (want, got) in zip(row, values) { #expect(abs(want - got) <= 1e-6, "\(want) vs \(got)") }
        }

        // Exported again, the state dict is the fixture's, bit for bit.
        let again = folder.appendingPathComponent("again.safetensors").path
        let export = try Executable.run(["export", "--format", "torch", "--model", model, "--output", again])
        #expect(export.status == 0, "\(export.standardError)")
        let original = try SafetensorsFile(path: Self.stateDict), copy = try SafetensorsFile(path: again)
        #expect(Set(copy.tensors.keys) == Set(original.tensors.keys))
        for (name, tensor) in original.tensors {
            #expect(copy.tensors[name]?.shape == tensor.shape && copy.tensors[name]?.bytes == tensor.bytes, "\(name)")
        }
    }

    @Test func importAsClassifier() throws {
        let folder = try temporaryFolder()
        let model = folder.appendingPathComponent("classes.safetensors").path
        let imported = try Executable.run([
            "import", "--model", Self.stateDict, "--classes", "no,yes", "--output", model,
        ])
        #expect(imported.status == 0, "\(imported.standardError)")
        let predicted = try Executable.run(["predict", "--model", model, "--data", Self.inputs, "--target", "label"])
        // The fixture's logits: the second output is larger in every row.
        #expect(predicted.standardOutput.split(separator: "\n").dropFirst() == ["yes", "yes", "yes", "yes", "yes"])
        let wrong = try Executable.run([
            "import", "--model", Self.stateDict, "--classes", "a,b,c", "--output", model,
        ])
        #expect(wrong.status == 64 && wrong.standardError.contains("'2' has 2 outputs"), "\(wrong.standardError)")
    }

    @Test func predictAndInfoRefuseABareStateDictNamingTheWayIn() throws {
        for command in [
            ["info", "--model", Self.stateDict], ["predict", "--model", Self.stateDict, "--data", Self.inputs],
        ] {
            let result = try Executable.run(command)
            #expect(result.status == 1, "\(result.standardError)")
            #expect(result.standardError.contains("a safetensors file that nn did not write"))
            #expect(result.standardError.contains("'nn import'"), "\(result.standardError)")
        }
    }

    @Test func trainStartsFromAStateDict() throws {
        let folder = try temporaryFolder()
        let model = folder.appendingPathComponent("tuned.safetensors").path
        let result = try Executable.run([
            "train", "--init-from", Self.stateDict, "--data", Self.inputs, "--target", "label", "--epochs", "3",
            "--learning-rate", "0.001", "--save", model, "--json",
        ])
        #expect(result.status == 0, "\(result.standardError)")
        let summary = try #require(
            try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        let settings = try #require(summary["settings"] as? [String: [String: Any]])
        let layers = settings["layers"]
        #expect(layers?["value"] as? String == "4" && layers?["source"] as? String == "state dict", "\(settings)")
        #expect(settings["scale"]?["value"] as? String == "none", "\(settings)")
        #expect(settings["activation"]?["source"] as? String == "table default", "\(settings)")
        // Two classes with two outputs: softmax cross-entropy on the state dict's logits.
        let info = try Executable.run(["info", "--model", model])
        #expect(info.standardOutput.contains("Dense(3 -> 4, relu)") && info.standardOutput.contains("Dense(4 -> 2"))

        // A hidden width other than the file's, and data of another width, are refused naming both.
        let layers8 = try Executable.run([
            "train", "--init-from", Self.stateDict, "--data", Self.inputs, "--target", "label", "--layers", "8",
        ])
        #expect(layers8.status == 64 && layers8.standardError.contains("--layers 8 (the state dict has 4)"))
        let narrow = try Executable.run([
            "train", "--init-from", Self.stateDict, "--data", Self.inputs, "--target", "label", "--features", "x0,x1",
        ])
        #expect(narrow.status == 1, "\(narrow.standardError)")
        #expect(narrow.standardError.contains("2 features") && narrow.standardError.contains("'0.weight' [4, 3]"))
        let initializer = try Executable.run([
            "train", "--init-from", Self.stateDict, "--data", Self.inputs, "--target", "label", "--init", "zeros",
        ])
        #expect(initializer.status == 64 && initializer.standardError.contains("the weights are the state dict's"))
    }
}
