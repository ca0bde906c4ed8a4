internal import FileSystem
import Foundation

/// One line per training epoch, as Keras's `fit(verbose=2)` prints them:
///
/// ```
/// epoch 3/20 - loss 0.1234 - accuracy 0.9500 - validation loss 0.2345 - validation accuracy 0.9000 - 0.12 s
/// ```
///
/// Set it as ``TrainingOptions/progress`` to turn the lines on (the library prints nothing by
/// default):
///
/// ```swift
/// try network.fit(inputs, targets, loss: .softmaxCrossEntropy, optimizer: Optimizer(.adam, learningRate: 1e-3),
///                 options: TrainingOptions(epochs: 20, metrics: [.accuracy], progress: ProgressPrinter()))
/// ```
///
/// The printer is an epoch-end consumer like ``TrainingOptions/onEpochEnd`` (it runs after it): it
/// changes nothing in training, and its work (a line of text) happens once per epoch, outside the
/// steps. The seconds are wall-clock time since the previous epoch ended (for the first epoch, since
/// `fit` started, so they include building the execution plan).
public struct ProgressPrinter: Sendable {
    /// Receives each line, without a newline.
    public var write: @Sendable (String) -> Void

    /// A printer that hands each line to `write` (standard output, unbuffered, by default).
    public init(write: @escaping @Sendable (String) -> Void = ProgressPrinter.standardOutput) {
        self.write = write
    }

    /// Writes a line and a newline to standard output at once (not held back in a buffer when the
    /// output is a pipe or a file). A closed or full standard output loses the line, never the
    /// training run (Foundation's `FileHandle.write(_:)` would trap).
    public static let standardOutput: @Sendable (String) -> Void = { line in
        _ = writeAll(line + "\n", to: STDOUT_FILENO)
    }

    /// The line for an epoch that took `seconds`: `epoch E/N`, the loss, each metric (in
    /// ``Metric``'s order), the validation loss and metrics when there is validation data, and the time.
    public static func line(for summary: EpochSummary, seconds: Double) -> String {
        var parts = ["epoch \(summary.epoch + 1)/\(summary.epochCount)", "loss \(formatted(summary.loss))"]
        for metric in Metric.allCases {
            if let value = summary.metrics[metric] { parts.append("\(name(of: metric)) \(formatted(value))") }
        }
        if let validationLoss = summary.validationLoss {
            parts.append("validation loss \(formatted(validationLoss))")
            for metric in Metric.allCases {
                if let value = summary.validationMetrics[metric] {
                    parts.append("validation \(name(of: metric)) \(formatted(value))")
                }
            }
        }
        parts.append(String(format: "%.2f s", seconds))
        return parts.joined(separator: " - ")
    }

    /// A metric's name in a line.
    private static func name(of metric: Metric) -> String {
        switch metric {
        case .accuracy: "accuracy"
        case .meanAbsoluteError: "mean absolute error"
        }
    }

    /// Four decimals, as Keras prints them, or four significant digits in scientific notation for
    /// magnitudes below 0.001 (a small loss would otherwise print as 0.0000).
    private static func formatted(_ value: Double) -> String {
        value == 0 || !value.isFinite || value.magnitude >= 1e-3
            ? String(format: "%.4f", value) : String(format: "%.3e", value)
    }
}

/// The wall clock between a run's epoch ends, for ``ProgressPrinter``'s seconds.
///
/// Unchecked `Sendable`: the training driver calls its epoch-end consumers one after another on the
/// thread that runs `fit`, so the one mutable field is never touched by two threads at once.
private final class EpochClock: @unchecked Sendable {
    private let clock = ContinuousClock()
    private var last: ContinuousClock.Instant

    init() { last = clock.now }

    /// Seconds since the previous call (or since the clock was made), and starts the next interval.
    func lap() -> Double {
        let now = clock.now
        let elapsed = now - last
        last = now
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }
}

extension TrainingOptions {
    /// These options with ``progress``'s line appended to ``onEpochEnd`` (after the caller's own
    /// callback), timed from now; the options themselves when there is no printer. Called once per run
    /// by the training driver.
    func printingProgress() -> TrainingOptions {
        guard let printer = progress else { return self }
        var options = self
        let previous = onEpochEnd
        let clock = EpochClock()
        options.onEpochEnd = { summary in
            previous?(summary)
            printer.write(ProgressPrinter.line(for: summary, seconds: clock.lap()))
        }
        options.progress = nil
        return options
    }
}
