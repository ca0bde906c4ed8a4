import DataParallel
import Foundation
import Network
import Tensor
import TensorIO
import Testing

// Data-parallel training with ranks as threads (InProcessCommunicator): the same arithmetic as
// MPI processes, checked against one process training on the whole batch. The mpirun runs of the
// same checks are CI steps (.ci/run, scripts/mpi-tests.sh).

let fashionDirectory = "/usr/share/datasets/fashion-mnist"
let fashionInstalled = FileManager.default.fileExists(atPath: "\(fashionDirectory)/train-labels-idx1-ubyte.gz")

/// The first 12,850 Fashion-MNIST training images and one-hot labels: 100 full batches of 128 and
/// a last batch of 50, which 3 ranks split 16, 17, 17.
///
/// Loading them also sets OpenBLAS to one thread for this test process: ranks as threads on a
/// 2-core machine, each calling a multi-threaded OpenBLAS whose idle threads spin, ran 7 times slower.
let fashion: (inputs: Matrix<Double>, targets: Matrix<Double>) = {
    BLASLibrary.threadCount = 1
    let count = 12_850
    let images: Matrix<Float> =
        (try? readIDXImages(from: "\(fashionDirectory)/train-images-idx3-ubyte.gz"))
        ?? .zeros(rows: count, columns: 784)
    let labels = (try? readIDXLabels(from: "\(fashionDirectory)/train-labels-idx1-ubyte.gz")) ?? []
    let classes = labels.isEmpty ? [Int](repeating: 0, count: count) : Array(labels.prefix(count))
    return (Matrix<Double>(images.rows(0..<count)), oneHot(classIndices: classes, classCount: 10))
}()

/// A 784-32-10 ReLU network, the same on every rank (seeded).
func fashionNetwork<Scalar: MatrixScalar>(_ type: Scalar.Type) -> Sequential<Scalar> {
    Sequential<Scalar>(
        [
            Dense(inputSize: 784, outputSize: 32, activation: .relu, weightInitializer: .heUniform),
            Dense(inputSize: 32, outputSize: 10, activation: .identity),
        ], seed: 7)
}

/// Every parameter's value after one epoch (101 steps) at a global batch of 128, alone (`ranks` nil)
/// or on each of `ranks` threads.
func trainedWeights<Scalar: MatrixScalar>(
    _ type: Scalar.Type, _ kind: OptimizerKind, learningRate: Double, ranks: Int?
) throws -> [[Matrix<Scalar>]] {
    let inputs = Matrix<Scalar>(fashion.inputs), targets = Matrix<Scalar>(fashion.targets)
    let train = { @Sendable (communicator: (any Communicator)?) throws -> [Matrix<Scalar>] in
        let network = fashionNetwork(Scalar.self)
        network.gradientHook = communicator.map { GradientReducer<Scalar>($0) }
        let options = TrainingOptions(epochs: 1, batchSize: 128, metrics: [.accuracy])
        var random = NumpyRandomState(seed: 3)
        try network.fit(
            inputs, targets, loss: .softmaxCrossEntropy, optimizer: Optimizer(kind, learningRate: learningRate),
            options: options, random: &random)
        return network.parameters.map(\.value)
    }
    guard let ranks else { return [try train(nil)] }
    return try InProcessCommunicator.run(size: ranks) { communicator in try train(communicator) }
}

/// The largest absolute difference between two lists of matrices of the same shapes.
func largestDifference<Scalar: MatrixScalar>(_ left: [Matrix<Scalar>], _ right: [Matrix<Scalar>]) -> Double {
    #expect(left.count == right.count)
    var largest = 0.0
    for (a, b) in zip(left, right) {
        #expect(a.shape == b.shape)
        for (x, y) in zip(a.scalars, b.scalars) { largest = max(largest, abs(Double(x) - Double(y))) }
    }
    return largest
}

@Suite("In-process communicator")
struct InProcessCommunicatorTests {
    @Test("allreduce sums in place, the same bits on every rank; broadcasts copy the root's values")
    func collectives() throws {
        let results = try InProcessCommunicator.run(size: 3) { communicator in
            let rank = communicator.rank
            var values: [Double] = [Double(rank) + 0.1, 1e16, -1e16, Double(rank) * 0.7]
            communicator.allreduceSum(&values)
            var floats: [Float] = [Float(rank + 1), .nan * Float(rank == 2 ? 1 : 0)]
            communicator.allreduceSum(&floats)
            var broadcast: [Float] = rank == 1 ? [5, 6] : [0, 0]
            communicator.broadcast(&broadcast, from: 1)
            var bytes: [UInt8] = rank == 2 ? Array("only rank 2 read this".utf8) : []
            communicator.broadcast(&bytes, from: 2)
            communicator.barrier()
            return (values, floats, broadcast, String(decoding: bytes, as: UTF8.self), communicator.size)
        }
        for (values, floats, broadcast, text, size) in results {
            // Rank order: 0.1 + 1.1 + 2.1, and the cancelling pair sums as it would in one process.
            #expect(values[0] == 0.1 + 1.1 + 2.1)
            #expect(values[1] == 3e16 && values[2] == -3e16)
            #expect(values[3] == 0 + 0.7 + 1.4)
            #expect(floats[0] == 6)
            #expect(floats[1].isNaN, "a nan on one rank reaches every rank")
            #expect(broadcast == [5, 6])
            #expect(text == "only rank 2 read this")
            #expect(size == 3)
        }
        #expect(results.map(\.0) == Array(repeating: results[0].0, count: 3))
    }

    @Test("run returns the lowest failing rank's error after every rank has finished")
    func failure() throws {
        struct Failure: Error, Equatable { let rank: Int }
        #expect(throws: Failure(rank: 1)) {
            try InProcessCommunicator.run(size: 3) { communicator in
                if communicator.rank >= 1 { throw Failure(rank: communicator.rank) }
                return communicator.rank
            }
        }
    }
}

@Suite("Data-parallel training", .enabled(if: fashionInstalled, "Fashion-MNIST is not installed"))
struct DataParallelTrainingTests {
    static let rules: [(String, OptimizerKind, Double)] = [
        ("sgd", .sgd, 0.1), ("momentum", .sgd(momentum: 0.9, nesterov: false), 0.05), ("adam", .adam, 1e-3),
    ]

    @Test("2 and 3 ranks at a global batch of 128 give the weights of 1 rank (double, 1e-12)", arguments: [0, 1, 2])
    func double(rule: Int) throws {
        let (name, kind, rate) = Self.rules[rule]
        let alone = try trainedWeights(Double.self, kind, learningRate: rate, ranks: nil)[0]
        for ranks in [2, 3] {
            let members = try trainedWeights(Double.self, kind, learningRate: rate, ranks: ranks)
            let difference = largestDifference(alone, members[0])
            #expect(difference <= 1e-12, "\(name), \(ranks) ranks: \(difference) from 1 rank")
            for member in members.dropFirst() {
                #expect(largestDifference(members[0], member) == 0, "\(name), \(ranks) ranks: ranks differ")
            }
        }
        // The run moved the weights: the comparison is not of untrained networks.
        #expect(largestDifference(alone, fashionNetwork(Double.self).parameters.map(\.value)) > 1e-2)
    }

    @Test("2 and 3 ranks at a global batch of 128 give the weights of 1 rank (float, 1e-5)", arguments: [0, 1, 2])
    func float(rule: Int) throws {
        let (name, kind, rate) = Self.rules[rule]
        let alone = try trainedWeights(Float.self, kind, learningRate: rate, ranks: nil)[0]
        for ranks in [2, 3] {
            let members = try trainedWeights(Float.self, kind, learningRate: rate, ranks: ranks)
            let difference = largestDifference(alone, members[0])
            #expect(difference <= 1e-5, "\(name), \(ranks) ranks: \(difference) from 1 rank")
            for member in members.dropFirst() {
                #expect(largestDifference(members[0], member) == 0, "\(name), \(ranks) ranks: ranks differ")
            }
        }
    }

    @Test("ranks without rows in a step (batch 2 on 3 ranks) still take part; momentum's velocity is kept once")
    func emptyShares() throws {
        let inputs = Matrix<Double>(rows: 7, columns: 3, scalars: (0..<21).map { Double($0 % 5) / 4 - 0.3 })
        let targets = Matrix<Double>(rows: 7, columns: 1, scalars: [0, 1, 1, 0, 1, 0, 1])
        let train = { @Sendable (communicator: (any Communicator)?) throws -> ([Matrix<Double>], [Double]) in
            let network = Sequential<Double>(
                [
                    Dense(inputSize: 3, outputSize: 4, activation: .tanh),
                    Dense(inputSize: 4, outputSize: 1, activation: .sigmoid),
                ], seed: 1)
            network.gradientHook = communicator.map { GradientReducer<Double>($0) }
            let options = TrainingOptions(epochs: 5, batchSize: 2, metrics: [.accuracy])
            var random = NumpyRandomState(seed: 2)
            let history = try network.fit(
                inputs, targets, loss: .binaryCrossEntropy,
                optimizer: Optimizer(.sgd(momentum: 0.9, nesterov: false), learningRate: 0.5),
                options: options, random: &random)
            return (network.parameters.map(\.value), history.loss + history.metrics[.accuracy]!)
        }
        let alone = try train(nil)
        let members = try InProcessCommunicator.run(size: 3) { communicator in try train(communicator) }
        for member in members {
            #expect(largestDifference(alone.0, member.0) <= 1e-12)
            #expect(
                zip(alone.1, member.1).allSatisfy { abs($0 - $1) <= 1e-12 }, "history \(member.1) against \(alone.1)")
        }
    }

    @Test("a checkpoint from 3 ranks resumes on 2 ranks and continues as 1 rank would")
    func resumeWithOtherRankCount() throws {
        let inputs = fashion.inputs.rows(0..<2_000), targets = fashion.targets.rows(0..<2_000)
        let kind = OptimizerKind.sgd(momentum: 0.9, nesterov: false)
        let options = TrainingOptions(epochs: 2, batchSize: 128, metrics: [.accuracy])
        // One rank, two epochs.
        let network = fashionNetwork(Double.self)
        var random = NumpyRandomState(seed: 5)
        let alone = try network.fit(
            inputs, targets, loss: .softmaxCrossEntropy, optimizer: Optimizer(kind, learningRate: 0.05),
            options: options,
            random: &random)
        // Three ranks, the first epoch; rank 0 writes the checkpoint.
        let saved = try InProcessCommunicator.run(size: 3) { communicator -> [UInt8] in
            let network = fashionNetwork(Double.self)
            network.gradientHook = GradientReducer<Double>(communicator)
            let optimizer = Optimizer<Double>(kind, learningRate: 0.05)
            var first = options
            first.epochs = 1
            var random = NumpyRandomState(seed: 5)
            let history = try network.fit(
                inputs, targets, loss: .softmaxCrossEntropy, optimizer: optimizer, options: first, random: &random)
            let checkpoint = TrainingCheckpoint(
                network: network, loss: .softmaxCrossEntropy, optimizer: optimizer, random: random,
                progress: TrainingProgress(epoch: 1, history: history))
            return Array(try JSONEncoder().encode(checkpoint))
        }[0]
        // Two ranks: rank 0 has the file and broadcasts it; the others start from a new network,
        // which fit replaces with rank 0's state.
        let resumed = try InProcessCommunicator.run(size: 2) { communicator -> ([Matrix<Double>], TrainingHistory) in
            var bytes = communicator.rank == 0 ? saved : []
            communicator.broadcast(&bytes, from: 0)
            let checkpoint = try TrainingCheckpoint.decode(Data(bytes), path: "checkpoint")
            var (network, optimizer, random) = try checkpoint.restore(as: Double.self)
            if communicator.rank != 0 {
                (network, optimizer, random) = (
                    fashionNetwork(Double.self), Optimizer(kind, learningRate: 0.05), NumpyRandomState(seed: 99)
                )
            }
            network.gradientHook = GradientReducer<Double>(communicator)
            var second = options
            second.epochs = 1
            second.initialEpoch = 1
            var history = checkpoint.progress.history
            history.append(
                try network.fit(
                    inputs, targets, loss: .softmaxCrossEntropy, optimizer: optimizer, options: second, random: &random)
            )
            return (network.parameters.map(\.value), history)
        }
        for (weights, history) in resumed {
            #expect(largestDifference(network.parameters.map(\.value), weights) <= 1e-12)
            #expect(history.loss.count == 2)
            #expect(
                zip(history.loss, alone.loss).allSatisfy { abs($0 - $1) <= 1e-12 },
                "\(history.loss) against \(alone.loss)")
        }
    }

    @Test("validation and early stopping use the summed values: every rank records the same history")
    func validation() throws {
        let inputs = fashion.inputs.rows(0..<1_500), targets = fashion.targets.rows(0..<1_500)
        let train = { @Sendable (communicator: (any Communicator)?) throws -> TrainingHistory in
            let network = fashionNetwork(Double.self)
            network.gradientHook = communicator.map { GradientReducer<Double>($0) }
            let options = TrainingOptions(
                epochs: 4, batchSize: 100, metrics: [.accuracy], validationSplit: 0.3, earlyStoppingPatience: 1)
            var random = NumpyRandomState(seed: 11)
            return try network.fit(
                inputs, targets, loss: .softmaxCrossEntropy, optimizer: Optimizer(.adam, learningRate: 0.01),
                options: options, random: &random)
        }
        let alone = try train(nil)
        let members = try InProcessCommunicator.run(size: 3) { communicator in try train(communicator) }
        #expect(alone.validationLoss.count >= 2)
        for history in members {
            #expect(history == members[0], "ranks recorded different histories")
            #expect(history.validationLoss.count == alone.validationLoss.count)
            #expect(history.bestEpoch == alone.bestEpoch)
            for (mine, theirs) in zip(history.validationLoss, alone.validationLoss) {
                #expect(abs(mine - theirs) <= 1e-10)
            }
            for (mine, theirs) in zip(history.validationMetrics[.accuracy]!, alone.validationMetrics[.accuracy]!) {
                #expect(abs(mine - theirs) <= 1e-12)
            }
        }
    }

    @Test("a nan on one rank stops every rank at the same step with the same error")
    func nanOnOneRank() throws {
        let inputs = fashion.inputs.rows(0..<600), targets = fashion.targets.rows(0..<600)
        var poisonedCopy = inputs
        poisonedCopy[450, 3] = .nan
        let poisoned = poisonedCopy
        let outcomes = try InProcessCommunicator.run(size: 2) { communicator -> String in
            let network = fashionNetwork(Double.self)
            network.gradientHook = GradientReducer<Double>(communicator)
            let options = TrainingOptions(epochs: 3, batchSize: 600, shuffle: false)
            var random = NumpyRandomState(seed: 1)
            do {
                // Rank 1 alone reads the bad value (its share of the full batch is rows 300..<600).
                try network.fit(
                    communicator.rank == 1 ? poisoned : inputs, targets, loss: .softmaxCrossEntropy,
                    optimizer: Optimizer(.sgd, learningRate: 0.1), options: options, random: &random)
                return "finished"
            } catch {
                return "\(error)"
            }
        }
        #expect(outcomes[0] == outcomes[1])
        #expect(
            outcomes[0].contains("epoch 1") || outcomes[0].lowercased().contains("nan")
                || outcomes[0].contains("finite"), "\(outcomes[0])")
        #expect(outcomes[0] != "finished")
    }

    @Test(
        "a summed loss with momentum SGD is refused (each member would add the velocity); without momentum it matches 1 rank"
    )
    func summedLoss() throws {
        let inputs = Matrix<Double>(rows: 9, columns: 3, scalars: (0..<27).map { Double($0 % 7) / 6 - 0.4 })
        let targets = Matrix<Double>(rows: 9, columns: 1, scalars: [0, 1, 1, 0, 1, 0, 1, 1, 0])
        let train = { @Sendable (communicator: (any Communicator)?, kind: OptimizerKind) throws -> [Matrix<Double>] in
            let network = Sequential<Double>(
                [
                    Dense(inputSize: 3, outputSize: 4, activation: .sigmoid),
                    Dense(inputSize: 4, outputSize: 1, activation: .sigmoid),
                ], seed: 1)
            network.gradientHook = communicator.map { GradientReducer<Double>($0) }
            var random = NumpyRandomState(seed: 2)
            try network.fit(
                inputs, targets, loss: .halfSumSquaredError, optimizer: Optimizer(kind, learningRate: 0.3),
                options: TrainingOptions(epochs: 20, batchSize: 4), random: &random)
            return network.parameters.map(\.value)
        }
        let alone = try train(nil, .sgd)
        let members = try InProcessCommunicator.run(size: 2) { communicator in try train(communicator, .sgd) }
        for member in members { #expect(largestDifference(alone, member) <= 1e-12) }
        let refused = try InProcessCommunicator.run(size: 2) { communicator -> String in
            do {
                _ = try train(communicator, .sgd(momentum: 0.9, nesterov: false))
                return "trained"
            } catch {
                return "\(error)"
            }
        }
        #expect(refused.allSatisfy { $0.contains("momentum SGD with a summed loss") }, "\(refused)")
    }
}

@Suite("Overlapped gradient buckets")
struct OverlapTests {
    @Test("buckets take whole layers from the last until they hold bucketBytes; the first carries the statistics")
    func buckets() {
        // 784-256-128-10 in float: the two last layers and 2 statistics (136,752 bytes), then the first layer.
        #expect(
            GradientReducer<Float>.buckets(
                layerScalars: [200_960, 32_896, 1_290], statisticCount: 2, bucketBytes: 65_536)
                == [200_960..<235_148, 0..<200_960])
        // Everything under the size: one bucket.
        #expect(
            GradientReducer<Double>.buckets(layerScalars: [12, 5], statisticCount: 1, bucketBytes: 65_536) == [0..<18])
        // One byte: a bucket per layer; a layer without parameters adds nothing to a bucket.
        #expect(
            GradientReducer<Double>.buckets(layerScalars: [12, 0, 5], statisticCount: 2, bucketBytes: 1)
                == [12..<19, 0..<12])
    }

    @Test("a started sum adds the values as they were when it started; sums complete in the order started")
    func startedSums() throws {
        let results = try InProcessCommunicator.run(size: 3) { communicator -> ([Double], [Float]) in
            var first: [Double] = [Double(communicator.rank) + 0.1, 1]
            var second: [Float] = [Float(communicator.rank) * 2]
            first.withUnsafeMutableBufferPointer { first in
                second.withUnsafeMutableBufferPointer { second in
                    communicator.startAllreduceSum(in: first)
                    communicator.startAllreduceSum(in: second)
                    // Written after the start (which MPI forbids): not in the sum, which overwrites it.
                    first[0] = 100
                    // In process, the started sums are complete only once waited for.
                    #expect(!communicator.progressReductions())
                    communicator.waitForReductions()
                    #expect(communicator.progressReductions())
                }
            }
            return (first, second)
        }
        for (first, second) in results {
            #expect(first == [0.1 + 1.1 + 2.1, 3])
            #expect(second == [6])
        }
    }

    /// Every parameter's value after one epoch of 2,000 Fashion-MNIST rows on a 784-32-16-10
    /// network (momentum SGD, batch 128) on each of `ranks` threads, and rank 0's statistics.
    static func weights<Scalar: MatrixScalar>(
        _ type: Scalar.Type, ranks: Int, overlaps: Bool, bucketBytes: Int, epochs: Int = 1,
        statistics: ReductionStatistics = ReductionStatistics()
    ) throws -> (weights: [[Matrix<Scalar>]], buckets: Int, early: Int) {
        let inputs = Matrix<Scalar>(fashion.inputs.rows(0..<2_000))
        let targets = Matrix<Scalar>(fashion.targets.rows(0..<2_000))
        let weights = try InProcessCommunicator.run(size: ranks) { communicator -> [Matrix<Scalar>] in
            let network = Sequential<Scalar>(
                [
                    Dense(inputSize: 784, outputSize: 32, activation: .relu, weightInitializer: .heUniform),
                    Dense(inputSize: 32, outputSize: 16, activation: .relu, weightInitializer: .heUniform),
                    Dense(inputSize: 16, outputSize: 10, activation: .identity),
                ], seed: 7)
            network.gradientHook = GradientReducer<Scalar>(
                communicator, statistics: communicator.rank == 0 ? statistics : ReductionStatistics(),
                overlapsBackward: overlaps, bucketBytes: bucketBytes)
            var random = NumpyRandomState(seed: 3)
            try network.fit(
                inputs, targets, loss: .softmaxCrossEntropy,
                optimizer: Optimizer(.sgd(momentum: 0.9, nesterov: false), learningRate: 0.05),
                options: TrainingOptions(epochs: epochs, batchSize: 128, metrics: [.accuracy]), random: &random)
            return network.parameters.map(\.value)
        }
        return (
            weights, statistics.buckets / statistics.count, statistics.bucketsStartedDuringBackward / statistics.count
        )
    }

    @Test(
        "buckets started during the backward pass give the weights of the same buckets started after it, and of one bucket, bit for bit",
        .enabled(if: fashionInstalled, "Fashion-MNIST is not installed"), arguments: [2, 3])
    func bitIdentity(ranks: Int) throws {
        func check<Scalar: MatrixScalar>(_ type: Scalar.Type) throws {
            // One layer a bucket: the two last layers' sums start during the backward pass.
            let overlapped = try Self.weights(Scalar.self, ranks: ranks, overlaps: true, bucketBytes: 1)
            let after = try Self.weights(Scalar.self, ranks: ranks, overlaps: false, bucketBytes: 1)
            let single = try Self.weights(Scalar.self, ranks: ranks, overlaps: true, bucketBytes: 1 << 30)
            #expect(overlapped.buckets == 3 && overlapped.early == 2, "\(overlapped.buckets), \(overlapped.early)")
            #expect(after.buckets == 3 && after.early == 0)
            #expect(single.buckets == 1 && single.early == 0)
            for member in 0..<ranks {
                #expect(overlapped.weights[member] == after.weights[member], "\(Scalar.self), rank \(member)")
                #expect(overlapped.weights[member] == single.weights[member], "\(Scalar.self), rank \(member)")
                #expect(overlapped.weights[member] == overlapped.weights[0])
            }
        }
        try check(Double.self)
        try check(Float.self)
    }

    @Test(
        "the statistics time each step's parts: computing, MPI calls during the backward pass, waiting, update",
        .enabled(if: fashionInstalled, "Fashion-MNIST is not installed"))
    func stepParts() throws {
        // 2 epochs of 16 steps (2,000 rows, batch 128) on 2 ranks.
        for overlaps in [true, false] {
            let statistics = ReductionStatistics()
            _ = try Self.weights(
                Double.self, ranks: 2, overlaps: overlaps, bucketBytes: 1, epochs: 2, statistics: statistics)
            #expect(statistics.count == 32)
            // The update is timed from a step's sums to the next step of its epoch: 15 an epoch.
            #expect(statistics.updateCount == 30)
            #expect(statistics.computingSeconds > 0 && statistics.updateSeconds > 0 && statistics.seconds > 0)
            // Buckets start during the backward pass only when overlapping; in process, a started
            // sum completes only when waited for.
            #expect((statistics.secondsInCallsDuringBackward > 0) == overlaps)
            #expect(statistics.stepsWithEarlySumsComplete == 0)
        }
    }
}

@Suite("How ranks wait")
struct RankWaitingTests {
    @Test(
        "ranks yield when they outnumber the usable cores or the machine is busy, unless the user chose or the job is not Open MPI's"
    )
    func decision() {
        let job = ["OMPI_COMM_WORLD_SIZE": "3"]
        func reason(_ ranks: Int, _ cores: Int, _ load: Double?, _ environment: [String: String] = job) -> String? {
            RankWaiting.reasonToYield(
                localRanks: ranks, usableCores: cores, onlineCores: 2, loadAverage: load, environment: environment)
        }
        #expect(reason(3, 2, 0) == "3 ranks of this job on this machine's 2 usable cores")
        #expect(reason(2, 1, nil) == "2 ranks of this job on this machine's 1 usable core")
        // Busy: a load above the cores the ranks leave free, plus half a core.
        #expect(reason(2, 2, 0.5) == nil)
        #expect(
            reason(2, 2, 0.6) == "this machine is busy (load average 0.6 on 2 usable cores, 2 ranks of this job here)")
        #expect(reason(1, 2, 1.5) == nil)
        #expect(
            reason(1, 2, 1.934) == "this machine is busy (load average 1.93 on 2 usable cores, 1 rank of this job here)"
        )
        #expect(reason(1, 2, nil) == nil)
        // Bound by Open MPI to a core each (2 ranks on the 2 online cores): not oversubscribed; busy
        // as the whole machine is.
        let bound = job.merging(["OMPI_MCA_orte_bound_at_launch": "1"]) { $1 }
        #expect(reason(2, 1, 0.5, bound) == nil)
        #expect(
            reason(2, 1, 0.75, bound)
                == "this machine is busy (load average 0.75 on 2 usable cores, 2 ranks of this job here)")
        // The user's choice is kept, and outside Open MPI nothing is decided.
        #expect(reason(3, 2, 4, job.merging([RankWaiting.variable: "0"]) { $1 }) == nil)
        #expect(reason(3, 2, 4, ["PMI_RANK": "0"]) == nil)
    }

    @Test("Open MPI's non-blocking sums use recursive doubling, unless the user chose or the job is not Open MPI's")
    func sumAlgorithm() {
        #expect(SumAlgorithm.setting(environment: ["OMPI_COMM_WORLD_SIZE": "2"]) == "4")
        #expect(SumAlgorithm.variable == "OMPI_MCA_coll_libnbc_iallreduce_algorithm")
        #expect(
            SumAlgorithm.setting(environment: ["OMPI_COMM_WORLD_SIZE": "2", SumAlgorithm.variable: "1"]) == nil)
        #expect(SumAlgorithm.setting(environment: ["PMI_RANK": "0"]) == nil)
    }
}
