import ArgumentParser
import Foundation
import Network
import Tensor
import TensorIO

/// `nn evaluate`: the loss, accuracy and confusion matrix of a saved model on labelled data.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Measure a saved model's loss and accuracy on labelled data.",
        usage: "nn evaluate --model <file> (--data <file> | --dataset <name>) [<options>]",
        discussion: "Classifiers also get a confusion matrix. With --dataset fashion-mnist the test set is used.")

    @OptionGroup var modelOptions: ModelOptions

    @OptionGroup var source: DataOptions

    @OptionGroup var inference: InferenceOptions

    @Option(help: UnknownCategoryOption.help)
    var unknownCategories: UnknownCategoryOption?

    @Flag(
        help:
            "Print the scores as one JSON object (keys: model, data, samples, target (a table's target column), task, loss, and accuracy, classes, report, confusion for a classifier or r2, rmse, mae for a regressor)."
    )
    var json = false

    func run() throws {
        let file = try ModelFile.readMetadata(from: modelOptions.model)
        if file.scalarPrecision == .double {
            try evaluate(LoadedModel<Double>(path: modelOptions.model))
        } else {
            try evaluate(LoadedModel<Float>(path: modelOptions.model))
        }
    }

    func evaluate<Scalar: MatrixScalar>(_ model: LoadedModel<Scalar>) throws {
        var request = source.request
        request.expectedFeatureNames = model.file.featureNames
        if let layout = model.file.tableLayout, source.data.map({ DataSource.kind(of: $0) == "csv" }) == true {
            if source.csv.features != nil || source.csv.drop != nil {
                throw CommandError.usage(
                    "--features and --drop apply to models trained on .npy or .npz files: the model \(modelOptions.model) reads its own columns"
                )
            }
            request.layout = layout
            request.knownClassNames = model.file.classNames
            request.unknownCategories = unknownCategories ?? .zero
        } else if unknownCategories != nil {
            throw CommandError.usage(
                "--unknown-categories applies to models trained on CSV tables, with a CSV file to read; leave it out"
            )
        }
        let loaded = try DataSource.load(request, as: Scalar.self, needsTargets: true, command: "evaluate")
        try model.checkImageShape(of: loaded, asked: source.imageShape?.shape)
        loaded.printNotes()
        var rawInputs = loaded.inputs
        var rawTargets = loaded.targets
        var setName = loaded.name
        if let test = loaded.test {
            rawInputs = test.inputs
            rawTargets = test.targets
            setName += " test set"
        }
        guard var targets = rawTargets else {
            throw CommandError.dataMismatch("\(loaded.name): no targets to evaluate against")
        }
        var dataNames = loaded.classNames
        if model.file.classNames == nil, let names = dataNames {
            throw CommandError.dataMismatch(
                "\(loaded.name): the targets are class labels (\(names.prefix(3).joined(separator: ", "))\(names.count > 3 ? ", …" : "")) but the model \(model.path) is a regression model without classes"
            )
        }
        if let known = model.file.classNames, let names = dataNames, request.layout == nil {
            targets = try TargetPreparation.remap(
                targets, dataClassNames: names, modelClassNames: known, source: loaded.name)
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
            targets, classNames: dataNames, knownClassNames: model.file.classNames, loss: model.file.loss,
            source: loaded.name)
        guard prepared.targets.columns == model.network.outputSize else {
            throw CommandError.dataMismatch(
                "\(loaded.name): the targets give \(prepared.targets.columns) columns but the model \(model.path) has \(model.network.outputSize) outputs"
            )
        }
        if let transform = model.file.targetTransform { prepared.targets = transform.apply(to: prepared.targets) }
        let inputs = try model.prepare(rawInputs, source: loaded.name)
        let batchSize = try model.batchSize(rows: inputs.rows, requested: inference.batchSize, command: "evaluate")
        let score = try model.allocating(batchSize: batchSize) {
            try Score.measure(
                network: model.network, inputs: inputs, targets: prepared, loss: model.file.loss,
                targetTransform: model.file.targetTransform, model: model.path, batchSize: batchSize)
        }
        try printScore(score, setName: setName, rows: inputs.rows, target: loaded.targetName, model: model)
    }

    /// The scores as text (with the classification report and confusion matrix) or `--json`; `target`
    /// names the table column the targets came from.
    func printScore<Scalar: MatrixScalar>(
        _ score: Score, setName: String, rows: Int, target: String?, model: LoadedModel<Scalar>
    ) throws {
        if json {
            let output = EvaluateSummary(
                model: model.path, data: setName, samples: score.count, target: target,
                task: score.report != nil ? "classification" : "regression",
                loss: score.loss, accuracy: score.accuracy, classes: score.classNames, report: score.report,
                confusion: score.confusion,
                r2: score.regression?.r2, rmse: score.regression?.rootMeanSquaredError,
                mae: score.regression?.meanAbsoluteError)
            write(try jsonText(output) + "\n")
            return
        }
        var lines = [
            "\(setName): \(rows) samples" + (target.map { ", target '\($0)'" } ?? ""),
            "loss (\(lossName(model.file.loss))\(model.file.targetTransform != nil ? ", on standardized targets" : "")): \(score.loss)",
        ]
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
        func pad(_ text: String, _ width: Int) -> String {
            String(repeating: " ", count: max(0, width - text.count)) + text
        }
        var lines = [pad("", labelWidth) + " " + confusion.counts.indices.map { pad(String($0), cellWidth) }.joined()]
        for (index, row) in confusion.counts.enumerated() {
            lines.append(
                pad(labels[index], labelWidth) + " " + row.map { pad(String($0), cellWidth) }.joined() + "   (\(index))"
            )
        }
        return lines
    }
}

/// `nn evaluate --json`: the scores on the data.
struct EvaluateSummary: Encodable {
    var model: String, data: String, samples: Int
    /// The table column the targets came from.
    var target: String?
    var task: String, loss: Double
    var accuracy: Double?, classes: [String]?, report: ClassificationReport?, confusion: [[Int]]?
    var r2: Double?, rmse: Double?, mae: Double?
}
