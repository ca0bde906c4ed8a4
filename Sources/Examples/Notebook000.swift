import Network
import Tensor

extension NotebookExample {
    /// Notebook 000: a 3-4-1 sigmoid network learns XOR, with a constant input column instead of biases.
    ///
    /// `np.random.seed(1)`, weights `2 * np.random.rand(...) - 1` (uniform on [-1, 1)), 60,000
    /// full-batch steps of `w += layerᵀ · (error · σ′)`: plain SGD with learning rate 1 on
    /// `½ Σ (y - ŷ)²`, whose gradient is `(ŷ - y)`.
    public static let notebook000 = NotebookExample(
        name: "000",
        summary: "3-4-1 sigmoid network on XOR with a constant input column; seed 1; 60,000 full-batch steps",
        commandLine: "nn train --dataset notebook-000 --layers 4 --activation sigmoid --output-activation sigmoid "
            + "--no-bias --init uniform:-1,1 --loss half-sse --optimizer sgd --learning-rate 1 --epochs 60000 "
            + "--seed 1 --precision double"
    ) { output in
        var result = ExampleResult()
        let inputs = NotebookData.xorWithConstantInputs
        let targets = NotebookData.xorTargets
        var random = NumpyRandomState(seed: 1)
        let network = Sequential<Double>(
            [
                Dense(
                    inputSize: 3, outputSize: 4, bias: false, activation: .sigmoid,
                    weightInitializer: .uniform(low: -1, high: 1)),
                Dense(
                    inputSize: 4, outputSize: 1, bias: false, activation: .sigmoid,
                    weightInitializer: .uniform(low: -1, high: 1)),
            ], generator: &random)
        let weights0 = (network.layers[0] as! Dense<Double>).weights.value
        let weights1 = (network.layers[1] as! Dense<Double>).weights.value

        // The notebook's first step, written with Tensor's operations as the notebook writes it in numpy.
        let l1 = sigmoid(inputs.dot(weights0))
        let l2 = sigmoid(l1.dot(weights1))
        let error = targets - l2
        let errorDelta = error * (l2 * (1 - l2))
        let l1Error = errorDelta.dot(weights1.transposed())
        let l1Delta = l1Error * (l1 * (1 - l1))
        let weights0Change = inputs.transposed().dot(l1Delta)
        for (name, value) in [
            ("weights0", weights0), ("weights1", weights1), ("l1", l1), ("l2", l2), ("error", error),
            ("error_delta", errorDelta), ("l1_error", l1Error), ("l1_delta", l1Delta),
            ("np.dot(l0.T, l1_delta)", weights0Change),
        ] {
            output("\(name):")
            output(value.description)
            result.record(name, value)
        }

        // Training: the same loop, run by the Network module.
        output("")
        output("Training 60,000 full-batch steps; mean |error| every 10,000:")
        let history = try network.fit(
            inputs, targets, loss: .halfSumSquaredError, optimizer: Optimizer(.sgd, learningRate: 1),
            options: TrainingOptions(epochs: 60_000, metrics: [.meanAbsoluteError]), random: &random)
        let meanErrors = history.metrics[.meanAbsoluteError]!
        var checkpoints: [Double] = []
        for iteration in stride(from: 0, to: 60_000, by: 10_000) {
            output("\(meanErrors[iteration])")
            checkpoints.append(meanErrors[iteration])
        }
        result.values["meanAbsoluteError"] = checkpoints
        let predictions = try network.predict(inputs)
        output("")
        output("Output after training:")
        output(predictions.description)
        result.record("predictions", predictions)
        return result
    }
}
