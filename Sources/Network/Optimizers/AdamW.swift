import Tensor

/// AdamW (Loshchilov & Hutter), as PyTorch's `AdamW`: Adam's step with the weight decay decoupled
/// from the gradient, `w ← w · (1 - lr · λ)` before the moments are updated.
package struct AdamW: UpdateRule {
    /// The moment decays and ε, as ``Adam``'s.
    package let adam: Adam

    /// Adam's moments.
    package var stateCount: Int { adam.stateCount }

    /// Adam's checks, named for AdamW.
    package var invalidSetting: (field: String, problem: String)? {
        adam.invalidSetting.map { ("adamW." + $0.field.dropFirst("adam.".count), $0.problem) }
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    package func update<Scalar: MatrixScalar>(
        _ parameters: UnsafeBufferPointer<ParameterSlot<Scalar>>, _ step: UpdateStep<Scalar>
    ) {
        for parameter in parameters {
            if step.weightDecay != 0 {
                let shrink = 1 - step.learningRate * step.weightDecay, w = parameter.value
                for index in 0..<parameter.count { w[index] *= shrink }
            }
            adam.moments(parameter, step)
        }
    }
}
