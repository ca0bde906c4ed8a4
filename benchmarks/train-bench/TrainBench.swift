// train-bench: the training workloads of PEERS.md, timed the same way in every run.
//   overlap         a dense layer's two backward products one after the other and side by side (Overlap.swift)
//   subnormal       a float product of subnormal operands with and without flush-to-zero (Subnormal.swift)
//   xor             the first notebook's 60,000 full-batch steps of the 3-4-1 sigmoid network
//   fashion-mnist   epochs of 784-256-128-10 ReLU, batch 128, SGD momentum 0.9, lr 0.05, softmax
//                   cross-entropy, beside the floor: the epoch's matrix products called raw on
//                   preallocated buffers.
import ArgumentParser
import CBLAS
import Foundation
import Network
import Tensor
import TensorIO

@main
struct TrainBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-bench",
        abstract: "Time the notebook XOR run and Fashion-MNIST epochs against their floor.",
        subcommands: [
            XORBenchmark.self, FashionBenchmark.self, ConvolutionBenchmark.self, ElementwiseBenchmark.self,
            SubnormalBenchmark.self, OverlapBenchmark.self,
        ])
}

/// Monotonic time in seconds.
func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1
        ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

/// What one benchmark prints as JSON with `--json`.
struct Record: Codable {
    var workload: String
    var precision: String
    var threads: Int
    var seconds: [Double]
    var medianSeconds: Double
    var floorSeconds: Double?
    var ratioToFloor: Double?
    /// Seconds per epoch spent outside the matrix products: each timed epoch of ours minus the floor epoch timed
    /// next to it (the same products called raw), median over the pairs after the first. Negative when our
    /// products run faster than the floor's (the floor scales its momentum buffer in a pass of OpenBLAS's own).
    var nonProductSeconds: Double?
    var testAccuracy: Double?
    var note: String?
}

func emit(_ records: [Record], json: String?) throws {
    guard let json else { return }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try encoder.encode(records).write(to: URL(fileURLWithPath: json))
}

struct XORBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "xor", abstract: "Time the first notebook's 60,000 full-batch steps (3-4-1 sigmoid).")

    @Option(help: "Repetitions of the whole run; the median is reported.")
    var repeats = 7

    @Option(help: "Write the results as JSON to this file.")
    var json: String?

    func run() throws {
        let inputs: Matrix<Double> = [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]]
        let targets: Matrix<Double> = [[0], [1], [1], [0]]
        var times: [Double] = []
        var lastError = 0.0
        for _ in 0..<(repeats + 1) {
            var random = NumpyRandomState(seed: 1)
            let network = Sequential<Double>(
                [
                    Dense(
                        inputSize: 3, outputSize: 4, bias: false, activation: .sigmoid,
                        weightInitializer: .uniform(low: -1, high: 1)),
                    Dense(
                        inputSize: 4, outputSize: 1, bias: false, activation: .sigmoid,
                        weightInitializer: .uniform(low: -1, high: 1)),
                ], generator: &random)
            let started = now()
            let history = try network.fit(
                inputs, targets, loss: .halfSumSquaredError, optimizer: Optimizer(.sgd, learningRate: 1),
                options: TrainingOptions(epochs: 60_000, metrics: [.meanAbsoluteError]), random: &random)
            times.append(now() - started)
            lastError = history.metrics[.meanAbsoluteError]!.last!
        }
        times.removeFirst()  // warm-up
        let middle = median(times)
        print(
            String(
                format:
                    "xor (notebook 000, 60,000 steps): median %.4f s over %d runs (min %.4f, max %.4f); final mean |error| %.15g",
                middle, times.count, times.min()!, times.max()!, lastError))
        try emit(
            [
                Record(
                    workload: "xor-notebook-000", precision: "double", threads: BLASLibrary.threadCount,
                    seconds: times, medianSeconds: middle)
            ], json: json)
    }
}

enum Precision: String, ExpressibleByArgument, CaseIterable {
    case float, double
}

struct FashionBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fashion-mnist",
        abstract:
            "Time Fashion-MNIST epochs (784-256-128-10 ReLU, batch 128, SGD momentum 0.9, lr 0.05) and their floor.")

    @Option(help: "The precision: float, double or both.")
    var precision: [Precision] = [.float, .double]

    @Option(help: "OpenBLAS thread counts to run with, comma-separated, such as 1,2,4,8,16 (default: 2).")
    var threads: String = "2"

    @Option(help: "Epochs to time for each configuration (the first is also timed; all are reported).")
    var epochs = 3

    @Option(help: "The folder holding the Fashion-MNIST IDX files.")
    var dataset = "/usr/share/datasets/fashion-mnist"

    @Option(help: "Write the results as JSON to this file.")
    var json: String?

    @Flag(inversion: .prefixedNo, help: "Measure the raw-product floor of an epoch.")
    var floor = true

    @Flag(
        name: .customLong("no-flush-to-zero"),
        help: "Keep subnormal numbers in float training (by default fit flushes them to zero in float).")
    var noFlushToZero = false

    func validate() throws {
        _ = try parsedThreads()
    }

    func parsedThreads() throws -> [Int] {
        try threads.split(separator: ",").map { text in
            guard let count = Int(text.trimmingCharacters(in: .whitespaces)), count >= 1, count <= 1024 else {
                throw ValidationError("--threads: '\(text)' is not a thread count between 1 and 1024")
            }
            return count
        }
    }

    func run() throws {
        var records: [Record] = []
        let threadCounts = try parsedThreads()
        print(
            "fashion-mnist: OpenBLAS \(BLASLibrary.coreName) kernels, \(Processor.current.usableCoreCount) usable cores"
        )
        for precision in precision {
            for threadCount in threadCounts {
                BLASLibrary.threadCount = threadCount
                switch precision {
                case .float: records.append(try measure(Float.self, threads: threadCount))
                case .double: records.append(try measure(Double.self, threads: threadCount))
                }
            }
        }
        if threadCounts.count > 1 || precision.count > 1 {
            print("\n| precision | threads | ours (s) | floor (s) | ours/floor | non-product (s) |")
            print("|---|---:|---:|---:|---:|---:|")
            for record in records {
                print(
                    String(
                        format: "| %@ | %d | %.3f | %.3f | %.2f | %.3f |", record.precision, record.threads,
                        record.medianSeconds, record.floorSeconds ?? .nan, record.ratioToFloor ?? .nan,
                        record.nonProductSeconds ?? .nan))
            }
            print(
                "non-product: our epoch minus the floor epoch timed beside it (the same products called raw), median of the pairs"
            )
        }
        try emit(records, json: json)
    }

    func measure<Scalar: MatrixScalar>(_ type: Scalar.Type, threads: Int) throws -> Record {
        let name = Scalar.self == Float.self ? "float" : "double"
        let trainImages: Matrix<Scalar> = try readIDXImages(
            from: "\(dataset)/train-images-idx3-ubyte.gz", as: Scalar.self)
        let trainLabels = try readIDXLabels(from: "\(dataset)/train-labels-idx1-ubyte.gz")
        let testImages: Matrix<Scalar> = try readIDXImages(
            from: "\(dataset)/t10k-images-idx3-ubyte.gz", as: Scalar.self)
        let testLabels = try readIDXLabels(from: "\(dataset)/t10k-labels-idx1-ubyte.gz")
        let trainTargets = oneHot(trainLabels, as: Scalar.self)
        let testTargets = oneHot(testLabels, as: Scalar.self)

        var random = NumpyRandomState(seed: 0)
        let network = Sequential<Scalar>(
            [
                Dense(inputSize: 784, outputSize: 256, activation: .relu, weightInitializer: .heUniform),
                Dense(inputSize: 256, outputSize: 128, activation: .relu, weightInitializer: .heUniform),
                Dense(inputSize: 128, outputSize: 10, activation: .identity, weightInitializer: .xavierUniform),
            ], generator: &random)
        let optimizer = Optimizer<Scalar>(.sgd(momentum: 0.9, nesterov: false), learningRate: 0.05)
        // Our epochs and the floor's alternate, so that both see the machine in the same state: on a
        // shared machine whose speed drifts, timing one after the other skews their ratio.
        let floorEpoch = self.floor ? FloorEpoch<Scalar>(samples: trainImages.rows) : nil
        floorEpoch?.run()  // warm-up
        var times: [Double] = [], floorTimes: [Double] = []
        for epoch in 0..<epochs {
            if let floorEpoch {
                let started = now()
                floorEpoch.run()
                floorTimes.append(now() - started)
            }
            let started = now()
            try network.fit(
                trainImages, trainTargets, loss: .softmaxCrossEntropy, optimizer: optimizer,
                options: TrainingOptions(
                    epochs: 1, batchSize: 128, initialEpoch: epoch,
                    flushesSubnormalsToZero: noFlushToZero ? false : nil), random: &random)
            times.append(now() - started)
        }
        let accuracy = try network.evaluate(testImages, testTargets, loss: .softmaxCrossEntropy, metrics: [.accuracy])
            .metrics[.accuracy]!
        // Epoch 1 of ours is a warm-up (workspaces, OpenBLAS buffers); its pair is left out with it.
        let steadyTimes = times.count > 1 ? Array(times.dropFirst()) : times
        let steadyFloor = floorTimes.count > 1 ? Array(floorTimes.dropFirst()) : floorTimes
        let steady = median(steadyTimes)
        let floor = steadyFloor.isEmpty ? Double.nan : median(steadyFloor)
        let ratio = steadyFloor.isEmpty ? Double.nan : median(zip(steadyTimes, steadyFloor).map { $0 / $1 })
        let nonProduct = steadyFloor.isEmpty ? Double.nan : median(zip(steadyTimes, steadyFloor).map { $0 - $1 })
        print(
            String(
                format:
                    "fashion-mnist %@ %d thread(s): epochs %@ s; median (after the first) %.3f s; floor %@ s, median %.3f s; ratio %.2f (median of the paired epochs); non-product %.3f s; test accuracy %.4f after %d epochs",
                name, threads, times.map { String(format: "%.3f", $0) }.joined(separator: ", "), steady,
                floorTimes.map { String(format: "%.3f", $0) }.joined(separator: ", "), floor, ratio, nonProduct,
                accuracy, epochs))
        return Record(
            workload: "fashion-mnist-epoch", precision: name, threads: threads, seconds: times,
            medianSeconds: steady, floorSeconds: steadyFloor.isEmpty ? nil : floor,
            ratioToFloor: steadyFloor.isEmpty ? nil : ratio,
            nonProductSeconds: steadyFloor.isEmpty ? nil : nonProduct, testAccuracy: accuracy)
    }

    func oneHot<Scalar: MatrixScalar>(_ labels: [Int], as type: Scalar.Type) -> Matrix<Scalar> {
        var targets = Matrix<Scalar>.zeros(rows: labels.count, columns: 10)
        for (row, label) in labels.enumerated() { targets[row, label] = 1 }
        return targets
    }
}

/// The epoch's 8 matrix products per batch, called raw on preallocated buffers: forward X·W for each
/// layer; backward dW = Aᵀ·dZ folded into the momentum buffer (beta 0.9) for each layer and dA = dZ·Wᵀ
/// for the two upper layers. ``run()`` times nothing itself: the caller pairs it with our epochs.
final class FloorEpoch<Scalar: MatrixScalar> {
    static var layerSizes: [Int] { [784, 256, 128, 10] }
    let sizes = FloorEpoch<Scalar>.layerSizes
    let batch = 128
    let samples: Int
    var activations: [[Scalar]]
    var gradients: [[Scalar]]
    let weights: [[Scalar]]
    var velocities: [[Scalar]]

    init(samples: Int) {
        func buffer(_ count: Int) -> [Scalar] {
            (0..<count).map { Scalar(Double(($0 * 7919) % 1000) / 1000 - 0.5) * Scalar(0.01) }
        }
        let sizes = Self.layerSizes
        self.samples = samples
        activations = sizes.map { buffer(128 * $0) }
        gradients = sizes.map { buffer(128 * $0) }
        weights = (0..<3).map { buffer(sizes[$0] * sizes[$0 + 1]) }
        velocities = (0..<3).map { buffer(sizes[$0] * sizes[$0 + 1]) }
    }

    /// One epoch of the products.
    func run() {
        let batches = (samples + batch - 1) / batch
        for batchIndex in 0..<batches {
            let rows = min(batch, samples - batchIndex * batch)
            for layer in 0..<3 {
                Self.gemm(
                    false, false, rows, sizes[layer + 1], sizes[layer], activations[layer], weights[layer], 0,
                    &activations[layer + 1])
            }
            for layer in (0..<3).reversed() {
                Self.gemm(
                    true, false, sizes[layer], sizes[layer + 1], rows, activations[layer], gradients[layer + 1], 0.9,
                    &velocities[layer])
                if layer > 0 {
                    Self.gemm(
                        false, true, rows, sizes[layer], sizes[layer + 1], gradients[layer + 1], weights[layer], 0,
                        &gradients[layer])
                }
            }
        }
    }

    /// `C = op(A)·op(B) + beta·C` through cblas, row-major, with `m × k` = op(A) and `k × n` = op(B).
    static func gemm(
        _ transposeA: Bool, _ transposeB: Bool, _ m: Int, _ n: Int, _ k: Int,
        _ a: [Scalar], _ b: [Scalar], _ beta: Scalar, _ c: inout [Scalar]
    ) {
        let lda = transposeA ? m : k, ldb = transposeB ? k : n
        let ta = transposeA ? CblasTrans : CblasNoTrans, tb = transposeB ? CblasTrans : CblasNoTrans
        if Scalar.self == Double.self {
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    c.withUnsafeMutableBufferPointer { c in
                        a.withMemoryRebound(to: Double.self) { a in
                            b.withMemoryRebound(to: Double.self) { b in
                                c.withMemoryRebound(to: Double.self) { c in
                                    cblas_dgemm(
                                        CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), 1, a.baseAddress,
                                        Int32(lda), b.baseAddress, Int32(ldb), Double(beta), c.baseAddress, Int32(n))
                                }
                            }
                        }
                    }
                }
            }
        } else {
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    c.withUnsafeMutableBufferPointer { c in
                        a.withMemoryRebound(to: Float.self) { a in
                            b.withMemoryRebound(to: Float.self) { b in
                                c.withMemoryRebound(to: Float.self) { c in
                                    cblas_sgemm(
                                        CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), 1, a.baseAddress,
                                        Int32(lda), b.baseAddress, Int32(ldb), Float(beta), c.baseAddress, Int32(n))
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
