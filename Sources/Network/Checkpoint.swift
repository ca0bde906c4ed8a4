import Foundation
import Tensor

/// Everything needed to continue a training run exactly where it stopped, saved as a binary file
/// (version 3: a JSON document and the matrices as arrays, the layout of model files).
///
/// A checkpoint holds the model (a ``ModelFile``, so its weights, loss, class names, input transform
/// and feature names), the optimizer's settings and state (``Optimizer/state``, ``Optimizer/stepCount``, and
/// every ``Parameter/gradient`` buffer, which for momentum SGD holds the velocity), the shuffling
/// generator's `NumpyRandomState.State`, the epochs done, the history so far and the
/// early-stopping bookkeeping. Values are stored as `Double` (exact for `Float`), so
///
/// ```swift
/// let checkpoint = try TrainingCheckpoint.read(from: "run.checkpoint.json")
/// var (network, optimizer, random) = try checkpoint.restore(as: Float.self)
/// try network.fit(x, y, loss: checkpoint.model.loss, optimizer: optimizer, options: options,
///                 random: &random, resuming: checkpoint.progress, checkpointEvery: nil) { _, _ in }
/// ```
///
/// continues bit for bit as the uninterrupted run would have (same data, batch size and options).
/// Files are written atomically (the package's one atomic writer), so a crash while saving keeps
/// the previous checkpoint.
public struct TrainingCheckpoint: Codable, Sendable, Equatable {
    /// The format name every checkpoint carries.
    public static let formatName = "swift-neural-numerics-checkpoint"
    /// The version this code writes: 3, binary (the JSON document without its matrices, and the
    /// matrices as arrays, as model files keep their weights). Versions 1 and 2 (JSON) are still read.
    public static let currentVersion = 3

    /// Always ``formatName``.
    public var format: String
    /// The file's version (``currentVersion`` when written): 3 is binary; 2 (JSON) holds momentum SGD's
    /// velocity times the momentum in the gradient buffers; version 1 files are still read (their
    /// velocity is scaled on restore).
    public var version: Int
    /// The network, its loss, class names, input transform and feature names.
    public var model: ModelFile
    /// The optimizer's rule.
    public var optimizerKind: OptimizerKind
    /// The optimizer's base learning rate.
    public var baseLearningRate: Double
    /// The optimizer's L2 penalty.
    public var weightDecay: Double
    /// The learning-rate schedule.
    public var schedule: LearningRateSchedule
    /// ``Optimizer/state``, per parameter.
    public var optimizerState: [[Matrix<Double>]]
    /// ``Optimizer/stepCount``.
    public var stepCount: Int
    /// Every parameter's gradient buffer (the velocity for momentum SGD), in parameter order.
    public var gradients: [Matrix<Double>]
    /// The shuffling generator's state after the last completed epoch.
    public var random: NumpyRandomState.State
    /// The epochs done, the history and the early-stopping state.
    public var progress: TrainingProgress
    /// Free-form settings of the run (the command line stores its options here).
    public var settings: [String: String]

    /// Captures a run between epochs.
    public init<Scalar: MatrixScalar>(
        network: Sequential<Scalar>, loss: Loss, optimizer: Optimizer<Scalar>, random: NumpyRandomState,
        progress: TrainingProgress, classNames: [String]? = nil, inputTransform: ModelFile.InputTransform? = nil,
        featureNames: [String]? = nil, settings: [String: String] = [:]
    ) {
        format = Self.formatName
        version = Self.currentVersion
        model = ModelFile(
            network: network, loss: loss, classNames: classNames, inputTransform: inputTransform,
            featureNames: featureNames,
            metadata: settings)
        optimizerKind = optimizer.kind
        baseLearningRate = optimizer.baseLearningRate
        weightDecay = optimizer.weightDecay
        schedule = optimizer.schedule
        optimizerState = optimizer.state.map { $0.map { Matrix<Double>($0) } }
        stepCount = optimizer.stepCount
        gradients = network.parameters.map { Matrix<Double>($0.gradient) }
        self.random = random.state
        self.progress = progress
        self.settings = settings
    }

    /// Writes the checkpoint to `path` (version 3, binary), atomically (temporary file, then rename),
    /// streaming its matrices.
    public func write(to path: String) throws(NetworkError) {
        try writeBinary(to: path)
    }

    /// Reads a checkpoint and checks its format, version and model.
    ///
    /// - Throws: ``NetworkError/invalidCheckpoint(_:)`` naming the file and what is wrong.
    public static func read(from path: String) throws(NetworkError) -> TrainingCheckpoint {
        let binary: ArrayFile.Reader?
        do { binary = try ArrayFile.reader(ifArrayFile: path) } catch {
            throw .invalidCheckpoint(
                "\(path): not a checkpoint written by 'nn train --checkpoint-every' (\(error.reason))")
        }
        if let binary { return try checked(decodeBinary(binary, path: path), path: path) }
        let data: Data
        switch ModelFile.contents(of: path) {
        case .success(let read): data = read
        case .failure(let failure): throw .invalidCheckpoint("\(path): \(failure.reason)")
        }
        return try decode(data, path: path)
    }

    /// Decodes checkpoint JSON and checks its format, version, model and progress; `path` names the
    /// source in errors.
    ///
    /// - Throws: ``NetworkError/invalidCheckpoint(_:)`` naming the source and what is wrong.
    public static func decode(_ data: Data, path: String) throws(NetworkError) -> TrainingCheckpoint {
        let binary: ArrayFile.Reader?
        do { binary = try ArrayFile.reader(ifArrayFile: data) } catch {
            throw .invalidCheckpoint(
                "\(path): not a checkpoint written by 'nn train --checkpoint-every' (\(error.reason))")
        }
        if let binary { return try checked(decodeBinary(binary, path: path), path: path) }
        if let problem = ModelFile.unrecognizedContents(data) {
            throw .invalidCheckpoint("\(path): not a checkpoint written by 'nn train --checkpoint-every': \(problem)")
        }
        let checkpoint: TrainingCheckpoint
        do {
            checkpoint = try JSONDecoder().decode(TrainingCheckpoint.self, from: data)
        } catch {
            throw .invalidCheckpoint("\(path): not a checkpoint written by 'nn train --checkpoint-every' (\(error))")
        }
        return try checked(checkpoint, path: path)
    }

    /// Checks a decoded checkpoint's format, version, model and fields.
    static func checked(_ checkpoint: TrainingCheckpoint, path: String) throws(NetworkError) -> TrainingCheckpoint {
        guard checkpoint.format == formatName else {
            throw .invalidCheckpoint("\(path): format is '\(checkpoint.format)', expected '\(formatName)'")
        }
        guard (1...currentVersion).contains(checkpoint.version) else {
            throw .invalidCheckpoint(
                "\(path): version \(checkpoint.version) is not supported (this build reads 1 to \(currentVersion))")
        }
        do {
            try checkpoint.model.validate(path: path)
        } catch {
            throw .invalidCheckpoint("\(error)")
        }
        try checkpoint.validateFields(path: path)
        return checkpoint
    }

    /// Rebuilds the network (with its gradient buffers), the optimizer (with its state) and the generator.
    ///
    /// A resumed run may change what PyTorch lets a run change in a loaded optimizer's parameter
    /// groups: the base learning rate and the schedule. Either left `nil` keeps the checkpoint's.
    ///
    /// - Throws: ``NetworkError/invalidCheckpoint(_:)`` when the saved state does not fit the network;
    ///   ``NetworkError/cannotAllocate(what:bytes:)`` when the parameters or the optimizer's state cannot
    ///   be allocated.
    public func restore<Scalar: MatrixScalar>(
        as type: Scalar.Type = Scalar.self, learningRate: Double? = nil, schedule: LearningRateSchedule? = nil
    ) throws(NetworkError) -> (network: Sequential<Scalar>, optimizer: Optimizer<Scalar>, random: NumpyRandomState) {
        let network: Sequential<Scalar> = try model.makeNetwork()
        let parameters = network.parameters
        guard gradients.count == parameters.count,
            zip(gradients, parameters).allSatisfy({ $0.shape == $1.value.shape })
        else {
            throw .invalidCheckpoint(
                "the saved gradient buffers do not match the network's \(parameters.count) parameters")
        }
        // Version 1 (nn 0.1.0) kept momentum SGD's velocity itself in the gradient buffers;
        // versions 2 and 3 keep it times the momentum, as the update leaves it (Optimizer.gradientRetention).
        var bufferScale = 1.0
        if version == 1, case .sgd(let momentum, let nesterov) = optimizerKind, !nesterov { bufferScale = momentum }
        for (parameter, gradient) in zip(parameters, gradients) {
            parameter.gradient = Matrix<Scalar>(gradient * bufferScale)
        }
        let optimizer = Optimizer<Scalar>(
            optimizerKind, learningRate: learningRate ?? baseLearningRate, weightDecay: weightDecay,
            schedule: schedule ?? self.schedule)
        try optimizer.restore(
            state: optimizerState.map { $0.map { Matrix<Scalar>($0) } }, stepCount: stepCount, for: parameters)
        let random: NumpyRandomState
        do {
            random = try NumpyRandomState(state: self.random)
        } catch {
            throw .invalidCheckpoint("the saved random state is invalid: \(error)")
        }
        if let stopping = progress.earlyStopping {
            // The parameters, then the layers' buffers, as `fit` keeps them.
            let kept = parameters + network.layers.flatMap { $0.buffers }
            guard stopping.bestWeights.count == kept.count,
                zip(stopping.bestWeights, kept).allSatisfy({ $0.shape == $1.value.shape })
            else {
                throw .invalidCheckpoint("the saved best weights do not match the network's parameters and buffers")
            }
        }
        return (network, optimizer, random)
    }
}

extension Sequential {
    /// Trains as ``fit(_:_:loss:optimizer:options:validation:random:)`` does, from `resuming` when
    /// given, calling `checkpoint` every `checkpointEvery` epochs (and after the last epoch, and when
    /// early stopping ends the run) with the progress so far and the generator's state.
    ///
    /// Both `fit`s run the same driver; this one starts from saved progress and consumes its
    /// epoch-end events to write checkpoints. The optimizer, the parameters' gradient buffers and
    /// `random` carry the state, so a run stopped after a checkpoint and resumed from it
    /// (``TrainingCheckpoint``) gives the same weights bit for bit as one uninterrupted call. The
    /// early-stopping record is kept in the progress, and a run that early stopping ended goes on when
    /// `options.earlyStoppingPatience` is larger than the epochs it waited (or nil). `options.epochs`
    /// is the total number of epochs, including those already done; `options.initialEpoch` is not used
    /// (the progress says where to start).
    ///
    /// - Throws: what ``fit(_:_:loss:optimizer:options:validation:random:)`` throws, and what
    ///   `checkpoint` throws. A non-finite loss stops the run; checkpoints already written stay intact.
    @discardableResult
    public func fit(
        _ inputs: Matrix<Scalar>, _ targets: Matrix<Scalar>, loss: Loss, optimizer: Optimizer<Scalar>,
        options: TrainingOptions, validation: (inputs: Matrix<Scalar>, targets: Matrix<Scalar>)? = nil,
        random: inout NumpyRandomState, resuming: TrainingProgress?, checkpointEvery: Int?,
        checkpoint: @escaping (TrainingProgress, NumpyRandomState) throws(NetworkError) -> Void
    ) throws(NetworkError) -> TrainingHistory {
        var progress = resuming ?? TrainingProgress()
        // Early stopping's patience may change on resume: the run goes on (or stops) under the new one.
        if resuming != nil { progress.applyPatience(options.earlyStoppingPatience) }
        let interval = checkpointEvery.map { Swift.max(1, $0) }
        // Checkpointing consumes the driver's epoch-end events: every `interval` epochs, at the last
        // epoch and when early stopping ends the run.
        var consumer: EpochEndConsumer?
        if let interval {
            let lastEpoch = options.epochs
            consumer = { (progress: TrainingProgress, random: NumpyRandomState) throws(NetworkError) -> Void in
                if progress.epoch % interval == 0 || progress.epoch == lastEpoch || progress.history.stoppedEarly {
                    try checkpoint(progress, random)
                }
            }
        }
        try run(
            inputs, targets, loss: loss, optimizer: optimizer, options: options, validation: validation,
            random: &random,
            progress: &progress, endEpoch: options.epochs, epochEnded: consumer)
        return progress.history
    }
}
