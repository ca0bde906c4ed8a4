import Foundation
import Testing

// An audit of `nn` against its surroundings (names, streams, environment) and hostile input, each
// finding run through the built `nn`. Before each fix: a CSV named `idx3.csv` was read as IDX images;
// `.CSV`, `.NPY`, `.NPZ` and `.SAFETENSORS` outputs were refused or misnamed; an error printed to a
// closed or full standard error trapped (SIGILL, status 132); output lost on a full disk exited 0; a
// `0x10` cell in a numeric column made it a text column, one-hot encoded without a word; an
// `OPENBLAS_NUM_THREADS` that OpenBLAS ignores was reported as the thread count's source.

/// Runs a `/bin/sh` script with the built `nn` as `$0`, in `folder`.
private func shell(_ script: String, in folder: URL) throws -> CommandResult {
    try Executable.run(
        ["-c", script, Executable.path(of: "nn")], in: folder, environment: ["OPENBLAS_NUM_THREADS": "1"],
        executable: "/bin/sh")
}

/// A two-class table `a,b,label` of 12 rows.
private let smallTable: String = {
    var text = "a,b,label\n"
    for row in 0..<12 { text += "\(row % 3),\(row % 5),\(row % 2)\n" }
    return text
}()

private func put(_ text: String, _ name: String, in folder: URL) throws {
    try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
}

private func exists(_ name: String, in folder: URL) -> Bool {
    FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path)
}

@Suite struct FileNameAuditTests {
    /// A `.csv` extension decides, whatever else the name holds: `idx3.csv` was read as IDX images
    /// ("magic number 0x612c622c"). A name without a format's extension that holds `idx3` is still
    /// taken for IDX images, and `.CSV` is a CSV.
    @Test func aCSVExtensionDecidesOverANameThatHoldsIdx3() throws {
        let folder = try temporaryFolder()
        for name in ["idx3.csv", "Scores-IDX3.CSV", "idx3.csv.gz"] {
            try put(smallTable, name, in: folder)
            let result = try Executable.run(
                ["train", "--data", name, "--target", "label", "--epochs", "1", "--quiet"], in: folder)
            #expect(result.status == 0, "\(name): \(result.standardError)")
            #expect(
                result.standardOutput.contains("features (2): a, b; rows: 12 training"),
                "\(name): \(result.standardOutput)")
        }
        try put(smallTable, "images.idx3", in: folder)
        let images = try Executable.run(
            ["predict", "--model", "absent.safetensors", "--data", "images.idx3", "--target", "label"], in: folder)
        #expect(
            images.status == 64 && images.standardError.contains("--target does not apply to images.idx3"),
            "\(images.status): \(images.standardError)")
    }

    /// `--save` through a dangling symbolic link writes the file the link names and keeps the link
    /// (the link was replaced by the file); a link into a missing folder is refused before training,
    /// naming that folder.
    @Test func aSaveThroughADanglingLinkKeepsTheLink() throws {
        let folder = try temporaryFolder()
        try put(smallTable, "table.csv", in: folder)
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("models"), withIntermediateDirectories: true)
        // Trains with --save LINK, where LINK is a symbolic link to TARGET.
        func saveThrough(_ link: String, to target: String) throws -> CommandResult {
            try FileManager.default.createSymbolicLink(
                atPath: folder.appendingPathComponent(link).path, withDestinationPath: target)
            return try Executable.run(
                ["train", "--data", "table.csv", "--target", "label", "--epochs", "1", "--quiet", "--save", link],
                in: folder)
        }
        let trained = try saveThrough("model.safetensors", to: "models/kept.safetensors")
        #expect(trained.status == 0, "\(trained.standardError)")
        let link = try? FileManager.default.destinationOfSymbolicLink(
            atPath: folder.appendingPathComponent("model.safetensors").path)
        #expect(link == "models/kept.safetensors", "the link was replaced")
        #expect(exists("models/kept.safetensors", in: folder))
        let refused = try saveThrough("lost.safetensors", to: "absent/kept.safetensors")
        #expect(
            refused.status == 1 && refused.standardError.contains("--save lost.safetensors")
                && refused.standardError.contains("absent does not exist"),
            "\(refused.status): \(refused.standardError)")
    }

    /// Outputs are named by extension without regard to case, as inputs are: `--output P.CSV` and
    /// `P.NPY` were usage errors (64), `W.NPZ` too, and `--save R.SAFETENSORS` checkpointed to
    /// `R.SAFETENSORS.checkpoint.safetensors`.
    @Test func outputEndingsAreReadWithoutRegardToCase() throws {
        let folder = try temporaryFolder()
        try put(smallTable, "table.csv", in: folder)
        let trained = try Executable.run(
            [
                "train", "--data", "table.csv", "--epochs", "2", "--checkpoint-every", "1", "--save", "R.SAFETENSORS",
                "--quiet",
            ], in: folder)
        #expect(trained.status == 0, "\(trained.standardError)")
        #expect(exists("R.SAFETENSORS", in: folder) && exists("R.checkpoint.safetensors", in: folder))
        #expect(!exists("R.SAFETENSORS.checkpoint.safetensors", in: folder))

        let csv = try Executable.run(
            ["predict", "--model", "R.SAFETENSORS", "--data", "table.csv", "--output", "P.CSV"], in: folder)
        #expect(csv.status == 0 && csv.standardOutput == "wrote 12 predictions to P.CSV\n", "\(csv.standardError)")
        let predictions = try String(contentsOf: folder.appendingPathComponent("P.CSV"), encoding: .utf8)
        #expect(predictions.split(separator: "\n").count == 13 && predictions.hasPrefix("label\n"), "\(predictions)")

        let npy = try Executable.run(
            ["predict", "--model", "R.SAFETENSORS", "--data", "table.csv", "--output", "P.NPY"], in: folder)
        #expect(npy.status == 0, "\(npy.standardError)")
        #expect(try bytes("P.NPY", in: folder).prefix(6) == Data([0x93] + Array("NUMPY".utf8)))

        let npz = try Executable.run(["export", "--model", "R.SAFETENSORS", "--output", "W.NPZ"], in: folder)
        #expect(npz.status == 0, "\(npz.standardError)")
        #expect(try bytes("W.NPZ", in: folder).prefix(2) == Data("PK".utf8))

        let torch = try Executable.run(
            ["export", "--model", "R.SAFETENSORS", "--format", "torch", "--output", "T.SafeTensors"], in: folder)
        #expect(torch.status == 0, "\(torch.standardError)")
        let imported = try Executable.run(
            ["import", "--model", "T.SafeTensors", "--output", "I.SAFETENSORS"], in: folder)
        #expect(imported.status == 0, "\(imported.standardError)")
        let info = try Executable.run(["info", "--model", "I.SAFETENSORS"], in: folder)
        #expect(info.status == 0 && info.standardOutput.contains("loss: bce"), "\(info.standardOutput)")

        let wrong = try Executable.run(
            ["predict", "--model", "R.SAFETENSORS", "--data", "table.csv", "--output", "P.txt"], in: folder)
        #expect(
            wrong.status == 64
                && wrong.standardError.hasPrefix("error: --output must end in .csv or .npy, got 'P.txt'"),
            "\(wrong.standardError)")
    }
}

@Suite struct FileContentAuditTests {
    /// Text that is not UTF-8 (UTF-16 and UTF-32 with their byte-order marks, as Excel saves "Unicode
    /// text") is refused by name; it was read as ragged lines ("line 62: 1 cells but the first row has 4").
    @Test func textThatIsNotUTF8IsNamed() throws {
        let folder = try temporaryFolder()
        let encodings: [(String, String.Encoding)] = [("UTF-16", .utf16), ("UTF-32", .utf32)]
        for (name, encoding) in encodings {
            // Foundation writes these with a byte-order mark.
            try #require(smallTable.data(using: encoding)).write(to: folder.appendingPathComponent("\(name).csv"))
            let result = try Executable.run(["train", "--data", "\(name).csv", "--epochs", "1"], in: folder)
            #expect(
                result.status == 1
                    && result.standardError
                        == "error: \(name).csv: cannot read the file: it is \(name) text (it begins with a byte-order mark), and nn reads UTF-8; convert it with iconv -f \(name) -t UTF-8\n",
                "\(result.standardError)")
        }
    }

    /// A file compressed other than by gzip is named as such: a bzip2 CSV was read as text whose header
    /// was the compressed bytes ("no feature columns are left (the target is 'BZh91AY&SYl')"), and an
    /// xz `.npy` failed on its magic string.
    @Test func compressionOtherThanGzipIsNamed() throws {
        let folder = try temporaryFolder()
        try put(smallTable, "table.csv", in: folder)
        let script = """
            command -v bzip2 >/dev/null && bzip2 -c table.csv > table.csv.bz2 || printf 'BZh91AY&SY%s' x > table.csv.bz2
            printf '\\375\\067\\172\\130\\132\\000rest' > arrays.npy
            printf 'PK\\003\\004rest' > table.zip
            printf '\\050\\265\\057\\375rest' > table.zst
            for file in table.csv.bz2 arrays.npy table.zip table.zst; do "$0" train --data $file --epochs 1; echo "status $?"; done
            """
        let result = try shell(script, in: folder)
        #expect(result.standardOutput == String(repeating: "status 1\n", count: 4), "\(result.standardOutput)")
        let lines = result.standardError.split(separator: "\n").map(String.init)
        #expect(
            lines == [
                "error: table.csv.bz2: cannot read the file: it is bzip2-compressed, which nn does not read; decompress it with bunzip2, or compress it with gzip",
                "error: arrays.npy: cannot read the file: it is xz-compressed, which nn does not read; decompress it with unxz, or compress it with gzip",
                "error: table.zip: cannot read the file: it is a zip archive, which nn reads only as an .npz file of arrays; unzip it, or name it .npz if it is one",
                "error: table.zst: cannot read the file: it is zstd-compressed, which nn does not read; decompress it with unzstd, or compress it with gzip",
            ], "\(result.standardError)")
    }

    /// A column that `--features` lists twice is the list's mistake: it was blamed on the header ("the
    /// header names column 'a' twice (columns 1 and 1)").
    @Test func aFeatureListedTwiceIsTheListsMistake() throws {
        let folder = try temporaryFolder()
        try put(smallTable, "table.csv", in: folder)
        for list in ["a,a", "0:2,1"] {
            let result = try Executable.run(
                ["train", "--data", "table.csv", "--features", list, "--epochs", "1"], in: folder)
            let column = list == "a,a" ? "a" : "b"
            #expect(
                result.status == 64
                    && result.standardError.hasPrefix(
                        "error: --features lists column '\(column)' twice; list each column once\n"),
                "\(list): \(result.standardError)")
        }
    }
}

@Suite struct StandardStreamAuditTests {
    /// An error message that cannot be written (standard error closed, or a full device) loses the
    /// message, not the exit status: Foundation's `FileHandle.write(_:)` trapped (status 132).
    @Test func errorsIntoAClosedOrFullStandardErrorKeepTheirStatus() throws {
        let folder = try temporaryFolder()
        guard FileManager.default.fileExists(atPath: "/dev/full") else { return }
        let script = """
            "$0" train --data absent.csv 2>&-; echo "status $?"
            "$0" train --data absent.csv 2>/dev/full; echo "status $?"
            "$0" train --bogus 2>&-; echo "status $?"
            "$0" predict --model absent.safetensors --data absent.csv 2>/dev/full; echo "status $?"
            """
        let result = try shell(script, in: folder)
        #expect(result.standardOutput == "status 1\nstatus 1\nstatus 64\nstatus 1\n", "\(result.standardOutput)")
        #expect(result.standardError.isEmpty, "\(result.standardError)")
    }

    /// What a command prints to a standard output that fails (a full disk) is lost, and so the
    /// command fails (status 1, naming standard output and the reason); before, every command exited
    /// 0. A training run still saves its model first. A reader that goes away (`| head -c 1`) or a
    /// closed standard output is the user's choice and no failure.
    @Test func aFullStandardOutputIsAnErrorAndAClosedOneIsNot() throws {
        let folder = try temporaryFolder()
        guard FileManager.default.fileExists(atPath: "/dev/full") else { return }
        try put(smallTable, "table.csv", in: folder)
        let trained = try Executable.run(
            ["train", "--data", "table.csv", "--epochs", "1", "--save", "m.safetensors", "--quiet"], in: folder)
        #expect(trained.status == 0, "\(trained.standardError)")
        let commands = [
            "predict --model m.safetensors --data table.csv", "evaluate --model m.safetensors --data table.csv",
            "info --model m.safetensors", "examples", "--help", "train --help", "--version",
            "train --data table.csv --epochs 1 --save saved.safetensors",
        ]
        let script = commands.map { "\"$0\" \($0) >/dev/full; echo \"status $?\"" }.joined(separator: "\n")
        let result = try shell(script, in: folder)
        #expect(
            result.standardOutput == String(repeating: "status 1\n", count: commands.count), "\(result.standardOutput)")
        let lines = result.standardError.split(separator: "\n")
        #expect(lines.count == commands.count, "\(result.standardError)")
        #expect(
            lines.allSatisfy { $0 == "error: standard output: could not write: No space left on device" },
            "\(result.standardError)")
        #expect(exists("saved.safetensors", in: folder))

        let chosen = try shell(
            """
            { "$0" predict --model m.safetensors --data table.csv; echo "status $?" >&2; } | head -c 1 >/dev/null
            { "$0" examples 001; echo "status $?" >&2; } | head -c 1 >/dev/null
            "$0" predict --model m.safetensors --data table.csv >&-; echo "status $?" >&2
            """, in: folder)
        #expect(chosen.standardError == "status 0\nstatus 0\nstatus 0\n", "\(chosen.standardError)")
    }
}

@Suite struct NumberAuditTests {
    /// A hexadecimal cell is no number to the CSV reader, so it is none to the check for a numeric
    /// column's stray text either: `0x10` among numbers made the column text, one-hot encoded without
    /// a word (Swift's `Double("0x10")` is 16). At prediction, such a cell in a numeric column is text.
    @Test func aHexadecimalCellIsTextEverywhere() throws {
        let folder = try temporaryFolder()
        try put(smallTable + "0x10,1,0\n", "hex.csv", in: folder)
        let refused = try Executable.run(["train", "--data", "hex.csv", "--epochs", "1", "--quiet"], in: folder)
        #expect(
            refused.status == 1
                && refused.standardError
                    == "error: hex.csv line 14: column 'a' holds numbers (12 cells) but '0x10' here; fix the cell, or leave it empty to mark it missing\n",
            "\(refused.standardError)")

        try put(smallTable, "table.csv", in: folder)
        let trained = try Executable.run(
            ["train", "--data", "table.csv", "--epochs", "1", "--save", "m.safetensors", "--quiet"], in: folder)
        #expect(trained.status == 0, "\(trained.standardError)")
        try put("a,b\n0x10,1\n1,2\n", "new.csv", in: folder)
        let predicted = try Executable.run(
            ["predict", "--model", "m.safetensors", "--data", "new.csv", "--unknown-categories", "error"], in: folder)
        #expect(
            predicted.status == 1
                && predicted.standardError.hasPrefix(
                    "error: new.csv line 2: column 'a' holds text ('0x10') but the model was trained on numbers there"),
            "\(predicted.standardError)")
    }

    /// Numbers written with a comma (a decimal comma, as a German spreadsheet saves a `;`-separated CSV,
    /// or a thousands separator) are refused, naming the line, column and cell: such a column was
    /// one-hot encoded as categories without a word ("a, b (7 inputs after one-hot encoding)"), or
    /// dropped as identifiers. A column of text that merely holds a comma stays categories.
    @Test func numbersWrittenWithACommaAreRefused() throws {
        let folder = try temporaryFolder()
        var german = "a;b;y\n"
        for row in 0..<12 { german += "\(row % 4),5;\(row % 3 + 1),25;\(row % 2)\n" }
        try put(german, "german.csv", in: folder)
        try put("a,b,y\n\"1,000\",1,0\n2,2,1\n\"1.234,5\",3,0\n4,4,1\n", "thousands.csv", in: folder)
        try put("a,b,y\n\"x,1\",1,0\n\"1,2\",2,1\n\"x,1\",3,0\n\"1,2\",4,1\n", "labels.csv", in: folder)
        let decimal = try Executable.run(
            ["train", "--data", "german.csv", "--delimiter", ";", "--epochs", "1", "--quiet"], in: folder)
        #expect(
            decimal.status == 1
                && decimal.standardError
                    == "error: german.csv line 2: column 'a' holds numbers written with a comma ('0,5'), a decimal comma or a thousands separator, which nn does not read; write them with a decimal point and no separators\n",
            "\(decimal.standardError)")
        let thousands = try Executable.run(["train", "--data", "thousands.csv", "--epochs", "1"], in: folder)
        #expect(
            thousands.status == 1
                && thousands.standardError.hasPrefix(
                    "error: thousands.csv line 2: column 'a' holds numbers written with a comma ('1,000')"),
            "\(thousands.standardError)")
        let labels = try Executable.run(["train", "--data", "labels.csv", "--epochs", "1", "--quiet"], in: folder)
        #expect(
            labels.status == 0
                && labels.standardOutput.contains("features (2): a, b (3 inputs after one-hot encoding)"),
            "\(labels.standardOutput) \(labels.standardError)")
    }

    /// OpenBLAS reads its thread variables with `atoi` and ignores a value that is no positive count:
    /// `OPENBLAS_NUM_THREADS=junk` ran on every core while the header said "2 threads by
    /// OPENBLAS_NUM_THREADS". Such a value is named in a warning and the thread rule decides; a
    /// count OpenBLAS takes is still the user's.
    @Test func aThreadCountOpenBLASIgnoresIsNotTheUsersChoice() throws {
        let folder = try temporaryFolder()
        try put(smallTable, "table.csv", in: folder)
        let arguments = ["train", "--data", "table.csv", "--epochs", "1", "--json"]
        let unset = ["OPENBLAS_NUM_THREADS": "", "GOTO_NUM_THREADS": "", "OMP_NUM_THREADS": ""]
        for junk in ["junk", "0", "-2"] {
            var environment = unset
            environment["OPENBLAS_NUM_THREADS"] = junk
            let result = try Executable.run(arguments, in: folder, environment: environment)
            #expect(result.status == 0, "\(result.standardError)")
            #expect(
                result.standardError.split(separator: "\n").contains(
                    "warning: OPENBLAS_NUM_THREADS='\(junk)' is not a thread count, so OpenBLAS ignores it"),
                "\(result.standardError)")
            let object = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
            let threads = try #require(object?["threads"] as? [String: Any], "\(result.standardOutput)")
            #expect(threads["source"] as? String == "thread rule" && threads["count"] as? Int == 1, "\(threads)")
        }
        var environment = unset
        environment["OPENBLAS_NUM_THREADS"] = "junk"
        environment["OMP_NUM_THREADS"] = "1"
        let taken = try Executable.run(arguments, in: folder, environment: environment)
        let object = try JSONSerialization.jsonObject(with: Data(taken.standardOutput.utf8)) as? [String: Any]
        let threads = try #require(object?["threads"] as? [String: Any], "\(taken.standardOutput)")
        #expect(threads["source"] as? String == "environment (OMP_NUM_THREADS)", "\(threads)")
    }
}

@Suite struct SmallUntruthAuditTests {
    /// A layer token of digits that are not ASCII (`٣`, `½`, `4²`) is no layer; it was refused as "a
    /// dense layer needs at most 9223372036854775807 units", since `Character.isNumber` holds for them.
    @Test func unitCountsAreASCIIDigits() throws {
        let folder = try temporaryFolder()
        try put(smallTable, "table.csv", in: folder)
        for token in ["٣", "½", "4²"] {
            let result = try Executable.run(
                ["train", "--data", "table.csv", "--layers", token, "--epochs", "1"], in: folder)
            #expect(
                result.status == 64
                    && result.standardError.hasPrefix("error: --layers: token 1 '\(token)' is not a layer"),
                "\(token): \(result.standardError)")
        }
    }

    /// A usage error found while a command runs (an example's name) is printed as every other one:
    /// it was ArgumentParser's `Error: …` with the root command's usage (`Usage: nn <subcommand>`).
    @Test func anUnknownExampleIsAUsageErrorInTheOneStyle() throws {
        let result = try Executable.run(["examples", "5"])
        #expect(result.status == 64, "\(result.standardError)")
        #expect(
            result.standardError == "error: no example named '5'; the examples are 000, 001, 002, 003, 004 and all\n",
            "\(result.standardError)")
    }

    /// An empty `NN_FASHION_MNIST_DIR` (as `NN_FASHION_MNIST_DIR= nn ...` sets it) counts as unset, as
    /// the thread variables do: it was taken as the folder ("not installed in ;").
    @Test func anEmptyDataSetFolderVariableIsUnset() throws {
        let folder = try temporaryFolder()
        let standard = "/usr/share/datasets/fashion-mnist"
        let result = try Executable.run(
            ["train", "--dataset", "fashion-mnist", "--limit", "20", "--layers", "2", "--epochs", "1", "--quiet"],
            in: folder, environment: ["NN_FASHION_MNIST_DIR": "", "OPENBLAS_NUM_THREADS": "1"])
        if FileManager.default.fileExists(atPath: standard + "/train-labels-idx1-ubyte.gz")
            || FileManager.default.fileExists(atPath: standard + "/train-labels-idx1-ubyte")
        {
            #expect(result.status == 0, "\(result.standardError)")
        } else {
            #expect(
                result.status == 1 && result.standardError.contains("is not installed in \(standard);"),
                "\(result.standardError)")
        }
    }
}
