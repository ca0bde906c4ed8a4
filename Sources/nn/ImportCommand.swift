import ArgumentParser
import Foundation
import Network

/// `nn import`: turns a PyTorch state dict saved in safetensors into an nn model file.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Turn a PyTorch state dict (safetensors) into an nn model file.",
        usage: "nn import --model <file> --output <file> [<options>]",
        discussion: """
            Reads the Linear layers of a state dict saved with \
            safetensors.torch.save_file(model.state_dict(), path): each NAME.weight \
            (outputs, inputs) and NAME.bias (outputs), in the order of their names \
            (an nn.Sequential's 0, 2, ...). A state dict holds no activations: \
            --activation follows every hidden layer and --output-activation the \
            last. The model takes inputs as the PyTorch model did (no scaling). A \
            file from 'nn export --format torch' describes itself and needs none \
            of these options. Then: nn predict --model <output> --data <file>.

            Examples:
              nn import --model net.safetensors --activation tanh --output nn.safetensors
              nn import --model net.safetensors --classes no,yes --output nn.safetensors
            """)

    @Option(name: .shortAndLong, help: "The state dict, a .safetensors file.")
    var model: String

    @Option(name: .shortAndLong, help: "The model file to write (\(ModelFileName.example)).")
    var output: String

    @Option(help: "The activation after each hidden Linear layer (default: \(TrainDefaults.activation.rawValue)).")
    var activation: ActivationOption?

    @Option(
        help:
            "The activation after the last Linear layer (default: sigmoid for bce, identity otherwise; softmax cross-entropy takes logits)."
    )
    var outputActivation: ActivationOption?

    @Option(
        help:
            "The loss the model was trained with; it decides how outputs become predictions (default: mse, or with --classes softmax-cross-entropy, bce for one output)."
    )
    var loss: LossOption?

    @Option(help: "The class names by output index, comma-separated: the model is a classifier.")
    var classes: String?

    func validate() throws {
        guard FileName.hasEnding(output, ModelFileName.modelExtension) else {
            throw ValidationError("--output must end in \(ModelFileName.modelExtension), got '\(output)'")
        }
    }

    func run() throws {
        try OutputPaths.check(outputs: [("--output", output)], inputs: [("--model", model)])
        var file: ModelFile
        if TorchStateDict.describesModel(at: model) {
            let given = [
                ("--activation", activation != nil), ("--output-activation", outputActivation != nil),
                ("--loss", loss != nil), ("--classes", classes != nil),
            ].filter(\.1).map(\.0)
            if !given.isEmpty {
                throw CommandError.usage(
                    "\(given.joined(separator: ", ")) \(given.count == 1 ? "does" : "do") not apply: \(model) was written by 'nn export --format torch' and describes its own network"
                )
            }
            file = try ModelFile.read(from: model)
        } else {
            let stateDict = try TorchStateDict.read(from: model)
            let classNames = classes.map { $0.split(separator: ",").map(String.init) }
            let outputs = stateDict.linears.last!.outputSize
            let lossFunction =
                loss?.loss
                ?? (classNames == nil ? .meanSquaredError : outputs == 1 ? .binaryCrossEntropy : .softmaxCrossEntropy)
            let last = outputActivation?.activation ?? (lossFunction == .binaryCrossEntropy ? .sigmoid : .identity)
            if lossFunction == .binaryCrossEntropy && last != .sigmoid && last != .softmax {
                throw CommandError.usage(
                    "--loss bce needs probabilities: an output activation of sigmoid (or softmax), not \(last.rawValue)"
                )
            }
            if let classNames, classNames.count != (outputs == 1 ? 2 : outputs) {
                throw CommandError.usage(
                    "--classes names \(classNames.count) classes, but the last Linear layer '\(stateDict.linears.last!.name)' has \(outputs) output\(outputs == 1 ? " (2 classes)" : "s")"
                )
            }
            file = try stateDict.modelFile(
                activation: (activation ?? TrainDefaults.activation).activation, outputActivation: last,
                loss: lossFunction, classNames: classNames)
        }
        file.metadata["createdBy"] = "nn import"
        file.metadata["importedFrom"] = model
        try file.write(to: output)
        print("read \(model) as \(file.torchSequential)")
        print(
            "wrote \(displayPath(output)): \(file.precision), loss \(lossName(file.loss))\(file.classNames.map { ", classes \($0.joined(separator: ", "))" } ?? "")"
        )
    }
}
