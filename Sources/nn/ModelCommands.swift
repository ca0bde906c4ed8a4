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
                "\(source): \(inputs.columns) features per sample (shape \(inputs.shapeDescription)) but the model \(path) expects \(network.inputSize); select the model's feature columns with --features or --target"
            )
        }
        return file.inputTransform?.apply(to: inputs) ?? inputs
    }
}

/// `--model FILE`, shared by predict, evaluate and info.
struct ModelOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "The model file written by 'nn train --save'.")
    var model: String
}
