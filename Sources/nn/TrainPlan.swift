import Foundation
import Network
import Tensor

/// Every setting of a training run, resolved in one place from the options and the data: the
/// defaults for tables (CSV, .npy, .npz) and for built-in data sets differ. Options that cannot
/// apply whatever the data are refused earlier, in `TrainCommand.validate()` and
/// `DataOptions.validate()`; those that depend on the data (`--target-scale` for a classification)
/// are refused here.
///
/// Tables get what scikit-learn's `MLPClassifier`/`MLPRegressor` and Keras use: one hidden layer
/// of 100 ReLU units, standardized inputs (and, for regression, standardized targets), Adam at
/// 1e-3, mini-batches of 32 (full
/// batch under 32 samples), 200 epochs, and from 200 samples on, a shuffled, stratified 10 %
/// validation split with early stopping after 10 epochs without improvement. Built-in data sets
/// and IDX images keep the settings the notebooks were written for: momentum SGD at 0.05, no
/// scaling, 128-sample batches (full batch under 1,000 samples), 20 epochs (1,000 full batch).
struct TrainPlan {
    /// Whether the data is a table and the table defaults apply.
    var table: Bool
    var task: TaskOption
    var loss: Loss
    var optimizer: OptimizerOption
    var learningRate: Double
    var batchSize: Int?
    var epochs: Int
    var schedule: ScheduleOption
    var scale: ScaleOption
    var standardizesTargets: Bool
    var validationFraction: Double
    var earlyStopping: Int?
    var testFraction: Double
    var hiddenLayers: [Int]

    /// The smallest training set that gets a validation split and early stopping by default.
    static let smallestDefaultValidationCount = 200

    /// Resolves the plan for `sampleCount` samples (before any split) with `task` and `loss` decided.
    static func resolve(
        _ options: TrainCommand, table: Bool, task: TaskOption, loss: Loss, sampleCount: Int,
        resumedSettings: [String: String]?
    ) throws -> TrainPlan {
        if task == .classify && options.targetScale != nil {
            throw CommandError.usage("--target-scale applies to regression, and this is a classification")
        }
        let testFraction = options.testSplit ?? resumedSettings?["testSplit"].flatMap(Double.init) ?? 0
        let afterTest = sampleCount - (testFraction > 0 ? Int((testFraction * Double(sampleCount)).rounded()) : 0)
        let defaultValidation =
            table && options.validationSplit == nil && resumedSettings == nil
            && afterTest >= smallestDefaultValidationCount
        let validationFraction =
            options.validationSplit ?? resumedSettings?["validationSplit"].flatMap(Double.init)
            ?? (defaultValidation ? 0.1 : 0)
        let earlyStopping =
            options.earlyStopping ?? resumedSettings?["earlyStopping"].flatMap(Int.init)
            ?? (defaultValidation ? 10 : nil)
        let trainingCount =
            afterTest - (validationFraction > 0 ? Int((validationFraction * Double(afterTest)).rounded()) : 0)
        let batch: Int? = {
            if let size = options.batchSize { return size == 0 ? nil : size }
            if let saved = resumedSettings?["batchSize"] { return Int(saved).flatMap { $0 == 0 ? nil : $0 } }
            if table { return trainingCount <= 32 ? nil : 32 }
            return trainingCount < 1000 ? nil : 128
        }()
        let fullBatch = (batch ?? trainingCount) >= trainingCount
        let epochs =
            options.epochs ?? resumedSettings?["epochs"].flatMap(Int.init) ?? (table ? 200 : (fullBatch ? 1000 : 20))
        let schedule = options.schedule ?? ScheduleOption(table || fullBatch ? .constant : .exponential(decay: 0.9))
        return TrainPlan(
            table: table, task: task, loss: loss, optimizer: options.optimizer ?? (table ? .adam : .momentum),
            learningRate: options.learningRate ?? (table ? 1e-3 : 0.05), batchSize: batch, epochs: epochs,
            schedule: schedule,
            scale: options.scale ?? (table ? .standardize : .none),
            standardizesTargets: task == .regress
                && (options.targetScale ?? (table ? .standardize : .none)) == .standardize,
            validationFraction: validationFraction, earlyStopping: earlyStopping, testFraction: testFraction,
            hiddenLayers: options.layers?.sizes ?? (table ? [100] : [256, 128]))
    }
}

/// `--target-scale`: whether regression targets are standardized for training (and the predictions
/// mapped back).
enum TargetScaleOption: String, ExpressibleByArgumentCaseIterable {
    case standardize, none
}
