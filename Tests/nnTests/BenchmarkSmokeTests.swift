import Foundation
import Testing

/// The benchmark executables build and run in their quick modes, so that they cannot rot.
/// (Speed is measured by running them, not asserted here.)
@Suite struct BenchmarkSmokeTests {
    @Test func gemmBenchQuickModeChecksItsProducts() throws {
        let result = try Executable.run(
            ["--quick", "--precision", "double", "--threads", "1"], executable: "gemm-bench")
        #expect(result.status == 0, "\(result.standardError)")
        #expect(!result.crashed)
        #expect(
            result.standardOutput.contains("128×784·784×256") || result.standardOutput.contains("GFLOP"),
            "\(result.standardOutput.prefix(400))")
    }

    @Test func trainBenchRunsTheNotebookWorkload() throws {
        let result = try Executable.run(["xor", "--repeats", "1"], executable: "train-bench")
        #expect(result.status == 0, "\(result.standardError)")
        // The run must also reproduce the notebook: its final mean |error| is the training's own.
        #expect(result.standardOutput.contains("60,000 steps"))
        #expect(result.standardOutput.contains("final mean |error| 0.00318353"))
    }
}
