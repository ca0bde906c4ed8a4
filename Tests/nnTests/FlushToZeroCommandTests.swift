import Foundation
import Testing

/// `nn train` flushes subnormal numbers to zero in float training by default, and `--no-flush-to-zero` keeps
/// them; double never flushes. The header and `--json` say which, with the source. `nn doctor` checks in a
/// process of its own that `withFlushToZero` reaches the calling thread and every OpenBLAS worker and puts
/// their mode back after.
@Suite struct FlushToZeroCommandTests {
    static func train(_ arguments: [String]) throws -> CommandResult {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try ThreadDeterminismTests.writeData(to: folder)
        let result = try Executable.run(
            [
                "train", "--data", "x.npy", "--targets-file", "y.npy", "--loss", "softmax-cross-entropy", "--epochs",
                "1", "--layers", "16",
            ] + arguments, in: folder)
        #expect(result.status == 0, "\(result.standardError)")
        return result
    }

    static func setting(_ arguments: [String]) throws -> (value: String?, source: String?) {
        let result = try train(arguments + ["--json"])
        let object = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
        let settings = try #require(object?["settings"] as? [String: Any], "\(result.standardOutput)")
        let setting = try #require(settings["flushToZero"] as? [String: Any], "\(settings.keys.sorted())")
        return (setting["value"] as? String, setting["source"] as? String)
    }

    @Test func floatFlushesByDefault() throws {
        let header = try Self.train([]).standardOutput
        #expect(header.contains(", float (subnormals flushed to zero), batch "), "\(header)")
        let setting = try Self.setting([])
        #expect(setting.value == "on" && setting.source == "precision default", "\(setting)")
    }

    @Test func theFlagKeepsSubnormals() throws {
        let header = try Self.train(["--no-flush-to-zero"]).standardOutput
        #expect(header.contains(", float (subnormals kept), batch "), "\(header)")
        let setting = try Self.setting(["--no-flush-to-zero"])
        #expect(setting.value == "off" && setting.source == "option", "\(setting)")
    }

    @Test func doubleNeverFlushes() throws {
        let header = try Self.train(["--precision", "double"]).standardOutput
        #expect(header.contains(", double, batch "), "\(header)")
        let setting = try Self.setting(["--precision", "double"])
        #expect(setting.value == "off" && setting.source == "precision default", "\(setting)")
    }

    @Test func doctorChecksEveryOpenBLASThreadAndTheRestore() throws {
        // Two OpenBLAS threads whatever the machine: the caller and one worker.
        let environment = ["OPENBLAS_NUM_THREADS": "2", "NN_KEEP_BLAS_KERNELS": "1"]
        let result = try Executable.run(["doctor", "--json"], environment: environment)
        #expect(result.status == 0, "\(result.standardError)")
        let object = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
        let check = try #require(object?["flushToZero"] as? [String: Any], "\(result.standardOutput)")
        guard check["supported"] as? Bool == true else { return }
        #expect(check["before"] as? [Bool] == [false, false], "\(check)")
        #expect(check["inside"] as? [Bool] == [true, true], "\(check)")
        #expect(check["after"] as? [Bool] == [false, false], "\(check)")
        let text = try Executable.run(["doctor"], environment: environment).standardOutput
        #expect(
            text.contains(
                "flush to zero: set on the calling thread and 1 OpenBLAS worker inside float training, and restored after"
            ),
            "\(text)")
    }
}
