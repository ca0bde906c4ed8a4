import ArgumentParser
import Network
import Tensor
import TensorIO

/// `nn export`: writes a model's weights as an `.npz` archive that `np.load` reads.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a model's weights and biases to an .npz file for numpy.",
        discussion: """
            The archive holds layerN.weights, of shape (inputs, outputs), and layerN.bias, of shape \
            (1, outputs), for each dense layer N, in the model's precision:
              weights = np.load("model.npz"); weights["layer0.weights"]
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
        let arrays = file.weightArrays
        if file.precision == "float" {
            try writeNPZ(arrays.mapValues { Matrix<Float>($0) }, to: output, compressed: compressed)
        } else {
            try writeNPZ(arrays, to: output, compressed: compressed)
        }
        print("wrote \(arrays.count) arrays (\(arrays.keys.sorted().joined(separator: ", "))) to \(output)")
    }
}
