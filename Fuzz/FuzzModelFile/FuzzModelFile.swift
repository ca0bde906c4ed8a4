// libFuzzer target for ModelFile.decode (JSON or binary, then validation); a model that passes is
// built and run on one row of zeros, as `nn predict` would: its input transform, the network, its
// target transform, and the lookups `nn predict` builds from its table layout (the checks below trap
// where a field that validation let through would make `nn` trap). See scripts/fuzz.sh.
import Foundation
import FuzzSupport
import Network
import Tensor

/// libFuzzer's entry point: runs the model-file reader on one input of `size` bytes at `data`; always returns 0.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModelFile(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let model = try? ModelFile.decode(Data(bytes: data, count: size), path: "fuzz.json") else { return 0 }
    let network: Sequential<Float> = model.network()
    let inputs = Matrix<Float>.zeros(rows: 1, columns: network.inputSize)
    let transformed = model.inputTransform?.apply(to: inputs) ?? inputs
    if let outputs = try? network.predict(transformed), let target = model.targetTransform {
        // Broadcasting traps on a transform of another width than the outputs.
        _ = target.invert(outputs)
        precondition(target.scale.allSatisfy { $0 != 0 }, "a target scale of 0 passed validation")
    }
    if let layout = model.tableLayout {
        precondition(layout.inputWidth == network.inputSize, "the table layout's width passed validation")
        for column in layout.columns {
            precondition((0..<layout.fileColumnCount).contains(column.position), "a column position passed validation")
            // `nn predict`'s one-hot lookup: traps on a category listed twice.
            _ = Dictionary(uniqueKeysWithValues: (column.categories ?? []).enumerated().map { ($1, $0) })
        }
        _ = layout.inputNames
    }
    return 0
}

@main
enum FuzzModelFileMain {
    static func main() { fuzzMain(fuzzModelFile) }
}
