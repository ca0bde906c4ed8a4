import Tensor

extension ModelFile {
    /// The trainable arrays by name, as a numpy user would lay them out: `layer0.weights` of shape
    /// `(inputSize, outputSize)` and `layer0.bias` of shape `(1, outputSize)` for each dense layer,
    /// counting every layer (activation layers have no arrays). Write them with TensorIO's `writeNPZ`
    /// for `np.load`.
    public var weightArrays: [String: Matrix<Double>] {
        var arrays: [String: Matrix<Double>] = [:]
        for (index, layer) in layers.enumerated() {
            if let weights = layer.weights { arrays["layer\(index).weights"] = weights }
            if let bias = layer.bias { arrays["layer\(index).bias"] = bias }
        }
        return arrays
    }
}
