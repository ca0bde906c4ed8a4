// libFuzzer target for TrainingCheckpoint.decode (JSON or binary, then validation); a checkpoint that
// passes is restored and resumed for one more epoch on two rows of zeros, as `nn train --resume` would,
// and its model's transforms and table layout are applied as `nn predict` would apply them (the checks
// below trap where a field that validation let through would make `nn` trap). See scripts/fuzz.sh.
import Foundation
import FuzzSupport
import Network
import Tensor

/// libFuzzer's entry point: runs the checkpoint reader and resume on one input of `size` bytes at `data`; always returns 0.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCheckpoint(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let checkpoint = try? TrainingCheckpoint.decode(Data(bytes: data, count: size), path: "fuzz.json"),
        let restored = try? checkpoint.restore(as: Float.self)
    else { return 0 }
    let network = restored.network, optimizer = restored.optimizer
    var random = restored.random
    let inputs = Matrix<Float>.zeros(rows: 2, columns: network.inputSize)
    let targets = Matrix<Float>.zeros(rows: 2, columns: network.outputSize)
    let progress = checkpoint.progress
    _ = try? network.fit(
        inputs, targets, loss: checkpoint.model.loss, optimizer: optimizer,
        options: TrainingOptions(epochs: progress.epoch + 1, batchSize: 1), random: &random,
        resuming: progress, checkpointEvery: 1
    ) { _, _ throws(NetworkError) in }
    // The model a resumed run saves: its transforms against the widths, its layout against the inputs.
    let model = checkpoint.model
    let transformed = model.inputTransform?.apply(to: inputs) ?? inputs
    if let outputs = try? network.predict(transformed), let target = model.targetTransform {
        _ = target.invert(outputs)
        precondition(target.scale.allSatisfy { $0 != 0 }, "a target scale of 0 passed validation")
    }
    if let layout = model.tableLayout {
        precondition(layout.inputWidth == network.inputSize, "the table layout's width passed validation")
        for column in layout.columns {
            precondition((0..<layout.fileColumnCount).contains(column.position), "a column position passed validation")
            _ = Dictionary(uniqueKeysWithValues: (column.categories ?? []).enumerated().map { ($1, $0) })
        }
        precondition(model.featureNames.map { $0.count == network.inputSize } ?? true, "feature names passed")
    }
    return 0
}

@main
enum FuzzCheckpointMain {
    static func main() { fuzzMain(fuzzCheckpoint) }
}
