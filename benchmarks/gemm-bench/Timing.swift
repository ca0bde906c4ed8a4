// How one kernel is timed: a warm-up, then repeated samples, each a batch of back-to-back calls long
// enough (≥ `minimumSampleSeconds`) that the clock's resolution and the loop's own cost vanish, and the
// median per-call time with its spread. numpy's peer script (benchmarks/peers/gemm_numpy.py) times
// the same way, so the two sets of figures compare.
import Glibc

/// Monotonic time in seconds.
@inline(__always)
func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}

/// How long to time each kernel.
struct TimingPlan: Sendable {
    /// The shortest time one sample runs; short calls are batched until they reach it.
    var minimumSampleSeconds: Double
    /// The number of samples to take when a single call is short.
    var maximumSamples: Int
    /// The number of samples never gone below, however slow the call.
    var minimumSamples: Int
    /// The time to spend on samples of one kernel when calls are long (fewer samples, down to `minimumSamples`).
    var budgetSeconds: Double
    /// The pause after changing OpenBLAS's thread count, so the previous run's spinning workers sleep.
    var settleSeconds: Double

    static let full = TimingPlan(
        minimumSampleSeconds: 0.05, maximumSamples: 9, minimumSamples: 3, budgetSeconds: 1.0, settleSeconds: 0.25)
    static let quick = TimingPlan(
        minimumSampleSeconds: 0.005, maximumSamples: 3, minimumSamples: 2, budgetSeconds: 0.05, settleSeconds: 0)
}

/// The per-call times of one kernel: median and spread over the samples.
struct Timing: Sendable, Codable {
    var samples: [Double]
    var iterationsPerSample: Int

    var median: Double { quantile(0.5) }
    var minimum: Double { samples.min() ?? .nan }
    var maximum: Double { samples.max() ?? .nan }
    var lowerQuartile: Double { quantile(0.25) }
    var upperQuartile: Double { quantile(0.75) }

    /// Linear-interpolated quantile of the sorted samples (numpy's default method).
    func quantile(_ q: Double) -> Double {
        let sorted = samples.sorted()
        guard !sorted.isEmpty else { return .nan }
        let position = q * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, sorted.count - 1)
        let fraction = position - Double(lower)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * fraction
    }
}

/// Times several kernels side by side: each is warmed up and calibrated alone, then the samples
/// alternate between them (one sample of each per round), so a drift of the machine's speed during the
/// run (another process, frequency changes) falls on all of them alike and their ratios stay fair.
///
/// `run(kernel, iterations)` calls kernel number `kernel` (in `0..<kernelCount`) `iterations` times back
/// to back. The loop lives in the caller's closure, so each call is inlined there with no closure call,
/// box or dynamic exclusivity check in between: what is timed is the kernel, not the harness.
func measureInterleaved(
    _ plan: TimingPlan, kernelCount: Int, _ run: (_ kernel: Int, _ iterations: Int) -> Void
) -> [Timing] {
    var perSample: [Int] = []
    var sampleCount = plan.maximumSamples
    for kernel in 0..<kernelCount {
        var iterations = 1
        var elapsed = 0.0
        while true {
            let start = now()
            run(kernel, iterations)
            elapsed = now() - start
            if elapsed >= plan.minimumSampleSeconds / 10 || iterations >= 1 << 30 { break }
            iterations *= 2
        }
        let perCall = max(elapsed / Double(iterations), 1e-10)
        let count = max(1, Int((plan.minimumSampleSeconds / perCall).rounded(.up)))
        perSample.append(count)
        let sampleSeconds = perCall * Double(count)
        sampleCount = min(sampleCount, max(plan.minimumSamples, Int(plan.budgetSeconds / sampleSeconds)))
        if count > 1 { run(kernel, count) }  // one more warm-up sample for short calls
    }
    var samples = Array(repeating: [Double](), count: kernelCount)
    for _ in 0..<sampleCount {
        for kernel in 0..<kernelCount {
            let start = now()
            run(kernel, perSample[kernel])
            samples[kernel].append((now() - start) / Double(perSample[kernel]))
        }
    }
    return zip(samples, perSample).map { Timing(samples: $0, iterationsPerSample: $1) }
}
