import Network
import Tensor
import Testing

// The gradients the network computes (backward pass, loss gradient, fusions) against central finite
// differences of the loss that `evaluate` reports, in Double: every weight and bias of a 2–3 layer
// network is perturbed by ±h and (L(w + h) - L(w - h)) / 2h must match the analytic gradient to a
// relative error of 1e-6.
//
// The analytic gradient comes from the public API: one full-batch `fit` epoch with plain SGD at
// learning rate 0 runs forward, loss and backward and leaves ∂loss/∂parameter in `Parameter.gradient`
// (plain SGD keeps no velocity there, and a zero rate leaves the weights unchanged).

/// A layer as a value, so that test cases are `Sendable` and build fresh layers for each precision.
enum LayerSpec: Sendable, CustomStringConvertible {
    case dense(Int, Int, bias: Bool, Activation)
    case activation(Activation)
    /// A ``ColumnScale`` layer written against the public `Layer` protocol, as a user would.
    case columnScale(Int)

    func layer<S: MatrixScalar>(_: S.Type) -> any Layer<S> {
        switch self {
        case .dense(let input, let output, let bias, let activation):
            // A random bias, so that bias gradients and the ReLU kinks see non-trivial values.
            Dense<S>(
                inputSize: input, outputSize: output, bias: bias, activation: activation,
                weightInitializer: .xavierUniform, biasInitializer: .uniform(low: -0.5, high: 0.5))
        case .activation(let activation):
            ActivationLayer<S>(activation)
        case .columnScale(let width):
            ColumnScale<S>(width: width)
        }
    }

    var description: String {
        switch self {
        case .dense(let input, let output, let bias, let activation):
            "Dense(\(input)→\(output)\(bias ? "" : " no bias"), \(activation))"
        case .activation(let activation): "Activation(\(activation))"
        case .columnScale(let width): "ColumnScale(\(width))"
        }
    }
}

/// A user-defined layer: `output = input ⊙ scale`, with a learnable `(1, width)` scale row.
///
/// It exercises the execution plan's `custom` step, taken for layers it does not know (through the `Layer`
/// protocol and `Matrix` values) in the gradient checks below.
final class ColumnScale<S: MatrixScalar>: Layer {
    let width: Int
    let scale: Parameter<S>

    init(width: Int) {
        self.width = width
        scale = Parameter(name: "scale", value: .zeros(rows: 1, columns: width))
    }

    var inputSize: Int? { width }
    func outputSize(forInputSize inputSize: Int) -> Int { inputSize }
    var parameters: [Parameter<S>] { [scale] }
    var finalActivation: Activation { .identity }

    func initializeParameters<Generator: RealRandomNumberGenerator>(using generator: inout Generator) {
        scale.value = Matrix(rows: 1, columns: width) { _, _ in S(0.5 + generator.randomSample()) }
    }

    func forward(_ input: Matrix<S>, into output: inout Matrix<S>) {
        output = input * scale.value
    }

    func backward(
        input: Matrix<S>, output: Matrix<S>, outputGradient: inout Matrix<S>, inputGradient: inout Matrix<S>,
        needsInputGradient: Bool, skipsActivationDerivative: Bool, gradientRetention: S
    ) {
        scale.gradient = scale.gradient * gradientRetention + (outputGradient * input).sum(axis: 0)
        if needsInputGradient { inputGradient = outputGradient * scale.value }
    }
}

/// What the targets look like.
enum TargetKind: Sendable {
    /// Real values in [-1, 1).
    case regression
    /// 0 or 1 per element (one sample's element 0 is 0.25: soft targets are allowed).
    case binary
    /// One-hot rows.
    case oneHot
    /// Rows of positive values summing to 1.
    case distribution
}

struct GradientCase: Sendable, CustomStringConvertible {
    let name: String
    let layers: [LayerSpec]
    let loss: Loss
    let targets: TargetKind
    var seed: UInt32 = 3

    var description: String { "\(name): \(layers.map(\.description).joined(separator: " → ")) with \(loss)" }

    func network<S: MatrixScalar>(_: S.Type) -> Sequential<S> {
        Sequential<S>(layers.map { $0.layer(S.self) }, seed: seed)
    }

    func data<S: MatrixScalar>(_: S.Type, samples: Int = 6) -> (inputs: Matrix<S>, targets: Matrix<S>) {
        let inputSize: Int
        switch layers[0] {
        case .dense(let input, _, _, _): inputSize = input
        case .columnScale(let width): inputSize = width
        case .activation: fatalError("the first layer must declare its input size")
        }
        let outputs = network(Double.self).outputSize
        let inputs: Matrix<S> = uniformMatrix(rows: samples, columns: inputSize, seed: seed + 100)
        let raw: Matrix<Double> = uniformMatrix(rows: samples, columns: outputs, low: 0, high: 1, seed: seed + 200)
        let targets: Matrix<S>
        switch self.targets {
        case .regression:
            targets = Matrix(raw.map { 2 * $0 - 1 })
        case .binary:
            var binary = Matrix<S>(raw.map { $0 < 0.5 ? 0 : 1 })
            binary[0, 0] = 0.25
            targets = binary
        case .oneHot:
            targets = oneHot((0..<samples).map { ($0 * 7 + 3) % outputs }, classes: outputs)
        case .distribution:
            let positive = raw.map { $0 + 0.05 }
            targets = Matrix(positive / positive.sum(axis: 1))
        }
        return (inputs, targets)
    }
}

/// The gradient of every parameter, as the network computes it, for the loss over the whole batch.
func analyticGradients<S: MatrixScalar>(
    _ network: Sequential<S>, inputs: Matrix<S>, targets: Matrix<S>, loss: Loss
) throws -> [Matrix<S>] {
    let before = parameterValues(network)
    var random = NumpyRandomState(seed: 0)
    try network.fit(
        inputs, targets, loss: loss, optimizer: Optimizer(.sgd, learningRate: 0),
        options: TrainingOptions(epochs: 1), random: &random)
    #expect(parameterValues(network) == before, "a zero learning rate must leave the weights unchanged")
    return network.parameters.map { $0.gradient }
}

/// Central differences of `evaluate`'s loss with respect to every parameter element.
func numericGradients(
    _ network: Sequential<Double>, inputs: Matrix<Double>, targets: Matrix<Double>, loss: Loss, step: Double = 1e-5
) throws -> [Matrix<Double>] {
    try network.parameters.map { parameter in
        var gradient = Matrix<Double>.zeros(rows: parameter.value.rows, columns: parameter.value.columns)
        for row in 0..<gradient.rows {
            for column in 0..<gradient.columns {
                let saved = parameter.value[row, column]
                parameter.value[row, column] = saved + step
                let plus = try network.evaluate(inputs, targets, loss: loss).loss
                parameter.value[row, column] = saved - step
                let minus = try network.evaluate(inputs, targets, loss: loss).loss
                parameter.value[row, column] = saved
                gradient[row, column] = (plus - minus) / (2 * step)
            }
        }
        return gradient
    }
}

/// The largest `|a - n| / max(|a|, |n|, floor)` over all elements: the usual relative error of a
/// gradient check, with an absolute floor of `1e-4` for elements that are (nearly) zero, where the
/// finite difference's own rounding (about 1e-11 here) would dominate.
func gradientCheckError(_ analytic: [Matrix<Double>], _ numeric: [Matrix<Double>], floor: Double = 1e-4) -> Double {
    var worst = 0.0
    for (a, n) in zip(analytic, numeric) {
        precondition(a.shape == n.shape)
        for (x, y) in zip(a.scalars, n.scalars) {
            let error = Swift.abs(x - y) / Swift.max(Swift.abs(x), Swift.abs(y), floor)
            if !(error <= worst) { worst = error }
        }
    }
    return worst
}

let activationsUnderTest: [Activation] = [.identity, .sigmoid, .tanh, .relu, .leakyReLU, .softmax]

let gradientCases: [GradientCase] = {
    var cases: [GradientCase] = []
    for activation in activationsUnderTest {
        for bias in [true, false] {
            cases.append(
                GradientCase(
                    name: "hidden Dense \(activation)",
                    layers: [
                        .dense(3, 5, bias: true, .tanh), .dense(5, 4, bias: bias, activation),
                        .dense(4, 2, bias: bias, .identity),
                    ], loss: .meanSquaredError, targets: .regression))
            cases.append(
                GradientCase(
                    name: "ActivationLayer \(activation)",
                    layers: [
                        .dense(3, 5, bias: bias, .identity), .activation(activation),
                        .dense(5, 2, bias: true, .identity),
                    ], loss: .meanSquaredError, targets: .regression))
            cases.append(
                GradientCase(
                    name: "last Dense \(activation)",
                    layers: [
                        .dense(3, 4, bias: true, .tanh), .dense(4, 3, bias: bias, activation),
                    ], loss: .halfSumSquaredError, targets: .regression))
            cases.append(
                GradientCase(
                    name: "last ActivationLayer \(activation)",
                    layers: [
                        .dense(3, 4, bias: true, .leakyReLU), .dense(4, 3, bias: bias, .identity),
                        .activation(activation),
                    ], loss: .sumSquaredError, targets: .regression))
        }
    }
    for loss in [Loss.meanSquaredError, .halfSumSquaredError, .sumSquaredError] {
        for final in [Activation.identity, .sigmoid, .tanh] {
            cases.append(
                GradientCase(
                    name: "\(loss) after \(final)",
                    layers: [
                        .dense(3, 4, bias: true, .relu), .dense(4, 4, bias: true, .tanh),
                        .dense(4, 2, bias: true, final),
                    ], loss: loss, targets: .regression))
        }
    }
    cases += [
        GradientCase(
            name: "a user-defined layer between Dense layers",
            layers: [
                .dense(3, 4, bias: true, .tanh), .columnScale(4), .dense(4, 2, bias: true, .sigmoid),
            ], loss: .meanSquaredError, targets: .regression),
        GradientCase(
            name: "a user-defined layer first", layers: [.columnScale(3), .dense(3, 2, bias: true, .tanh)],
            loss: .halfSumSquaredError, targets: .regression),
        GradientCase(
            name: "BCE fused with a sigmoid Dense",
            layers: [.dense(3, 4, bias: true, .tanh), .dense(4, 2, bias: true, .sigmoid)],
            loss: .binaryCrossEntropy, targets: .binary),
        GradientCase(
            name: "BCE fused with a sigmoid ActivationLayer",
            layers: [
                .dense(3, 4, bias: true, .tanh), .dense(4, 2, bias: false, .identity), .activation(.sigmoid),
            ], loss: .binaryCrossEntropy, targets: .binary),
        GradientCase(
            name: "BCE on softmax probabilities (not fused)",
            layers: [.dense(3, 4, bias: true, .tanh), .dense(4, 3, bias: true, .softmax)],
            loss: .binaryCrossEntropy, targets: .binary),
        GradientCase(
            name: "softmax CE fused with a softmax Dense",
            layers: [
                .dense(3, 5, bias: true, .relu), .dense(5, 5, bias: true, .sigmoid), .dense(5, 4, bias: true, .softmax),
            ], loss: .softmaxCrossEntropy, targets: .oneHot),
        GradientCase(
            name: "softmax CE fused with a softmax ActivationLayer",
            layers: [
                .dense(3, 5, bias: true, .tanh), .dense(5, 4, bias: true, .identity), .activation(.softmax),
            ], loss: .softmaxCrossEntropy, targets: .oneHot),
        GradientCase(
            name: "softmax CE on logits",
            layers: [.dense(3, 5, bias: true, .leakyReLU), .dense(5, 4, bias: true, .identity)],
            loss: .softmaxCrossEntropy, targets: .oneHot),
        GradientCase(
            name: "softmax CE on logits, soft targets",
            layers: [.dense(3, 5, bias: false, .softmax), .dense(5, 4, bias: true, .identity)],
            loss: .softmaxCrossEntropy, targets: .distribution),
        GradientCase(
            name: "softmax CE after softmax, soft targets",
            layers: [.dense(3, 5, bias: true, .sigmoid), .dense(5, 4, bias: true, .softmax)],
            loss: .softmaxCrossEntropy, targets: .distribution),
    ]
    return cases
}()

@Suite("Gradient checks")
struct GradientCheckTests {
    @Test("analytic gradients match central differences (Double, relative error ≤ 1e-6)", arguments: gradientCases)
    func matchesFiniteDifferences(_ testCase: GradientCase) throws {
        let network = testCase.network(Double.self)
        let (inputs, targets) = testCase.data(Double.self)
        let analytic = try analyticGradients(network, inputs: inputs, targets: targets, loss: testCase.loss)
        let numeric = try numericGradients(network, inputs: inputs, targets: targets, loss: testCase.loss)
        let error = gradientCheckError(analytic, numeric)
        #expect(
            error <= 1e-6,
            "\(testCase): relative error \(error)\nanalytic: \(analytic.map(\.scalars))\nnumeric:  \(numeric.map(\.scalars))"
        )
        // Not vacuous: the gradient is not all zeros.
        #expect(analytic.contains { $0.scalars.contains { Swift.abs($0) > 1e-3 } })
    }

    @Test("Float gradients agree with Double gradients", arguments: gradientCases)
    func floatAgreesWithDouble(_ testCase: GradientCase) throws {
        let double = testCase.network(Double.self)
        let float = testCase.network(Float.self)
        // Same weights in both precisions (the Float draws are the Double draws rounded).
        for (d, f) in zip(double.parameters, float.parameters) { d.value = Matrix(f.value) }
        let (inputs, targets) = testCase.data(Float.self)
        let doubleGradients = try analyticGradients(
            double, inputs: Matrix(inputs), targets: Matrix(targets), loss: testCase.loss)
        let floatGradients = try analyticGradients(float, inputs: inputs, targets: targets, loss: testCase.loss)
        for (f, d) in zip(floatGradients, doubleGradients) {
            expectClose(Matrix<Double>(f), d, tolerance: 1e-3, floor: 1e-2, "\(testCase)")
        }
    }

    @Test("the check notices an error of 1e-5 in a gradient")
    func checkIsSensitive() throws {
        let testCase = gradientCases[0]
        let network = testCase.network(Double.self)
        let (inputs, targets) = testCase.data(Double.self)
        let analytic = try analyticGradients(network, inputs: inputs, targets: targets, loss: testCase.loss)
        let numeric = try numericGradients(network, inputs: inputs, targets: targets, loss: testCase.loss)
        #expect(gradientCheckError(analytic.map { $0 * 1.00001 }, numeric) > 1e-6)
    }
}
