// gemm-bench: how fast is a matrix product here, from a naive Swift loop to OpenBLAS, and what does
// Tensor's `Matrix` add on top of the raw CBLAS call? See BENCHMARKS.md for a full run's figures and
// benchmarks/run-gemm.sh for the run next to numpy and PyTorch.
import ArgumentParser
import Foundation
import Tensor

/// Which floating-point types to measure.
enum PrecisionChoice: String, ExpressibleByArgument, CaseIterable {
    case float, double, both
}

@main
struct GemmBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gemm-bench",
        abstract: "Times matrix products: naive Swift loops, Matrix.dot, Matrix.multiply(into:) and raw CBLAS.",
        discussion: """
            Every product is checked against a Double-accumulated reference before anything is reported; \
            a wrong result ends the run with a non-zero exit status. Swift loops run on one thread and are \
            skipped above --naive-max-size³ (naive) and --loop-max-size³ (cache-friendly) multiply-adds.
            """)

    @Flag(help: "Smoke mode for CI: small sizes, short samples; finishes in seconds.")
    var quick = false

    @Option(help: "Comma-separated square sizes (default 4,16,64,128,256,512,1024,2048; quick: 4,16,64,128).")
    var sizes: String?

    @Flag(inversion: .prefixedNo, help: "Include the rectangular shapes (mini-batch training and 4×3·3×4).")
    var rectangular = true

    @Option(help: "The precision to measure.")
    var precision: PrecisionChoice = .both

    @Option(help: "Comma-separated OpenBLAS thread counts to measure.")
    var threads: String = "1,2"

    @Option(help: "The largest square size (cube root of m·n·k) the naive i-j-k loop runs at.")
    var naiveMaxSize = 512

    @Option(help: "The largest square size (cube root of m·n·k) the cache-friendly Swift loop runs at.")
    var loopMaxSize = 1024

    @Option(help: "Write every measurement as JSON to this file.")
    var json: String?

    @Option(help: "Write every measurement as CSV to this file.")
    var csv: String?

    func validate() throws {
        _ = try parsedSizes()
        _ = try parsedThreads()
    }

    func parsedSizes() throws -> [Int] {
        guard let sizes else {
            return quick ? [4, 16, 64, 128] : [4, 16, 64, 128, 256, 512, 1024, 2048]
        }
        if sizes == "none" { return [] }
        return try sizes.split(separator: ",").map { text in
            guard let size = Int(text.trimmingCharacters(in: .whitespaces)), size > 0, size <= 8192 else {
                throw ValidationError("--sizes: '\(text)' is not a size between 1 and 8192")
            }
            return size
        }
    }

    func parsedThreads() throws -> [Int] {
        try threads.split(separator: ",").map { text in
            guard let count = Int(text.trimmingCharacters(in: .whitespaces)), count >= 1, count <= 256 else {
                throw ValidationError("--threads: '\(text)' is not a thread count between 1 and 256")
            }
            return count
        }
    }

    func run() throws {
        var shapes = try parsedSizes().map(ProductShape.square)
        if rectangular { shapes += ProductShape.rectangular }
        let threadCounts = try parsedThreads()
        let plan: TimingPlan = quick ? .quick : .full
        let limits = LoopLimits(naiveMaxSize: naiveMaxSize, loopMaxSize: loopMaxSize)
        let machine = MachineDescription.current()
        printHeader(machine, command: CommandLine.arguments.joined(separator: " "))

        var results: [Measurement] = []
        if precision != .float {
            results += try benchmark(Double.self, shapes, threadCounts, plan, limits)
        }
        if precision != .double {
            results += try benchmark(Float.self, shapes, threadCounts, plan, limits)
        }
        BLASLibrary.threadCount = threadCounts.max() ?? 1

        let report = Report(
            machine: machine, command: CommandLine.arguments.joined(separator: " "),
            limits: limits, measurements: results)
        report.printTables()
        if let json { try report.writeJSON(to: json) }
        if let csv { try report.writeCSV(to: csv) }
    }

    /// Measures every shape at one precision and checks every product; throws at the first wrong one.
    func benchmark<Scalar: BenchmarkScalar>(
        _ type: Scalar.Type, _ shapes: [ProductShape], _ threadCounts: [Int], _ plan: TimingPlan, _ limits: LoopLimits
    ) throws -> [Measurement] {
        var results: [Measurement] = []
        var generator = SplitMix64(seed: 0x5eed_9e44)
        for shape in shapes {
            progress("\(Scalar.precisionName) \(shape.label)")
            let a = Matrix<Scalar>(rows: shape.leftRows, columns: shape.leftColumns) { _, _ in
                Scalar.random(in: -1...1, using: &generator)
            }
            let b = Matrix<Scalar>(rows: shape.rightRows, columns: shape.rightColumns) { _, _ in
                Scalar.random(in: -1...1, using: &generator)
            }
            let reference = ReferenceProduct(shape, a.scalars, b.scalars)
            let aScalars = a.scalars, bScalars = b.scalars  // Matrix storage, shared (no copy)

            // The Swift loops: single-threaded whatever OpenBLAS is set to, so measured once.
            var loopKernels:
                [(
                    Kernel,
                    (ProductShape, UnsafePointer<Scalar>, UnsafePointer<Scalar>, UnsafeMutablePointer<Scalar>) -> Void
                )] = []
            if LoopLimits.allows(shape, upTo: limits.naiveMaxSize) { loopKernels.append((.naive, naiveProduct)) }
            if LoopLimits.allows(shape, upTo: limits.loopMaxSize) { loopKernels.append((.loop, cacheFriendlyProduct)) }
            for (kernel, product) in loopKernels {
                var c = [Scalar](repeating: .nan, count: shape.m * shape.n)
                let timing = aScalars.withUnsafeBufferPointer { a in
                    bScalars.withUnsafeBufferPointer { b in
                        c.withUnsafeMutableBufferPointer { c in
                            let aPointer = a.baseAddress!, bPointer = b.baseAddress!, cPointer = c.baseAddress!
                            return measureInterleaved(plan, kernelCount: 1) { _, iterations in
                                for _ in 0..<iterations { product(shape, aPointer, bPointer, cPointer) }
                            }[0]
                        }
                    }
                }
                let error = try check(kernel, c, shape, reference, threads: 1)
                results.append(Measurement(shape, Scalar.self, threads: 1, kernel, timing, errorRatio: error))
            }

            // The BLAS paths, interleaved so that their ratios are fair.
            for threadCount in threadCounts {
                setThreadCount(threadCount, settle: plan.settleSeconds)
                var kernels: [Kernel] = [.raw, .multiplyInto]
                var into = Matrix<Scalar>(rows: shape.m, columns: shape.n, repeating: .nan)
                var raw = [Scalar](repeating: .nan, count: shape.m * shape.n)
                var allocated = Matrix<Scalar>(rows: 0, columns: 0, scalars: [])
                let timings = aScalars.withUnsafeBufferPointer { aBuffer in
                    bScalars.withUnsafeBufferPointer { bBuffer in
                        raw.withUnsafeMutableBufferPointer { cBuffer in
                            let aPointer = aBuffer.baseAddress!, bPointer = bBuffer.baseAddress!
                            let cPointer = cBuffer.baseAddress!
                            // Matrix.dot has no transpose flags: it is measured on plain products only.
                            if !shape.transposeLeft && !shape.transposeRight { kernels.append(.dot) }
                            return measureInterleaved(plan, kernelCount: kernels.count) { index, iterations in
                                switch kernels[index] {
                                case .raw:
                                    for _ in 0..<iterations { Scalar.rawGemm(shape, aPointer, bPointer, cPointer) }
                                case .multiplyInto:
                                    for _ in 0..<iterations {
                                        Matrix.multiply(
                                            a, b, into: &into, transposeLeft: shape.transposeLeft,
                                            transposeRight: shape.transposeRight)
                                    }
                                case .dot:
                                    for _ in 0..<iterations { allocated = a.dot(b) }
                                case .naive, .loop:
                                    failPrecondition("the Swift loops are timed above")
                                }
                            }
                        }
                    }
                }
                let outputs: [Kernel: [Scalar]] = [.raw: raw, .multiplyInto: into.scalars, .dot: allocated.scalars]
                for (kernel, timing) in zip(kernels, timings) {
                    let error = try check(kernel, outputs[kernel]!, shape, reference, threads: threadCount)
                    results.append(
                        Measurement(shape, Scalar.self, threads: threadCount, kernel, timing, errorRatio: error))
                }
            }
        }
        return results
    }

    /// Sets OpenBLAS's thread count and lets its idle workers fall asleep (they spin on `sched_yield`
    /// for about 0.13 s after a threaded call), so that the previous measurement's threads do not take a
    /// core from this one.
    func setThreadCount(_ count: Int, settle seconds: Double) {
        BLASLibrary.threadCount = count
        if seconds > 0 { usleep(UInt32(seconds * 1e6)) }
    }

    /// Checks one product against the reference; throws a description of the first wrong element.
    func check<Scalar: BenchmarkScalar>(
        _ kernel: Kernel, _ c: [Scalar], _ shape: ProductShape, _ reference: ReferenceProduct, threads: Int
    ) throws -> Double {
        guard c.count == shape.m * shape.n else {
            throw BenchmarkError.wrongResult(
                "\(kernel.title) \(Scalar.precisionName) \(shape.label): \(c.count) elements, expected \(shape.m * shape.n)"
            )
        }
        let worst = reference.worstError(c, shape: shape)
        if !(worst.ratio <= 1) {
            let exact = reference.values[reference.rows.firstIndex(of: worst.row)! * shape.n + worst.column]
            throw BenchmarkError.wrongResult(
                "\(kernel.title) \(Scalar.precisionName) \(shape.label) (\(threads) thread(s)): element (\(worst.row), \(worst.column)) "
                    + "is \(c[worst.row * shape.n + worst.column]) but the reference is \(exact) "
                    + "(\(worst.ratio) times the tolerance)")
        }
        return worst.ratio
    }

    func printHeader(_ machine: MachineDescription, command: String) {
        print("gemm-bench — \(command)")
        print(
            "machine: \(machine.cpuModel), \(machine.cores) usable cores (sched_getaffinity) of \(machine.logicalCores ?? machine.cores) online, "
                + "\(machine.clockMegahertz) MHz (/proc/cpuinfo), "
                + "\(machine.vectorExtension)")
        print("OpenBLAS: core \(machine.openBLASCore); \(machine.openBLASConfiguration)")
    }
}

/// Where the Swift loops stop (they would take seconds per call above).
struct LoopLimits: Codable {
    var naiveMaxSize: Int
    var loopMaxSize: Int
}

enum BenchmarkError: Error, CustomStringConvertible {
    case wrongResult(String)
    case cannotWrite(String, String)

    var description: String {
        switch self {
        case .wrongResult(let detail):
            "gemm-bench: wrong product, refusing to report: \(detail)"
        case .cannotWrite(let path, let reason):
            "gemm-bench: cannot write \(path): \(reason)"
        }
    }
}

/// A small, fast, seedable generator so every run multiplies the same matrices.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension LoopLimits {
    /// Whether a loop limited to `size` runs on `shape`: at most `size³` multiply-adds.
    static func allows(_ shape: ProductShape, upTo size: Int) -> Bool {
        shape.m * shape.n * shape.k <= size * size * size
    }
}
