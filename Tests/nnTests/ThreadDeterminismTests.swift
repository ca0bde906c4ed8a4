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
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        var values: [Double] = [], labels: [Double] = []
        for _ in 0..<1024 {
            let label = Int(next() * 4)
            labels.append(Double(label))
            for feature in 0..<64 { values.append(next() - 0.5 + (feature % 4 == label ? 0.8 : 0)) }
        }
        try writeNPY(rows: 1024, columns: 64, values: values, to: url.appendingPathComponent("x.npy"))
        try writeNPY(rows: 1, columns: 1024, values: labels, to: url.appendingPathComponent("y.npy"), oneDimensional: true)
    }

    static func train(threads: Int, in folder: URL, save name: String) throws -> Data {
        let result = try Executable.run(
            ["train", "--data", "x.npy", "--targets-file", "y.npy", "--loss", "softmax-cross-entropy", "--layers", "256",
             "--epochs", "3", "--batch-size", "128", "--seed", "7", "--threads", String(threads), "--quiet", "--save", name],
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
