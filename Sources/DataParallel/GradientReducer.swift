import Network
import Tensor

/// Plugs a ``Communicator`` into `fit` as the network's gradient hook: every member trains on its
/// share of each global batch, and one in-place allreduce per step sums the members' gradients
/// together with the step's loss and metrics, so that a nan on any member stops every member at
/// the same step.
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
/// It also counts the reductions and the time they take (``statistics``), for benchmarks.
public final class GradientReducer<Scalar: MatrixScalar>: DataParallelHook {
    /// The communicator the reductions go through.
    public let communicator: any Communicator
    /// The sums made so far and the time they took.
    public let statistics: ReductionStatistics
    /// The rows of the current batch, and this member's share of them (set by ``share(of:)``).
    var batchRows = 0
    var shareRows = 0
    /// Whether the run's loss sums over samples (set by ``trainingBegins(_:loss:optimizer:random:)``).
    var lossIsSum = false

    /// A reducer over `communicator`, counting into `statistics`.
    public init(_ communicator: any Communicator, statistics: ReductionStatistics = ReductionStatistics()) {
        self.communicator = communicator
        self.statistics = statistics
    }

    /// Member `rank`'s contiguous, balanced share of `batch`.
    public func share(of batch: Range<Int>) -> Range<Int> {
        let count = batch.count, rank = communicator.rank, size = communicator.size
        batchRows = count
        let share = (batch.lowerBound + count * rank / size)..<(batch.lowerBound + count * (rank + 1) / size)
        shareRows = share.count
        return share
    }

    /// Weighs this member's buffer (see the type's notes) and sums it over the members in place.
    public func gradientsComplete(_ gradients: StepGradients<Scalar>) throws(NetworkError) {
        let weight = batchRows > 0 ? Double(shareRows) / Double(batchRows) : 0
        let gradientWeight = Scalar(lossIsSum ? (shareRows > 0 ? 1 : 0) : weight)
        let statisticWeight = Scalar(weight)
        let gradientCount = gradients.gradientCount
        gradients.withUnsafeMutableBufferPointer { buffer in
            if gradientWeight != 1 {
                for index in 0..<gradientCount { buffer[index] *= gradientWeight }
            }
            // The loss: weighted as the gradient; the metrics: always by rows.
            buffer[gradientCount] *= gradientWeight
            for index in (gradientCount + 1)..<buffer.count { buffer[index] *= statisticWeight }
            let started = ContinuousClock.now
            if let inPlace = communicator as? any InPlaceReducing {
                inPlace.allreduceSum(in: buffer)
            } else {
                var values = Array(buffer)
                communicator.allreduceSum(&values)
                for index in buffer.indices { buffer[index] = values[index] }
            }
            statistics.record(ContinuousClock.now - started, values: buffer.count)
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
    /// The seconds spent, all sums together.
    public private(set) var seconds = 0.0

    /// Empty statistics.
    public init() {}

    func record(_ elapsed: Duration, values: Int) {
        count += 1
        self.values += values
        seconds += Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }
}

/// A communicator that sums a buffer in place without copying it into an array first.
protocol InPlaceReducing {
    func allreduceSum<Scalar: MatrixScalar>(in buffer: UnsafeMutableBufferPointer<Scalar>)
}
