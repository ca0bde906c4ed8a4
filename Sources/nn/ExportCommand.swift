import ArgumentParser
import Foundation
import Network
import Tensor
import TensorIO

/// `nn export`: writes a model's weights as an `.npz` archive that `np.load` reads.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a model (weights, biases, scaling, activations, classes) to an .npz file for numpy.",
        discussion: """
            The archive holds everything numpy needs to reproduce 'nn predict' \
            (format version 1), one array per member:

              layerN.weights    (inputs, outputs), for each dense layer N
              layerN.bias       (1, outputs)
              input.offset      (1, inputs): x' = (x - offset) * scale
              input.scale       (1, inputs); identity when unscaled
              target.offset     (1, outputs), for a regressor trained on
              target.scale      standardized targets: output / scale + offset
              model.json        bytes: precision, loss, layers, classNames,
                                featureNames and table columns, in input order

            Read it with:
              archive = np.load("model.npz")
              meta = json.loads(bytes(archive["model.json"]))

            README's 'nn export' section has a numpy function that reproduces \
            'nn predict' from it.
            """)

    @OptionGroup var modelOptions: ModelOptions

    @Option(name: .shortAndLong, help: "The .npz file to write.")
    var output: String

    @Flag(help: "Compress the archive's members (np.savez_compressed).")
    var compressed = false

    func validate() throws {
        guard output.hasSuffix(".npz") else { throw ValidationError("--output must end in .npz, got '\(output)'") }
    }

    func run() throws {
        try OutputPaths.check(outputs: [("--output", output)], inputs: [("--model", modelOptions.model)])
        let file = try ModelFile.read(from: modelOptions.model)
        var arrays = file.weightArrays
        let inputCount = file.layers.first?.inputSize ?? 0
        let transform =
            file.inputTransform
            ?? ModelFile.InputTransform(
                offset: [Double](repeating: 0, count: inputCount), scale: [Double](repeating: 1, count: inputCount))
        arrays["input.offset"] = .row(transform.offset)
        arrays["input.scale"] = .row(transform.scale)
        if let target = file.targetTransform {
            arrays["target.offset"] = .row(target.offset)
            arrays["target.scale"] = .row(target.scale)
        }
        let description = ExportDescription(
            formatVersion: ExportDescription.currentVersion, precision: file.precision, loss: lossName(file.loss),
            layers: file.layers.map { .init(type: $0.type, activation: $0.activation.rawValue) },
            classNames: file.classNames,
            featureNames: file.featureNames, targetName: file.tableLayout?.targetName,
            columns: file.tableLayout?.columns)
        let files = ["model.json": Data(try jsonText(description).utf8)]
        if file.scalarPrecision == .float {
            try writeNPZ(arrays.mapValues { Matrix<Float>($0) }, to: output, compressed: compressed, files: files)
        } else {
            try writeNPZ(arrays, to: output, compressed: compressed, files: files)
        }
        print(
            "wrote \(arrays.count) arrays (\(arrays.keys.sorted().joined(separator: ", "))) and model.json to \(displayPath(output))"
        )
    }
}

/// The `model.json` member of an exported archive: what the arrays alone do not say.
struct ExportDescription: Encodable {
    /// The version of the archive's layout.
    static let currentVersion = 1

    struct Layer: Encodable {
        var type: String
        var activation: String
    }

    var formatVersion: Int
    var precision: String
    var loss: String
    var layers: [Layer]
    var classNames: [String]?
    var featureNames: [String]?
    var targetName: String?
    var columns: [TableColumn]?
}
