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

    /// Re-executes `nn` with the recommended `OPENBLAS_CORETYPE` when the check says so, and with fewer
    /// OpenBLAS threads when the address-space limit cannot hold their buffers (``affordableThreads``);
    /// returns when neither applies (or when the re-execution fails, after saying why).
    static func reexecuteIfNeeded() {
        let environment = ProcessInfo.processInfo.environment
        guard (environment[markerVariable] ?? "").isEmpty else { return }
        var changed = false
        if let threads = affordableThreads(environment: environment) {
            writeError(
                "nn: the address-space limit (ulimit -v, \(addressSpaceLimit.map { $0 >> 20 } ?? 0) MiB) has room for \(threads) of OpenBLAS's \(BLASLibrary.threadCount) threads' buffers; running again with OPENBLAS_NUM_THREADS=\(threads)\n"
            )
            setenv("OPENBLAS_NUM_THREADS", String(threads), 1)
            changed = true
        }
        let keep = environment[keepVariable].map { !["", "0", "false", "no"].contains($0.lowercased()) } ?? false
        let check = check()
        if !keep, check.shouldSwitch, let core = check.recommendedCore {
            let why = check.verdict == .fellBack ? "older than this processor supports" : "slower on this processor"
            writeError(
                "nn: OpenBLAS picked its \(check.coreName) kernels, \(why); running again with \(BLASKernelCheck.coreTypeVariable)=\(core) (\(keepVariable)=1 keeps them)\n"
            )
            setenv(BLASKernelCheck.coreTypeVariable, core, 1)
            changed = true
        }
        guard changed else { return }
        setenv(markerVariable, check.coreName, 1)
        unsetenv(testCoreVariable)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // Only reached when execv failed: carry on as this process is.
        let reason = String(cString: strerror(errno))
        writeError("nn: could not run again (\(reason)); continuing with \(check.coreName) kernels\n")
    }

    /// The soft address-space limit (`ulimit -v`) in bytes, or nil when there is none.
    static var addressSpaceLimit: UInt64? {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_AS.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max else { return nil }
        return UInt64(limit.rlim_cur)
    }

    /// Address space `nn` needs besides OpenBLAS's threads (the Swift runtime, Foundation, the data):
    /// `nn --help` maps about 150 MiB.
    static let baseAddressSpace: UInt64 = 256 << 20
    /// Address space each OpenBLAS thread needs: its 128 MiB work buffer (allocated when the library
    /// loads), its stack and its malloc arena.
    static let addressSpacePerThread: UInt64 = 192 << 20

    /// The number of OpenBLAS threads the address-space limit holds, when it holds fewer than OpenBLAS
    /// started; nil when there is no limit, it is large enough, or the user set the thread count.
    ///
    /// Under a tight `ulimit -v`, an OpenBLAS worker whose buffer cannot be allocated retries forever, and
    /// the process hangs, at its first threaded product or at exit (measured: `nn --help` with 2 threads
    /// under 200 MiB never ended). OpenBLAS starts its threads when it loads, so fewer threads need a
    /// new process.
    static func affordableThreads(environment: [String: String]) -> Int? {
        guard ThreadDefaults.userVariable(in: environment) == nil,
            let limit = addressSpaceLimit
        else { return nil }
        let threads = BLASLibrary.threadCount
        guard threads > 1 else { return nil }
        let affordable = limit > baseAddressSpace ? Int((limit - baseAddressSpace) / addressSpacePerThread) : 0
        let count = max(1, affordable)
        return count < threads ? count : nil
    }
}
