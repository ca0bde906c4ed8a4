import Foundation
import Network
import Tensor
import TestSupport
import Testing

// The image layers in model files and checkpoints: saved with their settings and named arrays
// (batch normalization's running statistics included) by the streaming save, the document
// writer and the JSON form, read back to the same predictions; a checkpointed run with dropout
// and batch normalization resumes to the same weights bit for bit; dropout's masks.

/// conv → batch norm → max pool → dropout → dense → batch norm (features) → dense softmax, on
/// 1×6×6 images.
func imageNetwork<S: MatrixScalar>(_: S.Type, seed: UInt32 = 4) throws -> Sequential<S> {
    Sequential<S>(
        [
            try Conv2D<S>(inputShape: (1, 6, 6), filters: 3, kernelSize: 3, padding: .same, activation: .relu),
            try BatchNorm<S>(inputShape: [3, 6, 6]),
            try MaxPool2D<S>(inputShape: (3, 6, 6), poolSize: 2),
            try Dropout<S>(rate: 0.25),
            Dense<S>(inputSize: 27, outputSize: 5, activation: .tanh),
            try BatchNorm<S>(inputShape: [5]),
            Dense<S>(inputSize: 5, outputSize: 3, activation: .softmax),
        ], seed: seed)
}

/// 24 random images and one-hot targets of 3 classes.
func imageData<S: MatrixScalar>(_: S.Type) -> (inputs: Matrix<S>, targets: Matrix<S>) {
    (uniformMatrix(rows: 24, columns: 36, seed: 21), oneHot((0..<24).map { ($0 * 5) % 3 }, classes: 3))
}

func temporaryPath(_ name: String) -> String {
    testTemporaryDirectory.appendingPathComponent("NetworkTests-\(UUID().uuidString)-\(name)").path
}

@Suite("Image layers in files")
struct ImageModelFileTests {
    @Test("saved, read and rebuilt three ways, a trained image network predicts the same")
    func roundTrip() throws {
        let network = try imageNetwork(Float.self)
        let (inputs, targets) = imageData(Float.self)
        try network.fit(
            inputs, targets, loss: .softmaxCrossEntropy, optimizer: Optimizer(.adam, learningRate: 0.01),
            options: TrainingOptions(epochs: 2, batchSize: 8))
        let expected = try network.predict(inputs)
        let runningMean = (network.layers[1] as! BatchNorm<Float>).runningMean.value
        #expect(runningMean != .zeros(rows: 1, columns: 3), "training moved the running mean")

        // The streaming save, read into the parameters.
        let path = temporaryPath("image.nn")
        defer { try? FileManager.default.removeItem(atPath: path) }
        // With a transform and names for its 36 inputs: the first layer's width is its image's.
        let transform = ModelFile.InputTransform(
            offset: [Double](repeating: 0.5, count: 36), scale: [Double](repeating: 2, count: 36))
        try network.save(
            to: path, loss: .softmaxCrossEntropy, inputTransform: transform,
            featureNames: (0..<36).map { "pixel\($0)" })
        let (file, read) = try ModelFile.readNetwork(from: path, as: Float.self)
        #expect(file.inputWidth == 36 && file.inputTransform == transform && file.featureNames?.count == 36)
        #expect(try read.predict(inputs) == expected)
        #expect((read.layers[1] as! BatchNorm<Float>).runningMean.value == runningMean)
        #expect(
            file.layers.map(\.type) == [
                "conv2d", "batchnorm", "maxpool2d", "dropout", "dense", "batchnorm", "dense",
            ])
        #expect(file.layers[0].integer("filters") == 3 && file.layers[0].text("padding") == "same")
        #expect(file.layers[3].number("rate") == 0.25)

        // The document with its arrays, written and read whole.
        let document = ModelFile(network: network, loss: .softmaxCrossEntropy)
        #expect(document.layers[1].arrays?["runningMean"] == Matrix<Double>(runningMean))
        let written = temporaryPath("document.nn")
        defer { try? FileManager.default.removeItem(atPath: written) }
        try document.write(to: written)
        #expect(try ModelFile.read(from: written) == document)
        #expect(try ModelFile.read(from: written).network(as: Float.self).predict(inputs) == expected)

        // The JSON form (version 1's layout): the running statistics under "arrays".
        var json = document
        json.version = 1
        let decoded = try ModelFile.decode(try json.jsonData(), path: "image.json")
        #expect(decoded.layers == document.layers)
        #expect(try decoded.network(as: Float.self).predict(inputs) == expected)
    }

    @Test("a damaged image layer is refused naming the layer and the field")
    func refusals() throws {
        let document = ModelFile(network: try imageNetwork(Double.self), loss: .softmaxCrossEntropy)
        func reason(_ change: (inout ModelFile) -> Void) -> String {
            var model = document
            model.version = 1
            change(&model)
            do {
                _ = try ModelFile.decode(try model.jsonData(), path: "bad.json")
                return "accepted"
            } catch {
                return "\(error)"
            }
        }
        let cases: [(expected: String, change: (inout ModelFile) -> Void)] = [
            ("layers.0.settings.kernelSize", { $0.layers[0].settings?["kernelSize"] = .integer(0) }),
            ("layers.0.settings.padding", { $0.layers[0].settings?["padding"] = .text("full") }),
            ("layers.3.settings.rate", { $0.layers[3].settings?["rate"] = .number(1) }),
            ("layer 1: runningMean must have shape (1, 3)", { $0.layers[1].arrays?["runningMean"] = nil }),
            (
                "layer 2 expects 144 inputs (4, 6, 6) but the previous layer gives 108",
                { $0.layers[2].settings?["channels"] = .integer(4) }
            ),
            (
                "layer 2 takes samples of shape (3, 3, 12) but the previous layer gives (3, 6, 6)",
                {
                    $0.layers[2].settings?["height"] = .integer(3)
                    $0.layers[2].settings?["width"] = .integer(12)
                }
            ),
        ]
        for (expected, change) in cases {
            let message = reason(change)
            #expect(message.contains(expected), "\(message)")
        }
    }

    @Test("a checkpointed run with dropout and batch normalization resumes bit for bit")
    func resume() throws {
        let (inputs, targets) = imageData(Double.self)
        let options = TrainingOptions(epochs: 4, batchSize: 8)
        func optimizer() -> Optimizer<Double> { Optimizer(.adam, learningRate: 0.01) }
        let whole = try imageNetwork(Double.self)
        var random = NumpyRandomState(seed: 9)
        try whole.fit(
            inputs, targets, loss: .softmaxCrossEntropy, optimizer: optimizer(), options: options, random: &random)

        let first = try imageNetwork(Double.self)
        var firstRandom = NumpyRandomState(seed: 9)
        let firstOptimizer = optimizer()
        var saved: TrainingCheckpoint?
        try first.fit(
            inputs, targets, loss: .softmaxCrossEntropy, optimizer: firstOptimizer,
            options: TrainingOptions(epochs: 2, batchSize: 8), random: &firstRandom, resuming: nil, checkpointEvery: 2
        ) { progress, random in
            saved = TrainingCheckpoint(
                network: first, loss: .softmaxCrossEntropy, optimizer: firstOptimizer, random: random,
                progress: progress)
        }
        let path = temporaryPath("image.nnckpt")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try #require(saved).write(to: path)
        let checkpoint = try TrainingCheckpoint.read(from: path)
        var (network, restoredOptimizer, restoredRandom) = try checkpoint.restore(as: Double.self)
        try network.fit(
            inputs, targets, loss: .softmaxCrossEntropy, optimizer: restoredOptimizer, options: options,
            random: &restoredRandom, resuming: checkpoint.progress, checkpointEvery: nil
        ) { _, _ in }
        #expect(network.parameters.map(\.value) == whole.parameters.map(\.value))
        #expect(network.layers[1].buffers.map(\.value) == whole.layers[1].buffers.map(\.value))
        #expect(try network.predict(inputs) == whole.predict(inputs))
        _ = restoredOptimizer
    }

    @Test("early stopping restores the best epoch's running statistics with its weights")
    func earlyStoppingRestoresBuffers() throws {
        let (inputs, targets) = imageData(Double.self)
        // Validation targets unrelated to the inputs: the validation loss is lowest early, so the run
        // stops with a best epoch before its last.
        let validation = (
            inputs: uniformMatrix(rows: 12, columns: 36, seed: 5) as Matrix<Double>,
            targets: oneHot((0..<12).map { ($0 * 7 + 1) % 3 }, classes: 3) as Matrix<Double>
        )
        let stopped = try imageNetwork(Double.self)
        var random = NumpyRandomState(seed: 3)
        let history = try stopped.fit(
            inputs, targets, loss: .softmaxCrossEntropy, optimizer: Optimizer(.adam, learningRate: 0.05),
            options: TrainingOptions(epochs: 30, batchSize: 8, earlyStoppingPatience: 3), validation: validation,
            random: &random)
        let best = try #require(history.bestEpoch)
        try #require(best < history.loss.count - 1, "the run kept its last epoch; the test needs an earlier one")
        // The same run to the best epoch and no further.
        let reference = try imageNetwork(Double.self)
        var referenceRandom = NumpyRandomState(seed: 3)
        _ = try reference.fit(
            inputs, targets, loss: .softmaxCrossEntropy, optimizer: Optimizer(.adam, learningRate: 0.05),
            options: TrainingOptions(epochs: best + 1, batchSize: 8), validation: validation, random: &referenceRandom)
        #expect(stopped.parameters.map(\.value) == reference.parameters.map(\.value))
        for index in [1, 5] {
            #expect(
                stopped.layers[index].buffers.map(\.value) == reference.layers[index].buffers.map(\.value),
                "layer \(index)'s running statistics are the best epoch's")
        }
        #expect(try stopped.predict(inputs) == reference.predict(inputs))
    }

    @Test("dropout drops at its rate in training, the same masks for the same seed, nothing in inference")
    func dropout() throws {
        let layer = try Dropout<Double>(rate: 0.3)
        let input = Matrix<Double>.ones(rows: 200, columns: 500)
        var output = Matrix<Double>.zeros(rows: 200, columns: 500)
        layer.forward(input, into: &output)
        #expect(output == input, "inference is the identity")
        layer.mode = .training
        layer.beginEpoch(seed: 42)
        layer.forward(input, into: &output)
        let dropped = output.scalars.filter { $0 == 0 }.count
        // 100,000 draws at 0.3: the standard deviation of the count is about 145.
        #expect(abs(dropped - 30_000) < 600, "\(dropped) of 100000 dropped")
        #expect(output.scalars.allSatisfy { $0 == 0 || abs($0 - 1 / 0.7) < 1e-15 })
        var gradient = Matrix<Double>.ones(rows: 200, columns: 500)
        var inputGradient = Matrix<Double>.zeros(rows: 200, columns: 500)
        layer.backward(
            input: input, output: output, outputGradient: &gradient, inputGradient: &inputGradient,
            needsInputGradient: true, skipsActivationDerivative: false, gradientRetention: 0)
        #expect(inputGradient == output, "the gradient passes through the same mask")
        var again = Matrix<Double>.zeros(rows: 200, columns: 500)
        layer.beginEpoch(seed: 42)
        layer.forward(input, into: &again)
        #expect(again == output, "the same seed draws the same mask")
        layer.beginEpoch(seed: 43)
        layer.forward(input, into: &again)
        #expect(again != output, "another seed draws another mask")
    }

    @Test("seeded runs with dropout are bit-identical, and differ from runs without it")
    func seededRuns() throws {
        let (inputs, targets) = imageData(Float.self)
        func train() throws -> [Matrix<Float>] {
            let network = try imageNetwork(Float.self)
            var random = NumpyRandomState(seed: 3)
            try network.fit(
                inputs, targets, loss: .softmaxCrossEntropy, optimizer: Optimizer(.adam, learningRate: 0.01),
                options: TrainingOptions(epochs: 2, batchSize: 8), random: &random)
            return network.parameters.map(\.value)
        }
        #expect(try train() == train())
    }
}

@Suite("Sequential.summary with image layers")
struct ImageSummaryTests {
    @Test("the issue's Fashion-MNIST network: Keras's output shapes and parameter counts")
    func fashionNetwork() throws {
        // Keras's model.summary() of the same network gives 320, 18,496, 401,536 and 1,290
        // parameters (3·3·1·32 + 32, 3·3·32·64 + 64, 3136·128 + 128, 128·10 + 10): 421,642.
        let network = Sequential<Float>([
            try Conv2D<Float>(inputShape: (1, 28, 28), filters: 32, kernelSize: 3, padding: .same, activation: .relu),
            try MaxPool2D<Float>(inputShape: (32, 28, 28), poolSize: 2),
            try Conv2D<Float>(inputShape: (32, 14, 14), filters: 64, kernelSize: 3, padding: .same, activation: .relu),
            try MaxPool2D<Float>(inputShape: (64, 14, 14), poolSize: 2),
            Dense<Float>(inputSize: 3136, outputSize: 128, activation: .relu),
            try Dropout<Float>(rate: 0.5),
            Dense<Float>(inputSize: 128, outputSize: 10),
        ])
        #expect(
            network.summary() == """
                Sequential<Float>, 784 inputs (1, 28, 28)
                Layer                                         Output shape         Parameters
                =============================================================================
                Conv2D(32 filters 3x3, stride 1, same, relu)  (batch, 32, 28, 28)         320
                MaxPool2D(2x2, stride 2)                      (batch, 32, 14, 14)           0
                Conv2D(64 filters 3x3, stride 1, same, relu)  (batch, 64, 14, 14)       18496
                MaxPool2D(2x2, stride 2)                      (batch, 64, 7, 7)             0
                Dense(3136 -> 128, relu)                      (batch, 128)             401536
                Dropout(0.5)                                  (batch, 128)                  0
                Dense(128 -> 10, identity)                    (batch, 10)                1290
                =============================================================================
                Total parameters: 421642
                """)
        #expect(network.sampleShapes.last == [10])
    }
}
