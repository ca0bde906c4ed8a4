import Network
import Tensor

extension NotebookExample {
    /// Notebook 004: the `NeuralNetwork` class, a 2-4-1 sigmoid network without biases on XOR.
    ///
    /// Weights `np.random.rand(...)`, 1,500 iterations of `w += layerᵀ · (2 (y - ŷ) · σ′)`: plain SGD
    /// with learning rate 1 on `Σ (y - ŷ)²`. The notebook is unseeded; this example uses
    /// `np.random.seed(1)`.
    public static let notebook004 = NotebookExample(
        name: "004",
        summary: "2-4-1 sigmoid network without biases on XOR (the NeuralNetwork class); seed 1; 1,500 iterations",
        commandLine: "nn train --dataset notebook-004 --layers 4 --activation sigmoid --output-activation sigmoid "
            + "--no-bias --init uniform:0,1 --loss sse --optimizer sgd --learning-rate 1 --epochs 1500 --seed 1 "
            + "--precision double"
    ) { output in
        var result = ExampleResult()
        let inputs = NotebookData.xorInputs
        let targets = NotebookData.xorTargets
        var random = NumpyRandomState(seed: 1)
        let uniform = Initializer.uniform(low: 0, high: 1)
        let network = Sequential<Double>(
            [
                Dense(inputSize: 2, outputSize: 4, bias: false, activation: .sigmoid, weightInitializer: uniform),
                Dense(inputSize: 4, outputSize: 1, bias: false, activation: .sigmoid, weightInitializer: uniform),
            ], generator: &random)
        try network.fit(
            inputs, targets, loss: .sumSquaredError, optimizer: Optimizer(.sgd, learningRate: 1),
            options: TrainingOptions(epochs: 1_500), random: &random)
        let predictions = try network.predict(inputs)
        output("print(nn.output) after 1,500 iterations (np.random.seed(1)):")
        output(predictions.formatted(printed))
        result.record("output", predictions)
        return result
    }
}
