// libFuzzer target for readNPY and readNPZ: inputs starting with "PK" (a zip) go to the .npz reader,
// the others to the .npy reader, each as Double and as Float. See scripts/fuzz.sh.
import FuzzSupport
import TensorIO

/// libFuzzer's entry point: runs the .npy and .npz readers on one input of `size` bytes at `data`; always returns 0.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNPY(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    if size >= 2 && data[0] == UInt8(ascii: "P") && data[1] == UInt8(ascii: "K") {
        let path = fuzzInputFile(data, size, suffix: ".npz")
        _ = try? readNPZ(from: path, as: Double.self)
        _ = try? readNPZ(from: path, as: Float.self)
    } else {
        let path = fuzzInputFile(data, size, suffix: ".npy")
        _ = try? readNPY(from: path, as: Double.self)
        _ = try? readNPY(from: path, as: Float.self)
    }
    return 0
}

@main
enum FuzzNPYMain {
    static func main() { fuzzMain(fuzzNPY) }
}
