import Foundation
import Network
import Synchronization
import Tensor
import Testing

// Training: seeded problems that must be learnt, the mini-batch order against numpy's permutation
// stream, the history's semantics, validation, early stopping, callbacks, and the errors.

let minibatchFixture = loadFixture("network_minibatch", as: LinearFixture.self)

/// The XOR problem with its four samples.
func xorData<S: MatrixScalar>(_: S.Type) -> (inputs: Matrix<S>, targets: Matrix<S>) {
    ([[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]])
}

/// A 2-8-1 tanh/sigmoid network drawn from `NumpyRandomState(seed: 7)`.
func xorNetwork<S: MatrixScalar>(_: S.Type) -> Sequential<S> {
    Sequential<S>(
        [
            Dense(inputSize: 2, outputSize: 8, activation: .tanh),
            Dense(inputSize: 8, outputSize: 1, activation: .sigmoid),
        ], seed: 7)
}

/// A small linear regression network and data: 10 samples, 3 features, 2 outputs.
func linearProblem(seed: UInt32 = 11) -> (network: Sequential<Double>, inputs: Matrix<Double>, targets: Matrix<Double>)
{
    let network = Sequential<Double>([Dense(inputSize: 3, outputSize: 2)], seed: seed)
    let inputs: Matrix<Double> = uniformMatrix(rows: 10, columns: 3, seed: seed + 1)
    let targets: Matrix<Double> = uniformMatrix(rows: 10, columns: 2, seed: seed + 2)
    return (network, inputs, targets)
}

/// Collects values from `@Sendable` callbacks.
final class Recorder<Value: Sendable>: Sendable {
    let values = Mutex<[Value]>([])
    func append(_ value: Value) { values.withLock { $0.append(value) } }
    var all: [Value] { values.withLock { $0 } }
}

@Suite("Training")
struct TrainingTests {
    // MARK: Seeded problems

    @Test("seeded XOR (2-8-1 tanh/sigmoid, BCE, Adam) is learnt: accuracy 1, loss < 0.02")
    func xor() throws {
        try checkXOR(Double.self)
        try checkXOR(Float.self)
    }

    func checkXOR<S: MatrixScalar>(_: S.Type) throws {
        let network = xorNetwork(S.self)
        let (inputs, targets) = xorData(S.self)
        var random = NumpyRandomState(seed: 0)
        let history = try network.fit(
            inputs, targets, loss: .binaryCrossEntropy, optimizer: Optimizer(.adam, learningRate: 0.05),
            options: TrainingOptions(epochs: 400, metrics: [.accuracy]), random: &random)
        let evaluation = try network.evaluate(inputs, targets, loss: .binaryCrossEntropy, metrics: [.accuracy])
        #expect(evaluation.metrics[.accuracy] == 1, "\(S.self)")
        #expect(evaluation.loss < 0.02, "\(S.self): final loss \(evaluation.loss)")
        #expect(history.loss.first! > 0.5 && history.metrics[.accuracy]!.last == 1)
        let outputs = try network.predict(inputs)
        #expect(outputs.scalars.map { $0 >= 0.5 ? 1 : 0 } == [0, 1, 1, 0] as [S])
    }

    @Test("Float and Double train XOR to close losses")
    func floatCloseToDouble() throws {
        var random = NumpyRandomState(seed: 0)
        let double = xorNetwork(Double.self), float = xorNetwork(Float.self)
        // The Float draws are the Double draws rounded; start both from the Float values.
        for (d, f) in zip(double.parameters, float.parameters) { d.value = Matrix(f.value) }
        let (inputs, targets) = xorData(Double.self)
        let options = TrainingOptions(epochs: 100)
        let doubleHistory = try double.fit(
            inputs, targets, loss: .binaryCrossEntropy, optimizer: Optimizer(.adam, learningRate: 0.05),
            options: options, random: &random)
        let floatHistory = try float.fit(
            Matrix(inputs), Matrix(targets), loss: .binaryCrossEntropy,
            optimizer: Optimizer(.adam, learningRate: 0.05), options: options, random: &random)
        expectClose(
            Matrix.row(floatHistory.loss), Matrix.row(doubleHistory.loss), tolerance: 1e-4, floor: 1e-3, "losses")
        for (f, d) in zip(float.parameters, double.parameters) {
            expectClose(Matrix<Double>(f.value), d.value, tolerance: 1e-4, floor: 1e-2, "weights")
        }
    }

    @Test("notebook 000: mean |error| every 10000 iterations equals numpy's to 1e-12")
    func notebookTrajectory() throws {
        // The numpy notebook: 3-4-1 sigmoid, no bias, 2 * np.random.random(...) - 1 with seed 1,
        // syn += lᵀ · delta with delta = (y - ŷ) ŷ(1 - ŷ): half the sum of squares, SGD at rate 1.
        var random = NumpyRandomState(seed: 1)
        let inputs: Matrix<Double> = [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]]
        let targets: Matrix<Double> = [[0], [1], [1], [0]]
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
            inputs, targets, loss: .halfSumSquaredError, optimizer: Optimizer(learningRate: 1),
            options: TrainingOptions(epochs: 60_000, metrics: [.meanAbsoluteError]), random: &random)
        let numpy = [
            0.4964100319027255, 0.008584525653247157, 0.005789459862507806,
            0.004629176776769983, 0.003958765280273646, 0.0035101225678616736,
        ]
        let errors = history.metrics[.meanAbsoluteError]!
        for (index, expected) in numpy.enumerated() {
            expectClose(errors[index * 10_000], expected, tolerance: 1e-12, "iteration \(index * 10_000)")
        }
    }

    // MARK: Mini-batches and history

    @Test(
        "mini-batches follow np.random.permutation each epoch: weights and epoch losses equal numpy's",
        arguments: minibatchFixture.cases)
    func minibatchOrder(_ testCase: OptimizerCase) throws {
        try checkMinibatch(testCase, Double.self)
        try checkMinibatch(testCase, Float.self)
    }

    func checkMinibatch<S: MatrixScalar>(_ testCase: OptimizerCase, _: S.Type) throws {
        let network = minibatchFixture.network(S.self)
        var random = NumpyRandomState(seed: testCase.seed!)
        let history = try network.fit(
            minibatchFixture.inputs.matrix(), minibatchFixture.targets.matrix(), loss: .meanSquaredError,
            optimizer: testCase.optimizer.optimizer(S.self),
            options: TrainingOptions(epochs: testCase.epochs, batchSize: testCase.batchSize), random: &random)
        let dense = denseLayers(network)[0]
        let tolerance = tolerance(S.self, double: 1e-12, float: 1e-4)
        let label = "\(testCase.name) (\(S.self))"
        expectClose(
            Matrix<Double>(dense.weights.value), testCase.weights.matrix(), tolerance: tolerance, floor: 1e-3,
            "\(label) weights")
        expectClose(
            Matrix<Double>(dense.bias!.value), testCase.bias.matrix(), tolerance: tolerance, floor: 1e-3,
            "\(label) bias")
        expectClose(
            Matrix.row(history.loss), Matrix.row(testCase.losses.map(parse)), tolerance: tolerance,
            "\(label) epoch losses")
        // The stream advanced by one permutation per epoch, as numpy's did.
        var numpy = NumpyRandomState(seed: testCase.seed!)
        for _ in 0..<testCase.epochs { _ = numpy.permutation(minibatchFixture.inputs.rows) }
        #expect(random == numpy)
        // The order matters here: without shuffling the result differs.
        let unshuffled = minibatchFixture.network(S.self)
        var other = NumpyRandomState(seed: testCase.seed!)
        try unshuffled.fit(
            minibatchFixture.inputs.matrix(), minibatchFixture.targets.matrix(), loss: .meanSquaredError,
            optimizer: testCase.optimizer.optimizer(S.self),
            options: TrainingOptions(epochs: testCase.epochs, batchSize: testCase.batchSize, shuffle: false),
            random: &other)
        #expect(
            largestRelativeDifference(
                Matrix<Double>(denseLayers(unshuffled)[0].weights.value), testCase.weights.matrix(), floor: 1e-3) > 1e-3
        )
    }

    @Test("full batch: loss[e] is the loss before epoch e's update, and nothing is drawn from the generator")
    func fullBatchHistory() throws {
        let (network, inputs, targets) = linearProblem()
        let initial = try network.evaluate(inputs, targets, loss: .meanSquaredError).loss
        var random = NumpyRandomState(seed: 3)
        let history = try network.fit(
            inputs, targets, loss: .meanSquaredError, optimizer: Optimizer(learningRate: 0.1),
            options: TrainingOptions(epochs: 3), random: &random)
        #expect(random == NumpyRandomState(seed: 3))
        #expect(history.epochCount == 3 && history.learningRate == [0.1, 0.1, 0.1])
        expectClose(history.loss[0], initial, tolerance: 1e-15, "loss[0]")
        let (other, _, _) = linearProblem()
        try other.fit(
            inputs, targets, loss: .meanSquaredError, optimizer: Optimizer(learningRate: 0.1),
            options: TrainingOptions(epochs: 1), random: &random)
        expectClose(
            history.loss[1], try other.evaluate(inputs, targets, loss: .meanSquaredError).loss, tolerance: 1e-15,
            "loss[1]")
        #expect(history.loss[2] < history.loss[1] && history.loss[1] < history.loss[0])
    }

    @Test("evaluate in batches equals evaluate in one batch; predict in batches equals the formula")
    func predictAndEvaluate() throws {
        let network = Sequential<Double>(
            [
                Dense(inputSize: 3, outputSize: 5, activation: .tanh, biasInitializer: .uniform(low: -1, high: 1)),
                Dense(inputSize: 5, outputSize: 4, activation: .identity, biasInitializer: .uniform(low: -1, high: 1)),
            ], seed: 2)
        let inputs: Matrix<Double> = uniformMatrix(rows: 11, columns: 3, seed: 4)
        let targets: Matrix<Double> = oneHot((0..<11).map { $0 % 4 }, classes: 4)
        let layers = denseLayers(network)
        let hidden = (inputs.dot(layers[0].weights.value) + layers[0].bias!.value).map { Foundation.tanh($0) }
        let expected = hidden.dot(layers[1].weights.value) + layers[1].bias!.value
        expectClose(try network.predict(inputs), expected, tolerance: 1e-14, "predict")
        expectClose(try network.predict(inputs, batchSize: 3), expected, tolerance: 1e-14, "predict in batches")
        let whole = try network.evaluate(
            inputs, targets, loss: .softmaxCrossEntropy, metrics: [.accuracy, .meanAbsoluteError])
        let batched = try network.evaluate(
            inputs, targets, loss: .softmaxCrossEntropy, metrics: [.accuracy, .meanAbsoluteError], batchSize: 4)
        expectClose(batched.loss, whole.loss, tolerance: 1e-14)
        expectClose(batched.metrics[.accuracy]!, whole.metrics[.accuracy]!, tolerance: 1e-14)
        expectClose(batched.metrics[.meanAbsoluteError]!, whole.metrics[.meanAbsoluteError]!, tolerance: 1e-14)
        // The oracle: cross-entropy and accuracy written out from the predicted logits.
        var loss = 0.0, correct = 0, absolute = 0.0
        for row in 0..<11 {
            let logits = (0..<4).map { expected[row, $0] }
            let largest = logits.max()!
            let logSum = Foundation.log(logits.map { Foundation.exp($0 - largest) }.reduce(0, +)) + largest
            loss += logSum - logits[row % 4]
            if logits.firstIndex(of: largest) == row % 4 { correct += 1 }
            for column in 0..<4 {
                absolute += Swift.abs(Foundation.exp(logits[column] - logSum) - targets[row, column])
            }
        }
        expectClose(whole.loss, loss / 11, tolerance: 1e-13, "cross-entropy")
        #expect(whole.metrics[.accuracy] == Double(correct) / 11)
        expectClose(whole.metrics[.meanAbsoluteError]!, absolute / 44, tolerance: 1e-13, "mean absolute error")
    }

    // MARK: Validation and early stopping

    @Test(
        "validationSplit holds out the last fraction, as Keras (training rows floor(n(1 - split)))",
        arguments: [(0.3, 7), (0.25, 7), (0.5, 5), (0.05, 9)])
    func validationSplit(split: Double, kept: Int) throws {
        let (network, inputs, targets) = linearProblem()
        let training = (inputs.rows(0..<kept), targets.rows(0..<kept))
        let held = (inputs.rows(kept..<10), targets.rows(kept..<10))
        let initial = try network.evaluate(training.0, training.1, loss: .meanSquaredError).loss
        var random = NumpyRandomState(seed: 0)
        let history = try network.fit(
            inputs, targets, loss: .meanSquaredError, optimizer: Optimizer(learningRate: 0.1),
            options: TrainingOptions(epochs: 1, validationSplit: split), random: &random)
        expectClose(history.loss[0], initial, tolerance: 1e-15, "training loss on the first \(kept) rows")
        expectClose(
            history.validationLoss[0], try network.evaluate(held.0, held.1, loss: .meanSquaredError).loss,
            tolerance: 1e-15, "validation loss on the last \(10 - kept) rows")
    }

    @Test(
        "DataSplit: Keras's last rows, and which splits leave a side empty",
        arguments: [(0.3, 10, 7), (0.25, 10, 7), (0.5, 10, 5), (0.05, 10, 9), (0.0, 10, 10), (0.5, 1, 0), (0.2, 0, 0)])
    func dataSplit(fraction: Double, samples: Int, kept: Int) {
        let split = DataSplit.holdingOutLast(fraction, of: samples)
        #expect(split.trainingRows == 0..<kept && split.validationRows == kept..<samples)
        #expect(split.isUsable == (kept > 0 && (fraction == 0 || kept < samples)))
        let matrix = Matrix<Double>(rows: samples, columns: 1, scalars: (0..<samples).map(Double.init))
        #expect(split.training(matrix).scalars == (0..<kept).map(Double.init))
        #expect(split.validation(matrix).scalars == (kept..<samples).map(Double.init))
    }

    @Test("fit without a generator trains as with NumpyRandomState(seed: 0)")
    func defaultRandomState() throws {
        let (network, inputs, targets) = linearProblem()
        let (other, _, _) = linearProblem()
        let options = TrainingOptions(epochs: 3, batchSize: 4)
        let history = try network.fit(
            inputs, targets, loss: .meanSquaredError, optimizer: Optimizer(learningRate: 0.1), options: options)
        var random = NumpyRandomState(seed: 0)
        let expected = try other.fit(
            inputs, targets, loss: .meanSquaredError, optimizer: Optimizer(learningRate: 0.1), options: options,
            random: &random)
        #expect(history == expected)
        #expect(network.parameters.map(\.value) == other.parameters.map(\.value))
    }

    @Test("separate validation data overrides validationSplit and is reported per epoch with metrics")
    func separateValidation() throws {
        let (network, inputs, targets) = linearProblem()
        let validationInputs: Matrix<Double> = uniformMatrix(rows: 4, columns: 3, seed: 40)
        let validationTargets: Matrix<Double> = uniformMatrix(rows: 4, columns: 2, seed: 41)
        var random = NumpyRandomState(seed: 0)
        let history = try network.fit(
            inputs, targets, loss: .meanSquaredError, optimizer: Optimizer(learningRate: 0.1),
            options: TrainingOptions(epochs: 2, metrics: [.meanAbsoluteError], validationSplit: 0.5),
            validation: (validationInputs, validationTargets), random: &random)
        #expect(history.validationLoss.count == 2 && history.validationMetrics[.meanAbsoluteError]?.count == 2)
        let final = try network.evaluate(
            validationInputs, validationTargets, loss: .meanSquaredError, metrics: [.meanAbsoluteError])
        expectClose(history.validationLoss[1], final.loss, tolerance: 1e-15)
        expectClose(
            history.validationMetrics[.meanAbsoluteError]![1], final.metrics[.meanAbsoluteError]!, tolerance: 1e-15)
    }

    /// Training on y = x while validating on y = -x: the validation loss rises from the first epoch on.
    func divergingValidation() -> (
        Sequential<Double>, Matrix<Double>, (inputs: Matrix<Double>, targets: Matrix<Double>)
    ) {
        let network = Sequential<Double>([
            Dense(inputSize: 1, outputSize: 1, bias: false, weightInitializer: .constant(0.5))
        ])
        let inputs: Matrix<Double> = [[1], [2], [-1]]
        return (network, inputs, (inputs, inputs * -1))
    }

    @Test("early stopping stops after `patience` epochs without improvement and restores the best weights")
    func earlyStopping() throws {
        let (network, inputs, validation) = divergingValidation()
        var random = NumpyRandomState(seed: 0)
        let history = try network.fit(
            inputs, inputs, loss: .meanSquaredError, optimizer: Optimizer(learningRate: 0.05),
            options: TrainingOptions(epochs: 50, earlyStoppingPatience: 2),
            validation: validation, random: &random)
        #expect(history.stoppedEarly && history.epochCount == 3 && history.bestEpoch == 0)
        #expect(
            history.validationLoss[1] > history.validationLoss[0]
                && history.validationLoss[2] > history.validationLoss[1])
        // The weights after epoch 0, as a one-epoch run gives them.
        let (reference, _, _) = divergingValidation()
        try reference.fit(
            inputs, inputs, loss: .meanSquaredError, optimizer: Optimizer(learningRate: 0.05),
            options: TrainingOptions(epochs: 1), random: &random)
        #expect(parameterValues(network) == parameterValues(reference))
        expectClose(
            try network.evaluate(validation.inputs, validation.targets, loss: .meanSquaredError).loss,
            history.validationLoss[0], tolerance: 1e-15)
    }

    @Test("early stopping without restoring keeps the last weights; a patient run does not stop")
    func earlyStoppingVariants() throws {
        let (network, inputs, validation) = divergingValidation()
        var random = NumpyRandomState(seed: 0)
        let history = try network.fit(
            inputs, inputs, loss: .meanSquaredError, optimizer: Optimizer(learningRate: 0.05),
            options: TrainingOptions(epochs: 50, earlyStoppingPatience: 2, restoresBestWeights: false),
            validation: validation, random: &random)
        #expect(history.stoppedEarly && history.epochCount == 3 && history.bestEpoch == nil)
        expectClose(
            try network.evaluate(validation.inputs, validation.targets, loss: .meanSquaredError).loss,
            history.validationLoss[2], tolerance: 1e-15)

        let (patient, _, _) = divergingValidation()
        let full = try patient.fit(
            inputs, inputs, loss: .meanSquaredError, optimizer: Optimizer(learningRate: 0.05),
            options: TrainingOptions(epochs: 5, earlyStoppingPatience: 10), validation: validation, random: &random)
        #expect(!full.stoppedEarly && full.epochCount == 5 && full.bestEpoch == 0)

        // Improving training loss: no stop, the best epoch is the last.
        let (improving, trainingInputs, trainingTargets) = linearProblem()
        let improvingHistory = try improving.fit(
            trainingInputs, trainingTargets, loss: .meanSquaredError, optimizer: Optimizer(learningRate: 0.1),
            options: TrainingOptions(epochs: 6, earlyStoppingPatience: 1), random: &random)
        #expect(!improvingHistory.stoppedEarly && improvingHistory.bestEpoch == 5)
    }

    @Test(
        "with a tolerance, early stopping on the training loss stops where scikit-learn's tol and n_iter_no_change rule does"
    )
    func earlyStoppingTolerance() throws {
        // The loss curve of a full run, full-batch (no shuffling), from the seeded start.
        let (reference, inputs, targets) = linearProblem()
        var random = NumpyRandomState(seed: 0)
        let curve = try reference.fit(
            inputs, targets, loss: .meanSquaredError, optimizer: Optimizer(learningRate: 0.05),
            options: TrainingOptions(epochs: 200), random: &random
        ).loss
        // scikit-learn's rule, as MLPRegressor._update_no_improvement_count writes it (stopping once the
        // count reaches the patience): the epoch count of the run.
        func stoppingEpochs(tolerance: Double, patience: Int) -> Int? {
            var best = Double.infinity
            var count = 0
            for (epoch, loss) in curve.enumerated() {
                if loss > best - tolerance { count += 1 } else { count = 0 }
                if loss < best { best = loss }
                if count >= patience { return epoch + 1 }
            }
            return nil
        }
        var stopped = 0
        for tolerance in [1e-2, 1e-3, 1e-4, 1e-6] {
            let (network, _, _) = linearProblem()
            var generator = NumpyRandomState(seed: 0)
            let history = try network.fit(
                inputs, targets, loss: .meanSquaredError, optimizer: Optimizer(learningRate: 0.05),
                options: TrainingOptions(epochs: 200, earlyStoppingPatience: 5, earlyStoppingTolerance: tolerance),
                random: &generator)
            let expected = stoppingEpochs(tolerance: tolerance, patience: 5)
            #expect(history.stoppedEarly == (expected != nil), "tolerance \(tolerance)")
            #expect(history.epochCount == (expected ?? 200), "tolerance \(tolerance): \(history.epochCount) epochs")
            #expect(Array(history.loss) == Array(curve.prefix(history.epochCount)))
            if expected != nil { stopped += 1 }
        }
        // The tolerances chosen make some runs stop and let the smallest run on.
        #expect(stopped >= 2 && stoppingEpochs(tolerance: 1e-6, patience: 5) == nil)
    }

    // MARK: Callbacks

    @Test("callbacks see every batch and epoch with the history's numbers")
    func callbacks() throws {
        let (network, inputs, targets) = linearProblem()
        let batches = Recorder<BatchProgress>(), epochs = Recorder<EpochSummary>()
        var random = NumpyRandomState(seed: 9)
        let history = try network.fit(
            inputs, targets, loss: .meanSquaredError,
            optimizer: Optimizer(learningRate: 0.1, schedule: .exponential(decay: 0.5)),
            options: TrainingOptions(
                epochs: 3, batchSize: 4, metrics: [.accuracy], validationSplit: 0.2,
                onBatchEnd: { batches.append($0) }, onEpochEnd: { epochs.append($0) }),
            random: &random)
        let batchList = batches.all, epochList = epochs.all
        // 8 training rows in batches of 4, 4, then... 8 rows: 2 batches per epoch.
        #expect(batchList.count == 6 && batchList.allSatisfy { $0.batchCount == 2 })
        #expect(batchList.map(\.samplesSeen) == [4, 8, 4, 8, 4, 8])
        #expect(epochList.map(\.epoch) == [0, 1, 2] && epochList.allSatisfy { $0.epochCount == 3 })
        #expect(epochList.map(\.loss) == history.loss)
        #expect(epochList.map(\.learningRate) == [0.1, 0.05, 0.025] && history.learningRate == [0.1, 0.05, 0.025])
        #expect(epochList.map { $0.validationLoss! } == history.validationLoss)
        for epoch in 0..<3 {
            let last = batchList[2 * epoch + 1]
            #expect(last.epoch == epoch && last.batch == 1)
            expectClose(last.runningLoss, history.loss[epoch], tolerance: 1e-15)
            expectClose((batchList[2 * epoch].loss + last.loss) / 2, history.loss[epoch], tolerance: 1e-15)
            #expect(last.runningAccuracy == history.metrics[.accuracy]![epoch])
            #expect(epochList[epoch].metrics[.accuracy] == history.metrics[.accuracy]![epoch])
        }
    }

    // MARK: Errors

    @Test("a diverging run throws nonFiniteLoss naming epoch, batch and rate")
    func nonFiniteLoss() throws {
        let (network, inputs, targets) = linearProblem()
        var random = NumpyRandomState(seed: 0)
        do {
            try network.fit(
                inputs, targets, loss: .sumSquaredError, optimizer: Optimizer(learningRate: 1e6),
                options: TrainingOptions(epochs: 1000), random: &random)
            Issue.record("a learning rate of 1e6 must make the loss overflow")
        } catch let error {
            guard case .nonFiniteLoss(let epoch, let batch, let rate) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(epoch > 0 && epoch < 1000 && batch == 0 && rate == 1e6)
            #expect(error.description.contains("nan or infinite") && error.description.contains("epoch \(epoch + 1)"))
        }
        // A nan in the data fails at once.
        var poisoned = inputs
        poisoned[3, 1] = .nan
        #expect(throws: NetworkError.nonFiniteLoss(epoch: 0, batch: 0, learningRate: 0.1)) {
            try linearProblem().network.fit(
                poisoned, targets, loss: .meanSquaredError, optimizer: Optimizer(learningRate: 0.1),
                options: TrainingOptions(epochs: 5), random: &random)
        }
        #expect(throws: NetworkError.nonFiniteLoss(epoch: 0, batch: 1, learningRate: 0.1)) {
            var poisonedLate = inputs
            poisonedLate[9, 0] = .infinity
            try linearProblem().network.fit(
                poisonedLate, targets, loss: .meanSquaredError, optimizer: Optimizer(learningRate: 0.1),
                options: TrainingOptions(epochs: 5, batchSize: 5, shuffle: false), random: &random)
        }
    }

    @Test("data that does not fit the network throws shapeMismatch; impossible settings throw invalidConfiguration")
    func badInputs() throws {
        let (network, inputs, targets) = linearProblem()
        var random = NumpyRandomState(seed: 0)
        let optimizer = Optimizer<Double>(learningRate: 0.1)
        func fit(
            _ x: Matrix<Double>, _ y: Matrix<Double>, loss: Loss = .meanSquaredError,
            options: TrainingOptions = TrainingOptions(epochs: 1),
            validation: (inputs: Matrix<Double>, targets: Matrix<Double>)? = nil
        ) throws(NetworkError) {
            try network.fit(
                x, y, loss: loss, optimizer: optimizer, options: options, validation: validation, random: &random)
        }
        func expectShapeMismatch(
            _ body: () throws -> Void, _ words: String, sourceLocation: SourceLocation = #_sourceLocation
        ) {
            do {
                try body()
                Issue.record("expected a shape mismatch", sourceLocation: sourceLocation)
            } catch {
                guard case .shapeMismatch(let message) = error as? NetworkError else {
                    Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
                    return
                }
                #expect(message.contains(words), "\(message)", sourceLocation: sourceLocation)
            }
        }
        func expectInvalid(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) {
            do {
                try body()
                Issue.record("expected an invalid configuration", sourceLocation: sourceLocation)
            } catch {
                guard case .invalidConfiguration = error as? NetworkError else {
                    Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
                    return
                }
            }
        }
        let before = parameterValues(network)
        expectShapeMismatch({ try fit(inputs.columns(0..<2), targets) }, "(10, 2)")
        expectShapeMismatch({ try fit(inputs, targets.rows(0..<9)) }, "9")
        expectShapeMismatch({ try fit(inputs, targets.columns(0..<1)) }, "(10, 1)")
        expectShapeMismatch({ try fit(inputs, targets, validation: (inputs.columns(0..<1), targets)) }, "(10, 1)")
        expectShapeMismatch({ try fit(inputs, targets, validation: (inputs, targets.rows(0..<3))) }, "(3, 2)")
        expectShapeMismatch({ _ = try network.predict(inputs.columns(0..<2)) }, "expects 3")
        expectShapeMismatch(
            { _ = try network.evaluate(inputs, targets.columns(0..<1), loss: .meanSquaredError) }, "(10, 1)")
        expectShapeMismatch(
            { _ = try network.evaluate(Matrix.zeros(rows: 10, columns: 4), targets, loss: .meanSquaredError) }, "4")
        expectInvalid { try fit(inputs, targets, options: TrainingOptions(epochs: 1, batchSize: 0)) }
        expectInvalid { try fit(inputs, targets, options: TrainingOptions(epochs: -1)) }
        expectInvalid { try fit(inputs, targets, options: TrainingOptions(epochs: 1, validationSplit: 1)) }
        // Trains on 0 rows.
        expectInvalid { try fit(inputs, targets, options: TrainingOptions(epochs: 1, validationSplit: 0.95)) }
        // Validates on 0 rows.
        expectInvalid { try fit(inputs, targets, options: TrainingOptions(epochs: 1, validationSplit: 1e-17)) }
        let sigmoidNetwork = Sequential<Double>([Dense(inputSize: 3, outputSize: 2, activation: .sigmoid)])
        expectInvalid {
            try sigmoidNetwork.fit(
                inputs, targets, loss: .softmaxCrossEntropy, optimizer: optimizer,
                options: TrainingOptions(epochs: 1), random: &random)
        }
        #expect(parameterValues(network) == before, "a rejected fit must not train")
    }
}
