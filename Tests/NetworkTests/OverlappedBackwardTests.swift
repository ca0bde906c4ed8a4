import Network
import Tensor
import Testing

// The overlapped backward pass (a dense layer's input-gradient and weight-gradient products side by side on two
// threads, ThreadRule.overlapsProducts) changes no bit: weights after several steps equal those of the
// sequential order, in Float and Double, with momentum SGD and Adam, at the process's thread count (this test
// leaves OpenBLAS's count alone: other tests in the process depend on it; `nn`'s OverlapCommandTests run 1, 2
// and 3 threads in processes of their own). Every product of the network below is at most 262,144
// multiply-adds, so its bits do not depend on OpenBLAS's thread count either.

/// Trains 64-64-48-24 (batch 64: products of 262,144, 196,608 and 73,728 multiply-adds, the last two layers
/// overlapped where the rule allows) for 12 steps with `optimizer` and returns its parameters' bytes.
func overlapTrainedBytes<S: MatrixScalar>(_: S.Type, optimizer: Optimizer<S>, overlapped: Bool) throws -> [[UInt8]] {
    let inputs: Matrix<S> = uniformMatrix(rows: 256, columns: 64, seed: 7)
    let labels = (0..<256).map { row in Int((inputs.scalars[row * 64] + 1) * 100) % 24 }
    let targets: Matrix<S> = oneHot(labels, classes: 24)
    let network = Sequential<S>(
        [
            Dense(inputSize: 64, outputSize: 64, activation: .relu),
            Dense(inputSize: 64, outputSize: 48, activation: .tanh),
            Dense(inputSize: 48, outputSize: 24),
        ], seed: 11)
    let previousOverlap = ThreadRule.productOverlapEnabled
    ThreadRule.productOverlapEnabled = overlapped
    defer { ThreadRule.productOverlapEnabled = previousOverlap }
    var random = NumpyRandomState(seed: 3)
    try network.fit(
        inputs, targets, loss: .softmaxCrossEntropy, optimizer: optimizer,
        options: TrainingOptions(epochs: 3, batchSize: 64), random: &random)
    return network.parameters.map { parameter in parameter.value.scalars.withUnsafeBytes { Array($0) } }
}

/// The suites that switch ``ThreadRule/productOverlapEnabled``, a process-wide setting, run one at a time:
/// one suite's training with the overlap switched off must not overlap another's checks of the rule.
@Suite(.serialized) struct OverlapSettingTests {}

extension OverlapSettingTests {
    @Suite("Overlapped backward products", .serialized)
    struct OverlappedBackwardTests {
        @Test("the test network's last two layers are overlapped at 2 and 3 threads, not at 1")
        func theRuleOverlapsTheTestNetwork() {
            let previous = ThreadRule.productOverlapEnabled
            defer { ThreadRule.productOverlapEnabled = previous }
            ThreadRule.productOverlapEnabled = true
            for threads in [2, 3] {
                #expect(ThreadRule.overlapsProducts(64 * 64 * 48, 64 * 64 * 48, threads: threads))
                #expect(ThreadRule.overlapsProducts(64 * 48 * 24, 64 * 48 * 24, threads: threads))
            }
            #expect(!ThreadRule.overlapsProducts(64 * 64 * 48, 64 * 64 * 48, threads: 1))
            // OverlapCommandTests' middle layer (64 rows, 64 → 32) from 2 threads.
            #expect(ThreadRule.overlapsProducts(64 * 64 * 32, 64 * 64 * 32, threads: 2))
        }

        @Test("weights after 12 steps are bit-identical with and without the overlap")
        func bitIdenticalWeights() throws {
            func check<S: MatrixScalar>(_: S.Type, _ optimizer: @autoclosure () -> Optimizer<S>, _ what: String) throws
            {
                let sequential = try overlapTrainedBytes(S.self, optimizer: optimizer(), overlapped: false)
                let overlapped = try overlapTrainedBytes(S.self, optimizer: optimizer(), overlapped: true)
                #expect(sequential.count == 6)
                #expect(sequential == overlapped, "\(S.self), \(what), \(BLASLibrary.threadCount) threads")
                // The training moved the weights: a run that did nothing would compare equal too.
                let untrained = Sequential<S>(
                    [
                        Dense(inputSize: 64, outputSize: 64, activation: .relu),
                        Dense(inputSize: 64, outputSize: 48, activation: .tanh),
                        Dense(inputSize: 48, outputSize: 24),
                    ], seed: 11
                ).parameters.map { $0.value.scalars.withUnsafeBytes { Array($0) } }
                #expect(untrained != sequential)
            }
            // Momentum keeps `0.9 · previous + new` in the gradient buffers (the products' beta), Adam does not.
            try check(Float.self, Optimizer(.sgd(momentum: 0.9, nesterov: false), learningRate: 0.05), "momentum SGD")
            try check(Double.self, Optimizer(.sgd(momentum: 0.9, nesterov: false), learningRate: 0.05), "momentum SGD")
            try check(Float.self, Optimizer(.adam, learningRate: 0.01), "Adam")
            try check(Double.self, Optimizer(.adam, learningRate: 0.01), "Adam")
        }
    }

}

extension OverlapSettingTests {
    // The decision on made-up machines and products, against the model it states: one after the other the pair
    // takes first + second multiply-adds' time, side by side max(first, second) + c, and only products OpenBLAS
    // runs single-threaded (at most 262,144 multiply-adds) are paired.
    @Suite("The overlap rule", .serialized)
    struct OverlapRuleTests {
        static func byTheModel(_ first: Int, _ second: Int, threads: Int) -> Bool {
            guard threads >= 2, max(first, second) <= 262_144 else { return false }
            let sequential = first + second, sideBySide = max(first, second) + ThreadRule.overlapHandOffCost
            return sideBySide < sequential
        }

        @Test(arguments: [1, 2, 3, 4, 8, 16, 64])
        func agreesWithTheModelOnMadeUpMachines(threads: Int) {
            let previous = ThreadRule.productOverlapEnabled
            defer { ThreadRule.productOverlapEnabled = previous }
            ThreadRule.productOverlapEnabled = true
            // Fashion-MNIST's layers at batch 32, 128 and 1024, the notebooks' XOR and digits layers, odd shapes.
            let layers = [(784, 256), (256, 128), (128, 10), (3, 4), (4, 1), (64, 100), (100, 10), (30, 7), (1000, 1)]
            for (inputs, outputs) in layers {
                for rows in [1, 4, 32, 64, 128, 256, 1024, 60_000] {
                    let work = rows * inputs * outputs
                    #expect(
                        ThreadRule.overlapsProducts(work, work, threads: threads)
                            == Self.byTheModel(work, work, threads: threads),
                        "\(rows) rows through \(inputs) → \(outputs) on \(threads) threads")
                }
            }
            #expect(ThreadRule.overlapsProducts(100_000, 262_145, threads: threads) == false)
            #expect(ThreadRule.overlapsProducts(50_000, 200_000, threads: threads) == false)
            #expect(ThreadRule.overlapsProducts(50_001, 200_000, threads: threads) == (threads >= 2))
        }

        @Test func fashionMNISTsLastLayerIsOverlappedAtBatch128() {
            let previous = ThreadRule.productOverlapEnabled
            defer { ThreadRule.productOverlapEnabled = previous }
            ThreadRule.productOverlapEnabled = true
            // 128 · 128 · 10 = 163,840 each: single-threaded in OpenBLAS, three times the hand-off.
            #expect(ThreadRule.overlapsProducts(163_840, 163_840, threads: 2))
            #expect(ThreadRule.overlapsProducts(163_840, 163_840, threads: 16))
            // The middle layer's 4.2 million each are threaded by OpenBLAS: never paired.
            #expect(!ThreadRule.overlapsProducts(4_194_304, 4_194_304, threads: 16))
            // At batch 64 the last layer's 81,920 outweighs the hand-off (20% faster side by side on 2 cores); at
            // batch 32, 40,960 does not (11% slower).
            #expect(ThreadRule.overlapsProducts(81_920, 81_920, threads: 2))
            #expect(!ThreadRule.overlapsProducts(40_960, 40_960, threads: 2))
        }

        @Test func switchedOffItNeverOverlaps() {
            let previous = ThreadRule.productOverlapEnabled
            defer { ThreadRule.productOverlapEnabled = previous }
            ThreadRule.productOverlapEnabled = false
            #expect(!ThreadRule.overlapsProducts(163_840, 163_840, threads: 2))
            ThreadRule.productOverlapEnabled = true
            #expect(ThreadRule.overlapsProducts(163_840, 163_840, threads: 2))
        }
    }
}
