// libFuzzer target for readCSV and readCSVTable: every input is read as Double and as Float, with header detection,
// a label target and an explicit header, so that the scanner, the number parser and label encoding
// all see it. See scripts/fuzz.sh.
import FuzzSupport
import TensorIO

/// libFuzzer's entry point: runs the CSV reader on one input of `size` bytes at `data`; always returns 0.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let path = fuzzInputFile(data, size, suffix: ".csv")
    _ = try? readCSVMatrix(from: path, as: Double.self)
    _ = try? readCSV(from: path, as: Float.self, options: CSVReadOptions(targetColumn: -1))
    _ = try? readCSV(
        from: path, as: Double.self,
        options: CSVReadOptions(
            header: .present, delimiter: ";", featureColumns: [0, -1], targetColumn: 1, targetKind: .classLabels))
    // The table reader of nn's CSV path: numeric and text columns with missing cells.
    if let table = try? readCSVTable(from: path) {
        _ = try? table.resolve(.index(-1), file: path)
        _ = table.names.map { try? table.resolve(.name($0.first ?? ""), file: path) }
    }
    _ = try? readCSVTable(from: path, header: .absent, delimiter: ";")
    return 0
}

@main
enum FuzzCSVMain {
    static func main() { fuzzMain(fuzzCSV) }
}
