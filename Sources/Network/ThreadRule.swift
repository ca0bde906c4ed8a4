import Tensor

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

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

extension ThreadRule {
    /// Whether a backward step's two independent products (a layer's input gradient ∂Z·Wᵀ and its weight
    /// gradient Xᵀ·∂Z, of `first` and `second` multiply-adds) run side by side, one on the calling thread and
    /// one on another of OpenBLAS's threads, rather than one after the other: the one place this is decided
    /// (README, "The thread rule").
    ///
    /// Yes when there are at least 2 threads, both products run single-threaded in OpenBLAS whatever its
    /// thread count (at most `262,144` multiply-adds, where each is computed by the same code on any thread,
    /// so the results are bit-identical to the sequential order's), and the smaller one outweighs handing it
    /// to another thread: one after the other the pair takes `first + second` multiply-adds' time, side by
    /// side `max(first, second) + c`, with `c` (``overlapHandOffCost``) the cost of the hand-off.
    ///
    /// Larger products are not overlapped. OpenBLAS 0.3.21 cannot give each of two concurrent products part
    /// of its threads (`openblas_set_num_threads` is process-wide and `openblas_set_num_threads_local` came
    /// later), runs concurrent threaded products no faster than one after the other, and a product's bits
    /// depend on its thread count, so running one single-threaded where the sequential order threads it would
    /// change the result (measured: `benchmarks/overlap/`).
    ///
    /// `threads` is read last, only for products in range: a step of tiny products (the notebooks' XOR network)
    /// pays two integer comparisons.
    public static func overlapsProducts(_ first: Int, _ second: Int, threads: @autoclosure () -> Int) -> Bool {
        guard Swift.min(first, second) > overlapHandOffCost, Swift.max(first, second) <= singleThreadedProductLimit
        else { return false }
        return productOverlapEnabled && threads() >= 2
    }

    /// The most multiply-adds of a product that OpenBLAS runs on one thread whatever its count (262,144).
    public static var singleThreadedProductLimit: Int { StridedView<Float>.singleThreadedProductLimit }

    /// What handing one product of a pair to another thread costs, in multiply-adds' time (`c` in
    /// ``overlapsProducts(_:_:threads:)``): `train-bench overlap` measured 21,000–49,000 on 2 cores, and pairs
    /// of 40,960 multiply-adds ran 11% slower side by side, pairs of 81,920 20% faster (BENCHMARKS.md,
    /// "Overlapped backward products").
    public static var overlapHandOffCost: Int { 50_000 }

    /// Whether ``overlapsProducts(_:_:threads:)`` may say yes: false when the environment variable
    /// `NN_PRODUCT_OVERLAP` is `off` (for comparisons: the device check runs `train-bench` with and without),
    /// and false with any OpenBLAS but the 0.3.21 whose single-threaded range was measured
    /// (``singleThreadedProductLimit``): another build may thread a paired product, which then waits on the
    /// worker it runs on. Tests switch it.
    nonisolated(unsafe) package static var productOverlapEnabled =
        getenv("NN_PRODUCT_OVERLAP").map { String(cString: $0) } != "off"
        && BLASLibrary.configuration.hasPrefix(measuredOpenBLASVersion)

    /// The OpenBLAS whose single-threaded product range (``singleThreadedProductLimit``) was measured
    /// (`benchmarks/overlap/`): the products are paired only on this library.
    package static let measuredOpenBLASVersion = "OpenBLAS 0.3.21 "
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

extension ThreadRule {
    /// The most parts a convolution splits a batch into (16): see
    /// ``convolutionParts(images:windowScalars:)``.
    package static var maximumConvolutionParts: Int { 16 }

    /// The scalars that a convolution's window matrices, one per part, may take together (2²³) unless
    /// one image's needs more.
    package static var convolutionWorkspaceScalars: Int { 1 << 23 }

    /// The parts a ``Conv2D`` splits a batch of `images` images into, one image's window matrix
    /// being `windowScalars` scalars: the one place this is decided (ARCHITECTURE.md, "Convolutions").
    ///
    /// Each part is a run of consecutive images with its own window matrix and its own partial weight
    /// and bias gradients, added in part order at the end; the parts run on OpenBLAS's threads with
    /// every product single-threaded (``KernelPool``'s `runWithSingleThreadedProducts`), so each
    /// thread runs whole images and a product never waits for workers that are busy. The number
    /// depends on the batch and the layer, never on the thread count: 16 parts (fewer when the batch
    /// has fewer images or 16 window matrices would pass ``convolutionWorkspaceScalars``), so a
    /// seeded run gives the same bits on 1, 2 or 16 threads, and 16 parts balance 1, 2, 4, 8 and 16
    /// threads alike. One part (a single image, or an image too large for two window matrices) runs
    /// on the calling thread, its products threaded by OpenBLAS as usual.
    package static func convolutionParts(images: Int, windowScalars: Int) -> Int {
        let fitting = convolutionWorkspaceScalars / Swift.max(1, windowScalars)
        return Swift.max(1, Swift.min(images, maximumConvolutionParts, fitting))
    }
}
