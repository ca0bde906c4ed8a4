import Foundation
import Tensor
import TensorIO
import TestSupport
import Testing

// The zip writer behind `writeNPZ`, checked three ways: what it writes now is byte for byte what it
// wrote into the committed archives of Fixtures/npzwriter (stored members; deflated ones are compared
// after reading, since another zlib may choose other bits for the same data); numpy read each of
// those archives (scripts/fixtures/npz_writer_fixtures.py wrote what it saw into expected.json, and
// that must be exactly the arrays written); and our reader gets back the same bits.
//
// To write the archives again after a deliberate change to the writer:
//     NPZ_WRITER_FIXTURES=$PWD/Tests/TensorIOTests/Fixtures/npzwriter \
//         swift test -c release --filter NPZWriterTests/writesTheCommittedArchive
//     python3 scripts/fixtures/npz_writer_fixtures.py

/// One committed archive: its file name, how it is written, and from which arrays.
struct WriterFixture: Sendable, CustomTestStringConvertible {
    enum Precision: Sendable { case float, double }

    let name: String
    let precision: Precision
    let compressed: Bool
    /// `nil` for the format's own limits; a small threshold forces the zip64 records.
    let zip64Threshold: Zip64Threshold?

    var testDescription: String { name }

    /// Writes the archive to `path`.
    func write(to path: String) throws {
        let threshold = zip64Threshold ?? .format
        switch precision {
        case .double:
            try writeNPZ(
                writerArrays(Double.self), to: path, compressed: compressed, files: writerFiles,
                zip64Threshold: threshold)
        case .float:
            try writeNPZ(
                writerArrays(Float.self), to: path, compressed: compressed, files: writerFiles,
                zip64Threshold: threshold)
        }
    }

    /// Whether the archive's end holds a zip64 end record and locator.
    var expectsZip64: Bool { zip64Threshold != nil }
}

/// Forced zip64: sizes from 200 bytes (the small members stay classic, the large one does not; every
/// offset but the first is zip64) and counts from 2 members.
private let forcedZip64 = Zip64Threshold(size: 200, memberCount: 2)

let writerFixtures: [WriterFixture] = [
    WriterFixture(name: "double-stored.npz", precision: .double, compressed: false, zip64Threshold: nil),
    WriterFixture(name: "double-deflated.npz", precision: .double, compressed: true, zip64Threshold: nil),
    WriterFixture(name: "float-stored.npz", precision: .float, compressed: false, zip64Threshold: nil),
    WriterFixture(name: "float-deflated.npz", precision: .float, compressed: true, zip64Threshold: nil),
    WriterFixture(name: "zip64-stored.npz", precision: .double, compressed: false, zip64Threshold: forcedZip64),
    WriterFixture(name: "zip64-deflated.npz", precision: .double, compressed: true, zip64Threshold: forcedZip64),
]

/// Bit patterns of nans with payloads (quiet and signalling, both signs), which must survive writing
/// and reading unchanged, beside signed zeros, infinities, subnormals and ordinary values.
private func awkwardScalars<Scalar: MatrixScalar>(_ type: Scalar.Type) -> [Scalar] {
    let nans: [Scalar]
    if Scalar.self == Double.self {
        nans = [0x7FF8_0000_0000_0001, 0xFFF8_0000_DEAD_BEEF, 0x7FF4_0000_0000_0000, 0xFFF0_0000_0000_0001].map {
            Double(bitPattern: $0) as! Scalar
        }
    } else {
        nans = [0x7FC0_0001, 0xFFC0_BEEF, 0x7FA0_0000, 0xFF80_0001].map { Float(bitPattern: $0) as! Scalar }
    }
    let ordinary: [Scalar] = [
        0, -0, .infinity, -.infinity, .leastNonzeroMagnitude, -.leastNormalMagnitude, .greatestFiniteMagnitude,
        0.1, 1 / 3, -12345.678, .ulpOfOne, 2.5e-3,
    ]
    return nans + ordinary
}

/// The arrays of every fixture archive: a 4 × 4 matrix of awkward values, a larger matrix (past the
/// forced zip64 threshold), empty matrices of both kinds, a name with a folder and a name that is not ASCII.
private func writerArrays<Scalar: MatrixScalar>(_ type: Scalar.Type) -> [String: Matrix<Scalar>] {
    [
        "awkward": Matrix(rows: 4, columns: 4, scalars: awkwardScalars(Scalar.self)),
        "ramp": Matrix(rows: 8, columns: 5, scalars: (0..<40).map { Scalar($0) / 8 - 2 }),
        "empty rows": .zeros(rows: 0, columns: 3),
        "empty columns": .zeros(rows: 2, columns: 0),
        "nested/identity": .identity(size: 2),
        "größe": .row([1, -1]),
    ]
}

/// The other member of every fixture archive (as `nn export` writes a description beside the arrays).
private let writerFiles: [String: Data] = ["description.json": Data(#"{"layers": 2}"#.utf8)]

/// The committed archive `name`.
private func writerFixture(_ name: String) -> String {
    Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
        .appendingPathComponent("npzwriter").appendingPathComponent(name).path
}

/// What numpy saw in each committed archive (scripts/fixtures/npz_writer_fixtures.py).
nonisolated(unsafe) private let numpyReadings: [String: Any] = {
    let data = try! Data(contentsOf: URL(fileURLWithPath: writerFixture("expected.json")))
    return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
}()

/// The little-endian bytes of a matrix's elements, in lowercase hex (as Python's `bytes.hex()`).
private func hexBytes<Scalar: MatrixScalar>(_ matrix: Matrix<Scalar>) -> String {
    matrix.scalars.withUnsafeBytes { bytes in bytes.map { String(format: "%02x", $0) }.joined() }
}

/// Whether two matrices have the same shape and the same bits in every element (nan payloads included).
private func bitIdentical<Scalar: MatrixScalar>(_ a: Matrix<Scalar>, _ b: Matrix<Scalar>) -> Bool {
    a.shape == b.shape && hexBytes(a) == hexBytes(b)
}

/// A fresh path in a temporary folder.
private func temporaryArchive(_ name: String) -> String {
    let folder = testTemporaryDirectory.appendingPathComponent("NPZWriterTests-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder.appendingPathComponent(name).path
}

@Suite struct NPZWriterTests {
    /// Today's writer output against the committed archive (regenerated instead when
    /// `NPZ_WRITER_FIXTURES` names the fixture folder).
    @Test(arguments: writerFixtures)
    func writesTheCommittedArchive(fixture: WriterFixture) throws {
        if let folder = ProcessInfo.processInfo.environment["NPZ_WRITER_FIXTURES"] {
            try fixture.write(to: folder + "/" + fixture.name)
            return
        }
        let path = temporaryArchive(fixture.name)
        try fixture.write(to: path)
        let written = try Data(contentsOf: URL(fileURLWithPath: path))
        let committed = try Data(contentsOf: URL(fileURLWithPath: writerFixture(fixture.name)))
        if fixture.compressed {
            try expectSameArrays(path, writerFixture(fixture.name), precision: fixture.precision)
        } else {
            #expect(
                written == committed, "\(fixture.name): \(written.count) bytes written, \(committed.count) committed")
        }
    }

    /// numpy (through Python's zipfile) read every committed archive, checked every member's CRC-32,
    /// and saw exactly the arrays written: dtype, shape and every byte.
    @Test(arguments: writerFixtures)
    func numpyReadTheCommittedArchive(fixture: WriterFixture) throws {
        let reading = try #require(
            numpyReadings[fixture.name] as? [String: Any], "\(fixture.name) not in expected.json")
        #expect(reading["testzip"] is NSNull, "zipfile found a bad CRC-32 in \(String(describing: reading["testzip"]))")
        #expect(reading["zip64_end_record"] as? Bool == fixture.expectsZip64)
        let methods = try #require(reading["methods"] as? [String: Int])
        #expect(Set(methods.values) == [fixture.compressed ? 8 : 0])
        let arrays = try #require(reading["arrays"] as? [String: [String: Any]])
        let files = try #require(reading["files"] as? [String: String])
        #expect(files == writerFiles.mapValues { $0.map { String(format: "%02x", $0) }.joined() })
        switch fixture.precision {
        case .double: expect(arrays, equal: writerArrays(Double.self), dtype: "<f8")
        case .float: expect(arrays, equal: writerArrays(Float.self), dtype: "<f4")
        }
    }

    /// Our reader gets back the arrays written, bit for bit, from each committed archive.
    @Test(arguments: writerFixtures)
    func roundTripsBitExactly(fixture: WriterFixture) throws {
        let path = writerFixture(fixture.name)
        switch fixture.precision {
        case .double:
            let read = try readNPZ(from: path, as: Double.self)
            let written = writerArrays(Double.self)
            #expect(Set(read.keys) == Set(written.keys))
            for (name, matrix) in written { #expect(bitIdentical(try #require(read[name]), matrix), "\(name)") }
        case .float:
            let read = try readNPZ(from: path, as: Float.self)
            let written = writerArrays(Float.self)
            #expect(Set(read.keys) == Set(written.keys))
            for (name, matrix) in written { #expect(bitIdentical(try #require(read[name]), matrix), "\(name)") }
        }
    }

    /// Two members under one name would leave `np.load` one of them silently: the writer refuses.
    @Test func duplicateMemberNamesAreRefused() {
        let path = temporaryArchive("duplicate.npz")
        #expect(throws: DataIOError.cannotWrite(file: path, reason: "two members are named 'a.npy'")) {
            try writeNPZ(["a": Matrix<Double>.row([1])], to: path, files: ["a.npy": Data([1, 2])])
        }
        #expect(!FileManager.default.fileExists(atPath: path), "a refused archive leaves no file")
    }

    /// A folder or a device where the archive should go is refused, as before.
    @Test func folderIsRefused() {
        let folder = temporaryArchive("folder.npz")
        try! FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        #expect(throws: DataIOError.cannotWrite(file: folder, reason: "is a folder")) {
            try writeNPZ(["a": Matrix<Double>.row([1])], to: folder)
        }
        #expect(throws: DataIOError.self) { try writeNPZ(["a": Matrix<Double>.row([1])], to: "/dev/null") }
    }

    /// Many members, past the forced member-count threshold and with every offset in zip64 fields,
    /// read back in order, stored and deflated.
    @Test(arguments: [false, true])
    func manyMembersWithForcedZip64(compressed: Bool) throws {
        let arrays = Dictionary(
            uniqueKeysWithValues: (0..<300).map { ("m\($0)", Matrix<Double>.row([Double($0), -0.0])) })
        let path = temporaryArchive("many.npz")
        try writeNPZ(
            arrays, to: path, compressed: compressed, files: [:],
            zip64Threshold: Zip64Threshold(size: 1, memberCount: 10))
        let read = try readNPZ(from: path, as: Double.self)
        #expect(read.count == 300)
        for (name, matrix) in arrays { #expect(bitIdentical(try #require(read[name]), matrix), "\(name)") }
    }
}

/// Reads both archives and checks that they hold the same arrays, bit for bit.
private func expectSameArrays(_ first: String, _ second: String, precision: WriterFixture.Precision) throws {
    switch precision {
    case .double:
        let a = try readNPZ(from: first, as: Double.self), b = try readNPZ(from: second, as: Double.self)
        #expect(Set(a.keys) == Set(b.keys))
        for (name, matrix) in a { #expect(bitIdentical(try #require(b[name]), matrix), "\(name)") }
    case .float:
        let a = try readNPZ(from: first, as: Float.self), b = try readNPZ(from: second, as: Float.self)
        #expect(Set(a.keys) == Set(b.keys))
        for (name, matrix) in a { #expect(bitIdentical(try #require(b[name]), matrix), "\(name)") }
    }
}

/// Checks numpy's view of each array (dtype, shape, bytes in hex) against the arrays written.
private func expect<Scalar: MatrixScalar>(
    _ arrays: [String: [String: Any]], equal written: [String: Matrix<Scalar>], dtype: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(Set(arrays.keys) == Set(written.keys), sourceLocation: sourceLocation)
    for (name, matrix) in written {
        guard let array = arrays[name] else { continue }
        #expect(array["dtype"] as? String == dtype, "\(name)", sourceLocation: sourceLocation)
        #expect(array["shape"] as? [Int] == [matrix.rows, matrix.columns], "\(name)", sourceLocation: sourceLocation)
        #expect(
            array["hex"] as? String == hexBytes(matrix), "\(name): numpy's bytes differ", sourceLocation: sourceLocation
        )
    }
}
