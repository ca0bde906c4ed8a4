import ArgumentParser
import Foundation
import Tensor

/// `nn doctor`: what this machine and this build run on: the BLAS library, its kernel family and threads,
/// the processor and its usable cores, the vector-math kernels' SIMD level, and the kernel recommendation.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Describe the BLAS library, its kernels and threads, the processor and its usable cores.",
        discussion: """
            OpenBLAS picks a kernel family for the processor when it loads; OPENBLAS_CORETYPE=NAME (Haswell, Zen, \
            SkylakeX, Cooperlake, ...) overrides it. When OpenBLAS fell back to an older family than the processor \
            supports and OPENBLAS_CORETYPE is not set, nn runs itself again with the recommended family and says so \
            on standard error; NN_KEEP_BLAS_KERNELS=1 turns that off.
            """)

    @Flag(help: "Print the report as JSON.")
    var json = false

    /// What `nn doctor --json` prints.
    struct Report: Codable {
        var blasVersion: String?
        var blasConfiguration: String
        var blasCore: String
        var blasThreads: Int
        /// Where the passes that are not products run: `"openblas"` (OpenBLAS's worker threads) or `"own"`.
        var passThreads: String
        var coreTypeSetting: String?
        var firstCoreBeforeReexecution: String?
        var processorVendor: String
        var processorModel: String
        var processorFamily: Int
        var processorModelNumber: Int
        var processorFeatures: [String]
        var logicalCores: Int
        var usableCores: Int
        var vectorKernels: String
        var recommendedCore: String?
        var verdict: String
        var shouldSwitch: Bool
        var summary: String
        /// Flush-to-zero on OpenBLAS's threads (the calling thread's first), read on each thread before, inside
        /// and after `withFlushToZero`.
        var flushToZero: FlushToZeroCheck
    }

    /// Whether `withFlushToZero` reaches every OpenBLAS thread and puts their mode back: each thread's
    /// state, read on the thread itself (nil when the workers did not answer within a second).
    struct FlushToZeroCheck: Codable {
        var supported: Bool
        var before: [Bool]?
        var inside: [Bool]?
        var after: [Bool]?

        /// Reads the states now, inside `withFlushToZero`, and after it.
        static func measure() -> FlushToZeroCheck {
            let before = FlushToZero.openBLASThreadStates
            let inside = withFlushToZero { FlushToZero.openBLASThreadStates }
            return FlushToZeroCheck(
                supported: FlushToZero.isSupported, before: before, inside: inside,
                after: FlushToZero.openBLASThreadStates)
        }

        /// `set on the calling thread and 1 OpenBLAS worker, and restored after`, or what went wrong.
        var summary: String {
            guard supported else { return "not available on this processor (subnormals are kept)" }
            guard let before, let inside, let after else {
                return "not checked: OpenBLAS's workers did not answer within a second"
            }
            let workers = inside.count - 1
            let threads =
                "the calling thread"
                + (workers > 0 ? " and \(workers) OpenBLAS worker\(workers == 1 ? "" : "s")" : "")
            guard inside.allSatisfy({ $0 }) else {
                return "NOT set on \(inside.filter { !$0 }.count) of \(inside.count) threads (\(threads))"
            }
            guard after == before else { return "set on \(threads), but NOT restored after" }
            return "set on \(threads) inside float training, and restored after"
        }
    }

    func run() throws {
        let check = KernelSwitch.check()
        let processor = check.processor
        let report = Report(
            blasVersion: check.version, blasConfiguration: check.configuration, blasCore: check.coreName,
            blasThreads: check.threadCount, passThreads: KernelPool.shared.usesOpenBLASThreads ? "openblas" : "own",
            coreTypeSetting: check.coreTypeSetting,
            firstCoreBeforeReexecution: KernelSwitch.firstCore, processorVendor: processor.vendor,
            processorModel: processor.modelName, processorFamily: processor.family,
            processorModelNumber: processor.model,
            processorFeatures: processor.features.sorted().map(\.rawValue), logicalCores: processor.logicalCoreCount,
            usableCores: processor.usableCoreCount, vectorKernels: Processor.vectorKernelLevel,
            recommendedCore: check.recommendedCore, verdict: check.verdict.rawValue, shouldSwitch: check.shouldSwitch,
            summary: check.summary, flushToZero: FlushToZeroCheck.measure())
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            write(String(decoding: try encoder.encode(report), as: UTF8.self) + "\n")
            return
        }
        var kernels = report.blasCore
        if let setting = report.coreTypeSetting { kernels += " (\(BLASKernelCheck.coreTypeVariable)=\(setting))" }
        // nn also runs again for the thread count alone (a tight ulimit -v): name the switch only when the kernels changed.
        if let first = report.firstCoreBeforeReexecution, first != report.blasCore {
            kernels += "; nn ran again: OpenBLAS first picked \(first)"
        }
        let lines = [
            "nn:            \(PackageVersion.current)",
            "BLAS:          OpenBLAS \(report.blasVersion ?? "(unknown version)") (\(Self.buildOptions(report.blasConfiguration)))",
            "LAPACKE:       liblapacke (Debian's LAPACKE; OpenBLAS's NO_LAPACKE means it was built without its own)",
            "kernels:       \(kernels)",
            "BLAS threads:  \(report.blasThreads)",
            "other passes:  "
                + (report.passThreads == "openblas"
                    ? "on OpenBLAS's worker threads"
                    : "on threads of their own (NN_KERNEL_THREADS=own, or no OpenBLAS pthreads server)"),
            "processor:     \(report.processorModel.isEmpty ? "unknown" : report.processorModel) (\(report.processorVendor.isEmpty ? "unknown vendor" : report.processorVendor), family \(report.processorFamily), model \(report.processorModelNumber))",
            "features:      \(report.processorFeatures.isEmpty ? "none detected" : report.processorFeatures.joined(separator: " "))",
            "cores:         \(report.logicalCores) logical, \(report.usableCores) usable by this process (sched_getaffinity)",
            "vector math:   \(report.vectorKernels)",
            "recommended:   \(report.recommendedCore ?? "none")",
            "check:         \(report.summary)",
            "flush to zero: \(report.flushToZero.summary)",
        ]
        write(lines.joined(separator: "\n") + "\n")
    }

    /// OpenBLAS's build options without its version, which the line already gives
    /// (`openblas_get_config` starts with "OpenBLAS 0.3.21").
    static func buildOptions(_ configuration: String) -> String {
        let words = configuration.split(separator: " ")
        let options = words.first == "OpenBLAS" ? words.dropFirst(2) : words[...]
        return options.joined(separator: " ")
    }
}
