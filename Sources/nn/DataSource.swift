import Examples
internal import FileSystem
import Foundation
import Network
import Tensor
import TensorIO

/// The errors of the command line itself (the libraries' errors are printed as they describe themselves).
enum CommandError: Error, CustomStringConvertible {
    /// Neither --data nor --dataset was given.
    case noData(command: String)
    /// The Fashion-MNIST files are not installed.
    case datasetNotInstalled(name: String, folder: String)
    /// The targets cannot be used as asked.
    case invalidTargets(String)
    /// A file's content does not fit the model or the other files.
    case dataMismatch(String)
    /// An option's value cannot be used.
    case invalidOption(String)
    /// An option that does not apply, or names what is not there: a usage error (exit code 64).
    case usage(String)

    /// Whether the error is the user's way of calling the command (exit 64) rather than a failure at run time (exit 1).
    var isUsage: Bool {
        switch self {
        case .noData, .usage: return true
        default: return false
        }
    }

    var description: String {
        switch self {
        case .noData(let command):
            return "no data: give --data FILE or --dataset NAME (see 'nn \(command) --help')"
        case .datasetNotInstalled(let name, let folder):
            return
                "the \(name) data set is not installed in \(folder); install it with 'apt-get install dataset-fashion-mnist'"
        case .invalidTargets(let message), .dataMismatch(let message), .invalidOption(let message), .usage(let message):
            return message
        }
    }
}

/// Samples read from a file or a built-in data set, before any preparation.
struct LoadedData<Scalar: MatrixScalar> {
    /// One sample a row.
    var inputs: Matrix<Scalar>
    /// The raw targets: numbers, or class indices in one column when ``classNames`` is set; nil when the file has none.
    var targets: Matrix<Scalar>?
    /// The class names when the targets are class labels (text in a CSV, IDX labels, a labelled data set).
    var classNames: [String]?
    /// The test set of a built-in data set that has one.
    var test: (inputs: Matrix<Scalar>, targets: Matrix<Scalar>)?
    /// Where the data came from, for messages.
    var name: String
    /// The feature columns' names, when a CSV header gave them.
    var featureNames: [String]? = nil
    /// How a CSV table's columns became the inputs (a table read for training, or with a model's layout).
    var layout: TableLayout? = nil
    /// Notes for the user about what was done to the data (a dropped index column, dropped rows,
    /// filled cells).
    var notes: [String] = []
    /// Warnings for the user about the data (values training never saw).
    var warnings: [String] = []
    /// The target column's name (or `#N`), for a table.
    var targetName: String? = nil
    /// The shape `[channels, height, width]` of one sample when the samples are images: an IDX
    /// file's, a built-in data set's, or `--image-shape`'s (checked against the width).
    var imageShape: [Int]? = nil
}

extension LoadedData {
    /// Prints the notes (`note: …`) and warnings (`warning: …`) to standard error.
    func printNotes() {
        for note in notes { writeError("note: \(note)\n") }
        for warning in warnings { writeError("warning: \(warning)\n") }
    }
}

/// Reads the data the options name.
enum DataSource {
    /// The names `--dataset` accepts.
    static let datasetNames = NotebookData.names + ["fashion-mnist"]

    /// Fashion-MNIST's class names, by label.
    static let fashionClassNames = [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ]

    /// The folder of the Fashion-MNIST files; `NN_FASHION_MNIST_DIR` overrides it unless it is empty (as
    /// `NN_FASHION_MNIST_DIR= nn ...` sets it), which counts as unset.
    static var fashionFolder: String {
        ProcessInfo.processInfo.environment["NN_FASHION_MNIST_DIR"].flatMap { $0.isEmpty ? nil : $0 }
            ?? "/usr/share/datasets/fashion-mnist"
    }

    /// Loads the data; `needsTargets` makes a CSV's target column default to the last one.
    static func load<Scalar: MatrixScalar>(
        _ options: DataRequest, as type: Scalar.Type, needsTargets: Bool, command: String
    ) throws -> LoadedData<Scalar> {
        var loaded: LoadedData<Scalar>
        if let dataset = options.dataset {
            loaded = try loadDataset(dataset, as: type)
        } else if let path = options.data {
            loaded = try loadFile(path, options: options, as: type, needsTargets: needsTargets)
        } else {
            throw CommandError.noData(command: command)
        }
        if let limit = options.limit {
            loaded.inputs = loaded.inputs.rows(0..<min(limit, loaded.inputs.rows))
            loaded.targets = loaded.targets.map { $0.rows(0..<min(limit, $0.rows)) }
            loaded.test = loaded.test.map {
                ($0.inputs.rows(0..<min(limit, $0.inputs.rows)), $0.targets.rows(0..<min(limit, $0.targets.rows)))
            }
        }
        // A file may announce no samples of any width ((0, 2⁶⁰) costs a .npy header only); a network
        // of that width cannot be built.
        guard loaded.inputs.rows > 0 else {
            throw CommandError.dataMismatch("\(loaded.name): no samples (shape \(loaded.inputs.shapeDescription))")
        }
        guard loaded.inputs.columns > 0 else {
            throw CommandError.dataMismatch(
                "\(loaded.name): no feature columns (inputs of shape \(loaded.inputs.shapeDescription))\(delimiterHint(options.data))"
            )
        }
        try applyImageShape(options.imageShape, to: &loaded)
        if let targets = loaded.targets, targets.columns == 0 {
            throw CommandError.dataMismatch(
                "\(loaded.name): the targets have no columns (shape \(targets.shapeDescription))")
        }
        try requireFinite(loaded.inputs, "feature", source: loaded.name)
        if let targets = loaded.targets { try requireFinite(targets, "target column", source: loaded.name) }
        if let test = loaded.test {
            try requireFinite(test.inputs, "feature", source: "\(loaded.name) test set")
            try requireFinite(test.targets, "target column", source: "\(loaded.name) test set")
        }
        return loaded
    }

    /// Takes `--image-shape` (`asked`) as the samples' shape, refusing one whose size is not the
    /// samples' width or that differs from the shape the file carries (IDX images), naming both.
    static func applyImageShape<Scalar: MatrixScalar>(_ asked: [Int]?, to loaded: inout LoadedData<Scalar>) throws {
        guard let asked else { return }
        let text = ImageShapeOption.text(asked)
        if let known = loaded.imageShape, known != asked {
            throw CommandError.dataMismatch(
                "--image-shape \(text) does not match the images of \(displayPath(loaded.name)), which are \(ImageShapeOption.text(known)); leave --image-shape out"
            )
        }
        // Each size is at most 2²⁰ (validated), so the product of three cannot overflow.
        let size = asked.reduce(1, *)
        guard size == loaded.inputs.columns else {
            throw CommandError.dataMismatch(
                "--image-shape \(text) makes \(size) values per sample, but \(displayPath(loaded.name)) has \(loaded.inputs.columns) features per sample; give the shape of one image, channels,height,width"
            )
        }
        loaded.imageShape = asked
    }

    /// For a CSV file whose first line has no comma but semicolons or tabs, a hint that nn reads
    /// comma-separated files; empty otherwise.
    static func delimiterHint(_ path: String?) -> String {
        guard let path, kind(of: path) == "csv", let start = RawPath.firstBytes(of: path, count: 4096) else {
            return ""
        }
        let firstLine = String(decoding: start.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
        guard !firstLine.contains(",") else { return "" }
        if firstLine.contains(";") { return "; the file looks separated by ';': add --delimiter ';'" }
        if firstLine.contains("\t") { return "; the file looks separated by tabs: add --delimiter tab" }
        return ""
    }

    /// Throws a message naming the first nan or infinite value (a number such as 1e400 reads as inf):
    /// training on one only ends in a nan loss, and a prediction from one means nothing.
    static func requireFinite<Scalar: MatrixScalar>(_ matrix: Matrix<Scalar>, _ what: String, source: String) throws {
        let scalars = matrix.scalars
        guard let index = scalars.firstIndex(where: { !$0.isFinite }) else { return }
        throw CommandError.dataMismatch(
            "\(source): sample \(index / matrix.columns + 1), \(what) \(index % matrix.columns + 1) is \(scalars[index]); the network needs finite numbers (beyond ±\(Scalar.greatestFiniteMagnitude) a number reads as inf)"
        )
    }

    static func loadDataset<Scalar: MatrixScalar>(_ name: String, as type: Scalar.Type) throws -> LoadedData<Scalar> {
        if name == "fashion-mnist" {
            let folder = fashionFolder
            func file(_ stem: String) throws -> String {
                for candidate in ["\(folder)/\(stem).gz", "\(folder)/\(stem)"]
                where FileManager.default.fileExists(atPath: candidate) {
                    return candidate
                }
                throw CommandError.datasetNotInstalled(name: "fashion-mnist", folder: folder)
            }
            let (trainImages, shape): (Matrix<Scalar>, [Int]) = try readIDXImagesAndShape(
                from: try file("train-images-idx3-ubyte"))
            let trainLabels = try readIDXLabels(from: try file("train-labels-idx1-ubyte"))
            let testImages: Matrix<Scalar> = try readIDXImages(from: try file("t10k-images-idx3-ubyte"))
            let testLabels = try readIDXLabels(from: try file("t10k-labels-idx1-ubyte"))
            return LoadedData(
                inputs: trainImages, targets: .column(trainLabels.map { Scalar($0) }), classNames: fashionClassNames,
                test: (testImages, .column(testLabels.map { Scalar($0) })), name: "fashion-mnist",
                imageShape: shape)
        }
        guard let data = NotebookData.named(name) else {
            throw CommandError.invalidOption(
                "unknown data set '\(name)'; the built-in data sets are \(datasetNames.joined(separator: ", "))")
        }
        return LoadedData(inputs: Matrix<Scalar>(data.inputs), targets: Matrix<Scalar>(data.targets), name: name)
    }

    /// The format of a data file, from its name alone (``FileName/dataKind(of:)``).
    static func kind(of path: String) -> String { FileName.dataKind(of: path) }

    static func loadFile<Scalar: MatrixScalar>(
        _ path: String, options: DataRequest, as type: Scalar.Type, needsTargets: Bool
    ) throws -> LoadedData<Scalar> {
        switch kind(of: path) {
        case "npy": return try loadNPY(path, options: options, as: type, needsTargets: needsTargets)
        case "npz": return try loadNPZ(path, options: options, as: type, needsTargets: needsTargets)
        case "idx": return try loadIDX(path, options: options, as: type, needsTargets: needsTargets)
        default:
            if let layout = options.layout {
                return try TableData.load(
                    options, layout: layout, knownClassNames: options.knownClassNames, needsTargets: needsTargets,
                    as: type)
            }
            if options.readsTrainingTable { return try TableData.loadForTraining(options, as: type) }
            let features = options.features.map {
                $0.split(separator: ",").map { csvColumn(String($0).trimmingCharacters(in: .whitespaces)) }
            }
            let target: CSVColumn? = options.target.map(csvColumn) ?? (needsTargets ? .index(-1) : nil)
            var dataset: CSVDataset<Scalar> = try readCSV(
                from: path,
                options: CSVReadOptions(
                    header: options.header, delimiter: options.delimiter, featureColumns: features, targetColumn: target
                ))
            // A model that knows its features' names takes them by name from a file with a header,
            // whatever their order or the other columns there.
            if features == nil, let expected = options.expectedFeatureNames, let found = dataset.featureNames,
                found != expected
            {
                dataset = try readCSV(
                    from: path,
                    options: CSVReadOptions(
                        header: options.header, delimiter: options.delimiter,
                        featureColumns: expected.map { .name($0) },
                        targetColumn: target))
            }
            return LoadedData(
                inputs: dataset.features, targets: dataset.targets, classNames: dataset.labelEncoding?.classNames,
                name: path,
                featureNames: dataset.featureNames)
        }
    }

    /// An `.npy` file of inputs, with `--targets-file` or `--target` (a column of it) for the targets.
    static func loadNPY<Scalar: MatrixScalar>(
        _ path: String, options: DataRequest, as type: Scalar.Type, needsTargets: Bool
    ) throws -> LoadedData<Scalar> {
        var array: Matrix<Scalar> = try readNPY(from: path)
        if let targetsFile = options.targetsFile {
            let rawTargets = try readNPY(from: targetsFile, as: type)
            array = samplesShaped(array, targetCount: rawTargets.count)
            let targets = columnShaped(rawTargets, rows: array.rows)
            guard targets.rows == array.rows else {
                throw CommandError.dataMismatch(
                    "\(targetsFile): \(targets.rows) target rows for the \(array.rows) samples of \(path); the files must have one row per sample"
                )
            }
            return LoadedData(inputs: array, targets: targets, name: path)
        }
        guard needsTargets || options.target != nil else { return LoadedData(inputs: array, name: path) }
        let column = try targetIndex(options.target ?? "-1", columns: array.columns, file: path)
        guard array.columns >= 2 else {
            throw CommandError.dataMismatch(
                "\(path): shape \(array.shapeDescription) has no room for both features and a target; give the targets with --targets-file FILE"
            )
        }
        var parts: [Matrix<Scalar>] = []
        if column > 0 { parts.append(array.columns(0..<column)) }
        if column + 1 < array.columns { parts.append(array.columns((column + 1)..<array.columns)) }
        let features = Matrix<Scalar>.concatenatedHorizontally(parts)
        return LoadedData(inputs: features, targets: array.columns(column..<(column + 1)), name: path)
    }

    /// The `--inputs-key` and `--targets-key` arrays of an `.npz` archive (only those two are decoded).
    static func loadNPZ<Scalar: MatrixScalar>(
        _ path: String, options: DataRequest, as type: Scalar.Type, needsTargets: Bool
    ) throws -> LoadedData<Scalar> {
        // Only the two arrays asked for are decoded.
        let archive = try NPZArchive(path: path)
        guard var inputs = try archive.array(named: options.inputsKey, as: type) else {
            throw CommandError.dataMismatch(
                "\(path): no array '\(options.inputsKey)' (the archive holds \(archive.names.joined(separator: ", "))); choose one with --inputs-key"
            )
        }
        guard let raw = try archive.array(named: options.targetsKey, as: type) else {
            if needsTargets {
                throw CommandError.dataMismatch(
                    "\(path): no array '\(options.targetsKey)' (the archive holds \(archive.names.joined(separator: ", "))); choose one with --targets-key"
                )
            }
            return LoadedData(inputs: inputs, name: path)
        }
        inputs = samplesShaped(inputs, targetCount: raw.count)
        let targets = columnShaped(raw, rows: inputs.rows)
        guard targets.rows == inputs.rows else {
            throw CommandError.dataMismatch(
                "\(path): '\(options.targetsKey)' has shape \(raw.shapeDescription) but '\(options.inputsKey)' has \(inputs.rows) samples"
            )
        }
        return LoadedData(inputs: inputs, targets: targets, name: path)
    }

    /// IDX images with their `--labels` file.
    static func loadIDX<Scalar: MatrixScalar>(
        _ path: String, options: DataRequest, as type: Scalar.Type, needsTargets: Bool
    ) throws -> LoadedData<Scalar> {
        // Three dimensions (images, rows, columns) or four (images, channels, rows, columns).
        let (images, shape): (Matrix<Scalar>, [Int]) = try readIDXImagesAndShape(from: path)
        guard let labelsPath = options.labels else {
            if needsTargets {
                throw CommandError.dataMismatch("\(path): IDX images need their labels: add --labels LABELS-FILE")
            }
            return LoadedData(inputs: images, name: path, imageShape: shape)
        }
        let labels = try readIDXLabels(from: labelsPath)
        guard labels.count == images.rows else {
            throw CommandError.dataMismatch(
                "\(labelsPath): \(labels.count) labels for the \(images.rows) images of \(path)")
        }
        let classCount = (labels.max() ?? 0) + 1
        return LoadedData(
            inputs: images, targets: .column(labels.map { Scalar($0) }),
            classNames: (0..<classCount).map(String.init), name: path, imageShape: shape)
    }

    /// Inputs read as a `(1, n)` row (a 1-D array, as numpy writes `np.arange(n)`) become `n` samples of
    /// one feature, an `(n, 1)` column, when there are `n` targets: one sample cannot match them.
    static func samplesShaped<Scalar: MatrixScalar>(_ inputs: Matrix<Scalar>, targetCount: Int) -> Matrix<Scalar> {
        inputs.rows == 1 && inputs.columns > 1 && targetCount == inputs.columns ? inputs.transposed() : inputs
    }

    /// A 1-D array read as a `(1, n)` row becomes an `(n, 1)` column when there are `n` samples.
    static func columnShaped<Scalar: MatrixScalar>(_ array: Matrix<Scalar>, rows: Int) -> Matrix<Scalar> {
        array.rows == 1 && rows != 1 && array.columns == rows ? array.transposed() : array
    }

    static func targetIndex(_ text: String, columns: Int, file: String) throws -> Int {
        guard let index = Int(text) else {
            throw CommandError.invalidOption("\(file): --target must be a column index for an .npy file, got '\(text)'")
        }
        let resolved = index < 0 ? columns + index : index
        guard resolved >= 0 && resolved < columns else {
            throw CommandError.invalidOption("\(file): --target \(index) is outside the \(columns) columns")
        }
        return resolved
    }
}
