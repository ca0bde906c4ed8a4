import Foundation
import Network
import Tensor

/// What `nn train` prints and writes, all from the resolved run (``ResolvedRun``): the task line, the
/// header, the summary (text or `--json`), the saved model, the history file and the plot. After
/// early stopping the summary describes the kept epoch (the saved weights), with the last epoch's
/// numbers apart and labelled. Epochs are numbered from 1.
struct TrainReport<Scalar: MatrixScalar> {
    let command: TrainCommand
    let prepared: TrainingData<Scalar>
    let description: ModelDescription
    /// The run's thread count and its source, once decided.
    var threads: ThreadChoice?

    var plan: ResolvedRun { prepared.plan }
    var data: LoadedData<Scalar> { prepared.data }

    /// The line every run prints (to standard error with `--json`), after the data's notes.
    func printTaskLine() {
        data.printNotes()
        let line = taskLine()
        if command.json { writeError(line + "\n") } else { write(line + "\n") }
    }

    /// Task, target, features, rows and scaling.
    func taskLine() -> String {
        var text: String
        if plan.task == .classify {
            let names = description.classNames ?? []
            let shown = names.prefix(5).joined(separator: ", ") + (names.count > 5 ? ", …" : "")
            text = names.isEmpty ? "task: classification" : "task: classification (\(names.count) classes: \(shown))"
        } else {
            text = "task: regression"
        }
        switch plan.setting("task")?.source {
        case .option?: text += " (--task)"
        // A continued run's task is its checkpoint's or model's, whatever the targets look like.
        case .checkpoint?: text += " (the checkpoint's)"
        case .model?: text += " (the model's)"
        default: text += " inferred from the target"
        }
        if let name = data.targetName { text += " '\(name)'" }
        let featureCount = data.layout?.columns.count ?? data.inputs.columns
        let featureNames = data.layout?.columns.map(\.name) ?? data.featureNames
        if let names = featureNames, names.count <= 6 {
            text += "; features (\(featureCount)): \(names.joined(separator: ", "))"
        } else {
            text += "; \(featureCount) features"
        }
        if let layout = data.layout, layout.inputWidth != layout.columns.count {
            let encodings = [
                layout.columns.contains { $0.categories != nil } ? "one-hot encoding" : nil,
                layout.columns.contains { $0.date != nil } ? "dates" : nil,
            ]
            text += " (\(layout.inputWidth) inputs after \(encodings.compactMap { $0 }.joined(separator: " and ")))"
        }
        if let dates = data.layout?.columns.filter({ $0.date != nil }), !dates.isEmpty {
            // Columns with the same inputs are named together: `'start', 'end' as days since 1970`.
            var groups: [(inputs: [DateColumn.Input], names: [String])] = []
            for column in dates {
                let inputs = column.date!.inputs
                if let index = groups.firstIndex(where: { $0.inputs == inputs }) {
                    groups[index].names.append("'\(column.name)'")
                } else {
                    groups.append((inputs, ["'\(column.name)'"]))
                }
            }
            text +=
                "; dates: "
                + groups.map {
                    "\($0.names.joined(separator: ", ")) as \($0.inputs.map(\.description).joined(separator: ", "))"
                }.joined(separator: "; ")
        }
        text += "; rows: \(prepared.trainingRows.count) training"
        if !prepared.validationRows.isEmpty { text += ", \(prepared.validationRows.count) validation" }
        if !prepared.testRows.isEmpty { text += ", \(prepared.testRows.count) test" }
        let inputs =
            prepared.transform == nil ? "not scaled" : plan.scale == .minmax ? "min-max scaled" : "standardized"
        text += "; scaling: inputs \(inputs)"
        if oneHotInputsLeftUnscaled != nil { text += " (one-hot inputs left 0 and 1)" }
        if plan.task == .regress {
            text += ", targets \(prepared.targetTransform == nil ? "not scaled" : "standardized")"
        }
        return text
    }

    /// `Training 4-100(relu)-3(identity) on iris.csv: 120 samples, loss …, optimizer adam, learning rate 0.001, …`.
    func printHeader(_ network: Sequential<Scalar>, firstEpoch: Int, loadStarted: ContinuousClock.Instant) {
        guard !command.quiet && !command.json && DistributedRun.isPrimary else { return }
        var parts = ["loss \(lossName(plan.loss))", "optimizer \(plan.optimizerDescription)"]
        parts.append(plan.phrase("learning rate", "learningRate"))
        // A constant rate goes without saying, unless a resumed run changed the schedule to it.
        if plan.schedule != .constant || plan.setting("schedule")?.checkpointValue != nil {
            parts.append(plan.phrase("schedule", "schedule"))
        }
        if plan.weightDecay > 0 { parts.append("weight decay \(plan.weightDecay)") }
        // Flushing subnormals is float's default (Precision.flushesSubnormalsToZeroByDefault); say when it is off.
        if plan.precision == .float && !plan.flushesSubnormalsToZero {
            parts.append("float (subnormals kept)")
        } else {
            parts.append(
                plan.precision.rawValue + (plan.flushesSubnormalsToZero ? " (subnormals flushed to zero)" : ""))
        }
        parts.append("batch \(plan.setting("batchSize")?.value ?? "full")" + DistributedRun.description)
        if plan.earlyStopping != nil {
            let monitor =
                plan.validationFraction > 0
                ? "the validation loss" : "the training loss (tolerance \(plan.earlyStoppingTolerance))"
            parts.append(plan.phrase("early stopping on \(monitor) after", "earlyStopping"))
        }
        parts.append(
            threads?.phrase ?? "\(BLASLibrary.threadCount) thread\(BLASLibrary.threadCount == 1 ? "" : "s")")
        if command.resume != nil {
            parts.append("resuming at epoch \(firstEpoch + 1), \(plan.phrase("epochs", "epochs"))")
        }
        if let initFrom = command.initFrom { parts.append("starting from \(displayPath(initFrom))") }
        var header =
            "Training \(describe(network)) on \(displayPath(data.name)): \(prepared.trainingRows.count) samples"
        if !prepared.validationRows.isEmpty { header += " (+\(prepared.validationRows.count) for validation)" }
        header += ", " + parts.joined(separator: ", ")
        header += " (data read in \(fixed(secondsSince(loadStarted), 2)) s)"
        write(header + "\n")
    }

    /// The test score, the summary, and the files asked for.
    func finish(_ network: Sequential<Scalar>, history: TrainingHistory, seconds: Double, firstEpoch: Int) throws {
        let testScore = try measureTest(network)
        let epochs = EpochReport(history)
        let epochsRun = history.epochCount - firstEpoch
        var lines = [
            "Trained \(epochsRun) epoch\(epochsRun == 1 ? "" : "s") (\(history.epochCount) in all) in \(fixed(seconds, 2)) s"
                + (seconds > 0 && epochsRun > 0
                    ? ", \(ProgressReporter.count(Double(epochsRun * prepared.trainingRows.count) / seconds)) samples/s"
                    : "")
        ]
        if history.stoppedEarly || epochs.kept.epoch != epochs.last.epoch {
            lines.append(
                "\(history.stoppedEarly ? "stopped early" : "early stopping"); kept the weights of epoch \(epochs.kept.epoch) of \(epochs.last.epoch)"
            )
        }
        if let reductions = DistributedRun.reductionSummary { lines.append(reductions) }
        lines += DistributedRun.stepPartLines
        lines += epochs.lines(testScore: testScore)
        if let save = command.save {
            try description.file(network, kept: epochs.kept, epochsRun: epochs.last.epoch).write(to: save)
            lines.append(
                epochs.kept.epoch == epochs.last.epoch
                    ? "saved the model to \(displayPath(save))"
                    : "saved the model of epoch \(epochs.kept.epoch) to \(displayPath(save))")
        }
        if command.checkpointEvery != nil { lines.append("checkpoint: \(displayPath(command.checkpointPath))") }
        if let path = command.history {
            try HistoryFile.write(history, test: testScore, settings: plan.settings, threads: threads, to: path)
            lines.append("wrote the history to \(displayPath(path))")
        }
        if let plot = command.plot {
            let svg = SVGPlot.trainingCurves(
                history, title: "\(describe(network)) on \(data.name)", keptEpoch: epochs.kept.epoch)
            try OutputPaths.write(svg, to: plot)
            lines.append("drew the curves in \(displayPath(plot))")
        }
        if command.json {
            write(try jsonText(summary(network, epochs: epochs, seconds: seconds, test: testScore)) + "\n")
        } else {
            write(lines.joined(separator: "\n") + "\n")
        }
    }

    /// The score on the `--test-split` part, or on a built-in data set's test set.
    func measureTest(_ network: Sequential<Scalar>) throws -> Score? {
        if !prepared.testRows.isEmpty {
            return try Score.measure(
                network: network, inputs: prepared.inputs(prepared.testRows),
                targets: try prepared.targets(prepared.testRows, "\(data.name) test part"), loss: plan.loss,
                targetTransform: prepared.targetTransform, model: "the trained network")
        }
        guard let test = data.test else { return nil }
        let targets = try TargetPreparation.prepare(
            test.targets, classNames: data.classNames, knownClassNames: description.classNames, loss: plan.loss,
            source: "\(data.name) test set")
        return try Score.measure(
            network: network, inputs: prepared.transform?.apply(to: test.inputs) ?? test.inputs, targets: targets,
            loss: plan.loss, targetTransform: nil, model: "the trained network")
    }

    /// How many one-hot inputs the input scaling left 0 and 1 (standardize and minmax pass them through),
    /// or nil when the inputs are not scaled or none is one-hot: the task line and `--json` say it alike.
    var oneHotInputsLeftUnscaled: Int? {
        guard prepared.transform != nil, let count = data.layout?.oneHotInputs.count, count > 0 else { return nil }
        return count
    }

    /// The `--json` summary.
    func summary(_ network: Sequential<Scalar>, epochs: EpochReport, seconds: Double, test: Score?) -> TrainSummary {
        TrainSummary(
            task: plan.task == .classify ? "classification" : "regression", target: data.targetName,
            classes: description.classNames, features: data.featureNames, network: describe(network),
            loss: lossName(plan.loss), optimizer: plan.optimizer.rawValue, learningRate: plan.learningRate,
            batchSize: plan.batchSize ?? prepared.trainingRows.count, trainingSamples: prepared.trainingRows.count,
            validationSamples: prepared.validationRows.count, testSamples: test?.count ?? 0,
            epochs: epochs.last.epoch, stoppedEarly: epochs.stoppedEarly, keptEpoch: epochs.kept,
            lastEpoch: epochs.last,
            seconds: seconds, test: test,
            inputScaling: prepared.transform == nil ? "none" : plan.scale.rawValue,
            oneHotInputsLeftUnscaled: oneHotInputsLeftUnscaled,
            targetScaling: prepared.targetTransform == nil ? "none" : "standardize", saved: command.save,
            settings: Dictionary(plan.settings.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first }),
            threads: threads)
    }
}

/// The numbers of one epoch, numbered from 1.
struct EpochNumbers: Encodable {
    var epoch: Int
    var loss: Double?
    var accuracy: Double?
    var validationLoss: Double?
    var validationAccuracy: Double?

    init(_ history: TrainingHistory, index: Int) {
        epoch = index + 1
        func at(_ values: [Double]?) -> Double? { values.flatMap { index < $0.count ? $0[index] : nil } }
        loss = at(history.loss)
        accuracy = at(history.metrics[.accuracy])
        validationLoss = at(history.validationLoss)
        validationAccuracy = at(history.validationMetrics[.accuracy])
    }

    /// The numbers of the epoch `summary` ends.
    init(_ summary: EpochSummary) {
        epoch = summary.epoch + 1
        loss = summary.loss
        accuracy = summary.metrics[.accuracy]
        validationLoss = summary.validationLoss
        validationAccuracy = summary.validationMetrics[.accuracy]
    }

    /// The epoch's number and scores as a saved model's metadata records them (`keptEpoch`,
    /// `keptEpochLoss`, ...), each number as the summary and `--json` print it in full.
    var metadata: [String: String] {
        var values = ["keptEpoch": "\(epoch)"]
        let scores = [
            ("keptEpochLoss", loss), ("keptEpochAccuracy", accuracy), ("keptEpochValidationLoss", validationLoss),
            ("keptEpochValidationAccuracy", validationAccuracy),
        ]
        for case (let key, let value?) in scores { values[key] = "\(value)" }
        return values
    }
}

/// The kept epoch (whose weights the model holds) and the last epoch run.
struct EpochReport {
    var kept: EpochNumbers
    var last: EpochNumbers
    var stoppedEarly: Bool

    init(_ history: TrainingHistory) {
        let lastIndex = Swift.max(history.epochCount - 1, 0)
        last = EpochNumbers(history, index: lastIndex)
        kept = EpochNumbers(history, index: history.bestEpoch ?? lastIndex)
        stoppedEarly = history.stoppedEarly
    }

    /// The summary's lines for the scores: the final epoch's; or when early stopping kept an earlier
    /// epoch, the kept epoch's (the model's weights) and the last one's, each labelled; then the test's.
    func lines(testScore: Score?) -> [String] {
        func scores(_ numbers: EpochNumbers) -> String {
            var parts: [String] = []
            if let loss = numbers.loss { parts.append("loss \(loss)") }
            if let accuracy = numbers.accuracy { parts.append("accuracy \(fixed(accuracy, 4))") }
            if let loss = numbers.validationLoss { parts.append("validation loss \(loss)") }
            if let accuracy = numbers.validationAccuracy { parts.append("validation accuracy \(fixed(accuracy, 4))") }
            return parts.joined(separator: ", ")
        }
        var lines: [String] = []
        if kept.epoch != last.epoch {
            lines.append("kept epoch \(kept.epoch) (the model's weights): \(scores(kept))")
            lines.append("last epoch \(last.epoch) (not kept): \(scores(last))")
        } else {
            if let loss = last.loss { lines.append("final loss: \(loss)") }
            if let accuracy = last.accuracy { lines.append("final accuracy: \(fixed(accuracy, 4))") }
            if let loss = last.validationLoss { lines.append("validation loss: \(loss)") }
            if let accuracy = last.validationAccuracy { lines.append("validation accuracy: \(fixed(accuracy, 4))") }
        }
        if let testScore {
            lines.append("test loss: \(testScore.loss)")
            if let accuracy = testScore.accuracy {
                lines.append("test accuracy: \(fixed(accuracy, 4)) (\(testScore.count) samples)")
            }
            if let regression = testScore.regression {
                lines.append(
                    "test R²: \(fixed(regression.r2, 4)), RMSE: \(regression.rootMeanSquaredError) (\(testScore.count) samples)"
                )
            }
        }
        return lines
    }
}

/// `784-256(relu)-128(relu)-10(identity)`; a network on images starts with the image's shape and
/// names its other layers by their `--layers` tokens: `1x28x28-conv32k3(relu)-pool2-128(relu)-dropout0.5-10(identity)`.
func describe<Scalar: MatrixScalar>(_ network: Sequential<Scalar>) -> String {
    var text = network.sampleShapes[0].map(String.init).joined(separator: "x")
    for (layer, width) in zip(network.layers, network.outputSizes) {
        let saved = LayerRegistry.kinds.lazy.compactMap { $0.saved(layer, includesWeights: false) }.first
        let activation = layer.finalActivation.rawValue
        switch saved.flatMap(LayerToken.init) {
        case .dense?: text += "-\(width)(\(activation))"
        case let token? where layer.parameters.isEmpty || token == .batchNormalization: text += "-\(token.text)"
        case let token?: text += "-\(token.text)(\(activation))"
        // A layer that keeps its input's width (an activation) shows its function; another sized
        // layer its width and activation.
        case nil: text += layer.inputSize == nil ? "-\(activation)" : "-\(width)(\(activation))"
        }
    }
    return text
}

/// The command line's name of a loss.
func lossName(_ loss: Loss) -> String {
    LossOption.allCases.first { $0.loss == loss }?.rawValue ?? loss.rawValue
}

/// The `--history` JSON file: one array per series, one entry per epoch (epoch 1 first).
enum HistoryFile {
    struct Content: Encodable {
        var epochs: Int
        var loss: [Double]
        var accuracy: [Double]?
        var validationLoss: [Double]?
        var validationAccuracy: [Double]?
        var learningRate: [Double]
        /// The epoch whose weights the model holds, from 1 (the last one unless early stopping kept an earlier one).
        var keptEpoch: Int
        var stoppedEarly: Bool
        /// The score on the --test-split part (or a built-in data set's test set).
        var test: Score?
        /// The run's settings and where each came from.
        var settings: [String: RunSetting]
        /// OpenBLAS's thread count, where it came from and the step's multiply-adds, as `--json` gives them.
        var threads: ThreadChoice?
    }

    static func write(
        _ history: TrainingHistory, test: Score? = nil, settings: [RunSetting], threads: ThreadChoice? = nil,
        to path: String
    ) throws {
        let content = Content(
            epochs: history.epochCount, loss: history.loss, accuracy: history.metrics[.accuracy],
            validationLoss: history.validationLoss.isEmpty ? nil : history.validationLoss,
            validationAccuracy: history.validationMetrics[.accuracy], learningRate: history.learningRate,
            keptEpoch: (history.bestEpoch ?? Swift.max(history.epochCount - 1, 0)) + 1,
            stoppedEarly: history.stoppedEarly, test: test,
            settings: Dictionary(settings.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first }),
            threads: threads)
        try OutputPaths.write(try jsonText(content), to: path)
    }
}
