import RealModule
import Tensor

/// Adam (Kingma & Ba), as PyTorch's `Adam` with its L2 `weight_decay`: `m = β₁m + (1-β₁)g`,
/// `v = β₂v + (1-β₂)g²`, `w -= lr / (1-β₁ᵗ) · m / (sqrt(v) / sqrt(1-β₂ᵗ) + ε)`.
package struct Adam: UpdateRule {
    /// The first moment's decay β₁.
    package let beta1: Double
    /// The second moment's decay β₂.
    package let beta2: Double
    /// The denominator's ε.
    package let epsilon: Double

    /// The first moment `m`, then the second `v`.
    package var stateCount: Int { 2 }

    /// β₁ and β₂ must be in `[0, 1)`, ε finite and positive.
    package var invalidSetting: (field: String, problem: String)? {
        checkFraction(beta1, "adam.beta1") ?? checkFraction(beta2, "adam.beta2")
            ?? checkPositive(epsilon, "adam.epsilon")
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    package func update<Scalar: MatrixScalar>(
        _ parameters: UnsafeBufferPointer<ParameterSlot<Scalar>>, _ step: UpdateStep<Scalar>
    ) {
        for parameter in parameters {
            addWeightDecay(parameter, step)
            moments(parameter, step)
        }
    }

    /// The moment updates and the bias-corrected step, with the gradient as it is (AdamW shares them).
    @inlinable @inline(__always)
    package func moments<Scalar: MatrixScalar>(_ parameter: ParameterSlot<Scalar>, _ step: UpdateStep<Scalar>) {
        let b1 = Scalar(beta1), b2 = Scalar(beta2), eps = Scalar(epsilon)
        let correction1 = 1 - Scalar.pow(b1, Scalar(step.number))
        let correction2 = 1 - Scalar.pow(b2, Scalar(step.number))
        let stepSize = step.learningRate / correction1
        let root = correction2.squareRoot()
        let w = parameter.value, g = parameter.gradient, m = parameter.state(0), v = parameter.state(1)
        KernelPool.forEachBlock(of: parameter.count) { block in
            for index in block {
                let gradient = g[index]
                m[index] = b1 * m[index] + (1 - b1) * gradient
                v[index] = b2 * v[index] + (1 - b2) * gradient * gradient
                w[index] -= stepSize * m[index] / (v[index].squareRoot() / root + eps)
            }
        }
    }
}
