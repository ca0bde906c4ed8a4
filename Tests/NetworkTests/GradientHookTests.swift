import Network
import Tensor
import Testing

// The gradient hook: what it sees (every gradient, then the loss and metrics, in one buffer), that a
// hook which changes nothing changes nothing, and that what it writes is what the step uses.

/// Records each step's buffer and optionally rewrites it.
final class RecordingHook<S: MatrixScalar>: GradientHook {
    var steps: [(buffer: [S], gradientCount: Int, statisticCount: Int, epoch: Int, batch: Int, batchSize: Int)] = []
    var rewrite: ((UnsafeMutableBufferPointer<S>, Int) -> Void)?
    var failure: NetworkError?

    func gradientsComplete(_ gradients: StepGradients<S>) throws(NetworkError) {
        if let failure { throw failure }
        gradients.withUnsafeMutableBufferPointer { buffer in
            steps.append(
                (
                    Array(buffer), gradients.gradientCount, gradients.statisticCount, gradients.epoch, gradients.batch,
                    gradients.batchSize
                ))
            rewrite?(buffer, gradients.gradientCount)
        }
    }
}

@Suite("Gradient hook")
struct GradientHookTests {
    @Test("the hook sees every parameter's gradient, then the batch's loss and metrics, once per step")
    func layout() throws {
        let (network, inputs, targets) = linearProblem()
        let hook = RecordingHook<Double>()
        network.gradientHook = hook
        let history = try network.fit(
            inputs, targets, loss: .meanSquaredError, optimizer: Optimizer(learningRate: 0.1),
            options: TrainingOptions(epochs: 2, batchSize: 4, metrics: [.meanAbsoluteError]))
        #expect(hook.steps.count == 6)
        #expect(hook.steps.map(\.batchSize) == [4, 4, 2, 4, 4, 2] && hook.steps.map(\.epoch) == [0, 0, 0, 1, 1, 1])
        let last = hook.steps.last!
        #expect(last.gradientCount == network.parameterCount && last.statisticCount == 2)
        // The gradients as the parameters hold them after the last step's backward pass (plain SGD
        // leaves the gradient buffers as the backward pass wrote them).
        let gradients = network.parameters.flatMap { $0.gradient.scalars }
        #expect(Array(last.buffer[0..<last.gradientCount]) == gradients)
        // The loss and metric entries, weighted by their batches' rows, add up to the epoch's history.
        let epoch1 = hook.steps[3...]
        let meanLoss = epoch1.map { $0.buffer[$0.gradientCount] * Double($0.batchSize) }.reduce(0, +) / 10
        let meanError = epoch1.map { $0.buffer[$0.gradientCount + 1] * Double($0.batchSize) }.reduce(0, +) / 10
        expectClose(history.loss[1], meanLoss, tolerance: 1e-15, "loss")
        expectClose(history.metrics[.meanAbsoluteError]![1], meanError, tolerance: 1e-15, "metric")
    }

    @Test("a hook that changes nothing leaves the run bit for bit as without one (momentum SGD, mini-batches)")
    func neutral() throws {
        let (network, inputs, targets) = linearProblem()
        let (other, _, _) = linearProblem()
        network.gradientHook = RecordingHook<Double>()
        let options = TrainingOptions(epochs: 3, batchSize: 3, metrics: [.accuracy])
        let history = try network.fit(
            inputs, targets, loss: .meanSquaredError,
            optimizer: Optimizer(.sgd(momentum: 0.9, nesterov: false), learningRate: 0.05),
            options: options)
        let expected = try other.fit(
            inputs, targets, loss: .meanSquaredError,
            optimizer: Optimizer(.sgd(momentum: 0.9, nesterov: false), learningRate: 0.05),
            options: options)
        #expect(history == expected)
        #expect(network.parameters.map(\.value) == other.parameters.map(\.value))
        #expect(network.parameters.map(\.gradient) == other.parameters.map(\.gradient))
    }

    @Test(
        "the step uses what the hook leaves: halved gradients train as half the rate, and the loss it writes is recorded"
    )
    func rewrite() throws {
        let (network, inputs, targets) = linearProblem()
        let (other, _, _) = linearProblem()
        let hook = RecordingHook<Double>()
        hook.rewrite = { buffer, gradientCount in
            for index in 0..<gradientCount { buffer[index] *= 0.5 }
            buffer[gradientCount] = 42
        }
        network.gradientHook = hook
        let history = try network.fit(
            inputs, targets, loss: .meanSquaredError, optimizer: Optimizer(learningRate: 0.2),
            options: TrainingOptions(epochs: 2))
        try other.fit(
            inputs, targets, loss: .meanSquaredError, optimizer: Optimizer(learningRate: 0.1),
            options: TrainingOptions(epochs: 2))
        #expect(history.loss == [42, 42])
        for (value, expected) in zip(network.parameters.map(\.value), other.parameters.map(\.value)) {
            expectClose(value, expected, tolerance: 1e-14)
        }
    }

    @Test("an error thrown by the hook stops fit; Float networks see a Float buffer")
    func failure() throws {
        let network = xorNetwork(Float.self)
        let (inputs, targets) = xorData(Float.self)
        let hook = RecordingHook<Float>()
        hook.failure = .invalidConfiguration("reducer lost a replica")
        network.gradientHook = hook
        #expect(throws: NetworkError.invalidConfiguration("reducer lost a replica")) {
            try network.fit(
                inputs, targets, loss: .binaryCrossEntropy, optimizer: Optimizer(.adam, learningRate: 0.05),
                options: TrainingOptions(epochs: 3))
        }
        hook.failure = nil
        try network.fit(
            inputs, targets, loss: .binaryCrossEntropy, optimizer: Optimizer(.adam, learningRate: 0.05),
            options: TrainingOptions(epochs: 3))
        #expect(hook.steps.count == 3 && hook.steps[0].buffer.count == network.parameterCount + 1)
    }
}

/// Records, for each step, where ``GradientHook/gradientsReady(_:from:)`` was called and whether the
/// scalars it announced as final were still the same when the step's gradients were complete.
final class ReadyRecordingHook<S: MatrixScalar>: GradientHook {
    var offsets: [[Int]] = []
    var changedAfterReady = 0
    var announced: [(offset: Int, values: [S])] = []

    func gradientsReady(_ gradients: StepGradients<S>, from offset: Int) {
        gradients.withUnsafeMutableBufferPointer { buffer in announced.append((offset, Array(buffer[offset...]))) }
    }

    func gradientsComplete(_ gradients: StepGradients<S>) throws(NetworkError) {
        gradients.withUnsafeMutableBufferPointer { buffer in
            for (offset, values) in announced where Array(buffer[offset...]) != values { changedAfterReady += 1 }
        }
        offsets.append(announced.map(\.offset))
        announced = []
    }
}

@Suite("Gradient hook during the backward pass")
struct GradientReadyTests {
    @Test("each layer but the first is announced, last first, once its gradients and the statistics are final")
    func ready() throws {
        func network() -> Sequential<Double> {
            Sequential<Double>(
                [
                    Dense(inputSize: 3, outputSize: 4, activation: .tanh),
                    Dense(inputSize: 4, outputSize: 5, activation: .relu),
                    Dense(inputSize: 5, outputSize: 2, activation: .identity),
                ], seed: 1)
        }
        let inputs = Matrix<Double>(rows: 10, columns: 3, scalars: (0..<30).map { Double($0 % 7) / 6 - 0.4 })
        let targets = Matrix<Double>(rows: 10, columns: 2, scalars: (0..<20).map { Double($0 % 3) / 2 })
        let options = TrainingOptions(epochs: 2, batchSize: 4, metrics: [.meanAbsoluteError])
        let hooked = network(), plain = network()
        let hook = ReadyRecordingHook<Double>()
        hooked.gradientHook = hook
        let optimizer = { Optimizer<Double>(.sgd(momentum: 0.9, nesterov: false), learningRate: 0.1) }
        let history = try hooked.fit(
            inputs, targets, loss: .meanSquaredError, optimizer: optimizer(), options: options)
        let expected = try plain.fit(inputs, targets, loss: .meanSquaredError, optimizer: optimizer(), options: options)
        // Layer 3 starts after 3·4+4 + 4·5+5 = 41 scalars, layer 2 after 16.
        #expect(hook.offsets == Array(repeating: [41, 16], count: 6))
        #expect(hook.changedAfterReady == 0)
        #expect(history == expected)
        #expect(hooked.parameters.map(\.value) == plain.parameters.map(\.value))
    }
}
