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
        let model = folder.appendingPathComponent("xor.json").path
        let archive = folder.appendingPathComponent("xor.npz").path
        let train = try Executable.run([
            "train", "--dataset", "xor", "--layers", "3", "--activation", "tanh", "--epochs", "50", "--precision", "double",
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
        // numpy compares every array with the model file's nested lists, exactly.
        let script = """
            import json, sys, numpy as np
            model = json.load(open(sys.argv[1])); arrays = np.load(sys.argv[2])
            names = sorted(arrays.files)
            assert names == ["input.offset", "input.scale", "layer0.bias", "layer0.weights", "layer1.bias", "layer1.weights", "model.json"], names
            meta = json.loads(arrays["model.json"])
            assert meta["formatVersion"] == 1 and [layer["activation"] for layer in meta["layers"]] == ["tanh", "sigmoid"], meta
            assert np.array_equal(arrays["input.scale"], np.ones((1, 2))), "an unscaled model exports the identity transform"
            for index, layer in enumerate(model["layers"]):
                if layer["type"] != "dense": continue
                for key in ("weights", "bias"):
                    expected = np.array(layer[key]["values"], dtype=np.float64)
                    actual = arrays[f"layer{index}.{key}"]
                    assert actual.dtype == np.float64 and actual.shape == expected.shape, (actual.dtype, actual.shape)
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
        let result = try Executable.run(["export", "--model", "missing.json", "--output", "weights.csv"])
        #expect(result.status == 64)
        #expect(result.standardError.contains("--output must end in .npz"))
    }
}
