import Foundation
import Testing

/// `nn export`: the model's weights as an .npz file, read back by numpy when it is installed.
@Suite struct ExportCommandTests {
    /// Whether python3 with numpy can run here.
    static let numpyAvailable: Bool = {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import numpy"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }()

    @Test func exportedWeightsEqualTheModelFile() throws {
        let folder = try temporaryFolder()
        let model = folder.appendingPathComponent("xor.safetensors").path
        let archive = folder.appendingPathComponent("xor.npz").path
        let train = try Executable.run([
            "train", "--dataset", "xor", "--layers", "3", "--activation", "tanh", "--epochs", "50", "--precision",
            "double",
            "--save", model, "--quiet",
        ])
        #expect(train.status == 0, "\(train.standardError)")
        let export = try Executable.run(["export", "--model", model, "--output", archive])
        #expect(export.status == 0, "\(export.standardError)")
        #expect(export.standardOutput.contains("layer0.weights"))
        guard Self.numpyAvailable else {
            print("numpy is not installed: skipping the check that numpy reads the archive")
            return
        }
        // numpy compares every array with the model file's (version 2: safetensors layout), exactly.
        let script = """
            import json, struct, sys, numpy as np
            data = open(sys.argv[1], "rb").read(); length = struct.unpack("<Q", data[:8])[0]
            header = json.loads(data[8:8 + length]); arrays = np.load(sys.argv[2])
            names = sorted(arrays.files)
            assert names == ["input.offset", "input.scale", "layer0.bias", "layer0.weights", "layer1.bias", "layer1.weights", "model.json"], names
            meta = json.loads(arrays["model.json"])
            assert meta["formatVersion"] == 1 and [layer["activation"] for layer in meta["layers"]] == ["tanh", "sigmoid"], meta
            assert all(sorted(layer) == ["activation", "type"] for layer in meta["layers"]), "a dense model keeps version 1's layout"
            assert np.array_equal(arrays["input.scale"], np.ones((1, 2))), "an unscaled model exports the identity transform"
            for name, entry in header.items():
                if name == "__metadata__": continue
                begin, end = entry["data_offsets"]
                dtype = {"F32": "<f4", "F64": "<f8"}[entry["dtype"]]
                expected = np.frombuffer(data[8 + length + begin:8 + length + end], dtype=dtype).reshape(entry["shape"])
                _, index, key = name.split(".")
                actual = arrays[f"layer{index}.{key}"]
                assert actual.dtype == expected.dtype and actual.shape == expected.shape, (actual.dtype, actual.shape)
                assert np.array_equal(actual, expected), key
            print("ok")
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, model, archive]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0 && output.contains("ok"), "numpy: \(output)")
    }

    @Test func rejectsAnOutputThatIsNotNpz() throws {
        let result = try Executable.run(["export", "--model", "missing.safetensors", "--output", "weights.csv"])
        #expect(result.status == 64)
        #expect(result.standardError.contains("--output must end in .npz"))
    }
}
