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
            ["predict", "--model", "model.safetensors", "--data", "good.csv", "--target", "label", "--output", output],
            in: folder)
        #expect(made.status == 0, "\(made.standardError)")
        let before = try bytes(output, in: folder)
        let failed = try runWithoutFileSpace(
            ["predict", "--model", "model.safetensors", "--data", "good.csv", "--target", "label", "--output", output],
            in: folder)
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
        let exported = try Executable.run(
            ["export", "--model", "model.safetensors", "--output", "weights.npz"], in: folder)
        #expect(exported.status == 0, "\(exported.standardError)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent(stale).path), "\(stale) was left")
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("weights.npz").path))
    }

    @Test func exportSurvivesAFailedWrite() throws {
        let folder = try catalogFolder()
        let made = try Executable.run(
            ["export", "--model", "model.safetensors", "--output", "weights.npz"], in: folder)
        #expect(made.status == 0, "\(made.standardError)")
        let before = try bytes("weights.npz", in: folder)
        let failed = try runWithoutFileSpace(
            ["export", "--model", "model.safetensors", "--output", "weights.npz"], in: folder)
        #expect(failed.status == 1 && !failed.crashed, "\(failed.standardError)")
        #expect(try bytes("weights.npz", in: folder) == before)
    }
}

/// `value` placed at `path` (dictionary keys and array indices) inside `container`.
func placing(_ value: Any, at path: ArraySlice<Substring>, in container: Any) -> Any {
    guard let key = path.first else { return value }
    if var array = container as? [Any], let index = Int(key), array.indices.contains(index) {
        array[index] = placing(value, at: path.dropFirst(), in: array[index])
        return array
    }
    var dictionary = container as? [String: Any] ?? [:]
    dictionary[String(key)] = placing(value, at: path.dropFirst(), in: dictionary[String(key)] ?? [String: Any]())
    return dictionary
}

/// A binary model file (version 2) or checkpoint (version 3) as the JSON object of the versions
/// before (matrices inline as `{"rows", "columns", "values"}`); a JSON file as it is. Tests that damage
/// one field edit this object. The binary layout: an 8-byte header length, a JSON header whose
/// `__metadata__.document` is the object without its matrices, then the arrays named by their place.
func legacyObject(_ data: Data) throws -> [String: Any] {
    if data.first == UInt8(ascii: "{") {
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }
    let length = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
    let header = try #require(
        try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + length))) as? [String: Any])
    let metadata = try #require(header["__metadata__"] as? [String: String])
    let text = try #require(metadata["document"])
    var document: Any = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    for (name, value) in header where name != "__metadata__" {
        let entry = try #require(value as? [String: Any])
        let shape = try #require(entry["shape"] as? [Int]), offsets = try #require(entry["data_offsets"] as? [Int])
        let bytes = data.subdata(in: (8 + length + offsets[0])..<(8 + length + offsets[1]))
        let values: [Double] = bytes.withUnsafeBytes { raw in
            entry["dtype"] as? String == "F32"
                ? (0..<(raw.count / 4)).map { Double(raw.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self)) }
                : (0..<(raw.count / 8)).map { raw.loadUnaligned(fromByteOffset: $0 * 8, as: Double.self) }
        }
        let matrix: [String: Any] = [
            "rows": shape[0], "columns": shape[1],
            "values": (0..<shape[0]).map { Array(values[($0 * shape[1])..<(($0 + 1) * shape[1])]) },
        ]
        document = placing(matrix, at: name.split(separator: ".")[...], in: document)
    }
    var object = try #require(document as? [String: Any])
    object["version"] = object["format"] as? String == "swift-neural-numerics-checkpoint" ? 2 : 1
    return object
}

/// A model file as the version 1 JSON object (see ``legacyObject(_:)``).
func legacyModelObject(_ data: Data) throws -> [String: Any] { try legacyObject(data) }

/// Issue 19 items 1 and 6: numbers out of range in a checkpoint are refused with one line naming the
/// field (they used to trap with SIGILL, or train on and overwrite --save), and option values and
/// weights that are not finite stop the run with a clear error.
@Suite struct CheckpointFieldTests {
    /// Writes `run.safetensors` in `folder` (optimizer `optimizer`), edits it with `edit`, and resumes from it.
    func resumeEdited(
        _ optimizer: String, mentions: [String], sourceLocation: SourceLocation = #_sourceLocation,
        _ edit: (inout [String: Any]) -> Void
    ) throws {
        let folder = try catalogFolder()
        let run = try Executable.run(
            [
                "train", "--data", "good.csv", "--layers", "2", "--epochs", "1", "--optimizer", optimizer,
                "--checkpoint-every", "1", "--checkpoint", "run.safetensors", "--quiet",
            ], in: folder)
        #expect(run.status == 0, "\(run.standardError)", sourceLocation: sourceLocation)
        var object = try legacyObject(bytes("run.safetensors", in: folder))
        edit(&object)
        try JSONSerialization.data(withJSONObject: object).write(to: folder.appendingPathComponent("bad.safetensors"))
        let before = try bytes("model.safetensors", in: folder)
        try expectCleanFailure(
            [
                "train", "--data", "good.csv", "--layers", "2", "--epochs", "3", "--optimizer", optimizer, "--resume",
                "bad.safetensors",
                "--save", "model.safetensors",
            ],
            in: folder, mentions: ["bad.safetensors"] + mentions, sourceLocation: sourceLocation)
        #expect(
            try bytes("model.safetensors", in: folder) == before, "a refused resume replaced --save",
            sourceLocation: sourceLocation)
    }

    @Test func stepCountAtTheLimitsIsRefused() throws {
        try resumeEdited("momentum", mentions: ["field 'stepCount'"]) { $0["stepCount"] = Int.max }
        try resumeEdited("adam", mentions: ["field 'stepCount'"]) { $0["stepCount"] = Int.max - 1 }
        try resumeEdited("momentum", mentions: ["field 'stepCount'"]) { $0["stepCount"] = -1 }
    }

    @Test func epochsOutOfRangeAreRefused() throws {
        func setEpoch(_ value: Int) -> (inout [String: Any]) -> Void {
            { object in
                var progress = object["progress"] as! [String: Any]
                progress["epoch"] = value
                object["progress"] = progress
            }
        }
        try resumeEdited("momentum", mentions: ["field 'progress.epoch'"], setEpoch(Int.min))
        try resumeEdited("momentum", mentions: ["field 'progress.epoch'"], setEpoch(-3))
        // One epoch more than the optimizer's steps and the history record.
        try resumeEdited("momentum", mentions: ["field '", "the 2 epochs done"], setEpoch(2))
    }

    @Test func emptiedHistoryAndBadRatesAreRefused() throws {
        try resumeEdited("momentum", mentions: ["field 'progress.history.loss'", "0 entries for the 1 epochs"]) {
            object in
            var progress = object["progress"] as! [String: Any]
            var history = progress["history"] as! [String: Any]
            history["loss"] = [Double]()
            progress["history"] = history
            object["progress"] = progress
        }
        try resumeEdited("momentum", mentions: ["field 'baseLearningRate'", "-1"]) { $0["baseLearningRate"] = -1.0 }
        try resumeEdited("momentum", mentions: ["field 'weightDecay'"]) { $0["weightDecay"] = -0.5 }
    }

    @Test func weightDecayMustBeFinite() throws {
        let folder = try catalogFolder()
        for value in ["inf", "nan"] {
            let result = try Executable.run(
                ["train", "--data", "good.csv", "--layers", "2", "--epochs", "1", "--weight-decay", value], in: folder)
            #expect(
                result.status == 64 && result.standardError.contains("--weight-decay must be a finite number"),
                "\(result.standardError)")
        }
        // 1e300 is finite, but the decay overflows the weights: stopped as non-finite, --save untouched.
        // (Plain SGD: Adam, the table default, divides the penalty by its own size and stays finite.)
        let before = try bytes("model.safetensors", in: folder)
        try expectCleanFailure(
            [
                "train", "--data", "good.csv", "--layers", "2", "--epochs", "2", "--precision", "double", "--optimizer",
                "sgd", "--weight-decay", "1e300",
                "--save", "model.safetensors",
            ],
            in: folder, mentions: ["nan or infinite"])
        #expect(try bytes("model.safetensors", in: folder) == before)
    }
}

/// Issue 19 item 13: README's dependency snippet said `package: "swift-neural-numerics"` for a path
/// dependency, whose name is its folder's; it must show both forms and say which name to use.
@Suite struct ReadmeDependencyTests {
    @Test func dependencySnippetNamesThePackageByFolderOrURL() throws {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        #expect(
            text.contains(".package(path: \"../numerics\")")
                && text.contains(".product(name: \"Network\", package: \"numerics\")"))
        #expect(text.contains("takes the name of its **folder**"))
        #expect(text.contains(".package(url:") && !text.contains(".package(path: \"../swift-neural-numerics\")"))
    }
}

/// Issue 19 item 3: a network that cannot fit in memory is refused before allocating, with the
/// estimate and what is available, unless --force.
@Suite struct MemoryEstimateTests {
    @Test func layersBeyondTheAvailableMemoryAreRefusedWithTheEstimate() throws {
        let folder = try catalogFolder()
        // 2 × 3,000 + 3,001 × 3,000 + 3,001 × 2 ≈ 9·10^6 float parameters: about 0.2 GiB with gradients,
        // momentum and the initial draw, against 100 MB made available.
        let arguments = ["train", "--data", "good.csv", "--layers", "3000,3000", "--epochs", "1", "--quiet"]
        let refused = try Executable.run(arguments, in: folder, environment: ["NN_AVAILABLE_MEMORY": "100000000"])
        #expect(refused.status == 1 && !refused.crashed, "\(refused.standardError)")
        for text in ["needs about", "of memory but 95 MiB is available (NN_AVAILABLE_MEMORY)", "--force"] {
            #expect(refused.standardError.contains(text), "\(refused.standardError)")
        }
        let forced = try Executable.run(
            arguments + ["--force"], in: folder, environment: ["NN_AVAILABLE_MEMORY": "100000000"])
        #expect(forced.status == 0, "\(forced.standardError)")
        // The machine's real figure is read when the variable is absent: a small run passes.
        let small = try Executable.run(
            ["train", "--data", "good.csv", "--layers", "3", "--epochs", "1", "--quiet"], in: folder)
        #expect(small.status == 0, "\(small.standardError)")
    }
}

/// Issue 19 item 3, last part: an allocation that fails after the estimate was overridden (--force) is
/// one `error:` line naming what and how many bytes, with exit 1, not a trap (the "Fatal error:
/// ScalarBuffer: cannot allocate" and SIGILL that this test met before the buffers' allocation threw).
@Suite struct AllocationFailureTests {
    @Test func workspaceThatCannotBeAllocatedIsAnError() throws {
        let folder = try temporaryFolder()
        var rows = "f1,f2,label\n"
        for index in 0..<150 {
            rows += "\(Double(index % 7) / 7),\(Double(index % 5) / 5),\(index % 2 == 0 ? "x" : "y")\n"
        }
        try rows.write(to: folder.appendingPathComponent("wide.csv"), atomically: true, encoding: .utf8)
        // 2 → 10^7 → 1 in float: about 0.5 GB of parameters, gradients and Adam's state, then a 5.6 GB
        // workspace per layer output (150 × 10^7 floats) against a 2 GB address-space limit. With one
        // OpenBLAS thread `nn --help` runs in 150 MB and the run reaches the workspace in 800 MB, so the
        // limit sits well clear of both.
        let script = """
            ulimit -v 2000000
            exec "$0" train --data wide.csv --layers 10000000 --batch-size 150 --epochs 1 --quiet --force
            """
        let result = try Executable.run(
            ["-c", script, Executable.path(of: "nn")], in: folder, environment: ["OPENBLAS_NUM_THREADS": "1"],
            executable: "/bin/sh")
        #expect(result.status == 1 && !result.crashed, "\(result.status): \(result.standardError)")
        let errors = result.standardError.split(separator: "\n").filter { $0.hasPrefix("error:") }
        #expect(errors.count == 1, "\(result.standardError)")
        #expect(
            errors.first?.contains(
                "cannot allocate 5.59 GiB (6000000000 bytes) for the workspace's outputs of layer 1 (150, 10000000)")
                == true, "\(result.standardError)")
    }

    @Test func parametersThatCannotBeAllocatedAreAnError() throws {
        // The issue's own example: `--layers 30000,30000` needs 3.6 GB for the middle weights alone in
        // float; under a 2 GB address-space limit their allocation fails while the network is built
        // (before `nn` built its layers through `Dense.make`, `Dense.init` trapped: SIGILL).
        let folder = try temporaryFolder()
        try "a,b,label\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n".write(
            to: folder.appendingPathComponent("small.csv"), atomically: true, encoding: .utf8)
        let script = """
            ulimit -v 2000000
            exec "$0" train --data small.csv --layers 30000,30000 --epochs 1 --quiet --force
            """
        let result = try Executable.run(
            ["-c", script, Executable.path(of: "nn")], in: folder, environment: ["OPENBLAS_NUM_THREADS": "1"],
            executable: "/bin/sh")
        #expect(result.status == 1 && !result.crashed, "\(result.status): \(result.standardError)")
        #expect(
            result.standardError.contains(
                "error: cannot allocate 3.35 GiB (3600000000 bytes) for parameter weights (30000, 30000)"),
            "\(result.standardError)")
    }
}

/// Under a tight address-space limit OpenBLAS's worker threads cannot allocate their 128 MiB buffers
/// and retry forever: before `nn` checked the limit, `nn --help` with 2 threads under 200 MiB never ended.
@Suite struct AddressSpaceLimitTests {
    @Test func tightLimitRunsOnFewerThreadsInsteadOfHanging() throws {
        let folder = try temporaryFolder()
        // `timeout` turns a hang into exit 124 instead of stopping the suite.
        let script = """
            ulimit -v 204800
            exec timeout 60 "$0" doctor
            """
        let result = try Executable.run(
            ["-c", script, Executable.path(of: "nn")], in: folder,
            environment: ["OPENBLAS_NUM_THREADS": "", "GOTO_NUM_THREADS": "", "OMP_NUM_THREADS": ""],
            executable: "/bin/sh")
        #expect(result.status == 0 && !result.crashed, "\(result.status): \(result.standardError)")
        let cores = try ThreadDefaultTests.usableCores
        if cores > 1 {
            #expect(
                result.standardError.contains("has room for 1 of OpenBLAS's \(cores) threads' buffers"),
                "\(result.standardError)")
            #expect(result.standardOutput.contains("BLAS threads:  1"), "\(result.standardOutput)")
        }
    }
}

/// Issue 19 item 9: a data file whose name is not UTF-8 (Latin-1 `lat\xe9.csv`) is read, not
/// reported as missing.
@Suite struct NonUTF8PathTests {
    @Test func latin1FileNameIsRead() throws {
        let folder = try temporaryFolder()
        let script = """
            printf 'a,b,label\\n1,2,0\\n3,4,1\\n' > "$(printf 'lat\\351.csv')"
            exec "$0" train --data "$(printf 'lat\\351.csv')" --layers 2 --epochs 1 --quiet
            """
        let result = try Executable.run(["-c", script, Executable.path(of: "nn")], in: folder, executable: "/bin/sh")
        #expect(result.status == 0 && !result.crashed, "\(result.standardError)")
        #expect(!result.standardError.contains("No such file"), "\(result.standardError)")
    }

    @Test func errorsNameTheFileAsTyped() throws {
        // The reader opens such a file by its own bytes; the error names it with the byte escaped.
        let folder = try temporaryFolder()
        let script = """
            : > "$(printf 'empty\\351.csv')"
            exec "$0" train --data "$(printf 'empty\\351.csv')" --layers 2 --epochs 1 --quiet
            """
        let result = try Executable.run(["-c", script, Executable.path(of: "nn")], in: folder, executable: "/bin/sh")
        #expect(result.status == 1 && !result.crashed, "\(result.standardError)")
        #expect(result.standardError.contains("error: empty\\xe9.csv: the file is empty"), "\(result.standardError)")
    }

    @Test func outputFileNamesKeepTheirBytes() throws {
        // Before, Swift's decoding of argv turned byte 0xE9 into U+FFFD, and the outputs were created as
        // `m\u{FFFD}.nn` and so on: files of another name. Each output must carry the typed bytes, a
        // second save must replace the first, and the export's temporary (made by the zip library)
        // must not be left behind.
        let folder = try temporaryFolder()
        let script = """
            printf 'a,b,label\\n1,2,0\\n3,4,1\\n5,6,0\\n7,8,1\\n' > d.csv
            model="$(printf 'm\\351.nn')"
            "$0" train --data d.csv --layers 2 --epochs 1 --quiet --save "$model" --history "$(printf 'h\\351.safetensors')" || exit 10
            "$0" train --data d.csv --layers 2 --epochs 1 --quiet --save "$model" || exit 11
            "$0" export --model "$model" --output "$(printf 'e\\351.npz')" || exit 12
            "$0" predict --model "$model" --data d.csv --output "$(printf 'p\\351.csv')" || exit 13
            [ -f "$model" ] && [ -f "$(printf 'h\\351.safetensors')" ] && [ -f "$(printf 'e\\351.npz')" ] \\
                && [ -f "$(printf 'p\\351.csv')" ] || exit 14
            echo "--- files"
            ls -A
            """
        let result = try Executable.run(["-c", script, Executable.path(of: "nn")], in: folder, executable: "/bin/sh")
        #expect(result.status == 0 && !result.crashed, "\(result.status): \(result.standardError)")
        // Exactly the data file and the four outputs; `ls` prints the raw names, which decode with U+FFFD.
        let listing = result.standardOutput.components(separatedBy: "--- files\n").last ?? ""
        let names = listing.split(separator: "\n")
        #expect(names.count == 5, "\(listing)")
        #expect(!names.contains { $0.hasSuffix(".tmp") }, "\(listing)")
        #expect(result.standardOutput.contains("saved the model to m\\xe9.nn"), "\(result.standardOutput)")
    }

    /// Issue 29 D10: an existing folder whose name is not UTF-8 is a folder, not "missing"; an
    /// existing output of such a name is overwritten (it was opened as `/dev/fd/N`, whose name failed
    /// the extension check and could not be renamed over); an existing checkpoint survives its second
    /// write within a run.
    @Test func existingNamesThatAreNotUTF8AreFoundAndReplaced() throws {
        let folder = try temporaryFolder()
        let script = """
            mkdir "$(printf 'dir\\351')" || exit 9
            "$0" train --dataset xor --epochs 1 --quiet --save "$(printf 'dir\\351/m.safetensors')" || exit 10
            model="$(printf 'dir\\351/m.safetensors')"
            printf 'a,b\\n0,1\\n1,0\\n' > in.csv
            for run in 1 2; do
                "$0" predict --model "$model" --data in.csv --features a,b --output "$(printf 'p\\351.csv')" || exit 11
                "$0" export --model "$model" --output "$(printf 'e\\351.npz')" || exit 12
                "$0" train --dataset xor --epochs 3 --quiet --checkpoint-every 1 \\
                    --checkpoint "$(printf 'c\\351.ckpt')" || exit 13
            done
            "$0" train --dataset xor --resume "$(printf 'c\\351.ckpt')" --epochs 4 --quiet || exit 14
            echo "--- files"
            ls -A
            """
        let result = try Executable.run(["-c", script, Executable.path(of: "nn")], in: folder, executable: "/bin/sh")
        #expect(result.status == 0 && !result.crashed, "\(result.status): \(result.standardError)")
        #expect(!result.standardError.contains("warning"), "\(result.standardError)")
        #expect(!result.standardError.contains("/dev/fd"), "\(result.standardError)")
        #expect(result.standardOutput.contains("wrote 2 predictions to p\\xe9.csv"), "\(result.standardOutput)")
        // The folder, the data, the predictions, the export and the checkpoint, and no temporaries.
        let listing = result.standardOutput.components(separatedBy: "--- files\n").last ?? ""
        #expect(listing.split(separator: "\n").count == 5, "\(listing)")
        #expect(!listing.contains(".tmp"), "\(listing)")
    }
}
