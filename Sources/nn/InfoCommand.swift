import ArgumentParser
import Foundation
import Network
import Tensor
import TensorIO

/// `nn info`: what a model file holds.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract:
            "Describe a saved model: its layer table (output shapes and parameters, as Keras's summary()), precision, loss, classes and settings."
    )

    @OptionGroup var modelOptions: ModelOptions

    @Flag(
        help:
            "Print the description as one JSON object (keys: model, precision, loss, task, imageShape, layers (each with its outputShape and parameters), parameters, classes, features, columns, inputTransform, targetTransform, metadata)."
    )
    var json = false

    func run() throws {
        let file = try ModelFile.readMetadata(from: modelOptions.model)
        if file.scalarPrecision == .double {
            try describe(file, try file.makeNetwork(as: Double.self))
        } else {
            try describe(file, try file.makeNetwork(as: Float.self))
        }
    }

    /// Prints the description of `file`, whose layers `network` holds (with zero weights: the table
    /// needs only their shapes).
    func describe<Scalar: MatrixScalar>(_ file: ModelFile, _ network: Sequential<Scalar>) throws {
        if json {
            let layers = zip(file.layers, zip(network.layers, network.sampleShapes.dropFirst())).map {
                layer, built in
                InfoSummary.Layer(
                    type: layer.type, inputSize: layer.inputSize, outputSize: layer.outputSize,
                    activation: layer.activation.rawValue,
                    bias: layer.hasArrays ? layer.hasBias : nil, outputShape: built.1,
                    parameters: built.0.parameters.reduce(0) { $0 + $1.count })
            }
            let summary = InfoSummary(
                model: modelOptions.model, precision: file.precision, loss: lossName(file.loss),
                task: file.classNames != nil ? "classification" : "regression", imageShape: file.imageInputShape,
                layers: layers, parameters: network.parameterCount,
                classes: file.classNames, features: file.featureNames, columns: file.tableLayout,
                inputTransform: file.inputTransform,
                targetTransform: file.targetTransform, metadata: file.metadata)
            write(try jsonText(summary) + "\n")
            return
        }
        var lines = [
            "model: \(displayPath(modelOptions.model))", "precision: \(file.precision)", "loss: \(lossName(file.loss))",
            "layers:",
        ]
        // The library's table, as Keras's summary() prints it: each layer's output shape and parameters.
        lines += network.summary().split(separator: "\n").map { "  " + $0 }
        if let classNames = file.classNames {
            lines.append("classes (\(classNames.count)): \(classNames.joined(separator: ", "))")
        }
        if let featureNames = file.featureNames {
            let shown = featureNames.prefix(10).joined(separator: ", ") + (featureNames.count > 10 ? ", …" : "")
            lines.append("features (\(featureNames.count)): \(shown)")
        }
        if let transform = file.inputTransform {
            lines.append("input transform: (x - offset) * scale for \(transform.offset.count) features")
        }
        if let transform = file.targetTransform {
            // A read file's transform has one offset and one scale per output (at least one).
            lines.append(
                transform.scale.count == 1
                    ? "target transform: predictions are output / \(transform.scale[0]) + \(transform.offset[0]) (trained on standardized targets)"
                    : "target transform: predictions are output / scale + offset for \(transform.scale.count) outputs (trained on standardized targets)"
            )
        }
        if let layout = file.tableLayout {
            let encoded = layout.columns.compactMap { column -> String? in
                if let date = column.date {
                    return "\(column.name): date as \(date.inputs.map(\.description).joined(separator: ", "))"
                }
                return column.categories.map { "\(column.name): \($0.count) categories" }
            }
            lines.append(
                "table: target '\(layout.targetName ?? "?")', \(layout.columns.count) columns\(encoded.isEmpty ? "" : " (\(encoded.joined(separator: ", ")))"), missing values: \(layout.missing)"
            )
        }
        for key in file.metadata.keys.sorted() { lines.append("\(key): \(file.metadata[key] ?? "")") }
        write(lines.joined(separator: "\n") + "\n")
    }
}

/// `nn info --json`: what a model file holds.
struct InfoSummary: Encodable {
    struct Layer: Encodable {
        var type: String, inputSize: Int?, outputSize: Int?, activation: String, bias: Bool?
        /// One output sample's shape (`[channels, height, width]` for images).
        var outputShape: [Int]
        var parameters: Int
    }
    var model: String, precision: String, loss: String, task: String
    /// The shape of one input image, for a model whose first layers work on images.
    var imageShape: [Int]?
    var layers: [Layer], parameters: Int
    var classes: [String]?, features: [String]?, columns: TableLayout?
    var inputTransform: ModelFile.InputTransform?, targetTransform: ModelFile.InputTransform?
    var metadata: [String: String]
}
