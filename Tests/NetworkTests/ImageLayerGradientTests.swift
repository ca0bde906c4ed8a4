import Network
import Tensor
import Testing

// Finite-difference checks of the image layers, in Double: each layer alone (the loss
// `Σ output ⊙ R` for a fixed random R, so ∂loss/∂output = R, perturbing every parameter and every
// input element), batch normalization in training and inference, and stacks that mix them with
// dense layers, trained through `fit` (analytic) and measured through `evaluate` (numeric).

/// A layer of the checks, built fresh for each use.
struct ImageGradientCase: Sendable, CustomStringConvertible {
    let name: String
    let make: @Sendable () throws -> any Layer<Double>

    var description: String { name }
}

let imageGradientCases: [ImageGradientCase] = [
    ImageGradientCase(name: "Conv2D valid 3×3 tanh, bias") {
        try Conv2D<Double>(inputShape: (2, 5, 4), filters: 3, kernelSize: 3, activation: .tanh)
    },
    ImageGradientCase(name: "Conv2D same 3×3 stride 2 sigmoid") {
        try Conv2D<Double>(
            inputShape: (2, 5, 6), filters: 2, kernelSize: 3, stride: 2, padding: .same, activation: .sigmoid)
    },
    ImageGradientCase(name: "Conv2D same 2×2, no bias") {
        try Conv2D<Double>(inputShape: (1, 4, 4), filters: 2, kernelSize: 2, padding: .same, bias: false)
    },
    ImageGradientCase(name: "MaxPool2D 2 stride 2") { try MaxPool2D<Double>(inputShape: (2, 4, 5), poolSize: 2) },
    ImageGradientCase(name: "MaxPool2D 2 stride 2, training (positions recorded)") {
        let pool = try MaxPool2D<Double>(inputShape: (2, 4, 5), poolSize: 2)
        pool.mode = .training
        return pool
    },
    ImageGradientCase(name: "MaxPool2D 3 stride 1, training (positions recorded)") {
        let pool = try MaxPool2D<Double>(inputShape: (1, 5, 5), poolSize: 3, stride: 1)
        pool.mode = .training
        return pool
    },
    ImageGradientCase(name: "MaxPool2D 3 stride 1") {
        try MaxPool2D<Double>(inputShape: (1, 5, 5), poolSize: 3, stride: 1)
    },
    ImageGradientCase(name: "AveragePool2D 2 stride 1") {
        try AveragePool2D<Double>(inputShape: (2, 4, 4), poolSize: 2, stride: 1)
    },
    ImageGradientCase(name: "GlobalAveragePool2D") { try GlobalAveragePool2D<Double>(inputShape: (3, 3, 2)) },
    ImageGradientCase(name: "BatchNorm features, training") {
        let norm = try BatchNorm<Double>(inputShape: [4])
        norm.mode = .training
        return norm
    },
    ImageGradientCase(name: "BatchNorm channels, training") {
        let norm = try BatchNorm<Double>(inputShape: [2, 3, 3])
        norm.mode = .training
        return norm
    },
    ImageGradientCase(name: "BatchNorm channels, inference") {
        let norm = try BatchNorm<Double>(inputShape: [2, 3, 3])
        norm.runningMean.value = Matrix(rows: 1, columns: 2, scalars: [0.3, -0.2])
        norm.runningVariance.value = Matrix(rows: 1, columns: 2, scalars: [0.7, 1.6])
        return norm
    },
]

@Suite("Image layers: finite differences")
struct ImageLayerGradientTests {
    @Test("each layer's parameter and input gradients equal central differences", arguments: imageGradientCases)
    func layerAlone(_ testCase: ImageGradientCase) throws {
        let layer = try testCase.make()
        var random = NumpyRandomState(seed: 11)
        layer.initializeParameters(using: &random)
        // Parameters away from their initial ones and zeros, so that every term is exercised.
        for parameter in layer.parameters {
            parameter.value =
                parameter.value
                + .uniform(
                    rows: parameter.shape.rows, columns: parameter.shape.columns, low: -0.5, high: 0.5, using: &random)
        }
        let width = layer.inputSize!, rows = 3
        var input = Matrix<Double>.uniform(rows: rows, columns: width, low: -1, high: 1, using: &random)
        let outputWidth = layer.outputSize(forInputSize: width)
        let weights = Matrix<Double>.uniform(rows: rows, columns: outputWidth, low: -1, high: 1, using: &random)
        func loss() -> Double {
            var output = Matrix<Double>.zeros(rows: rows, columns: outputWidth)
            layer.forward(input, into: &output)
            return (output * weights).sum()
        }
        var output = Matrix<Double>.zeros(rows: rows, columns: outputWidth)
        layer.forward(input, into: &output)
        var upstream = weights
        var inputGradient = Matrix<Double>.zeros(rows: rows, columns: width)
        layer.backward(
            input: input, output: output, outputGradient: &upstream, inputGradient: &inputGradient,
            needsInputGradient: true, skipsActivationDerivative: false, gradientRetention: 0)
        let analytic = layer.parameters.map(\.gradient) + [inputGradient]
        let step = 1e-6
        var numeric: [Matrix<Double>] = []
        for parameter in layer.parameters {
            var gradient = Matrix<Double>.zeros(rows: parameter.shape.rows, columns: parameter.shape.columns)
            for row in 0..<gradient.rows {
                for column in 0..<gradient.columns {
                    let saved = parameter.value[row, column]
                    parameter.value[row, column] = saved + step
                    let plus = loss()
                    parameter.value[row, column] = saved - step
                    let minus = loss()
                    parameter.value[row, column] = saved
                    gradient[row, column] = (plus - minus) / (2 * step)
                }
            }
            numeric.append(gradient)
        }
        var gradient = Matrix<Double>.zeros(rows: rows, columns: width)
        for row in 0..<rows {
            for column in 0..<width {
                let saved = input[row, column]
                input[row, column] = saved + step
                let plus = loss()
                input[row, column] = saved - step
                let minus = loss()
                input[row, column] = saved
                gradient[row, column] = (plus - minus) / (2 * step)
            }
        }
        numeric.append(gradient)
        let error = gradientCheckError(analytic, numeric)
        #expect(error < 1e-6, "\(testCase.name): relative error \(error)")
    }

    @Test("stacks of convolution, pooling and dense layers: fit's gradients equal central differences of evaluate")
    func mixedStacks() throws {
        let stacks: [(String, () throws -> [any Layer<Double>], Loss, Int)] = [
            (
                "conv relu → maxpool → dense softmax",
                {
                    [
                        try Conv2D<Double>(
                            inputShape: (1, 6, 6), filters: 3, kernelSize: 3, padding: .same, activation: .relu,
                            biasInitializer: .uniform(low: -0.5, high: 0.5)),
                        try MaxPool2D<Double>(inputShape: (3, 6, 6), poolSize: 2),
                        Dense<Double>(inputSize: 27, outputSize: 3, activation: .softmax),
                    ]
                }, .softmaxCrossEntropy, 3
            ),
            (
                "conv tanh → conv stride 2 → average pool → global average → dense",
                {
                    [
                        try Conv2D<Double>(inputShape: (2, 7, 7), filters: 3, kernelSize: 3, activation: .tanh),
                        try Conv2D<Double>(
                            inputShape: (3, 5, 5), filters: 4, kernelSize: 2, stride: 2, padding: .same,
                            activation: .sigmoid),
                        try AveragePool2D<Double>(inputShape: (4, 3, 3), poolSize: 2, stride: 1),
                        try GlobalAveragePool2D<Double>(inputShape: (4, 2, 2)),
                        Dense<Double>(inputSize: 4, outputSize: 2),
                    ]
                }, .meanSquaredError, 2
            ),
        ]
        for (name, layers, loss, outputs) in stacks {
            let network = Sequential<Double>(try layers(), seed: 5)
            let inputs: Matrix<Double> = uniformMatrix(rows: 4, columns: network.inputSize, seed: 7)
            let targets: Matrix<Double> =
                loss == .softmaxCrossEntropy
                ? oneHot([0, 2, 1, 2], classes: outputs) : uniformMatrix(rows: 4, columns: outputs, seed: 8)
            let analytic = try analyticGradients(network, inputs: inputs, targets: targets, loss: loss)
            let numeric = try numericGradients(network, inputs: inputs, targets: targets, loss: loss)
            let error = gradientCheckError(analytic, numeric)
            #expect(error < 1e-6, "\(name): relative error \(error)")
        }
    }
}
