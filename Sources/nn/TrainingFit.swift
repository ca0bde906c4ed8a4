import Foundation
import Network
import Tensor

/// The fit of a training run: progress lines, the best model kept for an interrupted run's `--save`,
/// checkpoints, and a loss that stops being finite turned into advice.
struct Fitter<Scalar: MatrixScalar> {
    let command: TrainCommand
    let plan: ResolvedRun
    let description: ModelDescription
    let network: Sequential<Scalar>
    let optimizer: Optimizer<Scalar>
    let firstEpoch: Int
    let trainingCount: Int
    /// The checkpoint's progress, on resume.
    let resumedProgress: TrainingProgress?

    /// Trains, writing checkpoints as asked; returns the history of every epoch, the checkpoint's included.
    func fit(
        _ inputs: Matrix<Scalar>, _ targets: PreparedTargets<Scalar>,
        validation: (inputs: Matrix<Scalar>, targets: Matrix<Scalar>)?, random: inout NumpyRandomState
    ) throws -> TrainingHistory {
        // In an MPI job only rank 0 prints and writes files.
        let quiet = command.quiet || !DistributedRun.isPrimary
        let reporter = ProgressReporter(
            terminal: DistributedRun.drawsProgressBar && !command.json, firstEpoch: firstEpoch,
            totalEpochs: plan.epochs, samplesPerEpoch: trainingCount)
        var options = TrainingOptions(
            epochs: plan.epochs, batchSize: plan.batchSize, metrics: targets.measuresAccuracy ? [.accuracy] : [],
            earlyStoppingPatience: plan.earlyStopping, earlyStoppingTolerance: plan.earlyStoppingTolerance)
        network.gradientHook = DistributedRun.reducer(for: Scalar.self)
        let showsProgress = !quiet && !command.json
        if showsProgress && reporter.terminal { options.onBatchEnd = { reporter.batchEnded($0) } }
        options.onEpochEnd = epochEndHandler(reporter: reporter, showsProgress: showsProgress)
        let checkpointFile = command.checkpointPath
        let checkpointFailures = CheckpointFailures()
        let history: TrainingHistory
        do {
            history = try network.fit(
                inputs, targets.targets, loss: plan.loss, optimizer: optimizer, options: options,
                validation: validation, random: &random, resuming: resumedProgress,
                checkpointEvery: command.checkpointEvery
            ) { (progress, state) throws(NetworkError) in
                guard DistributedRun.isPrimary else { return }
                // A checkpoint is insurance, not the result: a failed write (a full disk, a folder gone)
                // is a warning, and the run goes on to write --save.
                do {
                    try description.checkpoint(network, optimizer: optimizer, random: state, progress: progress)
                        .write(to: checkpointFile)
                } catch {
                    checkpointFailures.report(error, epoch: progress.epoch)
                }
            }
        } catch {
            reporter.finish()
            if case .nonFiniteLoss(let epoch, let batchIndex, let rate) = error {
                throw nonFiniteLossAdvice(epoch: epoch, batch: batchIndex, rate: rate)
            }
            throw error
        }
        reporter.finish()
        return history
    }

    /// Prints the epoch's line, keeps the best model so far for an interrupted run's `--save`, and
    /// ends the run after the epoch when Ctrl-C was pressed.
    func epochEndHandler(reporter: ProgressReporter, showsProgress: Bool) -> @Sendable (EpochSummary) -> Void {
        let snapshot = BestModelSnapshot()
        let interruption = Interruption.shared
        let save = command.save
        let description = UncheckedSendable(description)
        let network = UncheckedSendable(network)
        return { summary in
            if showsProgress { reporter.epochEnded(summary) }
            if save != nil {
                let monitored = summary.validationLoss ?? summary.loss
                if monitored < snapshot.bestLoss || snapshot.model == nil {
                    snapshot.bestLoss = monitored
                    snapshot.model = description.value.file(network.value)
                    snapshot.epoch = summary.epoch
                }
            }
            guard interruption.requested else { return }
            reporter.finish()
            var message = "interrupted after epoch \(summary.epoch + 1)"
            if let save, let model = snapshot.model {
                do {
                    try model.write(to: save)
                    message += "; saved the best model so far (epoch \(snapshot.epoch + 1)) to \(displayPath(save))"
                } catch {
                    message += "; could not save the model: \(error)"
                }
            }
            FileHandle.standardError.write(Data((message + "\n").utf8))
            Foundation.exit(130)
        }
    }

    /// The error for a loss that became nan or infinite: what this run did not do that would help,
    /// and which earlier outputs were left as they were.
    func nonFiniteLossAdvice(epoch: Int, batch: Int, rate: Double) -> CommandError {
        // Every rank of a job meets it at the same step (the step's sum carries the nan).
        DistributedRun.failureIsShared = true
        var kept: [String] = []
        if command.checkpointEvery != nil && FileManager.default.fileExists(atPath: command.checkpointPath) {
            kept.append("checkpoint \(command.checkpointPath)")
        }
        if let save = command.save, FileManager.default.fileExists(atPath: save) { kept.append("model \(save)") }
        var hints: [String] = []
        if description.inputTransform == nil { hints.append("standardized inputs (--scale standardize)") }
        if plan.task == .regress && description.targetTransform == nil {
            hints.append("standardized targets (--target-scale standardize)")
        }
        if plan.weightDecay > 0 { hints.append("a smaller --weight-decay than \(plan.weightDecay)") }
        hints.append("a smaller --learning-rate than \(rate)")
        return CommandError.invalidOption(
            "the loss became nan or infinite at epoch \(epoch + 1), batch \(batch + 1); try \(hints.joined(separator: ", or "))"
                + (kept.isEmpty ? "" : " (the last good \(kept.joined(separator: " and ")) was left unchanged)"))
    }
}

/// The warnings for checkpoints that could not be written: one line on standard error for the first
/// failure and for each later one whose reason differs, so that a long run does not repeat itself.
final class CheckpointFailures {
    private var lastMessage: String?

    func report(_ error: any Error, epoch: Int) {
        let message = "\(error)"
        guard message != lastMessage else { return }
        lastMessage = message
        FileHandle.standardError.write(
            Data(
                "warning: epoch \(epoch): \(readableMessage(message)); training goes on without this checkpoint\n".utf8)
        )
    }
}
