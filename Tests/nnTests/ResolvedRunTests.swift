import Foundation
import Testing

/// `nn train` says what it does (issue 24): each test runs the built `nn` as a user would and checks
/// the report against what ran.
@Suite struct ResolvedRunTests {
    /// 150 rows, three separable-ish classes, text labels.
    static func threeClassCSV(rows: Int = 150) -> String {
        var generator = SplitMix(seed: 7)
        var text = "a,b,c,species\n"
        for index in 0..<rows {
            let k = Double(index % 3)
            text +=
                "\(k + generator.normal()),\(-k + generator.normal()),\(k * 0.5 + generator.normal()),s\(index % 3)\n"
        }
        return text
    }

    func folderWithData(rows: Int = 150) throws -> URL {
        let folder = try temporaryFolder()
        try Self.threeClassCSV(rows: rows).write(
            to: folder.appendingPathComponent("data.csv"), atomically: true, encoding: .utf8)
        return folder
    }

    func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// A checkpoint after 4 epochs of Adam at 0.01, batch 32.
    static let original = [
        "train", "--data", "data.csv", "--target", "species", "--optimizer", "adam", "--learning-rate", "0.01",
        "--batch-size", "32", "--checkpoint", "ck.safetensors", "--checkpoint-every", "2", "--epochs", "4", "-q",
    ]

    // Item 1: resume applies the rate, epochs, early stopping and schedule, and says so.
    @Test func resumeAppliesAChangedLearningRateAndSaysSo() throws {
        let folder = try folderWithData()
        let first = try Executable.run(Self.original, in: folder)
        #expect(first.status == 0, "\(first.standardError)")
        let resumed = try Executable.run(
            [
                "train", "--data", "data.csv", "--target", "species", "--resume", "ck.safetensors", "--learning-rate",
                "0.5",
                "--epochs", "6",
            ], in: folder, environment: ["NN_FORCE_TERMINAL": "0"])
        #expect(resumed.status == 0, "\(resumed.standardError)")
        #expect(
            resumed.standardOutput.contains("optimizer adam, learning rate 0.5 (checkpoint: 0.01)"),
            "\(resumed.standardOutput)")
        // Every epoch line shows the rate in use.
        let epochLines = resumed.standardOutput.split(separator: "\n").filter { $0.hasPrefix("epoch ") }
        #expect(epochLines.count == 2 && epochLines.allSatisfy { $0.contains("lr 0.5") }, "\(epochLines)")
        #expect(epochLines.first?.hasPrefix("epoch 5/6") == true, "\(epochLines)")
        #expect(
            resumed.standardOutput.contains("resuming at epoch 5, epochs 6 (checkpoint: 4)"),
            "\(resumed.standardOutput)")
        let summary = try json(
            Executable.run(
                [
                    "train", "--data", "data.csv", "--target", "species", "--resume", "ck.safetensors",
                    "--learning-rate", "0.5", "--epochs", "6", "--json",
                ], in: folder
            ).standardOutput)
        #expect(summary["learningRate"] as? Double == 0.5)
        let setting = try #require((summary["settings"] as? [String: Any])?["learningRate"] as? [String: Any])
        #expect(setting["value"] as? String == "0.5" && setting["checkpointValue"] as? String == "0.01")
        #expect(setting["source"] as? String == "option")
        // The resumed model's metadata (what nn info prints) holds the rate that ran.
    }

    /// Each option a resumed run may change.
    @Test(arguments: [
        ["--learning-rate", "0.2"], ["--epochs", "7"], ["--early-stopping", "3"], ["--schedule", "step:2,0.5"],
    ])
    func resumeAppliesChangeableOptions(_ option: [String]) throws {
        let folder = try folderWithData()
        #expect(try Executable.run(Self.original, in: folder).status == 0)
        var arguments = ["train", "--data", "data.csv", "--target", "species", "--resume", "ck.safetensors", "--json"]
        if option[0] != "--epochs" { arguments += ["--epochs", "6"] }
        let result = try Executable.run(arguments + option, in: folder)
        #expect(result.status == 0, "\(option): \(result.standardError)")
        let settings = try #require(try json(result.standardOutput)["settings"] as? [String: [String: Any]])
        let key = [
            "--learning-rate": "learningRate", "--epochs": "epochs", "--early-stopping": "earlyStopping",
            "--schedule": "schedule",
        ][option[0]]!
        #expect(settings[key]?["value"] as? String == option[1], "\(settings[key] ?? [:])")
        #expect(settings[key]?["source"] as? String == "option")
    }

    /// Each option a resumed run cannot apply is refused with exit 64, naming the checkpoint's value
    /// (the weight decay's is the table default for 150 training rows, 2 / 150).
    @Test(arguments: [
        (["--optimizer", "sgd"], "adam"), (["--layers", "7"], "100"), (["--activation", "tanh"], "relu"),
        (["--output-activation", "softmax"], "identity"), (["--no-bias"], "true"),
        (["--loss", "mse"], "softmax-cross-entropy"), (["--task", "regress"], "classification"),
        (["--momentum", "0.5"], ""), (["--alpha", "0.5"], ""), (["--weight-decay", "0.1"], "0.0133"),
        (["--precision", "double"], "float"), (["--init", "he-normal"], "xavier-uniform"),
        (["--bias-init", "constant:1"], "zeros"), (["--seed", "3"], "0"), (["--batch-size", "16"], "32"),
        (["--validation-split", "0.2"], "0.0"), (["--test-split", "0.2"], "0.0"),
        (["--scale", "minmax"], "standardize"),
        (["--features", "a,b"], "all"), (["--drop", "c"], "none"), (["--missing", "median"], "mean"),
        (["--date-inputs", "year"], "days-since-1970"),
    ])
    func resumeRefusesWhatItCannotApply(_ option: [String], _ checkpointValue: String) throws {
        let folder = try folderWithData()
        #expect(try Executable.run(Self.original, in: folder).status == 0)
        let result = try Executable.run(
            ["train", "--data", "data.csv", "--target", "species", "--resume", "ck.safetensors", "--epochs", "6"]
                + option, in: folder)
        #expect(result.status == 64, "\(option): \(result.status) \(result.standardOutput) \(result.standardError)")
        #expect(result.standardError.hasPrefix("error: \(option[0])"), "\(result.standardError)")
        if !checkpointValue.isEmpty {
            #expect(
                result.standardError.contains("(the checkpoint has \(checkpointValue))"), "\(result.standardError)")
        }
    }

    /// Repeating the original command line with --resume is fine.
    @Test func resumeAcceptsTheOriginalOptions() throws {
        let folder = try folderWithData()
        #expect(try Executable.run(Self.original, in: folder).status == 0)
        let again = Self.original.filter { $0 != "-q" }.map { $0 == "4" ? "6" : $0 }
        let result = try Executable.run(again + ["--resume", "ck.safetensors", "-q"], in: folder)
        #expect(result.status == 0, "\(result.standardError)")
    }

    // Item 2: after early stopping the summary, --json and the history describe the kept epoch.
    @Test func earlyStoppingReportsTheKeptEpochEverywhere() throws {
        let folder = try temporaryFolder()
        var generator = SplitMix(seed: 3)
        var text = "x1,x2,y\n"
        for _ in 0..<400 {
            let a = generator.uniform(), b = generator.uniform()
            text += "\(a),\(b),\(a + b + 0.4 * generator.normal() > 1 ? 1 : 0)\n"
        }
        try text.write(to: folder.appendingPathComponent("es.csv"), atomically: true, encoding: .utf8)
        let arguments = ["train", "--data", "es.csv", "--epochs", "300", "--early-stopping", "5", "--seed", "1"]
        let plain = try Executable.run(arguments + ["--history", "h.json", "--plot", "p.svg"], in: folder)
        #expect(plain.status == 0, "\(plain.standardError)")
        let summary = try json(Executable.run(arguments + ["--json"], in: folder).standardOutput)
        let kept = try #require(summary["keptEpoch"] as? [String: Any])
        let last = try #require(summary["lastEpoch"] as? [String: Any])
        let keptEpoch = try #require(kept["epoch"] as? Int), lastEpoch = try #require(last["epoch"] as? Int)
        #expect(summary["stoppedEarly"] as? Bool == true && keptEpoch < lastEpoch)
        let history = try json(String(contentsOf: folder.appendingPathComponent("h.json"), encoding: .utf8))
        #expect(history["keptEpoch"] as? Int == keptEpoch)
        let validation = try #require(history["validationLoss"] as? [Double])
        // The kept epoch is the one with the lowest validation loss, and its numbers are that epoch's.
        #expect(validation.firstIndex(of: validation.min()!)! + 1 == keptEpoch)
        #expect(kept["validationLoss"] as? Double == validation[keptEpoch - 1])
        #expect(last["validationLoss"] as? Double == validation.last)
        #expect(plain.standardOutput.contains("kept the weights of epoch \(keptEpoch) of \(lastEpoch)"))
        let keptLoss = try #require(
            value(after: "kept epoch \(keptEpoch) (the model's weights): loss ", in: plain.standardOutput)?
                .split(separator: ",").first.flatMap { Double($0) })
        let historyLoss = try #require(history["loss"] as? [Double])[keptEpoch - 1]
        #expect(abs(keptLoss - historyLoss) <= 1e-15 * abs(historyLoss), "\(plain.standardOutput)")
        #expect(plain.standardOutput.contains("last epoch \(lastEpoch) (not kept)"))
        #expect(!plain.standardOutput.contains("final loss"))
        // The plot's epoch axis starts at 1 and marks the kept epoch.
        let svg = try String(contentsOf: folder.appendingPathComponent("p.svg"), encoding: .utf8)
        #expect(svg.contains("kept epoch \(keptEpoch)") && svg.contains("text-anchor=\"middle\">1</text>"))
        #expect(!svg.contains("text-anchor=\"middle\">0</text>"))
    }

    // Item 3: epoch accuracy is correct rows over rows, as nn evaluate counts them.
    @Test func trainingAccuracyIsCorrectRowsOverRows() throws {
        let folder = try folderWithData(rows: 120)
        // A rate so small that the weights do not move: the epoch's accuracy is the model's on the same rows.
        let trained = try Executable.run(
            [
                "train", "--data", "data.csv", "--target", "species", "--batch-size", "32", "--epochs", "1",
                "--learning-rate", "1e-12", "--save", "m.safetensors", "-q",
            ], in: folder)
        #expect(trained.status == 0, "\(trained.standardError)")
        let printed = try #require(value(after: "final accuracy: ", in: trained.standardOutput))
        let evaluated = try Executable.run(["evaluate", "--model", "m.safetensors", "--data", "data.csv"], in: folder)
        #expect(printed == value(after: "accuracy: ", in: evaluated.standardOutput), "\(evaluated.standardOutput)")
        // k/120 exactly.
        let fraction = try #require(Double(printed))
        #expect(abs(fraction * 120 - (fraction * 120).rounded()) < 0.01)
    }

    // Item 4: the help's defaults are the ones a run uses, per kind of data.
    @Test func helpDefaultsAreTheRunsDefaults() throws {
        let folder = try folderWithData()
        let help = try Executable.run(["train", "--help"], environment: ["COLUMNS": "1000"]).standardOutput
        let table = try json(
            Executable.run(["train", "--data", "data.csv", "--target", "species", "--json"], in: folder)
                .standardOutput)
        let builtIn = try json(Executable.run(["train", "--dataset", "notebook-004", "--json"]).standardOutput)
        func setting(_ summary: [String: Any], _ key: String) -> String? {
            ((summary["settings"] as? [String: Any])?[key] as? [String: Any])?["value"] as? String
        }
        for (key, option) in [
            ("epochs", "--epochs"), ("learningRate", "--learning-rate"), ("optimizer", "--optimizer"),
        ] {
            // The option's name and its help, which may start on the next line.
            let lines = help.split(separator: "\n")
            let index = try #require(lines.firstIndex { $0.contains("\(option) <") })
            let line = lines[index] + " " + lines[min(index + 1, lines.count - 1)]
            #expect(line.contains("tables \(setting(table, key)!)"), "\(line) vs table \(setting(table, key)!)")
            #expect(line.contains("built-in data sets"), "\(line)")
            #expect(
                ((table["settings"] as? [String: Any])?[key] as? [String: Any])?["source"] as? String
                    == "table default")
        }
        // notebook-004 trains full-batch: the help's full-batch epoch count is what it ran.
        let epochs = try #require(
            help.split(separator: "\n").first { $0.contains("--epochs <") && $0.contains("full-batch") })
        #expect(epochs.contains("or \(setting(builtIn, "epochs")!) full-batch"), "\(epochs)")
    }

    // Item 5: the header names the optimizer and its rate apart.
    @Test func headerNamesTheOptimizerAndItsRateApart() throws {
        let result = try Executable.run(["train", "--dataset", "xor", "--epochs", "1"])
        #expect(
            result.standardOutput.contains("optimizer momentum (0.9), learning rate 0.05"), "\(result.standardOutput)")
        let rmsprop = try Executable.run(["train", "--dataset", "xor", "--epochs", "1", "--optimizer", "rmsprop"])
        #expect(rmsprop.standardOutput.contains("optimizer rmsprop (alpha 0.99), learning rate 0.05"))
    }

    // Item 6: model files are named as the safetensors files they are; foreign ones get a clear error.
    @Test func modelFilesAreSafetensorsByName() throws {
        let folder = try folderWithData()
        let result = try Executable.run(
            [
                "train", "--data", "data.csv", "--target", "species", "--epochs", "2", "--save", "iris.safetensors",
                "--checkpoint-every", "1", "-q",
            ], in: folder)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(
            FileManager.default.fileExists(atPath: folder.appendingPathComponent("iris.checkpoint.safetensors").path))
        for command in ["nn", "train", "predict", "evaluate", "info", "export"] {
            let help = try Executable.run(command == "nn" ? ["--help"] : [command, "--help"]).standardOutput
            #expect(
                help.range(of: #"[A-Za-z]\.json\b"#, options: .regularExpression) == nil
                    || help.components(separatedBy: ".json").count - 1 == help.components(separatedBy: "model.json")
                        .count - 1,
                "\(command) --help names a model .json file")
        }
        // A safetensors file written by Python's safetensors (a PyTorch state dict) is not read as a model.
        let foreign = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/foreign.safetensors")
        let info = try Executable.run(["info", "--model", foreign.path])
        #expect(info.status == 1 && info.standardError.contains("a safetensors file that nn did not write"))
        #expect(info.standardError.contains("format 'pt'"), "\(info.standardError)")
    }

    // Item 7: usage errors exit 64 in one style.
    @Test(arguments: [
        ["train"], ["train", "--dataset", "xor", "--epochs", "0"], ["train", "--dataset", "xor", "--momentum", "2"],
        ["train", "--dataset", "xor", "--loss", "bce", "--output-activation", "relu"],
        ["train", "--dataset", "xor", "--resume", "a", "--init-from", "b"],
    ])
    func usageErrorsExit64InOneStyle(_ arguments: [String]) throws {
        let result = try Executable.run(arguments)
        #expect(result.status == 64, "\(arguments): \(result.status) \(result.standardError)")
        #expect(result.standardError.hasPrefix("error: "), "\(result.standardError)")
        #expect(!result.standardError.contains("Error:"), "\(result.standardError)")
    }

    // Item 8: every help fits 80 columns, breaks no token, and keeps its usage line short.
    @Test(arguments: ["nn", "train", "predict", "evaluate", "info", "export", "import", "examples", "doctor"])
    func helpFitsEightyColumns(_ command: String) throws {
        let arguments = command == "nn" ? ["--help"] : [command, "--help"]
        let text = try Executable.run(arguments, environment: ["COLUMNS": "80"]).standardOutput
        let wide = try Executable.run(arguments, environment: ["COLUMNS": "1000"]).standardOutput
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for line in lines { #expect(line.count <= 80, "\(command): \(line.count) columns: \(line)") }
        let usage = try #require(lines.first { $0.hasPrefix("USAGE:") })
        #expect(!usage.isEmpty)
        // Wrapping only moves whole words: the words at 80 columns are the words at 1,000.
        func words(_ text: String) -> [Substring] { text.split(whereSeparator: \.isWhitespace) }
        #expect(words(text) == words(wide), "\(command): a token was broken across lines")
        // Examples are whole commands on one line.
        for line in lines where line.hasPrefix("  nn ") { #expect(line.count <= 80) }
    }

    // Item 9: the small untruths.
    @Test func smallUntruths() throws {
        let run = try Executable.run(["train", "--dataset", "notebook-000", "--epochs", "2", "--seed", "1"])
        #expect(run.status == 0, "\(run.standardError)")
        #expect(!run.standardOutput.contains("0 classes"), "\(run.standardOutput)")
        let folder = try folderWithData()
        #expect(
            try Executable.run(
                [
                    "train", "--data", "data.csv", "--target", "species", "--epochs", "1", "--save", "m.safetensors",
                    "-q",
                ],
                in: folder
            ).status == 0)
        let infoJSON = try Executable.run(["info", "--model", "m.safetensors", "--json"], in: folder)
        #expect(!infoJSON.standardOutput.contains("\\/"))
        let info = try Executable.run(["info", "--model", "m.safetensors"], in: folder).standardOutput
        // nn info prints the settings the run used, from the model's metadata.
        #expect(info.contains("learningRate: 0.001") && info.contains("optimizer: adam"), "\(info)")
        let doctor = try Executable.run(["doctor"]).standardOutput
        let version = try #require(value(after: "BLAS:          OpenBLAS ", in: doctor)).split(separator: " ").first!
        #expect(doctor.components(separatedBy: String(version)).count == 2, "\(doctor)")
        #expect(doctor.contains("LAPACKE:       liblapacke"))
        let versionLine = try Executable.run(["--version"]).standardOutput
        let changelog = try String(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("CHANGELOG.md"), encoding: .utf8)
        let released = try #require(
            changelog.split(separator: "\n").first {
                $0.hasPrefix("## ") && $0.contains(".") && !$0.contains("Unreleased")
            })
        let packageVersion = versionLine.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(released.contains(packageVersion), "\(released)")
        // The DocC landing page names the same version.
        let landing = try String(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("Sources/Tensor/Tensor.docc/Tensor.md"),
            encoding: .utf8)
        #expect(landing.contains("swift-neural-numerics \(packageVersion)."))
    }
}

/// A small seeded generator for test data (SplitMix64).
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
    mutating func normal() -> Double {
        let u = max(uniform(), 1e-300), v = uniform()
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }
}
