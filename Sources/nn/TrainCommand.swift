import ArgumentParser
import Foundation
import Network
import Tensor
import TensorIO

/// `nn train`: trains a network on a file or a built-in data set and saves it.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a network on a data file or a built-in data set.",
        discussion: """
            Classification or regression is decided from --loss, or from the targets when it is absent: \
            class labels (text in a CSV, IDX labels) train with softmax cross-entropy (binary cross-entropy \
            for two classes), 0/1 targets with binary cross-entropy, other numbers with mean squared error.

            Examples:
              nn train --dataset fashion-mnist --save fashion.json --plot fashion.svg
              nn train --data iris.csv --target species --layers 16 --epochs 200 --scale standardize
              nn train --dataset xor --layers 4 --activation tanh --epochs 2000 --learning-rate 0.5

            Set NN_FORCE_TERMINAL=1 (or 0) to force the progress bar (or plain lines) whatever the output is.
            """)

    @OptionGroup var source: DataOptions

    @Option(help: "The hidden layer sizes, comma-separated (default 256,128).")
    var layers: LayerSizes?

    @Option(help: "The hidden layers' activation.")
    var activation: ActivationOption = .relu

    @Option(help: "The output layer's activation (default identity logits for softmax cross-entropy, sigmoid for binary cross-entropy, identity otherwise).")
    var outputActivation: ActivationOption?

    @Flag(name: .customLong("no-bias"), help: "Build dense layers without bias.")
    var noBias = false

    @Option(help: "The loss to minimise (default chosen from the targets).")
    var loss: LossOption?

    @Option(help: "The update rule.")
    var optimizer: OptimizerOption = .momentum

    @Option(help: "The base learning rate.")
    var learningRate: Double = 0.05

    @Option(help: "The momentum of the momentum and nesterov optimizers.")
    var momentum: Double = 0.9

    @Option(help: "The L2 penalty added to the gradient.")
    var weightDecay: Double = 0

    @Option(help: "The learning-rate schedule: constant, step:EVERY,FACTOR or exponential:DECAY (default exponential:0.9 with mini-batches, constant full-batch).")
    var schedule: ScheduleOption?

    @Option(help: "The number of epochs (default 20 with mini-batches, 1000 full-batch).")
    var epochs: Int?

    @Option(help: "Samples per mini-batch; 0 trains full-batch (default 128, or full-batch under 1,000 samples).")
    var batchSize: Int?

    @Option(name: .customLong("init"), help: "How weights are drawn: \(InitializerOption.forms) (default he-normal for relu, xavier-uniform otherwise).")
    var weightInit: InitializerOption?

    @Option(name: .customLong("bias-init"), help: "How biases are drawn, in the forms of --init (default zeros).")
    var biasInit: InitializerOption?

    @Option(help: "The seed of the numpy-compatible generator that draws weights and shuffles.")
    var seed: UInt32 = 0

    @Option(help: "The floating-point precision.")
    var precision: PrecisionOption = .float

    @Option(help: "The fraction of training samples, taken from the end, held out for validation.")
    var validationSplit: Double = 0

    @Option(help: "Stop after this many epochs without a lower validation (or training) loss, keeping the best weights.")
    var earlyStopping: Int?

    @Option(help: "The number of OpenBLAS threads.")
    var threads: Int?

    @Option(help: "How inputs are scaled, from the training data (stored in the model).")
    var scale: ScaleOption = .none

    @Flag(help: "Train even when the run's estimated memory exceeds what is available.")
    var force = false

    @Flag(name: .shortAndLong, help: "Print only the summary.")
    var quiet = false

    @Option(help: "Write the per-epoch history as JSON to this file.")
    var history: String?

    @Option(help: "Draw the loss and accuracy curves as an SVG file.")
    var plot: String?

    @Option(name: .shortAndLong, help: "Save the trained model to this JSON file (written atomically).")
    var save: String?

    @Option(help: "The checkpoint file --checkpoint-every writes (default: the --save file with .checkpoint.json, or nn.checkpoint.json).")
    var checkpoint: String?

    @Option(help: "Write a checkpoint every N epochs.")
    var checkpointEvery: Int?

    @Option(help: "Continue from a checkpoint; give the same data and --batch-size, and the total --epochs.")
    var resume: String?

    func validate() throws {
        if let epochs, epochs < 0 { throw ValidationError("--epochs must be at least 0, got \(epochs)") }
        if let batchSize, batchSize < 0 { throw ValidationError("--batch-size must be at least 0, got \(batchSize)") }
        guard learningRate > 0, learningRate.isFinite else {
            throw ValidationError("--learning-rate must be a positive number, got \(learningRate)")
        }
        guard momentum >= 0 && momentum < 1 else { throw ValidationError("--momentum must be in [0, 1), got \(momentum)") }
        guard weightDecay >= 0, weightDecay.isFinite else {
            throw ValidationError("--weight-decay must be a finite number at least 0, got \(weightDecay)")
        }
        guard validationSplit >= 0 && validationSplit < 1 else {
            throw ValidationError("--validation-split must be in [0, 1), got \(validationSplit)")
        }
        if let earlyStopping, earlyStopping < 1 { throw ValidationError("--early-stopping must be at least 1, got \(earlyStopping)") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        if let checkpointEvery, checkpointEvery < 1 {
            throw ValidationError("--checkpoint-every must be at least 1, got \(checkpointEvery)")
        }
        guard (epochs ?? 0) <= Self.largestEpochCount else {
            throw ValidationError("--epochs must be at most \(Self.largestEpochCount), got \(epochs ?? 0)")
        }
        if checkpoint != nil && checkpointEvery == nil {
            throw ValidationError("--checkpoint names the file --checkpoint-every N writes; add --checkpoint-every")
        }
        // One output file overwriting another would replace the model with a plot, say.
        let outputs = [("--save", save), ("--history", history), ("--plot", plot), ("--checkpoint", checkpointEvery != nil ? checkpointPath : nil)]
            .compactMap { name, path in path.map { (name, URL(fileURLWithPath: $0).standardizedFileURL.path) } }
        for (index, output) in outputs.enumerated() {
            if let other = outputs[..<index].first(where: { $0.1 == output.1 }) {
                throw ValidationError("\(other.0) and \(output.0) name the same file \(output.1); give each output its own file")
            }
        }
    }

    func run() throws {
        // Outputs must not overwrite an input, and their folders must exist before the run starts.
        try OutputPaths.check(
            outputs: [("--save", save), ("--history", history), ("--plot", plot), ("--checkpoint", checkpointEvery != nil ? checkpointPath : nil)],
            inputs: [("--data", source.data), ("--targets-file", source.targetsFile), ("--labels", source.labels), ("--resume", resume)],
            allowed: [("--checkpoint", "--resume")])
        if let threads { BLASLibrary.threadCount = threads }
        // The checkpoint is read once: it decides the precision, then train uses it.
        let resumed = try resume.map { try TrainingCheckpoint.read(from: $0) }
        var precision = self.precision
        if let resumed { precision = resumed.model.precision == "double" ? .double : .float }
        switch precision {
        case .float: try train(Float.self, resuming: resumed)
        case .double: try train(Double.self, resuming: resumed)
        }
    }

    /// The most epochs a run may ask for: far beyond any real run, and small enough that every count
    /// and history built from it stays within memory and integer range.
    static let largestEpochCount = 1 << 31

    /// The most trainable parameters a network built from the command line may have (16 GiB as Double).
    static let largestParameterCount = 1 << 31

    /// The settings a checkpoint keeps so that a resumed run can check and reuse them.
    var checkpointPath: String {
        if let checkpoint { return checkpoint }
        if let save { return (save.hasSuffix(".json") ? String(save.dropLast(5)) : save) + ".checkpoint.json" }
        return "nn.checkpoint.json"
    }

    func train<Scalar: MatrixScalar>(_ type: Scalar.Type, resuming resumed: TrainingCheckpoint?) throws {
        let loadStarted = ContinuousClock.now
        var request = source.request
        // A resumed run reads its data by the feature names the checkpoint was trained on.
        request.expectedFeatureNames = resumed?.model.featureNames
        let data = try DataSource.load(request, as: type, needsTargets: true, command: "train")
        guard let rawTargets = data.targets else {
            throw CommandError.dataMismatch("\(data.name): no targets; name the target column with --target")
        }
        if let resumed { try checkResumedOptions(against: resumed) }
        let knownClassNames = resumed?.model.classNames
        var targetsRaw = rawTargets
        var dataClassNames = data.classNames
        if let known = knownClassNames, let names = dataClassNames {
            targetsRaw = try TargetPreparation.remap(rawTargets, dataClassNames: names, modelClassNames: known, source: data.name)
            dataClassNames = known
        }
        let lossFunction = resumed?.model.loss ?? loss?.loss ?? TargetPreparation.defaultLoss(targets: targetsRaw, classNames: dataClassNames)
        let prepared = try TargetPreparation.prepare(
            targetsRaw, classNames: dataClassNames, knownClassNames: knownClassNames, loss: lossFunction, source: data.name)
        let sampleCount = data.inputs.rows
        // As fit splits (Keras): floor(n · (1 - split)) rows train, the rest validate.
        let heldOut = validationSplit > 0 ? sampleCount - Int((Double(sampleCount) * (1 - validationSplit)).rounded(.down)) : 0
        if validationSplit > 0 && (heldOut == 0 || heldOut == sampleCount) {
            throw CommandError.invalidOption(
                sampleCount < 2
                    ? "--validation-split needs at least 2 samples, and \(data.name) has \(sampleCount)"
                    : "--validation-split \(validationSplit) leaves no samples on one side of \(sampleCount); choose a split between \(1.0 / Double(sampleCount)) and \(1 - 1.0 / Double(sampleCount))")
        }
        let trainingCount = sampleCount - heldOut

        // Input scaling, computed on the training part only.
        let transform: ModelFile.InputTransform?
        if let resumed {
            transform = resumed.model.inputTransform
        } else {
            switch scale {
            case .none: transform = nil
            case .standardize: transform = .standardizing(data.inputs.rows(0..<trainingCount))
            case .minmax: transform = .minMax(data.inputs.rows(0..<trainingCount))
            }
        }
        let inputs = transform?.apply(to: data.inputs) ?? data.inputs
        let test = data.test.map { (inputs: transform?.apply(to: $0.inputs) ?? $0.inputs, targets: $0.targets) }

        // The network and the optimizer: new, or as the checkpoint left them.
        let network: Sequential<Scalar>
        let optimizer: Optimizer<Scalar>
        var random: NumpyRandomState
        if let resumed {
            (network, optimizer, random) = try resumed.restore(as: Scalar.self)
            guard network.inputSize == inputs.columns, network.outputSize == prepared.targets.columns else {
                throw CommandError.dataMismatch(
                    "\(data.name): \(inputs.columns) features and \(prepared.targets.columns) target columns, but the checkpoint \(resume ?? "") has \(network.inputSize) inputs and \(network.outputSize) outputs; resume with the data it was trained on")
            }
        } else {
            random = NumpyRandomState(seed: seed)
            try checkArchitecture(inputSize: inputs.columns, outputSize: prepared.targets.columns, loss: lossFunction)
            try checkMemory(inputSize: inputs.columns, outputSize: prepared.targets.columns, scalarSize: MemoryLayout<Scalar>.size, trainingCount: trainingCount)
            network = Sequential<Scalar>(buildLayers(inputSize: inputs.columns, outputSize: prepared.targets.columns, loss: lossFunction), generator: &random)
            optimizer = Optimizer<Scalar>(
                optimizerKind, learningRate: learningRate, weightDecay: weightDecay,
                schedule: resolvedSchedule(trainingCount: trainingCount).schedule)
        }

        let savedSettings = resumed?.settings ?? [:]
        let fullBatchDefault = trainingCount < 1000
        let batch: Int? = {
            if let batchSize { return batchSize == 0 ? nil : batchSize }
            // A checkpoint saves full-batch training as "0", as --batch-size takes it.
            if let saved = savedSettings["batchSize"] { return Int(saved).flatMap { $0 == 0 ? nil : $0 } }
            return fullBatchDefault ? nil : 128
        }()
        let totalEpochs = epochs ?? savedSettings["epochs"].flatMap(Int.init) ?? ((batch ?? trainingCount) >= trainingCount ? 1000 : 20)
        let firstEpoch = resumed?.progress.epoch ?? 0
        if firstEpoch > totalEpochs {
            throw CommandError.invalidOption(
                "--epochs \(totalEpochs) is less than the \(firstEpoch) epochs the checkpoint has done; --epochs counts all epochs of the run")
        }
        var settings: [String: String] = [
            "createdBy": "nn train", "epochs": String(totalEpochs), "batchSize": batch.map(String.init) ?? "0",
            "data": data.name, "seed": String(seed),
        ]
        if let resume { settings["resumedFrom"] = resume }

        let reporter = ProgressReporter(
            terminal: outputIsTerminal(), firstEpoch: firstEpoch, totalEpochs: totalEpochs, samplesPerEpoch: trainingCount)
        var options = TrainingOptions(
            epochs: totalEpochs, batchSize: batch, metrics: prepared.measuresAccuracy ? [.accuracy] : [],
            validationSplit: validationSplit, earlyStoppingPatience: earlyStopping)
        if !quiet {
            if reporter.terminal { options.onBatchEnd = { reporter.batchEnded($0) } }
            options.onEpochEnd = { reporter.epochEnded($0) }
            let loadSeconds = Double((ContinuousClock.now - loadStarted).components.attoseconds) * 1e-18
                + Double((ContinuousClock.now - loadStarted).components.seconds)
            var header = "Training \(describe(network)) on \(data.name): \(trainingCount) samples"
            if heldOut > 0 { header += " (+\(heldOut) for validation)" }
            header += ", loss \(lossName(lossFunction)), \(Scalar.self == Float.self ? "float" : "double")"
            header += ", batch \(batch.map(String.init) ?? "full")"
            if resumed != nil { header += ", resuming at epoch \(firstEpoch + 1)" }
            header += " (data read in \(fixed(loadSeconds, 2)) s)"
            write(header + "\n")
        }

        let checkpointFile = checkpointPath
        let started = ContinuousClock.now
        let history: TrainingHistory
        do {
            history = try network.fit(
                inputs, prepared.targets, loss: lossFunction, optimizer: optimizer, options: options, random: &random,
                resuming: resumed?.progress, checkpointEvery: checkpointEvery
            ) { (progress, state) throws(NetworkError) in
                try TrainingCheckpoint(
                    network: network, loss: lossFunction, optimizer: optimizer, random: state, progress: progress,
                    classNames: prepared.classNames, inputTransform: transform, featureNames: data.featureNames,
                    settings: settings
                ).write(to: checkpointFile)
            }
        } catch {
            reporter.finish()
            if case .nonFiniteLoss = error {
                var kept: [String] = []
                if checkpointEvery != nil && FileManager.default.fileExists(atPath: checkpointFile) { kept.append("checkpoint \(checkpointFile)") }
                if let save, FileManager.default.fileExists(atPath: save) { kept.append("model \(save)") }
                throw CommandError.invalidOption(
                    "\(error)" + (kept.isEmpty ? "" : " (the last good \(kept.joined(separator: " and ")) was left unchanged)"))
            }
            throw error
        }
        reporter.finish()
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        let epochsRun = history.epochCount - firstEpoch

        // Summary.
        var lines: [String] = []
        lines.append("Trained \(epochsRun) epoch\(epochsRun == 1 ? "" : "s") (\(history.epochCount) in all) in \(fixed(seconds, 2)) s"
            + (seconds > 0 ? ", \(ProgressReporter.count(Double(epochsRun * trainingCount) / seconds)) samples/s" : ""))
        if history.stoppedEarly, let best = history.bestEpoch {
            lines.append("stopped early; kept the weights of epoch \(best + 1)")
        }
        if let last = history.loss.last { lines.append("final loss: \(last)") }
        if let accuracy = history.metrics[.accuracy]?.last { lines.append("final accuracy: \(fixed(accuracy, 4))") }
        if let loss = history.validationLoss.last { lines.append("validation loss: \(loss)") }
        if let accuracy = history.validationMetrics[.accuracy]?.last { lines.append("validation accuracy: \(fixed(accuracy, 4))") }
        if let test {
            let testTargets = try TargetPreparation.prepare(
                test.targets, classNames: data.classNames, knownClassNames: prepared.classNames, loss: lossFunction, source: "\(data.name) test set")
            let evaluation = try network.evaluate(
                test.inputs, testTargets.targets, loss: lossFunction, metrics: testTargets.measuresAccuracy ? [.accuracy] : [])
            lines.append("test loss: \(evaluation.loss)")
            if let accuracy = evaluation.metrics[.accuracy] { lines.append("test accuracy: \(fixed(accuracy, 4)) (\(test.inputs.rows) samples)") }
        }
        if let save {
            try network.save(
                to: save, loss: lossFunction, classNames: prepared.classNames, inputTransform: transform,
                featureNames: data.featureNames, metadata: settings)
            lines.append("saved the model to \(save)")
        }
        if checkpointEvery != nil { lines.append("checkpoint: \(checkpointFile)") }
        if let historyPath = self.history {
            try HistoryFile.write(history, to: historyPath)
            lines.append("wrote the history to \(historyPath)")
        }
        if let plot {
            let svg = SVGPlot.trainingCurves(history, title: "\(describe(network)) on \(data.name)")
            try ModelFile.writeAtomically(Data(svg.utf8), to: plot)
            lines.append("drew the curves in \(plot)")
        }
        write(lines.joined(separator: "\n") + "\n")
    }

    var optimizerKind: OptimizerKind {
        switch optimizer {
        case .sgd: return .sgd
        case .momentum: return .sgd(momentum: momentum, nesterov: false)
        case .nesterov: return .sgd(momentum: momentum, nesterov: true)
        case .adam: return .adam
        }
    }

    func resolvedSchedule(trainingCount: Int) -> ScheduleOption {
        if let schedule { return schedule }
        let fullBatch = batchSize == 0 || (batchSize ?? (trainingCount < 1000 ? trainingCount : 128)) >= trainingCount
        return ScheduleOption(fullBatch ? .constant : .exponential(decay: 0.9))
    }

    /// A resumed run goes on with the checkpoint's network, loss and schedule. Repeating the original
    /// command line with --resume is fine; an option that asks for something else is refused rather
    /// than silently ignored. (--init and --bias-init only draw a new network, so they do not matter.)
    func checkResumedOptions(against checkpoint: TrainingCheckpoint) throws {
        let dense = checkpoint.model.layers.filter { $0.type == "dense" }
        let hidden = dense.dropLast().compactMap(\.outputSize)
        var conflicts: [String] = []
        if let layers, layers.sizes != hidden {
            conflicts.append("--layers \(layers.sizes.map(String.init).joined(separator: ",")) (the checkpoint has \(hidden.isEmpty ? "none" : hidden.map(String.init).joined(separator: ",")))")
        }
        if let loss, loss.loss != checkpoint.model.loss {
            conflicts.append("--loss \(loss.rawValue) (the checkpoint has \(lossName(checkpoint.model.loss)))")
        }
        if let outputActivation, let last = checkpoint.model.layers.last, outputActivation.activation != last.activation {
            conflicts.append("--output-activation \(outputActivation.activation.rawValue) (the checkpoint has \(last.activation.rawValue))")
        }
        if let schedule, schedule.schedule != checkpoint.schedule {
            conflicts.append("--schedule \(schedule.text) (the checkpoint has \(ScheduleOption(checkpoint.schedule).text))")
        }
        if !conflicts.isEmpty {
            throw CommandError.invalidOption(
                "\(conflicts.joined(separator: ", ")): a resumed run keeps the network, loss and schedule of its checkpoint; drop these options or start a new run")
        }
    }

    /// Refuses networks that cannot be built or cannot learn what the loss asks: more parameters than
    /// ``largestParameterCount`` (counted without overflow), or binary cross-entropy on outputs that
    /// are not probabilities.
    func checkArchitecture(inputSize: Int, outputSize: Int, loss: Loss) throws {
        let widths = [inputSize] + (layers?.sizes ?? [256, 128]) + [outputSize]
        var total = 0
        for (fanIn, fanOut) in zip(widths, widths.dropFirst()) {
            let (weights, overflow) = (fanIn + 1).multipliedReportingOverflow(by: fanOut)
            let (sum, overflowSum) = total.addingReportingOverflow(weights)
            guard !overflow, !overflowSum, sum <= Self.largestParameterCount else {
                throw CommandError.invalidOption(
                    "--layers \(widths.dropFirst().dropLast().map(String.init).joined(separator: ",")) on \(inputSize) features would need more than \(Self.largestParameterCount) parameters; choose smaller layers")
            }
            total = sum
        }
        let finalActivation = outputActivation?.activation ?? (loss == .binaryCrossEntropy ? .sigmoid : .identity)
        if loss == .binaryCrossEntropy && finalActivation != .sigmoid && finalActivation != .softmax {
            throw CommandError.invalidOption(
                "--loss bce needs probabilities: an output activation of sigmoid (or softmax), not \(finalActivation.rawValue)")
        }
    }

    /// Refuses a run whose network, optimizer state and workspaces would not fit in the memory
    /// available (``MemoryEstimate``), unless `--force`.
    func checkMemory(inputSize: Int, outputSize: Int, scalarSize: Int, trainingCount: Int) throws {
        let widths = [inputSize] + (layers?.sizes ?? [256, 128]) + [outputSize]
        let slots = optimizer == .adam ? 2 : optimizer == .sgd ? 0 : 1
        let rows = batchSize.map { $0 == 0 ? trainingCount : Swift.min($0, trainingCount) } ?? (trainingCount < 1000 ? trainingCount : 128)
        let estimate = MemoryEstimate.trainingBytes(widths: widths, scalarSize: scalarSize, bias: !noBias, stateSlots: slots, batchSize: rows)
        try MemoryEstimate.check(
            estimate: estimate, force: force,
            what: "--layers \(widths.dropFirst().dropLast().map(String.init).joined(separator: ",")) at batch size \(rows)")
    }

    func buildLayers<Scalar: MatrixScalar>(inputSize: Int, outputSize: Int, loss: Loss) -> [any Layer<Scalar>] {
        let hidden = layers?.sizes ?? [256, 128]
        let weights = weightInit?.initializer ?? (activation == .relu || activation == .leakyReLU ? .heNormal : .xavierUniform)
        let biases = biasInit?.initializer ?? .zeros
        let finalActivation = outputActivation?.activation ?? (loss == .binaryCrossEntropy ? .sigmoid : .identity)
        var built: [any Layer<Scalar>] = []
        var width = inputSize
        for size in hidden {
            built.append(Dense<Scalar>(
                inputSize: width, outputSize: size, bias: !noBias, activation: activation.activation,
                weightInitializer: weights, biasInitializer: biases))
            width = size
        }
        built.append(Dense<Scalar>(
            inputSize: width, outputSize: outputSize, bias: !noBias, activation: finalActivation,
            weightInitializer: weights, biasInitializer: biases))
        return built
    }
}

/// `784-256(relu)-128(relu)-10(identity)`.
func describe<Scalar: MatrixScalar>(_ network: Sequential<Scalar>) -> String {
    var text = "\(network.inputSize)"
    for layer in network.layers {
        switch layer.configuration {
        case .dense(_, let outputSize, _, let activation): text += "-\(outputSize)(\(activation.rawValue))"
        case .activation(let activation): text += "-\(activation.rawValue)"
        }
    }
    return text
}

/// The command line's name of a loss.
func lossName(_ loss: Loss) -> String {
    LossOption.allCases.first { $0.loss == loss }?.rawValue ?? loss.rawValue
}

/// The `--history` JSON file: one array per series, one entry per epoch.
enum HistoryFile {
    struct Content: Encodable {
        var epochs: Int
        var loss: [Double]
        var accuracy: [Double]?
        var validationLoss: [Double]?
        var validationAccuracy: [Double]?
        var learningRate: [Double]
        var bestEpoch: Int?
        var stoppedEarly: Bool
    }

    static func write(_ history: TrainingHistory, to path: String) throws {
        let content = Content(
            epochs: history.epochCount, loss: history.loss, accuracy: history.metrics[.accuracy],
            validationLoss: history.validationLoss.isEmpty ? nil : history.validationLoss,
            validationAccuracy: history.validationMetrics[.accuracy], learningRate: history.learningRate,
            bestEpoch: history.bestEpoch, stoppedEarly: history.stoppedEarly)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            try ModelFile.writeAtomically(try encoder.encode(content), to: path)
        } catch let error as NetworkError {
            throw error
        } catch {
            throw CommandError.invalidOption("\(path): cannot write the history: \(error)")
        }
    }
}
