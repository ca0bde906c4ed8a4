import Tensor

/// RMSprop, as PyTorch's `RMSprop` (not centered), with its L2 `weight_decay`:
/// `v = αv + (1-α)g²`, then `w -= lr · g / (sqrt(v) + ε)`, or with momentum μ
/// `b = μb + g / (sqrt(v) + ε)`, `w -= lr · b`.
package struct RMSprop: UpdateRule {
    /// The smoothing constant α of the squared-gradient average.
    package let alpha: Double
    /// The denominator's ε.
    package let epsilon: Double
    /// The momentum μ (0 for none).
    package let momentum: Double

    /// The squared-gradient average `v`, then the momentum buffer `b` when there is momentum.
    package var stateCount: Int { momentum != 0 ? 2 : 1 }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    package func update<Scalar: MatrixScalar>(
        _ parameters: UnsafeBufferPointer<ParameterSlot<Scalar>>, _ step: UpdateStep<Scalar>
    ) {
        for parameter in parameters {
            addWeightDecay(parameter, step)
            let a = Scalar(alpha), eps = Scalar(epsilon), mu = Scalar(momentum), rate = step.learningRate
            let w = parameter.value, g = parameter.gradient, v = parameter.state(0)
            if momentum != 0 {
                let b = parameter.state(1)
                KernelPool.forEachBlock(of: parameter.count) { block in
                    for index in block {
                        let gradient = g[index]
                        v[index] = a * v[index] + (1 - a) * gradient * gradient
                        b[index] = mu * b[index] + gradient / (v[index].squareRoot() + eps)
                        w[index] -= rate * b[index]
                    }
                }
            } else {
                KernelPool.forEachBlock(of: parameter.count) { block in
                    for index in block {
                        let gradient = g[index]
                        v[index] = a * v[index] + (1 - a) * gradient * gradient
                        w[index] -= rate * gradient / (v[index].squareRoot() + eps)
                    }
                }
            }
        }
    }

    /// α and the momentum must be in `[0, 1)`, ε finite and positive.
    package var invalidSetting: (field: String, problem: String)? {
        checkFraction(alpha, "rmsprop.alpha") ?? checkPositive(epsilon, "rmsprop.epsilon")
            ?? checkFraction(momentum, "rmsprop.momentum")
    }
}
