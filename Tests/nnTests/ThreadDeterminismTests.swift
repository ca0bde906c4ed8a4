import Foundation
import Testing

/// Seeded training is bit-identical across runs at the same OpenBLAS thread count, with products large enough
/// that OpenBLAS threads them (M·N·K above 262,144). Across thread counts results may differ in the last bits
/// (README, "Threads"); that is measured, not tested.
@Suite struct ThreadDeterminismTests {
    /// 1,024 rows of 64 features and 4 classes; with 256 hidden units the forward product of a 128-row batch is
    /// 128·64·256 = 2.1 million multiply-adds, threaded by OpenBLAS.
    static func writeData(to url: URL) throws {
        var state: UInt64 = 2024
        func next() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
        var values: [Double] = [], labels: [Double] = []
        for _ in 0..<1024 {
            let label = Int(next() * 4)
            labels.append(Double(label))
            for feature in 0..<64 { values.append(next() - 0.5 + (feature % 4 == label ? 0.8 : 0)) }
        }
        try writeNPY(rows: 1024, columns: 64, values: values, to: url.appendingPathComponent("x.npy"))
        try writeNPY(
            rows: 1, columns: 1024, values: labels, to: url.appendingPathComponent("y.npy"), oneDimensional: true)
    }

    static func train(threads: Int, in folder: URL, save name: String) throws -> Data {
        let result = try Executable.run(
            [
                "train", "--data", "x.npy", "--targets-file", "y.npy", "--loss", "softmax-cross-entropy", "--layers",
                "256",
                "--epochs", "3", "--batch-size", "128", "--seed", "7", "--threads", String(threads), "--quiet",
                "--save", name,
            ],
            in: folder)
        #expect(result.status == 0, "\(result.standardError)")
        return try Data(contentsOf: folder.appendingPathComponent(name))
    }

    @Test func seededRunsAreBitIdenticalAtTheSameThreadCount() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.writeData(to: folder)
        for threads in [1, 2] {
            let first = try Self.train(threads: threads, in: folder, save: "a\(threads).json")
            let second = try Self.train(threads: threads, in: folder, save: "b\(threads).json")
            #expect(first == second, "two seeded runs at \(threads) thread(s) saved different models")
        }
    }
}

/// `nn train`'s thread count and its source (README, "The thread rule"): `ThreadRule` from one batch's forward
/// multiply-adds (1 thread up to 1 million, 2 up to 3 million, 3 up to 6 million, ...; at most the usable
/// cores), `--threads` and OPENBLAS_NUM_THREADS as given; the header and `--json` say which.
@Suite struct ThreadDefaultTests {
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> CommandResult {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try ThreadDeterminismTests.writeData(to: folder)
        let result = try Executable.run(
            [
                "train", "--data", "x.npy", "--targets-file", "y.npy", "--loss", "softmax-cross-entropy", "--epochs",
                "1",
                "--batch-size", "128",
            ]  // the rule depends on the batch (tables default to 32)
                + arguments, in: folder, environment: environment)
        #expect(result.status == 0, "\(result.standardError)")
        return result
    }

    static func header(_ arguments: [String], environment: [String: String] = [:]) throws -> String {
        let result = try run(arguments, environment: environment)
        return try #require(
            result.standardOutput.split(separator: "\n").first { $0.hasPrefix("Training ") }.map(String.init))
    }

    static var usableCores: Int {
        get throws {
            let result = try Executable.run(["doctor", "--json"], environment: ["NN_KEEP_BLAS_KERNELS": "1"])
            let object = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
            return try #require(object?["usableCores"] as? Int)
        }
    }

    static let unset = ["OPENBLAS_NUM_THREADS": "", "GOTO_NUM_THREADS": "", "OMP_NUM_THREADS": ""]

    /// `N thread(s)` for the rule's count on this machine's usable cores.
    static func ruleThreads(_ multiplyAdds: Int) throws -> String {
        // The boundaries of ThreadRule, k · T (T − 1) with k = 500,000, written out as an independent check.
        let boundaries = [0, 1_000_000, 3_000_000, 6_000_000, 10_000_000, 15_000_000, 21_000_000, 28_000_000]
        let best = boundaries.lastIndex { multiplyAdds > $0 }! + 1
        let count = min(best, try usableCores)
        return "\(count) thread\(count == 1 ? "" : "s")"
    }

    @Test func smallNetworkTrainsOnOneThread() throws {
        // 128 × (64·16 + 16 + 16·4 + 4) = 141,824 multiply-adds per batch.
        let text = try Self.header(["--layers", "16"], environment: Self.unset)
        #expect(text.contains(", 1 thread by the thread rule for 0.1 M multiply-adds a step"), "\(text)")
    }

    @Test func theFirstThresholdIsOneMillionMultiplyAdds() throws {
        // 128 × (64·100 + 100 + 100·4 + 4) = 883,712 multiply-adds per batch: one thread;
        // 128 × (64·128 + 128 + 128·4 + 4) = 1,131,008: two, where there are two cores.
        #expect(
            try Self.header(["--layers", "100"], environment: Self.unset).contains(
                ", 1 thread by the thread rule for 0.9 M"))
        let text = try Self.header(["--layers", "128"], environment: Self.unset)
        #expect(
            text.contains(", \(try Self.ruleThreads(1_131_008)) by the thread rule for 1.1 M multiply-adds a step"),
            "\(text)")
    }

    @Test func largeNetworkTakesTheRulesCount() throws {
        // 128 × (64·1024 + 1024 + 1024·4 + 4) = 9,044,480 multiply-adds per batch: 4 threads, at most the cores.
        let text = try Self.header(["--layers", "1024"], environment: Self.unset)
        #expect(
            text.contains(", \(try Self.ruleThreads(9_044_480)) by the thread rule for 9.0 M multiply-adds a step"),
            "\(text)")
    }

    @Test func optionAndEnvironmentWin() throws {
        #expect(
            try Self.header(["--layers", "16", "--threads", "2"], environment: Self.unset).contains(
                ", 2 threads by --threads"))
        var environment = Self.unset
        environment["OPENBLAS_NUM_THREADS"] = "1"
        #expect(
            try Self.header(["--layers", "1024"], environment: environment).contains(
                ", 1 thread by OPENBLAS_NUM_THREADS"))
    }

    @Test func jsonSaysTheCountAndItsSource() throws {
        func threads(_ arguments: [String], environment: [String: String] = Self.unset) throws -> [String: Any] {
            let result = try Self.run(["--layers", "16", "--json"] + arguments, environment: environment)
            let object = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
            return try #require(object?["threads"] as? [String: Any], "\(result.standardOutput)")
        }
        let rule = try threads([])
        #expect(rule["count"] as? Int == 1)
        #expect(rule["source"] as? String == "thread rule")
        #expect(rule["multiplyAddsPerStep"] as? Int == 141_824)
        let option = try threads(["--threads", "2"])
        #expect(option["count"] as? Int == 2)
        #expect(option["source"] as? String == "option")
        var environment = Self.unset
        environment["OMP_NUM_THREADS"] = "1"
        #expect(try threads([], environment: environment)["source"] as? String == "environment (OMP_NUM_THREADS)")
    }
}
