import Network
import Tensor

/// Plugs a ``Communicator`` into `fit` as the network's gradient hook: every member trains on its
/// share of each global batch, and in-place allreduces (one per bucket of layers, started during the
/// backward pass) sum the members' gradients together with the step's loss and metrics, so that a
/// nan on any member stops every member at the same step.
///
/// ```swift
/// let communicator = try MPICommunicator.initialize()   // or one of InProcessCommunicator.run's
/// network.gradientHook = GradientReducer<Float>(communicator)
/// try network.fit(inputs, targets, loss: .softmaxCrossEntropy, optimizer: optimizer,
///                 options: TrainingOptions(epochs: 5, batchSize: 128), random: &random)
/// ```
///
/// Semantics (the members give the weights one process would reach on the whole batch, to rounding):
/// - Every member draws the same shuffled order; member `r` of `W` takes rows `⌊n·r/W⌋ ..< ⌊n·(r+1)/W⌋`
///   of each batch of `n` rows (possibly none), so the batch size stays the global one.
/// - Before the sum, a member's buffer is weighted by its rows over the batch's: its mean-loss
///   gradient, loss and metrics then add up to the batch's, uneven shares included. Momentum SGD's
///   velocity, which the buffer also holds and which every member has alike, is weighted too, and the
///   weights add up to 1. A summed loss (half-sse, sse) keeps its gradient and loss unweighted, since
///   they add up across members as they are; with momentum SGD it is refused (its velocity would be
///   added once per member).
/// - When training starts, member 0's weights, gradient buffers, optimizer state and generator go to
///   every member; validation data is evaluated in shares and summed.
///
/// The sum is cut into buckets, as PyTorch DDP's are: walking the layers from the last, a bucket
/// takes whole layers until it holds ``bucketBytes`` or more (so small layers share a message), and
/// the first bucket carries the step's statistics too. With ``overlapsBackward`` (the default) a
/// bucket's sum starts, non-blocking, as soon as the backward pass has produced its layers'
/// gradients, and proceeds while the earlier layers compute; every sum is waited for before the
/// update. Without it, the same buckets start once the backward pass is over. The buckets, and
/// so the bits of every sum, are the same either way (see ``Communicator/startAllreduceSum(in:)``).
///
/// It also counts the reductions and the time they take (``statistics``), for benchmarks.
public final class GradientReducer<Scalar: MatrixScalar>: DataParallelHook {
    /// The communicator the reductions go through.
    public let communicator: any Communicator
    /// The sums made so far and the time they took.
    public let statistics: ReductionStatistics
    /// Whether each bucket's sum starts during the backward pass, as soon as its gradients are final.
    public let overlapsBackward: Bool
    /// The size from which a bucket takes no further layer, in bytes.
    public let bucketBytes: Int
    /// The default ``bucketBytes``: 64 KiB, which puts the 784-256-128-10 network's two last layers
    /// and the statistics (137 KB in float) in one message, sent while the first layer's gradients
    /// (804 KB) are computed, and that layer in another. (PyTorch DDP's first bucket is 1 MiB, for networks
    /// whose layers are larger.)
    public static var defaultBucketBytes: Int { 65_536 }
    /// The parameter scalars of each layer of the network being trained, first layer first.
    var layerScalars: [Int] = []
    /// The buckets as ranges of the step's buffer, first started first (the last layers' first),
    /// made at the first step from ``layerScalars``.
    var buckets: [Range<Int>] = []
    /// The number of this step's buckets started so far.
    var startedBuckets = 0
    /// The rows of the current batch, and this member's share of them (set by ``share(of:)``).
    var batchRows = 0
    var shareRows = 0
    /// Whether the run's loss sums over samples (set by ``trainingBegins(_:loss:optimizer:random:)``).
    var lossIsSum = false
    /// When the current step began (``share(of:)``), when the previous step's sums were complete,
    /// and the time this step spent in MPI calls during its backward pass: the step's parts for
    /// ``statistics``.
    var stepBegan: ContinuousClock.Instant?
    var sumsCompleted: ContinuousClock.Instant?
    var callsDuringBackward = Duration.zero

    /// A reducer over `communicator`, counting into `statistics`, with buckets of `bucketBytes` or
    /// more, that starts each bucket's sum during the backward pass unless `overlapsBackward` is false.
    public init(
        _ communicator: any Communicator, statistics: ReductionStatistics = ReductionStatistics(),
        overlapsBackward: Bool = true, bucketBytes: Int = defaultBucketBytes
    ) {
        self.communicator = communicator
        self.statistics = statistics
        self.overlapsBackward = overlapsBackward
        self.bucketBytes = bucketBytes
    }

    /// The buckets of a network whose layers hold `layerScalars` parameters each, first layer
    /// first, followed by `statisticCount` statistics: ranges of the step's buffer, the last
    /// layers' (with the statistics) first, each closed at the first layer boundary where it holds
    /// `bucketBytes` or more. Every member computes the same buckets from the same network.
    public static func buckets(layerScalars: [Int], statisticCount: Int, bucketBytes: Int) -> [Range<Int>] {
        let gradientCount = layerScalars.reduce(0, +)
        let bytes = MemoryLayout<Scalar>.stride
        var buckets: [Range<Int>] = []
        var upper = gradientCount + statisticCount, offset = gradientCount
        for scalars in layerScalars.reversed() {
            offset -= scalars
            if (upper - offset) * bytes >= bucketBytes {
                buckets.append(offset..<upper)
                upper = offset
            }
        }
        if upper > 0 || buckets.isEmpty { buckets.append(0..<upper) }
        return buckets
    }

    /// Member `rank`'s contiguous, balanced share of `batch`.
    public func share(of batch: Range<Int>) -> Range<Int> {
        let now = ContinuousClock.now
        // From the previous step's sums to this step: its update (within an epoch; the first step of
        // an epoch follows the previous epoch's end).
        if batch.lowerBound > 0, let sumsCompleted { statistics.recordUpdate(now - sumsCompleted) }
        stepBegan = now
        callsDuringBackward = .zero
        let count = batch.count, rank = communicator.rank, size = communicator.size
        batchRows = count
        let share = (batch.lowerBound + count * rank / size)..<(batch.lowerBound + count * (rank + 1) / size)
        shareRows = share.count
        return share
    }

    /// Weighs and starts the sums of the buckets whose gradients are now final, when overlapping,
    /// and lets those started earlier advance.
    public func gradientsReady(_ gradients: StepGradients<Scalar>, from offset: Int) {
        guard overlapsBackward else { return }
        let called = ContinuousClock.now
        startBuckets(gradients, from: offset)
        communicator.progressReductions()
        callsDuringBackward += ContinuousClock.now - called
    }

    /// Weighs and starts the buckets not started yet, then waits for every bucket's sum.
    public func gradientsComplete(_ gradients: StepGradients<Scalar>) throws(NetworkError) {
        let started = ContinuousClock.now
        let startedEarly = startedBuckets
        // Whether the sums started during the backward pass are already complete: how far they
        // advanced while the earlier layers computed.
        let earlyComplete = startedEarly > 0 && communicator.progressReductions()
        startBuckets(gradients, from: 0)
        communicator.waitForReductions()
        let completed = ContinuousClock.now
        statistics.record(
            completed - started, values: gradients.count, buckets: buckets.count,
            startedDuringBackward: startedEarly)
        if let stepBegan {
            statistics.recordComputing(
                started - stepBegan - callsDuringBackward, callsDuringBackward: callsDuringBackward,
                earlySumsComplete: earlyComplete)
        }
        sumsCompleted = completed
        startedBuckets = 0
    }

    /// Weighs this member's part of each bucket not yet started that lies at or after `offset`
    /// (see the type's notes), and starts its sum.
    func startBuckets(_ gradients: StepGradients<Scalar>, from offset: Int) {
        let weight = batchRows > 0 ? Double(shareRows) / Double(batchRows) : 0
        let gradientWeight = Scalar(lossIsSum ? (shareRows > 0 ? 1 : 0) : weight)
        let statisticWeight = Scalar(weight)
        let gradientCount = gradients.gradientCount
        if buckets.first?.upperBound != gradients.count {
            buckets =
                layerScalars.reduce(0, +) == gradientCount
                ? Self.buckets(
                    layerScalars: layerScalars, statisticCount: gradients.statisticCount, bucketBytes: bucketBytes)
                : [0..<gradients.count]
        }
        gradients.withUnsafeMutableBufferPointer { buffer in
            while startedBuckets < buckets.count && buckets[startedBuckets].lowerBound >= offset {
                let bucket = buckets[startedBuckets]
                // The gradients and the loss: weighted alike; the metrics: always by rows.
                if gradientWeight != 1 {
                    for index in bucket.lowerBound..<min(bucket.upperBound, gradientCount + 1) {
                        buffer[index] *= gradientWeight
                    }
                }
                for index in max(bucket.lowerBound, gradientCount + 1)..<max(bucket.upperBound, gradientCount + 1) {
                    buffer[index] *= statisticWeight
                }
                communicator.startAllreduceSum(in: UnsafeMutableBufferPointer(rebasing: buffer[bucket]))
                startedBuckets += 1
            }
        }
    }

    /// Sends member 0's weights, gradient buffers (momentum SGD's velocity), optimizer state and
    /// step count, and generator to every member.
    ///
    /// - Throws: ``NetworkError/invalidConfiguration(_:)`` for a summed loss with momentum SGD.
    public func trainingBegins(
        _ network: Sequential<Scalar>, loss: Loss, optimizer: Optimizer<Scalar>, random: inout NumpyRandomState
    ) throws(NetworkError) {
        lossIsSum = loss.sumsOverSamples
        layerScalars = network.layers.map { $0.parameters.reduce(0) { $0 + $1.count } }
        buckets = []
        if lossIsSum && optimizer.gradientRetention != 0 {
            throw .invalidConfiguration(
                "data-parallel training cannot use momentum SGD with a summed loss (\(loss.rawValue)): every member would add the velocity; use a mean loss, nesterov, adam or plain SGD"
            )
        }
        guard communicator.size > 1 else { return }
        let parameters = network.parameters
        let state = optimizer.state
        var scalars: [Scalar] = []
        for parameter in parameters { scalars += parameter.value.scalars + parameter.gradient.scalars }
        for matrices in state { for matrix in matrices { scalars += matrix.scalars } }
        // Every member must send as many: the counts first.
        var counts = [Double(scalars.count)]
        communicator.broadcast(&counts, from: 0)
        guard Int(counts[0]) == scalars.count else {
            communicator.abort(
                "member \(communicator.rank) has \(scalars.count) weights and optimizer values but member 0 has \(Int(counts[0])); every member must build the same network and optimizer",
                code: 1)
        }
        communicator.broadcast(&scalars, from: 0)
        var offset = 0
        func take(_ shape: (rows: Int, columns: Int)) -> Matrix<Scalar> {
            let count = shape.rows * shape.columns
            defer { offset += count }
            return Matrix(rows: shape.rows, columns: shape.columns, scalars: Array(scalars[offset..<(offset + count)]))
        }
        for parameter in parameters {
            parameter.value = take(parameter.shape)
            parameter.gradient = take(parameter.shape)
        }
        let received = state.map { matrices in matrices.map { take($0.shape) } }
        // The step count and the generator, exactly (every value fits a Double's 53 bits).
        let randomState = random.state
        var numbers =
            [
                Double(optimizer.stepCount), Double(randomState.position), randomState.hasGauss ? 1 : 0,
                randomState.gauss,
            ]
            + randomState.keys.map(Double.init)
        communicator.broadcast(&numbers, from: 0)
        try optimizer.restore(state: received, stepCount: Int(numbers[0]), for: parameters)
        do {
            random = try NumpyRandomState(
                state: .init(
                    keys: numbers[4...].map { UInt32($0) }, position: Int(numbers[1]), hasGauss: numbers[2] != 0,
                    gauss: numbers[3]))
        } catch {
            throw .invalidConfiguration("member 0's random state could not be restored: \(error)")
        }
    }

    /// Evaluates this member's share of `data` and sums the weighted results over the members.
    public func evaluate(
        _ network: Sequential<Scalar>, _ data: (inputs: Matrix<Scalar>, targets: Matrix<Scalar>), loss: Loss,
        metrics: [Metric], batchSize: Int
    ) throws(NetworkError) -> (loss: Double, metrics: [Metric: Double]) {
        let count = data.inputs.rows
        let rank = communicator.rank, size = communicator.size
        let share = (count * rank / size)..<(count * (rank + 1) / size)
        var sums = [Double](repeating: 0, count: 1 + metrics.count)
        if !share.isEmpty {
            let part = try network.evaluate(
                data.inputs.rows(share), data.targets.rows(share), loss: loss, metrics: metrics, batchSize: batchSize)
            let weight = Double(share.count) / Double(count)
            sums[0] = lossIsSum ? part.loss : part.loss * weight
            for (index, metric) in metrics.enumerated() { sums[1 + index] = (part.metrics[metric] ?? 0) * weight }
        }
        communicator.allreduceSum(&sums)
        var reduced = [Metric: Double]()
        for (index, metric) in metrics.enumerated() { reduced[metric] = sums[1 + index] }
        return (sums[0], reduced)
    }
}

/// The sums a ``GradientReducer`` made and the time they took (waiting for the slowest member
/// included), shared by the reducers of one process.
public final class ReductionStatistics: @unchecked Sendable {
    /// The number of sums (one per training step).
    public private(set) var count = 0
    /// The scalars summed, all sums together.
    public private(set) var values = 0
    /// The seconds the steps waited for their sums after the backward pass, all sums together
    /// (starting the buckets not started yet, and waiting for every bucket; what the backward pass
    /// hid is not counted).
    public private(set) var seconds = 0.0
    /// The buckets summed, all steps together.
    public private(set) var buckets = 0
    /// Of ``buckets``, those whose sum started during the backward pass.
    public private(set) var bucketsStartedDuringBackward = 0
    /// The seconds the steps computed (from the step's beginning to the end of its backward pass:
    /// gathering the batch, the forward pass, the loss and metrics, the backward pass), less the MPI
    /// calls made during the backward pass, all steps together.
    public private(set) var computingSeconds = 0.0
    /// The seconds spent in MPI calls during the backward passes (starting buckets, letting started
    /// sums advance), all steps together.
    public private(set) var secondsInCallsDuringBackward = 0.0
    /// The steps whose sums started during the backward pass were all complete when it ended.
    public private(set) var stepsWithEarlySumsComplete = 0
    /// The seconds from one step's sums to the next step of the same epoch (the optimizer's update
    /// and the loop's bookkeeping), over ``updateCount`` steps.
    public private(set) var updateSeconds = 0.0
    /// The steps that ``updateSeconds`` covers (every step but the last of each epoch).
    public private(set) var updateCount = 0

    /// Empty statistics.
    public init() {}

    func record(_ elapsed: Duration, values: Int, buckets: Int, startedDuringBackward: Int) {
        count += 1
        self.values += values
        self.buckets += buckets
        bucketsStartedDuringBackward += startedDuringBackward
        seconds += Self.seconds(elapsed)
    }

    func recordComputing(_ elapsed: Duration, callsDuringBackward: Duration, earlySumsComplete: Bool) {
        computingSeconds += Self.seconds(elapsed)
        secondsInCallsDuringBackward += Self.seconds(callsDuringBackward)
        if earlySumsComplete { stepsWithEarlySumsComplete += 1 }
    }

    func recordUpdate(_ elapsed: Duration) {
        updateCount += 1
        updateSeconds += Self.seconds(elapsed)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }
}
