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
        let scaled = file.inputTransform?.apply(to: inputs) ?? inputs
        try checkFinite(scaled, what: "scaled inputs", model: path, source: source)
        return scaled
    }

    /// The network's outputs for `inputs` (already prepared), refused when one is not finite.
    func outputs(_ inputs: Matrix<Scalar>) throws -> Matrix<Scalar> {
        let outputs = try network.predict(inputs)
        try checkFinite(outputs, what: "outputs", model: path)
        return outputs
    }
}

/// Refuses `values` (one sample a row) that hold nan or an infinity, naming the first such sample
/// (from 1) and the model: finite but huge weights or transforms overflow the model's precision in
/// the forward pass, and a nan loss or prediction must not be printed as a result.
func checkFinite<Scalar: MatrixScalar>(
    _ values: Matrix<Scalar>, what: String, model: String, source: String? = nil
) throws {
    guard let index = values.withUnsafeBufferPointer({ $0.firstIndex { !$0.isFinite } }) else { return }
    let precision = Scalar.self == Float.self ? "float" : "double"
    let sample = index / max(values.columns, 1) + 1
    let nan = values.withUnsafeBufferPointer { $0[index] }.isNaN ? " (nan)" : ""
    throw CommandError.dataMismatch(
        "\(model): the model's \(what) overflow \(precision) for sample \(sample)\(source.map { " of \($0)" } ?? "")\(nan); its weights or transforms are too large for \(precision) precision"
    )
}

/// `--model FILE`, shared by predict, evaluate and info.
struct ModelOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "The model file written by 'nn train --save'.")
    var model: String
}
