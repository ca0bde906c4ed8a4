import Foundation
import Testing

/// Convolutional networks through `nn predict`, `nn export` (npz and torch) and `nn import` (#25).
/// The model files, their input rows and PyTorch's outputs for them are fixtures
/// (`scripts/fixtures/cnn_export_fixtures.py`): a double classifier with convolutions (same with
/// the odd zero after the image, valid, stride 2, no bias), batch normalization over channels and
/// features, max and average pooling, dropout and dense layers; a float regressor with global
/// average pooling. `benchmarks/torch-cnn-roundtrip.py` loads the torch exports into PyTorch itself.
@Suite struct ConvolutionalExportTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

    /// The largest difference between `a` and `b` relative to the largest magnitude of `b`.
    static func relativeDifference(_ a: [Double], _ b: [Double]) -> Double {
        let scale = b.map(abs).max() ?? 1
        return zip(a, b).map { abs($0 - $1) }.max()! / scale
    }

    /// The shape and values of a little-endian `<f8` or `<f4` C-order `.npy` file.
    static func readNPY(_ path: String) throws -> (shape: [Int], values: [Double]) {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let length = Int(data[8]) | Int(data[9]) << 8
        let header = String(decoding: data[10..<(10 + length)], as: UTF8.self)
        let shapeText = try #require(header.range(of: #"\(([0-9, ]*)\)"#, options: .regularExpression))
        let shape = header[shapeText].dropFirst().dropLast().split(separator: ",").compactMap {
            Int($0.trimmingCharacters(in: .whitespaces))
        }
        let body = data[(10 + length)...]
        let double = header.contains("<f8")
        #expect(double || header.contains("<f4"), "\(header)")
        let width = double ? 8 : 4
        let values = stride(from: body.startIndex, to: body.endIndex, by: width).map { start in
            let bits = body[start..<(start + width)].enumerated().reduce(UInt64(0)) {
                $0 | UInt64($1.element) << (8 * UInt64($1.offset))
            }
            return double ? Double(bitPattern: bits) : Double(Float(bitPattern: UInt32(bits)))
        }
        #expect(values.count == shape.reduce(1, *))
        return (shape, values)
    }

    /// `nn predict`'s outputs for a fixture's rows (probabilities for the classifier) as `.npy`.
    static func predict(_ model: String, name: String, in folder: URL) throws -> [Double] {
        let output = folder.appendingPathComponent("\(name)-\(UUID().uuidString).npy").path
        var arguments = ["predict", "--model", model, "--data", fixture("cnn-\(name)-images.npy"), "--output", output]
        if name == "double" { arguments.append("--probabilities") }
        let result = try Executable.run(arguments)
        #expect(result.status == 0, "\(result.standardError)")
        return try readNPY(output).values
    }

    @Test func predictAgreesWithPyTorch() throws {
        let folder = try temporaryFolder()
        for (name, tolerance) in [("double", 1e-12), ("float", 1e-5)] {
            let ours = try Self.predict(Self.fixture("cnn-\(name).safetensors"), name: name, in: folder)
            let torch = try Self.readNPY(Self.fixture("cnn-\(name)-outputs.npy")).values
            #expect(ours.count == torch.count)
            let difference = Self.relativeDifference(ours, torch)
            #expect(difference <= tolerance, "\(name): \(difference)")
        }
    }

    /// The PyTorch modules of the double fixture, written out from its layer list: the mapping
    /// README's PyTorch section states.
    static let doubleSequential =
        "nn.Sequential(nn.Unflatten(1, (2, 12, 12)), nn.Conv2d(2, 3, 3, stride=1, padding=1), nn.ReLU(), "
        + "nn.BatchNorm2d(3, eps=1e-05, momentum=0.1), nn.MaxPool2d(3, stride=2), nn.ZeroPad2d((0, 1, 0, 1)), "
        + "nn.Conv2d(3, 4, 2, stride=1, padding=0, bias=False), nn.ReLU(), nn.Conv2d(4, 6, 3, stride=2, padding=1), "
        + "nn.Tanh(), nn.AvgPool2d(2, stride=1), nn.Dropout(p=0.25), nn.Flatten(), nn.Linear(24, 8), nn.ReLU(), "
        + "nn.BatchNorm1d(8, eps=1e-05, momentum=0.1), nn.Dropout(p=0.5), nn.Linear(8, 3))"

    @Test func torchExportIsTheStateDictOfTheEquivalentSequential() throws {
        let folder = try temporaryFolder()
        let model = Self.fixture("cnn-double.safetensors")
        let torch = folder.appendingPathComponent("cnn.pt.safetensors").path
        let export = try Executable.run(["export", "--format", "torch", "--model", model, "--output", torch])
        #expect(export.status == 0, "\(export.standardError)")
        #expect(export.standardOutput.contains("model = \(Self.doubleSequential).double().eval()"))
        #expect(export.standardOutput.contains("x: (samples, 288), float64; the model outputs logits"))

        let file = try TorchCommandTests.SafetensorsFile(path: torch)
        #expect(file.metadata["nn.sequential"] == Self.doubleSequential)
        #expect(file.metadata["nn.version"] == "2")
        let shapes: [String: [Int]] = [
            "1.weight": [3, 2, 3, 3], "1.bias": [3],
            "3.weight": [3], "3.bias": [3], "3.running_mean": [3], "3.running_var": [3], "3.num_batches_tracked": [],
            "6.weight": [4, 3, 2, 2], "8.weight": [6, 4, 3, 3], "8.bias": [6], "13.weight": [8, 24], "13.bias": [8],
            "15.weight": [8], "15.bias": [8], "15.running_mean": [8], "15.running_var": [8],
            "15.num_batches_tracked": [], "17.weight": [3, 8], "17.bias": [3],
        ]
        #expect(file.tensors.mapValues(\.shape) == shapes)
        for (name, tensor) in file.tensors {
            #expect(tensor.dtype == (name.hasSuffix("num_batches_tracked") ? "I64" : "F64"), "\(name)")
        }
        #expect(file.tensors["3.num_batches_tracked"]?.bytes.allSatisfy { $0 == 0 } == true)

        // The values are the model file's: convolution and batch-norm arrays as they are, dense
        // weights transposed.
        let native = try TorchCommandTests.SafetensorsFile(path: model)
        let same = [
            ("1.weight", "layers.0.weights"), ("1.bias", "layers.0.bias"), ("3.weight", "layers.1.scale"),
            ("3.bias", "layers.1.shift"), ("3.running_mean", "layers.1.runningMean"),
            ("3.running_var", "layers.1.runningVariance"), ("6.weight", "layers.3.weights"),
            ("8.weight", "layers.4.weights"), ("8.bias", "layers.4.bias"), ("13.bias", "layers.7.bias"),
            ("15.weight", "layers.8.scale"), ("15.running_var", "layers.8.runningVariance"),
        ]
        for (ours, theirs) in same { #expect(file.tensors[ours]?.bytes == native.tensors[theirs]?.bytes, "\(ours)") }
        let weights = native.tensors["layers.7.weights"]!.bytes, transposed = file.tensors["13.weight"]!.bytes
        for output in 0..<8 {
            for input in 0..<24 {
                let from = weights.startIndex + (input * 8 + output) * 8
                let to = transposed.startIndex + (output * 24 + input) * 8
                #expect(weights[from..<(from + 8)] == transposed[to..<(to + 8)])
            }
        }

        // nn reads the export back, directly and through nn import, to the same predictions.
        let imported = folder.appendingPathComponent("imported.safetensors").path
        let importing = try Executable.run(["import", "--model", torch, "--output", imported])
        #expect(importing.status == 0, "\(importing.standardError)")
        #expect(importing.standardOutput.contains("as \(Self.doubleSequential)"), "\(importing.standardOutput)")
        let expected = try Self.predict(model, name: "double", in: folder)
        #expect(try Self.predict(imported, name: "double", in: folder) == expected)
        #expect(try Self.predict(torch, name: "double", in: folder) == expected)
        let info = try Executable.run(["info", "--model", imported])
        #expect(info.status == 0 && info.standardOutput.contains("BatchNorm(8 features)"), "\(info.standardError)")
    }

    @Test func torchExportOfGlobalAveragePoolingInFloat() throws {
        let folder = try temporaryFolder()
        let model = Self.fixture("cnn-float.safetensors")
        let torch = folder.appendingPathComponent("gap.pt.safetensors").path
        let export = try Executable.run(["export", "--format", "torch", "--model", model, "--output", torch])
        #expect(export.status == 0, "\(export.standardError)")
        let sequential =
            "nn.Sequential(nn.Unflatten(1, (1, 7, 7)), nn.Conv2d(1, 4, 3, stride=1, padding=0), nn.ReLU(), "
            + "nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 2))"
        // No dropout or batch normalization: no eval() needed.
        #expect(export.standardOutput.contains("model = \(sequential)\n"), "\(export.standardOutput)")
        let file = try TorchCommandTests.SafetensorsFile(path: torch)
        #expect(
            file.tensors.mapValues(\.shape) == [
                "1.weight": [4, 1, 3, 3], "1.bias": [4], "5.weight": [2, 4], "5.bias": [2],
            ])
        #expect(file.tensors.values.allSatisfy { $0.dtype == "F32" })
        let imported = folder.appendingPathComponent("imported.safetensors").path
        #expect(try Executable.run(["import", "--model", torch, "--output", imported]).status == 0)
        #expect(
            try Self.predict(imported, name: "float", in: folder)
                == Self.predict(model, name: "float", in: folder))
    }

    @Test func importRefusesAnExportWithATensorMissing() throws {
        let folder = try temporaryFolder()
        let torch = folder.appendingPathComponent("cnn.pt.safetensors")
        let export = try Executable.run([
            "export", "--format", "torch", "--model", Self.fixture("cnn-double.safetensors"), "--output", torch.path,
        ])
        #expect(export.status == 0, "\(export.standardError)")
        // Renamed in the header (same length): the batch norm's running mean is gone.
        var data = try Data(contentsOf: torch)
        let range = try #require(data.range(of: Data("\"15.running_mean\"".utf8)))
        data.replaceSubrange(range, with: Data("\"15.running_mexn\"".utf8))
        try data.write(to: torch)
        let imported = folder.appendingPathComponent("imported.safetensors").path
        let result = try Executable.run(["import", "--model", torch.path, "--output", imported])
        #expect(result.status == 1)
        #expect(result.standardError.contains("tensor '15.running_mean' is missing"), "\(result.standardError)")
    }

    @Test func npzExportCarriesEachLayersSettings() throws {
        let folder = try temporaryFolder()
        let model = Self.fixture("cnn-double.safetensors")
        let archive = folder.appendingPathComponent("cnn.npz").path
        let export = try Executable.run(["export", "--model", model, "--output", archive])
        #expect(export.status == 0, "\(export.standardError)")
        #expect(
            export.standardOutput.contains("layer1.runningVariance") && export.standardOutput.contains("layer3.weights")
        )
        // numpy compares every layer's settings and arrays with the model file's own document and arrays.
        let script = """
            import json, struct, sys, numpy as np
            data = open(sys.argv[1], "rb").read(); length = struct.unpack("<Q", data[:8])[0]
            header = json.loads(data[8:8 + length]); document = json.loads(header["__metadata__"]["document"])
            archive = np.load(sys.argv[2]); meta = json.loads(archive["model.json"])
            assert meta["formatVersion"] == 2, meta["formatVersion"]
            assert [layer["type"] for layer in meta["layers"]] == [layer["type"] for layer in document["layers"]]
            for ours, theirs in zip(meta["layers"], document["layers"]):
                assert ours.get("settings") == theirs.get("settings"), (ours, theirs)
            assert meta["layers"][0]["settings"] == {"channels": 2, "height": 12, "width": 12, "filters": 3, "kernelSize": 3, "stride": 1, "padding": "same"}
            assert meta["layers"][8]["settings"] == {"features": 8, "epsilon": 1e-05, "momentum": 0.1}
            for name, entry in header.items():
                if name == "__metadata__": continue
                begin, end = entry["data_offsets"]
                expected = np.frombuffer(data[8 + length + begin:8 + length + end], dtype="<f8").reshape(entry["shape"])
                _, index, key = name.split(".")
                assert np.array_equal(archive[f"layer{index}.{key}"], expected), name
            print("ok")
            """
        guard ExportCommandTests.numpyAvailable else {
            print("numpy is not installed: skipping the check that numpy reads the settings and arrays")
            return
        }
        let run = try Self.pythonArguments(script, [model, archive], in: folder)
        #expect(run.status == 0 && run.output.contains("ok"), "numpy: \(run.output)")
    }

    /// Runs `script` with `arguments` (numpy available).
    static func pythonArguments(_ script: String, _ arguments: [String], in folder: URL) throws -> (
        status: Int32, output: String
    ) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + arguments
        process.currentDirectoryURL = folder
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    /// README's numpy forward pass (between the `numpy-cnn-predict` markers) on each fixture's
    /// export gives what `nn predict` writes: to 1e-12 in double, 1e-5 in float.
    @Test func readmeNumpyForwardPassReproducesPredict() throws {
        guard ExportCommandTests.numpyAvailable else {
            print("numpy is not installed: skipping the README numpy forward pass of a convolutional network")
            return
        }
        let readme = try String(
            contentsOf: Self.fixtures.deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("README.md"), encoding: .utf8)
        let start = try #require(readme.range(of: "<!-- numpy-cnn-predict -->\n```python\n"))
        let end = try #require(readme.range(of: "```\n<!-- /numpy-cnn-predict -->"))
        let function = String(readme[start.upperBound..<end.lowerBound])
        let folder = try temporaryFolder()
        var checks: [String] = []
        for (name, tolerance) in [("double", "1e-12"), ("float", "1e-5")] {
            let archive = folder.appendingPathComponent("\(name).npz").path
            let export = try Executable.run([
                "export", "--model", Self.fixture("cnn-\(name).safetensors"), "--output", archive,
            ])
            #expect(export.status == 0, "\(export.standardError)")
            let predicted = folder.appendingPathComponent("\(name)-predicted.npy").path
            var arguments = [
                "predict", "--model", Self.fixture("cnn-\(name).safetensors"), "--data",
                Self.fixture("cnn-\(name)-images.npy"), "--output", predicted,
            ]
            if name == "double" { arguments.append("--probabilities") }
            let predict = try Executable.run(arguments)
            #expect(predict.status == 0, "\(predict.standardError)")
            checks.append(
                """
                ours = nn_predict_images("\(archive)", np.load("\(Self.fixture("cnn-\(name)-images.npy"))"))
                expected = np.load("\(predicted)")
                assert ours.shape == expected.shape, (ours.shape, expected.shape)
                difference = np.abs(ours - expected).max() / np.abs(expected).max()
                assert difference <= \(tolerance), ("\(name)", difference)
                """)
        }
        let run = try Self.pythonArguments(
            function + "\n" + checks.joined(separator: "\n") + "\nprint(\"ok\")\n", [], in: folder)
        #expect(run.status == 0 && run.output.contains("ok"), "numpy: \(run.output)")
    }

    /// Writes `values` (`rows` × `columns`, or a vector when `columns` is nil) as a little-endian `<f8` `.npy` file.
    static func writeNPY(_ values: [Double], rows: Int, columns: Int?, to url: URL) throws {
        let shape = columns.map { "(\(rows), \($0))" } ?? "(\(rows),)"
        var header = "{'descr': '<f8', 'fortran_order': False, 'shape': \(shape), }"
        header += String(repeating: " ", count: (64 - (10 + header.count + 1) % 64) % 64) + "\n"
        var data = Data(
            [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 255), UInt8(header.utf8.count >> 8)])
        data.append(Data(header.utf8))
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        try data.write(to: url)
    }

    /// A mid-training checkpoint of a convolutional network with batch normalization and dropout
    /// resumes through `nn train --resume` to the weights and running statistics of the run that
    /// was not interrupted, bit for bit.
    @Test func checkpointedConvolutionalRunResumesBitForBit() throws {
        let folder = try temporaryFolder()
        var state: UInt64 = 25
        func next() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
        let images = (0..<(48 * 288)).map { _ in next() }
        let labels = (0..<48).map { Double(Int(images[$0 * 288] * 3)) }
        try Self.writeNPY(images, rows: 48, columns: 288, to: folder.appendingPathComponent("x.npy"))
        try Self.writeNPY(labels, rows: 48, columns: nil, to: folder.appendingPathComponent("y.npy"))
        let common = [
            "--init-from", Self.fixture("cnn-double.safetensors"), "--data", "x.npy", "--targets-file", "y.npy",
            "--batch-size", "16", "--early-stopping", "off", "-q",
        ]
        for arguments in [
            ["train"] + common + ["--epochs", "4", "--save", "whole.safetensors"],
            ["train"] + common + ["--epochs", "2", "--checkpoint-every", "2", "--save", "half.safetensors"],
            [
                "train", "--resume", "half.checkpoint.safetensors", "--data", "x.npy", "--targets-file", "y.npy",
                "--epochs", "4", "--save", "resumed.safetensors", "-q",
            ],
        ] {
            let result = try Executable.run(arguments, in: folder)
            #expect(result.status == 0, "\(arguments): \(result.standardError)")
        }
        let whole = try TorchCommandTests.SafetensorsFile(path: folder.appendingPathComponent("whole.safetensors").path)
        let half = try TorchCommandTests.SafetensorsFile(path: folder.appendingPathComponent("half.safetensors").path)
        let resumed = try TorchCommandTests.SafetensorsFile(
            path: folder.appendingPathComponent("resumed.safetensors").path)
        let original = try TorchCommandTests.SafetensorsFile(path: Self.fixture("cnn-double.safetensors"))
        #expect(Set(resumed.tensors.keys) == Set(whole.tensors.keys) && whole.tensors.count == 17)
        for (name, tensor) in whole.tensors { #expect(resumed.tensors[name]?.bytes == tensor.bytes, "\(name)") }
        // Training moved the running statistics, and the resumed epochs moved them again.
        for name in ["layers.1.runningMean", "layers.8.runningVariance"] {
            #expect(whole.tensors[name]?.bytes != original.tensors[name]?.bytes, "\(name)")
            #expect(whole.tensors[name]?.bytes != half.tensors[name]?.bytes, "\(name)")
        }
    }
}
