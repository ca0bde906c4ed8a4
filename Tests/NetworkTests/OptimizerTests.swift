import Foundation
import Network
import Tensor
import Testing

// The update rules against a numpy re-implementation of PyTorch's SGD (momentum, Nesterov), Adam, AdamW,
// RMSprop (with momentum) and weight decay, with learning-rate schedules: a linear layer X·W + b trained on the mean squared
// error, full batch, for 8 epochs; the final weights and every epoch's loss and rate must agree.

struct OptimizerConfiguration: Decodable, Sendable {
    let kind: String
    let momentum: Double?
    let nesterov: Bool?
    let beta1: Double?
    let beta2: Double?
    let epsilon: Double?
    let alpha: Double?
    let learningRate: Double
    let weightDecay: Double
    let schedule: ScheduleConfiguration

    struct ScheduleConfiguration: Decodable, Sendable {
        let kind: String
        let every: Int?
        let factor: Double?
        let decay: Double?
    }

    func optimizer<S: MatrixScalar>(_: S.Type) -> Optimizer<S> {
        let rule: OptimizerKind
        switch kind {
        case "sgd": rule = .sgd(momentum: momentum!, nesterov: nesterov!)
        case "adam": rule = .adam(beta1: beta1!, beta2: beta2!, epsilon: epsilon!)
        case "adamW": rule = .adamW(beta1: beta1!, beta2: beta2!, epsilon: epsilon!)
        case "rmsprop": rule = .rmsprop(alpha: alpha!, epsilon: epsilon!, momentum: momentum!)
        default: fatalError("fixture: unknown optimizer \(kind)")
        }
        let rateSchedule: LearningRateSchedule
        switch schedule.kind {
        case "step": rateSchedule = .step(every: schedule.every!, factor: schedule.factor!)
        case "exponential": rateSchedule = .exponential(decay: schedule.decay!)
        default: rateSchedule = .constant
        }
        return Optimizer(rule, learningRate: learningRate, weightDecay: weightDecay, schedule: rateSchedule)
    }
}

struct OptimizerCase: Decodable, Sendable, CustomStringConvertible {
    let name: String
    let optimizer: OptimizerConfiguration
    let epochs: Int
    let weights: FixtureMatrix
    let bias: FixtureMatrix
    let losses: [String]
    let rates: [String]?
    let seed: UInt32?
    let batchSize: Int?

    var description: String { name }
}

struct LinearFixture: Decodable, Sendable {
    let inputs: FixtureMatrix
    let targets: FixtureMatrix
    let weights: FixtureMatrix
    let bias: FixtureMatrix
    let cases: [OptimizerCase]

    /// A one-layer linear network holding the fixture's initial weights.
    func network<S: MatrixScalar>(_: S.Type) -> Sequential<S> {
        let dense = Dense<S>(inputSize: inputs.columns, outputSize: targets.columns, bias: true, activation: .identity)
        let network = Sequential<S>([dense])
        dense.weights.value = weights.matrix()
        dense.bias!.value = bias.matrix()
        return network
    }
}

let optimizerFixture = loadFixture("network_optimizers", as: LinearFixture.self)

@Suite("Optimizers")
struct OptimizerTests {
    @Test("8 full-batch epochs equal PyTorch's rules re-implemented in numpy", arguments: optimizerFixture.cases)
    func matchesNumpy(_ testCase: OptimizerCase) throws {
        try check(testCase, Double.self)
        try check(testCase, Float.self)
    }

    func check<S: MatrixScalar>(_ testCase: OptimizerCase, _: S.Type) throws {
        let fixture = optimizerFixture
        let network = fixture.network(S.self)
        var random = NumpyRandomState(seed: 0)
        let history = try network.fit(
            fixture.inputs.matrix(), fixture.targets.matrix(), loss: .meanSquaredError,
            optimizer: testCase.optimizer.optimizer(S.self), options: TrainingOptions(epochs: testCase.epochs),
            random: &random)
        let dense = denseLayers(network)[0]
        let label = "\(testCase.name) (\(S.self))"
        let tolerance = tolerance(S.self, double: 1e-12, float: 1e-4)
        expectClose(
            Matrix<Double>(dense.weights.value), testCase.weights.matrix(), tolerance: tolerance, floor: 1e-3,
            "\(label) weights")
        expectClose(
            Matrix<Double>(dense.bias!.value), testCase.bias.matrix(), tolerance: tolerance, floor: 1e-3,
            "\(label) bias")
        expectClose(
            Matrix.row(history.loss), Matrix.row(testCase.losses.map(parse)), tolerance: tolerance, "\(label) losses")
        if let rates = testCase.rates {
            #expect(history.learningRate.count == rates.count)
            for (rate, expected) in zip(history.learningRate, rates.map(parse)) {
                expectClose(rate, expected, tolerance: 1e-15, "\(label) learning rate")
            }
        }
    }

    @Test("the same 8 epochs in two calls of 4 continue the optimizer's state (initialEpoch keeps the schedule)")
    func stateCarriesOver() throws {
        let testCase = optimizerFixture.cases.first { $0.name == "adam exponential schedule" }!
        let network = optimizerFixture.network(Double.self)
        let optimizer = testCase.optimizer.optimizer(Double.self)
        var random = NumpyRandomState(seed: 0)
        let inputs: Matrix<Double> = optimizerFixture.inputs.matrix(),
            targets: Matrix<Double> = optimizerFixture.targets.matrix()
        try network.fit(
            inputs, targets, loss: .meanSquaredError, optimizer: optimizer, options: TrainingOptions(epochs: 4),
            random: &random)
        try network.fit(
            inputs, targets, loss: .meanSquaredError, optimizer: optimizer,
            options: TrainingOptions(epochs: 4, initialEpoch: 4), random: &random)
        #expect(optimizer.stepCount == 8)
        expectClose(denseLayers(network)[0].weights.value, testCase.weights.matrix(), tolerance: 1e-12, floor: 1e-3)
    }

    @Test("schedules: rate per epoch")
    func schedules() {
        let step = LearningRateSchedule.step(every: 3, factor: 0.5)
        #expect((0..<7).map { step.rate(base: 0.8, epoch: $0) } == [0.8, 0.8, 0.8, 0.4, 0.4, 0.4, 0.2])
        let exponential = LearningRateSchedule.exponential(decay: 0.9)
        for epoch in 0..<5 {
            expectClose(
                exponential.rate(base: 0.1, epoch: epoch), 0.1 * [1, 0.9, 0.81, 0.729, 0.6561][epoch], tolerance: 1e-15)
        }
        #expect(LearningRateSchedule.constant.rate(base: 0.3, epoch: 100) == 0.3)
        let optimizer = Optimizer<Double>(.sgd, learningRate: 1, schedule: .step(every: 2, factor: 0.1))
        optimizer.beginEpoch(5)
        expectClose(optimizer.learningRate, 0.01, tolerance: 1e-15)
        #expect(optimizer.baseLearningRate == 1)
    }

    @Test("momentum without Nesterov keeps momentum × velocity in the gradient buffer; layers add to it (retention 1)")
    func gradientRetention() {
        #expect(Optimizer<Double>(.sgd(momentum: 0.9, nesterov: false), learningRate: 1).gradientRetention == 1)
        // Two steps by hand against PyTorch's rule v = μv + g, w -= lr · v.
        let parameter = Parameter<Double>(name: "w", value: [[1, 2]])
        let optimizer = Optimizer<Double>(.sgd(momentum: 0.9, nesterov: false), learningRate: 0.1)
        parameter.gradient = [[0.5, -1]]  // the first gradient, as a layer writes it into a zero buffer
        optimizer.update([parameter])
        #expect(parameter.value == [[1 - 0.1 * 0.5, 2 + 0.1 * 1]])
        #expect(parameter.gradient == [[0.9 * 0.5, 0.9 * -1]])
        parameter.gradient = parameter.gradient + [[0.25, 0.25]]  // what a layer adds with retention 1
        optimizer.update([parameter])
        let velocity: [Double] = [0.9 * 0.5 + 0.25, 0.9 * -1 + 0.25]
        #expect(parameter.value == [[1 - 0.1 * 0.5 - 0.1 * velocity[0], 2 + 0.1 * 1 - 0.1 * velocity[1]]])
        #expect(parameter.gradient == [[0.9 * velocity[0], 0.9 * velocity[1]]])
        #expect(Optimizer<Float>(.sgd(momentum: 0.9, nesterov: true), learningRate: 1).gradientRetention == 0)
        #expect(Optimizer<Double>(.adam, learningRate: 1).gradientRetention == 0)
        #expect(Optimizer<Double>(.sgd, learningRate: 1).gradientRetention == 0)
    }
}

@Suite("Checkpoint versions")
struct CheckpointVersionTests {
    @Test("a version 1 checkpoint (velocity kept unscaled) restores to the buffers version 2 keeps")
    func versionOneIsMigrated() throws {
        let (network, inputs, targets) = linearProblem()
        let optimizer = Optimizer<Double>(.sgd(momentum: 0.9, nesterov: false), learningRate: 0.05)
        var random = NumpyRandomState(seed: 0)
        try network.fit(
            inputs, targets, loss: .meanSquaredError, optimizer: optimizer,
            options: TrainingOptions(epochs: 3, batchSize: 4), random: &random)
        let current = TrainingCheckpoint(
            network: network, loss: .meanSquaredError, optimizer: optimizer, random: random,
            progress: TrainingProgress())
        #expect(current.version == 3)
        // What session 1 would have written: the same run with the velocity itself in the buffers.
        var old = current
        old.version = 1
        old.gradients = current.gradients.map { $0 / 0.9 }
        let data = try JSONEncoder().encode(old)
        let decoded = try TrainingCheckpoint.decode(data, path: "old.json")
        let restored: (network: Sequential<Double>, optimizer: Optimizer<Double>, random: NumpyRandomState) =
            try decoded.restore()
        for (migrated, kept) in zip(restored.network.parameters, network.parameters) {
            expectClose(migrated.gradient, kept.gradient, tolerance: 1e-15, floor: 1e-12, "migrated velocity")
        }
        // Not vacuous: the velocity is not zero.
        #expect(network.parameters.contains { $0.gradient.scalars.contains { Swift.abs($0) > 1e-6 } })
    }
}

@Suite("Resuming from a checkpoint")
struct ResumeTests {
    static let rules: [OptimizerKind] = [
        .sgd, .sgd(momentum: 0.9, nesterov: false), .sgd(momentum: 0.8, nesterov: true), .adam,
        .rmsprop(alpha: 0.9, epsilon: 1e-7, momentum: 0.5), .adamW,
    ]

    @Test(
        "every rule: 3 epochs, a checkpoint through JSON, 3 more equal 6 uninterrupted epochs bit for bit",
        arguments: rules)
    func resumesExactly(kind: OptimizerKind) throws {
        let (network, inputs, targets) = linearProblem()
        let options = TrainingOptions(epochs: 6, batchSize: 3, metrics: [.meanAbsoluteError])
        var random = NumpyRandomState(seed: 4)
        let whole = try network.fit(
            inputs, targets, loss: .meanSquaredError, optimizer: Optimizer(kind, learningRate: 0.05, weightDecay: 0.01),
            options: options, random: &random)

        let (first, _, _) = linearProblem()
        let optimizer = Optimizer<Double>(kind, learningRate: 0.05, weightDecay: 0.01)
        var firstRandom = NumpyRandomState(seed: 4)
        var saved: Data?
        var partial = options
        partial.epochs = 3
        try first.fit(
            inputs, targets, loss: .meanSquaredError, optimizer: optimizer, options: partial, random: &firstRandom,
            resuming: nil, checkpointEvery: 3
        ) { (progress, state) throws(NetworkError) in
            saved = try? JSONEncoder().encode(
                TrainingCheckpoint(
                    network: first, loss: .meanSquaredError, optimizer: optimizer, random: state, progress: progress))
        }
        let checkpoint = try TrainingCheckpoint.decode(try #require(saved), path: "memory")
        #expect(checkpoint.optimizerKind == kind && checkpoint.progress.epoch == 3)
        let (resumed, resumedOptimizer, restoredRandom) = try checkpoint.restore(as: Double.self)
        var resumedRandom = restoredRandom
        let history = try resumed.fit(
            inputs, targets, loss: .meanSquaredError, optimizer: resumedOptimizer, options: options,
            random: &resumedRandom,
            resuming: checkpoint.progress, checkpointEvery: nil
        ) { _, _ in }
        #expect(history == whole, "\(kind)")
        #expect(resumed.parameters.map(\.value) == network.parameters.map(\.value), "\(kind)")
        #expect(resumedOptimizer.stepCount == 24)  // 6 epochs of 4 batches
    }

    @Test("the checkpointing fit and the plain fit are one driver: same history, early stopping and restored weights")
    func oneDriver() throws {
        let options = TrainingOptions(epochs: 40, batchSize: 4, validationSplit: 0.3, earlyStoppingPatience: 2)
        let (network, inputs, targets) = linearProblem()
        var random = NumpyRandomState(seed: 1)
        let plain = try network.fit(
            inputs, targets, loss: .meanSquaredError, optimizer: Optimizer(.adam, learningRate: 0.3), options: options,
            random: &random)
        let (other, _, _) = linearProblem()
        var otherRandom = NumpyRandomState(seed: 1)
        var checkpoints: [Int] = []
        let checkpointed = try other.fit(
            inputs, targets, loss: .meanSquaredError, optimizer: Optimizer(.adam, learningRate: 0.3), options: options,
            random: &otherRandom, resuming: nil, checkpointEvery: 5
        ) { (progress, _) throws(NetworkError) in checkpoints.append(progress.epoch) }
        #expect(plain == checkpointed)
        #expect(plain.stoppedEarly && plain.bestEpoch != nil, "the run must stop early for this test to mean something")
        #expect(checkpoints.last == plain.epochCount && checkpoints.dropLast().allSatisfy { $0 % 5 == 0 })
        #expect(network.parameters.map(\.value) == other.parameters.map(\.value))
    }
}

@Suite("Optimizer settings")
struct OptimizerSettingTests {
    @Test("each rule names its first unusable setting; usable ones give nil")
    func invalidSettings() {
        #expect(OptimizerKind.sgd.invalidSetting == nil && OptimizerKind.adam.invalidSetting == nil)
        #expect(OptimizerKind.rmsprop.invalidSetting == nil && OptimizerKind.adamW.invalidSetting == nil)
        let cases: [(OptimizerKind, String)] = [
            (.sgd(momentum: 1, nesterov: false), "sgd.momentum"),
            (.sgd(momentum: -0.1, nesterov: true), "sgd.momentum"),
            (.adam(beta1: 0.9, beta2: 1.5, epsilon: 1e-8), "adam.beta2"),
            (.adam(beta1: 0.9, beta2: 0.99, epsilon: 0), "adam.epsilon"),
            (.adamW(beta1: .nan, beta2: 0.99, epsilon: 1e-8), "adamW.beta1"),
            (.rmsprop(alpha: 0.99, epsilon: .infinity, momentum: 0), "rmsprop.epsilon"),
            (.rmsprop(alpha: 0.99, epsilon: 1e-8, momentum: 1), "rmsprop.momentum"),
        ]
        for (kind, field) in cases {
            #expect(kind.invalidSetting?.field == field, "\(kind)")
            #expect(kind.invalidSetting?.problem.contains("must be") == true, "\(kind)")
        }
    }
}
