import ArgumentParser
import Foundation
import Network
import Tensor
import TensorIO

/// The formats `nn export` writes.
enum ExportFormat: String, ExpressibleByArgument, CaseIterable {
    /// An `.npz` archive for numpy.
    case npz
    /// The `state_dict` of the equivalent `torch.nn.Sequential`, in safetensors.
    case torch

    /// The extension `--output` must end in.
    var fileExtension: String { self == .npz ? ".npz" : ".safetensors" }
}

/// `nn export`: writes a model's weights as an `.npz` archive that `np.load` reads, or as a PyTorch
/// state dict in safetensors.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a model (weights, biases, scaling, activations, classes) for numpy or PyTorch.",
        usage: "nn export --model <file> --output <file> [<options>]",
        discussion: """
            --format npz (the default) writes an archive with everything numpy needs \
            to reproduce 'nn predict', one array per member (format version 2; a \
            model of dense layers only is written as version 1, whose layout is \
            the same without settings):

              layerN.weights    (inputs, outputs), for each dense layer N;
                                (filters, channels*k*k) for a convolution
              layerN.bias       (1, outputs), or (1, filters)
              layerN.scale      (1, channels), for batch normalization, with
                                layerN.shift, .runningMean, .runningVariance
              input.offset      (1, inputs): x' = (x - offset) * scale
              input.scale       (1, inputs); identity when unscaled
              target.offset     (1, outputs), for a regressor trained on
              target.scale      standardized targets: output / scale + offset
              model.json        bytes: precision, loss, layers (type,
                                activation, settings: the image shape,
                                filters, kernelSize, stride, padding,
                                poolSize, rate, epsilon, momentum),
                                classNames, featureNames and table columns

            Read it with:
              archive = np.load("model.npz")
              meta = json.loads(bytes(archive["model.json"]))

            README's 'nn export' section has numpy functions that reproduce \
            'nn predict' from it, for tables and for convolutional networks.

            --format torch writes the state_dict of the equivalent torch.nn.Sequential \
            as safetensors (0.weight as (outputs, inputs), 0.bias as (outputs), \
            ...; activations take an index but no tensors; a convolutional network \
            starts with nn.Unflatten(1, (C, H, W)) and flattens before its first \
            Linear), with the activations, loss, classes and scaling in its \
            metadata, and prints the PyTorch that loads it with \
            load_state_dict(strict=True) (and calls eval() for dropout and batch \
            normalization). The network takes scaled inputs, (x - offset) * scale; \
            a softmax classifier outputs logits. 'nn predict', 'nn import' and \
            'nn train --init-from' read the file back.
            """)

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "npz for numpy, or torch for a PyTorch state dict in safetensors.")
    var format: ExportFormat = .npz

    @Option(name: .shortAndLong, help: "The file to write: .npz, or .safetensors with --format torch.")
    var output: String

    @Flag(help: "Compress the archive's members (np.savez_compressed).")
    var compressed = false

    func validate() throws {
        guard FileName.hasEnding(output, format.fileExtension) else {
            throw ValidationError(
                "--output must end in \(format.fileExtension) with --format \(format.rawValue), got '\(output)'")
        }
        if compressed && format == .torch {
            throw ValidationError("--compressed applies to --format npz; safetensors files are not compressed")
        }
    }

    func run() throws {
        try OutputPaths.check(outputs: [("--output", output)], inputs: [("--model", modelOptions.model)])
        let file = try ModelFile.read(from: modelOptions.model)
        if format == .torch { return try exportTorch(file) }
        var arrays = file.weightArrays
        let inputCount = file.inputWidth
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
            formatVersion: ExportDescription.version(for: file), precision: file.precision, loss: lossName(file.loss),
            layers: file.layers.map { .init(type: $0.type, activation: $0.activation.rawValue, settings: $0.settings) },
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

extension ExportCommand {
    /// Writes `file` as a PyTorch state dict and prints what was written and the PyTorch that loads it.
    func exportTorch(_ file: ModelFile) throws {
        try file.writeTorchStateDict(to: output)
        let tensors = file.torchTensorShapes.map { "\($0.name) \($0.shape)" }
        print("wrote \(tensors.count) tensors (\(tensors.joined(separator: ", "))) to \(displayPath(output))")
        print("In PyTorch:\n")
        print(Self.pytorchCode(file, path: output))
    }

    /// The lines of PyTorch that rebuild the network, load the file strictly and predict.
    static func pytorchCode(_ file: ModelFile, path: String) -> String {
        let name = (path as NSString).lastPathComponent
        let inputs = file.inputWidth
        let double = file.precision == "double"
        let tensor =
            double ? "torch.tensor(json.loads(meta[key]), dtype=torch.float64)" : "torch.tensor(json.loads(meta[key]))"
        let scaled = "model((x - offset) * scale)"
        let comment = "# x: (samples, \(inputs)), \(double ? "float64" : "float32")"
        var lines = [
            "import json, torch",
            "from torch import nn",
            "from safetensors import safe_open",
            "from safetensors.torch import load_file",
            "model = \(file.torchSequential)\(double ? ".double()" : "")\(file.torchDependsOnMode ? ".eval()" : "")",
            "model.load_state_dict(load_file(\"\(name)\"), strict=True)",
            "meta = safe_open(\"\(name)\", \"pt\").metadata()",
            "offset, scale = (\(tensor) for key in (\"nn.inputOffset\", \"nn.inputScale\"))",
        ]
        if file.loss == .softmaxCrossEntropy && file.layers.last?.activation == .identity {
            lines.append("probabilities = torch.softmax(\(scaled), dim=1)  \(comment); the model outputs logits")
        } else if file.targetTransform != nil {
            lines.append(
                "target_offset, target_scale = (\(tensor) for key in (\"nn.targetOffset\", \"nn.targetScale\"))")
            lines.append("y = \(scaled) / target_scale + target_offset  \(comment)")
        } else {
            lines.append("y = \(scaled)  \(comment)")
        }
        if file.classNames != nil {
            let order = file.layers.last?.outputSize == 1 ? "[y < 0.5, y >= 0.5]" : "by output index"
            lines.append("classes = json.loads(meta[\"nn.classNames\"])  # \(order)")
        }
        return lines.joined(separator: "\n")
    }
}

/// The `model.json` member of an exported archive: what the arrays alone do not say.
struct ExportDescription: Encodable {
    /// The version of the archive's layout: 2 since layers carry their settings. A model whose
    /// layers have none (dense and activation layers) is written as version 1, the layout of nn
    /// 0.4.0, key for key, so that readers of that layout keep working.
    static let currentVersion = 2

    /// The version an export of `file` is written as: 1 when no layer has settings, else ``currentVersion``.
    static func version(for file: ModelFile) -> Int {
        file.layers.allSatisfy { $0.settings == nil } ? 1 : currentVersion
    }

    /// One layer: its kind, its activation and its kind's settings as the model file saves them
    /// (a convolution's `channels`, `height`, `width`, `filters`, `kernelSize`, `stride`, `padding`);
    /// absent for the kinds that have none.
    struct Layer: Encodable {
        var type: String
        var activation: String
        var settings: [String: ModelFile.LayerSetting]?
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
