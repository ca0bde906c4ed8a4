import Network
import Tensor

extension NotebookExample {
    /// Notebook 003: a 2-2-1 sigmoid network with biases on XOR.
    ///
    /// `np.random.seed(314)`, every weight and bias `np.random.uniform(size=...)` (drawn in the order
    /// hidden weights, hidden bias, output weights, output bias), learning rate 0.1 on
    /// `½ Σ (y - ŷ)²`, 10,000 full-batch epochs.
    public static let notebook003 = NotebookExample(
        name: "003",
        summary: "2-2-1 sigmoid network with biases on XOR; seed 314; uniform init; 10,000 epochs at lr 0.1",
        commandLine: "nn train --dataset notebook-003 --layers 2 --activation sigmoid --output-activation sigmoid "
            + "--init uniform:0,1 --bias-init uniform:0,1 --loss half-sse --optimizer sgd --learning-rate 0.1 "
            + "--epochs 10000 --seed 314 --precision double"
    ) { output in
        var result = ExampleResult()
        let inputs = NotebookData.xorInputs
        let targets = NotebookData.xorTargets
        var random = NumpyRandomState(seed: 314)
        let uniform = Initializer.uniform(low: 0, high: 1)
        let network = Sequential<Double>(
            [
                Dense(
                    inputSize: 2, outputSize: 2, activation: .sigmoid, weightInitializer: uniform,
                    biasInitializer: uniform),
                Dense(
                    inputSize: 2, outputSize: 1, activation: .sigmoid, weightInitializer: uniform,
                    biasInitializer: uniform),
            ], generator: &random)
        let hidden = network.layers[0] as! Dense<Double>
        let outputLayer = network.layers[1] as! Dense<Double>
        func show(_ stage: String) {
            for (name, value) in [
                ("hidden weights", hidden.weights.value), ("hidden bias", hidden.bias!.value),
                ("output weights", outputLayer.weights.value), ("output bias", outputLayer.bias!.value),
            ] {
                output("\(stage) \(name): \(value.formatted(printed))")
                result.record("\(stage) \(name)", value)
            }
        }
        show("Initial")
        output("")
        try network.fit(
            inputs, targets, loss: .halfSumSquaredError, optimizer: Optimizer(.sgd, learningRate: 0.1),
            options: TrainingOptions(epochs: 10_000), random: &random)
        show("Final")
        let predictions = try network.predict(inputs)
        output("")
        output("Output after 10,000 epochs:")
        output(predictions.formatted(printed))
        result.record("predictions", predictions)
        return result
    }
}
