import Network
import Tensor

var random = NumpyRandomState(seed: 1)
let x: Matrix<Double> = [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]]
let y: Matrix<Double> = [[0], [1], [1], [0]]
let network = Sequential<Double>([
    Dense(inputSize: 3, outputSize: 4, bias: false, activation: .sigmoid, weightInitializer: .uniform(low: -1, high: 1)),
    Dense(inputSize: 4, outputSize: 1, bias: false, activation: .sigmoid, weightInitializer: .uniform(low: -1, high: 1)),
], generator: &random)
print((network.layers[0] as! Dense<Double>).weights.value)
let clock = ContinuousClock()
let start = clock.now
let history = try network.fit(x, y, loss: .halfSumSquaredError, optimizer: Optimizer(learningRate: 1),
                              options: TrainingOptions(epochs: 60000, metrics: [.meanAbsoluteError]), random: &random)
print(clock.now - start)
for epoch in stride(from: 0, to: 60000, by: 10000) { print(history.metrics[.meanAbsoluteError]![epoch]) }
