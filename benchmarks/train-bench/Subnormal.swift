// train-bench subnormal: what subnormal operands cost a float product, with and without flush-to-zero. The
// shape is Fashion-MNIST's largest per batch (128 × 784 · 784 × 256, 25.7 million multiply-adds); the left
// operand is made of normal numbers, or of subnormals (2⁻¹³⁰ times 1 to 7), as the activations and gradients of
// a float run whose loss goes to 0 become. Intel cores take a microcode assist for every subnormal operand or
// result (the issue measured float epochs growing 0.57 → 1.72 s at 1 thread on Sapphire Rapids); AMD's Zen
// cores mostly do not, so there the three timings stay close.
import ArgumentParser
import Foundation
import Tensor

struct SubnormalBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subnormal",
        abstract: "Time a float product of subnormal operands with and without flush-to-zero.")

    @Option(help: "OpenBLAS thread counts to run with, comma-separated (default: 1,2).")
    var threads: String = "1,2"

    @Option(help: "Write the results as JSON to this file.")
    var json: String?

    struct Row: Codable {
        var operands: String
        var flushToZero: Bool
        var threads: Int
        /// Median seconds per product over 7 timings, each of enough products to take 50 ms.
        var seconds: Double
        var gigaflops: Double
    }

    func run() throws {
        let rows = 128, inner = 784, columns = 256
        let normal: Matrix<Float> = Matrix(
            rows: rows, columns: inner, scalars: (0..<rows * inner).map { Float(($0 * 7919) % 1000) / 1000 - 0.5 })
        let subnormal = Matrix<Float>(
            rows: rows, columns: inner,
            scalars: (0..<rows * inner).map { Float(sign: .plus, exponent: -130, significand: 1) * Float(1 + $0 % 7) })
        let right: Matrix<Float> = Matrix(
            rows: inner, columns: columns,
            scalars: (0..<inner * columns).map { Float(($0 * 104_729) % 1000) / 1000 - 0.5 })
        var output = Matrix<Float>.zeros(rows: rows, columns: columns)
        var results: [Row] = []
        print("subnormal: OpenBLAS \(BLASLibrary.coreName) kernels, \(Processor.current.usableCoreCount) usable cores")
        for threadCount in threads.split(separator: ",").compactMap({ Int($0) }) {
            BLASLibrary.threadCount = threadCount
            for (name, left) in [("normal", normal), ("subnormal", subnormal)] {
                for flushes in [false, true] {
                    let time = { () -> Double in
                        Self.medianSeconds { Matrix.multiply(left, right, into: &output) }
                    }
                    let seconds = flushes ? withFlushToZero(time) : time()
                    let row = Row(
                        operands: name, flushToZero: flushes, threads: threadCount, seconds: seconds,
                        gigaflops: 2 * Double(rows * inner * columns) / seconds / 1e9)
                    results.append(row)
                    print(
                        String(
                            format: "%-9@ operands, flush-to-zero %@, %d thread(s): %.3f ms per product, %.1f GFLOP/s",
                            name, flushes ? "on " : "off", threadCount, seconds * 1e3, row.gigaflops))
                }
            }
        }
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(results).write(to: URL(fileURLWithPath: json))
        }
    }

    /// The median of 7 timings of `body`, each repeated until it takes at least 50 ms, per call.
    static func medianSeconds(_ body: () -> Void) -> Double {
        body()
        var repeats = 1
        while true {
            let start = now()
            for _ in 0..<repeats { body() }
            if now() - start >= 0.05 { break }
            repeats *= 2
        }
        let times = (0..<7).map { _ -> Double in
            let start = now()
            for _ in 0..<repeats { body() }
            return (now() - start) / Double(repeats)
        }
        return median(times)
    }
}
