import Network
import Tensor

/// The defaults of `nn train`, per kind of data, written once: ``ResolvedRun`` uses these values and
/// the options' help prints them, so the two cannot disagree.
///
/// Tables (CSV, `.npy`, `.npz`) get what scikit-learn's `MLPClassifier`/`MLPRegressor` use: one
/// hidden layer of 100 ReLU units drawn Glorot-uniform, standardized inputs (one-hot inputs left 0
/// and 1) and regression targets, Adam at 1e-3 with a weight decay of 2 / training rows (an L2
/// penalty weighed as scikit-learn weighs its `alpha`), batches of 32 (full batch up to 32 rows), 200
/// epochs, and from 300 rows a shuffled, stratified
/// 10 % validation split with early stopping after 10 epochs without improvement; below 300 rows,
/// early stopping on the training loss with scikit-learn's tolerance and patience. Built-in data sets
/// and IDX images keep the notebooks' settings: momentum SGD at 0.05, no scaling, batches of 128
/// (full batch under 1,000 rows), 20 epochs (1,000 full-batch).
struct TrainDefaults {
    var hiddenLayers: [Int]
    var optimizer: OptimizerOption
    var learningRate: Double
    /// Rows per mini-batch.
    var batchSize: Int
    /// Training sets of at most this many rows train full-batch.
    var fullBatchUpTo: Int
    var epochs: Int
    var fullBatchEpochs: Int
    /// The schedule with mini-batches (full-batch runs keep a constant rate).
    var schedule: LearningRateSchedule
    var scale: ScaleOption
    var targetScale: TargetScaleOption
    /// The validation split and early stopping given to training sets of at least
    /// ``smallestValidatedCount`` rows (after any test split); nil: none.
    var validation: (fraction: Double, patience: Int)?
    /// Early stopping on the training loss where there is no validation split: stop after `patience`
    /// epochs in a row whose loss is not below the best by more than `tolerance` (scikit-learn's
    /// `n_iter_no_change` and `tol`); nil: none.
    var trainingLossStopping: (patience: Int, tolerance: Double)?
    /// The L2 penalty α of the default weight decay, α / training rows: the weight scikit-learn's
    /// `alpha` has against the mean loss of a full batch (it divides `alpha` by the batch's rows).
    /// Tables use α = 2 (scikit-learn's default is 1e-4): on 22 public tables, α from 0.5 to 4 met
    /// the goal on Pima.tr and Cars93, which no batch size, rate or early-stopping rule had; α = 2
    /// had the best mean and left none of scikit-learn's five data sets lower, where a fixed 0.01
    /// cost the 6,259-row Computers table 0.027 R² (BENCHMARKS.md, "Weight decay by table size").
    /// 0: no weight decay.
    var l2Penalty: Double
    /// How weights are drawn; nil: by the activation (He-normal for ReLU and leaky ReLU, else
    /// Glorot-uniform). Tables draw Glorot-uniform whatever the activation, as scikit-learn's MLP
    /// does: on 22 public tables it scored higher on regression and the same on classification
    /// (BENCHMARKS.md, "Initialization for tables").
    var weightInitializer: Initializer?

    /// The defaults for tables: CSV, `.npy` and `.npz` files.
    static let table = TrainDefaults(
        hiddenLayers: [100], optimizer: .adam, learningRate: 1e-3, batchSize: 32, fullBatchUpTo: 32, epochs: 200,
        fullBatchEpochs: 200, schedule: .constant, scale: .standardize, targetScale: .standardize,
        validation: (0.1, 10), trainingLossStopping: (10, 1e-4), l2Penalty: 2, weightInitializer: .xavierUniform)

    /// The defaults for built-in data sets and IDX images: the notebooks' settings.
    static let builtIn = TrainDefaults(
        hiddenLayers: [256, 128], optimizer: .momentum, learningRate: 0.05, batchSize: 128, fullBatchUpTo: 999,
        epochs: 20, fullBatchEpochs: 1000, schedule: .exponential(decay: 0.9), scale: .none, targetScale: .none,
        validation: nil, trainingLossStopping: nil, l2Penalty: 0, weightInitializer: nil)

    /// The default weight decay for `trainingRows` rows that train: ``l2Penalty`` / rows, to 3
    /// significant digits (so that the header prints `0.00667`, not `0.006666666666666667`); 0
    /// without a penalty.
    func weightDecay(trainingRows: Int) -> Double {
        guard l2Penalty > 0, trainingRows > 0 else { return 0 }
        let value = l2Penalty / Double(trainingRows)
        return Double(String(format: "%.3g", value)) ?? value
    }

    /// The defaults for `table` data (else built-in data sets and IDX images).
    static func forData(table: Bool) -> TrainDefaults { table ? .table : .builtIn }

    /// The smallest training set that gets the default validation split and early stopping on it
    /// (30 held-out rows). On 22 public tables (BENCHMARKS.md, "Early stopping by table size"),
    /// thresholds from 150 to 300 rows tied best; validating every table, or none, scored lower.
    static let smallestValidatedCount = 300

    // Defaults shared by every kind of data.
    static let activation = ActivationOption.relu
    static let momentum = 0.9
    static let alpha = 0.99
    static let seed = NumpyRandomState.defaultSeed
    static let precision = Precision.float
    static let testFraction = 0.0
    /// The inputs a CSV date column gives: the days since 1970-01-01, the continuous time scikit-learn
    /// users give a date, and for columns with times the seconds of day. On the 22 public tables
    /// (BENCHMARKS.md, "Dates: which inputs"), the year, day of year (sine, cosine) and day of
    /// week of nn 0.5 scored lower on both tables with dates (airquality, economics): the day of
    /// week was noise to both, and a seasonally adjusted monthly series gained nothing from the day
    /// of year.
    /// Columns with times add `.secondsOfDay`; `--date-inputs` chooses others.
    static let dateInputs: [DateColumn.Input] = [.daysSinceEpoch]
    /// What a missing CSV cell does: filled with the training column's mean (text and dates: most
    /// frequent value), as the pipelines scikit-learn users build by hand do.
    static let missing = MissingOption.mean

    /// `(default: tables X; built-in data sets Y)`, or `(default: X)` when both agree.
    static func help<Value: Equatable>(_ value: (TrainDefaults) -> Value, _ text: (Value) -> String) -> String {
        let tables = value(.table), builtIn = value(.builtIn)
        if tables == builtIn { return "(default: \(text(tables)))" }
        return "(default: tables \(text(tables)); built-in data sets \(text(builtIn)))"
    }

    /// The help's wording of the defaults of each option that differs per kind of data.
    enum Help {
        static let layers = TrainDefaults.help(\.hiddenLayers) { $0.map(String.init).joined(separator: ",") }
        static let optimizer = TrainDefaults.help(\.optimizer.rawValue) { $0 }
        static let learningRate = TrainDefaults.help(\.learningRate) { "\($0)" }
        static let epochs =
            "(default: tables \(table.epochs); built-in data sets \(builtIn.epochs), or \(builtIn.fullBatchEpochs) full-batch)"
        static let batchSize =
            "(default: tables \(table.batchSize), full-batch up to \(table.fullBatchUpTo) rows; built-in data sets \(builtIn.batchSize), full-batch under \(builtIn.fullBatchUpTo + 1) rows)"
        static let schedule =
            "(default: tables \(ScheduleOption(table.schedule).text); built-in data sets \(ScheduleOption(builtIn.schedule).text), constant full-batch)"
        static let scale = TrainDefaults.help(\.scale.rawValue) { $0 }
        static let targetScale = TrainDefaults.help(\.targetScale.rawValue) { $0 }
        static let weightDecay =
            "(default: tables \(Int(table.l2Penalty)) / training rows, to 3 significant digits; built-in data sets \(Int(builtIn.l2Penalty)))"
        static let initializer =
            "(default: tables \(InitializerOption.text(table.weightInitializer!)); built-in data sets he-normal for relu and leaky-relu, else xavier-uniform)"
        static let validationSplit =
            "(default: \(table.validation!.fraction) for tables of \(smallestValidatedCount) rows or more, counted after --test-split; else none)"
        static let earlyStopping =
            "(default: tables \(table.validation!.patience) on the validation loss with the default validation split, off with a --validation-split above 0, else \(table.trainingLossStopping!.patience) on the training loss with a tolerance of \(table.trainingLossStopping!.tolerance); built-in data sets off)"
    }
}
