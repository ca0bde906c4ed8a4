// train-bench elementwise: the Tensor operations a training step spends its non-product time in,
// in GB/s against memcpy of the same bytes in the same run ("memory speed").
import ArgumentParser
import Foundation
import Tensor

struct ElementwiseBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "elementwise",
        abstract: "Time elementwise operations and reductions against memcpy (GB/s).")

    @Option(help: "Element counts, comma-separated (default: 2^18 (in cache), 2^24 (in memory)).")
    var counts: String = "262144,16777216"

    @Option(help: "Write the results as JSON to this file.")
    var json: String?

    struct Row: Codable {
        var operation: String
        var precision: String
        var count: Int
        var seconds: Double
        var gigabytesPerSecond: Double
        var fractionOfCopy: Double
    }

    func run() throws {
        var rows: [Row] = []
        for count in counts.split(separator: ",").compactMap({ Int($0) }) {
            rows += measure(Float.self, count: count)
            rows += measure(Double.self, count: count)
        }
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(rows).write(to: URL(fileURLWithPath: json))
        }
    }

    /// The median of 7 timings of `body`, each repeated until it takes at least 20 ms.
    func time(_ body: () -> Void) -> Double {
        var repeats = 1
        while true {
            let started = now()
            for _ in 0..<repeats { body() }
            if now() - started > 0.02 { break }
            repeats *= 2
        }
        var samples: [Double] = []
        for _ in 0..<7 {
            let started = now()
            for _ in 0..<repeats { body() }
            samples.append((now() - started) / Double(repeats))
        }
        return median(samples)
    }

    func measure<Scalar: MatrixScalar>(_ type: Scalar.Type, count: Int) -> [Row] {
        let name = Scalar.self == Float.self ? "float" : "double"
        let size = MemoryLayout<Scalar>.stride
        var random = FastRandom(seed: 7)
        let a = Matrix<Scalar>.uniform(rows: count / 256, columns: 256, low: -1, high: 1, using: &random)
        let b = Matrix<Scalar>.uniform(rows: count / 256, columns: 256, low: -1, high: 1, using: &random)
        let bias = Matrix<Scalar>.uniform(rows: 1, columns: 256, low: -1, high: 1, using: &random)
        var target = a
        var source = a.scalars
        var destination = [Scalar](repeating: 0, count: count)
        var sink: Scalar = 0
        let copySeconds = time {
            source.withUnsafeMutableBufferPointer { s in
                destination.withUnsafeMutableBufferPointer { d in
                    _ = memcpy(d.baseAddress!, s.baseAddress!, count * size)
                }
            }
        }
        let copyRate = Double(2 * count * size) / copySeconds / 1e9
        var rows = [
            Row(
                operation: "memcpy", precision: name, count: count, seconds: copySeconds, gigabytesPerSecond: copyRate,
                fractionOfCopy: 1)
        ]
        func add(_ operation: String, bytes: Int, _ body: () -> Void) {
            let seconds = time(body)
            let rate = Double(bytes * size) / seconds / 1e9
            rows.append(
                Row(
                    operation: operation, precision: name, count: count, seconds: seconds, gigabytesPerSecond: rate,
                    fractionOfCopy: rate / copyRate))
        }
        add("c = a + b (allocating)", bytes: 3 * count) { sink += (a + b)[0, 0] }
        add("a += b (in place)", bytes: 3 * count) { target += b }
        add("a += bias row (broadcast)", bytes: 2 * count) { target += bias }
        add("relu(a + bias) in place", bytes: 2 * count) { target.combine(with: bias) { relu($0 + $1) } }
        add("relu(a) (allocating)", bytes: 2 * count) { sink += relu(a)[0, 0] }
        add("a.sum()", bytes: count) { sink += a.sum() }
        add("a.sum(axis: 0)", bytes: count) { sink += a.sum(axis: 0)[0, 0] }
        add("a.max()", bytes: count) { sink += a.max() }
        add("exp(a) (allocating)", bytes: 2 * count) { sink += exp(a)[0, 0] }
        print(
            "\(name), \(count) elements (\(count * size / 1024) KiB per operand): memcpy \(String(format: "%.1f", copyRate)) GB/s"
        )
        for row in rows.dropFirst() {
            print(
                "  " + row.operation.padding(toLength: 28, withPad: " ", startingAt: 0)
                    + String(
                        format: "%7.1f GB/s  %5.2f of memcpy  %8.3f ns/element", row.gigabytesPerSecond,
                        row.fractionOfCopy, row.seconds / Double(count) * 1e9))
        }
        if sink.isNaN { print("") }
        return rows
    }
}
