import Tensor

/// An optimizer's update rule: the per-parameter arithmetic of one step, and nothing else.
///
/// ``Optimizer`` is the one driver: it keeps each parameter's state, counts the steps, applies the
/// learning-rate schedule and calls the rule's ``update(_:_:)`` once per step with every parameter.
/// A rule says how much state it keeps per parameter (``stateCount`` buffers of the
/// parameter's shape, zero at the start, saved in checkpoints in that order), what it does with them,
/// and how the layers write the gradient it reads (``gradientRetention``).
///
/// Adding a rule is one file with a struct conforming to this protocol, plus its case in
/// ``OptimizerKind`` (the registry that names, saves and restores the rules, and whose `withRule` hands
/// the driver the rule as its concrete type). The rule's ``update(_:_:)`` is generic; mark it
/// `@_specialize` for `Float` and `Double`, so that any caller that is not itself specialized (a call
/// through `any UpdateRule`) still runs the rule's loop specialized.
package protocol UpdateRule: Sendable {
    /// The number of state buffers the rule keeps per parameter, each with the parameter's shape.
    var stateCount: Int { get }

    /// The factor by which the layers keep the previous content of a parameter's gradient buffer
    /// when they write a new gradient: 0 for a plain gradient. Momentum SGD returns 1 and keeps its
    /// scaled velocity there (see ``Optimizer/gradientRetention``).
    var gradientRetention: Double { get }

    /// The first of the rule's settings that cannot work, as a field name (such as `momentum`) and
    /// what is wrong with it, or `nil` when all are usable: how checkpoints and options are checked.
    var invalidSetting: (field: String, problem: String)? { get }

    /// Applies one step of the rule to every parameter, whose gradient buffers hold this step's
    /// gradient (plus what ``gradientRetention`` kept). One call per step: the driver calls it with the
    /// rule's concrete type (`OptimizerKind.withRule`), from code specialized for `Scalar`.
    func update<Scalar: MatrixScalar>(
        _ parameters: UnsafeBufferPointer<ParameterSlot<Scalar>>, _ step: UpdateStep<Scalar>)
}

/// What one step tells every parameter's update: the rate, the weight decay and the step number.
package struct UpdateStep<Scalar: MatrixScalar> {
    /// The learning rate in force.
    package let learningRate: Scalar
    /// The weight-decay factor λ (the rule decides whether it is L2, added to the gradient, or decoupled).
    package let weightDecay: Scalar
    /// The number of this step, from 1 (Adam's `t`).
    package let number: Int
}

/// A parameter as an update rule sees it: its value, its gradient and the rule's state, as raw
/// buffers of ``count`` scalars each, made once per training run (no reference counting per step).
package struct ParameterSlot<Scalar: MatrixScalar> {
    /// The parameter's value.
    package let value: UnsafeMutablePointer<Scalar>
    /// The parameter's gradient buffer.
    package let gradient: UnsafeMutablePointer<Scalar>
    /// The rule's state buffers, one block of ``count`` scalars after another.
    package let stateBlocks: UnsafeMutablePointer<Scalar>
    /// The number of scalars of the parameter.
    package let count: Int

    /// State buffer `index` of the rule.
    @inlinable @inline(__always)
    package func state(_ index: Int) -> UnsafeMutablePointer<Scalar> { stateBlocks + index &* count }
}

extension UpdateRule {
    /// A plain gradient (0): every rule but momentum SGD.
    package var gradientRetention: Double { 0 }

    /// `nil` when `value` is in `[0, 1)` (a decay or momentum), else the problem for `field`.
    package func checkFraction(_ value: Double, _ field: String) -> (field: String, problem: String)? {
        value >= 0 && value < 1 ? nil : (field, "is \(value); it must be in [0, 1)")
    }

    /// `nil` when `value` is finite and positive (an ε), else the problem for `field`.
    package func checkPositive(_ value: Double, _ field: String) -> (field: String, problem: String)? {
        value.isFinite && value > 0 ? nil : (field, "is \(value); it must be a finite positive number")
    }

    /// L2 weight decay as PyTorch's `weight_decay` adds it for every rule but AdamW: `g += λw`.
    @inlinable @inline(__always)
    package func addWeightDecay<Scalar: MatrixScalar>(_ parameter: ParameterSlot<Scalar>, _ step: UpdateStep<Scalar>) {
        if step.weightDecay != 0 {
            StridedView.addScaled(step.weightDecay, parameter.value, to: parameter.gradient, count: parameter.count)
        }
    }
}
