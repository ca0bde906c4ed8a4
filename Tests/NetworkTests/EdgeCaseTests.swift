import Network
import Tensor
import Testing

// Edge cases of the raw-buffer training step that a review found: empty data, empty validation data,
// zero-row backward passes, an optimizer reused on another network, and user-defined layers that do
// not keep their shapes (the last two stop the program, checked in a child process).

@Suite struct EdgeCaseTests {
    @Test("evaluate on no samples gives a loss of 0 and no metrics")
    func evaluateWithoutSamples() throws {
        let (network, inputs, targets) = linearProblem()
        for loss in [Loss.meanSquaredError, .halfSumSquaredError, .binaryCrossEntropy] {
            let evaluation = try network.evaluate(
                inputs.rows(0..<0), targets.rows(0..<0), loss: loss, metrics: [.meanAbsoluteError, .accuracy])
            #expect(evaluation.loss == 0 && evaluation.metrics.isEmpty, "\(loss)")
        }
        // Not vacuous: with samples the same call reports both.
        let full = try network.evaluate(inputs, targets, loss: .meanSquaredError, metrics: [.meanAbsoluteError])
        #expect(full.loss > 0 && full.metrics[.meanAbsoluteError] != nil)
    }

    @Test("fit refuses validation data without samples")
    func emptyValidationData() throws {
        let (network, inputs, targets) = linearProblem()
        var random = NumpyRandomState(seed: 0)
        #expect(throws: NetworkError.invalidConfiguration("fit: the validation data has no samples")) {
            try network.fit(
                inputs, targets, loss: .meanSquaredError, optimizer: Optimizer(learningRate: 0.1),
                options: TrainingOptions(epochs: 1), validation: (inputs.rows(0..<0), targets.rows(0..<0)),
                random: &random)
        }
    }

    @Test("a dense backward pass over no rows leaves retention × the old gradient")
    func zeroRowBackward() {
        let dense = Dense<Double>(inputSize: 3, outputSize: 2)
        dense.weights.gradient = Matrix(rows: 3, columns: 2, repeating: 4)
        dense.bias!.gradient = Matrix(rows: 1, columns: 2, repeating: 4)
        var outputGradient = Matrix<Double>.zeros(rows: 0, columns: 2)
        var inputGradient = Matrix<Double>.zeros(rows: 0, columns: 3)
        let empty = Matrix<Double>.zeros(rows: 0, columns: 3), emptyOutput = Matrix<Double>.zeros(rows: 0, columns: 2)
        dense.backward(
            input: empty, output: emptyOutput, outputGradient: &outputGradient, inputGradient: &inputGradient,
            needsInputGradient: true, skipsActivationDerivative: false, gradientRetention: 0.5)
        #expect(dense.weights.gradient == Matrix(rows: 3, columns: 2, repeating: 2))
        #expect(dense.bias!.gradient == Matrix(rows: 1, columns: 2, repeating: 2))
        dense.backward(
            input: empty, output: emptyOutput, outputGradient: &outputGradient, inputGradient: &inputGradient,
            needsInputGradient: true, skipsActivationDerivative: false, gradientRetention: 0)
        #expect(
            dense.weights.gradient == .zeros(rows: 3, columns: 2) && dense.bias!.gradient == .zeros(rows: 1, columns: 2)
        )
    }

    @Test("an Adam optimizer reused on a network of other shapes stops with a message")
    func optimizerOnAnotherNetwork() async throws {
        let result = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let optimizer = Optimizer<Double>(.adam, learningRate: 0.01)
            var random = NumpyRandomState(seed: 0)
            let small = Sequential<Double>([Dense(inputSize: 2, outputSize: 2)], seed: 1)
            let large = Sequential<Double>([Dense(inputSize: 2, outputSize: 9)], seed: 1)
            let inputs = Matrix<Double>.zeros(rows: 4, columns: 2)
            _ = try? small.fit(
                inputs, .zeros(rows: 4, columns: 2), loss: .meanSquaredError, optimizer: optimizer,
                options: TrainingOptions(epochs: 1), random: &random)
            _ = try? large.fit(
                inputs, .zeros(rows: 4, columns: 9), loss: .meanSquaredError, optimizer: optimizer,
                options: TrainingOptions(epochs: 1), random: &random)
        }
        let message = String(decoding: result.standardErrorContent, as: UTF8.self)
        #expect(message.contains("use one optimizer per network"), "\(message)")
    }

    @Test("a user-defined layer that changes its output's shape stops with a message")
    func customLayerChangingShape() async throws {
        let result = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let network = Sequential<Double>([Dense(inputSize: 2, outputSize: 3), ShapeBreaker<Double>()], seed: 1)
            _ = try? network.predict(.zeros(rows: 4, columns: 2))
        }
        let message = String(decoding: result.standardErrorContent, as: UTF8.self)
        #expect(message.contains("a layer must keep its output's shape"), "\(message)")
    }
}

/// A user-defined layer that wrongly replaces its output by one column more.
final class ShapeBreaker<S: MatrixScalar>: Layer {
    var inputSize: Int? { nil }
    func outputSize(forInputSize inputSize: Int) -> Int { inputSize }
    var parameters: [Parameter<S>] { [] }
    var finalActivation: Activation { .identity }
    func initializeParameters<Generator: RealRandomNumberGenerator>(using generator: inout Generator) {}
    func forward(_ input: Matrix<S>, into output: inout Matrix<S>) {
        output = .zeros(rows: input.rows, columns: input.columns + 1)
    }
    func backward(
        input: Matrix<S>, output: Matrix<S>, outputGradient: inout Matrix<S>, inputGradient: inout Matrix<S>,
        needsInputGradient: Bool, skipsActivationDerivative: Bool, gradientRetention: S
    ) {}
}
