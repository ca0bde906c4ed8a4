import Foundation
import Tensor
import TensorIO
import Testing

/// The path of a fixture written by scripts/fixtures/dataio_fixtures.py.
private func fixture(_ name: String) -> String {
    Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
        .appendingPathComponent("dataio").appendingPathComponent(name).path
}

/// expected.json, written by the fixture script (floats as `float.hex()` strings).
nonisolated(unsafe) private let expected: [String: Any] = {
    let data = try! Data(contentsOf: URL(fileURLWithPath: fixture("expected.json")))
    return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
}()

/// The expected matrix stored under `key`, as doubles.
private func expectedMatrix(_ key: String) -> (rows: Int, columns: Int, values: [Double]) {
    let entry = expected[key] as! [String: Any]
    let shape = entry["shape"] as! [Int]
    let values = (entry["values"] as! [String]).map { Double($0)! }
    return (shape[0], shape[1], values)
}

/// Whether two doubles are the same value bit for bit (any two nans count as equal).
private func identical(_ a: Double, _ b: Double) -> Bool {
    (a.isNaN && b.isNaN) || a.bitPattern == b.bitPattern
}

/// Checks `matrix` against the expected matrix under `key`, converting each expected value to `Scalar` first.
private func expectMatrix<Scalar: MatrixScalar>(
    _ matrix: Matrix<Scalar>, equals key: String, sourceLocation: SourceLocation = #_sourceLocation
) {
    let oracle = expectedMatrix(key)
    #expect(matrix.shape == (oracle.rows, oracle.columns), "\(key): shape", sourceLocation: sourceLocation)
    guard matrix.count == oracle.values.count else { return }
    for (index, value) in matrix.scalars.enumerated() {
        let wanted = Double(Scalar(oracle.values[index]))
        #expect(
            identical(Double(value), wanted), "\(key)[\(index)]: \(value) but numpy says \(wanted)",
            sourceLocation: sourceLocation)
    }
}

/// The error `body` throws, or nil when it returns (or throws something other than a ``DataIOError``).
private func thrownError(_ body: () throws -> Void) -> DataIOError? {
    do {
        try body()
        return nil
    } catch let error as DataIOError {
        return error
    } catch {
        Issue.record("\(error) is not a DataIOError")
        return nil
    }
}

/// Whether `python3 -c "import numpy"` works on this machine.
private let numpyAvailable: Bool = runPython("import numpy") != nil

/// Runs a Python program with arguments and returns its standard output, or nil when it fails.
@discardableResult
private func runPython(_ program: String, arguments: [String] = []) -> String? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", program] + arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = Pipe()
    do { try process.run() } catch { return nil }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { return nil }
    return String(decoding: data, as: UTF8.self)
}

/// A fresh path in a temporary directory.
private func temporaryPath(_ name: String) -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("DataIOTests-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory.appendingPathComponent(name).path
}

/// numpy's view of an array file: dtype, shape and the values as `float.hex()` strings.
private func numpyView(_ path: String, loader: String = "np.load(sys.argv[1])") -> (
    dtype: String, shape: [Int], values: [Double]
)? {
    let program = """
        import sys, json
        import numpy as np
        a = \(loader)
        print(json.dumps({"dtype": a.dtype.str, "shape": list(a.shape), "values": [float(x).hex() for x in a.astype(np.float64).ravel()]}))
        """
    guard let text = runPython(program, arguments: [path]),
        let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
    else { return nil }
    return (object["dtype"] as! String, object["shape"] as! [Int], (object["values"] as! [String]).map { Double($0)! })
}

/// A matrix with the awkward values: signed zeros, infinities, nan, subnormals, long decimals.
private func awkwardMatrix<Scalar: MatrixScalar>(_ type: Scalar.Type) -> Matrix<Scalar> {
    var values: [Scalar] = [
        0.1, -0, .infinity, -.infinity, .nan, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 1 / 3,
    ]
    var generator = SystemRandomNumberGenerator()
    for _ in 0..<16 { values.append(Scalar(Double.random(in: -1e6...1e6, using: &generator))) }
    values.append(Scalar(Double.random(in: -1e-8...1e-8)))
    values.append(Scalar(12345))
    values.append(Scalar(-7.25e200 as Double))
    values.append(.ulpOfOne)
    return Matrix(rows: 7, columns: 4, scalars: values)
}

private func sameBits<Scalar: MatrixScalar>(_ a: Matrix<Scalar>, _ b: Matrix<Scalar>) -> Bool {
    a.shape == b.shape && zip(a.scalars, b.scalars).allSatisfy { identical(Double($0), Double($1)) }
}

// MARK: - .npy

@Suite struct NPYReadingTests {
    @Test func floatTypesReadExactly() throws {
        expectMatrix(try readNPY(from: fixture("f8.npy"), as: Double.self), equals: "f8.npy")
        expectMatrix(try readNPY(from: fixture("f4.npy"), as: Float.self), equals: "f4.npy")
        // f8 into Float rounds each value once, as astype(np.float32) does.
        expectMatrix(try readNPY(from: fixture("f8.npy"), as: Float.self), equals: "f8.npy")
    }

    @Test(arguments: ["i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8"])
    func integerTypes(dtype: String) throws {
        expectMatrix(try readNPY(from: fixture("\(dtype).npy"), as: Double.self), equals: "\(dtype).npy")
    }

    @Test func bigEndianVectorVersionsAndGzip() throws {
        expectMatrix(try readNPY(from: fixture("big_endian_f8.npy"), as: Double.self), equals: "big_endian_f8.npy")
        let vector = try readNPY(from: fixture("vector.npy"), as: Double.self)
        #expect(vector.shape == (1, 5))
        expectMatrix(vector, equals: "vector.npy")
        expectMatrix(try readNPY(from: fixture("version2.npy"), as: Double.self), equals: "version2.npy")
        expectMatrix(try readNPY(from: fixture("version3.npy"), as: Double.self), equals: "version3.npy")
        expectMatrix(try readNPY(from: fixture("gzipped.npy.gz"), as: Double.self), equals: "f8.npy")
    }

    @Test func fortranOrderIsAnError() {
        let path = fixture("fortran.npy")
        #expect(thrownError { _ = try readNPY(from: path, as: Double.self) } == .fortranOrder(file: path))
    }

    @Test func zeroDimensionalIsAnError() {
        let path = fixture("zero_d.npy")
        #expect(
            thrownError { _ = try readNPY(from: path, as: Double.self) } == .unsupportedShape(file: path, shape: []))
    }

    @Test func threeDimensionalIsAnError() {
        let path = fixture("three_d.npy")
        let error = thrownError { _ = try readNPY(from: path, as: Double.self) }
        #expect(error == .unsupportedShape(file: path, shape: [2, 2, 2]))
        #expect(error?.description.contains("(2, 2, 2)") == true)
    }

    @Test func unsupportedDTypeIsAnError() {
        let path = fixture("complex.npy")
        #expect(
            thrownError { _ = try readNPY(from: path, as: Double.self) } == .unsupportedDType(file: path, dtype: "<c16")
        )
    }

    @Test func truncatedDataIsAnError() {
        let path = fixture("truncated.npy")
        #expect(
            thrownError { _ = try readNPY(from: path, as: Double.self) }
                == .truncatedData(file: path, field: "data", expectedBytes: 96, foundBytes: 91))
    }

    @Test func unknownVersionIsAnError() {
        let path = fixture("bad_version.npy")
        #expect(
            thrownError { _ = try readNPY(from: path, as: Double.self) }
                == .unsupportedNPYVersion(file: path, major: 4, minor: 0))
    }

    @Test func wrongMagicIsAnError() {
        let path = fixture("not_npy.npy")
        guard
            case .wrongMagicNumber(let file, _, let found) = thrownError({
                _ = try readNPY(from: path, as: Double.self)
            })
        else {
            Issue.record("expected wrongMagicNumber")
            return
        }
        #expect(file == path && found == "this i")
    }

    @Test func malformedHeaderIsAnError() {
        let path = fixture("bad_header.npy")
        guard
            case .malformedNPYHeader(let file, let field, _) = thrownError({
                _ = try readNPY(from: path, as: Double.self)
            })
        else {
            Issue.record("expected malformedNPYHeader")
            return
        }
        #expect(file == path && field == "shape")
    }

    @Test func missingFileIsAnError() {
        let path = fixture("no-such-file.npy")
        guard case .cannotRead(let file, let reason) = thrownError({ _ = try readNPY(from: path, as: Double.self) })
        else {
            Issue.record("expected cannotRead")
            return
        }
        #expect(file == path && reason.contains("No such file"))
    }
}

@Suite struct NPYWritingTests {
    @Test func doubleAndFloatRoundTripInSwift() throws {
        let double = awkwardMatrix(Double.self)
        let path = temporaryPath("double.npy")
        try writeNPY(double, to: path)
        #expect(sameBits(try readNPY(from: path, as: Double.self), double))
        let float = awkwardMatrix(Float.self)
        try writeNPY(float, to: path)
        #expect(sameBits(try readNPY(from: path, as: Float.self), float))
        // numpy aligns the data to 64 bytes; so does the writer.
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
        #expect((size - float.count * 4) % 64 == 0)
    }

    @Test(.enabled(if: numpyAvailable, "python3 with numpy is not installed; skipping the numpy read-back"))
    func numpyLoadsWhatIsWritten() throws {
        let double = awkwardMatrix(Double.self)
        let path = temporaryPath("double.npy")
        try writeNPY(double, to: path)
        let view = try #require(numpyView(path))
        #expect(view.dtype == "<f8" && view.shape == [7, 4])
        #expect(zip(view.values, double.scalars).allSatisfy { identical($0, $1) })
        let float = awkwardMatrix(Float.self)
        try writeNPY(float, to: path)
        let floatView = try #require(numpyView(path))
        #expect(floatView.dtype == "<f4" && floatView.shape == [7, 4])
        #expect(zip(floatView.values, float.scalars).allSatisfy { identical($0, Double($1)) })
    }
}

// MARK: - .npz

@Suite struct NPZTests {
    @Test(arguments: ["stored.npz", "deflated.npz"])
    func readsNumpyArchives(name: String) throws {
        let arrays = try readNPZ(from: fixture(name), as: Double.self)
        #expect(Set(arrays.keys) == ["weights", "bias"])
        expectMatrix(try #require(arrays["weights"]), equals: "npz:weights")
        expectMatrix(try #require(arrays["bias"]), equals: "npz:bias")
    }

    @Test(arguments: [false, true])
    func roundTripInSwift(compressed: Bool) throws {
        let arrays = [
            "a": awkwardMatrix(Double.self), "b/c": Matrix<Double>.identity(size: 3),
            "empty": .zeros(rows: 0, columns: 2),
        ]
        let path = temporaryPath("arrays.npz")
        try writeNPZ(arrays, to: path, compressed: compressed)
        try writeNPZ(arrays, to: path, compressed: compressed)  // replaces the file
        let read = try readNPZ(from: path, as: Double.self)
        #expect(Set(read.keys) == Set(arrays.keys))
        for (name, matrix) in arrays { #expect(sameBits(try #require(read[name]), matrix), "\(name)") }
    }

    @Test(
        .enabled(if: numpyAvailable, "python3 with numpy is not installed; skipping the numpy read-back"),
        arguments: [false, true])
    func numpyLoadsWhatIsWritten(compressed: Bool) throws {
        let weights = awkwardMatrix(Float.self)
        let path = temporaryPath("arrays.npz")
        try writeNPZ(["weights": weights, "bias": .row([1, 2, 3])], to: path, compressed: compressed)
        let keys = try #require(
            runPython("import sys, numpy as np; print(sorted(np.load(sys.argv[1]).keys()))", arguments: [path]))
        #expect(keys == "['bias', 'weights']\n")
        let view = try #require(numpyView(path, loader: "np.load(sys.argv[1])['weights']"))
        #expect(view.dtype == "<f4" && view.shape == [7, 4])
        #expect(zip(view.values, weights.scalars).allSatisfy { identical($0, Double($1)) })
    }

    @Test func truncatedArchiveIsAnError() {
        let path = fixture("truncated.npz")
        guard case .corruptArchive(let file, _) = thrownError({ _ = try readNPZ(from: path, as: Double.self) }) else {
            Issue.record("expected corruptArchive")
            return
        }
        #expect(file == path)
    }

    @Test func corruptMemberIsAnError() {
        let path = fixture("corrupt_member.npz")
        guard case .corruptArchive(let file, _) = thrownError({ _ = try readNPZ(from: path, as: Double.self) }) else {
            Issue.record("expected corruptArchive")
            return
        }
        #expect(file.hasPrefix(path) && file.hasSuffix(".npy]"))
    }

    @Test func truncatedMemberNamesTheMember() {
        let path = fixture("bad_member.npz")
        #expect(
            thrownError { _ = try readNPZ(from: path, as: Double.self) }
                == .truncatedData(file: path + "[broken.npy]", field: "header length", expectedBytes: 2, foundBytes: 0))
    }
}

// MARK: - IDX and gzip

@Suite struct IDXTests {
    @Test func readsImagesRawAndGzipped() throws {
        for name in ["images-idx3-ubyte", "images-idx3-ubyte.gz"] {
            expectMatrix(
                try readIDXImages(from: fixture(name), as: Double.self, scaleToUnitInterval: false),
                equals: "idx:images")
            expectMatrix(try readIDXImages(from: fixture(name), as: Double.self), equals: "idx:images_scaled")
            expectMatrix(try readIDXImages(from: fixture(name), as: Float.self), equals: "idx:images_scaled")
        }
        let general = try readIDX(from: fixture("images-idx3-ubyte.gz"))
        #expect(general.dimensions == [5, 3, 4])
        #expect(general.bytes.map(Double.init) == expectedMatrix("idx:images").values)
    }

    @Test func readsLabels() throws {
        #expect(try readIDXLabels(from: fixture("labels-idx1-ubyte.gz")) == expected["idx:labels"] as! [Int])
    }

    @Test func truncatedDataIsAnError() {
        let path = fixture("idx_truncated")
        #expect(
            thrownError { _ = try readIDXImages(from: path, as: Double.self) }
                == .truncatedData(file: path, field: "data", expectedBytes: 60, foundBytes: 53))
    }

    @Test func extraBytesAreAnError() {
        let path = fixture("idx_trailing")
        #expect(
            thrownError { _ = try readIDXImages(from: path, as: Double.self) }
                == .trailingData(file: path, expectedBytes: 60, foundBytes: 62))
    }

    @Test func overflowingDimensionsAreAnError() {
        let path = fixture("idx_overflow")
        #expect(
            thrownError { _ = try readIDXImages(from: path, as: Double.self) }
                == .dimensionOverflow(
                    file: path, field: "dimension sizes", dimensions: [4_294_967_295, 4_294_967_295, 4_294_967_295]))
    }

    /// Found by FuzzIDX (Fuzz/Corpus/IDX/crash-zero-images-overflowing-pixels): zero images of
    /// 0xfbf805cd × 0xfab02786 pixels passed the total-size check (0) and trapped on rows · columns.
    @Test func zeroItemsOfOverflowingSizeAreAnError() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("zero-items-\(UUID().uuidString)").path
        let bytes: [UInt8] = [0, 0, 8, 3, 0, 0, 0, 0, 0xfb, 0xf8, 0x05, 0xcd, 0xfa, 0xb0, 0x27, 0x86]
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let expected = DataIOError.dimensionOverflow(
            file: path, field: "dimension sizes", dimensions: [0, 0xfbf8_05cd, 0xfab0_2786])
        #expect(thrownError { _ = try readIDXImages(from: path, as: Float.self) } == expected)
        #expect(thrownError { _ = try readIDX(from: path) } == expected)
    }

    /// Found by FuzzIDX (Fuzz/Corpus/IDX/crash-zero-items-overflowing-readIDX): IDXArray's own size
    /// check multiplied [0, huge, huge] left to right and trapped on the overflow.
    @Test func zeroItemsOfOverflowingSizeFormAnEmptyArray() {
        let array = IDXArray(dimensions: [0, 0xfbf8_05cd, 0xfab0_2786, 2], bytes: [])
        #expect(array.bytes.isEmpty)
    }

    @Test func nonByteTypeIsAnError() {
        let path = fixture("idx_float_type")
        #expect(thrownError { _ = try readIDX(from: path) } == .unsupportedIDXType(file: path, typeCode: 0x0D))
    }

    @Test func wrongMagicIsAnError() {
        let path = fixture("idx_bad_magic")
        #expect(
            thrownError { _ = try readIDXImages(from: path, as: Double.self) }
                == .wrongMagicNumber(file: path, expected: "0x00000803 (IDX images)", found: "0x12340803"))
        let labels = fixture("labels-idx1-ubyte.gz")
        #expect(
            thrownError { _ = try readIDXImages(from: labels, as: Double.self) }
                == .wrongMagicNumber(file: labels, expected: "0x00000803 (IDX images)", found: "0x00000801"))
        let images = fixture("images-idx3-ubyte")
        #expect(
            thrownError { _ = try readIDXLabels(from: images) }
                == .wrongMagicNumber(file: images, expected: "0x00000801 (IDX labels)", found: "0x00000803"))
    }

    @Test func shortHeaderIsAnError() {
        let path = fixture("idx_short_header")
        #expect(
            thrownError { _ = try readIDXImages(from: path, as: Double.self) }
                == .truncatedData(file: path, field: "dimension 2 size", expectedBytes: 4, foundBytes: 1))
    }

    @Test func truncatedGzipIsAnError() {
        let path = fixture("idx_truncated.gz")
        #expect(thrownError { _ = try readIDXImages(from: path, as: Double.self) } == .truncatedGzip(file: path))
    }

    @Test func gzipChecksumMismatchIsAnError() {
        let path = fixture("idx_bad_crc.gz")
        guard
            case .corruptGzip(let file, let reason) = thrownError({ _ = try readIDXImages(from: path, as: Double.self) }
            )
        else {
            Issue.record("expected corruptGzip")
            return
        }
        #expect(file == path && reason.contains("check"))
    }

    @Test func corruptGzipIsAnError() {
        let path = fixture("idx_corrupt.gz")
        guard case .corruptGzip(let file, _) = thrownError({ _ = try readIDXImages(from: path, as: Double.self) })
        else {
            Issue.record("expected corruptGzip")
            return
        }
        #expect(file == path)
    }

    static let fashionMNIST = "/usr/share/datasets/fashion-mnist"

    @Test(
        .enabled(
            if: FileManager.default.fileExists(atPath: fashionMNIST + "/train-images-idx3-ubyte.gz")
                && expected["fashion-mnist"] != nil,
            "Fashion-MNIST is not installed at /usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist); skipping"
        ))
    func loadsFashionMNIST() throws {
        let oracle = expected["fashion-mnist"] as! [String: Any]
        let clock = ContinuousClock()
        var images = Matrix<Float>.zeros(rows: 0, columns: 0)
        var labels: [Int] = []
        let elapsed = try clock.measure {
            images = try readIDXImages(from: Self.fashionMNIST + "/train-images-idx3-ubyte.gz", as: Float.self)
            labels = try readIDXLabels(from: Self.fashionMNIST + "/train-labels-idx1-ubyte.gz")
        }
        print("Fashion-MNIST training set (60000 × 784 Float, scaled, + labels) loaded in \(elapsed)")
        #expect(images.shape == (60000, 784))
        #expect(labels.count == 60000 && labels.allSatisfy { (0...9).contains($0) })
        #expect(Array(labels.prefix(10)) == oracle["firstTrainLabels"] as! [Int])
        #expect((0..<10).map { label in labels.count { $0 == label } } == oracle["trainLabelCounts"] as! [Int])
        let raw = try readIDXImages(
            from: Self.fashionMNIST + "/train-images-idx3-ubyte.gz", as: Double.self, scaleToUnitInterval: false)
        #expect(Int(raw.scalars.reduce(0, +)) == oracle["trainPixelSum"] as! Int)
        #expect(Int(raw.scalars.prefix(784).reduce(0, +)) == oracle["firstImagePixelSum"] as! Int)
        #expect(images.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
        let test = try readIDXImages(
            from: Self.fashionMNIST + "/t10k-images-idx3-ubyte.gz", as: Double.self, scaleToUnitInterval: false)
        #expect(test.shape == (10000, 784))
        #expect(Int(test.scalars.reduce(0, +)) == oracle["testPixelSum"] as! Int)
    }
}

// MARK: - CSV

@Suite struct CSVTests {
    @Test(arguments: ["labels.csv", "labels.csv.gz"])
    func readsHeaderQuotesBOMAndLabels(name: String) throws {
        let oracle = expected["csv:labels"] as! [String: Any]
        let header = oracle["header"] as! [String]
        let dataset = try readCSV(
            from: fixture(name), as: Double.self, options: CSVReadOptions(targetColumn: "species"))
        let features = (oracle["features"] as! [[String]]).map { $0.map { Double($0)! } }
        #expect(dataset.features == Matrix(features))
        #expect(dataset.featureNames == Array(header.prefix(3)))
        #expect(dataset.targetName == "species")
        #expect(dataset.labelEncoding == LabelEncoding(classNames: oracle["classNames"] as! [String]))
        #expect(dataset.classIndices == oracle["classIndices"] as? [Int])
        #expect(dataset.targets?.rows == 4 && dataset.targets?.columns == 1)
    }

    @Test func choosesColumnsByIndexAndName() throws {
        let path = fixture("labels.csv")
        let byIndex = try readCSV(
            from: path, as: Float.self, options: CSVReadOptions(featureColumns: [2, 0], targetColumn: -1))
        #expect(byIndex.features.nestedRows == [[1.4, 5.1], [4.7, 7.0], [6.0, 6.3], [1, 4.9]])
        #expect(byIndex.classIndices == [0, 1, 2, 0])
        let byName = try readCSV(
            from: path, as: Double.self,
            options: CSVReadOptions(
                featureColumns: ["sepal, width"], targetColumn: "sepal length", targetKind: .numeric))
        #expect(byName.features.nestedRows == [[3.5], [3.2], [3.3], [3.0]])
        #expect(byName.targets?.scalars == [5.1, 7.0, 6.3, 4.9])
        #expect(byName.labelEncoding == nil && byName.classIndices == nil)
    }

    @Test func readsHeaderlessNumericFileWithDelimiter() throws {
        let matrix = try readCSVMatrix(from: fixture("numeric_semicolon.csv"), as: Double.self, delimiter: ";")
        expectMatrix(matrix, equals: "numeric_semicolon.csv")
    }

    @Test func raggedRowIsAnError() {
        let path = fixture("ragged.csv")
        let error = thrownError { _ = try readCSVMatrix(from: path, as: Double.self) }
        #expect(error == .raggedRow(file: path, line: 3, expectedColumns: 3, foundColumns: 2))
        #expect(error?.description.hasPrefix("\(path), line 3:") == true)
    }

    @Test func nonNumericCellIsAnError() {
        let path = fixture("nonnumeric.csv")
        let error = thrownError { _ = try readCSVMatrix(from: path, as: Double.self) }
        #expect(error == .nonNumericCell(file: path, line: 2, column: 2, text: "five"))
        #expect(error?.description == "\(path), line 2, column 2: expected a number, found 'five'")
    }

    @Test func hexadecimalIsNotANumberButLongDecimalsAre() throws {
        // numpy's parsers refuse hexadecimal, which strtod would read; a decimal written with hundreds
        // of digits is still a number (it once hit a 512-byte limit).
        let hexPath = temporaryPath("hex.csv")
        try "1,0x1A\n".write(toFile: hexPath, atomically: true, encoding: .utf8)
        #expect(
            thrownError { _ = try readCSVMatrix(from: hexPath, as: Double.self) }
                == .nonNumericCell(file: hexPath, line: 1, column: 2, text: "0x1A"))
        let longPath = temporaryPath("long.csv")
        let long = "0." + String(repeating: "0", count: 700) + "125e701"
        try "1,\(long)\n".write(toFile: longPath, atomically: true, encoding: .utf8)
        #expect(try readCSVMatrix(from: longPath, as: Double.self).scalars == [1, 1.25])
        #expect(try readCSVMatrix(from: longPath, as: Float.self).scalars == [1, 1.25])
    }

    @Test func emptyLabelIsAnError() throws {
        let path = temporaryPath("labels.csv")
        try "a,label\n1,x\n2, \n".write(toFile: path, atomically: true, encoding: .utf8)
        let error = thrownError {
            _ = try readCSV(from: path, as: Double.self, options: CSVReadOptions(targetColumn: "label"))
        }
        #expect(error == .emptyLabel(file: path, line: 3, column: 2))
        #expect(error?.description.contains("line 3, column 2: the class label is empty") == true)
    }

    @Test func emptyCellIsAnError() {
        let path = fixture("empty_cell.csv")
        #expect(
            thrownError { _ = try readCSVMatrix(from: path, as: Double.self) }
                == .nonNumericCell(file: path, line: 2, column: 2, text: ""))
    }

    @Test func emptyFileIsAnError() {
        for name in ["empty.csv", "blank_lines.csv"] {
            let path = fixture(name)
            #expect(thrownError { _ = try readCSVMatrix(from: path, as: Double.self) } == .emptyFile(file: path))
        }
    }

    @Test func headerOnlyIsAnError() {
        let path = fixture("header_only.csv")
        #expect(thrownError { _ = try readCSVMatrix(from: path, as: Double.self) } == .headerOnly(file: path))
    }

    @Test func unterminatedQuoteIsAnError() {
        let path = fixture("unterminated.csv")
        #expect(
            thrownError { _ = try readCSVMatrix(from: path, as: Double.self) }
                == .malformedQuote(file: path, line: 2, column: 2))
    }

    @Test func headerTreatedAsDataIsAnError() {
        let path = fixture("labels.csv")
        let error = thrownError {
            _ = try readCSV(from: path, as: Double.self, options: CSVReadOptions(header: .absent, targetColumn: 3))
        }
        #expect(error == .nonNumericCell(file: path, line: 1, column: 1, text: "sepal length"))
    }

    @Test func unknownColumnIsAnError() {
        let path = fixture("labels.csv")
        guard
            case .invalidOption(let file, let reason) = thrownError({
                _ = try readCSV(from: path, as: Double.self, options: CSVReadOptions(targetColumn: "petal width"))
            })
        else {
            Issue.record("expected invalidOption")
            return
        }
        #expect(file == path && reason.contains("'petal width'") && reason.contains("'species'"))
        #expect(
            thrownError { _ = try readCSV(from: path, as: Double.self, options: CSVReadOptions(targetColumn: 4)) }
                == .invalidOption(file: path, reason: "column index 4 is out of range for 4 columns"))
    }

    @Test func roundTripIsExact() throws {
        let double = awkwardMatrix(Double.self)
        let path = temporaryPath("double.csv")
        try writeCSV(double, to: path)
        #expect(sameBits(try readCSVMatrix(from: path, as: Double.self), double))
        let float = awkwardMatrix(Float.self)
        try writeCSV(float, to: path, columnNames: ["a", "b, c", "d \"e\"", " f"], delimiter: "\t")
        let read = try readCSV(from: path, as: Float.self, options: CSVReadOptions(header: .present, delimiter: "\t"))
        #expect(sameBits(read.features, float))
        #expect(read.featureNames == ["a", "b, c", "d \"e\"", "f"])
    }

    @Test(.enabled(if: numpyAvailable, "python3 with numpy is not installed; skipping the numpy read-back"))
    func numpyReadsWhatIsWritten() throws {
        let double = awkwardMatrix(Double.self)
        let path = temporaryPath("double.csv")
        try writeCSV(double, to: path, columnNames: ["w", "x", "y", "z"])
        let view = try #require(numpyView(path, loader: "np.loadtxt(sys.argv[1], delimiter=',', skiprows=1, ndmin=2)"))
        #expect(view.shape == [7, 4])
        #expect(zip(view.values, double.scalars).allSatisfy { identical($0, $1) })
        let float = awkwardMatrix(Float.self)
        try writeCSV(float, to: path)
        let floatView = try #require(
            numpyView(path, loader: "np.loadtxt(sys.argv[1], delimiter=',', dtype=np.float32, ndmin=2)"))
        #expect(zip(floatView.values, float.scalars).allSatisfy { identical($0, Double($1)) })
    }

    @Test func labelEncodingIsCodable() throws {
        let encoding = LabelEncoding(classNames: ["cat", "dog"])
        let data = try JSONEncoder().encode(encoding)
        #expect(try JSONDecoder().decode(LabelEncoding.self, from: data) == encoding)
        #expect(
            encoding.index(of: "dog") == 1 && encoding.className(at: 0) == "cat" && encoding.index(of: "cow") == nil)
    }
}

@Suite struct CSVTableTests {
    @Test func readsNumericAndTextColumnsWithMissingCells() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("CSVTable-\(UUID().uuidString).csv")
            .path
        try ",age,sex,label\n0,22,male,yes\n1,NA,female,no\n2,35,,yes\n3,,\"fe, male\",\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        let table = try readCSVTable(from: path)
        #expect(table.names == ["", "age", "sex", "label"])
        #expect(table.lines == [2, 3, 4, 5])
        #expect(table.columns[0] == .numbers([0, 1, 2, 3]))
        guard case .numbers(let ages) = table.columns[1] else { Issue.record("age is not numeric"); return }
        #expect(ages[0] == 22 && ages[1].isNaN && ages[2] == 35 && ages[3].isNaN)
        #expect(table.columns[2] == .text(["male", "female", nil, "fe, male"]))
        #expect(table.columns[3] == .text(["yes", "no", "yes", nil]))
        #expect(try table.resolve(.name("sex"), file: path) == 2)
        #expect(try table.resolve(.index(-1), file: path) == 3)
        #expect(throws: DataIOError.self) { try table.resolve(.name("height"), file: path) }
        try "a,b\n1,2\n3\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: DataIOError.raggedRow(file: path, line: 3, expectedColumns: 2, foundColumns: 1)) {
            try readCSVTable(from: path)
        }
    }
}
