import Foundation
import Network
import Tensor
import Testing

// The update rules against a numpy re-implementation of PyTorch's SGD (momentum, Nesterov), Adam and
// weight decay, with learning-rate schedules: a linear layer X·W + b trained on the mean squared
// error, full batch, for 8 epochs; the final weights and every epoch's loss and rate must agree.

struct OptimizerConfiguration: Decodable, Sendable {
    let kind: String
    let momentum: Double?
    let nesterov: Bool?
    let beta1: Double?
    let beta2: Double?
    let epsilon: Double?
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
        let rule: OptimizerKind = kind == "sgd"
            ? .sgd(momentum: momentum!, nesterov: nesterov!)
            : .adam(beta1: beta1!, beta2: beta2!, epsilon: epsilon!)
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
            optimizer: testCase.optimizer.optimizer(S.self), options: TrainingOptions(epochs: testCase.epochs), random: &random)
        let dense = denseLayers(network)[0]
        let label = "\(testCase.name) (\(S.self))"
        let tolerance = tolerance(S.self, double: 1e-12, float: 1e-4)
        expectClose(Matrix<Double>(dense.weights.value), testCase.weights.matrix(), tolerance: tolerance, floor: 1e-3, "\(label) weights")
        expectClose(Matrix<Double>(dense.bias!.value), testCase.bias.matrix(), tolerance: tolerance, floor: 1e-3, "\(label) bias")
        expectClose(Matrix.row(history.loss), Matrix.row(testCase.losses.map(parse)), tolerance: tolerance, "\(label) losses")
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
        let inputs: Matrix<Double> = optimizerFixture.inputs.matrix(), targets: Matrix<Double> = optimizerFixture.targets.matrix()
        try network.fit(inputs, targets, loss: .meanSquaredError, optimizer: optimizer, options: TrainingOptions(epochs: 4), random: &random)
        try network.fit(inputs, targets, loss: .meanSquaredError, optimizer: optimizer,
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
            expectClose(exponential.rate(base: 0.1, epoch: epoch), 0.1 * [1, 0.9, 0.81, 0.729, 0.6561][epoch], tolerance: 1e-15)
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
        try network.fit(inputs, targets, loss: .meanSquaredError, optimizer: optimizer,
                        options: TrainingOptions(epochs: 3, batchSize: 4), random: &random)
        let current = TrainingCheckpoint(
            network: network, loss: .meanSquaredError, optimizer: optimizer, random: random, progress: TrainingProgress())
        #expect(current.version == 3)
        // What session 1 would have written: the same run with the velocity itself in the buffers.
        var old = current
        old.version = 1
        old.gradients = current.gradients.map { $0 / 0.9 }
        let data = try JSONEncoder().encode(old)
        let decoded = try TrainingCheckpoint.decode(data, path: "old.json")
        let restored: (network: Sequential<Double>, optimizer: Optimizer<Double>, random: NumpyRandomState) = try decoded.restore()
        for (migrated, kept) in zip(restored.network.parameters, network.parameters) {
            expectClose(migrated.gradient, kept.gradient, tolerance: 1e-15, floor: 1e-12, "migrated velocity")
        }
        // Not vacuous: the velocity is not zero.
        #expect(network.parameters.contains { $0.gradient.scalars.contains { Swift.abs($0) > 1e-6 } })
    }
}
