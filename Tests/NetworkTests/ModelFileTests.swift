import Foundation
import Network
import Tensor
import TestSupport
import Testing

// Model files: save → load round trips exactly, every kind of bad file is rejected with a message
// naming the problem, and the atomic write leaves neither temporary files nor a damaged old file.

/// A fresh empty directory under the system's temporary directory.
func temporaryDirectory() throws -> URL {
    let url = testTemporaryDirectory.appendingPathComponent("NetworkTests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A network with every kind of saved layer: dense with and without bias, and an activation layer.
func modelNetwork<S: MatrixScalar>(_: S.Type) -> Sequential<S> {
    Sequential<S>(
        [
            Dense(
                inputSize: 4, outputSize: 5, activation: .relu, biasInitializer: .normal(mean: 0, standardDeviation: 1)),
            Dense(inputSize: 5, outputSize: 3, bias: false, activation: .identity),
            ActivationLayer(.softmax),
        ], seed: 21)
}

@Suite("Model files")
struct ModelFileTests {
    @Test("save then load gives the same network, weights equal exactly (Float and Double)")
    func roundTrip() throws {
        try checkRoundTrip(Double.self)
        try checkRoundTrip(Float.self)
    }

    func checkRoundTrip<S: MatrixScalar>(_: S.Type) throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("model.json").path
        let network = modelNetwork(S.self)
        let transform = ModelFile.InputTransform(offset: [0.5, 0, 1, 2], scale: [1, 2, 0.25, 0.1])
        try network.save(
            to: path, loss: .softmaxCrossEntropy, classNames: ["a", "b", "c"], inputTransform: transform,
            metadata: ["createdBy": "NetworkTests"])
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["model.json"],
            "no temporary file is left")

        let model = try ModelFile.read(from: path)
        #expect(model.precision == (S.self == Float.self ? "float" : "double"))
        #expect(
            model.loss == .softmaxCrossEntropy && model.classNames == ["a", "b", "c"]
                && model.inputTransform == transform)
        #expect(model.metadata == ["createdBy": "NetworkTests"] && model.format == ModelFile.formatName)
        #expect(
            model
                == ModelFile(
                    network: network, loss: .softmaxCrossEntropy, classNames: ["a", "b", "c"],
                    inputTransform: transform, metadata: ["createdBy": "NetworkTests"]))
        let loaded: Sequential<S> = model.network()
        // The loaded network saves to the same file: the same layer kinds, sizes, activations and weights.
        #expect(
            ModelFile(
                network: loaded, loss: .softmaxCrossEntropy, classNames: ["a", "b", "c"], inputTransform: transform,
                metadata: ["createdBy": "NetworkTests"]) == model)
        #expect(parameterValues(loaded) == parameterValues(network))
        let inputs: Matrix<S> = uniformMatrix(rows: 7, columns: 4, seed: 8)
        #expect(try loaded.predict(inputs) == network.predict(inputs))

        // The other precision loads too (Float weights widen exactly to Double).
        if S.self == Float.self {
            let widened: Sequential<Double> = model.network()
            #expect(parameterValues(widened) == parameterValues(network).map { Matrix<Double>($0) })
        }
        // Saving again over the file replaces it.
        network.parameters[0].value[0, 0] = 42
        try network.save(to: path, loss: .softmaxCrossEntropy)
        #expect(try ModelFile.read(from: path).layers[0].weights?[0, 0] == 42)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["model.json"])
    }

    /// Writes the valid model's JSON after `edit` to a file and expects `read` to reject it with a
    /// reason containing `words`.
    func expectRejected(
        _ words: String, edit: ((inout [String: Any]) -> Void)? = nil, text: ((String) -> String)? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("bad.json").path
        let data = try ModelFile(network: modelNetwork(Double.self), loss: .softmaxCrossEntropy).jsonData()
        var object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        edit?(&object)
        var json = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        if let text { json = text(json) }
        try Data(json.utf8).write(to: URL(fileURLWithPath: path))
        do {
            _ = try ModelFile.read(from: path)
            Issue.record("a file with \(words) was accepted", sourceLocation: sourceLocation)
        } catch {
            guard case .invalidModelFile(let errorPath, let reason) = error else {
                Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
                return
            }
            #expect(errorPath == path, sourceLocation: sourceLocation)
            #expect(reason.contains(words), "reason: \(reason)", sourceLocation: sourceLocation)
            #expect(
                error.description.contains(path) && error.description.contains(reason), sourceLocation: sourceLocation)
        }
    }

    /// The layers array of a model object.
    static func editLayer(_ index: Int, _ object: inout [String: Any], _ change: (inout [String: Any]) -> Void) {
        var layers = object["layers"] as! [[String: Any]]
        change(&layers[index])
        object["layers"] = layers
    }

    @Test("the untouched file is accepted (so the rejections below are about the edits)")
    func validFileIsAccepted() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("good.json").path
        let data = try ModelFile(network: modelNetwork(Double.self), loss: .softmaxCrossEntropy).jsonData()
        let object = try JSONSerialization.jsonObject(with: data)
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: path))
        _ = try ModelFile.read(from: path)
    }

    @Test("a missing file names the system's reason")
    func missingFile() throws {
        let path = testTemporaryDirectory.appendingPathComponent(
            "no-such-model-\(UUID().uuidString).json"
        ).path
        do {
            _ = try ModelFile.read(from: path)
            Issue.record("a missing file was read")
        } catch {
            guard case .invalidModelFile(path, let reason) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            // Foundation's wording differs between platforms ("No such file or directory", "The file doesn’t exist.").
            #expect(reason.contains("No such file") || reason.contains("exist"), "\(reason)")
        }
    }

    @Test("corrupt JSON") func corruptJSON() throws {
        try expectRejected("corrupt JSON", text: { String($0.dropLast(7)) })
        // Neither format: named as such with the file's first bytes, not as a JSON parser's complaint.
        try expectRejected(
            "it is neither safetensors (what nn writes) nor JSON (nn's version 1); it begins with 'not json at all'",
            text: { _ in "not json at all" })
        try expectRejected("begins with 'a,b\\x0a1,2\\x0a'", text: { _ in "a,b\n1,2\n" })
        try expectRejected("the file is empty", text: { _ in "" })
        try expectRejected("the file holds only blank space", text: { _ in " \n\t" })
    }

    @Test("a checkpoint of neither format is named as such") func checkpointOfNeitherFormat() {
        for (text, words) in [
            ("", "checkpoint: not a checkpoint written by 'nn train --checkpoint-every': the file is empty"),
            (
                "x1,x2\n",
                "checkpoint: not a checkpoint written by 'nn train --checkpoint-every': it is neither safetensors"
            ),
        ] {
            do {
                _ = try TrainingCheckpoint.decode(Data(text.utf8), path: "checkpoint")
                Issue.record("'\(text)' was accepted as a checkpoint")
            } catch {
                #expect("\(error)".contains(words), "\(error)")
            }
        }
    }

    @Test("wrong format name") func wrongFormat() throws {
        try expectRejected("format is 'keras-model'") { $0["format"] = "keras-model" }
    }

    @Test("wrong version") func wrongVersion() throws {
        try expectRejected("version 3 is not supported") { $0["version"] = 3 }
    }

    @Test("missing fields and wrong types") func missingFields() throws {
        try expectRejected("missing field 'layers'") { $0["layers"] = nil }
        try expectRejected("field 'version' must be a whole number") { $0["version"] = "one" }
        try expectRejected("precision 'half'") { $0["precision"] = "half" }
        try expectRejected("unknownLoss") { $0["loss"] = "unknownLoss" }
    }

    @Test("weights or bias of the wrong shape") func wrongShapes() throws {
        try expectRejected("weights must have shape (4, 5), found (5, 4)") { object in
            Self.editLayer(0, &object) {
                $0["weights"] = [
                    "rows": 5, "columns": 4, "values": Array(repeating: Array(repeating: 0.5, count: 4), count: 5),
                ]
            }
        }
        try expectRejected("bias must have shape (1, 5), found (1, 4)") { object in
            Self.editLayer(0, &object) { $0["bias"] = ["rows": 1, "columns": 4, "values": [[0.0, 0.0, 0.0, 0.0]]] }
        }
        try expectRejected("weights must have shape (5, 3), found none") { object in
            Self.editLayer(1, &object) { $0["weights"] = nil }
        }
        // Nested rows that do not form the declared shape.
        try expectRejected("values do not form the declared shape (4, 5)") { object in
            Self.editLayer(0, &object) { layer in
                var weights = layer["weights"] as! [String: Any]
                var values = weights["values"] as! [[Double]]
                values[2].removeLast()
                weights["values"] = values
                layer["weights"] = weights
            }
        }
    }

    @Test("layers that do not chain") func nonChaining() throws {
        try expectRejected("layer 1 expects 6 inputs but the previous layer gives 5") { object in
            Self.editLayer(1, &object) { layer in
                layer["inputSize"] = 6
                layer["weights"] = ["rows": 6, "columns": 3, "values": Array(repeating: [0.1, 0.2, 0.3], count: 6)]
            }
        }
        try expectRejected("layer 0 is an activation") { object in
            var layers = object["layers"] as! [[String: Any]]
            layers.insert(["type": "activation", "activation": "relu"], at: 0)
            object["layers"] = layers
        }
        try expectRejected("no layers") { $0["layers"] = [Any]() }
    }

    @Test("non-finite weights") func nonFinite() throws {
        let sentinel = 123456.5
        let edit: (inout [String: Any]) -> Void = { object in
            Self.editLayer(1, &object) { layer in
                var weights = layer["weights"] as! [String: Any]
                var values = weights["values"] as! [[Double]]
                values[1][2] = sentinel
                weights["values"] = values
                layer["weights"] = weights
            }
        }
        // JSON has no nan or infinity literal; an overflowing number is the way one gets in, and the
        // JSON reader refuses it before validation sees it.
        try expectRejected("corrupt JSON", edit: edit, text: { $0.replacingOccurrences(of: "123456.5", with: "1e999") })
        try expectRejected("corrupt JSON", edit: edit, text: { $0.replacingOccurrences(of: "123456.5", with: "NaN") })
        // A network whose weights turned non-finite is refused when saving, and the old file stays.
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("model.json").path
        let network = modelNetwork(Double.self)
        try network.save(to: path, loss: .meanSquaredError)
        let old = try Data(contentsOf: URL(fileURLWithPath: path))
        network.parameters[1].value[0, 0] = .nan
        #expect(throws: NetworkError.self) { try network.save(to: path, loss: .meanSquaredError) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == old)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["model.json"])
    }

    @Test("unknown layer type") func unknownLayer() throws {
        try expectRejected("layer 2 has unknown type 'convolution'") { object in
            Self.editLayer(2, &object) { $0["type"] = "convolution" }
        }
        try expectRejected("activation") { object in
            Self.editLayer(2, &object) { $0["activation"] = "swish" }
        }
    }

    @Test("class names and input transform must fit the network") func extras() throws {
        try expectRejected("2 class names for 3 outputs") { $0["classNames"] = ["a", "b"] }
        try expectRejected("field 'inputTransform': 3 offsets and 4 scales for the model's 4 inputs") {
            $0["inputTransform"] = ["offset": [0, 0, 0], "scale": [1, 1, 1, 1]]
        }
        try expectRejected("field 'targetTransform': 1 offsets and 1 scales for the model's 3 outputs") {
            $0["targetTransform"] = ["offset": [0], "scale": [1]]
        }
        try expectRejected("field 'targetTransform.scale.1': 0.0 is not a scale from 1e-30 to 1e+30") {
            $0["targetTransform"] = ["offset": [0, 0, 0], "scale": [1, 0, 1]]
        }
    }

    @Test("a failed write throws writeFailed, keeps the old file and leaves no temporary file")
    func failedWriteKeepsOldFile() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let network = modelNetwork(Double.self)
        // The target is a non-empty directory: the temporary file is written, the rename fails.
        let target = directory.appendingPathComponent("model.json")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: false)
        try Data("old".utf8).write(to: target.appendingPathComponent("keep"))
        #expect {
            try network.save(to: target.path, loss: .meanSquaredError)
        } throws: { error in
            guard case .writeFailed(let path, _) = error as? NetworkError else { return false }
            return path == target.path
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["model.json"])
        #expect(try Data(contentsOf: target.appendingPathComponent("keep")) == Data("old".utf8))
        // A folder that does not exist: nothing is created.
        let nowhere = directory.appendingPathComponent("missing/model.json").path
        #expect(throws: NetworkError.self) { try network.save(to: nowhere, loss: .meanSquaredError) }
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("missing").path))
    }

    @Test(
        "an unwritable folder: the save fails and the old file survives unchanged",
        .enabled(if: getuid() != 0, "root writes anywhere"))
    func unwritableDirectory() throws {
        let directory = try temporaryDirectory()
        defer {
            chmod(directory.path, 0o755)
            try? FileManager.default.removeItem(at: directory)
        }
        let network = modelNetwork(Double.self)
        let path = directory.appendingPathComponent("model.json").path
        try network.save(to: path, loss: .meanSquaredError)
        let old = try Data(contentsOf: URL(fileURLWithPath: path))
        chmod(directory.path, 0o555)
        network.parameters[0].value[0, 0] = 7
        #expect(throws: NetworkError.self) { try network.save(to: path, loss: .meanSquaredError) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == old)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["model.json"])
    }
}
