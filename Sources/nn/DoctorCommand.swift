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
            summary: check.summary)
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
