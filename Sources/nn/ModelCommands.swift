import ArgumentParser
import Foundation
import Network
import Tensor
import TensorIO

/// A saved model, loaded in its own precision, with the data it is applied to.
struct LoadedModel<Scalar: MatrixScalar> {
    var file: ModelFile
    var path: String
    var network: Sequential<Scalar>

    init(_ file: ModelFile, path: String) {
        self.file = file
        self.path = path
        network = file.network()
    }

    /// The inputs, checked against the model's width and scaled by its input transform.
    func prepare(_ inputs: Matrix<Scalar>, source: String) throws -> Matrix<Scalar> {
        guard inputs.columns == network.inputSize else {
            throw CommandError.dataMismatch(
                "\(source): \(inputs.columns) features per sample (shape \(inputs.shapeDescription)) but the model \(path) expects \(network.inputSize); select the model's feature columns with --features or --target")
        }
        return file.inputTransform?.apply(to: inputs) ?? inputs
    }
}

/// `--model FILE`, shared by predict, evaluate and info.
struct ModelOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "The model file written by 'nn train --save'.")
    var model: String
}

/// Runs `body` with the model loaded in its saved precision.
func withModel(_ path: String, _ body: (ModelFile) throws -> Void) throws {
    try body(try ModelFile.read(from: path))
}

/// `nn predict`: applies a saved model to data.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Apply a saved model to a CSV or .npy file and write its predictions.",
        discussion: """
            Classifiers write one class name per sample (or, with --probabilities, one probability per class); \
            regressors write their outputs. The output format follows the --output extension (.csv or .npy); \
            without --output, CSV goes to standard output.
            """)

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "The input file: CSV in the training file's layout (the target and other unused columns are ignored; a header's names pick the features) or .npy.")
    var data: String

    @OptionGroup(title: "CSV options") var csv: CSVOptions

    @Option(help: "What a text value training never saw does: error (naming the column and value) or zero (its one-hot inputs are all zero).")
    var unknownCategories: UnknownCategoryOption?

    @Option(name: .shortAndLong, help: "The output file, .csv or .npy (default: standard output as CSV).")
    var output: String?

    @Flag(help: "Write class probabilities instead of class names.")
    var probabilities = false

    func validate() throws {
        if let output, !(output.hasSuffix(".csv") || output.hasSuffix(".npy")) {
            throw ValidationError("--output must end in .csv or .npy, got '\(output)'")
        }
        if DataSource.kind(of: data) != "csv", !csv.given.isEmpty || unknownCategories != nil {
            let given = csv.given + (unknownCategories != nil ? ["--unknown-categories"] : [])
            throw ValidationError("\(given.joined(separator: ", ")) \(given.count == 1 ? "does" : "do") not apply to \(data), which is not a CSV file")
        }
    }

    func run() throws {
        try OutputPaths.check(outputs: [("--output", output)], inputs: [("--data", data), ("--model", modelOptions.model)])
        let file = try ModelFile.read(from: modelOptions.model)
        if file.precision == "double" { try predict(LoadedModel<Double>(file, path: modelOptions.model)) } else {
            try predict(LoadedModel<Float>(file, path: modelOptions.model))
        }
    }

    func predict<Scalar: MatrixScalar>(_ model: LoadedModel<Scalar>) throws {
        let file = model.file
        if probabilities && file.classNames == nil {
            throw CommandError.usage("--probabilities applies to classifiers, and \(modelOptions.model) is a regression model")
        }
        var source = DataRequest(
            data: data, target: csv.target, features: csv.features, header: (csv.header ?? .auto).header,
            delimiter: (csv.delimiter ?? DelimiterOption(",")).character, expectedFeatureNames: file.featureNames)
        source.drop = csv.drop
        if let layout = file.tableLayout, DataSource.kind(of: data) == "csv" {
            if csv.features != nil || csv.drop != nil || csv.missing != nil {
                throw CommandError.usage("--features, --drop and --missing do not apply: the model \(modelOptions.model) reads its own columns (\(layout.columns.map(\.name).prefix(6).joined(separator: ", "))\(layout.columns.count > 6 ? ", …" : ""))")
            }
            source.layout = layout
            source.unknownCategories = unknownCategories ?? .error
        }
        let loaded = try DataSource.load(source, as: Scalar.self, needsTargets: false, command: "predict")
        let inputs = try model.prepare(loaded.inputs, source: data)
        let outputs = try model.network.predict(inputs)
        var values: Matrix<Scalar>
        var columnNames: [String]
        var labels: [String]? = nil
        let predictionName = file.tableLayout?.targetName.flatMap { $0.hasPrefix("#") ? nil : $0 } ?? "prediction"
        if let classNames = file.classNames {
            let indices = file.loss.classIndices(fromOutputs: outputs, finalActivation: model.network.finalActivation)
            labels = indices.map { $0 < classNames.count ? classNames[$0] : String($0) }
            if probabilities {
                values = file.loss.predictions(fromOutputs: outputs, finalActivation: model.network.finalActivation)
                if values.columns == 1 {
                    // One sigmoid output: the probability of the second class; both columns are written.
                    values = .concatenatedHorizontally([values.map { 1 - $0 }, values])
                }
                columnNames = values.columns == classNames.count ? classNames : (0..<values.columns).map { "P(\($0))" }
            } else {
                values = .column(indices.map { Scalar($0) })
                columnNames = [predictionName]
            }
        } else {
            values = file.loss.predictions(fromOutputs: outputs, finalActivation: model.network.finalActivation)
            if let transform = file.targetTransform { values = transform.invert(values) }
            columnNames = values.columns == 1 ? [predictionName] : (0..<values.columns).map { "\(predictionName)\($0)" }
        }
        if let output, output.hasSuffix(".npy") {
            try writeNPY(values, to: output)
            write("wrote \(values.rows) predictions to \(output)\n")
            return
        }
        // A CSV with a header: the prediction, and under --probabilities one column per class.
        var text = ((probabilities ? [predictionName] : []) + columnNames).map { csvCell($0) }.joined(separator: ",") + "\n"
        let scalars = values.scalars
        for row in 0..<values.rows {
            var cells: [String] = []
            if let labels { cells.append(csvCell(labels[row])) }
            if labels == nil || probabilities {
                cells += (0..<values.columns).map { scalars[row * values.columns + $0].description }
            }
            text += cells.joined(separator: ",") + "\n"
        }
        if let output {
            try ModelFile.writeAtomically(Data(text.utf8), to: output)
            write("wrote \(values.rows) predictions to \(output)\n")
        } else {
            write(text)
        }
    }
}

/// A CSV cell, quoted when needed.
func csvCell(_ text: String) -> String {
    text.contains(",") || text.contains("\"") || text.contains("\n") ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
}

/// `nn evaluate`: the loss, accuracy and confusion matrix of a saved model on labelled data.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Measure a saved model's loss and accuracy on labelled data.",
        discussion: "Classifiers also get a confusion matrix. With --dataset fashion-mnist the test set is used.")

    @OptionGroup var modelOptions: ModelOptions

    @OptionGroup var source: DataOptions

    @Option(help: "What a text value training never saw does: error (naming the column and value) or zero (its one-hot inputs are all zero).")
    var unknownCategories: UnknownCategoryOption?

    @Flag(help: "Print the scores as one JSON object (keys: model, data, samples, task, loss, and accuracy, classes, report, confusion for a classifier or r2, rmse, mae for a regressor).")
    var json = false

    func run() throws {
        let file = try ModelFile.read(from: modelOptions.model)
        if file.precision == "double" { try evaluate(LoadedModel<Double>(file, path: modelOptions.model)) } else {
            try evaluate(LoadedModel<Float>(file, path: modelOptions.model))
        }
    }

    func evaluate<Scalar: MatrixScalar>(_ model: LoadedModel<Scalar>) throws {
        var request = source.request
        request.expectedFeatureNames = model.file.featureNames
        if let layout = model.file.tableLayout, source.data.map({ DataSource.kind(of: $0) == "csv" }) == true {
            if source.csv.features != nil || source.csv.drop != nil || source.csv.missing != nil {
                throw CommandError.usage("--features, --drop and --missing do not apply: the model \(modelOptions.model) reads its own columns")
            }
            request.layout = layout
            request.knownClassNames = model.file.classNames
            request.unknownCategories = unknownCategories ?? .error
        }
        let loaded = try DataSource.load(request, as: Scalar.self, needsTargets: true, command: "evaluate")
        var rawInputs = loaded.inputs
        var rawTargets = loaded.targets
        var setName = loaded.name
        if let test = loaded.test {
            rawInputs = test.inputs
            rawTargets = test.targets
            setName += " test set"
        }
        guard var targets = rawTargets else { throw CommandError.dataMismatch("\(loaded.name): no targets to evaluate against") }
        var dataNames = loaded.classNames
        if model.file.classNames == nil, let names = dataNames {
            throw CommandError.dataMismatch(
                "\(loaded.name): the targets are class labels (\(names.prefix(3).joined(separator: ", "))\(names.count > 3 ? ", …" : "")) but the model \(model.path) is a regression model without classes")
        }
        if let known = model.file.classNames, let names = dataNames, request.layout == nil {
            targets = try TargetPreparation.remap(targets, dataClassNames: names, modelClassNames: known, source: loaded.name)
            dataNames = known
        } else if let known = model.file.classNames, dataNames == nil, targets.columns == 1,
            case let labels = targets.scalars.map({ TableData.numberLabel(Double($0)) }),
            labels.allSatisfy({ known.contains($0) })
        {
            // Numeric class labels that are the model's class names ("3", "5", "7" from a table or an
            // .npz); other numbers stay class indices, as a model with named classes reads them.
            targets = .column(labels.map { Scalar(known.firstIndex(of: $0)!) })
            dataNames = known
        }
        var prepared = try TargetPreparation.prepare(
            targets, classNames: dataNames, knownClassNames: model.file.classNames, loss: model.file.loss, source: loaded.name)
        guard prepared.targets.columns == model.network.outputSize else {
            throw CommandError.dataMismatch(
                "\(loaded.name): the targets give \(prepared.targets.columns) columns but the model \(model.path) has \(model.network.outputSize) outputs")
        }
        if let transform = model.file.targetTransform { prepared.targets = transform.apply(to: prepared.targets) }
        let inputs = try model.prepare(rawInputs, source: loaded.name)
        let score = try Score.measure(
            network: model.network, inputs: inputs, targets: prepared, loss: model.file.loss, targetTransform: model.file.targetTransform)
        if json {
            let output = EvaluateSummary(
                model: model.path, data: setName, samples: score.count, task: score.report != nil ? "classification" : "regression",
                loss: score.loss, accuracy: score.accuracy, classes: score.classNames, report: score.report, confusion: score.confusion,
                r2: score.regression?.r2, rmse: score.regression?.rootMeanSquaredError, mae: score.regression?.meanAbsoluteError)
            write(try jsonText(output) + "\n")
            return
        }
        var lines = ["\(setName): \(inputs.rows) samples", "loss (\(lossName(model.file.loss))\(model.file.targetTransform != nil ? ", on standardized targets" : "")): \(score.loss)"]
        if let accuracy = score.accuracy { lines.append("accuracy: \(fixed(accuracy, 4))") }
        if let regression = score.regression {
            lines.append("R²: \(fixed(regression.r2, 4))")
            lines.append("root mean squared error: \(regression.rootMeanSquaredError)")
            lines.append("mean absolute error: \(regression.meanAbsoluteError)")
        }
        if let classNames = score.classNames, let counts = score.confusion {
            lines.append("")
            lines += score.reportLines()
            lines.append("")
            lines.append("confusion matrix (rows: actual class, columns: predicted class):")
            var confusion = ConfusionMatrix(actual: [], predicted: [], classCount: counts.count)
            confusion.counts = counts
            lines += confusionTable(confusion, names: classNames)
        }
        write(lines.joined(separator: "\n") + "\n")
    }

    func confusionTable(_ confusion: ConfusionMatrix, names: [String]) -> [String] {
        let labels = confusion.counts.indices.map { $0 < names.count ? names[$0] : String($0) }
        let labelWidth = labels.map(\.count).max() ?? 1
        let cellWidth = max(5, (confusion.counts.joined().map { String($0).count }.max() ?? 1) + 1)
        func pad(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
        var lines = [pad("", labelWidth) + " " + confusion.counts.indices.map { pad(String($0), cellWidth) }.joined()]
        for (index, row) in confusion.counts.enumerated() {
            lines.append(pad(labels[index], labelWidth) + " " + row.map { pad(String($0), cellWidth) }.joined() + "   (\(index))")
        }
        return lines
    }
}

/// `nn info`: what a model file holds.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Describe a saved model: layers, activations, parameter count, precision, loss and classes.")

    @OptionGroup var modelOptions: ModelOptions

    @Flag(help: "Print the description as one JSON object (keys: model, precision, loss, task, layers, parameters, classes, features, columns, inputTransform, targetTransform, metadata).")
    var json = false

    func run() throws {
        let file = try ModelFile.read(from: modelOptions.model)
        if json {
            let layers = file.layers.map { layer in
                InfoSummary.Layer(
                    type: layer.type, inputSize: layer.inputSize, outputSize: layer.outputSize, activation: layer.activation.rawValue,
                    bias: layer.type == "dense" ? layer.bias != nil : nil)
            }
            let parameters = file.layers.reduce(0) { total, layer in
                total + (layer.inputSize ?? 0) * (layer.outputSize ?? 0) + (layer.bias != nil ? layer.outputSize ?? 0 : 0)
            }
            let summary = InfoSummary(
                model: modelOptions.model, precision: file.precision, loss: lossName(file.loss),
                task: file.classNames != nil ? "classification" : "regression", layers: layers, parameters: parameters,
                classes: file.classNames, features: file.featureNames, columns: file.tableLayout, inputTransform: file.inputTransform,
                targetTransform: file.targetTransform, metadata: file.metadata)
            write(try jsonText(summary) + "\n")
            return
        }
        var lines = ["model: \(modelOptions.model)", "precision: \(file.precision)", "loss: \(lossName(file.loss))", "layers:"]
        var parameterCount = 0
        for (index, layer) in file.layers.enumerated() {
            if layer.type == "dense", let inputs = layer.inputSize, let outputs = layer.outputSize {
                let count = inputs * outputs + (layer.bias != nil ? outputs : 0)
                parameterCount += count
                lines.append("  \(index): dense \(inputs) -> \(outputs), \(layer.activation.rawValue), \(layer.bias != nil ? "bias" : "no bias"), \(ProgressReporter.count(Double(count))) parameters")
            } else {
                lines.append("  \(index): activation \(layer.activation.rawValue)")
            }
        }
        lines.append("parameters: \(ProgressReporter.count(Double(parameterCount)))")
        if let classNames = file.classNames { lines.append("classes (\(classNames.count)): \(classNames.joined(separator: ", "))") }
        if let featureNames = file.featureNames {
            let shown = featureNames.prefix(10).joined(separator: ", ") + (featureNames.count > 10 ? ", …" : "")
            lines.append("features (\(featureNames.count)): \(shown)")
        }
        if let transform = file.inputTransform { lines.append("input transform: (x - offset) * scale for \(transform.offset.count) features") }
        if let transform = file.targetTransform { lines.append("target transform: predictions are output / \(transform.scale[0]) + \(transform.offset[0]) (trained on standardized targets)") }
        if let layout = file.tableLayout {
            let oneHot = layout.columns.filter { $0.categories != nil }
            lines.append("table: target '\(layout.targetName ?? "?")', \(layout.columns.count) columns\(oneHot.isEmpty ? "" : " (\(oneHot.map { "\($0.name): \($0.categories!.count) categories" }.joined(separator: ", ")))"), missing values: \(layout.missing)")
        }
        for key in file.metadata.keys.sorted() { lines.append("\(key): \(file.metadata[key] ?? "")") }
        write(lines.joined(separator: "\n") + "\n")
    }
}

/// `nn evaluate --json`: the scores on the data.
struct EvaluateSummary: Encodable {
    var model: String, data: String, samples: Int, task: String, loss: Double
    var accuracy: Double?, classes: [String]?, report: ClassificationReport?, confusion: [[Int]]?
    var r2: Double?, rmse: Double?, mae: Double?
}

/// `nn info --json`: what a model file holds.
struct InfoSummary: Encodable {
    struct Layer: Encodable {
        var type: String, inputSize: Int?, outputSize: Int?, activation: String, bias: Bool?
    }
    var model: String, precision: String, loss: String, task: String, layers: [Layer], parameters: Int
    var classes: [String]?, features: [String]?, columns: TableLayout?
    var inputTransform: ModelFile.InputTransform?, targetTransform: ModelFile.InputTransform?
    var metadata: [String: String]
}
