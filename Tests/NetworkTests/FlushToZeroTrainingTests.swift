import Network
import Synchronization
import Tensor
import Testing

// Training runs in flush-to-zero mode by the precision's default (on for Float, off for Double) or as the
// options say, and puts the calling thread's mode back afterwards. The mode is read on the training thread
// after every batch (the threads it reaches beyond that are Tensor's FlushToZeroTests).

@Suite("Flush-to-zero in training")
struct FlushToZeroTrainingTests {
    /// Trains a small network for 2 epochs of 4 batches and returns the calling thread's mode after each batch.
    func modesDuringFit<S: MatrixScalar>(_: S.Type, flushes: Bool?) throws -> [Bool] {
        let inputs: Matrix<S> = uniformMatrix(rows: 64, columns: 8, seed: 3)
        let targets: Matrix<S> = uniformMatrix(rows: 64, columns: 2, seed: 4)
        let network = Sequential<S>(
            [Dense(inputSize: 8, outputSize: 16, activation: .relu), Dense(inputSize: 16, outputSize: 2)], seed: 5)
        let modes = Mutex<[Bool]>([])
        try network.fit(
            inputs, targets, loss: .meanSquaredError, optimizer: Optimizer(.sgd, learningRate: 0.01),
            options: TrainingOptions(
                epochs: 2, batchSize: 16,
                onBatchEnd: { _ in modes.withLock { $0.append(FlushToZero.isOnForCallingThread) } },
                flushesSubnormalsToZero: flushes))
        return modes.withLock { $0 }
    }

    @Test(.enabled(if: FlushToZero.isSupported)) func floatFlushesByDefaultAndDoubleDoesNot() throws {
        #expect(try modesDuringFit(Float.self, flushes: nil) == Array(repeating: true, count: 8))
        #expect(!FlushToZero.isOnForCallingThread, "fit left the mode on")
        #expect(try modesDuringFit(Double.self, flushes: nil) == Array(repeating: false, count: 8))
    }

    @Test(.enabled(if: FlushToZero.isSupported)) func theOptionWinsOverThePrecision() throws {
        #expect(try modesDuringFit(Float.self, flushes: false) == Array(repeating: false, count: 8))
        #expect(try modesDuringFit(Double.self, flushes: true) == Array(repeating: true, count: 8))
        #expect(!FlushToZero.isOnForCallingThread)
    }

    @Test func theDefaultIsDecidedByThePrecision() {
        #expect(Precision.float.flushesSubnormalsToZeroByDefault)
        #expect(!Precision.double.flushesSubnormalsToZeroByDefault)
        #expect(TrainingOptions(epochs: 1).flushesSubnormalsToZero(for: Float.self))
        #expect(!TrainingOptions(epochs: 1).flushesSubnormalsToZero(for: Double.self))
    }
}
