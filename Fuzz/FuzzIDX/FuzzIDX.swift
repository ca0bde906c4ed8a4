// libFuzzer target for the IDX readers (and, through files starting with 1f 8b, the gzip layer).
// See scripts/fuzz.sh.
import FuzzSupport
import TensorIO

/// libFuzzer's entry point: runs the IDX readers on one input of `size` bytes at `data`; always returns 0.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIDX(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let path = fuzzInputFile(data, size, suffix: "-ubyte")
    _ = try? readIDX(from: path)
    _ = try? readIDXImages(from: path, as: Float.self)
    _ = try? readIDXLabels(from: path)
    return 0
}

@main
enum FuzzIDXMain {
    static func main() { fuzzMain(fuzzIDX) }
}
