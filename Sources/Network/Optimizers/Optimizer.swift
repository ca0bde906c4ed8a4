import RealModule
import Tensor

/// The update rules a network trains with: the registry that names each rule, saves it in
/// checkpoints and makes its `UpdateRule` (one file per rule in `Optimizers/`).
public enum OptimizerKind: Codable, Sendable, Equatable {
    /// Stochastic gradient descent, with optional momentum (PyTorch's form: `v = μv + g`, `w -= lr · v`)
    /// and Nesterov momentum (`w -= lr · (g + μv)`).
    case sgd(momentum: Double, nesterov: Bool)
    /// Adam (Kingma & Ba), with bias correction: `m = β₁m + (1-β₁)g`, `v = β₂v + (1-β₂)g²`,
    /// `w -= lr · m̂ / (sqrt(v̂) + ε)`; weight decay is L2, added to the gradient.
    case adam(beta1: Double, beta2: Double, epsilon: Double)
    /// RMSprop as PyTorch's (not centered): `v = αv + (1-α)g²`, `w -= lr · g / (sqrt(v) + ε)`, with
    /// momentum `b = μb + g / (sqrt(v) + ε)`, `w -= lr · b`; weight decay is L2.
    case rmsprop(alpha: Double, epsilon: Double, momentum: Double)
    /// AdamW: Adam with decoupled weight decay, `w ← w(1 - lr · λ)` before Adam's step (PyTorch's `AdamW`).
    case adamW(beta1: Double, beta2: Double, epsilon: Double)

    /// Plain SGD.
    public static let sgd = OptimizerKind.sgd(momentum: 0, nesterov: false)
    /// Adam with the usual defaults (0.9, 0.999, 1e-8).
    public static let adam = OptimizerKind.adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8)
    /// RMSprop with PyTorch's defaults (α 0.99, ε 1e-8, no momentum).
    public static let rmsprop = OptimizerKind.rmsprop(alpha: 0.99, epsilon: 1e-8, momentum: 0)
    /// AdamW with PyTorch's defaults (0.9, 0.999, 1e-8); PyTorch's default decay of 0.01 is the
    /// optimizer's `weightDecay`.
    public static let adamW = OptimizerKind.adamW(beta1: 0.9, beta2: 0.999, epsilon: 1e-8)

    /// The first setting of the rule that cannot work, as a field name within the kind (such as
    /// `adam.beta1`) and what is wrong with it, or `nil` when every setting is usable.
    public var invalidSetting: (field: String, problem: String)? { rule.invalidSetting }

    /// How many buffers of state the rule keeps per parameter, besides the parameter's gradient
    /// buffer (which momentum SGD uses for its velocity): for a memory estimate.
    public var stateCount: Int { rule.stateCount }

    /// The rule as an existential, for its settings; the step calls its arithmetic through
    /// ``withRule(_:)`` instead.
    var rule: any UpdateRule { withRule(AnyRule()) }

    /// Calls `body` with the rule, as its concrete type: the one place that maps a kind to its rule.
    /// A caller in specialized code (the training step's update) reaches the rule's specialized
    /// arithmetic directly, where a call through `any UpdateRule` would enter its generic body first.
    @inline(__always)
    func withRule<Body: UpdateRuleBody>(_ body: Body) -> Body.Result {
        switch self {
        case .sgd(let momentum, let nesterov): body(SGD(momentum: momentum, nesterov: nesterov))
        case .adam(let beta1, let beta2, let epsilon): body(Adam(beta1: beta1, beta2: beta2, epsilon: epsilon))
        case .rmsprop(let alpha, let epsilon, let momentum):
            body(RMSprop(alpha: alpha, epsilon: epsilon, momentum: momentum))
        case .adamW(let beta1, let beta2, let epsilon):
            body(AdamW(adam: Adam(beta1: beta1, beta2: beta2, epsilon: epsilon)))
        }
    }

    /// The rule as an existential, for the settings read outside the step.
    private struct AnyRule: UpdateRuleBody {
        func callAsFunction<Rule: UpdateRule>(_ rule: Rule) -> any UpdateRule { rule }
    }
}

/// What ``OptimizerKind/withRule(_:)`` does with a rule of a type known where it is called.
protocol UpdateRuleBody {
    /// What the body returns.
    associatedtype Result
    /// The body, called with the kind's rule.
    func callAsFunction<Rule: UpdateRule>(_ rule: Rule) -> Result
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

/// Updates a network's parameters from their gradients with one of the rules of ``OptimizerKind``,
/// with optional weight decay (L2, added to the gradient as PyTorch's `weight_decay`; decoupled for AdamW).
///
/// The optimizer is the one driver of every rule: it keeps the state its rule needs (velocities,
/// moment estimates) per parameter, in the order of ``Sequential/parameters``, counts the steps and
/// sets the learning rate from the schedule, so that a checkpoint can save and restore it.
public final class Optimizer<Scalar: MatrixScalar> {
    /// The update rule.
    public let kind: OptimizerKind
    /// The rule, for its settings (state count, gradient retention, checks); the step reaches its
    /// arithmetic through `kind.withRule`, as its concrete type.
    let rule: any UpdateRule
    /// The base learning rate.
    public let baseLearningRate: Double
    /// The learning rate in force (the schedule sets it each epoch).
    @exclusivity(unchecked) public var learningRate: Double
    /// The weight-decay factor λ: L2 (the gradient becomes `g + λw`) for every rule but AdamW's decoupled decay.
    public let weightDecay: Double
    /// How the learning rate changes over epochs.
    public let schedule: LearningRateSchedule
    /// The number of updates made so far (Adam's `t`).
    @exclusivity(unchecked) public internal(set) var stepCount = 0
    /// Per-parameter state: the rule's buffers (Nesterov's velocity, Adam's first then second
    /// moments, RMSprop's average then momentum buffer), as copies.
    public var state: [[Matrix<Scalar>]] {
        zip(stateBuffers, stateShapes).map { buffer, shape in
            let (rows, columns) = shape
            return (0..<rule.stateCount).map { index in
                Matrix(copying: buffer.pointer + index * rows * columns, rows: rows, columns: columns)
            }
        }
    }
    /// Each parameter's state, the rule's buffers one after another, at a stable address.
    @exclusivity(unchecked) var stateBuffers: [ScalarBuffer<Scalar>] = []
    /// The parameter shapes the state was made for.
    @exclusivity(unchecked) var stateShapes: [(rows: Int, columns: Int)] = []

    /// Creates an optimizer.
    ///
    /// - Parameters:
    ///   - kind: the rule (plain SGD by default).
    ///   - learningRate: the base step size.
    ///   - weightDecay: the weight-decay factor λ (0 for none).
    ///   - schedule: how the rate changes from epoch to epoch.
    public init(
        _ kind: OptimizerKind = .sgd, learningRate: Double, weightDecay: Double = 0,
        schedule: LearningRateSchedule = .constant
    ) {
        self.kind = kind
        self.rule = kind.rule
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
    public var gradientRetention: Scalar { Scalar(rule.gradientRetention) }

    /// Sets the learning rate for `epoch` from the schedule.
    public func beginEpoch(_ epoch: Int) {
        learningRate = schedule.rate(base: baseLearningRate, epoch: epoch)
    }

    /// Applies one update to every parameter from its gradient buffer.
    ///
    /// The first update allocates the optimizer's state and traps if that memory cannot be had;
    /// `fit` allocates it before training and throws ``NetworkError/cannotAllocate(what:bytes:)`` instead.
    ///
    /// - Precondition: the parameters have the shapes of those the optimizer has already updated
    ///   (one optimizer per network).
    public func update(_ parameters: [Parameter<Scalar>]) {
        let slots: [ParameterSlot<Scalar>]
        do { slots = try self.slots(for: parameters) } catch { failPrecondition("Optimizer.update: \(error)") }
        update(slots: slots)
    }

    /// One update through the parameters' raw views (``slots(for:)``, made once per training run, so
    /// that a step touches no parameter object): the one update path.
    func update(slots: [ParameterSlot<Scalar>]) {
        stepCount += 1
        let step = UpdateStep(learningRate: Scalar(learningRate), weightDecay: Scalar(weightDecay), number: stepCount)
        slots.withUnsafeBufferPointer { kind.withRule(RuleUpdate(parameters: $0, step: step)) }
    }

    /// One step of a rule over every parameter, called with the rule's concrete type.
    private struct RuleUpdate: UpdateRuleBody {
        let parameters: UnsafeBufferPointer<ParameterSlot<Scalar>>
        let step: UpdateStep<Scalar>

        func callAsFunction<Rule: UpdateRule>(_ rule: Rule) { rule.update(parameters, step) }
    }

    /// The parameters' raw views for the rule, with their state (made zero the first time).
    ///
    /// - Throws: ``NetworkError/cannotAllocate(what:bytes:)`` when the state is made and its memory
    ///   cannot be allocated.
    /// - Precondition: the state, if made, was made for parameters of these shapes.
    func slots(for parameters: [Parameter<Scalar>]) throws(NetworkError) -> [ParameterSlot<Scalar>] {
        if stateBuffers.count != parameters.count { try allocateState(for: parameters) }
        for (index, parameter) in parameters.enumerated()
        where rule.stateCount > 0 && stateShapes[index] != parameter.shape {
            failPrecondition(
                "Optimizer.update: parameter \(index) (\(parameter.name)) has shape \(parameter.shape) but the optimizer's state was made for \(stateShapes[index]); use one optimizer per network"
            )
        }
        return zip(parameters, stateBuffers).map { parameter, state in
            ParameterSlot(
                value: parameter.valueBuffer.pointer, gradient: parameter.gradientBuffer.pointer,
                stateBlocks: state.pointer,
                count: parameter.count)
        }
    }

    /// Creates zeroed state buffers for each parameter, as the rule needs.
    ///
    /// - Throws: ``NetworkError/cannotAllocate(what:bytes:)`` naming the parameter whose state cannot
    ///   be allocated; the state is then left empty.
    func allocateState(for parameters: [Parameter<Scalar>]) throws(NetworkError) {
        stateShapes = []
        stateBuffers = []
        var buffers: [ScalarBuffer<Scalar>] = []
        for (index, parameter) in parameters.enumerated() {
            let (rows, columns) = parameter.shape
            buffers.append(
                try ScalarBuffer(
                    rows: rule.stateCount * rows, columns: columns,
                    for:
                        "the optimizer's state of parameter \(index + 1) (\(parameter.name), \(rule.stateCount) × (\(rows), \(columns)))"
                ))
        }
        stateShapes = parameters.map(\.shape)
        stateBuffers = buffers
    }

    /// Restores saved state (as produced by ``state`` and ``stepCount``); the shapes must match the parameters.
    ///
    /// - Throws: ``NetworkError/invalidCheckpoint(_:)`` when they do not;
    ///   ``NetworkError/cannotAllocate(what:bytes:)`` when the state's memory cannot be allocated.
    public func restore(state: [[Matrix<Scalar>]], stepCount: Int, for parameters: [Parameter<Scalar>])
        throws(NetworkError)
    {
        try allocateState(for: parameters)
        guard state.count == parameters.count else {
            throw .invalidCheckpoint("optimizer state has \(state.count) entries for \(parameters.count) parameters")
        }
        for (saved, parameter) in zip(state, parameters) {
            guard saved.count == rule.stateCount, saved.allSatisfy({ $0.shape == parameter.shape }) else {
                throw .invalidCheckpoint("optimizer state shapes do not match the parameters")
            }
        }
        for (saved, buffer) in zip(state, stateBuffers) {
            for (index, matrix) in saved.enumerated() {
                matrix.copy(to: buffer.pointer + index * matrix.count)
            }
        }
        self.stepCount = stepCount
    }
}
