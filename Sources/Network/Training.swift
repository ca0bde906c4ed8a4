import Tensor

/// A metric reported for each epoch besides the loss.
public enum Metric: String, Codable, CaseIterable, Sendable {
    /// The fraction of samples classified right: the largest output against the one-hot target's
    /// largest entry, or, for a single output, the output rounded at 0.5 against the target.
    case accuracy
    /// The mean absolute difference between outputs (after the loss's link, such as softmax) and targets.
    case meanAbsoluteError
}

/// The per-epoch record of a training run.
public struct TrainingHistory: Codable, Sendable, Equatable {
    /// The training loss of each epoch, over its rows: the row-weighted mean of its mini-batch losses
    /// (their sum for a loss that sums over samples), as ``Sequential/evaluate(_:_:loss:metrics:batchSize:)``
    /// adds up batches; for full-batch training, the loss before that epoch's update.
    public var loss: [Double] = []
    /// Each epoch's training metrics, by metric, over the epoch's rows (accuracy is correct rows over rows).
    public var metrics: [Metric: [Double]] = [:]
    /// The loss on the validation data after each epoch, if there was validation data.
    public var validationLoss: [Double] = []
    /// The validation metrics after each epoch.
    public var validationMetrics: [Metric: [Double]] = [:]
    /// The learning rate used in each epoch.
    public var learningRate: [Double] = []
    /// The epoch (from 0) whose weights the network holds at the end when early stopping restored the best.
    public var bestEpoch: Int?
    /// Whether early stopping ended the run before the last epoch.
    public var stoppedEarly = false

    /// Creates an empty history.
    public init() {}

    /// The number of epochs recorded.
    public var epochCount: Int { loss.count }
}

/// What the progress callbacks are told after each batch.
public struct BatchProgress: Sendable {
    /// The epoch, from 0.
    public let epoch: Int
    /// The batch within the epoch, from 0.
    public let batch: Int
    /// The number of batches in an epoch.
    public let batchCount: Int
    /// This batch's loss.
    public let loss: Double
    /// The loss of the epoch's rows so far (row-weighted, as the epoch's loss).
    public let runningLoss: Double
    /// The running accuracy of the epoch so far, if accuracy is measured.
    public let runningAccuracy: Double?
    /// Samples processed in this epoch so far.
    public let samplesSeen: Int
}

/// What the progress callbacks are told after each epoch.
public struct EpochSummary: Sendable {
    /// The epoch, from 0.
    public let epoch: Int
    /// The number of the last epoch the run will make at most, plus one.
    public let epochCount: Int
    /// This epoch's training loss over its rows (see ``TrainingHistory/loss``).
    public let loss: Double
    /// This epoch's training metrics.
    public let metrics: [Metric: Double]
    /// The validation loss after this epoch, if there is validation data.
    public let validationLoss: Double?
    /// The validation metrics after this epoch.
    public let validationMetrics: [Metric: Double]
    /// The learning rate used in this epoch.
    public let learningRate: Double
}

/// How ``Sequential/fit(_:_:loss:optimizer:options:validation:random:)`` trains.
public struct TrainingOptions: Sendable {
    /// Epochs to train (a full pass over the training data each).
    public var epochs: Int
    /// Rows per mini-batch; `nil` or anything at least the sample count trains full-batch.
    public var batchSize: Int?
    /// Whether mini-batches are reshuffled each epoch (with the numpy-compatible generator).
    public var shuffle: Bool
    /// Metrics measured besides the loss.
    public var metrics: [Metric]
    /// The fraction of samples, taken from the end before any shuffling (as Keras does), held out for validation.
    public var validationSplit: Double
    /// Stop when the monitored loss (validation loss if there is validation data, else training loss)
    /// has not improved for this many epochs; `nil` never stops early.
    public var earlyStoppingPatience: Int?
    /// With early stopping, how much the monitored loss must fall below the best so far for an epoch
    /// to count as an improvement (scikit-learn's `tol`); 0 counts any fall.
    public var earlyStoppingTolerance: Double
    /// With early stopping, put back the weights of the best epoch at the end.
    public var restoresBestWeights: Bool
    /// The epoch to start from (a resumed run continues its count).
    public var initialEpoch: Int
    /// Called after every batch (keep it cheap).
    public var onBatchEnd: (@Sendable (BatchProgress) -> Void)?
    /// Called after every epoch.
    public var onEpochEnd: (@Sendable (EpochSummary) -> Void)?
    /// Prints one line per epoch (loss, metrics, validation, seconds), as Keras's `verbose=2` does;
    /// `nil`, the default, prints nothing. It runs after ``onEpochEnd``.
    public var progress: ProgressPrinter?
    /// Whether training runs with subnormal numbers flushed to zero on every thread it uses (Tensor's
    /// `withFlushToZero`); `nil`, the default, means the precision's default
    /// (``Precision/flushesSubnormalsToZeroByDefault``): on for `Float`, off for `Double`.
    public var flushesSubnormalsToZero: Bool?

    /// Options with the given epochs and defaults for everything else.
    public init(
        epochs: Int, batchSize: Int? = nil, shuffle: Bool = true, metrics: [Metric] = [],
        validationSplit: Double = 0, earlyStoppingPatience: Int? = nil, earlyStoppingTolerance: Double = 0,
        restoresBestWeights: Bool = true, initialEpoch: Int = 0,
        onBatchEnd: (@Sendable (BatchProgress) -> Void)? = nil, onEpochEnd: (@Sendable (EpochSummary) -> Void)? = nil,
        progress: ProgressPrinter? = nil, flushesSubnormalsToZero: Bool? = nil
    ) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.metrics = metrics
        self.validationSplit = validationSplit
        self.earlyStoppingPatience = earlyStoppingPatience
        self.earlyStoppingTolerance = earlyStoppingTolerance
        self.restoresBestWeights = restoresBestWeights
        self.initialEpoch = initialEpoch
        self.onBatchEnd = onBatchEnd
        self.onEpochEnd = onEpochEnd
        self.progress = progress
        self.flushesSubnormalsToZero = flushesSubnormalsToZero
    }

    /// Whether a network of `Scalar`s trains with subnormal numbers flushed to zero under these options.
    public func flushesSubnormalsToZero<Scalar: MatrixScalar>(for _: Scalar.Type) -> Bool {
        flushesSubnormalsToZero ?? Precision(of: Scalar.self).flushesSubnormalsToZeroByDefault
    }
}

/// The loss and metrics of a network on a data set.
public struct Evaluation: Sendable, Equatable {
    /// The loss (as in training).
    public var loss: Double
    /// The metrics asked for.
    public var metrics: [Metric: Double]
}

extension Sequential {
    /// Trains the network on `inputs` (one sample a row) against `targets` (one row each).
    ///
    /// Each step runs the forward pass, the loss and its gradient, the backward pass, the
    /// ``gradientHook`` if one is set (see ``StepGradients``) and the optimizer's update, all on
    /// buffers of an execution plan made once per call, allocated at the first batch of each size.
    /// Mini-batches are drawn from a permutation made by `random` each epoch, as
    /// `np.random.permutation` would.
    ///
    /// - Parameters:
    ///   - inputs: `(samples, inputSize)`.
    ///   - targets: `(samples, outputSize)`; one-hot rows for classification.
    ///   - loss: the loss to minimise.
    ///   - optimizer: the update rule; its state carries over between calls.
    ///   - options: epochs, batching, validation, early stopping, callbacks.
    ///   - validation: separate validation data `(inputs, targets)`, overriding `options.validationSplit`.
    ///   - random: the generator that shuffles; pass the same one to continue a stream.
    /// - Returns: the per-epoch history.
    /// - Throws: ``NetworkError/shapeMismatch(_:)`` for data that does not fit the network,
    ///   ``NetworkError/invalidConfiguration(_:)`` for settings that cannot work,
    ///   ``NetworkError/nonFiniteLoss(epoch:batch:learningRate:)`` when the loss becomes nan or infinite,
    ///   and ``NetworkError/cannotAllocate(what:bytes:)`` when the gradient block, the optimizer's state
    ///   or a workspace cannot be allocated.
    @discardableResult
    public func fit(
        _ inputs: Matrix<Scalar>, _ targets: Matrix<Scalar>, loss: Loss, optimizer: Optimizer<Scalar>,
        options: TrainingOptions, validation: (inputs: Matrix<Scalar>, targets: Matrix<Scalar>)? = nil,
        random: inout NumpyRandomState
    ) throws(NetworkError) -> TrainingHistory {
        var progress = TrainingProgress(epoch: options.initialEpoch)
        try run(
            inputs, targets, loss: loss, optimizer: optimizer, options: options, validation: validation,
            random: &random,
            progress: &progress, endEpoch: options.initialEpoch + options.epochs, epochEnded: nil)
        return progress.history
    }

    /// The one training driver behind both `fit`s: checks the data, splits off validation rows,
    /// enters concrete `Float`/`Double` code and trains from `progress` (epochs done, history,
    /// early-stopping record) up to `endEpoch`, calling `epochEnded` after each epoch's bookkeeping
    /// (where checkpoints are written).
    func run(
        _ inputs: Matrix<Scalar>, _ targets: Matrix<Scalar>, loss: Loss, optimizer: Optimizer<Scalar>,
        options: TrainingOptions, validation: (inputs: Matrix<Scalar>, targets: Matrix<Scalar>)?,
        random: inout NumpyRandomState, progress: inout TrainingProgress, endEpoch: Int,
        epochEnded: EpochEndConsumer?
    ) throws(NetworkError) {
        try checkInputs(inputs, "fit")
        guard targets.rows == inputs.rows else {
            throw .shapeMismatch("fit: \(inputs.rows) input rows but \(targets.rows) target rows")
        }
        guard targets.columns == outputSize else {
            throw .shapeMismatch(
                "fit: the targets have \(targets.columns) columns (shape \(targets.shapeDescription)) but the network has \(outputSize) outputs"
            )
        }
        if let validation {
            try checkInputs(validation.inputs, "fit (validation data)")
            guard validation.inputs.rows > 0 else {
                throw .invalidConfiguration("fit: the validation data has no samples")
            }
            guard validation.targets.rows == validation.inputs.rows, validation.targets.columns == outputSize else {
                throw .shapeMismatch(
                    "fit: validation targets \(validation.targets.shapeDescription) do not fit validation inputs \(validation.inputs.shapeDescription) and \(outputSize) outputs"
                )
            }
        }
        guard options.epochs >= 0, (options.batchSize ?? 1) >= 1 else {
            throw .invalidConfiguration("fit: epochs must be at least 0 and the batch size at least 1")
        }
        guard options.validationSplit >= 0 && options.validationSplit < 1 else {
            throw .invalidConfiguration("fit: the validation split must be in [0, 1), got \(options.validationSplit)")
        }
        if loss == .softmaxCrossEntropy && finalActivation != .identity && finalActivation != .softmax {
            throw .invalidConfiguration(
                "fit: softmax cross-entropy needs a last layer with identity (logits) or softmax activation, not \(finalActivation.rawValue)"
            )
        }
        var trainingInputs = inputs, trainingTargets = targets
        var validationData = validation
        if validation == nil && options.validationSplit > 0 {
            let split = DataSplit.holdingOutLast(options.validationSplit, of: inputs.rows)
            guard split.isUsable else {
                throw .invalidConfiguration(
                    "fit: a validation split of \(options.validationSplit) leaves no samples on one side of \(inputs.rows)"
                )
            }
            validationData = (split.validation(inputs), split.validation(targets))
            trainingInputs = split.training(inputs)
            trainingTargets = split.training(targets)
        }
        guard trainingInputs.rows > 0 else { throw .invalidConfiguration("fit: there are no training samples") }
        trainingLoss = loss
        let options = options.printingProgress()
        if options.flushesSubnormalsToZero(for: Scalar.self) {
            try withFlushToZero { () throws(NetworkError) in
                try trainSpecialized(
                    trainingInputs, trainingTargets, validation: validationData, loss: loss, optimizer: optimizer,
                    options: options, random: &random, progress: &progress, endEpoch: endEpoch, epochEnded: epochEnded)
            }
        } else {
            try trainSpecialized(
                trainingInputs, trainingTargets, validation: validationData, loss: loss, optimizer: optimizer,
                options: options, random: &random, progress: &progress, endEpoch: endEpoch, epochEnded: epochEnded)
        }
    }

    /// ``run(_:_:loss:optimizer:options:validation:random:progress:endEpoch:epochEnded:)``'s training loop on
    /// checked data, entered in concrete `Float` or `Double` code.
    private func trainSpecialized(
        _ trainingInputs: Matrix<Scalar>, _ trainingTargets: Matrix<Scalar>,
        validation validationData: (inputs: Matrix<Scalar>, targets: Matrix<Scalar>)?, loss: Loss,
        optimizer: Optimizer<Scalar>, options: TrainingOptions, random: inout NumpyRandomState,
        progress: inout TrainingProgress, endEpoch: Int, epochEnded: EpochEndConsumer?
    ) throws(NetworkError) {
        try specialized(
            { network throws(NetworkError) in
                try network.train(
                    unsafeBitCast(trainingInputs, to: Matrix<Float>.self),
                    unsafeBitCast(trainingTargets, to: Matrix<Float>.self),
                    loss: loss, optimizer: unsafeDowncast(optimizer, to: Optimizer<Float>.self), options: options,
                    validation: validationData.map {
                        (
                            unsafeBitCast($0.inputs, to: Matrix<Float>.self),
                            unsafeBitCast($0.targets, to: Matrix<Float>.self)
                        )
                    },
                    random: &random, progress: &progress, endEpoch: endEpoch, epochEnded: epochEnded)
            },
            { network throws(NetworkError) in
                try network.train(
                    unsafeBitCast(trainingInputs, to: Matrix<Double>.self),
                    unsafeBitCast(trainingTargets, to: Matrix<Double>.self),
                    loss: loss, optimizer: unsafeDowncast(optimizer, to: Optimizer<Double>.self), options: options,
                    validation: validationData.map {
                        (
                            unsafeBitCast($0.inputs, to: Matrix<Double>.self),
                            unsafeBitCast($0.targets, to: Matrix<Double>.self)
                        )
                    },
                    random: &random, progress: &progress, endEpoch: endEpoch, epochEnded: epochEnded)
            },
            { network throws(NetworkError) in
                try network.train(
                    trainingInputs, trainingTargets, loss: loss, optimizer: optimizer, options: options,
                    validation: validationData, random: &random, progress: &progress, endEpoch: endEpoch,
                    epochEnded: epochEnded)
            })
    }

    /// Trains as ``fit(_:_:loss:optimizer:options:validation:random:)`` does, shuffling (when
    /// `options` asks for mini-batches) with `NumpyRandomState.defaultStream` (seed 0): the form for
    /// full-batch training, which draws nothing, and for runs that need no particular stream.
    ///
    /// - Throws: what ``fit(_:_:loss:optimizer:options:validation:random:)`` throws.
    @discardableResult
    public func fit(
        _ inputs: Matrix<Scalar>, _ targets: Matrix<Scalar>, loss: Loss, optimizer: Optimizer<Scalar>,
        options: TrainingOptions, validation: (inputs: Matrix<Scalar>, targets: Matrix<Scalar>)? = nil
    ) throws(NetworkError) -> TrainingHistory {
        var random = NumpyRandomState.defaultStream
        return try fit(
            inputs, targets, loss: loss, optimizer: optimizer, options: options, validation: validation, random: &random
        )
    }

    /// The loss and metrics of the network on `inputs` against `targets` (a loss of 0 and no metrics
    /// when there are no samples).
    ///
    /// - Throws: ``NetworkError/shapeMismatch(_:)`` when the data does not fit the network;
    ///   ``NetworkError/cannotAllocate(what:bytes:)`` when a batch's workspace cannot be allocated.
    public func evaluate(
        _ inputs: Matrix<Scalar>, _ targets: Matrix<Scalar>, loss: Loss, metrics: [Metric] = [], batchSize: Int = 1024
    ) throws(NetworkError) -> Evaluation {
        try checkInputs(inputs, "evaluate")
        guard targets.rows == inputs.rows, targets.columns == outputSize else {
            throw .shapeMismatch(
                "evaluate: targets \(targets.shapeDescription) do not fit \(inputs.rows) samples and \(outputSize) outputs"
            )
        }
        return try specialized(
            { network throws(NetworkError) in
                try network.evaluateSpecialized(
                    unsafeBitCast(inputs, to: Matrix<Float>.self), unsafeBitCast(targets, to: Matrix<Float>.self),
                    loss: loss, metrics: metrics, batchSize: batchSize)
            },
            { network throws(NetworkError) in
                try network.evaluateSpecialized(
                    unsafeBitCast(inputs, to: Matrix<Double>.self), unsafeBitCast(targets, to: Matrix<Double>.self),
                    loss: loss, metrics: metrics, batchSize: batchSize)
            },
            { network throws(NetworkError) in
                try network.evaluateSpecialized(inputs, targets, loss: loss, metrics: metrics, batchSize: batchSize)
            })
    }

    /// ``evaluate(_:_:loss:metrics:batchSize:)`` with `Scalar` concrete, through `plan` (a training
    /// run's, for its validation data) or a plan of its own.
    func evaluateSpecialized(
        _ inputs: Matrix<Scalar>, _ targets: Matrix<Scalar>, loss: Loss, metrics: [Metric], batchSize: Int,
        plan: ExecutionPlan<Scalar>? = nil
    ) throws(NetworkError) -> Evaluation {
        let size = max(1, min(batchSize, inputs.rows))
        var totalLoss = 0.0
        var totals = [Metric: Double]()
        let width = outputSize
        // No samples: no loss and no metrics (as before the step moved to raw buffers).
        guard inputs.rows > 0 else { return Evaluation(loss: 0, metrics: [:]) }
        let plan = plan ?? self.plan(loss: loss)
        let lossActivation = plan.lossActivation
        try inputs.withUnsafeBufferPointer { (x) throws(NetworkError) in
            try targets.withUnsafeBufferPointer { (y) throws(NetworkError) in
                var start = 0
                while start < inputs.rows {
                    let rows = min(start + size, inputs.rows) - start
                    let workspace = try plan.workspace(batchSize: rows)
                    let batchTargets = y.baseAddress! + start * width
                    plan.forward(x.baseAddress! + start * inputSize, rows: rows, workspace: workspace)
                    let value = loss.valueAndGradient(
                        predictions: workspace.finalOutput, targets: batchTargets, gradient: workspace.finalGradient,
                        rows: rows, columns: width, finalActivation: lossActivation)
                    totalLoss += loss.epochContribution(ofBatchValue: Double(value), rows: rows, totalRows: inputs.rows)
                    for metric in metrics {
                        totals[metric, default: 0] +=
                            measure(
                                metric, outputs: workspace.finalOutput, targets: batchTargets, rows: rows, loss: loss)
                            * Double(rows)
                    }
                    start += rows
                }
            }
        }
        return Evaluation(loss: totalLoss, metrics: totals.mapValues { $0 / Double(inputs.rows) })
    }

    /// The value of `metric` for one batch of outputs (raw row-major `rows × outputSize` buffers).
    func measure(
        _ metric: Metric, outputs o: UnsafePointer<Scalar>, targets t: UnsafePointer<Scalar>, rows: Int, loss: Loss
    ) -> Double {
        let columns = outputSize
        guard rows > 0 else { return 0 }
        switch metric {
        case .accuracy:
            var correct = 0
            let threshold: Scalar = finalActivation == .tanh ? 0 : 0.5
            for row in 0..<rows {
                let start = row &* columns
                if columns == 1 {
                    let predicted: Scalar = loss == .softmaxCrossEntropy ? 1 : (o[start] >= threshold ? 1 : 0)
                    let actual: Scalar = t[start] >= threshold ? 1 : 0
                    if predicted == actual { correct += 1 }
                } else {
                    var bestOutput = start, bestTarget = start
                    for index in start..<(start &+ columns) {
                        if o[index] > o[bestOutput] { bestOutput = index }
                        if t[index] > t[bestTarget] { bestTarget = index }
                    }
                    if bestOutput == bestTarget { correct += 1 }
                }
            }
            return Double(correct) / Double(rows)
        case .meanAbsoluteError:
            var total = 0.0
            if loss == .softmaxCrossEntropy && finalActivation == .identity {
                // The outputs are logits: compare their softmax, row by row, without storing it.
                let logits = StridedView(reading: o, rows: rows, columns: columns)
                for row in 0..<rows {
                    let (largest, logSum) = logits.logSumExp(row: row)
                    let z = logits.row(row), y = t + row &* columns
                    for index in 0..<columns {
                        total += Double(Swift.abs(Scalar.exp(z[index] - largest - logSum) - y[index]))
                    }
                }
            } else {
                for index in 0..<(rows &* columns) { total += Double(Swift.abs(o[index] - t[index])) }
            }
            return total / Double(rows &* columns)
        }
    }

    /// The training loop, run with `Scalar` concrete (see ``specialized(_:_:_:)``).
    func train(
        _ inputs: Matrix<Scalar>, _ targets: Matrix<Scalar>, loss: Loss, optimizer: Optimizer<Scalar>,
        options: TrainingOptions, validation: (inputs: Matrix<Scalar>, targets: Matrix<Scalar>)?,
        random: inout NumpyRandomState, progress: inout TrainingProgress, endEpoch: Int, epochEnded: EpochEndConsumer?
    ) throws(NetworkError) {
        // The data's addresses are taken once for the whole run; every step reads through them.
        try inputs.withUnsafeBufferPointer { (x) throws(NetworkError) in
            try targets.withUnsafeBufferPointer { (y) throws(NetworkError) in
                try train(
                    x.baseAddress!, y.baseAddress!, sampleCount: inputs.rows, loss: loss, optimizer: optimizer,
                    options: options, validation: validation, random: &random, progress: &progress, endEpoch: endEpoch,
                    epochEnded: epochEnded)
            }
        }
    }

    /// The training loop on the data's raw row-major buffers.
    func train(
        _ inputs: UnsafePointer<Scalar>, _ targets: UnsafePointer<Scalar>, sampleCount: Int, loss: Loss,
        optimizer: Optimizer<Scalar>, options: TrainingOptions,
        validation: (inputs: Matrix<Scalar>, targets: Matrix<Scalar>)?, random: inout NumpyRandomState,
        progress: inout TrainingProgress, endEpoch: Int, epochEnded: EpochEndConsumer?
    ) throws(NetworkError) {
        let batchSize = min(options.batchSize ?? sampleCount, sampleCount)
        let fullBatch = batchSize == sampleCount
        let batchCount = (sampleCount + batchSize - 1) / batchSize
        let plan = plan(loss: loss, gradientRetention: optimizer.gradientRetention)
        let lossActivation = plan.lossActivation
        let parameters = self.parameters
        // What early stopping keeps of the best epoch: the parameters, then the layers' buffers (batch
        // normalization's running statistics), so the restored model is the best epoch's whole.
        let keptArrays = parameters + layers.flatMap { $0.buffers }
        // The gradients, then the step's statistics (loss, metrics), in one block for the hook.
        let statisticCount = 1 + options.metrics.count
        let (gradientBase, gradientCount) = try contiguousGradients(statisticCount: statisticCount)
        let hook = gradientHook
        let parallel = hook as? any DataParallelHook<Scalar>
        var stepMetrics = [Double](repeating: 0, count: options.metrics.count)
        // The step's loss and metrics, after the gradients in the block the hook sees.
        func writeStatistics(value: Double, metrics: [Double]) {
            let statistics = gradientBase + gradientCount
            statistics[0] = Scalar(value)
            for index in metrics.indices { statistics[1 + index] = Scalar(metrics[index]) }
        }
        func stepGradients(epoch: Int, batch: Int, rows: Int) -> StepGradients<Scalar> {
            StepGradients(
                base: gradientBase, gradientCount: gradientCount, statisticCount: statisticCount, epoch: epoch,
                batch: batch, batchSize: rows)
        }
        // The parameters outlive the run (the layers hold them), and the optimizer its state, so
        // their raw views stay valid.
        var slots = try optimizer.slots(for: parameters)
        if let parallel {
            // Every member starts from the leader's state; restoring it replaces the state buffers.
            try parallel.trainingBegins(self, loss: loss, optimizer: optimizer, random: &random)
            slots = try optimizer.slots(for: parameters)
        }
        let inputWidth = inputSize, outputWidth = outputSize
        var metricTotals = [Double](repeating: 0, count: options.metrics.count)
        var epochMetrics = [Metric: Double](minimumCapacity: options.metrics.count)
        // The lists grow without reallocating in the loop, reserved no further than a long run needs
        // at first. The metric lists are taken out of the history's dictionaries for the run (hashing
        // a metric every epoch costs a tenth of notebook 000's full-batch epoch) and put back for the
        // epoch-end consumer and at the end; every metric gets its (possibly empty) list.
        let reserved = Swift.min(Swift.max(endEpoch - progress.epoch, 0), 1 << 16)
        progress.history.loss.reserveCapacity(progress.history.loss.count + reserved)
        progress.history.learningRate.reserveCapacity(progress.history.learningRate.count + reserved)
        var metricLists = options.metrics.map { progress.history.metrics.removeValue(forKey: $0) ?? [] }
        var validationMetricLists =
            validation == nil
            ? [] : options.metrics.map { progress.history.validationMetrics.removeValue(forKey: $0) ?? [] }
        for index in metricLists.indices { metricLists[index].reserveCapacity(metricLists[index].count + reserved) }
        for index in validationMetricLists.indices {
            validationMetricLists[index].reserveCapacity(validationMetricLists[index].count + reserved)
        }
        func lendMetricLists() {
            for (index, metric) in options.metrics.enumerated() {
                progress.history.metrics[metric] = metricLists[index]
                if validation != nil { progress.history.validationMetrics[metric] = validationMetricLists[index] }
            }
        }
        func takeBackMetricLists() {
            for (index, metric) in options.metrics.enumerated() {
                metricLists[index] = progress.history.metrics.removeValue(forKey: metric) ?? []
                if validation != nil {
                    validationMetricLists[index] = progress.history.validationMetrics.removeValue(forKey: metric) ?? []
                }
            }
        }
        defer { lendMetricLists() }

        let startEpoch = progress.epoch
        while progress.epoch < endEpoch && !progress.history.stoppedEarly {
            let epoch = progress.epoch
            optimizer.beginEpoch(epoch)
            if plan.drawsRandomNumbers { plan.beginEpoch(random: &random) }
            let order: [Int]? =
                fullBatch ? nil : (options.shuffle ? random.permutation(sampleCount) : Array(0..<sampleCount))
            var lossTotal = 0.0
            for index in metricTotals.indices { metricTotals[index] = 0 }
            var samplesSeen = 0
            for batch in 0..<batchCount {
                let batchStart = batch * batchSize, end = min(batchStart + batchSize, sampleCount)
                // A data-parallel member computes only its share of the batch (see DataParallelHook).
                let share = parallel?.share(of: batchStart..<end) ?? batchStart..<end
                let start = share.lowerBound, rows = share.count
                var value = 0.0
                if rows > 0 {
                    let workspace = try plan.workspace(batchSize: rows)
                    let batchInputs: UnsafePointer<Scalar>
                    let batchTargets: UnsafePointer<Scalar>
                    if let order {
                        let gatheredInputs = workspace.inputs, gatheredTargets = workspace.targets
                        order.withUnsafeBufferPointer { order in
                            let samples = order.baseAddress! + start
                            StridedView(gatheredInputs, rows: rows, columns: inputWidth).gatherRows(
                                from: StridedView(reading: inputs, rows: sampleCount, columns: inputWidth),
                                rowIndices: samples)
                            StridedView(gatheredTargets, rows: rows, columns: outputWidth).gatherRows(
                                from: StridedView(reading: targets, rows: sampleCount, columns: outputWidth),
                                rowIndices: samples)
                        }
                        batchInputs = UnsafePointer(gatheredInputs)
                        batchTargets = UnsafePointer(gatheredTargets)
                    } else {
                        batchInputs = inputs + start &* inputWidth
                        batchTargets = targets + start &* outputWidth
                    }
                    plan.forward(batchInputs, rows: rows, workspace: workspace, mode: .training)
                    value = Double(
                        loss.valueAndGradient(
                            predictions: workspace.finalOutput, targets: batchTargets,
                            gradient: workspace.finalGradient,
                            rows: rows, columns: outputWidth, finalActivation: lossActivation))
                    // With a hook, the loss is checked after it, on the value every replica then shares.
                    guard value.isFinite || hook != nil else {
                        throw .nonFiniteLoss(epoch: epoch, batch: batch, learningRate: optimizer.learningRate)
                    }
                    for (index, metric) in options.metrics.enumerated() {
                        stepMetrics[index] = measure(
                            metric, outputs: workspace.finalOutput, targets: batchTargets, rows: rows, loss: loss)
                    }
                    if let hook {
                        // The statistics go into the block first: the hook may send each layer's
                        // gradients, the last layer's with the statistics, as the backward pass
                        // produces them.
                        writeStatistics(value: value, metrics: stepMetrics)
                        plan.backward(
                            batchInputs, rows: rows, workspace: workspace, hook: hook,
                            gradients: stepGradients(epoch: epoch, batch: batch, rows: rows))
                    } else {
                        plan.backward(batchInputs, rows: rows, workspace: workspace)
                    }
                } else {
                    for index in stepMetrics.indices { stepMetrics[index] = 0 }
                    if hook != nil { writeStatistics(value: value, metrics: stepMetrics) }
                }
                if let hook {
                    // The gradients are complete: the hook sees them and the statistics, and the step
                    // goes on with what it leaves.
                    let statistics = gradientBase + gradientCount
                    try hook.gradientsComplete(stepGradients(epoch: epoch, batch: batch, rows: rows))
                    value = Double(statistics[0])
                    for index in stepMetrics.indices { stepMetrics[index] = Double(statistics[1 + index]) }
                    guard value.isFinite else {
                        throw .nonFiniteLoss(epoch: epoch, batch: batch, learningRate: optimizer.learningRate)
                    }
                }
                // Weighted by rows, as evaluate weighs its batches: an epoch's accuracy is its correct
                // rows over its rows, and its loss the loss of its rows, whatever the batch size.
                let batchRows = end - batchStart
                for index in stepMetrics.indices { metricTotals[index] += stepMetrics[index] * Double(batchRows) }
                optimizer.update(slots: slots)
                lossTotal += loss.epochContribution(ofBatchValue: value, rows: batchRows, totalRows: sampleCount)
                samplesSeen += batchRows
                if let onBatchEnd = options.onBatchEnd {
                    let accuracyIndex = options.metrics.firstIndex(of: .accuracy)
                    onBatchEnd(
                        BatchProgress(
                            epoch: epoch, batch: batch, batchCount: batchCount, loss: value,
                            runningLoss: loss.sumsOverSamples
                                ? lossTotal : lossTotal * Double(sampleCount) / Double(samplesSeen),
                            runningAccuracy: accuracyIndex.map { metricTotals[$0] / Double(samplesSeen) },
                            samplesSeen: samplesSeen))
                }
            }
            let epochLoss = lossTotal
            // Weights that overflowed are refused before an epoch-end consumer (a checkpoint) sees them;
            // without one, once after the last update (below): per epoch it cost XOR's one-step epochs 8%.
            if epochEnded != nil {
                try checkWeightsAreFinite(parameters, epoch: epoch, learningRate: optimizer.learningRate)
            }
            progress.history.loss.append(epochLoss)
            for index in metricLists.indices { metricLists[index].append(metricTotals[index] / Double(sampleCount)) }
            progress.history.learningRate.append(optimizer.learningRate)
            var monitored = epochLoss
            var validationEvaluation: Evaluation?
            if let validation {
                // A data-parallel member evaluates its share, and the hook sums the members' results.
                let evaluation: Evaluation
                if let parallel {
                    let summed = try parallel.evaluate(
                        self, validation, loss: loss, metrics: options.metrics, batchSize: max(batchSize, 256))
                    evaluation = Evaluation(loss: summed.loss, metrics: summed.metrics)
                } else {
                    evaluation = try evaluateSpecialized(
                        validation.inputs, validation.targets, loss: loss, metrics: options.metrics,
                        batchSize: max(batchSize, 256), plan: plan)
                }
                progress.history.validationLoss.append(evaluation.loss)
                for (index, metric) in options.metrics.enumerated() {
                    validationMetricLists[index].append(evaluation.metrics[metric] ?? 0)
                }
                monitored = evaluation.loss
                validationEvaluation = evaluation
            }
            if let onEpochEnd = options.onEpochEnd {
                // Updated in place: after the first epoch the keys exist, so the dictionary is not
                // reallocated (a full-batch epoch is one step, which must allocate nothing).
                for (index, metric) in options.metrics.enumerated() {
                    epochMetrics[metric] = metricTotals[index] / Double(sampleCount)
                }
                onEpochEnd(
                    EpochSummary(
                        epoch: epoch, epochCount: endEpoch, loss: epochLoss, metrics: epochMetrics,
                        validationLoss: validationEvaluation?.loss,
                        validationMetrics: validationEvaluation?.metrics ?? [:],
                        learningRate: optimizer.learningRate))
            }
            progress.epoch += 1
            if let patience = options.earlyStoppingPatience {
                progress.recordForEarlyStopping(
                    monitored: monitored, epoch: epoch, patience: patience, tolerance: options.earlyStoppingTolerance,
                    weights: options.restoresBestWeights ? keptArrays.map { Matrix<Double>($0.value) } : [])
            }
            if let epochEnded {
                lendMetricLists()
                defer { takeBackMetricLists() }
                try epochEnded(progress, random)
            }
        }
        if epochEnded == nil && progress.epoch > startEpoch {
            try checkWeightsAreFinite(parameters, epoch: progress.epoch - 1, learningRate: optimizer.learningRate)
        }
        if options.earlyStoppingPatience != nil && options.restoresBestWeights, let stopping = progress.earlyStopping,
            stopping.bestWeights.count == keptArrays.count
        {
            for (array, value) in zip(keptArrays, stopping.bestWeights) { array.value = Matrix<Scalar>(value) }
            progress.history.bestEpoch = stopping.bestEpoch
        }
    }
}
