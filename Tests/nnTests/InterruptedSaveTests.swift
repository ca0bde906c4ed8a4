import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `kill -9` while `nn train` writes a checkpoint every epoch: the checkpoint on disk must always be a
/// whole one (its model parses with `nn info`, and the run resumes from it), and the `.NAME.PID.tmp`
/// files that the killed processes leave are removed by the next successful save.
@Suite struct InterruptedSaveTests {
    @Test func killDuringCheckpointsKeepsTheLastWholeCheckpoint() throws {
        let folder = try temporaryFolder()
        // 4,000 samples × 16 features: an epoch takes a few milliseconds, so saves follow each other closely.
        var csv = ""
        var state: UInt64 = 99
        for _ in 0..<4000 {
            var row: [String] = []
            var sum = 0.0
            for _ in 0..<16 {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                let value = Double(state >> 11) / Double(1 << 53)
                sum += value
                row.append(String(value))
            }
            csv += row.joined(separator: ",") + (sum > 8 ? ",1\n" : ",0\n")
        }
        try csv.write(to: folder.appendingPathComponent("data.csv"), atomically: true, encoding: .utf8)
        let checkpoint = folder.appendingPathComponent("run.checkpoint.safetensors")
        let arguments = [
            "train", "--data", "data.csv", "--layers", "48", "--batch-size", "500", "--epochs", "100000",
            "--checkpoint-every", "1", "--checkpoint", "run.checkpoint.safetensors", "--threads", "1", "--quiet",
            // The table defaults stop early after about 340 epochs (0.07 s): the run must outlive the kill.
            "--early-stopping", "100000",
        ]
        var generator = SystemRandomNumberGenerator()
        var killedProcesses: [Int32] = []
        for round in 0..<5 {
            let process = Process()
            process.executableURL = Executable.url
            process.arguments = round == 0 ? arguments : arguments + ["--resume", "run.checkpoint.safetensors"]
            process.currentDirectoryURL = folder
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            process.standardInput = FileHandle.nullDevice
            let before = (try? Data(contentsOf: checkpoint)) ?? Data()
            try process.run()
            // Wait for this process's first checkpoint, then kill it at a random moment among later saves.
            let deadline = Date().addingTimeInterval(30)
            while process.isRunning && Date() < deadline && ((try? Data(contentsOf: checkpoint)) ?? Data()) == before {
                usleep(2_000)
            }
            let delay = UInt32.random(in: 20_000...300_000, using: &generator)
            usleep(delay)
            #expect(
                process.isRunning, "round \(round): nn train ended before the kill: status \(process.terminationStatus)"
            )
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal)
            killedProcesses.append(process.processIdentifier)

            // The checkpoint is whole: a readable file whose model `nn info` reads.
            let data = try Data(contentsOf: checkpoint)
            let object = try legacyObject(data)
            #expect(object["format"] as? String == "swift-neural-numerics-checkpoint")
            let model = try JSONSerialization.data(withJSONObject: try #require(object["model"]))
            try model.write(to: folder.appendingPathComponent("model.safetensors"))
            let info = try Executable.run(["info", "--model", "model.safetensors"], in: folder)
            #expect(info.status == 0, "round \(round), killed after \(delay) µs: \(info.standardError)")
            #expect(info.standardOutput.contains("Dense(16 -> 48"))
        }

        // Resuming for one more epoch works, and removes the temporary files of the killed processes.
        let object = try legacyObject(Data(contentsOf: checkpoint))
        let epochsDone = try #require((object["progress"] as? [String: Any])?["epoch"] as? Int)
        let resumed = try Executable.run(
            [
                "train", "--data", "data.csv", "--resume", "run.checkpoint.safetensors", "--epochs",
                String(epochsDone + 1),
                "--checkpoint-every", "1", "--checkpoint", "run.checkpoint.safetensors", "--threads", "1", "--quiet",
            ], in: folder)
        #expect(resumed.status == 0, "\(resumed.standardError)")
        #expect(
            value(after: "Trained ", in: resumed.standardOutput)?.hasPrefix("1 epoch (\(epochsDone + 1) in all)")
                == true,
            "\(resumed.standardOutput)")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.isEmpty, "stale temporary files: \(leftovers)")
    }
}
