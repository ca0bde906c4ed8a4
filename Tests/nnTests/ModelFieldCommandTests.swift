import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A folder with the catalog's files (``catalogFolder()``) and a regressor trained on standardized
/// targets: `reg.csv` (features f1, f2, target y) and `reg.safetensors` (float, with input and target
/// transforms and a table layout); and `color.csv` with `color.safetensors`, a classifier whose text
/// column `color` is one-hot encoded.
func modelFieldFolder() throws -> URL {
    let folder = try catalogFolder()
    var rows = "f1,f2,y\n"
    for index in 0..<40 {
        let a = Double(index % 7) / 7, b = Double(index % 5) / 5
        rows += "\(a),\(b),\(3 * a - 2 * b + 0.25)\n"
    }
    try rows.write(to: folder.appendingPathComponent("reg.csv"), atomically: true, encoding: .utf8)
    let trained = try Executable.run(
        ["train", "--data", "reg.csv", "--layers", "3", "--epochs", "2", "--save", "reg.safetensors", "--quiet"],
        in: folder)
    #expect(trained.status == 0, "\(trained.standardError)")
    try "color,f1,label\nred,0.1,x\nblue,0.9,y\nred,0.2,x\nblue,0.8,y\n".write(
        to: folder.appendingPathComponent("color.csv"), atomically: true, encoding: .utf8)
    let colored = try Executable.run(
        ["train", "--data", "color.csv", "--layers", "3", "--epochs", "2", "--save", "color.safetensors", "--quiet"],
        in: folder)
    #expect(colored.status == 0, "\(colored.standardError)")
    return folder
}

/// Writes the model file `model` of `folder`, as the version 1 JSON object edited by `edit`, to `name`.
func writeEditedModel(
    _ model: String, to name: String, in folder: URL, _ edit: (inout [String: Any]) -> Void
) throws {
    var object = try legacyModelObject(bytes(model, in: folder))
    edit(&object)
    try JSONSerialization.data(withJSONObject: object).write(to: folder.appendingPathComponent(name))
}

/// `object[key]` (a dictionary) with `field` set to `value`.
func setting(_ field: String, to value: Any, in key: String, of object: inout [String: Any]) {
    var inner = object[key] as? [String: Any] ?? [:]
    inner[field] = value
    object[key] = inner
}

/// Issue 29 D1: every field of a model file is checked against the rest when it is read. A target
/// transform was never checked: an empty one made `nn info` die with SIGILL (index out of range),
/// `predict` exit 0 with empty rows, `evaluate` print nan and `export` copy it; scales of 0, -1,
/// 1e-320 or 1e308 and offsets of 1e308 passed. Each is now one `error:` line naming the file and the
/// field, exit 1, from every command that reads the model.
@Suite struct ModelFieldValidationTests {
    /// The commands that read `model` in the folder (`reg.csv` or `good.csv` as their data).
    func commands(_ model: String, data: String) -> [[String]] {
        [
            ["info", "--model", model],
            ["info", "--model", model, "--json"],
            ["predict", "--model", model, "--data", data],
            ["evaluate", "--model", model, "--data", data],
            ["export", "--model", model, "--output", "weights.npz"],
        ]
    }

    /// Expects every command to refuse `bad.safetensors`, edited from `model` by `edit`, naming `field`.
    func expectRefused(
        _ model: String, data: String, field: String, in folder: URL,
        sourceLocation: SourceLocation = #_sourceLocation, _ edit: (inout [String: Any]) -> Void
    ) throws {
        try writeEditedModel(model, to: "bad.safetensors", in: folder, edit)
        for arguments in commands("bad.safetensors", data: data) {
            try expectCleanFailure(
                arguments, in: folder, mentions: ["bad.safetensors: not a valid model file", "field '\(field)"],
                sourceLocation: sourceLocation)
        }
        #expect(
            !FileManager.default.fileExists(atPath: folder.appendingPathComponent("weights.npz").path),
            "export copied a damaged model", sourceLocation: sourceLocation)
    }

    @Test func targetTransformOfTheWrongWidthIsRefused() throws {
        let folder = try modelFieldFolder()
        for (offsets, scales) in [([Double](), [Double]()), ([0.0, 0.0], [1.0, 1.0]), ([0.0], [1.0, 2.0])] {
            try expectRefused("reg.safetensors", data: "reg.csv", field: "targetTransform", in: folder) {
                $0["targetTransform"] = ["offset": offsets, "scale": scales]
            }
        }
    }

    @Test func targetTransformScalesAndOffsetsOutOfRangeAreRefused() throws {
        let folder = try modelFieldFolder()
        for scale in [0.0, -1.0, 1e-320, 1e-31, 1e308, 1e31] {
            try expectRefused("reg.safetensors", data: "reg.csv", field: "targetTransform.scale.0", in: folder) {
                setting("scale", to: [scale], in: "targetTransform", of: &$0)
            }
        }
        // A float model: 1e308 is not a float number.
        try expectRefused("reg.safetensors", data: "reg.csv", field: "targetTransform.offset.0", in: folder) {
            setting("offset", to: [1e308], in: "targetTransform", of: &$0)
        }
    }

    @Test func inputTransformScalesOutOfRangeAreRefused() throws {
        let folder = try modelFieldFolder()
        for scale in [0.0, -1.0, 1e-320, 1e308] {
            try expectRefused("reg.safetensors", data: "reg.csv", field: "inputTransform.scale.1", in: folder) {
                setting("scale", to: [1.0, scale], in: "inputTransform", of: &$0)
            }
        }
    }

    @Test func lossThatTheOutputsCannotServeIsRefused() throws {
        let folder = try modelFieldFolder()
        // One sigmoid output under softmax cross-entropy: a softmax over one output is always 1.
        try expectRefused("model.safetensors", data: "good.csv", field: "loss", in: folder) {
            $0["loss"] = "softmaxCrossEntropy"
        }
        // Binary cross-entropy on the identity outputs of an MSE model: not probabilities.
        try expectRefused("three.safetensors", data: "three.csv", field: "loss", in: folder) {
            $0["loss"] = "binaryCrossEntropy"
        }
    }

    @Test func tableLayoutAgainstTheInputsIsChecked() throws {
        let folder = try modelFieldFolder()
        func editColumns(_ change: @escaping (inout [[String: Any]]) -> Void) -> (inout [String: Any]) -> Void {
            { object in
                var layout = object["tableLayout"] as! [String: Any]
                var columns = layout["columns"] as! [[String: Any]]
                change(&columns)
                layout["columns"] = columns
                object["tableLayout"] = layout
            }
        }
        try expectRefused(
            "reg.safetensors", data: "reg.csv", field: "tableLayout.columns", in: folder,
            editColumns { $0.removeLast() })
        try expectRefused(
            "reg.safetensors", data: "reg.csv", field: "tableLayout.columns.1.name", in: folder,
            editColumns { $0[1]["name"] = "f1" })
        try expectRefused(
            "reg.safetensors", data: "reg.csv", field: "tableLayout.columns.1.position", in: folder,
            editColumns { $0[1]["position"] = 7 })
        try expectRefused("reg.safetensors", data: "reg.csv", field: "tableLayout.missing", in: folder) {
            setting("missing", to: "sometimes", in: "tableLayout", of: &$0)
        }
        // A category listed twice trapped in predict's lookup (a dictionary of unique keys).
        try expectRefused(
            "color.safetensors", data: "color.csv", field: "tableLayout.columns.0.categories", in: folder,
            editColumns { $0[0]["categories"] = ["blue", "blue"] })
    }

    @Test func trainedModelsStillLoad() throws {
        let folder = try modelFieldFolder()
        for (model, data) in [
            ("reg.safetensors", "reg.csv"), ("color.safetensors", "color.csv"), ("model.safetensors", "good.csv"),
            ("three.safetensors", "three.csv"),
        ] {
            for arguments in commands(model, data: data) {
                let result = try Executable.run(arguments, in: folder)
                #expect(result.status == 0, "\(arguments): \(result.standardError)")
            }
        }
    }
}

/// Issue 29 D17: finite but huge weights (3e38 in a float model) overflowed the forward pass, and
/// `evaluate` printed `loss -nan` and `predict` wrote nan, both with exit 0. Outputs that are not
/// finite are now an error naming the model and the first such sample.
@Suite struct OverflowingOutputTests {
    @Test func hugeWeightsAreAnErrorNamingTheModel() throws {
        let folder = try modelFieldFolder()
        for (model, data) in [("reg.safetensors", "reg.csv"), ("model.safetensors", "good.csv")] {
            try writeEditedModel(model, to: "huge.safetensors", in: folder) { object in
                var layers = object["layers"] as! [[String: Any]]
                var weights = layers[0]["weights"] as! [String: Any]
                let rows = weights["rows"] as! Int, columns = weights["columns"] as! Int
                weights["values"] = Array(repeating: Array(repeating: 3e38, count: columns), count: rows)
                layers[0]["weights"] = weights
                object["layers"] = layers
            }
            for command in ["predict", "evaluate"] {
                let result = try expectCleanFailure(
                    [command, "--model", "huge.safetensors", "--data", data], in: folder,
                    mentions: ["huge.safetensors: the model's outputs overflow float for sample "])
                #expect(!result.standardOutput.contains("nan"), "\(result.standardOutput)")
            }
        }
    }
}

/// Issue 29 D2: `--init-from` and `--resume` applied the saved input transform before comparing the
/// data's width with the network's, and data of another width (a built-in data set, .npy, IDX) died
/// with SIGILL in the transform's broadcasting. It is now one error naming both widths.
@Suite struct ContinuedRunWidthTests {
    @Test func dataOfAnotherWidthIsRefusedForEveryFormat() throws {
        let folder = try temporaryFolder()
        var rows = "a,b,c,d,label\n"
        for index in 0..<12 { rows += "\(index % 3),\(index % 5),\(index % 2),\(index % 7),\(index % 2)\n" }
        try rows.write(to: folder.appendingPathComponent("four.csv"), atomically: true, encoding: .utf8)
        let trained = try Executable.run(
            [
                "train", "--data", "four.csv", "--layers", "3", "--epochs", "1", "--save", "four.safetensors",
                "--checkpoint-every", "1", "--checkpoint", "four.checkpoint.safetensors", "--quiet",
            ], in: folder)
        #expect(trained.status == 0, "\(trained.standardError)")
        try writeNPY(
            rows: 4, columns: 3, values: [0, 0, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0],
            to: folder.appendingPathComponent("three.npy"))
        let pixels: [UInt8] = [0, 255, 128, 64, 1, 2, 3, 4, 9, 9, 9]
        try Data(bigEndian(0x0803) + bigEndian(2) + bigEndian(1) + bigEndian(3) + pixels.prefix(6)).write(
            to: folder.appendingPathComponent("images-idx3-ubyte"))
        try Data(bigEndian(0x0801) + bigEndian(2) + [0, 1]).write(
            to: folder.appendingPathComponent("labels-idx1-ubyte"))
        let sources: [([String], String)] = [
            (["--dataset", "xor"], "2 features per sample"),
            (["--data", "three.npy"], "2 features per sample"),  // The last column is the target.
            (["--data", "images-idx3-ubyte", "--labels", "labels-idx1-ubyte"], "3 features per sample"),
        ]
        for (source, width) in sources {
            for (option, origin) in [
                ("--init-from", "four.safetensors"), ("--resume", "four.checkpoint.safetensors"),
            ] {
                try expectCleanFailure(
                    ["train"] + source + [option, origin, "--epochs", "2", "--quiet"], in: folder,
                    mentions: [width, "has 4 inputs", origin])
            }
        }
    }
}

/// Issue 29 D20: a header that names a column twice trained on both columns, but predict and evaluate
/// found each copy by name and read the first one twice (accuracy on the training file fell from 0.995
/// to 0.49, exit 0). Training refuses such a header, naming the column and both positions, and
/// predict and evaluate refuse a file whose header repeats a name the model reads.
@Suite struct DuplicateHeaderTests {
    @Test func duplicateNamesAreRefusedAtTrainingAndPrediction() throws {
        let folder = try catalogFolder()
        try "f1,f2,f1,label\n0.1,0.2,0.9,x\n0.9,0.8,0.1,y\n0.2,0.1,0.8,x\n0.8,0.9,0.2,y\n".write(
            to: folder.appendingPathComponent("twice.csv"), atomically: true, encoding: .utf8)
        try expectCleanFailure(
            ["train", "--data", "twice.csv", "--layers", "2", "--epochs", "1", "--save", "twice.safetensors"],
            in: folder, mentions: ["twice.csv", "'f1' twice (columns 1 and 3)", "--drop 2"])
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("twice.safetensors").path))
        // Leaving one copy out trains.
        let dropped = try Executable.run(
            ["train", "--data", "twice.csv", "--layers", "2", "--epochs", "1", "--drop", "2", "--quiet"], in: folder)
        #expect(dropped.status == 0, "\(dropped.standardError)")
        // The catalog's model reads f1 by name; a file that names it twice is ambiguous.
        for command in ["predict", "evaluate"] {
            try expectCleanFailure(
                [command, "--model", "model.safetensors", "--data", "twice.csv"], in: folder,
                mentions: ["twice.csv", "'f1'", "twice (columns 1 and 3)"])
        }
    }
}

/// Issue 29 D13: a file name of 243 to 255 bytes is valid, but `.NAME.PID.tmp` passed NAME_MAX and
/// every output with such a name failed ("File name too long").
@Suite struct LongOutputNameTests {
    @Test func namesUpToNameMaxAreWritten() throws {
        let folder = try catalogFolder()
        let model = String(repeating: "m", count: 255 - ".safetensors".count) + ".safetensors"
        let predictions = String(repeating: "p", count: 251) + ".csv"
        let trained = try Executable.run(
            ["train", "--data", "good.csv", "--layers", "2", "--epochs", "1", "--save", model, "--quiet"], in: folder)
        #expect(trained.status == 0, "\(trained.standardError)")
        let predicted = try Executable.run(
            ["predict", "--model", model, "--data", "good.csv", "--output", predictions], in: folder)
        #expect(predicted.status == 0, "\(predicted.standardError)")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(names.contains(model) && names.contains(predictions), "\(names)")
        #expect(!names.contains { $0.hasSuffix(".tmp") }, "\(names)")
    }
}

/// Issue 29 D11: `nn train ... | head -1` died of SIGPIPE at its next line of output, before it saved
/// (exit 141). `nn` ignores SIGPIPE, stops printing when standard output is closed, and trains on.
@Suite struct ClosedStandardOutputTests {
    /// Runs `nn` with `arguments` in `folder`, its standard output a pipe whose reading end is closed
    /// before it starts; returns the exit status, whether a signal ended it, and its standard error.
    func runIntoClosedPipe(_ arguments: [String], in folder: URL) throws -> CommandResult {
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        close(ends[0])
        let process = Process()
        process.executableURL = Executable.url
        process.arguments = arguments
        process.currentDirectoryURL = folder
        process.standardOutput = FileHandle(fileDescriptor: ends[1], closeOnDealloc: true)
        let error = Pipe()
        process.standardError = error
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let errorData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CommandResult(
            status: process.terminationStatus, standardOutput: "",
            standardError: String(decoding: errorData, as: UTF8.self),
            crashed: process.terminationReason == .uncaughtSignal)
    }

    @Test func trainingIntoAClosedPipeStillSaves() throws {
        let folder = try catalogFolder()
        let result = try runIntoClosedPipe(
            [
                "train", "--data", "good.csv", "--layers", "2", "--epochs", "30", "--save", "piped.safetensors",
                "--history", "piped.json",
            ], in: folder)
        #expect(!result.crashed && result.status == 0, "\(result.status): \(result.standardError)")
        for name in ["piped.safetensors", "piped.json"] {
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path), "\(name)")
        }
        let info = try runIntoClosedPipe(["info", "--model", "piped.safetensors"], in: folder)
        #expect(!info.crashed && info.status == 0, "\(info.status): \(info.standardError)")
    }
}

/// Issue 29 D14: a checkpoint that could not be written ended the run, and --save was never written.
/// A failed checkpoint is now a warning on standard error; training goes on and saves.
@Suite struct FailedCheckpointTests {
    @Test func aFailedCheckpointWarnsAndTheModelIsSaved() throws {
        let folder = try catalogFolder()
        // Every write into a full device fails (ENOSPC), for root too.
        let full = try #require(fullDevice(in: folder))
        let result = try Executable.run(
            [
                "train", "--data", "good.csv", "--layers", "2", "--epochs", "3", "--checkpoint-every", "1",
                "--checkpoint", full, "--save", "saved.safetensors", "--quiet",
            ], in: folder)
        #expect(!result.crashed && result.status == 0, "\(result.status): \(result.standardError)")
        let warnings = result.standardError.split(separator: "\n")
        #expect(warnings.count == 1, "\(result.standardError)")
        #expect(
            warnings.first?.hasPrefix("warning: epoch 1: ") == true
                && result.standardError.contains("No space left on device")
                && result.standardError.contains("training goes on"), "\(result.standardError)")
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("saved.safetensors").path))
    }
}

/// Issue 29 D12: an output that is a folder, or whose name is too long, was found only when the
/// trained model was saved. Such outputs are refused before the data is read.
@Suite struct OutputPathCheckTests {
    @Test func unwritableOutputsAreRefusedBeforeTraining() throws {
        let folder = try catalogFolder()
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("out.safetensors"), withIntermediateDirectories: false)
        let long = String(repeating: "n", count: 256)
        let cases: [([String], [String])] = [
            (["--save", "out.safetensors"], ["--save out.safetensors: it is a folder"]),
            (["--history", "out.safetensors"], ["--history out.safetensors: it is a folder"]),
            (["--save", long], ["the file name has 256 bytes, more than the 255"]),
            (["--checkpoint-every", "1", "--checkpoint", "out.safetensors"], ["--checkpoint", "it is a folder"]),
        ]
        for (outputs, mentions) in cases {
            let result = try expectCleanFailure(
                ["train", "--data", "good.csv", "--layers", "2", "--epochs", "5"] + outputs, in: folder,
                mentions: mentions)
            #expect(result.standardOutput.isEmpty, "trained before refusing: \(result.standardOutput)")
        }
        try expectCleanFailure(
            ["predict", "--model", "model.safetensors", "--data", "good.csv", "--output", long + ".csv"], in: folder,
            mentions: ["--output", "bytes, more than the 255"])
        #if canImport(Glibc)
            // Root writes into any folder; for others a folder without write permission is refused.
            if getuid() != 0 {
                let locked = folder.appendingPathComponent("locked")
                try FileManager.default.createDirectory(at: locked, withIntermediateDirectories: false)
                chmod(locked.path, 0o555)
                defer { chmod(locked.path, 0o755) }
                try expectCleanFailure(
                    [
                        "train", "--data", "good.csv", "--layers", "2", "--epochs", "1", "--save",
                        "locked/m.safetensors",
                    ],
                    in: folder, mentions: ["cannot be written"])
            }
        #endif
    }
}

/// Issue 29 D19: a named pipe given as --data blocked forever in `open`, waiting for a writer. Data
/// files are opened without blocking and anything but a regular file is refused in one line.
@Suite struct SpecialInputFileTests {
    @Test func aNamedPipeAsDataIsRefused() throws {
        #if canImport(Glibc)
            let folder = try catalogFolder()
            try #require(mkfifo(folder.appendingPathComponent("fifo.csv").path, 0o644) == 0)
            try #require(mkfifo(folder.appendingPathComponent("fifo.npy").path, 0o644) == 0)
            // `timeout` turns the old hang into a kill instead of stopping the suite (SIGKILL: the test runner
            // starts processes with SIGTERM blocked).
            for arguments in [
                ["train", "--data", "fifo.csv", "--layers", "2", "--epochs", "1"],
                ["train", "--data", "fifo.npy", "--layers", "2", "--epochs", "1"],
                ["predict", "--model", "model.safetensors", "--data", "fifo.csv"],
            ] {
                let result = try Executable.run(
                    ["-s", "KILL", "20", Executable.path(of: "nn")] + arguments, in: folder,
                    executable: "/usr/bin/timeout")
                #expect(
                    !result.crashed && result.status == 1, "\(arguments): \(result.status): \(result.standardError)")
                #expect(
                    result.standardError.hasPrefix("error: fifo.")
                        && result.standardError.contains("it is a named pipe (FIFO), not a regular file")
                        && result.standardError.split(separator: "\n").count == 1, "\(result.standardError)")
            }
        #endif
    }
}

/// A stored (uncompressed) zip archive of `members`; the central directory lists the member named
/// `repeated` a second time, at the same local header, when given.
func zipArchive(_ members: [(name: String, bytes: [UInt8])], repeated: String? = nil) -> Data {
    func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
    func le16(_ value: Int) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)] }
    func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(value >> (8 * $0) & 0xFF) } }
    var data: [UInt8] = []
    var directory: [UInt8] = []
    var entries = 0
    for member in members {
        let name = Array(member.name.utf8), crc = crc32(member.bytes), size = UInt32(member.bytes.count)
        let offset = UInt32(data.count)
        data +=
            le32(0x0403_4b50) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0) + le32(crc) + le32(size)
            + le32(size) + le16(name.count) + le16(0) + name + member.bytes
        let entry =
            le32(0x0201_4b50) + le16(20) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0) + le32(crc) + le32(size)
            + le32(size) + le16(name.count) + le16(0) + le16(0) + le16(0) + le16(0) + le32(0) + le32(offset) + name
        directory += entry
        entries += 1
        if member.name == repeated {
            directory += entry
            entries += 1
        }
    }
    let directoryOffset = UInt32(data.count)
    data += directory
    data +=
        le32(0x0605_4b50) + le16(0) + le16(0) + le16(entries) + le16(entries) + le32(UInt32(directory.count))
        + le32(directoryOffset) + le16(0)
    return Data(data)
}

/// The bytes of a .npy file (version 1.0, little-endian float64) of shape `(rows, columns)`.
func npyBytes(rows: Int, columns: Int, values: [Double]) -> [UInt8] {
    var header = "{'descr': '<f8', 'fortran_order': False, 'shape': (\(rows), \(columns)), }"
    while (10 + header.count + 1) % 64 != 0 { header += " " }
    header += "\n"
    var bytes: [UInt8] =
        [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]
    bytes += Array(header.utf8)
    for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
    return bytes
}

/// Issue 29 D6: `.npz` members were all decoded whatever was asked for, and one member listed K times
/// in the central directory was inflated K times. Only the arrays asked for are decoded now, and a
/// directory that lists a member twice is refused.
@Suite struct NPZMemberTests {
    let inputs = npyBytes(rows: 4, columns: 2, values: [0, 0, 0, 1, 1, 0, 1, 1])
    let targets = npyBytes(rows: 4, columns: 1, values: [0, 1, 1, 0])

    @Test func onlyTheArraysAskedForAreDecoded() throws {
        let folder = try temporaryFolder()
        // A damaged array that nobody asks for does not stop the run.
        try zipArchive([("x.npy", inputs), ("y.npy", targets), ("notes.npy", Array("not an array".utf8))]).write(
            to: folder.appendingPathComponent("data.npz"))
        let result = try Executable.run(
            ["train", "--data", "data.npz", "--layers", "2", "--epochs", "1", "--quiet"], in: folder)
        #expect(result.status == 0, "\(result.standardError)")
        // Asked for, it is an error naming the member.
        try expectCleanFailure(
            ["train", "--data", "data.npz", "--inputs-key", "notes", "--layers", "2", "--epochs", "1"], in: folder,
            mentions: ["data.npz[notes.npy]"])
    }

    @Test func aMemberListedTwiceIsRefused() throws {
        let folder = try temporaryFolder()
        try zipArchive([("x.npy", inputs), ("y.npy", targets)], repeated: "x.npy").write(
            to: folder.appendingPathComponent("twice.npz"))
        try expectCleanFailure(
            ["train", "--data", "twice.npz", "--layers", "2", "--epochs", "1"], in: folder,
            mentions: ["twice.npz", "central directory entry 2", "names 'x.npy' again (entry 1)"])
    }
}

/// Issue 29 D16: the memory estimate counted the evaluation's workspace at 256 rows whatever the data,
/// so a wide network on four rows was estimated about 13 times too high and refused.
@Suite struct TinyDataMemoryEstimateTests {
    @Test func theEstimateCountsTheRowsThatAreThere() throws {
        let folder = try catalogFolder()
        // 2 → 100,000 → 1 in float with Adam on 4 rows: about 16 MB with the rows there; the old
        // estimate, with 256 evaluation rows, was about 218 MB, above the 100 MB made available.
        let result = try Executable.run(
            ["train", "--data", "good.csv", "--layers", "100000", "--epochs", "1", "--quiet"], in: folder,
            environment: ["NN_AVAILABLE_MEMORY": "100000000"])
        #expect(result.status == 0, "\(result.standardError)")
    }
}

/// Issue 29 D15 (and #27 item 8): a column of numbers with one text cell is a data error naming the
/// column, the line and the cell, not a text column one-hot encoded in silence.
@Suite struct MostlyNumericColumnTests {
    @Test func oneTextCellInANumericColumnIsAnError() throws {
        let folder = try temporaryFolder()
        var text = "a,b,label\n"
        for index in 0..<40 {
            text += "\(index),\(index % 3 == 0 && index == 9 ? "x" : String(index * 2)),\(index % 2)\n"
        }
        try text.write(to: folder.appendingPathComponent("typo.csv"), atomically: true, encoding: .utf8)
        let result = try Executable.run(["train", "--data", "typo.csv", "--epochs", "1"], in: folder)
        #expect(result.status == 1 && !result.crashed, "\(result.status) \(result.standardOutput)")
        for part in ["typo.csv line 11", "column 'b'", "'x'", "holds numbers"] {
            #expect(result.standardError.contains(part), "\(part): \(result.standardError)")
        }
        // A real text column with a few numbers stays a category column.
        var mixed = "color,label\n"
        for index in 0..<40 { mixed += "\(["red", "green", "blue", "7"][index % 4]),\(index % 2)\n" }
        try mixed.write(to: folder.appendingPathComponent("mixed.csv"), atomically: true, encoding: .utf8)
        let fine = try Executable.run(["train", "--data", "mixed.csv", "--epochs", "1", "-q"], in: folder)
        #expect(fine.status == 0, "\(fine.standardError)")
    }
}

/// Issue 29 D3: one-hot encoding is estimated before it is allocated; a table whose encoding would not
/// fit is refused with the estimate and what to drop, instead of aborting on the allocation.
@Suite struct OneHotMemoryTests {
    @Test func aWideOneHotEncodingIsEstimatedFirst() throws {
        let folder = try temporaryFolder()
        var text = "city,x,label\n"
        for index in 0..<2000 { text += "c\(index % 600),\(index),\(index % 2)\n" }
        try text.write(to: folder.appendingPathComponent("wide.csv"), atomically: true, encoding: .utf8)
        let arguments = ["train", "--data", "wide.csv", "--epochs", "1", "--layers", "2", "-q"]
        let refused = try Executable.run(arguments, in: folder, environment: ["NN_AVAILABLE_MEMORY": "2000000"])
        #expect(refused.status == 1 && !refused.crashed, "\(refused.standardError)")
        for part in ["601 inputs after one-hot encoding", "--drop", "--force"] {
            #expect(refused.standardError.contains(part), "\(part): \(refused.standardError)")
        }
        let trained = try Executable.run(arguments, in: folder)
        #expect(trained.status == 0, "\(trained.standardError)")
    }
}

/// Issue 27 item 5: a text column that looks like names or identifiers is dropped with a note that
/// says why and how to keep it, instead of stopping the run; `--features` keeps it.
@Suite struct IdentifierColumnTests {
    @Test func identifierColumnsAreDroppedWithANote() throws {
        let folder = try temporaryFolder()
        var text = "name,x,label\n"
        for index in 0..<120 { text += "person\(index % 100),\(Double(index) / 10),\(index % 2)\n" }
        try text.write(to: folder.appendingPathComponent("people.csv"), atomically: true, encoding: .utf8)
        let trained = try Executable.run(
            ["train", "--data", "people.csv", "--epochs", "1", "--save", "m.safetensors", "-q"], in: folder)
        #expect(trained.status == 0, "\(trained.standardError)")
        #expect(
            trained.standardError.contains("note: dropped column 'name': its 100 different values in 120 rows"),
            "\(trained.standardError)")
        #expect(trained.standardError.contains("--features"))
        #expect(trained.standardOutput.contains("features (1): x"), "\(trained.standardOutput)")
        // Asked for by --features, it stays (one-hot encoded).
        let kept = try Executable.run(
            ["train", "--data", "people.csv", "--features", "name,x", "--epochs", "1", "-q"], in: folder)
        #expect(kept.status == 0, "\(kept.standardError)")
        #expect(kept.standardOutput.contains("features (2): name, x"), "\(kept.standardOutput)")
    }
}

/// Issue 27 item 6: `nn evaluate` says when it leaves out rows without a target, as `nn train` does.
@Suite struct EvaluateMissingTargetTests {
    @Test func rowsWithoutATargetAreLeftOutWithANote() throws {
        let folder = try temporaryFolder()
        var text = "a,b,label\n"
        for index in 0..<60 { text += "\(index % 7),\(index % 5),\(index % 2 == 0 ? "even" : "odd")\n" }
        try text.write(to: folder.appendingPathComponent("train.csv"), atomically: true, encoding: .utf8)
        let trained = try Executable.run(
            ["train", "--data", "train.csv", "--missing", "mean", "--epochs", "1", "--save", "m.safetensors", "-q"],
            in: folder)
        #expect(trained.status == 0, "\(trained.standardError)")
        try "a,b,label\n1,2,even\n3,4,\n5,1,odd\n2,2,\n".write(
            to: folder.appendingPathComponent("test.csv"), atomically: true, encoding: .utf8)
        let evaluated = try Executable.run(["evaluate", "--model", "m.safetensors", "--data", "test.csv"], in: folder)
        #expect(evaluated.status == 0, "\(evaluated.standardError)")
        #expect(
            evaluated.standardError.contains("note: left out 2 rows without a target value (the first on line 3)"),
            "\(evaluated.standardError)")
        #expect(evaluated.standardOutput.contains("test.csv: 2 samples"), "\(evaluated.standardOutput)")
    }
}
