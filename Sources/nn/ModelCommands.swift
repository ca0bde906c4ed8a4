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

    /// Reads the model at `path`, its weights straight into the network.
    init(path: String) throws {
        (file, network) = try ModelFile.readNetwork(from: path, as: Scalar.self)
        self.path = path
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

    @Option(help: "The input file: CSV (features only, or name the column to drop with --target) or .npy.")
    var data: String

    @Option(help: "A CSV column to leave out of the features (the target), by name or index.")
    var target: String?

    @Option(help: "The CSV feature columns, comma-separated names or indices.")
    var features: String?

    @Option(help: "Whether a CSV file's first line is a header: auto (detected when its cells are all text, or a text cell stands above a number), yes or no.")
    var header: HeaderOption = .auto

    @Option(help: "The character between a CSV file's cells: one character, or 'tab'.")
    var delimiter: DelimiterOption = DelimiterOption(",")

    @Option(name: .shortAndLong, help: "The output file, .csv or .npy (default: standard output as CSV).")
    var output: String?

    @Flag(help: "Write class probabilities instead of class names.")
    var probabilities = false

    func validate() throws {
        if let output, !(output.hasSuffix(".csv") || output.hasSuffix(".npy")) {
            throw ValidationError("--output must end in .csv or .npy, got '\(output)'")
        }
    }

    func run() throws {
        try OutputPaths.check(outputs: [("--output", output)], inputs: [("--data", data), ("--model", modelOptions.model)])
        let file = try ModelFile.readMetadata(from: modelOptions.model)
        if file.precision == "double" { try predict(LoadedModel<Double>(path: modelOptions.model)) } else {
            try predict(LoadedModel<Float>(path: modelOptions.model))
        }
    }

    func predict<Scalar: MatrixScalar>(_ model: LoadedModel<Scalar>) throws {
        let source = DataRequest(
            data: data, target: target, features: features, header: header.header, delimiter: delimiter.character,
            expectedFeatureNames: model.file.featureNames)
        let loaded = try DataSource.load(source, as: Scalar.self, needsTargets: false, command: "predict")
        let inputs = try model.prepare(loaded.inputs, source: data)
        let outputs = try model.network.predict(inputs)
        let file = model.file
        let values: Matrix<Scalar>
        var columnNames: [String]? = nil
        var labels: [String]? = nil
        if let classNames = file.classNames, !probabilities {
            let indices = file.loss.classIndices(fromOutputs: outputs, finalActivation: model.network.finalActivation)
            labels = indices.map { $0 < classNames.count ? classNames[$0] : String($0) }
            values = .column(indices.map { Scalar($0) })
        } else {
            values = file.loss.predictions(fromOutputs: outputs, finalActivation: model.network.finalActivation)
            if let classNames = file.classNames {
                columnNames = values.columns == classNames.count ? classNames : (values.columns == 1 ? ["P(\(classNames.last ?? "1"))"] : nil)
            }
        }
        if let output, output.hasSuffix(".npy") {
            try writeNPY(values, to: output)
            write("wrote \(values.rows) predictions to \(output)\n")
            return
        }
        var text = ""
        if let labels {
            text = labels.map { csvCell($0) }.joined(separator: "\n") + "\n"
        } else {
            if let columnNames { text += columnNames.map { csvCell($0) }.joined(separator: ",") + "\n" }
            let scalars = values.scalars
            for row in 0..<values.rows {
                text += (0..<values.columns).map { scalars[row * values.columns + $0].description }.joined(separator: ",") + "\n"
            }
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

    func run() throws {
        let file = try ModelFile.readMetadata(from: modelOptions.model)
        if file.precision == "double" { try evaluate(LoadedModel<Double>(path: modelOptions.model)) } else {
            try evaluate(LoadedModel<Float>(path: modelOptions.model))
        }
    }

    func evaluate<Scalar: MatrixScalar>(_ model: LoadedModel<Scalar>) throws {
        var request = source.request
        request.expectedFeatureNames = model.file.featureNames
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
        if let known = model.file.classNames, let names = dataNames {
            targets = try TargetPreparation.remap(targets, dataClassNames: names, modelClassNames: known, source: loaded.name)
            dataNames = known
        }
        let prepared = try TargetPreparation.prepare(
            targets, classNames: dataNames, knownClassNames: model.file.classNames, loss: model.file.loss, source: loaded.name)
        guard prepared.targets.columns == model.network.outputSize else {
            throw CommandError.dataMismatch(
                "\(loaded.name): the targets give \(prepared.targets.columns) columns but the model \(model.path) has \(model.network.outputSize) outputs")
        }
        let inputs = try model.prepare(rawInputs, source: loaded.name)
        let evaluation = try model.network.evaluate(
            inputs, prepared.targets, loss: model.file.loss, metrics: prepared.measuresAccuracy ? [.accuracy] : [.meanAbsoluteError])
        var lines = ["\(setName): \(inputs.rows) samples", "loss (\(lossName(model.file.loss))): \(evaluation.loss)"]
        if let accuracy = evaluation.metrics[.accuracy] { lines.append("accuracy: \(fixed(accuracy, 4))") }
        if let error = evaluation.metrics[.meanAbsoluteError] { lines.append("mean absolute error: \(error)") }
        if let classNames = prepared.classNames {
            let outputs = try model.network.predict(inputs)
            let predicted = model.file.loss.classIndices(fromOutputs: outputs, finalActivation: model.network.finalActivation)
            let actual = model.file.loss.classIndices(fromOutputs: prepared.targets, finalActivation: .sigmoid)
            let confusion = ConfusionMatrix(actual: actual, predicted: predicted, classCount: max(classNames.count, 2))
            lines.append("")
            lines.append("confusion matrix (rows: actual class, columns: predicted class):")
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

    func run() throws {
        let file = try ModelFile.readMetadata(from: modelOptions.model)
        var lines = ["model: \(modelOptions.model)", "precision: \(file.precision)", "loss: \(lossName(file.loss))", "layers:"]
        var parameterCount = 0
        for (index, layer) in file.layers.enumerated() {
            if layer.type == "dense", let inputs = layer.inputSize, let outputs = layer.outputSize {
                let count = inputs * outputs + (layer.hasBias ? outputs : 0)
                parameterCount += count
                lines.append("  \(index): dense \(inputs) -> \(outputs), \(layer.activation.rawValue), \(layer.hasBias ? "bias" : "no bias"), \(ProgressReporter.count(Double(count))) parameters")
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
        for key in file.metadata.keys.sorted() { lines.append("\(key): \(file.metadata[key] ?? "")") }
        write(lines.joined(separator: "\n") + "\n")
    }
}
