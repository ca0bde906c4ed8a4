import Foundation
import Tensor

/// `nn`'s BLAS kernel check at start: when OpenBLAS fell back to an older kernel family than the processor
/// supports (`Prescott` on Sapphire Rapids), or to one measured slower (see ``BLASKernelCheck``), and the user
/// has not set `OPENBLAS_CORETYPE`, `nn` runs itself again, once, with `OPENBLAS_CORETYPE` set to the
/// recommended family, and says so in one line on standard error. OpenBLAS reads the variable only when it
/// loads, so a new process is the only way to switch.
///
/// Environment:
/// - `NN_KEEP_BLAS_KERNELS=1` keeps the kernels OpenBLAS picked (no re-execution).
/// - `NN_BLAS_REEXECUTED` is set on the re-executed process (to the family OpenBLAS first picked); while it
///   is set, `nn` never re-executes, so a library that ignores the variable cannot make it loop.
/// - For tests only: `NN_TEST_BLAS_CORE` pretends OpenBLAS picked that family, and `NN_TEST_PROCESSOR`
///   (`VENDOR:feature,feature,...`, features as `/proc/cpuinfo` names them) pretends to be that processor.
///   The re-executed process no longer sees `NN_TEST_BLAS_CORE`, so it reports the family that really runs.
enum KernelSwitch {
    static let keepVariable = "NN_KEEP_BLAS_KERNELS"
    static let markerVariable = "NN_BLAS_REEXECUTED"
    static let testCoreVariable = "NN_TEST_BLAS_CORE"
    static let testProcessorVariable = "NN_TEST_PROCESSOR"

    /// The kernel check of this process, with the test variables applied.
    static func check() -> BLASKernelCheck {
        var check = BLASKernelCheck.current()
        let environment = ProcessInfo.processInfo.environment
        if let core = environment[testCoreVariable], !core.isEmpty { check.coreName = core }
        if let processor = environment[testProcessorVariable].flatMap(fakeProcessor) { check.processor = processor }
        return check
    }

    /// `GenuineIntel:sse3,ssse3` as a processor (nil if a feature name is unknown).
    static func fakeProcessor(_ text: String) -> Processor? {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard let vendor = parts.first else { return nil }
        var features: Set<ProcessorFeature> = []
        for name in (parts.count > 1 ? parts[1] : "").split(separator: ",") {
            guard let feature = ProcessorFeature(rawValue: String(name)) else { return nil }
            features.insert(feature)
        }
        let current = Processor.current
        return Processor(
            vendor: vendor, modelName: "test processor", features: features,
            logicalCoreCount: current.logicalCoreCount, usableCoreCount: current.usableCoreCount)
    }

    /// The family OpenBLAS picked before `nn` re-executed itself, or nil if it did not.
    static var firstCore: String? {
        ProcessInfo.processInfo.environment[markerVariable].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Re-executes `nn` with the recommended `OPENBLAS_CORETYPE` when the check says so; returns when it does
    /// not (or when the re-execution fails, after saying why).
    static func reexecuteIfNeeded() {
        let environment = ProcessInfo.processInfo.environment
        guard (environment[markerVariable] ?? "").isEmpty else { return }
        if let keep = environment[keepVariable], !["", "0", "false", "no"].contains(keep.lowercased()) { return }
        let check = check()
        guard check.shouldSwitch, let core = check.recommendedCore else { return }
        let why = check.verdict == .fellBack ? "older than this processor supports" : "slower on this processor"
        FileHandle.standardError.write(
            Data(
                "nn: OpenBLAS picked its \(check.coreName) kernels, \(why); running again with \(BLASKernelCheck.coreTypeVariable)=\(core) (\(keepVariable)=1 keeps them)\n"
                    .utf8))
        setenv(BLASKernelCheck.coreTypeVariable, core, 1)
        setenv(markerVariable, check.coreName, 1)
        unsetenv(testCoreVariable)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // Only reached when execv failed: carry on with the kernels that run.
        let reason = String(cString: strerror(errno))
        unsetenv(BLASKernelCheck.coreTypeVariable)
        FileHandle.standardError.write(
            Data("nn: could not run again (\(reason)); continuing with \(check.coreName)\n".utf8))
    }
}
