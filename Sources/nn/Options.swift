import ArgumentParser
import Foundation
import Network
import TensorIO

/// The loss names of the command line.
enum LossOption: String, ExpressibleByArgument, CaseIterable {
    case mse
    case halfSSE = "half-sse"
    case sse
    case bce
    case softmaxCrossEntropy = "softmax-cross-entropy"

    var loss: Loss {
        switch self {
        case .mse: return .meanSquaredError
        case .halfSSE: return .halfSumSquaredError
        case .sse: return .sumSquaredError
        case .bce: return .binaryCrossEntropy
        case .softmaxCrossEntropy: return .softmaxCrossEntropy
        }
    }
}

/// The optimizer names of the command line.
enum OptimizerOption: String, ExpressibleByArgument, CaseIterable {
    case sgd, momentum, nesterov, adam, rmsprop, adamw

    /// The name of a saved update rule (a resumed checkpoint's), for headers and reports.
    init(_ kind: OptimizerKind) {
        switch kind {
        case .sgd(let momentum, let nesterov): self = momentum == 0 ? .sgd : nesterov ? .nesterov : .momentum
        case .adam: self = .adam
        case .rmsprop: self = .rmsprop
        case .adamW: self = .adamw
        }
    }

}

/// The activation names of the command line.
enum ActivationOption: String, ExpressibleByArgument, CaseIterable {
    case identity, sigmoid, tanh, relu
    case leakyReLU = "leaky-relu"
    case softmax

    var activation: Activation {
        switch self {
        case .identity: return .identity
        case .sigmoid: return .sigmoid
        case .tanh: return .tanh
        case .relu: return .relu
        case .leakyReLU: return .leakyReLU
        case .softmax: return .softmax
        }
    }
}

/// `--precision float|double`: the library's ``Precision``.
extension Precision: ExpressibleByArgument {}

/// How inputs are scaled before training.
enum ScaleOption: String, ExpressibleByArgument, CaseIterable {
    case standardize, minmax, none
}

/// `--init` and `--bias-init`: an ``Initializer`` written as `uniform:LOW,HIGH`, `normal:MEAN,STD`,
/// `zeros`, `constant:V`, `xavier-uniform`, `xavier-normal`, `he-uniform` or `he-normal`.
struct InitializerOption: ExpressibleByArgument {
    var initializer: Initializer
    /// The option as written, for reports and the resume check.
    var text: String

    init?(argument: String) {
        text = argument
        let (name, values) = splitSpecification(argument)
        // Every number must be finite in float too (a constant of 1e300 would be inf there), a
        // uniform range must be non-empty with a finite width, and a normal spread positive.
        let limit = Precision.float.largestFiniteMagnitude
        if let values, !values.allSatisfy({ $0.isFinite && Swift.abs($0) <= limit }) { return nil }
        switch (name, values?.count) {
        case ("uniform", 2) where !(values![0] < values![1] && (values![1] - values![0]) <= limit): return nil
        case ("normal", 2) where !(values![1] > 0): return nil
        default: break
        }
        switch (name, values?.count) {
        case ("zeros", nil): initializer = .zeros
        case ("constant", 1): initializer = .constant(values![0])
        case ("uniform", 2): initializer = .uniform(low: values![0], high: values![1])
        case ("normal", 2): initializer = .normal(mean: values![0], standardDeviation: values![1])
        case ("xavier-uniform", nil): initializer = .xavierUniform
        case ("xavier-normal", nil): initializer = .xavierNormal
        case ("he-uniform", nil): initializer = .heUniform
        case ("he-normal", nil): initializer = .heNormal
        default: return nil
        }
    }

    /// `initializer` as `--init` writes it.
    static func text(_ initializer: Initializer) -> String {
        switch initializer {
        case .zeros: return "zeros"
        case .constant(let value): return "constant:\(value)"
        case .uniform(let low, let high): return "uniform:\(low),\(high)"
        case .normal(let mean, let deviation): return "normal:\(mean),\(deviation)"
        case .xavierUniform: return "xavier-uniform"
        case .xavierNormal: return "xavier-normal"
        case .heUniform: return "he-uniform"
        case .heNormal: return "he-normal"
        }
    }

    static let forms =
        "uniform:LOW,HIGH (LOW < HIGH), normal:MEAN,STD (STD > 0), zeros, constant:V, xavier-uniform, xavier-normal, he-uniform, he-normal, with finite numbers within float's range"
}

/// `--schedule constant | step:EVERY,FACTOR | exponential:DECAY`.
struct ScheduleOption: ExpressibleByArgument {
    var schedule: LearningRateSchedule

    init(_ schedule: LearningRateSchedule) { self.schedule = schedule }

    init?(argument: String) {
        let (name, values) = splitSpecification(argument)
        switch (name, values?.count) {
        case ("constant", nil): schedule = .constant
        case ("step", 2):
            guard let every = Int(exactly: values![0]), every >= 1, values![1] > 0 else { return nil }
            schedule = .step(every: every, factor: values![1])
        case ("exponential", 1):
            guard values![0] > 0 else { return nil }
            schedule = .exponential(decay: values![0])
        default: return nil
        }
    }

    var text: String {
        switch schedule {
        case .constant: return "constant"
        case .step(let every, let factor): return "step:\(every),\(factor)"
        case .exponential(let decay): return "exponential:\(decay)"
        }
    }
}

/// Splits `name:a,b` into the name and the numbers (nil when there is no colon; nil numbers list
/// entries that are not numbers make the whole result unusable, signalled by an empty name).
private func splitSpecification(_ argument: String) -> (String, [Double]?) {
    guard let colon = argument.firstIndex(of: ":") else { return (argument, nil) }
    let name = String(argument[..<colon])
    var values: [Double] = []
    for part in argument[argument.index(after: colon)...].split(separator: ",", omittingEmptySubsequences: false) {
        guard let value = Double(part.trimmingCharacters(in: .whitespaces)), value.isFinite else { return ("", nil) }
        values.append(value)
    }
    return (name, values)
}

/// `--early-stopping N|off`: the patience in epochs, or no early stopping.
struct EarlyStoppingOption: ExpressibleByArgument {
    /// The epochs without improvement before stopping; nil: off.
    var patience: Int?

    init?(argument: String) {
        if argument == "off" {
            patience = nil
        } else if let value = Int(argument) {
            patience = value
        } else {
            return nil
        }
    }
}

/// A CSV column given as a name or a zero-based index.
func csvColumn(_ text: String) -> CSVColumn {
    if let index = Int(text) { return .index(index) }
    return .name(text)
}

/// How a CSV file is read and which of its columns are used: shared by train, predict and evaluate.
struct CSVOptions: ParsableArguments {
    @Option(
        help:
            "The CSV target column, by header name or zero-based index (negative counts from the end) (default: the last column; for predict and evaluate, the model's)."
    )
    var target: String?

    @Option(
        help:
            "The CSV feature columns: comma-separated names, indices and index ranges START:END (end excluded) (default: every column but the target). predict and evaluate take it only for a model trained on .npy or .npz files: a model trained on a CSV reads its own columns."
    )
    var features: String?

    @Option(
        help:
            "CSV columns to leave out: comma-separated names, indices and index ranges START:END (default: none). predict and evaluate take it only for a model trained on .npy or .npz files."
    )
    var drop: String?

    @Option(
        help:
            "Whether a CSV file's first line is a header: auto (when its cells are all text, or a text cell stands above a number), yes or no (default: auto)."
    )
    var header: HeaderOption?

    @Option(help: "The character between a CSV file's cells: one character, or 'tab' or '\\t' (default: ,).")
    var delimiter: DelimiterOption?

    /// The options given, by flag name, that only a CSV file uses.
    var given: [String] {
        [
            ("--target", target != nil), ("--features", features != nil), ("--drop", drop != nil),
            ("--header", header != nil),
            ("--delimiter", delimiter != nil),
        ].filter(\.1).map(\.0)
    }
}

/// How `nn train` turns a CSV table's cells into inputs: missing cells and dates. The choices are
/// saved in the model's table layout, so predict and evaluate apply them without these options.
struct TableOptions: ParsableArguments {
    @Option(
        help:
            "What a missing CSV cell (empty, NA, nan, ...) does: fill it with the training column's mean, median or most-frequent value (text and date columns: most frequent), drop-rows, or error. Rows without a target are dropped, except with error (default: \(TrainDefaults.missing.rawValue))."
    )
    var missing: MissingOption?

    @Option(
        help:
            "Read text columns whose every cell is a date in this format as dates, besides ISO dates (2012-01-31, 2012-01-31T08:30:00): %Y, %m, %d, %H, %M, %S and literal characters, as in %d/%m/%Y."
    )
    var dateFormat: DateFormatOption?

    @Option(
        help: ArgumentHelp(
            "The inputs a date column gives, comma-separated: days-since-1970, year, day-of-year (its sine and cosine), day-of-week (Monday 0); columns with times add seconds-of-day (default: \(DateInputsOption.text(TrainDefaults.dateInputs))).",
            valueName: "inputs"))
    var dateInputs: DateInputsOption?

    /// The options given, by flag name.
    var given: [String] {
        [("--missing", missing != nil), ("--date-format", dateFormat != nil), ("--date-inputs", dateInputs != nil)]
            .filter(\.1).map(\.0)
    }
}

/// `--date-inputs`: which inputs a date column gives, as a comma-separated list of `days-since-1970`,
/// `year`, `day-of-year` (its sine and cosine) and `day-of-week`, each at most once. Seconds of day
/// are not listed: a column with times adds them whatever the list.
struct DateInputsOption: ExpressibleByArgument {
    /// The inputs, in the order given (`day-of-year` as its sine, then its cosine).
    var inputs: [DateColumn.Input]

    init?(argument: String) {
        guard let inputs = Self.parse(argument) else { return nil }
        self.inputs = inputs
    }

    init(inputs: [DateColumn.Input]) { self.inputs = inputs }

    /// The list's inputs, or nil when a name is unknown or repeated, or the list is empty.
    static func parse(_ text: String) -> [DateColumn.Input]? {
        let names = text.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        guard !names.isEmpty, Set(names).count == names.count else { return nil }
        var inputs: [DateColumn.Input] = []
        for name in names {
            switch name {
            case "days-since-1970": inputs.append(.daysSinceEpoch)
            case "year": inputs.append(.year)
            case "day-of-year": inputs += [.dayOfYearSine, .dayOfYearCosine]
            case "day-of-week": inputs.append(.dayOfWeek)
            default: return nil
            }
        }
        return inputs
    }

    /// The list as the option writes it: `day-of-year` for its sine and cosine.
    static func text(_ inputs: [DateColumn.Input]) -> String {
        inputs.compactMap { input -> String? in
            switch input {
            case .dayOfYearSine: return "day-of-year"
            case .dayOfYearCosine, .secondsOfDay: return nil
            default: return input.rawValue
            }
        }.joined(separator: ",")
    }
}

/// `--date-format`: a pattern ``DateColumn`` reads.
struct DateFormatOption: ExpressibleByArgument {
    var format: String

    init?(argument: String) {
        guard argument != DateColumn.iso, DateColumn(format: argument, hasTime: false, inputs: []).isValidFormat else {
            return nil
        }
        format = argument
    }
}

/// Where data comes from: a file (with the options that read it) or a built-in data set.
struct DataOptions: ParsableArguments {
    @Option(help: "The data file: CSV (optionally .gz), .npy, .npz, or IDX images (with --labels).")
    var data: String?

    @Option(help: "A built-in data set: xor, notebook-000 to notebook-004, or fashion-mnist.")
    var dataset: String?

    @OptionGroup(title: "CSV options") var csv: CSVOptions

    @Option(help: "The array of inputs in an .npz file (default: x).")
    var inputsKey: String?

    @Option(help: "The array of targets in an .npz file (default: y).")
    var targetsKey: String?

    @Option(help: "The IDX labels file that goes with IDX images given by --data.")
    var labels: String?

    @Option(help: "The .npy file of targets that goes with an .npy file of inputs given by --data.")
    var targetsFile: String?

    @Option(
        help:
            "Use only the first N samples of the data (of a CSV table, its first N rows, before any row is dropped for a missing value) and of a built-in data set's test set."
    )
    var limit: Int?

    @Option(
        name: .customLong("image-shape"),
        help: ArgumentHelp(
            "The shape of one image in a CSV, .npy or .npz file of pixels, channels,height,width (NCHW order), as 1,28,28; IDX images carry theirs (given, it must agree).",
            valueName: "c,h,w"))
    var imageShape: ImageShapeOption?

    /// The options as a plain value.
    var request: DataRequest {
        var request = DataRequest(
            data: data, dataset: dataset, target: csv.target, features: csv.features, inputsKey: inputsKey ?? "x",
            targetsKey: targetsKey ?? "y", labels: labels, targetsFile: targetsFile, limit: limit,
            header: (csv.header ?? .auto).header, delimiter: (csv.delimiter ?? DelimiterOption(",")).character)
        request.drop = csv.drop
        request.imageShape = imageShape?.shape
        return request
    }

    /// Whether the data is a table of features (CSV, .npy, .npz), as opposed to a built-in data set or IDX images.
    var isTable: Bool {
        guard let data else { return false }
        return DataSource.kind(of: data) != "idx"
    }

    func validate() throws {
        if data != nil && dataset != nil {
            throw ValidationError("give either --data FILE or --dataset NAME, not both")
        }
        if let limit, limit < 1 {
            throw ValidationError("--limit must be at least 1, got \(limit)")
        }
        try imageShape?.validate()
        if let dataset, !DataSource.datasetNames.contains(dataset) {
            throw ValidationError(
                "unknown data set '\(dataset)'; the built-in data sets are \(DataSource.datasetNames.joined(separator: ", "))"
            )
        }
        // An option that the chosen source does not read is refused rather than ignored.
        let npz = [("--inputs-key", inputsKey != nil), ("--targets-key", targetsKey != nil)].filter(\.1).map(\.0)
        let others = [("--labels", labels != nil), ("--targets-file", targetsFile != nil)]
        var unused: [String] = []
        let what: String
        if let dataset {
            what = "the built-in data set \(dataset)"
            unused = csv.given + npz + others.filter(\.1).map(\.0)
        } else if let data {
            switch DataSource.kind(of: data) {
            case "csv":
                what = "a CSV file"
                unused = npz + others.filter(\.1).map(\.0)
            case "npy":
                what = "an .npy file"
                unused = csv.given.filter { $0 != "--target" } + npz + (labels != nil ? ["--labels"] : [])
            case "npz":
                what = "an .npz file"
                unused = csv.given + others.filter(\.1).map(\.0)
            default:
                what = "IDX images"
                unused = csv.given + npz + (targetsFile != nil ? ["--targets-file"] : [])
            }
        } else {
            return
        }
        if !unused.isEmpty {
            throw ValidationError(
                "\(unused.joined(separator: ", ")) \(unused.count == 1 ? "does" : "do") not apply to \(what); leave \(unused.count == 1 ? "it" : "them") out"
            )
        }
    }
}

/// What ``DataOptions`` asks for, as a plain value that other commands can also fill in.
struct DataRequest {
    var data: String?
    var dataset: String?
    var target: String?
    var features: String?
    var inputsKey = "x"
    var targetsKey = "y"
    var labels: String?
    var targetsFile: String?
    var limit: Int?
    var header: CSVHeader = .automatic
    var delimiter: Character = ","
    /// The feature names a saved model was trained on: a CSV with a header is read by these names.
    var expectedFeatureNames: [String]? = nil
    /// `--drop`: CSV columns left out.
    var drop: String? = nil
    /// `--missing`: what a missing CSV cell does when a table is read for training.
    var missing = TrainDefaults.missing
    /// `--date-format`: the pattern besides ISO that text columns of dates are read in, for training.
    var dateFormat: String? = nil
    /// `--date-inputs`: the inputs a date column gives when a table is read for training (a column
    /// with times adds seconds of day).
    var dateInputs = TrainDefaults.dateInputs
    /// `--unknown-categories`: what an unseen text value does at predict time.
    var unknownCategories = UnknownCategoryOption.zero
    /// A saved model's table layout: a CSV is read and encoded by it.
    var layout: TableLayout? = nil
    /// A saved model's class names, for reading a table's target by them.
    var knownClassNames: [String]? = nil
    /// Whether a CSV is read as a new training table (columns chosen, layout fitted).
    var readsTrainingTable = false
    /// `--force`: read and encode the table even when its estimated memory exceeds what is available.
    var force = false
    /// `--image-shape`: the shape of one image, checked against the data's width (and an IDX file's shape).
    var imageShape: [Int]? = nil
}

/// `--header auto|yes|no`.
enum HeaderOption: String, ExpressibleByArgument, CaseIterable {
    case auto, yes, no

    var header: CSVHeader {
        switch self {
        case .auto: .automatic
        case .yes: .present
        case .no: .absent
        }
    }
}

/// `--delimiter C`: one ASCII character other than a quote or a line break, or a tab written as `tab`
/// (any case) or as `\t` (pandas' `sep="\t"`, which a shell passes as a backslash and a `t`).
struct DelimiterOption: ExpressibleByArgument {
    var character: Character

    init(_ character: Character) { self.character = character }

    init?(argument: String) {
        let text = argument.lowercased() == "tab" || argument == "\\t" ? "\t" : argument
        guard text.count == 1, let character = text.first, let ascii = character.asciiValue,
            character != "\"", ascii != 10, ascii != 13
        else { return nil }
        self.character = character
    }

    var defaultValueDescription: String { character == "\t" ? "tab" : String(character) }
}
