import Tensor

/// Stochastic gradient descent, with optional momentum and Nesterov momentum, as PyTorch's `SGD`
/// (dampening 0): `v = μv + g`, then `w -= lr · v`, or `w -= lr · (g + μv)` with Nesterov.
///
/// Momentum without Nesterov keeps its velocity in the parameter's gradient buffer rather than in
/// state of its own: the update leaves `μv` there in the same pass that updates the weights, and the
/// layers add the next gradient to it (``gradientRetention`` 1, gemm's beta of 1), because OpenBLAS
/// scales C in a separate pass over memory for any other beta.
package struct SGD: UpdateRule {
    /// The momentum μ (0 for plain SGD).
    package let momentum: Double
    /// Whether the step uses Nesterov's look-ahead `g + μv`.
    package let nesterov: Bool

    /// Only Nesterov momentum keeps a velocity buffer of its own.
    package var stateCount: Int { nesterov && momentum != 0 ? 1 : 0 }

    /// 1 for momentum without Nesterov (the buffer holds `μv`), else 0.
    package var gradientRetention: Double { !nesterov && momentum != 0 ? 1 : 0 }

    /// The momentum must be in `[0, 1)`.
    package var invalidSetting: (field: String, problem: String)? { checkFraction(momentum, "sgd.momentum") }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    package func update<Scalar: MatrixScalar>(
        _ parameters: UnsafeBufferPointer<ParameterSlot<Scalar>>, _ step: UpdateStep<Scalar>
    ) {
        for parameter in parameters {
            addWeightDecay(parameter, step)
            let w = parameter.value, g = parameter.gradient, count = parameter.count
            let rate = step.learningRate, mu = Scalar(momentum)
            if stateCount == 1 {
                // Nesterov: v = μv + g; w -= lr (g + μv).
                let v = parameter.state(0)
                KernelPool.forEachBlock(of: count) { block in
                    for index in block {
                        v[index] = mu * v[index] + g[index]
                        g[index] += mu * v[index]
                        w[index] -= rate * g[index]
                    }
                }
            } else if mu == 0 {
                StridedView.addScaled(-rate, g, to: w, count: count)
            } else {
                // The buffer holds the velocity μv + g; leave μ times it for the next gradient to add to.
                KernelPool.forEachBlock(of: count) { block in
                    for index in block {
                        let velocity = g[index]
                        w[index] -= rate * velocity
                        g[index] = mu * velocity
                    }
                }
            }
        }
    }
}
