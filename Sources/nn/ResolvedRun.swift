import Foundation
import Network
import Tensor

/// Where a setting of a run came from.
enum SettingSource: String, Encodable {
    /// Given on the command line.
    case option
    /// The default for tables (``TrainDefaults/table``).
    case tableDefault = "table default"
    /// The default for built-in data sets and IDX images (``TrainDefaults/builtIn``).
    case builtInDefault = "built-in data set default"
    /// Kept from the checkpoint a run resumes.
    case checkpoint
    /// Kept from the model `--init-from` starts from.
    case model
    /// Read from the PyTorch state dict `--init-from` starts from (the layer sizes, bias, precision).
    case stateDict = "state dict"
    /// Inferred from the data (the task, the loss).
    case data = "inferred from the data"
    /// The precision's default (flushing subnormals to zero: `Precision.flushesSubnormalsToZeroByDefault`).
    case precisionDefault = "precision default"
}

/// One setting of a run as the run uses it: the header, `--json`, the history file and the saved
/// model's metadata (which `nn info` prints) all show this value.
struct RunSetting: Encodable {
    /// The key in `--json`, the history file and the model's metadata (`learningRate`).
    var key: String
    /// The value as the command line writes it (`0.001`, `full`, `he-normal`).
    var value: String
    var source: SettingSource
    /// On resume, the checkpoint's value when this run changed it.
    var checkpointValue: String?
}

/// Every setting of a training run, resolved once from the options, the data's kind and, on resume,
/// the checkpoint (or with `--init-from`, the model). Each setting knows where it came from.
///
/// Resuming follows PyTorch's and Keras's semantics: the learning rate, the epochs, early stopping
/// and the schedule may change (an optimizer's parameter groups can be edited after loading); every
/// other setting shapes the network, the optimizer's state or the data's split, so an option that
/// asks for another value than the checkpoint's is refused (exit 64), naming the checkpoint's value.
///
/// **A new training option**: its `@Option` in `TrainCommand.swift`, and its line in
/// ``resolve(_:table:task:loss:sampleCount:checkpoint:model:stateDict:)`` here (value, default, resume rule);
/// the reports print every setting from ``settings``.
struct ResolvedRun {
    var table: Bool
    var task: TaskOption
    var loss: Loss
    var precision = TrainDefaults.precision
    /// The hidden layers (`--layers`); nn adds the output layer.
    var layers = LayerStack([])
    /// The shape `[channels, height, width]` of one input image: the data's (IDX images, a built-in
    /// data set of images), `--image-shape`'s, or the checkpoint's or model's; nil for features.
    var imageShape: [Int]?
    var activation = TrainDefaults.activation
    var outputActivation = Activation.identity
    var bias = true
    var weightInitializer = Initializer.heNormal
    var biasInitializer = Initializer.zeros
    var optimizer = OptimizerOption.adam
    var momentum = TrainDefaults.momentum
    var alpha = TrainDefaults.alpha
    var learningRate = 0.0
    var weightDecay = 0.0
    var schedule = LearningRateSchedule.constant
    /// Rows per mini-batch; nil trains full-batch.
    var batchSize: Int? = nil
    var epochs = 0
    var earlyStopping: Int? = nil
    /// How far the monitored loss must fall for an epoch to count as an improvement.
    var earlyStoppingTolerance = 0.0
    var validationFraction = 0.0
    var testFraction = TrainDefaults.testFraction
    var scale = ScaleOption.none
    var standardizesTargets = false
    var seed = TrainDefaults.seed
    /// Whether training flushes subnormal numbers to zero (`withFlushToZero`).
    var flushesSubnormalsToZero = true
    /// Every setting, in the order the reports print them.
    var settings: [RunSetting] = []

    /// The setting named `key`.
    func setting(_ key: String) -> RunSetting? { settings.first { $0.key == key } }

    /// The update rule with its momentum or smoothing constant.
    var optimizerKind: OptimizerKind {
        switch optimizer {
        case .sgd: return .sgd
        case .momentum: return .sgd(momentum: momentum, nesterov: false)
        case .nesterov: return .sgd(momentum: momentum, nesterov: true)
        case .adam: return .adam
        case .rmsprop: return .rmsprop(alpha: alpha, epsilon: 1e-8, momentum: 0)
        case .adamw: return .adamW
        }
    }

    /// `momentum (0.9)`, `rmsprop (alpha 0.99)`, `adam`: the rule and its own constant.
    var optimizerDescription: String {
        switch optimizer {
        case .momentum, .nesterov: return "\(optimizer.rawValue) (\(momentum))"
        case .rmsprop: return "rmsprop (alpha \(alpha))"
        case .sgd, .adam, .adamw: return optimizer.rawValue
        }
    }

    /// The settings as the model's metadata stores them (and a checkpoint, for the resume check).
    var metadata: [String: String] {
        Dictionary(settings.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    /// `learning rate 0.5 (checkpoint: 0.01)` for a setting this resumed run changed, else `learning rate 0.5`.
    func phrase(_ label: String, _ key: String) -> String {
        guard let setting = setting(key) else { return label }
        return "\(label) \(setting.value)" + (setting.checkpointValue.map { " (checkpoint: \($0))" } ?? "")
    }

    /// Resolves the run for `sampleCount` rows (before any split), with the task and loss decided
    /// from the data (or the checkpoint or model), and the data's `imageShape` (IDX images carry
    /// theirs, `--image-shape` gives a table's); refuses what cannot apply (exit 64). A PyTorch
    /// `stateDict` fixes the layer sizes, bias and precision; inputs and targets are then unscaled
    /// unless `--scale`/`--target-scale` say otherwise (the PyTorch model took them as they are).
    static func resolve(
        _ options: TrainCommand, table: Bool, task: TaskOption, loss: Loss, sampleCount: Int, imageShape: [Int]? = nil,
        checkpoint: TrainingCheckpoint?, model: ModelFile?, stateDict: TorchStateDict? = nil
    ) throws -> ResolvedRun {
        if task == .classify && options.targetScale != nil {
            throw CommandError.usage("--target-scale applies to regression, and this is a classification")
        }
        var resolver = SettingResolver(
            defaultSource: table ? .tableDefault : .builtInDefault, checkpoint: checkpoint.map(Self.values(of:)),
            model: model.map(Self.values(of:)) ?? stateDict.map(Self.values(of:)),
            modelSource: stateDict != nil ? .stateDict : .model)
        var run = ResolvedRun(table: table, task: task, loss: loss)
        let defaults = TrainDefaults.forData(table: table)
        run.resolveNetwork(options, defaults, imageShape: imageShape, &resolver)
        run.resolveOptimizer(options, defaults, &resolver)
        run.resolveData(
            options, defaults, sampleCount: sampleCount, resuming: checkpoint != nil, fromStateDict: stateDict != nil,
            &resolver)
        run.flushesSubnormalsToZero = resolver.runtime(
            "flushToZero", options.noFlushToZero ? false : nil, run.precision.flushesSubnormalsToZeroByDefault,
            source: .precisionDefault, text: { $0 ? "on" : "off" })
        try resolver.refuseConflicts()
        run.settings = resolver.settings
        return run
    }

    /// The task and loss (decided from the data), the network's shape, initialization and precision.
    private mutating func resolveNetwork(
        _ options: TrainCommand, _ defaults: TrainDefaults, imageShape dataImageShape: [Int]?,
        _ resolver: inout SettingResolver
    ) {
        resolver.decided(
            "task", task == .classify ? "classification" : "regression",
            option: options.task.map { $0 == .classify ? "classification" : "regression" }, flag: "--task")
        resolver.decided("loss", lossName(loss), option: options.loss.map { lossName($0.loss) }, flag: "--loss")
        layers = resolver.fixed(
            "layers", "--layers", options.layers?.stack, LayerStack(denseSizes: defaults.hiddenLayers), text: \.text,
            parse: LayerStack.init(text:))
        // Recorded only when there is one: a checkpoint's or model's network keeps its own, and the
        // data's (checked against --image-shape when read) is inferred from the data.
        let optionShape = options.source.imageShape.map { ImageShapeOption.text($0.shape) }
        if let shape = resolver.checkpoint?["imageShape"] ?? resolver.model?["imageShape"] ?? optionShape
            ?? dataImageShape.map(ImageShapeOption.text)
        {
            resolver.decided("imageShape", shape, option: optionShape, flag: "--image-shape")
            imageShape = ImageShapeOption.parse(shape)
        }
        activation = resolver.fixed(
            "activation", "--activation", options.activation, TrainDefaults.activation, text: \.rawValue,
            parse: ActivationOption.init(rawValue:))
        outputActivation = resolver.fixed(
            "outputActivation", "--output-activation", options.outputActivation?.activation,
            loss == .binaryCrossEntropy ? .sigmoid : .identity, text: \.rawValue, parse: Activation.init(rawValue:))
        bias = resolver.fixed(
            "bias", "--no-bias", options.noBias ? false : nil, true, text: { "\($0)" }, parse: Bool.init)
        weightInitializer = resolver.fixed(
            "init", "--init", options.weightInit?.initializer,
            defaults.weightInitializer
                ?? (activation == .relu || activation == .leakyReLU ? .heNormal : .xavierUniform),
            text: InitializerOption.text,
            parse: { InitializerOption(argument: $0)?.initializer })
        biasInitializer = resolver.fixed(
            "biasInit", "--bias-init", options.biasInit?.initializer, .zeros, text: InitializerOption.text,
            parse: { InitializerOption(argument: $0)?.initializer })
        precision = resolver.fixed(
            "precision", "--precision", options.precision, TrainDefaults.precision, text: \.rawValue,
            parse: Precision.init(rawValue:))
    }

    /// The optimizer: its kind and constants are its state's; the rate may change on resume.
    private mutating func resolveOptimizer(
        _ options: TrainCommand, _ defaults: TrainDefaults, _ resolver: inout SettingResolver
    ) {
        optimizer = resolver.fixed(
            "optimizer", "--optimizer", options.optimizer, defaults.optimizer, text: \.rawValue,
            parse: OptimizerOption.init(rawValue:))
        momentum = resolver.fixed(
            "momentum", "--momentum", options.momentum, TrainDefaults.momentum, text: { "\($0)" }, parse: Double.init)
        alpha = resolver.fixed(
            "alpha", "--alpha", options.alpha, TrainDefaults.alpha, text: { "\($0)" }, parse: Double.init)
        learningRate = resolver.changeable(
            "learningRate", options.learningRate, defaults.learningRate, text: { "\($0)" }, parse: Double.init)
        seed = resolver.fixed(
            "seed", "--seed", options.seed, TrainDefaults.seed, text: { "\($0)" }, parse: { UInt32($0) })
    }

    /// The data's split, weight decay, batches, epochs, early stopping, schedule and scaling, which
    /// depend on how many rows train.
    private mutating func resolveData(
        _ options: TrainCommand, _ defaults: TrainDefaults, sampleCount: Int, resuming: Bool, fromStateDict: Bool,
        _ resolver: inout SettingResolver
    ) {
        testFraction = resolver.fixed(
            "testSplit", "--test-split", options.testSplit, TrainDefaults.testFraction, text: { "\($0)" },
            parse: Double.init)
        let afterTest = sampleCount - (testFraction > 0 ? Int((testFraction * Double(sampleCount)).rounded()) : 0)
        let defaultValidation =
            !resuming && afterTest >= TrainDefaults.smallestValidatedCount ? defaults.validation : nil
        validationFraction = resolver.fixed(
            "validationSplit", "--validation-split", options.validationSplit, defaultValidation?.fraction ?? 0,
            text: { "\($0)" }, parse: Double.init)
        let trainingCount =
            afterTest - (validationFraction > 0 ? Int((validationFraction * Double(afterTest)).rounded()) : 0)
        weightDecay = resolver.fixed(
            "weightDecay", "--weight-decay", options.weightDecay, defaults.weightDecay(trainingRows: trainingCount),
            text: { "\($0)" }, parse: Double.init)
        batchSize = resolver.fixed(
            "batchSize", "--batch-size", options.batchSize.map { $0 == 0 ? nil : $0 },
            trainingCount <= defaults.fullBatchUpTo ? nil : defaults.batchSize, text: { $0.map(String.init) ?? "full" },
            parse: { $0 == "full" || $0 == "0" ? .some(nil) : Int($0).map { .some($0) } })
        let fullBatch = (batchSize ?? trainingCount) >= trainingCount
        epochs = resolver.changeable(
            "epochs", options.epochs, fullBatch ? defaults.fullBatchEpochs : defaults.epochs, text: { "\($0)" },
            parse: Int.init)
        // With the default validation split, stop on the validation loss; without validation data,
        // tables stop on the training loss as scikit-learn does.
        let defaultPatience =
            validationFraction > 0
            ? (options.validationSplit == nil ? defaultValidation?.patience : nil)
            : defaults.trainingLossStopping?.patience
        earlyStopping = resolver.changeable(
            "earlyStopping", options.earlyStopping.map(\.patience), defaultPatience,
            text: { $0.map(String.init) ?? "off" }, parse: { $0 == "off" ? .some(nil) : Int($0).map { .some($0) } })
        if earlyStopping != nil {
            earlyStoppingTolerance = validationFraction > 0 ? 0 : defaults.trainingLossStopping?.tolerance ?? 0
            resolver.derived("earlyStoppingMonitor", validationFraction > 0 ? "validation loss" : "training loss")
            resolver.derived("earlyStoppingTolerance", "\(earlyStoppingTolerance)")
        }
        schedule = resolver.changeable(
            "schedule", options.schedule?.schedule, fullBatch ? .constant : defaults.schedule,
            text: { ScheduleOption($0).text }, parse: { ScheduleOption(argument: $0)?.schedule })
        // A PyTorch model took its inputs and targets as they are: unscaled unless asked.
        scale = resolver.fixed(
            "scale", "--scale", options.scale, fromStateDict ? .none : defaults.scale, text: \.rawValue,
            parse: ScaleOption.init(rawValue:))
        let targetScale = resolver.fixed(
            "targetScale", "--target-scale", task == .regress ? options.targetScale : nil,
            task == .regress && !fromStateDict ? defaults.targetScale : .none, text: \.rawValue,
            parse: TargetScaleOption.init(rawValue:))
        standardizesTargets = targetScale == .standardize
        let csv = options.source.csv
        if options.source.data.map({ DataSource.kind(of: $0) == "csv" }) ?? false {
            resolver.fixed("features", "--features", csv.features, "all")
            resolver.fixed("drop", "--drop", csv.drop, "none")
            resolver.fixed(
                "missing", "--missing", options.tableOptions.missing?.rawValue, TrainDefaults.missing.rawValue)
            resolver.fixed("dateFormat", "--date-format", options.tableOptions.dateFormat?.format, DateColumn.iso)
            resolver.fixed(
                "dateInputs", "--date-inputs", options.tableOptions.dateInputs.map { DateInputsOption.text($0.inputs) },
                DateInputsOption.text(TrainDefaults.dateInputs))
        }
    }

    /// The settings a checkpoint holds: what its network, loss and optimizer are (their own record),
    /// and the rest as its run stored them.
    static func values(of checkpoint: TrainingCheckpoint) -> [String: String] {
        var values = checkpoint.settings.merging(values(of: checkpoint.model)) { _, structural in structural }
        values["optimizer"] = OptimizerOption(checkpoint.optimizerKind).rawValue
        switch checkpoint.optimizerKind {
        case .sgd(let momentum, _) where momentum != 0: values["momentum"] = "\(momentum)"
        case .rmsprop(let alpha, _, _): values["alpha"] = "\(alpha)"
        default: break
        }
        values["learningRate"] = "\(checkpoint.baseLearningRate)"
        values["weightDecay"] = "\(checkpoint.weightDecay)"
        values["schedule"] = ScheduleOption(checkpoint.schedule).text
        // Files of earlier versions wrote a full batch as 0.
        if values["batchSize"] == "0" { values["batchSize"] = "full" }
        return values
    }

    /// What a PyTorch state dict fixes: its layer sizes, bias and precision.
    static func values(of stateDict: TorchStateDict) -> [String: String] {
        [
            "layers": LayerStack(denseSizes: stateDict.linears.dropLast().map(\.outputSize)).text,
            "bias": "\(stateDict.linears[0].hasBias)", "precision": stateDict.precision,
        ]
    }

    /// What a saved model fixes: its network, loss, precision and scaling.
    static func values(of model: ModelFile) -> [String: String] {
        var values = [
            "loss": lossName(model.loss), "precision": model.precision,
            "task": model.classNames != nil ? "classification" : "regression",
        ]
        values["layers"] = LayerStack(model: model).text
        // The hidden activation and the bias are the first dense or convolutional layer's (batch
        // normalization has arrays, but neither).
        let weighted = [DenseKind.typeName, Conv2DKind.typeName]
        if let first = model.layers.dropLast().first(where: { weighted.contains($0.type) }) {
            values["activation"] = first.activation.rawValue
        }
        if let last = model.layers.last { values["outputActivation"] = last.activation.rawValue }
        if let first = model.layers.first(where: { weighted.contains($0.type) }) { values["bias"] = "\(first.hasBias)" }
        if let shape = model.imageInputShape { values["imageShape"] = ImageShapeOption.text(shape) }
        if let scale = model.metadata["scale"] { values["scale"] = scale }
        if let targetScale = model.metadata["targetScale"] { values["targetScale"] = targetScale }
        return values
    }
}

/// Resolves settings one by one into ``ResolvedRun/settings``, collecting the options a resumed run
/// cannot apply.
struct SettingResolver {
    let defaultSource: SettingSource
    /// The checkpoint's settings as text, when the run resumes.
    let checkpoint: [String: String]?
    /// The model's settings as text, with `--init-from` (a model's, or a PyTorch state dict's).
    let model: [String: String]?
    /// Where the model's settings come from: ``SettingSource/model`` or ``SettingSource/stateDict``.
    var modelSource = SettingSource.model
    var settings: [RunSetting] = []
    var conflicts: [String] = []

    /// A setting the data decided (the task, the loss), or the checkpoint or model kept.
    mutating func decided(_ key: String, _ value: String, option: String?, flag: String) {
        if let option, let kept = checkpoint?[key] ?? model?[key], option != kept {
            conflicts.append(
                "\(flag) \(option) (the \(checkpoint != nil ? "checkpoint" : modelSource.rawValue) has \(kept))")
        }
        let source: SettingSource =
            checkpoint != nil ? .checkpoint : model?[key] != nil ? modelSource : option != nil ? .option : .data
        settings.append(RunSetting(key: key, value: value, source: source))
    }

    /// A setting a resumed run keeps: an option that asks for another value than the checkpoint's is
    /// refused. With `--init-from`, the model's network settings win (their options are refused earlier).
    @discardableResult
    mutating func fixed<Value>(
        _ key: String, _ flag: String, _ option: Value?, _ defaultValue: Value, text: (Value) -> String,
        parse: (String) -> Value?
    ) -> Value {
        if let kept = checkpoint?[key], let keptValue = parse(kept) {
            if let option, text(option) != kept {
                conflicts.append("\(flag) \(text(option)) (the checkpoint has \(kept))")
            }
            settings.append(RunSetting(key: key, value: kept, source: .checkpoint))
            return keptValue
        }
        if let kept = model?[key], let keptValue = parse(kept) {
            if let option, text(option) != kept {
                conflicts.append("\(flag) \(text(option)) (the \(modelSource.rawValue) has \(kept))")
            }
            settings.append(RunSetting(key: key, value: kept, source: modelSource))
            return keptValue
        }
        let value = option ?? defaultValue
        settings.append(RunSetting(key: key, value: text(value), source: option != nil ? .option : defaultSource))
        return value
    }

    /// ``fixed(_:_:_:_:text:parse:)`` for text settings.
    mutating func fixed(_ key: String, _ flag: String, _ option: String?, _ defaultValue: String) {
        fixed(key, flag, option, defaultValue, text: { $0 }, parse: { $0 })
    }

    /// A setting that follows from others (early stopping's monitored loss follows the validation
    /// split): recorded for the reports with the defaults' source.
    mutating func derived(_ key: String, _ value: String) {
        settings.append(RunSetting(key: key, value: value, source: defaultSource))
    }

    /// A setting a resumed run may change: the option wins, and the checkpoint's value is noted when
    /// it differs; without the option the checkpoint's value goes on.
    mutating func changeable<Value>(
        _ key: String, _ option: Value?, _ defaultValue: Value, text: (Value) -> String, parse: (String) -> Value?
    ) -> Value {
        let kept = checkpoint?[key]
        if let option {
            let changed = kept.flatMap { $0 != text(option) ? $0 : nil }
            settings.append(RunSetting(key: key, value: text(option), source: .option, checkpointValue: changed))
            return option
        }
        if let kept, let keptValue = parse(kept) {
            settings.append(RunSetting(key: key, value: kept, source: .checkpoint))
            return keptValue
        }
        settings.append(RunSetting(key: key, value: text(defaultValue), source: defaultSource))
        return defaultValue
    }

    /// A setting of how this process computes, not of what it trains (flushing subnormals to zero): the option
    /// or the default, whatever a checkpoint or model says.
    mutating func runtime<Value>(
        _ key: String, _ option: Value?, _ defaultValue: Value, source: SettingSource, text: (Value) -> String
    ) -> Value {
        let value = option ?? defaultValue
        settings.append(RunSetting(key: key, value: text(value), source: option != nil ? .option : source))
        return value
    }

    /// Refuses the options a resumed run (or a run from a model) cannot apply, all at once.
    func refuseConflicts() throws {
        guard !conflicts.isEmpty else { return }
        let rule =
            checkpoint != nil
            ? "a resumed run keeps its checkpoint's network, loss, optimizer, precision, seed, batch size, splits and scaling, and may change --learning-rate, --epochs, --early-stopping and --schedule; drop the others or start a new run"
            : modelSource == .stateDict
                ? "a run from a PyTorch state dict takes its layer sizes, bias and precision from the file; drop these options"
                : "a run from a model keeps the model's network, loss, precision and scaling; drop these options"
        throw CommandError.usage("\(conflicts.joined(separator: ", ")): \(rule)")
    }
}
enum TargetScaleOption: String, ExpressibleByArgumentCaseIterable {
    case standardize, none
}
