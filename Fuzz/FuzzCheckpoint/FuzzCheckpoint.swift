// libFuzzer target for TrainingCheckpoint.decode (JSON, then validation); a checkpoint that passes is
// restored and resumed for one more epoch on two rows of zeros, as `nn train --resume` would. See
// scripts/fuzz.sh.
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
    return 0
}

@main
enum FuzzCheckpointMain {
    static func main() { fuzzMain(fuzzCheckpoint) }
}
