// libFuzzer target for ModelFile.decode (JSON, then validation); a model that passes is built and
// run on one row of zeros, as `nn predict` would. See scripts/fuzz.sh.
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
    _ = try? network.predict(transformed)
    return 0
}

@main
enum FuzzModelFileMain {
    static func main() { fuzzMain(fuzzModelFile) }
}
