import RealModule
import Tensor

/// The update rules a network trains with.
public enum OptimizerKind: Codable, Sendable, Equatable {
    /// Stochastic gradient descent, with optional momentum (PyTorch's form: `v = μv + g`, `w -= lr · v`)
    /// and Nesterov momentum (`w -= lr · (g + μv)`).
    case sgd(momentum: Double, nesterov: Bool)
    /// Adam (Kingma & Ba), with bias correction: `m = β₁m + (1-β₁)g`, `v = β₂v + (1-β₂)g²`,
    /// `w -= lr · m̂ / (sqrt(v̂) + ε)`.
    case adam(beta1: Double, beta2: Double, epsilon: Double)

    /// Plain SGD.
    public static let sgd = OptimizerKind.sgd(momentum: 0, nesterov: false)
    /// Adam with the usual defaults (0.9, 0.999, 1e-8).
    public static let adam = OptimizerKind.adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8)
}

/// A learning rate that changes from epoch to epoch.
public enum LearningRateSchedule: Codable, Sendable, Equatable {
    /// The base rate throughout.
    case constant
    /// The base rate multiplied by `factor` every `every` epochs: `rate · factor^⌊epoch / every⌋`.
    case step(every: Int, factor: Double)
    /// The base rate multiplied by `decay` each epoch: `rate · decay^epoch`.
    case exponential(decay: Double)

    /// The learning rate for `epoch` (counted from 0) given the base rate.
    public func rate(base: Double, epoch: Int) -> Double {
        switch self {
        case .constant: return base
        case .step(let every, let factor): return base * Double.pow(factor, Double(epoch / max(1, every)))
        case .exponential(let decay): return base * Double.pow(decay, Double(epoch))
        }
    }
}

/// Updates a network's parameters from their gradients: SGD (with momentum or Nesterov) or Adam,
/// with optional L2 weight decay (added to the gradient, as PyTorch's `weight_decay`).
///
/// The optimizer keeps the state its rule needs (velocities, moment estimates, the step count) per
/// parameter, in the order of ``Sequential/parameters``, so that a checkpoint can save and restore it.
public final class Optimizer<Scalar: MatrixScalar> {
    /// The update rule.
    public let kind: OptimizerKind
    /// The base learning rate.
    public let baseLearningRate: Double
    /// The learning rate in force (the schedule sets it each epoch).
    public var learningRate: Double
    /// The L2 penalty λ: the gradient becomes `g + λw`.
    public let weightDecay: Double
    /// How the learning rate changes over epochs.
    public let schedule: LearningRateSchedule
    /// The number of updates made so far (Adam's `t`).
    public internal(set) var stepCount = 0
    /// Per-parameter state: Nesterov's velocity, or Adam's first then second moments.
    @exclusivity(unchecked) public internal(set) var state: [[Matrix<Scalar>]] = []

    /// Creates an optimizer.
    ///
    /// - Parameters:
    ///   - kind: the rule (plain SGD by default).
    ///   - learningRate: the base step size.
    ///   - weightDecay: the L2 penalty λ (0 for none).
    ///   - schedule: how the rate changes from epoch to epoch.
    public init(_ kind: OptimizerKind = .sgd, learningRate: Double, weightDecay: Double = 0, schedule: LearningRateSchedule = .constant) {
        self.kind = kind
        self.baseLearningRate = learningRate
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        self.schedule = schedule
    }

    /// The factor by which layers keep the previous content of a parameter's gradient buffer when
    /// they write a new gradient: momentum SGD without Nesterov keeps its velocity there, so that
    /// `velocity = momentum · velocity + gradient` happens inside the gradient product itself.
    public var gradientRetention: Scalar {
        if case .sgd(let momentum, let nesterov) = kind, !nesterov { return Scalar(momentum) }
        return 0
    }

    /// Sets the learning rate for `epoch` from the schedule.
    public func beginEpoch(_ epoch: Int) {
        learningRate = schedule.rate(base: baseLearningRate, epoch: epoch)
    }

    /// Applies one update to every parameter from its gradient buffer.
    public func update(_ parameters: [Parameter<Scalar>]) {
        stepCount += 1
        let rate = Scalar(learningRate)
        let decay = Scalar(weightDecay)
        if state.count != parameters.count { allocateState(for: parameters) }
        for (index, parameter) in parameters.enumerated() {
            switch kind {
            case .sgd(let momentum, let nesterov):
                if nesterov && momentum != 0 {
                    let mu = Scalar(momentum)
                    // g' = g + λw; v = μv + g'; w -= lr (g' + μv)
                    if decay != 0 { parameter.gradient.combine(with: parameter.value, "weight decay") { $0 + decay * $1 } }
                    state[index][0].combine(with: parameter.gradient, "nesterov") { mu * $0 + $1 }
                    parameter.gradient.combine(with: state[index][0], "nesterov") { $0 + mu * $1 }
                    parameter.value.combine(with: parameter.gradient, "sgd") { $0 - rate * $1 }
                } else {
                    // The gradient buffer holds g (or the velocity μv + g, folded by the layers).
                    if decay != 0 { parameter.gradient.combine(with: parameter.value, "weight decay") { $0 + decay * $1 } }
                    parameter.value.combine(with: parameter.gradient, "sgd") { $0 - rate * $1 }
                }
            case .adam(let beta1, let beta2, let epsilon):
                let b1 = Scalar(beta1), b2 = Scalar(beta2), eps = Scalar(epsilon)
                let correction1 = 1 - Scalar.pow(b1, Scalar(stepCount))
                let correction2 = 1 - Scalar.pow(b2, Scalar(stepCount))
                if decay != 0 { parameter.gradient.combine(with: parameter.value, "weight decay") { $0 + decay * $1 } }
                state[index][0].combine(with: parameter.gradient, "adam m") { b1 * $0 + (1 - b1) * $1 }
                state[index][1].combine(with: parameter.gradient, "adam v") { b2 * $0 + (1 - b2) * $1 * $1 }
                let stepSize = rate / correction1
                let root = correction2.squareRoot()
                parameter.value.withMutableScalars { w in
                    state[index][0].withScalars { m in
                        state[index][1].withScalars { v in
                            for element in w.indices {
                                w[unchecked: element] -= stepSize * m[unchecked: element]
                                    / (v[unchecked: element].squareRoot() / root + eps)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Creates zeroed state matrices for each parameter, as the rule needs.
    func allocateState(for parameters: [Parameter<Scalar>]) {
        state = parameters.map { parameter in
            let zeros = Matrix<Scalar>.zeros(rows: parameter.value.rows, columns: parameter.value.columns)
            switch kind {
            case .sgd(let momentum, let nesterov): return nesterov && momentum != 0 ? [zeros] : []
            case .adam: return [zeros, zeros]
            }
        }
    }

    /// Restores saved state (as produced by ``state`` and ``stepCount``); the shapes must match the parameters.
    public func restore(state: [[Matrix<Scalar>]], stepCount: Int, for parameters: [Parameter<Scalar>]) throws(NetworkError) {
        allocateState(for: parameters)
        guard state.count == self.state.count else {
            throw .invalidCheckpoint("optimizer state has \(state.count) entries for \(parameters.count) parameters")
        }
        for (saved, expected) in zip(state, self.state) {
            guard saved.count == expected.count, zip(saved, expected).allSatisfy({ $0.shape == $1.shape }) else {
                throw .invalidCheckpoint("optimizer state shapes do not match the parameters")
            }
        }
        self.state = state
        self.stepCount = stepCount
    }
}
