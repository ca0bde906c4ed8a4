import ArgumentParser
import DataParallel
import Foundation
import Network
import Tensor

/// `nn train --distributed`: this process's place in an MPI job (`mpirun -np 4 nn train --distributed …`).
///
/// Every rank reads the data and trains on its share of each global batch (see `DataParallelHook`);
/// rank 0 prints the progress and the summary and writes the model, checkpoints, history and plot.
/// A rank that fails on its own ends the job with `MPI_Abort` and its message; a failure every rank
/// meets at the same step (a non-finite loss, which the step's reduction carries to every rank) is
/// printed once, by rank 0, and every rank exits with 1.
enum DistributedRun {
    /// The job's communicator, once `start` has run.
    nonisolated(unsafe) static var communicator: (any Communicator)?
    /// The time and count of the job's sums, for the summary.
    nonisolated(unsafe) static var statistics = ReductionStatistics()
    /// Set when the error being reported reached every rank at once.
    nonisolated(unsafe) static var failureIsShared = false

    /// Whether this process prints and writes files: rank 0, or any process not in a job.
    static var isPrimary: Bool { (communicator?.rank ?? 0) == 0 }

    /// Whether `nn train` draws its progress bar: on a terminal, except in an MPI job, where mpirun
    /// gives the ranks a pseudo-terminal whatever its own output is (a log file, say), so plain lines
    /// unless NN_FORCE_TERMINAL=1.
    static var drawsProgressBar: Bool {
        communicator == nil ? outputIsTerminal() : ProcessInfo.processInfo.environment["NN_FORCE_TERMINAL"] == "1"
    }

    /// What `--distributed` answers in a build without the MPI trait (a usage error, exit 64).
    static let buildHint = """
        this nn was built without MPI; install Open MPI (apt-get install libopenmpi-dev openmpi-bin) and build with \
        'swift build -c release --traits MPI' (or scripts/dist.sh), then run 'mpirun -np 2 nn train --distributed ...'
        """

    /// Refuses `--distributed` in a build without MPI.
    static func validate(distributed: Bool) throws {
        #if !MPI
            if distributed { throw ValidationError("--distributed: \(buildHint)") }
        #endif
    }

    /// Starts MPI and, unless `--threads` was given, gives OpenBLAS the usable cores divided among
    /// this machine's ranks.
    static func start(threads: Int?) throws {
        #if MPI
            let world: MPICommunicator
            do {
                world = try MPICommunicator.initialize()
            } catch {
                throw CommandError.invalidOption("--distributed: \(error)")
            }
            communicator = world
            if let reason = world.yieldReason, world.localRank == 0 {
                writeError(
                    "nn: \(reason): ranks give up their core while they wait for each other (mpi_yield_when_idle 1; mpirun --mca mpi_yield_when_idle 0 keeps them polling)\n"
                )
            }
            if threads == nil { BLASLibrary.threadCount = defaultThreadCount(localRanks: world.localSize) }
        #else
            throw ValidationError("--distributed: \(buildHint)")
        #endif
    }

    /// The OpenBLAS threads of one rank: the cores this process may use, divided among the ranks on
    /// this machine, unless mpirun already bound the process to fewer cores than the machine has (then
    /// those cores are its own).
    static func defaultThreadCount(localRanks: Int) -> Int {
        let usable = ProcessInfo.processInfo.activeProcessorCount
        let online = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        if usable < online { return max(1, usable) }
        return max(1, usable / max(1, localRanks))
    }

    /// The network's gradient hook in a job (`nil` outside one).
    static func reducer<Scalar: MatrixScalar>(for type: Scalar.Type) -> GradientReducer<Scalar>? {
        communicator.map { GradientReducer<Scalar>($0, statistics: statistics) }
    }

    /// Ends MPI after a run that succeeded (every rank gets here).
    static func finish() {
        #if MPI
            (communicator as? MPICommunicator)?.finalize()
        #endif
        communicator = nil
    }

    /// Reports a failure: printed once and every rank exits with 1 when every rank met it; otherwise
    /// this rank ends the whole job with its message.
    static func fail(_ message: String) -> Never {
        guard let communicator else { NN.fail(message) }
        if failureIsShared || communicator.size == 1 {
            if communicator.isPrimary { writeError("error: \(message)\n") }
            finish()
            Foundation.exit(1)
        }
        communicator.abort(message, code: 1)
    }

    /// Reads a checkpoint on rank 0 and sends it to the others, which may not see the file.
    static func readCheckpoint(_ path: String) throws -> TrainingCheckpoint {
        guard let communicator, communicator.size > 1 else { return try TrainingCheckpoint.read(from: path) }
        var bytes: [UInt8] = []
        if communicator.isPrimary { bytes = Array(try JSONEncoder().encode(try TrainingCheckpoint.read(from: path))) }
        communicator.broadcast(&bytes, from: 0)
        return try TrainingCheckpoint.decode(Data(bytes), path: path)
    }

    /// `allreduce: 94 steps of 235,148 values in 2 buckets (1 started during the backward pass), 112 µs a
    /// step waiting after it on average (…)`, after a distributed run.
    static var reductionSummary: String? {
        guard communicator != nil, statistics.count > 0 else { return nil }
        let count = statistics.count
        let buckets = statistics.buckets / count, early = statistics.bucketsStartedDuringBackward / count
        return "allreduce: \(count) steps of \(ProgressReporter.count(Double(statistics.values / count))) values in "
            + "\(buckets) bucket\(buckets == 1 ? "" : "s") (\(early) started during the backward pass), "
            + "\(fixed(statistics.seconds / Double(count) * 1e6, 0)) µs a step waiting after it on average (rank 0, waiting for the other ranks included)"
    }

    /// Each rank's step parts, in milliseconds a step (``StepParts``), rank 0's first; set by
    /// ``gatherStepParts()``.
    nonisolated(unsafe) static var stepParts: [StepParts] = []

    /// Where a rank's training steps spent their time, on average: what `nn train --distributed`
    /// prints per rank after the `allreduce:` line, to tell computation from communication.
    struct StepParts: Equatable {
        /// Milliseconds a step computing: gathering the batch, the forward pass, the loss and metrics
        /// and the backward pass, less the MPI calls made during the backward pass.
        var computing: Double
        /// Milliseconds a step in MPI calls during the backward pass (starting buckets, letting them advance).
        var callsDuringBackward: Double
        /// Milliseconds a step waiting for the sums after the backward pass (the other ranks included).
        var waiting: Double
        /// Milliseconds from one step's sums to the next step of the epoch: the update.
        var update: Double
        /// The share of the steps whose buckets started during the backward pass were complete when it ended.
        var earlySumsComplete: Double

        /// The values in the order ``init(_:)`` reads them.
        var values: [Double] { [computing, callsDuringBackward, waiting, update, earlySumsComplete] }

        /// Step parts from five values in the order of ``values``.
        init(_ values: ArraySlice<Double>) {
            let values = Array(values)
            (computing, callsDuringBackward, waiting, update, earlySumsComplete) =
                (values[0], values[1], values[2], values[3], values[4])
        }

        /// This process's step parts, from the reducer's statistics.
        init(_ statistics: ReductionStatistics) {
            let steps = Double(max(statistics.count, 1))
            computing = statistics.computingSeconds / steps * 1000
            callsDuringBackward = statistics.secondsInCallsDuringBackward / steps * 1000
            waiting = statistics.seconds / steps * 1000
            update = statistics.updateCount > 0 ? statistics.updateSeconds / Double(statistics.updateCount) * 1000 : 0
            earlySumsComplete = Double(statistics.stepsWithEarlySumsComplete) / steps
        }

        /// `rank 1 step: computing 2.95 ms, MPI calls during the backward pass 0.03 ms, waiting for the
        /// sums 0.81 ms, update 0.21 ms; the sums started during the backward pass were complete at its
        /// end in 97% of the steps`.
        func line(rank: Int) -> String {
            "rank \(rank) step: computing \(fixed(computing, 2)) ms, MPI calls during the backward pass "
                + "\(fixed(callsDuringBackward, 2)) ms, waiting for the sums \(fixed(waiting, 2)) ms, update \(fixed(update, 2)) ms; "
                + "the sums started during the backward pass were complete at its end in \(fixed(earlySumsComplete * 100, 0))% of the steps"
        }
    }

    /// Sends every rank's step parts to every rank (a collective operation: every rank of a job
    /// calls it after its training); does nothing outside a job or when no step was made.
    static func gatherStepParts() {
        guard let communicator, statistics.count > 0 else { return }
        let width = 5
        var values = [Double](repeating: 0, count: communicator.size * width)
        values.replaceSubrange(
            (communicator.rank * width)..<((communicator.rank + 1) * width), with: StepParts(statistics).values)
        communicator.allreduceSum(&values)
        stepParts = (0..<communicator.size).map { StepParts(values[($0 * width)..<(($0 + 1) * width)]) }
    }

    /// The summary's lines for ``stepParts``, one per rank.
    static var stepPartLines: [String] {
        stepParts.enumerated().map { $0.element.line(rank: $0.offset) }
    }

    /// `on 4 ranks × 2 threads` for the header, or nothing outside a job.
    static var description: String {
        guard let communicator else { return "" }
        return
            " on \(communicator.size) rank\(communicator.size == 1 ? "" : "s") × \(BLASLibrary.threadCount) thread\(BLASLibrary.threadCount == 1 ? "" : "s")"
    }
}
