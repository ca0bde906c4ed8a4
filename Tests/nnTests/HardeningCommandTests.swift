import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Runs `nn` with `arguments` in `folder` under a file-size limit of zero blocks (SIGXFSZ ignored, so a
/// write past the limit fails with EFBIG instead of killing the process).
func runWithoutFileSpace(_ arguments: [String], in folder: URL) throws -> CommandResult {
    try Executable.run(
        ["-c", "trap '' XFSZ; ulimit -f 0; exec \"$0\" \"$@\"", Executable.path(of: "nn")] + arguments, in: folder,
        executable: "/bin/sh")
}

/// The process id of a process that has ended (a `/bin/true` that was waited for).
func deadProcessIdentifier() throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/true")
    try process.run()
    process.waitUntilExit()
    return process.processIdentifier
}

/// Issue 19's output defects: every output goes through the one atomic writer, so a failed write keeps
/// the previous file, errors are in words, and temporaries of killed runs are removed.
@Suite struct AtomicOutputTests {
    @Test(arguments: ["p.npy", "p.csv"])
    func predictOutputSurvivesAFailedWrite(_ output: String) throws {
        let folder = try catalogFolder()
        let made = try Executable.run(
            ["predict", "--model", "model.json", "--data", "good.csv", "--target", "label", "--output", output], in: folder)
        #expect(made.status == 0, "\(made.standardError)")
        let before = try bytes(output, in: folder)
        let failed = try runWithoutFileSpace(
            ["predict", "--model", "model.json", "--data", "good.csv", "--target", "label", "--output", output], in: folder)
        #expect(failed.status == 1 && !failed.crashed, "\(failed.standardError)")
        #expect(failed.standardError.contains("File too large"), "\(failed.standardError)")
        #expect(!failed.standardError.contains("NSCocoaErrorDomain"), "\(failed.standardError)")
        #expect(try bytes(output, in: folder) == before, "a failed predict changed \(output)")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    @Test func exportRemovesTemporariesOfKilledRuns() throws {
        let folder = try catalogFolder()
        let stale = ".weights.npz.\(try deadProcessIdentifier()).tmp"
        try Data("partial".utf8).write(to: folder.appendingPathComponent(stale))
        let exported = try Executable.run(["export", "--model", "model.json", "--output", "weights.npz"], in: folder)
        #expect(exported.status == 0, "\(exported.standardError)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent(stale).path), "\(stale) was left")
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("weights.npz").path))
    }

    @Test func exportSurvivesAFailedWrite() throws {
        let folder = try catalogFolder()
        let made = try Executable.run(["export", "--model", "model.json", "--output", "weights.npz"], in: folder)
        #expect(made.status == 0, "\(made.standardError)")
        let before = try bytes("weights.npz", in: folder)
        let failed = try runWithoutFileSpace(["export", "--model", "model.json", "--output", "weights.npz"], in: folder)
        #expect(failed.status == 1 && !failed.crashed, "\(failed.standardError)")
        #expect(try bytes("weights.npz", in: folder) == before)
    }
}

/// A model file as the version 1 JSON object (weights inline), whichever version `data` is: tests that
/// damage one field of a model edit this object. Version 2 files (8-byte header length, JSON header
/// whose `__metadata__.document` is the model without arrays, then the arrays) are converted.
func legacyModelObject(_ data: Data) throws -> [String: Any] {
    if data.first == UInt8(ascii: "{") { return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any]) }
    let length = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
    let header = try #require(try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + length))) as? [String: Any])
    let metadata = try #require(header["__metadata__"] as? [String: String])
    let text = try #require(metadata["document"])
    var document = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    var layers = try #require(document["layers"] as? [[String: Any]])
    for (name, value) in header where name != "__metadata__" {
        let entry = try #require(value as? [String: Any])
        let shape = try #require(entry["shape"] as? [Int]), offsets = try #require(entry["data_offsets"] as? [Int])
        let bytes = data.subdata(in: (8 + length + offsets[0])..<(8 + length + offsets[1]))
        let values: [Double] = bytes.withUnsafeBytes { raw in
            entry["dtype"] as? String == "F32"
                ? (0..<(raw.count / 4)).map { Double(raw.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self)) }
                : (0..<(raw.count / 8)).map { raw.loadUnaligned(fromByteOffset: $0 * 8, as: Double.self) }
        }
        let parts = name.split(separator: ".")
        let index = try #require(Int(parts[1]))
        layers[index][String(parts[2])] = [
            "rows": shape[0], "columns": shape[1],
            "values": (0..<shape[0]).map { Array(values[($0 * shape[1])..<(($0 + 1) * shape[1])]) },
        ]
    }
    document["layers"] = layers
    document["version"] = 1
    return document
}
