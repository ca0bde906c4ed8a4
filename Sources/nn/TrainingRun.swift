import Foundation
import Network
import Tensor

/// One `nn train` run in one precision: the data and the resolved settings, then build or restore
/// the network, fit, and report.
struct TrainingRun<Scalar: MatrixScalar> {
    let command: TrainCommand
    let resumed: TrainingCheckpoint?
    let initial: ModelFile?
    /// The PyTorch state dict `--init-from` starts from (its Linear layers only).
    let stateDict: TorchStateDict?

    init(
        command: TrainCommand, resuming resumed: TrainingCheckpoint?, from initial: ModelFile?,
        stateDict: TorchStateDict? = nil
    ) {
        self.command = command
        self.resumed = resumed
        self.initial = initial
        self.stateDict = stateDict
    }

    /// Plan → build or restore → fit → report.
    func run() throws {
        let loadStarted = ContinuousClock.now
        let prepared = try TrainingData<Scalar>.prepare(
            command, resuming: resumed, from: initial, stateDict: stateDict)
        let training = (
            inputs: prepared.inputs(prepared.trainingRows),
            targets: try prepared.targets(prepared.trainingRows, prepared.data.name)
        )
        let validation =
            prepared.validationRows.isEmpty
            ? nil
            : (
                inputs: prepared.inputs(prepared.validationRows),
                targets: try prepared.targets(prepared.validationRows, "\(prepared.data.name) validation part").targets
            )
        if let stateDict {
            try checkShapes(
                stateDict, prepared, inputSize: training.inputs.columns, outputSize: training.targets.targets.columns)
        }
        let (network, optimizer, random) = try makeNetwork(
            prepared.plan, inputSize: training.inputs.columns, outputSize: training.targets.targets.columns,
            trainingCount: prepared.trainingRows.count, sampleCount: prepared.data.inputs.rows,
            dataName: command.source.dataset.map { "the built-in data set \($0)" } ?? displayPath(prepared.data.name))
        try checkShapes(
            network, prepared, inputSize: training.inputs.columns, outputSize: training.targets.targets.columns)
        // In an MPI job, DistributedRun.start has divided the cores among this machine's ranks.
        let threads = ThreadDefaults.apply(
            option: command.threads, distributed: command.distributed, network: network,
            batchSize: prepared.plan.batchSize ?? prepared.trainingRows.count)
        let description = ModelDescription(
            prepared, classNames: training.targets.classNames, command: command)
        // A description too large for a model file's header (a million feature names, a huge category
        // value) is known now: refuse it before the training rather than at the save.
        if let save = command.save {
            try description.file(network, includesWeights: false).checkHeaderSize(for: displayPath(save))
        }
        var report = TrainReport(command: command, prepared: prepared, description: description)
        report.threads = threads
        report.printTaskLine()
        // From here on, Ctrl-C ends the run at the end of an epoch.
        Interruption.shared.install()
        report.printHeader(network, firstEpoch: firstEpoch, loadStarted: loadStarted)
        let fitter = Fitter(
            command: command, plan: prepared.plan, description: description, network: network, optimizer: optimizer,
            firstEpoch: firstEpoch, trainingCount: prepared.trainingRows.count, resumedProgress: resumed?.progress)
        let started = ContinuousClock.now
        var generator = random
        let history = try fitter.fit(training.inputs, training.targets, validation: validation, random: &generator)
        let seconds = secondsSince(started)
        Interruption.shared.uninstall()
        // In a job, every rank's step parts go to rank 0 for the summary.
        DistributedRun.gatherStepParts()
        guard DistributedRun.isPrimary else { return }
        try report.finish(network, history: history, seconds: seconds, firstEpoch: firstEpoch)
    }

    /// The epochs the checkpoint has done (0 for a new run).
    var firstEpoch: Int { resumed?.progress.epoch ?? 0 }

    /// The network, optimizer and generator: new, from a model, or as the checkpoint left them.
    func makeNetwork(
        _ plan: ResolvedRun, inputSize: Int, outputSize: Int, trainingCount: Int, sampleCount: Int, dataName: String
    )
        throws -> (
            Sequential<Scalar>, Optimizer<Scalar>, NumpyRandomState
        )
    {
        if let resumed {
            if firstEpoch > plan.epochs {
                throw CommandError.usage(
                    "--epochs \(plan.epochs) is less than the \(firstEpoch) epochs the checkpoint has done; --epochs counts all epochs of the run"
                )
            }
            return try resumed.restore(as: Scalar.self, learningRate: plan.learningRate, schedule: plan.schedule)
        }
        var random = NumpyRandomState(seed: plan.seed)
        let network: Sequential<Scalar>
        if let initial {
            network = initial.network()
        } else {
            // Images keep their shape into the first layer; other data is a row of features.
            let planned = try NetworkBuilder.plan(
                plan.layers, inputShape: plan.imageShape ?? [inputSize], outputSize: outputSize, plan: plan,
                dataName: dataName)
            try NetworkBuilder.checkMemory(
                planned, stack: plan.layers, plan: plan, scalarSize: MemoryLayout<Scalar>.size,
                trainingCount: trainingCount, sampleCount: sampleCount, force: command.force)
            network = Sequential<Scalar>(try NetworkBuilder.layers(planned, plan: plan), generator: &random)
            if let stateDict { try network.loadTorchStateDict(from: stateDict.path) }
        }
        let optimizer = Optimizer<Scalar>(
            plan.optimizerKind, learningRate: plan.learningRate, weightDecay: plan.weightDecay,
            schedule: plan.schedule)
        return (network, optimizer, random)
    }

    /// Refuses data whose width does not fit a state dict's first and last Linear layers, naming both shapes.
    func checkShapes(_ stateDict: TorchStateDict, _ prepared: TrainingData<Scalar>, inputSize: Int, outputSize: Int)
        throws
    {
        let first = stateDict.linears.first!, last = stateDict.linears.last!
        guard first.inputSize != inputSize || last.outputSize != outputSize else { return }
        throw CommandError.dataMismatch(
            "\(prepared.data.name): \(inputSize) features and \(outputSize) target columns (inputs (samples, \(inputSize)), targets (samples, \(outputSize))), but the state dict \(stateDict.path) takes \(first.inputSize) inputs ('\(first.name).weight' [\(first.outputSize), \(first.inputSize)]) and gives \(last.outputSize) outputs ('\(last.name).weight' [\(last.outputSize), \(last.inputSize)]); train from it on data with those widths"
        )
    }

    /// Refuses data whose width does not fit a checkpoint's or model's network.
    func checkShapes(_ network: Sequential<Scalar>, _ prepared: TrainingData<Scalar>, inputSize: Int, outputSize: Int)
        throws
    {
        guard network.inputSize != inputSize || network.outputSize != outputSize else { return }
        let origin = resumed != nil ? "checkpoint \(command.resume ?? "")" : "model \(command.initFrom ?? "")"
        throw CommandError.dataMismatch(
            "\(prepared.data.name): \(inputSize) features and \(outputSize) target columns, but the \(origin) has \(network.inputSize) inputs and \(network.outputSize) outputs; continue it on data with the same columns"
        )
    }
}

/// Seconds since `start`.
func secondsSince(_ start: ContinuousClock.Instant) -> Double {
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
}

/// What a saved model (and a checkpoint's model) says besides its weights, built in one place: the
/// loss, classes, scaling, feature names, table layout and the run's settings.
struct ModelDescription {
    var loss: Loss
    var classNames: [String]?
    var inputTransform: ModelFile.InputTransform?
    var targetTransform: ModelFile.InputTransform?
    var tableLayout: TableLayout?
    var featureNames: [String]?
    var metadata: [String: String]

    init<Scalar: MatrixScalar>(_ prepared: TrainingData<Scalar>, classNames: [String]?, command: TrainCommand) {
        loss = prepared.loss
        self.classNames = classNames
        inputTransform = prepared.transform
        targetTransform = prepared.targetTransform
        tableLayout = prepared.data.layout
        featureNames = prepared.data.featureNames
        var metadata = prepared.plan.metadata
        metadata["createdBy"] = "nn train"
        metadata["data"] = prepared.data.name
        if let resume = command.resume { metadata["resumedFrom"] = resume }
        if let initFrom = command.initFrom { metadata["initializedFrom"] = initFrom }
        self.metadata = metadata
    }

    /// The model file of `network`; without its weights (only their shapes) when `includesWeights` is false.
    func file<Scalar: MatrixScalar>(_ network: Sequential<Scalar>, includesWeights: Bool = true) -> ModelFile {
        var file = ModelFile(
            network: network, loss: loss, classNames: classNames, inputTransform: inputTransform,
            featureNames: featureNames, metadata: metadata, includesWeights: includesWeights)
        file.targetTransform = targetTransform
        file.tableLayout = tableLayout
        return file
    }

    /// The saved model of `network`, whose weights are those of the `kept` epoch after `epochsRun`
    /// epochs in all: its metadata records both (`keptEpoch`, `epochsRun`) and the kept epoch's scores,
    /// so that `nn info` says which epoch the file holds, as the summary does.
    func file<Scalar: MatrixScalar>(_ network: Sequential<Scalar>, kept: EpochNumbers, epochsRun: Int) -> ModelFile {
        var file = file(network)
        file.metadata.merge(kept.metadata) { _, epoch in epoch }
        Self.record(epochsRun: epochsRun, in: &file)
        return file
    }

    /// Records in a saved model's metadata how many epochs the run had trained (`epochsRun`).
    static func record(epochsRun: Int, in file: inout ModelFile) {
        file.metadata["epochsRun"] = "\(epochsRun)"
    }

    /// A checkpoint of `network` and `optimizer` after `progress`, with this description as its model's.
    func checkpoint<Scalar: MatrixScalar>(
        _ network: Sequential<Scalar>, optimizer: Optimizer<Scalar>, random: NumpyRandomState,
        progress: TrainingProgress
    ) -> TrainingCheckpoint {
        var checkpoint = TrainingCheckpoint(
            network: network, loss: loss, optimizer: optimizer, random: random, progress: progress,
            settings: metadata)
        checkpoint.model = file(network)
        return checkpoint
    }
}
