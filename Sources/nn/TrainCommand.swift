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
            The task is inferred from the target unless --task says: text labels, or whole numbers with at \
            most 20 distinct values (and at most half as many as rows), are classes; anything else is \
            regression. One line says the task, target, features, rows and scaling on every run, -q included.

            Tables (CSV, .npy, .npz) train with scikit-learn's MLP defaults: one hidden layer of 100, \
            standardized inputs and regression targets, Adam at 0.001, batches of 32, 200 epochs, and from \
            200 samples a shuffled, stratified 10% validation split with early stopping (patience 10). \
            Built-in data sets keep the notebooks' settings (256,128, momentum 0.05, no scaling).

            Examples:
              nn train --data iris.csv --target species --test-split 0.25 --save iris.json
              nn train --data titanic.csv --target Survived --drop Name,Ticket --missing median
              nn train --dataset fashion-mnist --save fashion.json --plot fashion.svg
              nn train --dataset xor --layers 4 --activation tanh --epochs 2000 --learning-rate 0.5

            Set NN_FORCE_TERMINAL=1 (or 0) to force the progress bar (or plain lines) whatever the output is.
            """)

    @OptionGroup var source: DataOptions

    @Option(
        help:
            "The hidden layer sizes, comma-separated, or none (default 100 for tables, as scikit-learn's MLP; 256,128 for built-in data sets)."
    )
    var layers: LayerSizes?

    @Option(help: "The hidden layers' activation.")
    var activation: ActivationOption = .relu

    @Option(
        help:
            "The output layer's activation (default identity logits for softmax cross-entropy, sigmoid for binary cross-entropy, identity otherwise)."
    )
    var outputActivation: ActivationOption?

    @Flag(name: .customLong("no-bias"), help: "Build dense layers without bias.")
    var noBias = false

    @Option(help: "The loss to minimise (default chosen from the targets).")
    var loss: LossOption?

    @Option(
        help:
            "Classification or regression (default inferred from the targets: text labels, or whole numbers with at most 20 distinct values, are classes)."
    )
    var task: TaskOption?

    @Option(help: "The update rule (default adam for tables, momentum for built-in data sets).")
    var optimizer: OptimizerOption?

    @Option(help: "The base learning rate (default 0.001 for tables, 0.05 for built-in data sets).")
    var learningRate: Double?

    @Option(help: "The momentum of the momentum and nesterov optimizers.")
    var momentum: Double = 0.9

    @Option(help: "The smoothing constant of rmsprop's running average of squared gradients (PyTorch's alpha).")
    var alpha: Double = 0.99

    @Option(
        help:
            "The weight decay: an L2 penalty added to the gradient, or with adamw decoupled from it (weights shrink by learning rate × decay each step)."
    )
    var weightDecay: Double = 0

    @Option(
        help:
            "The learning-rate schedule: constant, step:EVERY,FACTOR or exponential:DECAY (default exponential:0.9 with mini-batches, constant full-batch)."
    )
    var schedule: ScheduleOption?

    @Option(help: "The number of epochs (default 20 with mini-batches, 1000 full-batch).")
    var epochs: Int?

    @Option(help: "Samples per mini-batch; 0 trains full-batch (default 128, or full-batch under 1,000 samples).")
    var batchSize: Int?

    @Option(
        name: .customLong("init"),
        help:
            "How weights are drawn: \(InitializerOption.forms) (default he-normal for relu, xavier-uniform otherwise).")
    var weightInit: InitializerOption?

    @Option(name: .customLong("bias-init"), help: "How biases are drawn, in the forms of --init (default zeros).")
    var biasInit: InitializerOption?

    @Option(help: "The seed of the numpy-compatible generator that draws weights and shuffles.")
    var seed: UInt32 = 0

    @Option(help: "The floating-point precision.")
    var precision: PrecisionOption = .float

    @Option(
        help:
            "The fraction of samples held out for validation, shuffled (stratified by class) with --seed (default 0.1 for tables of 200 samples or more, else none)."
    )
    var validationSplit: Double?

    @Option(help: "The fraction of samples held out for a test score, shuffled (stratified by class) with --seed.")
    var testSplit: Double?

    @Option(
        help:
            "Stop after this many epochs without a lower validation (or training) loss, keeping the best weights (default 10 with the default validation split)."
    )
    var earlyStopping: Int?

    @Option(help: "The number of OpenBLAS threads (default: the usable cores, or 1 for a small network; see README).")
    var threads: Int?

    @Option(
        help:
            "How inputs are scaled, from the training data (stored in the model; default standardize for tables, none for built-in data sets)."
    )
    var scale: ScaleOption?

    @Option(
        help:
            "How regression targets are scaled for training, inverted at predict time (stored in the model; default standardize for tables)."
    )
    var targetScale: TargetScaleOption?

    @Flag(help: "Train even when the run's estimated memory exceeds what is available.")
    var force = false

    @Flag(name: .shortAndLong, help: "Print only the task line and the summary.")
    var quiet = false

    @Flag(
        help:
            "Print the summary as one JSON object on standard output (the task line goes to standard error); keys: task, target, classes, features, network, loss, optimizer, learningRate, batchSize, trainingSamples, validationSamples, testSamples, epochs, stoppedEarly, bestEpoch, seconds, finalLoss, finalAccuracy, validationLoss, validationAccuracy, test (count, loss, accuracy, report, confusion or regression: r2, rootMeanSquaredError, meanAbsoluteError), inputScaling, targetScaling, saved."
    )
    var json = false

    @Option(help: "Write the per-epoch history as JSON to this file.")
    var history: String?

    @Option(help: "Draw the loss and accuracy curves as an SVG file.")
    var plot: String?

    @Option(name: .shortAndLong, help: "Save the trained model to this JSON file (written atomically).")
    var save: String?

    @Option(
        help:
            "The checkpoint file --checkpoint-every writes (default: the --save file with .checkpoint.json, or nn.checkpoint.json)."
    )
    var checkpoint: String?

    @Option(help: "Write a checkpoint every N epochs.")
    var checkpointEvery: Int?

    @Option(help: "Continue from a checkpoint; give the same data and --batch-size, and the total --epochs.")
    var resume: String?

    @Option(
        help:
            "Start from a saved model's weights (same architecture, a fresh optimizer), on new data read with its columns and scaling."
    )
    var initFrom: String?

    @Flag(
        help:
            "Train as one rank of an MPI job (mpirun -np 4 nn train --distributed ...); --batch-size stays the global batch, and --threads defaults to the usable cores divided among this machine's ranks. Needs nn built with --traits MPI."
    )
    var distributed = false

    func validate() throws {
        try DistributedRun.validate(distributed: distributed)
        if let epochs, epochs < 0 { throw ValidationError("--epochs must be at least 0, got \(epochs)") }
        if let batchSize, batchSize < 0 { throw ValidationError("--batch-size must be at least 0, got \(batchSize)") }
        if let learningRate, !(learningRate > 0 && learningRate.isFinite) {
            throw ValidationError("--learning-rate must be a positive number, got \(learningRate)")
        }
        guard momentum >= 0 && momentum < 1 else {
            throw ValidationError("--momentum must be in [0, 1), got \(momentum)")
        }
        guard alpha >= 0 && alpha < 1 else { throw ValidationError("--alpha must be in [0, 1), got \(alpha)") }
        guard weightDecay >= 0, weightDecay.isFinite else {
            throw ValidationError("--weight-decay must be a finite number at least 0, got \(weightDecay)")
        }
        if let validationSplit, !(validationSplit >= 0 && validationSplit < 1) {
            throw ValidationError("--validation-split must be in [0, 1), got \(validationSplit)")
        }
        if let testSplit, !(testSplit > 0 && testSplit < 1) {
            throw ValidationError("--test-split must be in (0, 1), got \(testSplit)")
        }
        if resume != nil && initFrom != nil {
            throw ValidationError(
                "--resume continues a checkpoint and --init-from starts from a model; give one of them")
        }
        if initFrom != nil {
            // The network, its loss and its scaling come from the model.
            let fixed = [
                ("--layers", layers != nil), ("--output-activation", outputActivation != nil), ("--no-bias", noBias),
                ("--loss", loss != nil), ("--init", weightInit != nil), ("--bias-init", biasInit != nil),
                ("--scale", scale != nil),
                ("--target-scale", targetScale != nil),
            ].filter(\.1).map(\.0)
            if !fixed.isEmpty {
                throw ValidationError(
                    "\(fixed.joined(separator: ", ")) \(fixed.count == 1 ? "does" : "do") not apply with --init-from: the network, its loss and its scaling are the model's"
                )
            }
        }
        if source.dataset != nil && (targetScale != nil || task != nil) {
            let given = [("--target-scale", targetScale != nil), ("--task", task != nil)].filter(\.1).map(\.0)
            throw ValidationError(
                "\(given.joined(separator: ", ")) \(given.count == 1 ? "does" : "do") not apply to a built-in data set, whose task is fixed"
            )
        }
        if let earlyStopping, earlyStopping < 1 {
            throw ValidationError("--early-stopping must be at least 1, got \(earlyStopping)")
        }
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
        let outputs = [
            ("--save", save), ("--history", history), ("--plot", plot),
            ("--checkpoint", checkpointEvery != nil ? checkpointPath : nil),
        ]
        .compactMap { name, path in path.map { (name, URL(fileURLWithPath: $0).standardizedFileURL.path) } }
        for (index, output) in outputs.enumerated() {
            if let other = outputs[..<index].first(where: { $0.1 == output.1 }) {
                throw ValidationError(
                    "\(other.0) and \(output.0) name the same file \(output.1); give each output its own file")
            }
        }
    }

    func run() throws {
        if distributed { try DistributedRun.start(threads: threads) }
        // Outputs must not overwrite an input, and their folders must exist before the run starts.
        // (In an MPI job, rank 0 writes them.)
        if DistributedRun.isPrimary {
            try OutputPaths.check(
                outputs: [
                    ("--save", save), ("--history", history), ("--plot", plot),
                    ("--checkpoint", checkpointEvery != nil ? checkpointPath : nil),
                ],
                inputs: [
                    ("--data", source.data), ("--targets-file", source.targetsFile), ("--labels", source.labels),
                    ("--resume", resume), ("--init-from", initFrom),
                ],
                allowed: [("--checkpoint", "--resume")])
        }
        if let resume, Self.isModelFile(resume) {
            throw CommandError.usage(
                "--resume \(resume): this is a saved model, not a training checkpoint; continue training it with --init-from \(resume) (same network, a fresh optimizer)"
            )
        }
        // The checkpoint is read once: it decides the precision, then train uses it.
        let resumed = try resume.map { try DistributedRun.readCheckpoint($0) }
        let initial = try initFrom.map { try ModelFile.read(from: $0) }
        var precision = self.precision
        if let model = resumed?.model ?? initial { precision = model.precision == "double" ? .double : .float }
        switch precision {
        case .float: try train(Float.self, resuming: resumed, from: initial)
        case .double: try train(Double.self, resuming: resumed, from: initial)
        }
        DistributedRun.finish()
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

    func train<Scalar: MatrixScalar>(
        _ type: Scalar.Type, resuming resumed: TrainingCheckpoint?, from initial: ModelFile?
    ) throws {
        let loadStarted = ContinuousClock.now
        let prepared = try TrainingData<Scalar>.prepare(self, resuming: resumed, from: initial)
        let (data, task, lossFunction, plan) = (prepared.data, prepared.task, prepared.loss, prepared.plan)
        let (validationRows, testRows, transform, targetTransform) = (
            prepared.validationRows, prepared.testRows, prepared.transform, prepared.targetTransform
        )
        let trainingCount = prepared.trainingRows.count
        let trainingSet = (
            inputs: prepared.inputs(prepared.trainingRows),
            targets: try prepared.targets(prepared.trainingRows, data.name)
        )
        let validation =
            validationRows.isEmpty
            ? nil
            : (
                inputs: prepared.inputs(validationRows),
                targets: try prepared.targets(validationRows, "\(data.name) validation part").targets
            )
        let builtInTest = data.test.map { (inputs: transform?.apply(to: $0.inputs) ?? $0.inputs, targets: $0.targets) }
        let trainingTargets = trainingSet.targets

        // The network and the optimizer: new, from a model, or as the checkpoint left them.
        let network: Sequential<Scalar>
        let optimizer: Optimizer<Scalar>
        var random: NumpyRandomState
        var optimizerChoice = plan.optimizer
        if let resumed {
            (network, optimizer, random) = try resumed.restore(as: Scalar.self)
            optimizerChoice = OptimizerOption(optimizer.kind)
        } else {
            random = NumpyRandomState(seed: seed)
            if let initial {
                network = initial.network()
            } else {
                try checkArchitecture(
                    inputSize: trainingSet.inputs.columns, outputSize: trainingTargets.targets.columns,
                    loss: lossFunction, hidden: plan.hiddenLayers)
                try checkMemory(
                    inputSize: trainingSet.inputs.columns, outputSize: trainingTargets.targets.columns,
                    hidden: plan.hiddenLayers,
                    scalarSize: MemoryLayout<Scalar>.size, optimizer: plan.optimizer, batchSize: plan.batchSize,
                    trainingCount: trainingCount)
                network = Sequential<Scalar>(
                    try buildLayers(
                        inputSize: trainingSet.inputs.columns, outputSize: trainingTargets.targets.columns,
                        loss: lossFunction, hidden: plan.hiddenLayers), generator: &random)
            }
            optimizer = Optimizer<Scalar>(
                optimizerKind(optimizerChoice), learningRate: plan.learningRate, weightDecay: weightDecay,
                schedule: plan.schedule.schedule)
        }
        guard network.inputSize == trainingSet.inputs.columns, network.outputSize == trainingTargets.targets.columns
        else {
            throw CommandError.dataMismatch(
                "\(data.name): \(trainingSet.inputs.columns) features and \(trainingTargets.targets.columns) target columns, but the \(resumed != nil ? "checkpoint" : "model") \(resume ?? initFrom ?? "") has \(network.inputSize) inputs and \(network.outputSize) outputs; continue it on data with the same columns"
            )
        }

        let batch = plan.batchSize
        let totalEpochs = plan.epochs
        let firstEpoch = resumed?.progress.epoch ?? 0
        if firstEpoch > totalEpochs {
            throw CommandError.invalidOption(
                "--epochs \(totalEpochs) is less than the \(firstEpoch) epochs the checkpoint has done; --epochs counts all epochs of the run"
            )
        }
        var settings: [String: String] = [
            "createdBy": "nn train", "epochs": String(totalEpochs), "batchSize": batch.map(String.init) ?? "0",
            "data": data.name, "seed": String(seed), "task": task == .classify ? "classification" : "regression",
        ]
        if plan.validationFraction > 0 { settings["validationSplit"] = String(plan.validationFraction) }
        if let patience = plan.earlyStopping { settings["earlyStopping"] = String(patience) }
        if plan.testFraction > 0 { settings["testSplit"] = String(plan.testFraction) }
        if let resume { settings["resumedFrom"] = resume }
        if let initFrom { settings["initializedFrom"] = initFrom }

        // The task line, printed on every run.
        let taskLine = describeTask(
            task: task, classNames: trainingTargets.classNames, data: data,
            featureCount: data.layout?.columns.count ?? data.inputs.columns,
            training: trainingCount, validation: validationRows.count, test: testRows.count, transform: transform,
            targetTransform: targetTransform, scale: plan.scale)
        for note in data.notes { FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
        if json { FileHandle.standardError.write(Data((taskLine + "\n").utf8)) } else { write(taskLine + "\n") }

        // In an MPI job, DistributedRun.start has divided the cores among this machine's ranks.
        ThreadDefaults.apply(
            requested: threads ?? (distributed ? BLASLibrary.threadCount : nil), network: network,
            batchSize: batch ?? trainingCount)
        // In an MPI job only rank 0 prints and writes files.
        let quiet = self.quiet || !DistributedRun.isPrimary
        let reporter = ProgressReporter(
            terminal: DistributedRun.drawsProgressBar && !json, firstEpoch: firstEpoch, totalEpochs: totalEpochs,
            samplesPerEpoch: trainingCount)
        var options = TrainingOptions(
            epochs: totalEpochs, batchSize: batch, metrics: trainingTargets.measuresAccuracy ? [.accuracy] : [],
            earlyStoppingPatience: plan.earlyStopping)
        network.gradientHook = DistributedRun.reducer(for: Scalar.self)
        let interruption = Interruption.shared
        let snapshot = BestModelSnapshot()
        let showsProgress = !quiet && !json
        if showsProgress && reporter.terminal { options.onBatchEnd = { reporter.batchEnded($0) } }
        let saveOnInterrupt = save
        let modelNotes = (
            lossFunction, trainingTargets.classNames, transform, targetTransform, data.layout, data.featureNames,
            settings
        )
        let networkBox = UncheckedSendable(network)
        options.onEpochEnd = { summary in
            if showsProgress { reporter.epochEnded(summary) }
            // The best model so far, kept for an interrupted run's --save.
            if saveOnInterrupt != nil {
                let monitored = summary.validationLoss ?? summary.loss
                if monitored < snapshot.bestLoss || snapshot.model == nil {
                    snapshot.bestLoss = monitored
                    var file = ModelFile(
                        network: networkBox.value, loss: modelNotes.0, classNames: modelNotes.1,
                        inputTransform: modelNotes.2,
                        featureNames: modelNotes.5, metadata: modelNotes.6)
                    file.targetTransform = modelNotes.3
                    file.tableLayout = modelNotes.4
                    snapshot.model = file
                    snapshot.epoch = summary.epoch
                }
            }
            if interruption.requested {
                reporter.finish()
                var message = "interrupted after epoch \(summary.epoch + 1)"
                if let path = saveOnInterrupt, let model = snapshot.model {
                    do {
                        try model.write(to: path)
                        message += "; saved the best model so far (epoch \(snapshot.epoch + 1)) to \(displayPath(path))"
                    } catch {
                        message += "; could not save the model: \(error)"
                    }
                }
                FileHandle.standardError.write(Data((message + "\n").utf8))
                Foundation.exit(130)
            }
        }
        // From here on, Ctrl-C ends the run at the end of an epoch.
        interruption.install()
        if !quiet && !json {
            let loadSeconds =
                Double((ContinuousClock.now - loadStarted).components.attoseconds) * 1e-18
                + Double((ContinuousClock.now - loadStarted).components.seconds)
            var header = "Training \(describe(network)) on \(displayPath(data.name)): \(trainingCount) samples"
            if !validationRows.isEmpty { header += " (+\(validationRows.count) for validation)" }
            header +=
                ", loss \(lossName(lossFunction)), \(optimizerChoice.rawValue) \(plan.learningRate), \(Scalar.self == Float.self ? "float" : "double")"
            header += ", batch \(batch.map(String.init) ?? "full")" + DistributedRun.description
            if let patience = plan.earlyStopping { header += ", early stopping after \(patience)" }
            header += ", \(BLASLibrary.threadCount) thread\(BLASLibrary.threadCount == 1 ? "" : "s")"
            if resumed != nil { header += ", resuming at epoch \(firstEpoch + 1)" }
            if let initFrom { header += ", starting from \(initFrom)" }
            header += " (data read in \(fixed(loadSeconds, 2)) s)"
            write(header + "\n")
        }

        let checkpointFile = checkpointPath
        let started = ContinuousClock.now
        let history: TrainingHistory
        do {
            history = try network.fit(
                trainingSet.inputs, trainingTargets.targets, loss: lossFunction, optimizer: optimizer, options: options,
                validation: validation, random: &random, resuming: resumed?.progress, checkpointEvery: checkpointEvery
            ) { (progress, state) throws(NetworkError) in
                guard DistributedRun.isPrimary else { return }
                var checkpoint = TrainingCheckpoint(
                    network: network, loss: lossFunction, optimizer: optimizer, random: state, progress: progress,
                    classNames: trainingTargets.classNames, inputTransform: transform, featureNames: data.featureNames,
                    settings: settings)
                checkpoint.model.targetTransform = targetTransform
                checkpoint.model.tableLayout = data.layout
                try checkpoint.write(to: checkpointFile)
            }
        } catch {
            reporter.finish()
            if case .nonFiniteLoss(let epoch, let batchIndex, let rate) = error {
                // Every rank of a job meets it at the same step (the step's sum carries the nan).
                DistributedRun.failureIsShared = true
                var kept: [String] = []
                if checkpointEvery != nil && FileManager.default.fileExists(atPath: checkpointFile) {
                    kept.append("checkpoint \(checkpointFile)")
                }
                if let save, FileManager.default.fileExists(atPath: save) { kept.append("model \(save)") }
                // The hint names what this run did not do, rather than what it did.
                var hints: [String] = []
                if transform == nil { hints.append("standardized inputs (--scale standardize)") }
                if task == .regress && targetTransform == nil {
                    hints.append("standardized targets (--target-scale standardize)")
                }
                hints.append("a smaller --learning-rate than \(rate)")
                throw CommandError.invalidOption(
                    "the loss became nan or infinite at epoch \(epoch + 1), batch \(batchIndex + 1); try \(hints.joined(separator: ", or "))"
                        + (kept.isEmpty ? "" : " (the last good \(kept.joined(separator: " and ")) was left unchanged)")
                )
            }
            throw error
        }
        interruption.uninstall()
        reporter.finish()
        guard DistributedRun.isPrimary else { return }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        try report(
            FinishedRun(
                prepared: prepared, network: network, history: history, seconds: seconds, firstEpoch: firstEpoch,
                settings: settings,
                batchSize: batch, optimizer: optimizerChoice, classNames: trainingTargets.classNames,
                checkpointFile: checkpointFile,
                builtInTest: builtInTest))
    }

    /// A finished training run, as ``report(_:)`` needs it.
    struct FinishedRun<Scalar: MatrixScalar> {
        var prepared: TrainingData<Scalar>
        var network: Sequential<Scalar>
        var history: TrainingHistory
        var seconds: Double
        var firstEpoch: Int
        var settings: [String: String]
        var batchSize: Int?
        var optimizer: OptimizerOption
        var classNames: [String]?
        var checkpointFile: String
        var builtInTest: (inputs: Matrix<Scalar>, targets: Matrix<Scalar>)?
    }

    /// The report of a run: the test score, the summary (text or JSON), and the saved model, history and plot.
    func report<Scalar: MatrixScalar>(_ run: FinishedRun<Scalar>) throws {
        let prepared = run.prepared
        let (data, task, lossFunction, plan) = (prepared.data, prepared.task, prepared.loss, prepared.plan)
        let (validationRows, testRows, transform, targetTransform) = (
            prepared.validationRows, prepared.testRows, prepared.transform, prepared.targetTransform
        )
        let (network, history, seconds, settings, batch) = (
            run.network, run.history, run.seconds, run.settings, run.batchSize
        )
        let (optimizerChoice, classNames, checkpointFile, builtInTest) = (
            run.optimizer, run.classNames, run.checkpointFile, run.builtInTest
        )
        let trainingCount = prepared.trainingRows.count
        let epochsRun = history.epochCount - run.firstEpoch

        // The test part's score, in target units.
        var testScore: Score? = nil
        if !testRows.isEmpty {
            let testTargets = try prepared.targets(testRows, "\(data.name) test part")
            testScore = try Score.measure(
                network: network, inputs: prepared.inputs(testRows), targets: testTargets, loss: lossFunction,
                targetTransform: targetTransform)
        } else if let builtInTest {
            let testTargets = try TargetPreparation.prepare(
                builtInTest.targets, classNames: data.classNames, knownClassNames: classNames, loss: lossFunction,
                source: "\(data.name) test set")
            testScore = try Score.measure(
                network: network, inputs: builtInTest.inputs, targets: testTargets, loss: lossFunction,
                targetTransform: nil)
        }

        // Summary.
        var lines: [String] = []
        lines.append(
            "Trained \(epochsRun) epoch\(epochsRun == 1 ? "" : "s") (\(history.epochCount) in all) in \(fixed(seconds, 2)) s"
                + (seconds > 0
                    ? ", \(ProgressReporter.count(Double(epochsRun * trainingCount) / seconds)) samples/s" : ""))
        if history.stoppedEarly, let best = history.bestEpoch {
            lines.append("stopped early; kept the weights of epoch \(best + 1)")
        }
        if let reductions = DistributedRun.reductionSummary { lines.append(reductions) }
        if let last = history.loss.last { lines.append("final loss: \(last)") }
        if let accuracy = history.metrics[.accuracy]?.last { lines.append("final accuracy: \(fixed(accuracy, 4))") }
        if let loss = history.validationLoss.last { lines.append("validation loss: \(loss)") }
        if let accuracy = history.validationMetrics[.accuracy]?.last {
            lines.append("validation accuracy: \(fixed(accuracy, 4))")
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
        if let save {
            var file = ModelFile(
                network: network, loss: lossFunction, classNames: classNames, inputTransform: transform,
                featureNames: data.featureNames, metadata: settings)
            file.targetTransform = targetTransform
            file.tableLayout = data.layout
            try file.write(to: save)
            lines.append("saved the model to \(displayPath(save))")
        }
        if checkpointEvery != nil { lines.append("checkpoint: \(checkpointFile)") }
        if let historyPath = self.history {
            try HistoryFile.write(history, test: testScore, to: historyPath)
            lines.append("wrote the history to \(displayPath(historyPath))")
        }
        if let plot {
            let svg = SVGPlot.trainingCurves(history, title: "\(describe(network)) on \(data.name)")
            try ModelFile.writeAtomically(Data(svg.utf8), to: plot)
            lines.append("drew the curves in \(plot)")
        }
        if json {
            let summary = TrainSummary(
                task: task == .classify ? "classification" : "regression", target: data.targetName, classes: classNames,
                features: data.featureNames, network: describe(network), loss: lossName(lossFunction),
                optimizer: optimizerChoice.rawValue,
                learningRate: plan.learningRate, batchSize: batch ?? trainingCount, trainingSamples: trainingCount,
                validationSamples: validationRows.count, testSamples: testScore?.count ?? 0, epochs: history.epochCount,
                stoppedEarly: history.stoppedEarly, bestEpoch: history.bestEpoch.map { $0 + 1 }, seconds: seconds,
                finalLoss: history.loss.last, finalAccuracy: history.metrics[.accuracy]?.last,
                validationLoss: history.validationLoss.last,
                validationAccuracy: history.validationMetrics[.accuracy]?.last,
                test: testScore, inputScaling: transform == nil ? "none" : plan.scale.rawValue,
                targetScaling: targetTransform == nil ? "none" : "standardize", saved: save)
            write(try jsonText(summary) + "\n")
        } else {
            write(lines.joined(separator: "\n") + "\n")
        }
    }

    /// The line every run prints: task, target, features, rows and scaling.
    func describeTask<Scalar: MatrixScalar>(
        task: TaskOption, classNames: [String]?, data: LoadedData<Scalar>, featureCount: Int, training: Int,
        validation: Int,
        test: Int, transform: ModelFile.InputTransform?, targetTransform: ModelFile.InputTransform?, scale: ScaleOption
    ) -> String {
        var text: String
        if task == .classify {
            let names = classNames ?? []
            let shown = names.prefix(5).joined(separator: ", ") + (names.count > 5 ? ", …" : "")
            text = "task: classification (\(names.count) classes: \(shown))"
        } else {
            text = "task: regression"
        }
        text += self.task == nil ? " inferred from the target" : " (--task)"
        if let name = data.targetName { text += " '\(name)'" }
        let featureNames = data.layout?.columns.map(\.name) ?? data.featureNames
        if let names = featureNames, names.count <= 6 {
            text += "; features (\(featureCount)): \(names.joined(separator: ", "))"
        } else {
            text += "; \(featureCount) features"
        }
        if let layout = data.layout, layout.inputWidth != layout.columns.count {
            text += " (\(layout.inputWidth) inputs after one-hot encoding)"
        }
        text += "; rows: \(training) training"
        if validation > 0 { text += ", \(validation) validation" }
        if test > 0 { text += ", \(test) test" }
        text +=
            "; scaling: inputs \(transform == nil ? "not scaled" : scale == .minmax ? "min-max scaled" : "standardized")"
        if task == .regress { text += ", targets \(targetTransform == nil ? "not scaled" : "standardized")" }
        return text
    }

    func optimizerKind(_ optimizer: OptimizerOption) -> OptimizerKind {
        switch optimizer {
        case .sgd: return .sgd
        case .momentum: return .sgd(momentum: momentum, nesterov: false)
        case .nesterov: return .sgd(momentum: momentum, nesterov: true)
        case .adam: return .adam
        case .rmsprop: return .rmsprop(alpha: alpha, epsilon: 1e-8, momentum: 0)
        case .adamw: return .adamW
        }
    }

    /// Whether the file at `path` is a saved model (rather than a checkpoint).
    static func isModelFile(_ path: String) -> Bool {
        // A model file of any version (binary or the JSON of version 1) reads as one; a checkpoint does not.
        (try? ModelFile.readMetadata(from: path)) != nil
    }

    /// A resumed run goes on with the checkpoint's network, loss and schedule. Repeating the original
    /// command line with --resume is fine; an option that asks for something else is refused rather
    /// than silently ignored. (--init and --bias-init only draw a new network, so they do not matter.)
    func checkResumedOptions(against checkpoint: TrainingCheckpoint) throws {
        let dense = checkpoint.model.layers.filter { $0.type == DenseKind.typeName }
        let hidden = dense.dropLast().compactMap(\.outputSize)
        var conflicts: [String] = []
        if let layers, layers.sizes != hidden {
            conflicts.append(
                "--layers \(layers.sizes.map(String.init).joined(separator: ",")) (the checkpoint has \(hidden.isEmpty ? "none" : hidden.map(String.init).joined(separator: ",")))"
            )
        }
        if let loss, loss.loss != checkpoint.model.loss {
            conflicts.append("--loss \(loss.rawValue) (the checkpoint has \(lossName(checkpoint.model.loss)))")
        }
        if let outputActivation, let last = checkpoint.model.layers.last, outputActivation.activation != last.activation
        {
            conflicts.append(
                "--output-activation \(outputActivation.activation.rawValue) (the checkpoint has \(last.activation.rawValue))"
            )
        }
        if let schedule, schedule.schedule != checkpoint.schedule {
            conflicts.append(
                "--schedule \(schedule.text) (the checkpoint has \(ScheduleOption(checkpoint.schedule).text))")
        }
        if !conflicts.isEmpty {
            throw CommandError.invalidOption(
                "\(conflicts.joined(separator: ", ")): a resumed run keeps the network, loss and schedule of its checkpoint; drop these options or start a new run"
            )
        }
    }

    /// Refuses networks that cannot be built or cannot learn what the loss asks: more parameters than
    /// ``largestParameterCount`` (counted without overflow), or binary cross-entropy on outputs that
    /// are not probabilities.
    func checkArchitecture(inputSize: Int, outputSize: Int, loss: Loss, hidden: [Int]) throws {
        let widths = [inputSize] + hidden + [outputSize]
        var total = 0
        for (fanIn, fanOut) in zip(widths, widths.dropFirst()) {
            let (weights, overflow) = (fanIn + 1).multipliedReportingOverflow(by: fanOut)
            let (sum, overflowSum) = total.addingReportingOverflow(weights)
            guard !overflow, !overflowSum, sum <= Self.largestParameterCount else {
                throw CommandError.invalidOption(
                    "--layers \(widths.dropFirst().dropLast().map(String.init).joined(separator: ",")) on \(inputSize) features would need more than \(Self.largestParameterCount) parameters; choose smaller layers"
                )
            }
            total = sum
        }
        let finalActivation = outputActivation?.activation ?? (loss == .binaryCrossEntropy ? .sigmoid : .identity)
        if loss == .binaryCrossEntropy && finalActivation != .sigmoid && finalActivation != .softmax {
            throw CommandError.invalidOption(
                "--loss bce needs probabilities: an output activation of sigmoid (or softmax), not \(finalActivation.rawValue)"
            )
        }
    }

    /// Refuses a run whose network, optimizer state and workspaces would not fit in the memory
    /// available (``MemoryEstimate``), unless `--force`.
    func checkMemory(
        inputSize: Int, outputSize: Int, hidden: [Int], scalarSize: Int, optimizer: OptimizerOption, batchSize: Int?,
        trainingCount: Int
    ) throws {
        let widths = [inputSize] + hidden + [outputSize]
        let slots = optimizer.stateSlots
        let rows = Swift.min(batchSize ?? trainingCount, trainingCount)
        let estimate = MemoryEstimate.trainingBytes(
            widths: widths, scalarSize: scalarSize, bias: !noBias, stateSlots: slots, batchSize: rows)
        try MemoryEstimate.check(
            estimate: estimate, force: force,
            what: "--layers \(hidden.map(String.init).joined(separator: ",")) at batch size \(rows)")
    }

    /// The layers of `--layers`; a parameter whose memory cannot be allocated is an error, not a trap.
    func buildLayers<Scalar: MatrixScalar>(inputSize: Int, outputSize: Int, loss: Loss, hidden: [Int])
        throws(NetworkError) -> [any Layer<Scalar>]
    {
        let weights =
            weightInit?.initializer ?? (activation == .relu || activation == .leakyReLU ? .heNormal : .xavierUniform)
        let biases = biasInit?.initializer ?? .zeros
        let finalActivation = outputActivation?.activation ?? (loss == .binaryCrossEntropy ? .sigmoid : .identity)
        var built: [any Layer<Scalar>] = []
        var width = inputSize
        for size in hidden {
            built.append(
                try Dense<Scalar>.make(
                    inputSize: width, outputSize: size, bias: !noBias, activation: activation.activation,
                    weightInitializer: weights, biasInitializer: biases))
            width = size
        }
        built.append(
            try Dense<Scalar>.make(
                inputSize: width, outputSize: outputSize, bias: !noBias, activation: finalActivation,
                weightInitializer: weights, biasInitializer: biases))
        return built
    }
}

/// `784-256(relu)-128(relu)-10(identity)`.
func describe<Scalar: MatrixScalar>(_ network: Sequential<Scalar>) -> String {
    var text = "\(network.inputSize)", width = network.inputSize
    for layer in network.layers {
        // A sized layer shows its width and activation; one that keeps its input's width (an activation) shows its function.
        width = layer.outputSize(forInputSize: width)
        text +=
            layer.inputSize == nil
            ? "-\(layer.finalActivation.rawValue)" : "-\(width)(\(layer.finalActivation.rawValue))"
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
        /// The score on the --test-split part (or a built-in data set's test set).
        var test: Score?
    }

    static func write(_ history: TrainingHistory, test: Score? = nil, to path: String) throws {
        let content = Content(
            epochs: history.epochCount, loss: history.loss, accuracy: history.metrics[.accuracy],
            validationLoss: history.validationLoss.isEmpty ? nil : history.validationLoss,
            validationAccuracy: history.validationMetrics[.accuracy], learningRate: history.learningRate,
            bestEpoch: history.bestEpoch, stoppedEarly: history.stoppedEarly, test: test)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do {
            try ModelFile.writeAtomically(try encoder.encode(content), to: path)
        } catch let error as NetworkError {
            throw error
        } catch {
            throw CommandError.invalidOption("\(path): cannot write the history: \(error)")
        }
    }
}
