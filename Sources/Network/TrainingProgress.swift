import Tensor

/// Early-stopping bookkeeping that survives a checkpoint: the best monitored loss so far, its epoch,
/// the epochs since, and the weights of that epoch.
public struct EarlyStoppingState: Codable, Sendable, Equatable {
    /// The lowest monitored loss (validation loss if there is validation data, else training loss).
    public var bestLoss: Double
    /// The epoch (from 0) that reached ``bestLoss``.
    public var bestEpoch: Int
    /// Epochs since ``bestEpoch`` without a lower loss.
    public var epochsWithoutImprovement: Int
    /// Every parameter's value after ``bestEpoch``, in the order of ``Sequential/parameters``, then
    /// every layer's buffers (``Layer/buffers``: batch normalization's running statistics) in layer order.
    public var bestWeights: [Matrix<Double>]
}

/// Where a training run stands between epochs: how many epochs are done, their history and the
/// early-stopping bookkeeping. ``Sequential/fit(_:_:loss:optimizer:options:validation:random:resuming:checkpointEvery:checkpoint:)``
/// hands one to its checkpoint callback and accepts one to resume from.
public struct TrainingProgress: Codable, Sendable, Equatable {
    /// The number of epochs completed.
    public var epoch: Int
    /// The history of those epochs.
    public var history: TrainingHistory
    /// The early-stopping state, once an epoch has been seen with early stopping on.
    public var earlyStopping: EarlyStoppingState?

    /// A run that has not started.
    public init(epoch: Int = 0, history: TrainingHistory = TrainingHistory(), earlyStopping: EarlyStoppingState? = nil)
    {
        self.epoch = epoch
        self.history = history
        self.earlyStopping = earlyStopping
    }
}

/// What the training driver tells its epoch-end consumers (checkpoint writing): the progress after
/// the epoch, early-stopping record included, and the generator's state.
typealias EpochEndConsumer = (TrainingProgress, NumpyRandomState) throws(NetworkError) -> Void

extension TrainingProgress {
    /// Early stopping, in one place: records epoch `epoch`'s monitored loss (validation loss if there
    /// is validation data, else training loss). An epoch improves when its loss is below the best so
    /// far by more than `tolerance`; after `patience` epochs in a row that do not, the history says the
    /// run stopped early (scikit-learn's `tol` and `n_iter_no_change`; Keras's `min_delta`). A loss
    /// below the best (or the first epoch seen) becomes the best, with `weights` (evaluated only then).
    mutating func recordForEarlyStopping(
        monitored: Double, epoch: Int, patience: Int, tolerance: Double = 0,
        weights: @autoclosure () -> [Matrix<Double>]
    ) {
        guard var state = earlyStopping else {
            earlyStopping = EarlyStoppingState(
                bestLoss: monitored, bestEpoch: epoch, epochsWithoutImprovement: 0, bestWeights: weights())
            return
        }
        if monitored < state.bestLoss - tolerance {
            state.epochsWithoutImprovement = 0
        } else {
            state.epochsWithoutImprovement += 1
            if state.epochsWithoutImprovement >= patience { history.stoppedEarly = true }
        }
        if monitored < state.bestLoss {
            state.bestLoss = monitored
            state.bestEpoch = epoch
            state.bestWeights = weights()
        }
        earlyStopping = state
    }
}

extension TrainingProgress {
    /// Decides again, under a resumed run's `patience` (nil: early stopping off), whether the run has
    /// stopped: a run that stopped after 10 epochs without improvement goes on under a patience of 20
    /// or with early stopping off, and one that has waited `patience` epochs already stops at once.
    /// The checkpoint's own patience keeps its decision, so a resumed run makes the epochs the
    /// uninterrupted run would.
    mutating func applyPatience(_ patience: Int?) {
        guard let patience else {
            history.stoppedEarly = false
            return
        }
        history.stoppedEarly = (earlyStopping?.epochsWithoutImprovement ?? 0) >= patience
    }
}

extension TrainingHistory {
    /// Appends the epochs of `later`, a history of the epochs that follow this one's.
    public mutating func append(_ later: TrainingHistory) {
        loss += later.loss
        validationLoss += later.validationLoss
        learningRate += later.learningRate
        for (metric, values) in later.metrics { metrics[metric, default: []] += values }
        for (metric, values) in later.validationMetrics { validationMetrics[metric, default: []] += values }
        if later.stoppedEarly { stoppedEarly = true }
        if let best = later.bestEpoch { bestEpoch = best }
    }
}
