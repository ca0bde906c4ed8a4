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

    /// Refuses data whose image shape (an IDX file's, or `--image-shape`'s, the option `asked`)
    /// differs from the images the model reads, and `--image-shape` for a model that reads features.
    func checkImageShape<Data: MatrixScalar>(of loaded: LoadedData<Data>, asked: [Int]?) throws {
        let expected = file.imageInputShape
        if asked != nil && expected == nil {
            throw CommandError.usage(
                "--image-shape applies to models whose first layers work on images, and \(path) reads features; leave it out"
            )
        }
        if let expected, let shape = loaded.imageShape, shape != expected {
            throw CommandError.dataMismatch(
                "\(displayPath(loaded.name)): images of shape \(ImageShapeOption.text(shape)), but the model \(path) reads images of shape \(ImageShapeOption.text(expected))"
            )
        }
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

    /// The network's outputs for `inputs` (already prepared), `batchSize` rows at a time, refused when
    /// one is not finite.
    func outputs(_ inputs: Matrix<Scalar>, batchSize: Int) throws -> Matrix<Scalar> {
        let outputs = try allocating(batchSize: batchSize) { try network.predict(inputs, batchSize: batchSize) }
        try checkFinite(outputs, what: "outputs", model: path, inputs: inputs)
        return outputs
    }

    /// The rows a forward pass through this model takes at once for `rows` samples: `requested`
    /// (`--batch-size`) when given, otherwise as many as fit in half the memory available through every
    /// layer's outputs (``MemoryEstimate/inferenceBytes(widths:scalarSize:rows:)``), at most
    /// ``InferenceOptions/largestDefaultBatch``. Estimated before anything is allocated: a batch that
    /// cannot fit, or a model whose one row does not, is refused naming the widest layer and
    /// `--batch-size`.
    func batchSize(rows: Int, requested: Int?, command: String) throws -> Int {
        let widths = [network.inputSize] + network.outputSizes
        let scalarSize = MemoryLayout<Scalar>.size
        let perRow = MemoryEstimate.inferenceBytes(widths: widths, scalarSize: scalarSize, rows: 1)
        let available = MemoryEstimate.available()
        var batch = min(requested ?? InferenceOptions.largestDefaultBatch, max(rows, 1))
        if requested == nil, let available {
            batch = min(batch, max(1, Int(min(available.bytes / 2 / perRow, Double(Int.max / 2)))))
        }
        // The batch's workspace and the outputs of every row, which are kept.
        let outputBytes = Double(rows) * Double(network.outputSize) * Double(scalarSize)
        let estimate = MemoryEstimate.inferenceBytes(widths: widths, scalarSize: scalarSize, rows: batch) + outputBytes
        guard let available, estimate > available.bytes else { return batch }
        let widest = widths.max() ?? 0
        let remedy =
            batch > 1
            ? "pass a smaller --batch-size than \(batch) (each row takes \(MemoryEstimate.describe(perRow)))"
            : "free memory, or use a machine with more"
        throw CommandError.invalidOption(
            "\(command) with \(path) needs about \(MemoryEstimate.describe(estimate)) of memory for batches of \(batch) rows through layers up to \(widest) wide, but \(MemoryEstimate.describe(available.bytes)) is available (\(available.source)); \(remedy)"
        )
    }

    /// Runs `body`, which allocates a batch's workspace of `batchSize` rows: the system's refusal of
    /// that memory becomes advice that names `--batch-size`, which predict and evaluate accept.
    func allocating<Result>(batchSize: Int, _ body: () throws -> Result) throws -> Result {
        do {
            return try body()
        } catch NetworkError.cannotAllocate(let what, let bytes) {
            let size = bytes.map { MemoryEstimate.describe(Double($0)) } ?? "more bytes than an Int counts"
            throw CommandError.invalidOption(
                "cannot allocate \(size) for \(what) of \(path): the system refused the memory; "
                    + (batchSize > 1 ? "pass a smaller --batch-size than \(batchSize), or free memory" : "free memory"))
        }
    }
}

/// `--batch-size`, shared by predict and evaluate.
struct InferenceOptions: ParsableArguments {
    /// The most rows a forward pass takes at once when `--batch-size` is not given.
    static let largestDefaultBatch = 1024

    @Option(
        help:
            "Rows per forward pass (default: as many as fit in half the available memory through the model's layers, at most 1024)."
    )
    var batchSize: Int?

    func validate() throws {
        if let batchSize, batchSize < 1 { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
    }
}

/// Refuses `values` (one sample a row) that hold nan or an infinity, naming the first such sample
/// (from 1) and the model, and the cause: finite but huge weights or transforms overflow the model's
/// precision in the forward pass, and so do inputs far beyond the training data's range; a nan loss
/// or prediction must not be printed as a result. `inputs` (the scaled inputs `values` came from)
/// tells the two causes apart: a sample whose inputs pass ``largeInput`` is named as the cause.
func checkFinite<Scalar: MatrixScalar>(
    _ values: Matrix<Scalar>, what: String, model: String, source: String? = nil, inputs: Matrix<Scalar>? = nil
) throws {
    guard let index = values.withUnsafeBufferPointer({ $0.firstIndex { !$0.isFinite } }) else { return }
    let precision = Scalar.self == Float.self ? "float" : "double"
    let row = index / max(values.columns, 1)
    let nan = values.withUnsafeBufferPointer { $0[index] }.isNaN ? " (nan)" : ""
    let place = "for sample \(row + 1)\(source.map { " of \($0)" } ?? "")\(nan)"
    if let inputs, row < inputs.rows {
        let largest = inputs.withUnsafeBufferPointer { buffer in
            buffer[(row * inputs.columns)..<((row + 1) * inputs.columns)].map { Double($0.magnitude) }.max() ?? 0
        }
        if largest > largeInput {
            throw CommandError.dataMismatch(
                "\(model): the model's \(what) overflow \(precision) \(place); its inputs reach \(largest) after the model's scaling, far beyond the data it was trained on: check that sample's values and units"
            )
        }
    }
    throw CommandError.dataMismatch(
        "\(model): the model's \(what) overflow \(precision) \(place); its weights or transforms are too large for \(precision) precision"
    )
}

/// The magnitude of a scaled input beyond which an overflow is blamed on the data: inputs scaled as
/// in training are within a few units, and a model's weights seldom pass a thousand.
let largeInput = 1e6

/// `--model FILE`, shared by predict, evaluate and info.
struct ModelOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "The model file written by 'nn train --save'.")
    var model: String
}
