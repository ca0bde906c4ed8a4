import Foundation
import Network
import Tensor

/// How many OpenBLAS threads `nn train` uses when `--threads` is not given.
///
/// The rule (README, "Threads"): the usable cores (`sched_getaffinity`), except that a network whose
/// step is too small to gain from threads trains on one. A step is too small when one batch's forward
/// multiply-adds (batch size × parameters) are fewer than ``smallStepMultiplyAdds``: there a second thread
/// gains nothing (digits 64-100-10 at batch 128, 0.9 million: 0.21 s with 2 threads against 0.22 s with 1
/// on a quiet 2-core machine), and before the passes that are not products ran on OpenBLAS's workers it
/// cost (0.24-0.83 s against 0.21-0.35 s). An `OPENBLAS_NUM_THREADS`, `GOTO_NUM_THREADS` or `OMP_NUM_THREADS`
/// in the environment is the user's choice and is left to OpenBLAS.
enum ThreadDefaults {
    /// Below this many multiply-adds in one batch's forward pass, a second thread gains nothing; from
    /// 1.6 million up it gains 11-44% (`scripts/thread-crossover.sh` on a quiet 2-core AMD EPYC, see
    /// BENCHMARKS.md, "Thread crossover").
    static let smallStepMultiplyAdds = 1_000_000

    /// The environment variables through which a user sets OpenBLAS's thread count.
    static let environmentVariables = ["OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS"]

    /// The thread count to set, or nil to leave OpenBLAS's as it is (the user set it in the environment).
    static func threadCount(
        requested: Int?, batchSize: Int, parameterCount: Int, usableCores: Int, environment: [String: String]
    ) -> Int? {
        if let requested { return requested }
        if environmentVariables.contains(where: { !(environment[$0] ?? "").isEmpty }) { return nil }
        let multiplyAdds = batchSize.multipliedReportingOverflow(by: parameterCount)
        if !multiplyAdds.overflow && multiplyAdds.partialValue < smallStepMultiplyAdds { return 1 }
        return max(1, usableCores)
    }

    /// Sets OpenBLAS's thread count for training `network` with batches of `batchSize` rows.
    static func apply<Scalar: MatrixScalar>(requested: Int?, network: Sequential<Scalar>, batchSize: Int) {
        if let count = threadCount(
            requested: requested, batchSize: batchSize, parameterCount: network.parameterCount,
            usableCores: Processor.current.usableCoreCount, environment: ProcessInfo.processInfo.environment)
        {
            BLASLibrary.threadCount = count
        }
    }
}
