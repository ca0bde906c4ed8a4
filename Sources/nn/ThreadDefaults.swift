import Foundation
import Network
import Tensor

/// How many OpenBLAS threads `nn train` uses, and why: the one place that decides it.
///
/// `--threads` wins; then, in an MPI job, the usable cores divided among this machine's ranks
/// (`DistributedRun.start` has set them, over any environment variable); then an `OPENBLAS_NUM_THREADS`,
/// `GOTO_NUM_THREADS` or `OMP_NUM_THREADS` in the environment, which is the user's choice and is left to
/// OpenBLAS; else ``ThreadRule`` (README, "The thread rule"): the count that is fastest for one batch's forward
/// multiply-adds, at most the usable cores.
enum ThreadDefaults {
    /// The environment variables through which a user sets OpenBLAS's thread count.
    static let environmentVariables = ["OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS"]

    /// The variable whose thread count OpenBLAS took when it loaded, or nil when none gave one. OpenBLAS
    /// reads each with C's `atoi` and ignores a value that is not a positive count (`junk`, `0`, `-1`),
    /// so such a value is no choice of the user's that `nn` could leave to it.
    static func userVariable(in environment: [String: String]) -> String? {
        environmentVariables.first { name in environment[name].map(givesThreadCount) ?? false }
    }

    /// The variables that are set but that OpenBLAS ignores, with their values, for a warning.
    static func ignoredVariables(in environment: [String: String]) -> [(name: String, value: String)] {
        environmentVariables.compactMap { name in
            guard let value = environment[name], !value.isEmpty, !givesThreadCount(value) else { return nil }
            return (name, value)
        }
    }

    /// Whether OpenBLAS takes `value` as a thread count: C's `atoi` of it is positive.
    static func givesThreadCount(_ value: String) -> Bool { atoi(value) > 0 }

    /// The decision: the count to set (nil: leave OpenBLAS's as the environment made it) and its source.
    static func choose(
        option: Int?, distributedCount: Int?, multiplyAdds: Int, usableCores: Int, environment: [String: String]
    ) -> (count: Int?, source: ThreadChoice.Source) {
        if let option { return (option, .option) }
        if let distributedCount { return (distributedCount, .ranks) }
        if let name = userVariable(in: environment) { return (nil, .environment(name)) }
        return (ThreadRule.threadCount(multiplyAdds: multiplyAdds, usableCores: usableCores), .rule)
    }

    /// Sets OpenBLAS's thread count for training `network` with batches of `batchSize` rows and says what it is
    /// and why.
    static func apply<Scalar: MatrixScalar>(
        option: Int?, distributed: Bool, network: Sequential<Scalar>, batchSize: Int
    ) -> ThreadChoice {
        let multiplyAdds = network.multiplyAddsPerStep(batchSize: batchSize)
        if option == nil && !distributed {
            for (name, value) in ignoredVariables(in: ProcessInfo.processInfo.environment) {
                writeError("warning: \(name)='\(value)' is not a thread count, so OpenBLAS ignores it\n")
            }
        }
        let decision = choose(
            option: option, distributedCount: distributed ? BLASLibrary.threadCount : nil, multiplyAdds: multiplyAdds,
            usableCores: Processor.current.usableCoreCount, environment: ProcessInfo.processInfo.environment)
        if let count = decision.count { BLASLibrary.threadCount = count }
        return ThreadChoice(count: BLASLibrary.threadCount, source: decision.source, multiplyAddsPerStep: multiplyAdds)
    }
}

/// The thread count a run uses and where it came from, as the header and `--json` print it.
struct ThreadChoice: Encodable {
    /// Where a thread count came from.
    enum Source: Encodable {
        /// `--threads`.
        case option
        /// The named environment variable (OpenBLAS read it when it loaded).
        case environment(String)
        /// The usable cores divided among an MPI job's ranks on this machine.
        case ranks
        /// ``ThreadRule``, from the step's multiply-adds.
        case rule

        /// `option`, `environment (OPENBLAS_NUM_THREADS)`, `ranks`, `rule`.
        var text: String {
            switch self {
            case .option: return "option"
            case .environment(let name): return "environment (\(name))"
            case .ranks: return "cores per rank"
            case .rule: return "thread rule"
            }
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(text)
        }
    }

    /// OpenBLAS's thread count for the run.
    var count: Int
    var source: Source
    /// One batch's forward multiply-adds (batch size × parameters), what the rule goes by.
    var multiplyAddsPerStep: Int

    /// `8 threads by the thread rule for 30.1 M multiply-adds a step`, `2 threads by --threads`, `1 thread by
    /// OPENBLAS_NUM_THREADS`, `4 threads by the cores per rank`.
    var phrase: String {
        let threads = "\(count) thread\(count == 1 ? "" : "s")"
        switch source {
        case .option: return "\(threads) by --threads"
        case .environment(let name): return "\(threads) by \(name)"
        case .ranks: return "\(threads) by the cores per rank"
        case .rule:
            return
                "\(threads) by the thread rule for \(fixed(Double(multiplyAddsPerStep) / 1e6, 1)) M multiply-adds a step"
        }
    }
}
