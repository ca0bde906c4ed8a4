import Foundation
import Testing

// `nn train --optimizer rmsprop|adamw` (issue 15): each rule trains a small table down, takes its
// PyTorch settings (`--alpha`, AdamW's decoupled `--weight-decay`), and a checkpoint resumes with it.

/// The JSON summary a `train --json` run printed.
private func summary(_ result: CommandResult) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
    return try #require(object, "not a JSON object: \(result.standardOutput) \(result.standardError)")
}

@Suite struct OptimizerCommandTests {
    @Test(arguments: ["rmsprop", "adamw"])
    func newOptimizersTrainTheLossDown(_ name: String) throws {
        let folder = try temporaryFolder()
        try writeSmallCSV(to: folder.appendingPathComponent("data.csv"))
        func finalLoss(epochs: Int, _ extra: [String] = []) throws -> Double {
            let result = try Executable.run(
                [
                    "train", "--data", "data.csv", "--optimizer", name, "--epochs", "\(epochs)", "--threads", "1",
                    "--json",
                ] + extra, in: folder)
            #expect(result.status == 0, "\(result.standardError)")
            let object = try summary(result)
            #expect(object["optimizer"] as? String == name)
            return try #require((object["keptEpoch"] as? [String: Any])?["loss"] as? Double)
        }
        let first = try finalLoss(epochs: 1), later = try finalLoss(epochs: 25)
        #expect(later < 0.8 * first, "\(name): loss \(first) after 1 epoch, \(later) after 25")
        // The rule's own setting changes the run (rmsprop's alpha; adamw's decoupled weight decay).
        let setting = name == "rmsprop" ? ["--alpha", "0.5"] : ["--weight-decay", "0.5"]
        #expect(try finalLoss(epochs: 25, setting) != later, "\(setting) made no difference")
    }

    @Test(arguments: ["rmsprop", "adamw"])
    func aCheckpointResumesWithTheSameOptimizer(_ name: String) throws {
        let folder = try temporaryFolder()
        try writeSmallCSV(to: folder.appendingPathComponent("data.csv"))
        let first = try Executable.run(
            [
                "train", "--data", "data.csv", "--optimizer", name, "--epochs", "4", "--checkpoint-every", "1",
                "--checkpoint", "run.checkpoint", "--threads", "1", "--quiet",
            ], in: folder)
        #expect(first.status == 0, "\(first.standardError)")
        // Resumed without --optimizer: the checkpoint's rule (and its moments) carries on.
        let resumed = try Executable.run(
            ["train", "--data", "data.csv", "--resume", "run.checkpoint", "--epochs", "8", "--threads", "1", "--json"],
            in: folder)
        #expect(resumed.status == 0, "\(resumed.standardError)")
        #expect(try summary(resumed)["optimizer"] as? String == name)
    }

    @Test func alphaOutsideItsRangeIsAUsageError() throws {
        let folder = try temporaryFolder()
        try writeSmallCSV(to: folder.appendingPathComponent("data.csv"))
        let result = try Executable.run(
            ["train", "--data", "data.csv", "--optimizer", "rmsprop", "--alpha", "1"], in: folder)
        #expect(
            result.status == 64 && result.standardError.contains("--alpha must be in [0, 1)"), "\(result.standardError)"
        )
    }
}
