import ArgumentParser
import Foundation
import Network
import Tensor
import TensorIO

/// `nn predict`: applies a saved model to data.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Apply a saved model to a CSV or .npy file and write its predictions.",
        usage: "nn predict --model <file> --data <file> [<options>]",
        discussion: """
            Classifiers write one class name per sample (or, with --probabilities, one probability per class); \
            regressors write their outputs. The output format follows the --output extension (.csv or .npy); \
            without --output, CSV goes to standard output.
            """)

    @OptionGroup var modelOptions: ModelOptions

    @Option(
        help:
            "The input file: CSV in the training file's layout (the target and other unused columns are ignored; a header's names pick the features) or .npy."
    )
    var data: String

    @OptionGroup(title: "CSV options") var csv: CSVOptions

    @Option(help: UnknownCategoryOption.help)
    var unknownCategories: UnknownCategoryOption?

    @Option(name: .shortAndLong, help: "The output file, .csv or .npy (default: standard output as CSV).")
    var output: String?

    @Flag(help: "Write class probabilities instead of class names.")
    var probabilities = false

    @OptionGroup var inference: InferenceOptions

    @Option(
        name: .customLong("image-shape"),
        help: ArgumentHelp(
            "The shape of one image, channels,height,width, checked against the model's (which needs none: it knows its own).",
            valueName: "c,h,w"))
    var imageShape: ImageShapeOption?

    func validate() throws {
        try imageShape?.validate()
        if let output, !(FileName.hasEnding(output, ".csv") || FileName.hasEnding(output, ".npy")) {
            throw ValidationError("--output must end in .csv or .npy, got '\(output)'")
        }
        if DataSource.kind(of: data) != "csv", !csv.given.isEmpty || unknownCategories != nil {
            let given = csv.given + (unknownCategories != nil ? ["--unknown-categories"] : [])
            throw ValidationError(
                "\(given.joined(separator: ", ")) \(given.count == 1 ? "does" : "do") not apply to \(data), which is not a CSV file"
            )
        }
    }

    func run() throws {
        try OutputPaths.check(
            outputs: [("--output", output)], inputs: [("--data", data), ("--model", modelOptions.model)])
        let file = try ModelFile.readMetadata(from: modelOptions.model)
        if file.scalarPrecision == .double {
            try predict(LoadedModel<Double>(path: modelOptions.model))
        } else {
            try predict(LoadedModel<Float>(path: modelOptions.model))
        }
    }

    func predict<Scalar: MatrixScalar>(_ model: LoadedModel<Scalar>) throws {
        let file = model.file
        if probabilities && file.classNames == nil {
            throw CommandError.usage(
                "--probabilities applies to classifiers, and \(modelOptions.model) is a regression model")
        }
        var source = DataRequest(
            data: data, target: csv.target, features: csv.features, header: (csv.header ?? .auto).header,
            delimiter: (csv.delimiter ?? DelimiterOption(",")).character, expectedFeatureNames: file.featureNames)
        source.drop = csv.drop
        source.imageShape = imageShape?.shape
        if let layout = file.tableLayout, DataSource.kind(of: data) == "csv" {
            if csv.features != nil || csv.drop != nil {
                throw CommandError.usage(
                    "--features and --drop apply to models trained on .npy or .npz files: the model \(modelOptions.model) reads its own columns (\(layout.columns.map(\.name).prefix(6).joined(separator: ", "))\(layout.columns.count > 6 ? ", …" : ""))"
                )
            }
            source.layout = layout
            source.unknownCategories = unknownCategories ?? .zero
        } else if unknownCategories != nil {
            throw CommandError.usage(
                "--unknown-categories applies to models trained on CSV tables, and \(modelOptions.model) was not; leave it out"
            )
        }
        let loaded = try DataSource.load(source, as: Scalar.self, needsTargets: false, command: "predict")
        try model.checkImageShape(of: loaded, asked: imageShape?.shape)
        loaded.printNotes()
        let inputs = try model.prepare(loaded.inputs, source: data)
        let batchSize = try model.batchSize(rows: inputs.rows, requested: inference.batchSize, command: "predict")
        let outputs = try model.outputs(inputs, batchSize: batchSize)
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
            if let transform = file.targetTransform {
                values = transform.invert(values)
                try checkFinite(values, what: "predictions in target units", model: model.path)
            }
            columnNames = values.columns == 1 ? [predictionName] : (0..<values.columns).map { "\(predictionName)\($0)" }
        }
        if let output, FileName.hasEnding(output, ".npy") {
            try writeNPY(values, to: output)
            write("wrote \(values.rows) predictions to \(displayPath(output))\n")
            return
        }
        // A CSV with a header: the prediction, and under --probabilities one column per class.
        var text =
            ((probabilities ? [predictionName] : []) + columnNames).map { csvCell($0) }.joined(separator: ",") + "\n"
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
            try OutputPaths.write(text, to: output)
            write("wrote \(values.rows) predictions to \(displayPath(output))\n")
        } else {
            write(text)
        }
    }
}

/// A CSV cell, quoted when needed.
func csvCell(_ text: String) -> String {
    text.contains(",") || text.contains("\"") || text.contains("\n")
        ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
}
