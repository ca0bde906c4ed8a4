import Network
import Tensor

/// Plugs a ``Communicator`` into `fit` (``TrainingOptions/group``): every member trains on its share
/// of each global batch, and one in-place allreduce per step sums the members' gradients together
/// with the step's loss and metrics, so that a nan on any member stops every member at the same step.
///
/// ```swift
/// let communicator = try MPICommunicator.initialize()   // or one of InProcessCommunicator.run's
/// var options = TrainingOptions(epochs: 5, batchSize: 128)
/// options.group = GradientReducer(communicator)
/// try network.fit(inputs, targets, loss: .softmaxCrossEntropy, optimizer: optimizer, options: options, random: &random)
/// ```
///
/// It also counts the reductions and the time they take, for benchmarks.
public final class GradientReducer: TrainingGroup, @unchecked Sendable {
    /// The communicator the reductions go through.
    public let communicator: any Communicator
    /// The number of sums made so far (one per training step, one per validation pass).
    public private(set) var reductionCount = 0
    /// The scalars summed so far.
    public private(set) var reducedScalarCount = 0
    /// The seconds spent in sums so far (waiting for the slowest member included).
    public private(set) var reductionSeconds = 0.0

    /// A reducer over `communicator`.
    public init(_ communicator: any Communicator) {
        self.communicator = communicator
    }

    /// The communicator's rank.
    public var rank: Int { communicator.rank }

    /// The communicator's size.
    public var size: Int { communicator.size }

    /// Sums `values` over the members in place, timing it.
    public func sum<Scalar: MatrixScalar>(_ values: inout [Scalar]) {
        let started = ContinuousClock.now
        communicator.allreduceSum(&values)
        let elapsed = ContinuousClock.now - started
        reductionSeconds += Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        reductionCount += 1
        reducedScalarCount += values.count
    }

    /// Gives every member member 0's `values`.
    public func broadcast<Scalar: MatrixScalar>(_ values: inout [Scalar]) {
        communicator.broadcast(&values, from: 0)
    }
}
