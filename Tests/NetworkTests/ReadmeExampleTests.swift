import Network
import Tensor
import Testing

/// The library example of README.md, kept here word for word so that it always compiles and runs.
@Suite struct ReadmeExampleTests {
    @Test func readmeExample() throws {
        // --- README example begins ---
        // XOR, as the first notebook writes it: three inputs (the last a constant 1), one output.
        let inputs: Matrix<Double> = [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]]
        let targets: Matrix<Double> = [[0], [1], [1], [0]]

        // np.random.seed(1); weights = 2 * np.random.rand(...) - 1
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

        let history = try network.fit(
            inputs, targets, loss: .halfSumSquaredError, optimizer: Optimizer(.sgd, learningRate: 1),
            options: TrainingOptions(epochs: 60_000, metrics: [.meanAbsoluteError]), random: &random)
        print(history.metrics[.meanAbsoluteError]![0])  // 0.4964100319027254, as the notebook prints
        print(try network.predict(inputs))  // array([[0.0026057 ], [0.99672212], ...
        // --- README example ends ---
        #expect(Swift.abs(history.metrics[.meanAbsoluteError]![0] - 0.4964100319027255) < 1e-15)
        #expect(try network.predict(inputs).scalars.map { $0.rounded() } == [0, 1, 1, 0])
    }
}
