import Tensor

/// How many threads a training step runs fastest on, from its size: the rule `nn train` uses when no thread
/// count is given (README, "The thread rule").
///
/// A step of `W` multiply-adds (one batch's forward pass: batch size × parameters) on `T` threads takes about
/// `W / T` multiply-adds' time for the products, plus a cost that grows with `T`: every product wakes and
/// waits for each of its threads, and the thin shapes of a mini-batch split worse the more threads share
/// them. With that cost as `k · T` multiply-adds, a thread more pays while the work it takes off the others,
/// `W / T − W / (T + 1) = W / (T (T + 1))`, exceeds `k`, so the best count grows as the square root of the
/// step, not in proportion to it: `T (T + 1) < W / k` at the best `T`, capped at the usable cores.
///
/// `k` (``multiplyAddsPerThreadCost``) is 500,000, fitted on two measurements (BENCHMARKS.md, "Thread
/// rule"): on 2 cores a second thread pays from 1.0–1.6 million multiply-adds a step and not at 0.9 million
/// (`scripts/thread-crossover.sh`), which puts `k` between 450,000 and 800,000; on a 16-core Sapphire Rapids
/// machine, Fashion-MNIST's 784-256-128-10 network at batch 128 (30.1 million) was fastest at 8 threads, in
/// float and double, which puts it between 418,000 and 537,000; at batch 1024 (241 million) 16 threads
/// beat 8, as the rule says (it would take 21).
public enum ThreadRule {
    /// What one more thread costs a step, in multiply-adds' time (`k` above).
    public static let multiplyAddsPerThreadCost = 500_000

    /// The thread count for a step of `multiplyAdds` multiply-adds on `usableCores` cores: the largest `T` up
    /// to `usableCores` with `k · (T − 1) · T < multiplyAdds`; at least 1.
    ///
    /// 1 thread up to 1 million multiply-adds, 2 up to 3 million, 4 above 6 million up to 10 million, 8 above 28
    /// million up to 36 million (Fashion-MNIST at batch 128), 16 above 120 million (at batch 1024).
    public static func threadCount(multiplyAdds: Int, usableCores: Int) -> Int {
        var threads = 1
        while threads < usableCores {
            let (cost, overflow) = multiplyAddsPerThreadCost.multipliedReportingOverflow(by: threads * (threads + 1))
            guard !overflow, multiplyAdds > cost else { break }
            threads += 1
        }
        return threads
    }
}

extension Sequential {
    /// The multiply-adds of one training step's forward pass on `batchSize` rows: the batch size times the
    /// parameters (each weight one multiply-add per row; biases counted alike, under 1% of a dense network's
    /// parameters), the size ``ThreadRule`` goes by. Saturates at `Int.max`.
    public func multiplyAddsPerStep(batchSize: Int) -> Int {
        let (product, overflow) = batchSize.multipliedReportingOverflow(by: parameterCount)
        return overflow ? .max : product
    }
}
