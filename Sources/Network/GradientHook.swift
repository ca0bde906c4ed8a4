import Tensor

/// What a ``GradientHook`` sees after each training step's backward pass, before the update: every
/// parameter's gradient and the step's statistics, in one contiguous buffer of ``count`` scalars.
///
/// The buffer holds, in order:
/// - the gradients of all of ``Sequential/parameters``, each row-major, in parameter order
///   (``gradientCount`` scalars);
/// - the step's statistics (``statisticCount`` scalars): the batch's loss, then the value of each
///   of the run's `options.metrics` on the batch, in that order.
///
/// A hook may rewrite any of it, and the step goes on with what it leaves: the optimizer updates
/// from the gradients, and the history records the loss and metrics. A distributed reducer averages
/// the whole buffer across replicas in one call (an all-reduce with sum, then a division by the
/// replica count). The buffer is linear in the step's gradient even for momentum SGD, whose buffer
/// holds `momentum · velocity + gradient` (see ``Optimizer/gradientRetention``): replicas that keep
/// the same weights and optimizer state average to the same update as one process with the
/// averaged gradient.
///
/// The buffer is valid only during the call; it is the network's own memory, so a step allocates
/// nothing.
public struct StepGradients<Scalar: MatrixScalar> {
    /// The first scalar of the buffer.
    let base: UnsafeMutablePointer<Scalar>
    /// The number of gradient scalars, all parameters together.
    public let gradientCount: Int
    /// The number of statistics after the gradients: 1 (the loss) plus the number of metrics.
    public let statisticCount: Int
    /// The epoch of the step, from 0.
    public let epoch: Int
    /// The batch of the step within its epoch, from 0.
    public let batch: Int
    /// The number of samples in the step's batch.
    public let batchSize: Int

    /// The length of the buffer: ``gradientCount`` + ``statisticCount``.
    public var count: Int { gradientCount + statisticCount }

    /// Calls `body` with the whole buffer (gradients, then statistics), to read or rewrite in place.
    ///
    /// The pointer must not escape `body`.
    public func withUnsafeMutableBufferPointer<Result, Failure: Error>(
        _ body: (UnsafeMutableBufferPointer<Scalar>) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try body(UnsafeMutableBufferPointer(start: base, count: count))
    }

    /// The step's loss as it stands in the buffer.
    public var loss: Scalar { base[gradientCount] }
}

/// Code that runs when a training step's gradients are complete, before the optimizer's update:
/// where a distributed gradient reducer plugs in (``Sequential/gradientHook``) without the network
/// knowing about it.
public protocol GradientHook<Scalar>: AnyObject {
    /// The element type.
    associatedtype Scalar: MatrixScalar

    /// Called once per training step with the step's gradients and statistics (see ``StepGradients``).
    ///
    /// - Throws: a ``NetworkError`` to stop the run (``Sequential/fit(_:_:loss:optimizer:options:validation:random:)``
    ///   rethrows it).
    func gradientsComplete(_ gradients: StepGradients<Scalar>) throws(NetworkError)

    /// Called during a step's backward pass, each time a layer's gradients are final: the scalars
    /// of the buffer from `offset` to its end (the gradients of that layer and of every later one,
    /// and the step's statistics) will not change before ``gradientsComplete(_:)``, so a hook may
    /// start sending them while the earlier layers' gradients are computed (as PyTorch DDP's
    /// gradient buckets do). The default does nothing.
    ///
    /// `fit` calls it once per layer but the first, last layer first, with non-increasing offsets
    /// (after the first layer nothing is left to compute, and ``gradientsComplete(_:)`` follows); a
    /// data-parallel member whose share of the batch is empty computes no backward pass and gets no
    /// call, only ``gradientsComplete(_:)``. Whatever the hook starts
    /// here, it must finish in ``gradientsComplete(_:)``: the optimizer reads the buffer right after.
    func gradientsReady(_ gradients: StepGradients<Scalar>, from offset: Int)
}

extension GradientHook {
    /// Does nothing: a hook that combines the gradients only once they are complete.
    public func gradientsReady(_ gradients: StepGradients<Scalar>, from offset: Int) {}
}

extension Sequential {
    /// Gathers every parameter's gradient into one contiguous block followed by room for
    /// `statisticCount` step statistics, unless it is already so, and returns the block's start and
    /// the number of gradient scalars. The gradients' values carry over (momentum's velocity lives there).
    ///
    /// - Throws: ``NetworkError/cannotAllocate(what:bytes:)`` when the block cannot be allocated.
    func contiguousGradients(statisticCount: Int) throws(NetworkError) -> (
        base: UnsafeMutablePointer<Scalar>, gradientCount: Int
    ) {
        let parameters = self.parameters
        let gradientCount = parameters.reduce(0) { $0 + $1.count }
        if let storage = gradientStorage, storage.count >= gradientCount + statisticCount {
            var offset = 0
            var gathered = true
            for parameter in parameters {
                if parameter.gradientBuffer.pointer != storage.pointer + offset { gathered = false }
                offset += parameter.count
            }
            if gathered { return (storage.pointer, gradientCount) }
        }
        let storage = try ScalarBuffer<Scalar>(
            rows: 1, columns: gradientCount + statisticCount,
            for: "the gradient block (\(gradientCount) gradients and \(statisticCount) statistics)")
        var offset = 0
        for parameter in parameters {
            parameter.gradientBuffer = ScalarBuffer(inside: storage, offset: offset, copying: parameter.gradientBuffer)
            offset += parameter.count
        }
        gradientStorage = storage
        return (storage.pointer, gradientCount)
    }
}
