import Network
import Tensor
import Testing

// The thread rule on made-up machines (core counts, batch sizes, layer widths), against an independent
// oracle: the count that minimizes the rule's cost model, W / T + k · T, found by trying every count.

@Suite("The thread rule")
struct ThreadRuleTests {
    static let k = ThreadRule.multiplyAddsPerThreadCost

    /// The count from 1 to `cores` with the least modelled step time (the smallest on a tie).
    static func bestByTrying(multiplyAdds: Int, cores: Int) -> Int {
        func time(_ threads: Int) -> Double { Double(multiplyAdds) / Double(threads) + Double(k * threads) }
        return (1...max(1, cores)).min { time($0) < time($1) }!
    }

    /// A dense network's forward multiply-adds for one batch, counted as the rule counts (weights and biases).
    static func multiplyAdds(widths: [Int], batch: Int) -> Int {
        batch * zip(widths, widths.dropFirst()).reduce(0) { $0 + $1.0 * $1.1 + $1.1 }
    }

    @Test func matchesTheMeasurementsItWasFittedOn() {
        // 16-core Sapphire Rapids, Fashion-MNIST 784-256-128-10: batch 128 fastest at 8 threads, batch 1024 at 16.
        #expect(
            ThreadRule.threadCount(
                multiplyAdds: Self.multiplyAdds(widths: [784, 256, 128, 10], batch: 128), usableCores: 16) == 8)
        #expect(
            ThreadRule.threadCount(
                multiplyAdds: Self.multiplyAdds(widths: [784, 256, 128, 10], batch: 1024), usableCores: 16) == 16)
        // 2 cores: 64-100-10 at batch 128 (0.96 million) gains nothing from a second thread; 784-16-10
        // (1.6 million) gains 21% (BENCHMARKS.md, "Thread crossover, re-measured").
        #expect(
            ThreadRule.threadCount(multiplyAdds: Self.multiplyAdds(widths: [64, 100, 10], batch: 128), usableCores: 2)
                == 1)
        #expect(
            ThreadRule.threadCount(multiplyAdds: Self.multiplyAdds(widths: [784, 16, 10], batch: 128), usableCores: 2)
                == 2)
    }

    @Test(arguments: [1, 2, 3, 4, 6, 8, 12, 16, 32, 64, 128])
    func agreesWithTheCostModelOnMadeUpMachines(cores: Int) {
        let networks: [[Int]] = [
            [3, 4, 1], [64, 100, 10], [784, 256, 128, 10], [784, 1024, 1024, 10], [30, 100, 1],
        ]
        for widths in networks {
            for batch in [1, 32, 128, 512, 1024, 4096, 60_000] {
                let work = Self.multiplyAdds(widths: widths, batch: batch)
                let threads = ThreadRule.threadCount(multiplyAdds: work, usableCores: cores)
                #expect(
                    threads == Self.bestByTrying(multiplyAdds: work, cores: cores),
                    "\(widths) at batch \(batch) on \(cores) cores: \(work) multiply-adds")
                #expect(threads >= 1 && threads <= cores)
            }
        }
    }

    @Test func growsWithTheSquareRootOfTheStep() {
        // The boundaries k · T (T − 1): 1 → 2 above 1 million, 2 → 3 above 3 million, 8 → 9 above 36 million.
        #expect(ThreadRule.threadCount(multiplyAdds: 1_000_000, usableCores: 64) == 1)
        #expect(ThreadRule.threadCount(multiplyAdds: 1_000_001, usableCores: 64) == 2)
        #expect(ThreadRule.threadCount(multiplyAdds: 3_000_000, usableCores: 64) == 2)
        #expect(ThreadRule.threadCount(multiplyAdds: 3_000_001, usableCores: 64) == 3)
        #expect(ThreadRule.threadCount(multiplyAdds: 36_000_000, usableCores: 64) == 8)
        #expect(ThreadRule.threadCount(multiplyAdds: 36_000_001, usableCores: 64) == 9)
        // Four times the work, twice the threads: Fashion-MNIST at batch 128 (30,098,688) takes 8, at 512 16.
        #expect(ThreadRule.threadCount(multiplyAdds: 30_098_688, usableCores: 64) == 8)
        #expect(ThreadRule.threadCount(multiplyAdds: 4 * 30_098_688, usableCores: 64) == 16)
        #expect(ThreadRule.threadCount(multiplyAdds: 120_000_000, usableCores: 64) == 15)
    }

    @Test func edgeCasesNeitherTrapNorExceedTheCores() {
        #expect(ThreadRule.threadCount(multiplyAdds: 0, usableCores: 16) == 1)
        #expect(ThreadRule.threadCount(multiplyAdds: .max, usableCores: 16) == 16)
        #expect(ThreadRule.threadCount(multiplyAdds: .max, usableCores: 100_000) > 1000)
        #expect(ThreadRule.threadCount(multiplyAdds: 1 << 40, usableCores: 0) == 1)
        #expect(ThreadRule.threadCount(multiplyAdds: 1 << 40, usableCores: 1) == 1)
    }

    @Test func aNetworksStepCountsBatchTimesParameters() {
        let network = Sequential<Float>(
            [Dense(inputSize: 784, outputSize: 256, activation: .relu), Dense(inputSize: 256, outputSize: 10)], seed: 1)
        #expect(network.multiplyAddsPerStep(batchSize: 128) == 128 * (784 * 256 + 256 + 256 * 10 + 10))
        #expect(network.multiplyAddsPerStep(batchSize: .max) == .max)
    }
}
