import Tensor

extension ModelFile {
    /// The arrays by name, as a numpy user would lay them out: `layer0.weights` of shape
    /// `(inputSize, outputSize)` and `layer0.bias` of shape `(1, outputSize)` for each dense layer,
    /// and every other layer's arrays under their own names (`layer1.weights` of a convolution,
    /// `(filters, channels · k²)`; `layer2.runningMean` of batch normalization), counting every
    /// layer (activation, pooling and dropout layers have no arrays). Write them with TensorIO's
    /// `writeNPZ` for `np.load`.
    public var weightArrays: [String: Matrix<Double>] {
        var arrays: [String: Matrix<Double>] = [:]
        for (index, layer) in layers.enumerated() {
            for (name, matrix) in layer.namedArrays { arrays["layer\(index).\(name)"] = matrix }
        }
        return arrays
    }
}
