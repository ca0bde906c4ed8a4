import Network
import Tensor

extension NotebookExample {
    /// Notebook 001: a 2-4-1 network (sigmoid hidden layer, linear output, no biases) fits a small regression.
    ///
    /// X = [[1,1],[1,2],[2,1],[2,2]], Y = [0,1,2,3], weights `np.random.uniform(size=...)`, learning
    /// rate 0.1 on `½ Σ (y - ŷ)²`, 10,000 full-batch epochs. The notebook is unseeded; this example
    /// uses `np.random.seed(0)`. The notebook computes the hidden layer's delta through the output
    /// weights it has just updated; this example backpropagates correctly, through the weights of
    /// the forward pass. The least-squares plane of the linear-algebra module is shown beside it.
    ///
    /// This regression is sensitive to rounding: numpy running the same loop agrees with this
    /// example to 15 digits for the first hundred epochs, but by epoch 2,000 runs that differ in
    /// the last bit (another BLAS build, another `exp`) settle in different local minima.
    public static let notebook001 = NotebookExample(
        name: "001",
        summary: "2-4-1 network (sigmoid hidden, linear output) fits Y = 2·x1 + x2 - 3; seed 0; beside least squares",
        commandLine: "nn train --dataset notebook-001 --layers 4 --activation sigmoid --output-activation identity "
            + "--no-bias --init uniform:0,1 --loss half-sse --optimizer sgd --learning-rate 0.1 --epochs 10000 "
            + "--seed 0 --precision double"
    ) { output in
        var result = ExampleResult()
        let inputs = NotebookData.regressionInputs
        let targets = NotebookData.regressionTargets
        var random = NumpyRandomState(seed: 0)
        let network = Sequential<Double>(
            [
                Dense(
                    inputSize: 2, outputSize: 4, bias: false, activation: .sigmoid,
                    weightInitializer: .uniform(low: 0, high: 1)),
                Dense(
                    inputSize: 4, outputSize: 1, bias: false, activation: .identity,
                    weightInitializer: .uniform(low: 0, high: 1)),
            ], generator: &random)
        let initial = try network.predict(inputs)
        output("Z before training (np.random.seed(0)):")
        output(initial.formatted(printed))
        let history = try network.fit(
            inputs, targets, loss: .halfSumSquaredError, optimizer: Optimizer(.sgd, learningRate: 0.1),
            options: TrainingOptions(epochs: 10_000), random: &random)
        let trained = try network.predict(inputs)
        output("")
        output("Z after 10,000 epochs (loss ½Σ(Y - Z)² = \(history.loss.last!)):")
        output(trained.formatted(printed))
        result.record("Z", trained)
        result.values["loss"] = history.loss

        // Least squares on [X, 1]: the plane the data lie on.
        let design = inputs.appendingColumns(.ones(rows: inputs.rows, columns: 1))
        let fit = try leastSquares(design, targets)
        let fitted = design.dot(fit.solution)
        output("")
        output("Least squares Y ≈ a·x1 + b·x2 + c: [a, b, c] = \(fit.solution.transposed().formatted(printed))")
        output("Least-squares fitted values:")
        output(fitted.formatted(printed))
        result.record("leastSquaresSolution", fit.solution)
        result.record("leastSquaresFitted", fitted)
        output("")
        output("Note: the notebook updates the output weights before computing the hidden layer's delta;")
        output("this example backpropagates through the weights the forward pass used.")
        return result
    }
}
