import Foundation
import Network
import Tensor
import TestSupport
import Testing

/// A fresh path in a temporary folder.
private func temporaryFile(_ name: String) -> String {
    let folder = testTemporaryDirectory.appendingPathComponent(
        "SequentialErgonomics-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder.appendingPathComponent(name).path
}

/// XOR as the first notebook has it.
private let xorInputs: Matrix<Double> = [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]]
private let xorTargets: Matrix<Double> = [[0], [1], [1], [0]]

private func xorNetwork() -> Sequential<Double> {
    Sequential<Double>(
        [
            Dense(inputSize: 3, outputSize: 4, bias: false, activation: .sigmoid),
            Dense(inputSize: 4, outputSize: 1, bias: false, activation: .sigmoid),
        ], seed: 1)
}

/// The lines a progress printer wrote, collected across the training thread.
private final class Lines: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    func append(_ line: String) { lock.withLock { stored.append(line) } }
    var all: [String] { lock.withLock { stored } }
}

@Suite struct SequentialLoadSaveTests {
    /// `fit` records its loss, `save(to:)` writes it, and `load(from:)` gives back the same network
    /// with that loss.
    @Test func saveRemembersTheLossAndLoadReadsItBack() throws {
        let network = xorNetwork()
        #expect(network.trainingLoss == nil)
        try network.fit(
            xorInputs, xorTargets, loss: .binaryCrossEntropy, optimizer: Optimizer(.adam, learningRate: 0.05),
            options: TrainingOptions(epochs: 20))
        #expect(network.trainingLoss == .binaryCrossEntropy)

        let path = temporaryFile("xor.nn")
        try network.save(to: path)
        #expect(try ModelFile.readMetadata(from: path).loss == .binaryCrossEntropy)

        let loaded = try Sequential<Double>.load(from: path)
        #expect(loaded.trainingLoss == .binaryCrossEntropy)
        #expect(loaded.description == network.description)
        #expect(try loaded.predict(xorInputs) == network.predict(xorInputs))

        // In the other precision too.
        let single = try Sequential<Float>.load(from: path)
        #expect(single.trainingLoss == .binaryCrossEntropy && single.parameterCount == network.parameterCount)
    }

    /// `save(to:loss:)` still works and overrides the recorded loss in the file, not on the network.
    @Test func explicitLossOverrides() throws {
        let network = xorNetwork()
        try network.fit(
            xorInputs, xorTargets, loss: .meanSquaredError, optimizer: Optimizer(.sgd, learningRate: 0.5),
            options: TrainingOptions(epochs: 5))
        let path = temporaryFile("override.nn")
        try network.save(to: path, loss: .binaryCrossEntropy)
        #expect(try ModelFile.readMetadata(from: path).loss == .binaryCrossEntropy)
        #expect(network.trainingLoss == .meanSquaredError)
        // The latest fit's loss is the one remembered.
        try network.fit(
            xorInputs, xorTargets, loss: .halfSumSquaredError, optimizer: Optimizer(.sgd, learningRate: 0.5),
            options: TrainingOptions(epochs: 1))
        #expect(network.trainingLoss == .halfSumSquaredError)
    }

    /// A network that was never trained or loaded has no loss to save: a typed error says what to do.
    @Test func untrainedNetworkNeedsALoss() {
        let path = temporaryFile("untrained.nn")
        #expect(
            throws: NetworkError.invalidConfiguration(
                "save(to:): the network has not been trained or loaded, so its loss is unknown; pass it with save(to:loss:)"
            )
        ) { try xorNetwork().save(to: path) }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    /// A missing file is the model-file error, as with `ModelFile.readNetwork`.
    @Test func loadingAMissingFileThrows() {
        #expect(throws: NetworkError.self) { _ = try Sequential<Double>.load(from: temporaryFile("missing.nn")) }
    }
}

@Suite struct SequentialDescriptionTests {
    @Test func layerTable() {
        let network = Sequential<Double>(
            [
                Dense(inputSize: 3, outputSize: 4, bias: false, activation: .sigmoid),
                Dense(inputSize: 4, outputSize: 10, activation: .relu),
                ActivationLayer(.softmax),
            ], seed: 0)
        #expect(
            network.description == """
                Sequential<Double>, 3 inputs
                Layer                            Output shape  Parameters
                =========================================================
                Dense(3 -> 4, sigmoid, no bias)  (batch, 4)            12
                Dense(4 -> 10, relu)             (batch, 10)           50
                ActivationLayer(softmax)         (batch, 10)            0
                =========================================================
                Total parameters: 62
                """)
        #expect("\(network)" == network.description, "print(network) shows the table")
    }

    @Test func layers() {
        #expect(Dense<Float>(inputSize: 2, outputSize: 3, activation: .relu).description == "Dense(2 -> 3, relu)")
        #expect(
            Dense<Float>(inputSize: 2, outputSize: 1, bias: false).description == "Dense(2 -> 1, identity, no bias)")
        #expect(ActivationLayer<Float>(.tanh).description == "ActivationLayer(tanh)")
    }
}

@Suite struct ProgressPrinterTests {
    /// One line per epoch, in Keras's verbose=2 form, with the metrics and validation asked for.
    @Test func oneLinePerEpoch() throws {
        let lines = Lines()
        let network = xorNetwork()
        try network.fit(
            xorInputs, xorTargets, loss: .binaryCrossEntropy, optimizer: Optimizer(.adam, learningRate: 0.05),
            options: TrainingOptions(
                epochs: 3, metrics: [.accuracy], progress: ProgressPrinter(write: { lines.append($0) })),
            validation: (xorInputs, xorTargets))
        let printed = lines.all
        #expect(printed.count == 3)
        let pattern =
            #/epoch ([0-9])/3 - loss [0-9]\.[0-9]{4} - accuracy [01]\.[0-9]{4} - validation loss [0-9]\.[0-9]{4} - validation accuracy [01]\.[0-9]{4} - [0-9]+\.[0-9]{2} s/#
        for (index, line) in printed.enumerated() {
            let match = try #require(line.wholeMatch(of: pattern), "\(line)")
            #expect(match.1 == "\(index + 1)")
        }
    }

    /// The printer runs after the caller's own epoch-end callback, which still sees every epoch, and
    /// the lines report the same losses as the history.
    @Test func keepsTheCallerCallback() throws {
        let lines = Lines()
        let seen = Lines()
        let network = xorNetwork()
        let history = try network.fit(
            xorInputs, xorTargets, loss: .meanSquaredError, optimizer: Optimizer(.sgd, learningRate: 0.5),
            options: TrainingOptions(
                epochs: 2, onEpochEnd: { seen.append("epoch \($0.epoch)") },
                progress: ProgressPrinter(write: { lines.append($0) })))
        #expect(seen.all == ["epoch 0", "epoch 1"])
        #expect(lines.all.count == 2)
        for (line, loss) in zip(lines.all, history.loss) {
            #expect(line.contains("loss \(String(format: "%.4f", loss)) - "), "\(line)")
        }
    }

    /// Off by default, and printing changes nothing in training: the same weights with and without it.
    @Test func changesNothingInTraining() throws {
        #expect(TrainingOptions(epochs: 1).progress == nil)
        let quiet = xorNetwork(), printing = xorNetwork()
        try quiet.fit(
            xorInputs, xorTargets, loss: .binaryCrossEntropy, optimizer: Optimizer(.adam, learningRate: 0.05),
            options: TrainingOptions(epochs: 10, batchSize: 2))
        try printing.fit(
            xorInputs, xorTargets, loss: .binaryCrossEntropy, optimizer: Optimizer(.adam, learningRate: 0.05),
            options: TrainingOptions(epochs: 10, batchSize: 2, progress: ProgressPrinter(write: { _ in })))
        #expect(try quiet.predict(xorInputs) == printing.predict(xorInputs))
    }

    /// Small values keep their digits in scientific notation.
    @Test func smallLossesAreReadable() throws {
        let lines = Lines()
        let network = Sequential<Double>([Dense(inputSize: 1, outputSize: 1, bias: false)], seed: 0)
        let inputs: Matrix<Double> = [[1], [2]]
        try network.fit(
            inputs, inputs * 0.7, loss: .meanSquaredError, optimizer: Optimizer(.sgd, learningRate: 0.1),
            options: TrainingOptions(epochs: 30, progress: ProgressPrinter(write: { lines.append($0) })))
        let last = try #require(lines.all.last)
        #expect(last.hasPrefix("epoch 30/30 - loss ") && last.contains("e-"), "\(last)")
    }
}
