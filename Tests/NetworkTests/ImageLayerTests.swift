import Foundation
import Network
import Tensor
import Testing

// The image layers (Conv2D, MaxPool2D, AveragePool2D, GlobalAveragePool2D, BatchNorm) against
// PyTorch: forward outputs, input gradients, parameter gradients and running statistics from
// Fixtures/cnn_layers.json, which scripts/fixtures/cnn_fixtures.py wrote with torch.nn in float64.

struct ImageLayerCase: Decodable, Sendable, CustomStringConvertible {
    let name: String
    let layer: String
    let channels: Int?, height: Int?, width: Int?
    let filters: Int?, kernelSize: Int?, stride: Int?, padding: String?, bias: Bool?, activation: String?
    let poolSize: Int?
    let shape: [Int]?, training: Bool?, momentum: Double?, epsilon: Double?
    let input: FixtureMatrix, upstream: FixtureMatrix, output: FixtureMatrix, inputGradient: FixtureMatrix
    let parameters: [String: FixtureMatrix]
    let gradients: [String: FixtureMatrix]
    let runningMean: FixtureMatrix?, runningVariance: FixtureMatrix?

    var description: String { name }

    /// The layer the case describes, holding the case's parameters.
    func makeLayer<S: MatrixScalar>(_: S.Type) throws -> any Layer<S> {
        let image = (channels ?? 0, height ?? 0, width ?? 0)
        let made: any Layer<S>
        switch layer {
        case "conv2d":
            made = try Conv2D<S>(
                inputShape: image, filters: filters!, kernelSize: kernelSize!, stride: stride!,
                padding: Padding(rawValue: padding!)!, bias: bias!, activation: Activation(rawValue: activation!)!)
        case "maxpool2d": made = try MaxPool2D<S>(inputShape: image, poolSize: poolSize!, stride: stride!)
        case "averagepool2d": made = try AveragePool2D<S>(inputShape: image, poolSize: poolSize!, stride: stride!)
        case "globalaveragepool2d": made = try GlobalAveragePool2D<S>(inputShape: image)
        case "batchnorm":
            let norm = try BatchNorm<S>(inputShape: shape!, momentum: momentum!, epsilon: epsilon!)
            norm.mode = training! ? .training : .inference
            made = norm
        default: fatalError("fixture: unknown layer \(layer)")
        }
        for parameter in made.parameters + made.buffers {
            parameter.value = parameters[parameter.name]!.matrix()
        }
        return made
    }
}

let imageLayerFixture = loadFixture("cnn_layers", as: ImageLayerFixture.self)

struct ImageLayerFixture: Decodable, Sendable {
    let cases: [ImageLayerCase]
}

@Suite("Image layers against PyTorch")
struct ImageLayerTests {
    @Test("forward, input gradient and parameter gradients equal torch.nn's", arguments: imageLayerFixture.cases)
    func matchesTorch(_ testCase: ImageLayerCase) throws {
        try check(testCase, Double.self, tolerance: 1e-12)
        try check(testCase, Float.self, tolerance: 1e-5)
        if testCase.layer == "maxpool2d" {
            // In training, the backward pass reads the positions the forward pass recorded.
            try check(testCase, Double.self, tolerance: 1e-12, training: true)
            try check(testCase, Float.self, tolerance: 1e-5, training: true)
        }
    }

    func check<S: MatrixScalar>(_ testCase: ImageLayerCase, _: S.Type, tolerance: Double, training: Bool = false)
        throws
    {
        let layer = try testCase.makeLayer(S.self)
        if training { (layer as! MaxPool2D<S>).mode = .training }
        let input: Matrix<S> = testCase.input.matrix()
        let label = "\(testCase.name) (\(S.self)\(training ? ", training" : ""))"
        var output = Matrix<S>.zeros(rows: input.rows, columns: testCase.output.columns)
        layer.forward(input, into: &output)
        // Floors: an element much smaller than the values it is computed from (a sum that cancels)
        // is compared absolutely, at the tolerance times the floor.
        let floor = S.self == Double.self ? 1e-3 : 1e-2
        expectClose(output, testCase.output.matrix(), tolerance: tolerance, floor: floor, "\(label) output")
        var upstream: Matrix<S> = testCase.upstream.matrix()
        var inputGradient = Matrix<S>.zeros(rows: input.rows, columns: input.columns)
        layer.backward(
            input: input, output: output, outputGradient: &upstream, inputGradient: &inputGradient,
            needsInputGradient: true, skipsActivationDerivative: false, gradientRetention: 0)
        expectClose(
            inputGradient, testCase.inputGradient.matrix(), tolerance: tolerance, floor: floor,
            "\(label) input gradient")
        #expect(layer.parameters.count == testCase.gradients.count, "\(label): parameters")
        for parameter in layer.parameters {
            expectClose(
                parameter.gradient, testCase.gradients[parameter.name]!.matrix(), tolerance: tolerance, floor: floor,
                "\(label) gradient of \(parameter.name)")
        }
        if let runningMean = testCase.runningMean, let runningVariance = testCase.runningVariance {
            let buffers = Dictionary(uniqueKeysWithValues: layer.buffers.map { ($0.name, $0.value) })
            expectClose(
                buffers["runningMean"]!, runningMean.matrix(), tolerance: tolerance, floor: floor,
                "\(label) running mean")
            expectClose(
                buffers["runningVariance"]!, runningVariance.matrix(), tolerance: tolerance, floor: floor,
                "\(label) running variance")
        }
    }

    @Test("a batch in 16 parts of 10 images: forward and gradients against direct loops, retained gradients")
    func blocks() throws {
        // 160 images of 1×24×24, 4 filters 5×5 same: Conv2D splits the batch into 16 parts, each with
        // its own window matrix and partial gradients, added at the end.
        let conv = try Conv2D<Double>(inputShape: (1, 24, 24), filters: 4, kernelSize: 5, padding: .same)
        var random = NumpyRandomState(seed: 3)
        conv.initializeParameters(using: &random)
        conv.bias!.value = .uniform(rows: 1, columns: 4, low: -1, high: 1, using: &random)
        let images = 160
        let input = Matrix<Double>.uniform(rows: images, columns: 576, low: -1, high: 1, using: &random)
        var output = Matrix<Double>.zeros(rows: images, columns: 4 * 576)
        conv.forward(input, into: &output)
        // The convolution as its definition: a sum over channels and the window, zeros outside.
        let weights = conv.weights.value, bias = conv.bias!.value
        var expected = Matrix<Double>.zeros(rows: images, columns: 4 * 576)
        for image in 0..<images {
            for filter in 0..<4 {
                for y in 0..<24 {
                    for x in 0..<24 {
                        var total = bias[0, filter]
                        for row in 0..<5 {
                            for column in 0..<5 {
                                let sourceY = y + row - 2, sourceX = x + column - 2
                                guard (0..<24).contains(sourceY), (0..<24).contains(sourceX) else { continue }
                                total += weights[filter, row * 5 + column] * input[image, sourceY * 24 + sourceX]
                            }
                        }
                        expected[image, filter * 576 + y * 24 + x] = total
                    }
                }
            }
        }
        expectClose(output, expected, tolerance: 1e-12, floor: 1e-3, "16 parts' output")
        let upstream = Matrix<Double>.uniform(rows: images, columns: 4 * 576, low: -1, high: 1, using: &random)
        var gradient = upstream
        var inputGradient = Matrix<Double>.zeros(rows: images, columns: 576)
        conv.backward(
            input: input, output: output, outputGradient: &gradient, inputGradient: &inputGradient,
            needsInputGradient: true, skipsActivationDerivative: false, gradientRetention: 0)
        // The gradients as their definitions (identity activation: ∂z is the upstream gradient).
        var weightGradient = Matrix<Double>.zeros(rows: 4, columns: 25)
        var biasGradient = Matrix<Double>.zeros(rows: 1, columns: 4)
        var expectedInputGradient = Matrix<Double>.zeros(rows: images, columns: 576)
        for image in 0..<images {
            for filter in 0..<4 {
                for y in 0..<24 {
                    for x in 0..<24 {
                        let dz = upstream[image, filter * 576 + y * 24 + x]
                        biasGradient[0, filter] += dz
                        for row in 0..<5 {
                            for column in 0..<5 {
                                let sourceY = y + row - 2, sourceX = x + column - 2
                                guard (0..<24).contains(sourceY), (0..<24).contains(sourceX) else { continue }
                                weightGradient[filter, row * 5 + column] += dz * input[image, sourceY * 24 + sourceX]
                                expectedInputGradient[image, sourceY * 24 + sourceX] +=
                                    dz * weights[filter, row * 5 + column]
                            }
                        }
                    }
                }
            }
        }
        expectClose(conv.weights.gradient, weightGradient, tolerance: 1e-12, floor: 1e-3, "16 parts' weight gradient")
        expectClose(conv.bias!.gradient, biasGradient, tolerance: 1e-12, floor: 1e-3, "16 parts' bias gradient")
        expectClose(inputGradient, expectedInputGradient, tolerance: 1e-12, floor: 1e-3, "16 parts' input gradient")
        let first = conv.weights.gradient, firstBias = conv.bias!.gradient
        var unused = Matrix<Double>.zeros(rows: 0, columns: 0)
        gradient = upstream
        conv.backward(
            input: input, output: output, outputGradient: &gradient, inputGradient: &unused, needsInputGradient: false,
            skipsActivationDerivative: false, gradientRetention: 0.5)
        expectClose(conv.weights.gradient, first * 1.5, tolerance: 1e-12, floor: 1e-6, "retained weights gradient")
        expectClose(conv.bias!.gradient, firstBias * 1.5, tolerance: 1e-12, floor: 1e-6, "retained bias gradient")
    }

    @Test("max pooling in training records its maxima: the same output and input gradient as inference, bit for bit")
    func recordedMaxima() throws {
        for poolSize in [2, 3] {
            let pool = try MaxPool2D<Float>(inputShape: (3, 7, 8), poolSize: poolSize, stride: 2)
            var random = NumpyRandomState(seed: 4)
            // Rounded values, so that windows hold ties, and a few NaNs, infinities and signed zeros.
            var input = Matrix<Float>.uniform(rows: 5, columns: 3 * 7 * 8, low: -3, high: 3, using: &random)
            input = Matrix(rows: 5, columns: input.columns, scalars: input.scalars.map { ($0 * 2).rounded() / 2 })
            for (index, value) in [(3, Float.nan), (40, -.infinity), (41, -.infinity), (90, -0.0), (150, .infinity)] {
                input[index % 5, index] = value
            }
            let upstream = Matrix<Float>.uniform(
                rows: 5, columns: pool.outputSize(forInputSize: input.columns), low: -1, high: 1, using: &random)
            func pass(_ mode: LayerMode, between: (() -> Void)? = nil) -> (output: [Float], gradient: [Float]) {
                pool.mode = mode
                var output = Matrix<Float>.zeros(rows: 5, columns: upstream.columns)
                pool.forward(input, into: &output)
                between?()
                var gradient = upstream
                var inputGradient = Matrix<Float>.zeros(rows: 5, columns: input.columns)
                pool.backward(
                    input: input, output: output, outputGradient: &gradient, inputGradient: &inputGradient,
                    needsInputGradient: true, skipsActivationDerivative: false, gradientRetention: 0)
                return (output.scalars, inputGradient.scalars)
            }
            func bytes(_ values: [Float]) -> [UInt32] { values.map(\.bitPattern) }
            let searched = pass(.inference)
            let recorded = pass(.training)
            #expect(bytes(recorded.output) == bytes(searched.output), "pool \(poolSize): output")
            #expect(bytes(recorded.gradient) == bytes(searched.gradient), "pool \(poolSize): input gradient")
            // An inference pass on other data between the training pass and its backward pass (a
            // validation batch) drops the record: the backward pass searches again and stays right.
            let interrupted = pass(.training) {
                pool.mode = .inference
                let other = Matrix<Float>.zeros(rows: 2, columns: input.columns)
                var otherOutput = Matrix<Float>.zeros(rows: 2, columns: upstream.columns)
                pool.forward(other, into: &otherOutput)
            }
            #expect(
                bytes(interrupted.gradient) == bytes(searched.gradient), "pool \(poolSize): after an inference pass")
        }
    }
}
