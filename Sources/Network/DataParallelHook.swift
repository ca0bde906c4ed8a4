import Tensor

/// A ``GradientHook`` for data parallelism, where processes (or threads) train one network together,
/// each on a share of every batch; the DataParallel module's `GradientReducer` is one.
///
/// With such a hook as ``Sequential/gradientHook``, `fit` asks it for this member's share of each
/// global batch (every member draws the same shuffled order, so the shares cover the batch), runs
/// the step on those rows only (none at all when the share is empty), and hands the step's gradients
/// and statistics to ``GradientHook/gradientsComplete(_:)`` to be combined. `fit` also lets it make
/// the members' starting state equal, and evaluates validation data through it, so that every
/// member records the same history and stops early at the same epoch. Network knows nothing of
/// how the members talk.
public protocol DataParallelHook<Scalar>: GradientHook {
    /// This member's rows of the batch `batch` (a range of positions in the epoch's order), or an
    /// empty range. `fit` calls it once per step, just before computing the step.
    func share(of batch: Range<Int>) -> Range<Int>

    /// Called once when `fit` starts, after the optimizer's state exists: make every member's
    /// parameters, gradient buffers, optimizer state and `random` those of the member that leads.
    func trainingBegins(
        _ network: Sequential<Scalar>, loss: Loss, optimizer: Optimizer<Scalar>, random: inout NumpyRandomState
    ) throws(NetworkError)

    /// The network's loss and metrics on `data` (validation data, the same on every member), as
    /// ``Sequential/evaluate(_:_:loss:metrics:batchSize:)`` gives them, and the same on every member.
    func evaluate(
        _ network: Sequential<Scalar>, _ data: (inputs: Matrix<Scalar>, targets: Matrix<Scalar>), loss: Loss,
        metrics: [Metric], batchSize: Int
    ) throws(NetworkError) -> (loss: Double, metrics: [Metric: Double])
}
