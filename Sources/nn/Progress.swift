import Foundation
import Network

/// Whether standard output is a terminal; `NN_FORCE_TERMINAL=1` forces the terminal display (for
/// tests), `NN_FORCE_TERMINAL=0` the plain one.
func outputIsTerminal() -> Bool {
    switch ProcessInfo.processInfo.environment["NN_FORCE_TERMINAL"] {
    case "1": return true
    case "0": return false
    default: return isatty(STDOUT_FILENO) != 0
    }
}

/// Shows training progress: on a terminal a progress bar redrawn with `\r` at most ten times a second,
/// and on any output one line for selected epochs (every epoch for short runs, about twenty lines plus
/// the last for long ones).
final class ProgressReporter: @unchecked Sendable {
    let terminal: Bool
    let firstEpoch: Int
    let totalEpochs: Int
    let samplesPerEpoch: Int
    let lineEvery: Int
    let clock = ContinuousClock()
    let started: ContinuousClock.Instant
    var lastDraw: ContinuousClock.Instant
    var barShown = false
    var samplesDone = 0
    /// The last epoch that ended, and the last one whose line was shown (from 0).
    var lastEpoch: EpochSummary?
    var lastShownEpoch: Int?

    /// The terminal's width in columns: the bar's line is kept shorter, so that it never wraps (a
    /// wrapped line cannot be redrawn in place and leaves stale lines behind).
    let columns: Int

    init(terminal: Bool, firstEpoch: Int, totalEpochs: Int, samplesPerEpoch: Int, columns: Int = terminalColumns()) {
        self.columns = columns
        self.terminal = terminal
        self.firstEpoch = firstEpoch
        self.totalEpochs = totalEpochs
        self.samplesPerEpoch = samplesPerEpoch
        let runEpochs = max(1, totalEpochs - firstEpoch)
        lineEvery = runEpochs <= 20 ? 1 : (runEpochs + 19) / 20
        started = clock.now
        // The first batch draws at once, however fast the run; later ones at most ten times a second.
        lastDraw = started - .seconds(1)
    }

    var elapsedSeconds: Double {
        let elapsed = clock.now - started
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    /// Redraws the bar (terminal only), at most ten times a second.
    func batchEnded(_ progress: BatchProgress) {
        let now = clock.now
        guard now - lastDraw >= .milliseconds(100) else { return }
        lastDraw = now
        let elapsed = elapsedSeconds
        let done = samplesDone + progress.samplesSeen
        let total = (totalEpochs - firstEpoch) * samplesPerEpoch
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let left = rate > 0 ? Double(total - done) / rate : 0
        let epochText = "Epoch \(progress.epoch + 1)/\(totalEpochs) "
        let countText = " \(progress.batch + 1)/\(progress.batchCount)"
        var details = ["  loss \(fixed(progress.runningLoss, 4))"]
        if let accuracy = progress.runningAccuracy { details.append("  accuracy \(fixed(accuracy, 4))") }
        details.append("  \(Self.count(rate)) samples/s")
        details.append("  \(Self.duration(left)) left")
        let line =
            "\r"
            + Self.fitted(
                epoch: epochText, count: countText, details: details,
                fraction: progress.batchCount > 0 ? Double(progress.batch + 1) / Double(progress.batchCount) : 1,
                columns: columns) + "\u{1B}[K"
        barShown = true
        write(line)
    }

    /// Prints the epoch's line when it is one of those shown.
    func epochEnded(_ summary: EpochSummary) {
        samplesDone += samplesPerEpoch
        lastEpoch = summary
        let runIndex = summary.epoch - firstEpoch + 1
        guard runIndex == 1 || runIndex % lineEvery == 0 || summary.epoch + 1 == totalEpochs else { return }
        show(summary)
    }

    /// Prints the last epoch's line if it was not shown: a run that early stopping ended before
    /// `totalEpochs` shows the epoch it ended with, as the summary names it.
    func showLastEpoch() {
        guard let lastEpoch, lastEpoch.epoch != lastShownEpoch else { return }
        show(lastEpoch)
    }

    /// Writes the epoch's line.
    private func show(_ summary: EpochSummary) {
        lastShownEpoch = summary.epoch
        var line = "epoch \(summary.epoch + 1)/\(totalEpochs)  loss \(fixed(summary.loss, 6))"
        if let accuracy = summary.metrics[.accuracy] { line += "  accuracy \(fixed(accuracy, 4))" }
        if let loss = summary.validationLoss { line += "  validation loss \(fixed(loss, 6))" }
        if let accuracy = summary.validationMetrics[.accuracy] { line += "  validation accuracy \(fixed(accuracy, 4))" }
        line += "  lr \(String(format: "%.4g", summary.learningRate))"
        let elapsed = elapsedSeconds
        if elapsed > 0 { line += "  \(Self.count(Double(samplesDone) / elapsed)) samples/s" }
        write((barShown ? "\r\u{1B}[K" : "") + line + "\n")
        barShown = false
    }

    /// Clears a bar left on the line.
    func finish() {
        if barShown { write("\r\u{1B}[K") }
        barShown = false
    }

    /// The bar's line in at most `columns - 1` characters: a bar of 10 to 24 cells, and the details
    /// that fit, dropped from the end (time left first); a line that is still too long is cut.
    static func fitted(epoch: String, count: String, details: [String], fraction: Double, columns: Int) -> String {
        let limit = max(columns - 1, 1)
        var kept = details
        func line(barWidth: Int) -> String {
            let filled = min(barWidth, max(0, Int((Double(barWidth) * fraction).rounded(.down))))
            let bar =
                "[" + String(repeating: "=", count: filled) + String(repeating: " ", count: barWidth - filled) + "]"
            return epoch + bar + count + kept.joined()
        }
        while true {
            let fixedWidth = line(barWidth: 0).count - 2
            let barWidth = min(24, limit - fixedWidth - 2)
            if barWidth >= 10 || kept.count <= 1 {
                let text = line(barWidth: max(barWidth, 1))
                return text.count <= limit ? text : String(text.prefix(limit))
            }
            kept.removeLast()
        }
    }

    /// A count with thousands separators: `12,345`.
    static func count(_ value: Double) -> String {
        guard value.isFinite else { return "-" }
        let digits = String(Int(value.rounded()))
        var result = ""
        for (index, character) in digits.reversed().enumerated() {
            if index > 0 && index % 3 == 0 { result.append(",") }
            result.append(character)
        }
        return String(result.reversed())
    }

    /// `m:ss` or `h:mm:ss`.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "-" }
        let total = Int(seconds.rounded())
        let hours = total / 3600, minutes = total / 60 % 60, secs = total % 60
        let twoDigits = { (value: Int) in value < 10 ? "0\(value)" : "\(value)" }
        return hours > 0 ? "\(hours):\(twoDigits(minutes)):\(twoDigits(secs))" : "\(minutes):\(twoDigits(secs))"
    }
}

/// `value` with `digits` decimals.
func fixed(_ value: Double, _ digits: Int) -> String {
    String(format: "%.\(digits)f", value)
}

/// The width of the terminal on standard output (`TIOCGWINSZ`), else the `COLUMNS` environment
/// variable, else 80.
func terminalColumns() -> Int {
    var size = winsize()
    if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
    if let text = ProcessInfo.processInfo.environment["COLUMNS"], let columns = Int(text), columns > 0 {
        return columns
    }
    return 80
}
