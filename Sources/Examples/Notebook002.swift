import Network
import Tensor

extension NotebookExample {
    /// The number of epochs example 002 trains; the notebook gives none.
    public static let notebook002Epochs = 10_000

    /// Notebook 002: a 2-2-1 sigmoid network with zero biases on XOR, mean squared error.
    ///
    /// `np.random.seed(42)`, `W = np.random.randn(...) * 0.1`, `b = np.zeros(...)`, learning rate 0.1.
    /// The notebook's helper functions take no arguments (`sigmoid()` reads a global `z`); this
    /// example implements what they mean. It gives no epoch count: this example trains 10,000
    /// epochs, and the loss stays near 0.25 — with weights this small and this learning rate the
    /// network sits at the symmetric point where it outputs 0.5 for every input. The second part
    /// shows settings that do learn XOR: four hidden units, learning rate 2.
    public static let notebook002 = NotebookExample(
        name: "002",
        summary:
            "2-2-1 sigmoid network with zero biases on XOR, MSE, lr 0.1; seed 42; stays near loss 0.25, then settings that learn",
        commandLine: "nn train --dataset notebook-002 --layers 2 --activation sigmoid --output-activation sigmoid "
            + "--init normal:0,0.1 --bias-init zeros --loss mse --optimizer sgd --learning-rate 0.1 --epochs 10000 "
            + "--seed 42 --precision double"
    ) { output in
        var result = ExampleResult()
        let inputs = NotebookData.xorInputsNotebook002
        let targets = NotebookData.xorTargetsNotebook002
        var random = NumpyRandomState(seed: 42)
        let network = Sequential<Double>(
            [
                Dense(
                    inputSize: 2, outputSize: 2, activation: .sigmoid,
                    weightInitializer: .normal(mean: 0, standardDeviation: 0.1)),
                Dense(
                    inputSize: 2, outputSize: 1, activation: .sigmoid,
                    weightInitializer: .normal(mean: 0, standardDeviation: 0.1)),
            ], generator: &random)
        let weights1 = (network.layers[0] as! Dense<Double>).weights.value
        let weights2 = (network.layers[1] as! Dense<Double>).weights.value
        output("W1 = np.random.randn(2, 2) * 0.1 after np.random.seed(42):")
        output(weights1.description)
        output("W2 = np.random.randn(2, 1) * 0.1:")
        output(weights2.description)
        result.record("W1", weights1)
        result.record("W2", weights2)

        let history = try network.fit(
            inputs, targets, loss: .meanSquaredError, optimizer: Optimizer(.sgd, learningRate: 0.1),
            options: TrainingOptions(epochs: notebook002Epochs), random: &random)
        output("")
        output("MSE loss every 1,000 of \(notebook002Epochs) epochs (before that epoch's update):")
        var trajectory: [Double] = []
        for epoch in stride(from: 0, to: notebook002Epochs, by: 1_000) {
            output("epoch \(epoch): \(history.loss[epoch])")
            trajectory.append(history.loss[epoch])
        }
        let stuck = try network.predict(inputs)
        output("final loss: \(history.loss.last!); outputs:")
        output(stuck.description)
        result.values["lossEvery1000"] = trajectory
        result.values["loss"] = history.loss
        result.record("finalW1", (network.layers[0] as! Dense<Double>).weights.value)
        result.record("finalW2", (network.layers[1] as! Dense<Double>).weights.value)
        result.record("stuckOutputs", stuck)

        // Settings that learn: more hidden units break the symmetry sooner, a larger rate moves faster.
        var learningRandom = NumpyRandomState(seed: 42)
        let learner = Sequential<Double>(
            [
                Dense(
                    inputSize: 2, outputSize: 4, activation: .sigmoid,
                    weightInitializer: .normal(mean: 0, standardDeviation: 1)),
                Dense(
                    inputSize: 4, outputSize: 1, activation: .sigmoid,
                    weightInitializer: .normal(mean: 0, standardDeviation: 1)),
            ], generator: &learningRandom)
        let learned = try learner.fit(
            inputs, targets, loss: .meanSquaredError, optimizer: Optimizer(.sgd, learningRate: 2),
            options: TrainingOptions(epochs: notebook002Epochs, metrics: [.accuracy]), random: &learningRandom)
        let outputs = try learner.predict(inputs)
        output("")
        output("With 4 hidden units, weights randn(...) * 1 and learning rate 2 (same seed, same loss):")
        output("final loss: \(learned.loss.last!), accuracy: \(learned.metrics[.accuracy]!.last!)")
        output(outputs.description)
        output(
            "nn train --dataset notebook-002 --layers 4 --activation sigmoid --output-activation sigmoid "
                + "--init normal:0,1 --bias-init zeros --loss mse --optimizer sgd --learning-rate 2 --epochs 10000 --seed 42 --precision double"
        )
        result.record("learnedOutputs", outputs)
        return result
    }
}
