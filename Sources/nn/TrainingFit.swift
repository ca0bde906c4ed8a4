internal import FileSystem
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
            earlyStoppingPatience: plan.earlyStopping, earlyStoppingTolerance: plan.earlyStoppingTolerance,
            flushesSubnormalsToZero: plan.flushesSubnormalsToZero)
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
            switch error {
            case .nonFiniteLoss(let epoch, let batchIndex, let rate):
                throw divergenceAdvice(
                    "the loss became nan or infinite at epoch \(epoch + 1), batch \(batchIndex + 1)", rate: rate,
                    inputs: inputs, targets: targets.targets)
            case .nonFiniteWeights(let epoch, let parameter, let rate):
                throw divergenceAdvice(
                    "the weights became nan or infinite (\(parameter)) at epoch \(epoch + 1)", rate: rate,
                    inputs: inputs, targets: targets.targets)
            default:
                throw error
            }
        }
        if showsProgress { reporter.showLastEpoch() }
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
                    snapshot.model = description.value.file(
                        network.value, kept: EpochNumbers(summary), epochsRun: summary.epoch + 1)
                    snapshot.epoch = summary.epoch
                }
            }
            guard interruption.requested else { return }
            reporter.finish()
            var message = "interrupted after epoch \(summary.epoch + 1)"
            if let save, var model = snapshot.model {
                // The epochs run are this one's; the kept epoch's were recorded with its weights.
                ModelDescription.record(epochsRun: summary.epoch + 1, in: &model)
                do {
                    try model.write(to: save)
                    message += "; saved the best model so far (epoch \(snapshot.epoch + 1)) to \(displayPath(save))"
                } catch {
                    message += "; could not save the model: \(error)"
                }
            }
            writeError(message + "\n")
            Foundation.exit(130)
        }
    }

    /// The error for a loss or weights that became nan or infinite (`what`, with the epoch): the cause
    /// this run's settings and data point to, and which earlier outputs were left as they were.
    ///
    /// A weight decay whose product with the learning rate reaches 1 is the cause by itself: each step
    /// takes `rate × decay` times each weight away from it, which for a product of 2 or more makes the
    /// weights alternate in sign and grow, whatever the data, so it is the only advice then (with the
    /// tables' default decay, which the user did not choose, the learning rate is named). Otherwise
    /// the learning rate is always a remedy, and scaling is advised only when the unscaled inputs or
    /// regression targets really are large (beyond ``largeMagnitude``).
    func divergenceAdvice(
        _ what: String, rate: Double, inputs: Matrix<Scalar>, targets: Matrix<Scalar>
    ) -> CommandError {
        // Every rank of a job meets it at the same step (the step's sum carries the nan).
        DistributedRun.failureIsShared = true
        var kept: [String] = []
        if command.checkpointEvery != nil && RawPath.exists(command.checkpointPath) {
            kept.append("checkpoint \(command.checkpointPath)")
        }
        if let save = command.save, RawPath.exists(save) { kept.append("model \(save)") }
        let keptText = kept.isEmpty ? "" : " (the last good \(kept.joined(separator: " and ")) was left unchanged)"
        // SGD's rules and AdamW step by rate × decay × weight, unnormalized; Adam and RMSprop divide the
        // decay's gradient term by its own size, so only a decay that overflows the precision breaks them.
        let decayStep = rate * plan.weightDecay
        let unnormalizedRules: [OptimizerOption] = [.sgd, .momentum, .nesterov, .adamw]
        let unnormalized = unnormalizedRules.contains(plan.optimizer)
        if plan.weightDecay > 0 && unnormalized && !(decayStep < 1)
            && plan.setting("weightDecay")?.source == .tableDefault
        {
            // The user chose the rate, not the decay: the rate is the remedy they can act on.
            return CommandError.invalidOption(
                "\(what): learning rate \(rate) with the default weight decay \(plan.weightDecay) (\(Int(TrainDefaults.table.l2Penalty)) / training rows) takes \(decayStep) times each weight away from it at every step, so the weights grow instead of shrinking; try a smaller --learning-rate than \(rate) (below \(1 / plan.weightDecay) for this decay), or --weight-decay 0"
                    + keptText)
        }
        if plan.weightDecay > 0 && unnormalized && !(decayStep < 1) {
            return CommandError.invalidOption(
                "\(what): --weight-decay \(plan.weightDecay) with learning rate \(rate) takes \(decayStep) times each weight away from it at every step, so the weights grow instead of shrinking; choose a --weight-decay below \(1 / rate) (1 / learning rate)"
                    + keptText)
        }
        if plan.weightDecay > Self.largeDecay {
            return CommandError.invalidOption(
                "\(what): --weight-decay \(plan.weightDecay) adds that many times each weight to its gradient, which overflows \(plan.precision.rawValue) precision; choose a --weight-decay below 1"
                    + keptText)
        }
        var hints: [String] = []
        let largestInput = Self.largestMagnitude(inputs)
        if description.inputTransform == nil && largestInput > Self.largeMagnitude {
            hints.append("standardized inputs (--scale standardize; the inputs reach \(largestInput))")
        }
        let largestTarget = Self.largestMagnitude(targets)
        if plan.task == .regress && description.targetTransform == nil && largestTarget > Self.largeMagnitude {
            hints.append("standardized targets (--target-scale standardize; the targets reach \(largestTarget))")
        }
        hints.append("a smaller --learning-rate than \(rate)")
        return CommandError.invalidOption("\(what); try \(hints.joined(separator: ", or "))" + keptText)
    }

    /// The weight decay beyond which its gradient term (decay × weight) is named as the cause whatever
    /// the optimizer: a float's range ends near 3e38.
    static var largeDecay: Double { 1e30 }

    /// The magnitude beyond which unscaled inputs or targets are named as a cause of divergence:
    /// standardized data is within a few units, and products of values past this grow quickly.
    static var largeMagnitude: Double { 100 }

    /// The largest absolute value in `values` (infinite when one is nan or infinite).
    static func largestMagnitude(_ values: Matrix<Scalar>) -> Double {
        values.withUnsafeBufferPointer { buffer in
            var largest = 0.0
            for value in buffer {
                let magnitude = Double(value.magnitude)
                if !(magnitude <= largest) { largest = magnitude.isNaN ? .infinity : magnitude }
            }
            return largest
        }
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
        writeError("warning: epoch \(epoch): \(readableMessage(message)); training goes on without this checkpoint\n")
    }
}
