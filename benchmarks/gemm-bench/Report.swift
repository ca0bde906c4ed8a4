// What gemm-bench reports: the machine, one record per timed kernel, the terminal tables, and the
// JSON and CSV files that benchmarks/compare.py and benchmarks/plot_gemm.py read.
import Foundation
import Tensor

/// The products compared.
enum Kernel: String, Codable, CaseIterable {
    case naive
    case loop
    case dot
    case multiplyInto = "multiply_into"
    case raw = "cblas"

    var title: String {
        switch self {
        case .naive: "naive i-j-k loop"
        case .loop: "cache-friendly Swift loop"
        case .dot: "Matrix.dot"
        case .multiplyInto: "Matrix.multiply(into:)"
        case .raw: "raw cblas_?gemm"
        }
    }
}

/// One kernel timed on one shape, precision and thread count.
struct Measurement: Codable {
    var shape: String
    var m: Int
    var n: Int
    var k: Int
    var transposeLeft: Bool
    var transposeRight: Bool
    var precision: String
    var threads: Int
    var kernel: Kernel
    var medianSeconds: Double
    var minimumSeconds: Double
    var maximumSeconds: Double
    var lowerQuartileSeconds: Double
    var upperQuartileSeconds: Double
    /// GFLOP/s at the median time.
    var gflops: Double
    /// GFLOP/s of the fastest sample.
    var bestGflops: Double
    var samples: Int
    var iterationsPerSample: Int
    /// The largest error against the reference, as a fraction of the tolerance (≤ 1 always, or the run stops).
    var errorRatio: Double

    init<Scalar: BenchmarkScalar>(
        _ shape: ProductShape, _ type: Scalar.Type, threads: Int, _ kernel: Kernel, _ timing: Timing, errorRatio: Double
    ) {
        self.shape = shape.label
        m = shape.m
        n = shape.n
        k = shape.k
        transposeLeft = shape.transposeLeft
        transposeRight = shape.transposeRight
        precision = Scalar.precisionName
        self.threads = threads
        self.kernel = kernel
        medianSeconds = timing.median
        minimumSeconds = timing.minimum
        maximumSeconds = timing.maximum
        lowerQuartileSeconds = timing.lowerQuartile
        upperQuartileSeconds = timing.upperQuartile
        gflops = shape.flops / timing.median / 1e9
        bestGflops = shape.flops / timing.minimum / 1e9
        samples = timing.samples.count
        iterationsPerSample = timing.iterationsPerSample
        self.errorRatio = errorRatio
    }

    var productShape: ProductShape {
        ProductShape(m: m, n: n, k: k, transposeLeft: transposeLeft, transposeRight: transposeRight)
    }
}

/// The processor and BLAS library the figures belong to.
struct MachineDescription: Codable {
    var cpuModel: String
    /// The cores this process may run on (`sched_getaffinity`), which the peak is computed from.
    var cores: Int
    /// The processors online (`sysconf`), counting SMT siblings and cores outside this process's affinity mask.
    var logicalCores: Int?
    var clockMegahertz: Double
    var vectorExtension: String
    /// Double-precision flops per cycle per core: two FMA units of the widest vector extension.
    var doubleFlopsPerCycle: Int
    var openBLASCore: String
    var openBLASConfiguration: String

    /// The theoretical peak of all cores, in GFLOP/s.
    func theoreticalPeak(_ precision: String) -> Double {
        Double(cores * doubleFlopsPerCycle * (precision == "float" ? 2 : 1)) * clockMegahertz / 1000
    }

    static func current() -> MachineDescription {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        func field(_ name: String) -> String? {
            for line in cpuinfo.split(separator: "\n") where line.hasPrefix(name) {
                if let colon = line.firstIndex(of: ":") {
                    return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
            }
            return nil
        }
        let flags = Set((field("flags") ?? "").split(separator: " ").map(String.init))
        let (name, perCycle): (String, Int) =
            if flags.contains("avx512f") {
                ("AVX-512 + FMA", 32)
            } else if flags.contains("avx2") && flags.contains("fma") { ("AVX2 + FMA", 16) } else { ("SSE2", 4) }
        // Not /proc/cpuinfo's `cpu cores` (the cores of one socket, as the hypervisor describes it) nor its
        // processor lines (all online processors): the cores this process may use.
        let processor = Processor.current
        return MachineDescription(
            cpuModel: field("model name") ?? "unknown",
            cores: processor.usableCoreCount,
            logicalCores: processor.logicalCoreCount,
            clockMegahertz: Double(field("cpu MHz") ?? "") ?? 0,
            vectorExtension: name,
            doubleFlopsPerCycle: perCycle,
            openBLASCore: BLASLibrary.coreName,
            openBLASConfiguration: BLASLibrary.configuration.trimmingCharacters(in: .whitespaces))
    }
}

/// The peak that "% of peak" is relative to, for one precision.
struct Peak: Codable {
    var measuredGflops: Double?
    var theoreticalGflops: Double
    /// `measured` (best sample of the raw call on 2048², all threads) when 2048² was run, else `theoretical`.
    var basis: String

    var gflops: Double { basis == "measured" ? measuredGflops! : theoreticalGflops }
}

struct Report: Codable {
    var tool = "gemm-bench"
    var date: String
    var command: String
    var machine: MachineDescription
    var limits: LoopLimits
    var peaks: [String: Peak]
    var measurements: [Measurement]

    init(machine: MachineDescription, command: String, limits: LoopLimits, measurements: [Measurement]) {
        let formatter = ISO8601DateFormatter()
        date = formatter.string(from: Date())
        self.command = command
        self.machine = machine
        self.limits = limits
        self.measurements = measurements
        var peaks: [String: Peak] = [:]
        for precision in Set(measurements.map(\.precision)) {
            let maximumThreads = measurements.filter { $0.precision == precision }.map(\.threads).max() ?? 1
            let measured = measurements.filter {
                $0.precision == precision && $0.kernel == .raw && $0.threads == maximumThreads
                    && $0.productShape == .square(2048)
            }.map(\.bestGflops).max()
            peaks[precision] = Peak(
                measuredGflops: measured, theoreticalGflops: machine.theoreticalPeak(precision),
                basis: measured == nil ? "theoretical" : "measured")
        }
        self.peaks = peaks
    }

    func lookup(_ shape: ProductShape, _ precision: String, _ threads: Int, _ kernel: Kernel) -> Measurement? {
        // The Swift loops do not use OpenBLAS's threads: their one measurement stands for every thread count.
        let threads = (kernel == .naive || kernel == .loop) ? 1 : threads
        return measurements.first {
            $0.productShape == shape && $0.precision == precision && $0.threads == threads && $0.kernel == kernel
        }
    }

    func printTables() {
        let precisions = ["double", "float"].filter { p in measurements.contains { $0.precision == p } }
        let threadCounts = Array(Set(measurements.filter { $0.kernel == .raw }.map(\.threads))).sorted()
        var shapes: [ProductShape] = []
        for measurement in measurements where !shapes.contains(measurement.productShape) {
            shapes.append(measurement.productShape)
        }
        for precision in precisions {
            let peak = peaks[precision]!
            print("")
            print(
                "\(precision.uppercased()): GFLOP/s at the median time; % of peak against \(format(peak.gflops, 1)) GFLOP/s "
                    + "(\(peak.basis)\(peak.basis == "measured" ? ": best raw sample on 2048²" : ": cores × flops/cycle × clock"); "
                    + "theoretical \(format(peak.theoreticalGflops, 1)))")
            let header = [
                pad("shape", 20, left: true), pad("thr", 3), pad("naive", 7), pad("loop", 7), pad("dot", 7),
                pad("into", 7),
                pad("raw", 7), pad("raw median", 11), pad("[min, max]", 21), pad("dot/raw", 8), pad("into/raw", 8),
                pad("raw/naive", 9), pad("%peak", 6),
            ]
            print(header.joined(separator: " "))
            for threads in threadCounts {
                for shape in shapes {
                    guard let raw = lookup(shape, precision, threads, .raw) else { continue }
                    let naive = lookup(shape, precision, threads, .naive)
                    let loop = lookup(shape, precision, threads, .loop)
                    let dot = lookup(shape, precision, threads, .dot)
                    let into = lookup(shape, precision, threads, .multiplyInto)
                    let row = [
                        pad(shape.label, 20, left: true), pad("\(threads)", 3),
                        pad(naive.map { format($0.gflops, 2) } ?? "skip", 7),
                        pad(loop.map { format($0.gflops, 2) } ?? "skip", 7),
                        pad(dot.map { format($0.gflops, 2) } ?? "n/a", 7),
                        pad(into.map { format($0.gflops, 2) } ?? "n/a", 7),
                        pad(format(raw.gflops, 2), 7),
                        pad(duration(raw.medianSeconds), 11),
                        pad("[\(duration(raw.minimumSeconds)), \(duration(raw.maximumSeconds))]", 21),
                        pad(dot.map { format(raw.medianSeconds / $0.medianSeconds, 3) } ?? "n/a", 8),
                        pad(into.map { format(raw.medianSeconds / $0.medianSeconds, 3) } ?? "n/a", 8),
                        pad(naive.map { format($0.medianSeconds / raw.medianSeconds, 0) + "×" } ?? "—", 9),
                        pad(format(100 * raw.gflops / peak.gflops, 1), 6),
                    ]
                    print(row.joined(separator: " "))
                }
            }
        }
        print("")
        print(
            "naive = i-j-k Swift loop (skipped above \(limits.naiveMaxSize)³ multiply-adds); loop = cache-friendly Swift loop "
                + "(i-k-j; k-i-j for Aᵀ·B; row·row for A·Bᵀ; skipped above \(limits.loopMaxSize)³). Both run on one thread "
                + "and show the same figure on every thread row. dot = Matrix.dot (allocates its result; no transpose flags, "
                + "so n/a on transposed shapes); into = Matrix.multiply(into:) on a preallocated result; raw = cblas_?gemm on "
                + "the same A and B buffers. Ratios are GFLOP/s ratios (1 = no overhead).")
        printOverheads(precisions, threadCounts)
        printGoals(precisions, threadCounts)
    }

    /// Per-call overhead over the raw call for the tiny shapes, in nanoseconds.
    func printOverheads(_ precisions: [String], _ threadCounts: [Int]) {
        let tiny: [ProductShape] = [.square(4), ProductShape(m: 4, n: 4, k: 3), .square(16)]
        guard measurements.contains(where: { tiny.contains($0.productShape) }) else { return }
        print("")
        print("Per-call overhead over raw cblas (median ns; goal: into ≤ ~10 ns, dot ≤ ~40 ns):")
        print(
            [
                pad("shape", 12, left: true), pad("precision", 9), pad("thr", 3), pad("raw ns", 8), pad("into−raw", 9),
                pad("dot−raw", 9),
            ].joined(separator: " "))
        for precision in precisions {
            for threads in threadCounts {
                for shape in tiny {
                    guard let raw = lookup(shape, precision, threads, .raw),
                        let into = lookup(shape, precision, threads, .multiplyInto),
                        let dot = lookup(shape, precision, threads, .dot)
                    else { continue }
                    print(
                        [
                            pad(shape.label, 12, left: true), pad(precision, 9), pad("\(threads)", 3),
                            pad(format(raw.medianSeconds * 1e9, 1), 8),
                            pad(format((into.medianSeconds - raw.medianSeconds) * 1e9, 1), 9),
                            pad(format((dot.medianSeconds - raw.medianSeconds) * 1e9, 1), 9),
                        ].joined(separator: " "))
                }
            }
        }
    }

    /// The issue's goal: Matrix.dot and multiply(into:) at ≥ 97% of the raw call's GFLOP/s on squares 256–2048.
    func printGoals(_ precisions: [String], _ threadCounts: [Int]) {
        let large = [256, 512, 1024, 2048].map(ProductShape.square)
        var lines: [String] = []
        for precision in precisions {
            for threads in threadCounts {
                for kernel in [Kernel.dot, .multiplyInto] {
                    let ratios = large.compactMap { shape -> Double? in
                        guard let raw = lookup(shape, precision, threads, .raw),
                            let wrapped = lookup(shape, precision, threads, kernel)
                        else { return nil }
                        return raw.medianSeconds / wrapped.medianSeconds
                    }
                    guard let worst = ratios.min() else { continue }
                    lines.append(
                        "  \(precision), \(threads) thread(s), \(kernel.title): worst \(format(100 * worst, 1))% of raw "
                            + "over \(ratios.count) sizes — \(worst >= 0.97 ? "met" : "NOT met")")
                }
            }
        }
        guard !lines.isEmpty else { return }
        print("")
        print("Goal ≥ 97% of raw GFLOP/s on squares 256–2048:")
        lines.forEach { print($0) }
    }

    func writeJSON(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try write(encoder.encode(self), to: path)
    }

    func writeCSV(to path: String) throws {
        var text =
            "shape,m,n,k,transpose_left,transpose_right,precision,threads,kernel,median_s,min_s,max_s,q1_s,q3_s,"
            + "gflops,best_gflops,samples,iterations_per_sample,error_ratio\n"
        for r in measurements {
            let fields: [String] = [
                "\"\(r.shape)\"", "\(r.m)", "\(r.n)", "\(r.k)", "\(r.transposeLeft)", "\(r.transposeRight)",
                r.precision,
                "\(r.threads)", r.kernel.rawValue, "\(r.medianSeconds)", "\(r.minimumSeconds)", "\(r.maximumSeconds)",
                "\(r.lowerQuartileSeconds)", "\(r.upperQuartileSeconds)", "\(r.gflops)", "\(r.bestGflops)",
                "\(r.samples)",
                "\(r.iterationsPerSample)", "\(r.errorRatio)",
            ]
            text += fields.joined(separator: ",") + "\n"
        }
        try write(Data(text.utf8), to: path)
    }

    private func write(_ data: Data, to path: String) throws {
        do {
            try data.write(to: URL(fileURLWithPath: path))
        } catch {
            throw BenchmarkError.cannotWrite(path, error.localizedDescription)
        }
        FileHandle.standardError.write(Data("wrote \(path)\n".utf8))
    }
}

/// A progress line on standard error, so standard output stays the report.
func progress(_ text: String) {
    FileHandle.standardError.write(Data("  measuring \(text)\n".utf8))
}

func format(_ value: Double, _ decimals: Int) -> String {
    String(format: "%.\(decimals)f", value)
}

/// A time with a unit that keeps three significant figures: ns, µs, ms or s.
func duration(_ seconds: Double) -> String {
    switch seconds {
    case ..<1e-6: format(seconds * 1e9, 1) + " ns"
    case ..<1e-3: format(seconds * 1e6, 2) + " µs"
    case ..<1: format(seconds * 1e3, 2) + " ms"
    default: format(seconds, 2) + " s"
    }
}

func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
    let count = text.count
    guard count < width else { return text }
    let fill = String(repeating: " ", count: width - count)
    return left ? text + fill : fill + text
}
