import Dispatch
import Network
import Synchronization
import Tensor
import Testing

// Two networks trained at once on two threads end with the same weights, bit for bit, as when they are
// trained one after the other: nothing in Tensor or Network (workspaces, the small-product kernel,
// OpenBLAS calls) is shared between networks. Run under ThreadSanitizer this is also the race check.

/// Trains a 16-32-32-3 network (products big enough to go through OpenBLAS) with mini-batches and
/// momentum, seeded by `seed`, and returns its parameters.
func trainedParameters<S: MatrixScalar>(seed: UInt32, _: S.Type) throws -> [Matrix<S>] {
    let inputs: Matrix<S> = uniformMatrix(rows: 192, columns: 16, seed: 100)
    let labels = (0..<192).map { row in Int(inputs.scalars[row * 16] * 10 + 10) % 3 }
    let targets: Matrix<S> = oneHot(labels, classes: 3)
    let network = Sequential<S>(
        [
            Dense(inputSize: 16, outputSize: 32, activation: .relu),
            Dense(inputSize: 32, outputSize: 32, activation: .tanh),
            Dense(inputSize: 32, outputSize: 3),
        ], seed: seed)
    var random = NumpyRandomState(seed: seed &+ 1)
    try network.fit(
        inputs, targets, loss: .softmaxCrossEntropy,
        optimizer: Optimizer(.sgd(momentum: 0.9, nesterov: false), learningRate: 0.05),
        options: TrainingOptions(epochs: 15, batchSize: 32), random: &random)
    return network.parameters.map(\.value)
}

@Suite("Concurrent training")
struct ConcurrentTrainingTests {
    func check<S: MatrixScalar>(_: S.Type, seeds: [UInt32]) throws {
        let sequential = try seeds.map { try trainedParameters(seed: $0, S.self) }
        let results = Mutex<[Int: Result<[Matrix<S>], any Error>]>([:])
        DispatchQueue.concurrentPerform(iterations: seeds.count) { index in
            let outcome = Result { try trainedParameters(seed: seeds[index], S.self) }
            results.withLock { $0[index] = outcome }
        }
        for (index, expected) in sequential.enumerated() {
            let concurrent = try #require(try results.withLock { $0[index] }?.get())
            #expect(concurrent.count == expected.count)
            for (left, right) in zip(concurrent, expected) {
                #expect(left.shape == right.shape)
                #expect(
                    left.scalars.withUnsafeBytes { Array($0) } == right.scalars.withUnsafeBytes { Array($0) },
                    "\(S.self), seed \(seeds[index])")
            }
        }
    }

    @Test("two different networks at once equal them one after the other, bit for bit")
    func differentNetworks() throws {
        try check(Double.self, seeds: [1, 2])
        try check(Float.self, seeds: [3, 4])
    }

    @Test("two identically seeded networks at once end identical")
    func identicalNetworks() throws {
        try check(Double.self, seeds: [5, 5])
    }
}
