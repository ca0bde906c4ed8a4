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
    @exclusivity(unchecked) public var learningRate: Double
    /// The L2 penalty λ: the gradient becomes `g + λw`.
    public let weightDecay: Double
    /// How the learning rate changes over epochs.
    public let schedule: LearningRateSchedule
    /// The number of updates made so far (Adam's `t`).
    @exclusivity(unchecked) public internal(set) var stepCount = 0
    /// Per-parameter state: Nesterov's velocity, or Adam's first then second moments, as copies.
    public var state: [[Matrix<Scalar>]] { stateBuffers.map { $0.map(\.matrix) } }
    /// The state's numbers, at stable addresses.
    @exclusivity(unchecked) var stateBuffers: [[ScalarBuffer<Scalar>]] = []

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
    /// they write a new gradient: 0 (a plain gradient), or 1 for momentum SGD without Nesterov.
    ///
    /// Momentum SGD keeps its velocity in the gradient buffer. After each update the buffer holds
    /// `momentum · velocity`, scaled in the same pass that updates the weights, so the next gradient
    /// product only adds to it (gemm's beta of 1) and `velocity = momentum · velocity + gradient`
    /// needs no scaling pass of its own: OpenBLAS scales C in a separate pass over memory whenever
    /// beta is not 0 or 1, which for Fashion-MNIST's 200,704 first-layer weights cost about a tenth of
    /// a float epoch.
    public var gradientRetention: Scalar {
        if case .sgd(let momentum, let nesterov) = kind, !nesterov { return momentum == 0 ? 0 : 1 }
        return 0
    }

    /// Sets the learning rate for `epoch` from the schedule.
    public func beginEpoch(_ epoch: Int) {
        learningRate = schedule.rate(base: baseLearningRate, epoch: epoch)
    }

    /// Applies one update to every parameter from its gradient buffer.
    public func update(_ parameters: [Parameter<Scalar>]) {
        if stateBuffers.count != parameters.count { allocateState(for: parameters) }
        if isStateless {
            update(slots: parameters.map(ParameterSlot.init))
            return
        }
        stepCount += 1
        let rate = Scalar(learningRate)
        let decay = Scalar(weightDecay)
        for index in parameters.indices {
            let parameter = parameters[index]
            let w = parameter.valueBuffer.pointer, g = parameter.gradientBuffer.pointer, count = parameter.count
            // L2 decay joins the gradient first (PyTorch's weight_decay): g' = g + λw.
            if decay != 0 { Matrix.addScaled(decay, w, to: g, count: count) }
            switch kind {
            case .sgd(let momentum, _):
                // Nesterov (plain and momentum SGD went through update(slots:) above):
                // v = μv + g'; w -= lr (g' + μv)
                let mu = Scalar(momentum), v = stateBuffer(index, 0, for: parameter).pointer
                for element in 0..<count {
                    v[element] = mu * v[element] + g[element]
                    g[element] += mu * v[element]
                    w[element] -= rate * g[element]
                }
            case .adam(let beta1, let beta2, let epsilon):
                let b1 = Scalar(beta1), b2 = Scalar(beta2), eps = Scalar(epsilon)
                let correction1 = 1 - Scalar.pow(b1, Scalar(stepCount))
                let correction2 = 1 - Scalar.pow(b2, Scalar(stepCount))
                let stepSize = rate / correction1
                let root = correction2.squareRoot()
                let m = stateBuffer(index, 0, for: parameter).pointer, v = stateBuffer(index, 1, for: parameter).pointer
                for element in 0..<count {
                    let gradient = g[element]
                    m[element] = b1 * m[element] + (1 - b1) * gradient
                    v[element] = b2 * v[element] + (1 - b2) * gradient * gradient
                    w[element] -= stepSize * m[element] / (v[element].squareRoot() / root + eps)
                }
            }
        }
    }

    /// Whether the rule keeps no state of its own (plain or momentum SGD, whose velocity lives in the
    /// gradient buffers), so that ``update(slots:)`` can apply it.
    var isStateless: Bool {
        if case .sgd(let momentum, let nesterov) = kind { return !(nesterov && momentum != 0) }
        return false
    }

    /// One update of a stateless rule (see ``isStateless``) through raw views of the parameters, made
    /// once per training run, so that a step does not touch the parameter objects (their reference
    /// counts cost more than the arithmetic of a small network). ``update(_:)`` comes here too.
    /// The gradient buffer holds g, or for momentum the velocity μv + g (the layers added g to the
    /// μv the previous update left).
    func update(slots: [ParameterSlot<Scalar>]) {
        stepCount += 1
        let rate = Scalar(learningRate)
        let decay = Scalar(weightDecay)
        let mu: Scalar
        if case .sgd(let momentum, _) = kind { mu = Scalar(momentum) } else { mu = 0 }
        for slot in slots {
            if decay != 0 { Matrix.addScaled(decay, slot.value, to: slot.gradient, count: slot.count) }
            Self.step(slot.value, slot.gradient, count: slot.count, rate: rate, momentum: mu)
        }
    }

    /// `w -= rate · g` and, with momentum, `g = momentum · g` in the same pass: the buffer then holds
    /// the scaled velocity the next gradient product adds to (see ``gradientRetention``).
    @inline(__always)
    static func step(
        _ w: UnsafeMutablePointer<Scalar>, _ g: UnsafeMutablePointer<Scalar>, count: Int, rate: Scalar, momentum: Scalar
    ) {
        if momentum == 0 {
            Matrix.addScaled(-rate, g, to: w, count: count)
            return
        }
        for index in 0..<count {
            let velocity = g[index]
            w[index] -= rate * velocity
            g[index] = momentum * velocity
        }
    }

    /// State buffer `slot` of parameter `index`, checked against the parameter's size: an optimizer
    /// reused on a network with as many parameters of other shapes would otherwise write past it.
    @inline(__always)
    func stateBuffer(_ index: Int, _ slot: Int, for parameter: Parameter<Scalar>) -> ScalarBuffer<Scalar> {
        let buffer = stateBuffers[index][slot]
        if buffer.count != parameter.count {
            failPrecondition(
                "Optimizer.update: parameter \(index) (\(parameter.name)) has shape \(parameter.shape) but the optimizer's state was made for (\(buffer.rows), \(buffer.columns)); use one optimizer per network")
        }
        return buffer
    }

    /// Creates zeroed state buffers for each parameter, as the rule needs.
    func allocateState(for parameters: [Parameter<Scalar>]) {
        stateBuffers = parameters.map { parameter in
            let (rows, columns) = parameter.shape
            switch kind {
            case .sgd(let momentum, let nesterov):
                return nesterov && momentum != 0 ? [ScalarBuffer(rows: rows, columns: columns)] : []
            case .adam:
                return [ScalarBuffer(rows: rows, columns: columns), ScalarBuffer(rows: rows, columns: columns)]
            }
        }
    }

    /// Restores saved state (as produced by ``state`` and ``stepCount``); the shapes must match the parameters.
    public func restore(state: [[Matrix<Scalar>]], stepCount: Int, for parameters: [Parameter<Scalar>]) throws(NetworkError) {
        allocateState(for: parameters)
        guard state.count == stateBuffers.count else {
            throw .invalidCheckpoint("optimizer state has \(state.count) entries for \(parameters.count) parameters")
        }
        for (saved, expected) in zip(state, stateBuffers) {
            guard saved.count == expected.count, zip(saved, expected).allSatisfy({ $0.rows == $1.rows && $0.columns == $1.columns }) else {
                throw .invalidCheckpoint("optimizer state shapes do not match the parameters")
            }
        }
        for (saved, buffers) in zip(state, stateBuffers) {
            for (matrix, buffer) in zip(saved, buffers) { buffer.assign(matrix, "Optimizer.restore") }
        }
        self.stepCount = stepCount
    }
}

/// A parameter's value and gradient as raw pointers, valid while the parameter lives.
struct ParameterSlot<Scalar: MatrixScalar> {
    let value: UnsafeMutablePointer<Scalar>
    let gradient: UnsafeMutablePointer<Scalar>
    let count: Int

    init(_ parameter: Parameter<Scalar>) {
        value = parameter.valueBuffer.pointer
        gradient = parameter.gradientBuffer.pointer
        count = parameter.count
    }
}
