import Tensor

extension Sequential {
    /// Throws ``NetworkError/nonFiniteWeights(epoch:parameter:learningRate:)`` when a parameter holds
    /// nan or an infinity: `fit` calls it after the last update of each epoch, as it checks the loss
    /// after each batch, so a run whose weights overflowed (a huge weight decay, say) stops with a
    /// clear error instead of saving a model that cannot be used.
    func checkWeightsAreFinite(_ parameters: [Parameter<Scalar>], epoch: Int, learningRate: Double) throws(NetworkError)
    {
        for (index, parameter) in parameters.enumerated() {
            let pointer = parameter.valueBuffer.pointer
            var finite = true
            for element in 0..<parameter.count { finite = finite && pointer[element].isFinite }
            if !finite {
                throw .nonFiniteWeights(
                    epoch: epoch, parameter: "parameter \(index), \(parameter.name)", learningRate: learningRate)
            }
        }
    }
}
