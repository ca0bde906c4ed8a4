import Foundation
import Testing

/// What `nn` prints against an independent record of what it did: the rows numpy says a split holds
/// out (scored by `nn evaluate`), PyTorch's layer shapes and parameter counts, the history file, the
/// saved model's metadata, and the runs that use each default the help names. The records are
/// written by scripts/fixtures/report_audit_fixtures.py into Fixtures/report-audit.
@Suite struct ReportAuditTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/report-audit")

    /// A folder holding the fixture's data.csv, validation.csv and test.csv.
    func folderWithFixtures() throws -> URL {
        let folder = try temporaryFolder()
        for name in ["data.csv", "validation.csv", "test.csv"] {
            try FileManager.default.copyItem(
                at: Self.fixtures.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        return folder
    }

    func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
    }

    func jsonFile(_ url: URL) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    /// The value of setting `key` in a `--json` summary.
    func setting(_ key: String, in summary: [String: Any]) -> String? {
        ((summary["settings"] as? [String: Any])?[key] as? [String: Any])?["value"] as? String
    }

    /// Whether two losses agree to float's rounding (the same rows, summed in batches).
    func agree(_ first: Double?, _ second: Double?) -> Bool {
        guard let first, let second else { return false }
        return abs(first - second) <= 1e-6 * max(abs(first), abs(second))
    }

    /// Whether two printings of one number agree (text and JSON write it in full).
    func same(_ first: Double?, _ second: Double?) -> Bool {
        guard let first, let second else { return false }
        return abs(first - second) <= 1e-15 * max(abs(first), abs(second))
    }

    /// The number after `label` in `text`, up to the next comma.
    func number(after label: String, in text: String) -> Double? {
        text.components(separatedBy: ", ").first { $0.hasPrefix(label) }.flatMap { Double($0.dropFirst(label.count)) }
    }

    /// The fixture's run: a test split, the tables' default validation split and early stopping, and
    /// a rate high enough that the validation loss turns upward, so an earlier epoch is kept.
    static let run = [
        "train", "--data", "data.csv", "--target", "label", "--seed", "7", "--test-split", "0.25", "--learning-rate",
        "0.05",
    ]

    // The kept epoch's scores, in the text, --json, the history file and the model's metadata, are
    // what nn evaluate measures on the rows numpy says were held out.
    @Test func keptEpochAgreesEverywhere() throws {
        let folder = try folderWithFixtures()
        let plain = try Executable.run(
            Self.run + ["--save", "m.safetensors", "--history", "h.json"], in: folder,
            environment: ["NN_FORCE_TERMINAL": "0"])
        #expect(plain.status == 0, "\(plain.standardError)")
        let text = plain.standardOutput
        // The rows numpy's split gives (report_audit_fixtures.py): 324 training, 36 validation, 120 test.
        #expect(text.contains("rows: 324 training, 36 validation, 120 test"), "\(text)")
        #expect(text.contains(": 324 samples (+36 for validation), loss bce, optimizer adam, learning rate 0.05,"))
        #expect(text.contains("batch 32, early stopping on the validation loss after 10,"), "\(text)")
        let stopped = try #require(
            text.split(separator: "\n").first { $0.hasPrefix("stopped early; kept the weights of epoch ") })
        let numbers = stopped.split(separator: " ").compactMap { Int($0) }
        let (kept, last) = (numbers[0], numbers[1])
        #expect(kept < last, "the fixture's run keeps an earlier epoch: \(stopped)")

        // --json, with --quiet: only the JSON on standard output, only the task line on standard error.
        let quiet = try Executable.run(Self.run + ["--json", "--quiet"], in: folder)
        #expect(quiet.status == 0, "\(quiet.standardError)")
        let summary = try json(quiet.standardOutput)
        #expect(quiet.standardError.hasPrefix("task: ") && quiet.standardError.split(separator: "\n").count == 1)
        let keptNumbers = try #require(summary["keptEpoch"] as? [String: Any])
        let lastNumbers = try #require(summary["lastEpoch"] as? [String: Any])
        #expect(keptNumbers["epoch"] as? Int == kept && lastNumbers["epoch"] as? Int == last)
        #expect(summary["epochs"] as? Int == last && summary["stoppedEarly"] as? Bool == true)
        #expect(summary["trainingSamples"] as? Int == 324 && summary["validationSamples"] as? Int == 36)
        #expect(summary["testSamples"] as? Int == 120)
        let validationLoss = try #require(keptNumbers["validationLoss"] as? Double)
        let keptLine = try #require(value(after: "kept epoch \(kept) (the model's weights): ", in: text))
        #expect(same(number(after: "loss ", in: keptLine), keptNumbers["loss"] as? Double), "\(keptLine)")
        #expect(same(number(after: "validation loss ", in: keptLine), validationLoss), "\(keptLine)")

        // The history file: every epoch, the same kept epoch and numbers.
        let history = try jsonFile(folder.appendingPathComponent("h.json"))
        #expect(history["epochs"] as? Int == last && history["keptEpoch"] as? Int == kept)
        #expect((history["loss"] as? [Double])?.count == last)
        #expect((history["validationLoss"] as? [Double])?[kept - 1] == validationLoss)
        // The last epoch's progress line shows the history's validation loss, rounded.
        let lastLoss = try #require((history["validationLoss"] as? [Double])?.last)
        let epochLine = try #require(text.split(separator: "\n").first { $0.hasPrefix("epoch \(last)/200 ") })
        #expect(epochLine.contains("validation loss \(String(format: "%.6f", lastLoss))"), "\(epochLine)")

        // nn evaluate on the validation rows measures the saved model: the kept epoch's scores.
        let evaluated = try Executable.run(
            ["evaluate", "--model", "m.safetensors", "--data", "validation.csv", "--json"], in: folder)
        #expect(evaluated.status == 0, "\(evaluated.standardError)")
        let evaluation = try json(evaluated.standardOutput)
        #expect(agree(evaluation["loss"] as? Double, validationLoss), "\(evaluation) vs \(validationLoss)")
        #expect(evaluation["accuracy"] as? Double == keptNumbers["validationAccuracy"] as? Double)
        #expect(evaluation["samples"] as? Int == 36 && evaluation["target"] as? String == "label")
        // And on the test rows: the summary's test score.
        let test = try #require(summary["test"] as? [String: Any])
        let tested = try json(
            Executable.run(["evaluate", "--model", "m.safetensors", "--data", "test.csv", "--json"], in: folder)
                .standardOutput)
        #expect(agree(tested["loss"] as? Double, test["loss"] as? Double) && tested["samples"] as? Int == 120)
        #expect(tested["accuracy"] as? Double == test["accuracy"] as? Double)

        // nn info: the model says which epoch it holds, with that epoch's scores, and every setting
        // as --json reported it.
        let info = try json(Executable.run(["info", "--model", "m.safetensors", "--json"], in: folder).standardOutput)
        let metadata = try #require(info["metadata"] as? [String: String])
        #expect(metadata["keptEpoch"] == "\(kept)" && metadata["epochsRun"] == "\(last)", "\(metadata)")
        #expect(same(metadata["keptEpochValidationLoss"].flatMap(Double.init), validationLoss))
        #expect(same(metadata["keptEpochLoss"].flatMap(Double.init), keptNumbers["loss"] as? Double))
        let settings = try #require(summary["settings"] as? [String: Any])
        for key in settings.keys {
            #expect(metadata[key] == setting(key, in: summary), "\(key): \(metadata[key] ?? "none")")
        }
        // The thread count: the header's, --json's and the history's. (The model leaves it out: a
        // model trained at 1, 2 or 3 threads is the same file where the weights are.)
        let threads = try #require(summary["threads"] as? [String: Any])
        let count = try #require(threads["count"] as? Int)
        #expect(threads["source"] as? String == "thread rule" && metadata["threads"] == nil)
        #expect((history["threads"] as? [String: Any])?["count"] as? Int == count)
        #expect(text.contains(", \(count) thread\(count == 1 ? "" : "s") by the thread rule"), "\(text)")
        let infoText = try Executable.run(["info", "--model", "m.safetensors"], in: folder).standardOutput
        #expect(infoText.contains("\nkeptEpoch: \(kept)\n") && infoText.contains("\nepochsRun: \(last)\n"))
    }

    // A convolutional run with batch normalization and dropout that stops early: the test score it
    // prints is nn evaluate's of the saved model on the same test images, and the model says which
    // epoch it holds.
    @Test func convolutionalKeptEpochIsTheSavedModel() throws {
        let folder = try temporaryFolder()
        let trained = try Executable.run(
            [
                "train", "--dataset", "fashion-mnist", "--limit", "300", "--layers", "conv4k3,bn,pool2,16,dropout0.5",
                "--validation-split", "0.2", "--early-stopping", "2", "--epochs", "30", "--optimizer", "adam",
                "--learning-rate", "0.01", "--batch-size", "32", "--save", "m.safetensors", "--json",
            ], in: folder)
        #expect(trained.status == 0, "\(trained.standardError)")
        let summary = try json(trained.standardOutput)
        #expect(
            summary["network"] as? String == "1x28x28-conv4k3(relu)-batchnorm-pool2-16(relu)-dropout0.5-10(identity)")
        let kept = try #require((summary["keptEpoch"] as? [String: Any])?["epoch"] as? Int)
        let last = try #require((summary["lastEpoch"] as? [String: Any])?["epoch"] as? Int)
        let test = try #require(summary["test"] as? [String: Any])
        let evaluated = try json(
            Executable.run(
                ["evaluate", "--model", "m.safetensors", "--dataset", "fashion-mnist", "--limit", "300", "--json"],
                in: folder
            ).standardOutput)
        #expect(evaluated["samples"] as? Int == 300 && test["count"] as? Int == 300)
        #expect(agree(evaluated["loss"] as? Double, test["loss"] as? Double), "\(evaluated) vs \(test)")
        #expect(evaluated["accuracy"] as? Double == test["accuracy"] as? Double)
        let metadata = try #require(
            try json(Executable.run(["info", "--model", "m.safetensors", "--json"], in: folder).standardOutput)[
                "metadata"] as? [String: String])
        #expect(metadata["keptEpoch"] == "\(kept)" && metadata["epochsRun"] == "\(last)", "\(metadata)")
        #expect(metadata["layers"] != nil && metadata["layers"] == setting("layers", in: summary))
    }

    // A resumed run (more epochs, another rate) and a run from a model say where their task came
    // from and name the target; the model they save says how many epochs ran.
    @Test func continuedRunsSayWhatTheyContinue() throws {
        let folder = try folderWithFixtures()
        let first = try Executable.run(
            [
                "train", "--data", "validation.csv", "--epochs", "2", "--checkpoint-every", "2", "--save",
                "m.safetensors", "-q",
            ], in: folder)
        #expect(first.status == 0, "\(first.standardError)")
        #expect(
            first.standardOutput.hasPrefix("task: classification (2 classes: a, b) inferred from the target 'label'"))
        let resumed = try Executable.run(
            [
                "train", "--data", "validation.csv", "--resume", "m.checkpoint.safetensors", "--epochs", "5",
                "--learning-rate", "0.01", "--save", "r.safetensors", "--history", "h.json",
            ], in: folder, environment: ["NN_FORCE_TERMINAL": "0"])
        #expect(resumed.status == 0, "\(resumed.standardError)")
        let text = resumed.standardOutput
        #expect(text.hasPrefix("task: classification (2 classes: a, b) (the checkpoint's) 'label';"), "\(text)")
        #expect(text.contains("learning rate 0.01 (checkpoint: 0.001)"), "\(text)")
        #expect(text.contains("resuming at epoch 3, epochs 5 (checkpoint: 2)"), "\(text)")
        #expect(text.contains("Trained 3 epochs (5 in all)"), "\(text)")
        let epochLines = text.split(separator: "\n").filter { $0.hasPrefix("epoch ") }
        #expect(epochLines.map { $0.split(separator: " ")[1] } == ["3/5", "4/5", "5/5"], "\(epochLines)")
        let history = try jsonFile(folder.appendingPathComponent("h.json"))
        #expect(history["epochs"] as? Int == 5)
        #expect(history["learningRate"] as? [Double] == [0.001, 0.001, 0.01, 0.01, 0.01])
        let metadata = try #require(
            try json(Executable.run(["info", "--model", "r.safetensors", "--json"], in: folder).standardOutput)[
                "metadata"] as? [String: String])
        #expect(metadata["epochsRun"] == "5" && metadata["learningRate"] == "0.01")
        #expect(metadata["keptEpoch"] == "\(history["keptEpoch"] as? Int ?? 0)", "\(metadata)")
        #expect(metadata["epochs"] == "5" && metadata["resumedFrom"] == "m.checkpoint.safetensors")

        // A resumed run with nothing left to train says so, without a rate of 0 samples/s.
        let done = try Executable.run(
            ["train", "--data", "validation.csv", "--resume", "m.checkpoint.safetensors", "--epochs", "2", "-q"],
            in: folder)
        #expect(done.status == 0, "\(done.standardError)")
        let trainedLine = try #require(done.standardOutput.split(separator: "\n").first { $0.hasPrefix("Trained ") })
        #expect(trainedLine.hasPrefix("Trained 0 epochs (2 in all) in ") && !trainedLine.contains("samples/s"))

        let continued = try Executable.run(
            ["train", "--data", "test.csv", "--init-from", "m.safetensors", "--epochs", "1", "--json"], in: folder)
        #expect(continued.status == 0, "\(continued.standardError)")
        #expect(continued.standardError.hasPrefix("task: classification (2 classes: a, b) (the model's) 'label';"))
        let summary = try json(continued.standardOutput)
        #expect(summary["target"] as? String == "label")
        #expect(
            ((summary["settings"] as? [String: Any])?["task"] as? [String: Any])?["source"] as? String == "model")
    }

    // A checkpoint written when early stopping ended its run resumes under a changed --early-stopping,
    // as the header says it does: the resumed run's history is the uninterrupted run's with that patience.
    @Test(arguments: [["--early-stopping", "20"], ["--early-stopping", "off", "--epochs", "24"]])
    func changedEarlyStoppingAppliesOnResume(_ change: [String]) throws {
        let folder = try folderWithFixtures()
        let stopped = try Executable.run(
            Self.run + ["--checkpoint-every", "1", "--checkpoint", "c.safetensors", "-q"], in: folder)
        #expect(stopped.status == 0 && stopped.standardOutput.contains("stopped early"), "\(stopped.standardOutput)")
        let stoppedAt = try #require(
            value(after: "stopped early; kept the weights of epoch ", in: stopped.standardOutput)?
                .split(separator: " ").last.flatMap { Int($0) })
        let resumed = try Executable.run(
            Self.run + ["--resume", "c.safetensors", "--history", "resumed.json", "--save", "r.safetensors"] + change,
            in: folder, environment: ["NN_FORCE_TERMINAL": "0"])
        #expect(resumed.status == 0, "\(resumed.standardError)")
        let straight = try Executable.run(Self.run + ["--history", "straight.json", "-q"] + change, in: folder)
        #expect(straight.status == 0, "\(straight.standardError)")
        let history = try jsonFile(folder.appendingPathComponent("resumed.json"))
        let expected = try jsonFile(folder.appendingPathComponent("straight.json"))
        let epochs = try #require(expected["epochs"] as? Int)
        #expect(epochs > stoppedAt, "the changed rule trains on: \(epochs) epochs")
        #expect(history["epochs"] as? Int == epochs && history["keptEpoch"] as? Int == expected["keptEpoch"] as? Int)
        #expect(history["loss"] as? [Double] == expected["loss"] as? [Double])
        #expect(history["validationLoss"] as? [Double] == expected["validationLoss"] as? [Double])
        #expect(history["stoppedEarly"] as? Bool == expected["stoppedEarly"] as? Bool)
        #expect(resumed.standardOutput.contains("Trained \(epochs - stoppedAt) epochs (\(epochs) in all)"))
        let metadata = try #require(
            try json(Executable.run(["info", "--model", "r.safetensors", "--json"], in: folder).standardOutput)[
                "metadata"] as? [String: String])
        #expect(metadata["epochsRun"] == "\(epochs)" && metadata["earlyStopping"] == change[1])
    }

    // nn evaluate names the column it scored, also when the file's target has another name than
    // the training target's (its last column stands in).
    @Test func evaluateNamesTheTargetColumn() throws {
        let folder = try folderWithFixtures()
        let trained = try Executable.run(
            ["train", "--data", "validation.csv", "--epochs", "1", "--save", "m.safetensors", "-q"], in: folder)
        #expect(trained.status == 0, "\(trained.standardError)")
        let renamed = try String(contentsOf: folder.appendingPathComponent("test.csv"), encoding: .utf8)
            .replacingOccurrences(of: "f3,label\n", with: "f3,truth\n")
        try renamed.write(to: folder.appendingPathComponent("renamed.csv"), atomically: true, encoding: .utf8)
        let plain = try Executable.run(["evaluate", "--model", "m.safetensors", "--data", "test.csv"], in: folder)
        #expect(plain.standardOutput.hasPrefix("test.csv: 120 samples, target 'label'\n"), "\(plain.standardOutput)")
        let other = try Executable.run(
            ["evaluate", "--model", "m.safetensors", "--data", "renamed.csv", "--json"], in: folder)
        #expect(other.status == 0, "\(other.standardError)")
        #expect(try json(other.standardOutput)["target"] as? String == "truth")
    }

    // --limit cuts a table before it is fitted: the notes, fill values and categories are those of the
    // rows used. Rows 11 to 13 hold missing cells, a category and a row without a target that the
    // first 10 do not; the 10 rows' mean of x, without the missing one, is (55 - 2) / 9.
    @Test func limitCutsATableBeforeItIsFitted() throws {
        let folder = try temporaryFolder()
        let rows = (1...10).map {
            "\($0 == 2 ? "" : "\($0)"),\($0 % 2 == 1 && $0 > 1 ? "blue" : "red"),\($0 % 2 == 1 ? "a" : "b")"
        }
        let text = (["x,color,y"] + rows + [",green,a", ",green,", "100,,b"]).joined(separator: "\n") + "\n"
        try text.write(to: folder.appendingPathComponent("t.csv"), atomically: true, encoding: .utf8)
        let trained = try Executable.run(
            ["train", "--data", "t.csv", "--limit", "10", "--epochs", "1", "--save", "m.safetensors", "-q"], in: folder)
        #expect(trained.status == 0, "\(trained.standardError)")
        #expect(trained.standardError.contains("note: filled 1 missing cell with"), "\(trained.standardError)")
        #expect(!trained.standardError.contains("dropped"), "\(trained.standardError)")
        #expect(trained.standardOutput.contains("rows: 10 training"), "\(trained.standardOutput)")
        let info = try json(Executable.run(["info", "--model", "m.safetensors", "--json"], in: folder).standardOutput)
        let columns = try #require((info["columns"] as? [String: Any])?["columns"] as? [[String: Any]])
        #expect(same(columns[0]["fillNumber"] as? Double, 53.0 / 9), "\(columns)")
        #expect(columns[1]["categories"] as? [String] == ["blue", "red"], "\(columns)")
        let evaluated = try Executable.run(
            ["evaluate", "--model", "m.safetensors", "--data", "t.csv", "--limit", "10"], in: folder)
        #expect(evaluated.standardOutput.hasPrefix("t.csv: 10 samples, target 'y'\n"), "\(evaluated.standardOutput)")
        #expect(evaluated.standardError.contains("filled 1 missing cell with the model's training values: 'x' 1"))
    }

    // nn info's layer table: PyTorch's output shapes and parameter counts for the same stack.
    @Test(arguments: ["conv8k3,pool2,32,dropout0.5", "conv4k3s2valid,bn,avgpool2,conv6k3,gap,16,bn,dropout0.3"])
    func infoLayerTableMatchesPyTorch(_ layers: String) throws {
        let folder = try temporaryFolder()
        let trained = try Executable.run(
            [
                "train", "--dataset", "fashion-mnist", "--limit", "200", "--layers", layers, "--epochs", "1", "--save",
                "m.safetensors", "-q",
            ], in: folder)
        #expect(trained.status == 0, "\(trained.standardError)")
        let expected = try #require(
            try jsonFile(Self.fixtures.appendingPathComponent("layers.json"))[layers] as? [String: Any])
        let expectedLayers = try #require(expected["layers"] as? [[String: Any]])
        let info = try json(Executable.run(["info", "--model", "m.safetensors", "--json"], in: folder).standardOutput)
        let actual = try #require(info["layers"] as? [[String: Any]])
        #expect(actual.count == expectedLayers.count)
        for (index, (mine, torch)) in zip(actual, expectedLayers).enumerated() {
            #expect(mine["outputShape"] as? [Int] == torch["outputShape"] as? [Int], "layer \(index + 1)")
            #expect(mine["parameters"] as? Int == torch["parameters"] as? Int, "layer \(index + 1)")
        }
        let total = try #require(expected["parameters"] as? Int)
        #expect(info["parameters"] as? Int == total)
        let text = try Executable.run(["info", "--model", "m.safetensors"], in: folder).standardOutput
        #expect(text.contains("Total parameters: \(total)\n"), "\(text)")
        let canonical = layers.replacingOccurrences(of: ",bn,", with: ",batchnorm,")
        #expect(text.contains("\nlayers: \(canonical)\n") && text.contains("\nkeptEpoch: 1\n"), "\(text)")
    }

    // Each default the help names for tables and built-in data sets is the one a run without the
    // option uses (its --json settings), including the cases the help's wording singles out.
    @Test func helpDefaultsAreWhatRunsUse() throws {
        let folder = try folderWithFixtures()
        let help = try Executable.run(["train", "--help"], environment: ["COLUMNS": "1000"]).standardOutput
        // An option's name and its help, which may start on the next line.
        let helpLines = help.split(separator: "\n")
        func helpLine(_ option: String) throws -> Substring {
            let index = try #require(helpLines.firstIndex { $0.contains("\(option) <") }, "\(option)")
            let rest = helpLines[(index + 1)...].prefix { !$0.hasPrefix("  -") }
            return ([helpLines[index]] + rest).map { $0.trimmingCharacters(in: .whitespaces) }
                .joined(separator: " ")[...]
        }
        func summary(_ arguments: [String]) throws -> [String: Any] {
            let result = try Executable.run(["train"] + arguments + ["--json"], in: folder)
            #expect(result.status == 0, "\(arguments): \(result.standardError)")
            return try json(result.standardOutput)
        }
        // 480 rows: validated; 36 rows: not; a built-in data set under 1,000 rows trains full-batch.
        let table = try summary(["--data", "data.csv", "--epochs", "1"])
        let small = try summary(["--data", "validation.csv"])
        let builtIn = try summary(["--dataset", "fashion-mnist", "--limit", "1000", "--layers", "8", "--epochs", "1"])
        let fullBatch = try summary(["--dataset", "xor"])
        for (option, key) in [
            ("--optimizer", "optimizer"), ("--learning-rate", "learningRate"), ("--scale", "scale"),
            ("--init", "init"), ("--schedule", "schedule"), ("--batch-size", "batchSize"),
        ] {
            let line = try helpLine(option)
            let (tableValue, builtInValue) = (setting(key, in: table)!, setting(key, in: builtIn)!)
            #expect(line.contains("tables \(tableValue)"), "\(line) vs \(tableValue)")
            #expect(line.contains("built-in data sets \(builtInValue)"), "\(line) vs \(builtInValue)")
        }
        #expect(try helpLine("--layers").contains("tables \(setting("layers", in: small)!);"))
        #expect(try helpLine("--layers").contains("built-in data sets \(setting("layers", in: fullBatch)!))"))
        #expect(try helpLine("--epochs").contains("tables \(setting("epochs", in: small)!);"))
        #expect(try helpLine("--epochs").contains("or \(setting("epochs", in: fullBatch)!) full-batch"))
        #expect(setting("batchSize", in: fullBatch) == "full" && setting("schedule", in: fullBatch) == "constant")
        #expect(try helpLine("--schedule").contains("constant full-batch"))
        for key in ["momentum", "alpha", "seed", "precision", "activation", "biasInit"] {
            let option = ["biasInit": "--bias-init"][key] ?? "--\(key)"
            #expect(try helpLine(option).contains("(default: \(setting(key, in: table)!))"), "\(key)")
            #expect(setting(key, in: table) == setting(key, in: builtIn), "\(key)")
        }
        // Validation and early stopping: 0.1 and 10 on the validation loss from 300 rows; below,
        // none and 10 on the training loss; off with a --validation-split; counted after --test-split.
        let validationHelp = try helpLine("--validation-split")
        #expect(validationHelp.contains("(default: \(setting("validationSplit", in: table)!) for tables of 300 rows"))
        #expect(setting("validationSplit", in: small) == "0.0" && setting("earlyStopping", in: small) == "10")
        #expect(setting("earlyStoppingMonitor", in: small) == "training loss")
        #expect(setting("earlyStoppingMonitor", in: table) == "validation loss")
        let stoppingHelp = try helpLine("--early-stopping")
        #expect(stoppingHelp.contains("tables \(setting("earlyStopping", in: table)!) on the validation loss"))
        #expect(
            stoppingHelp.contains(
                "else \(setting("earlyStopping", in: small)!) on the training loss with a tolerance of \(setting("earlyStoppingTolerance", in: small)!)"
            ))
        let explicit = try summary(["--data", "data.csv", "--epochs", "1", "--validation-split", "0.2"])
        #expect(
            setting("earlyStopping", in: explicit) == "off" && stoppingHelp.contains("off with a --validation-split"))
        #expect(stoppingHelp.contains("built-in data sets \(setting("earlyStopping", in: builtIn)!)"))
        // 480 rows less a 0.4 test split leave 288: under 300, so no validation split.
        let tested = try summary(["--data", "data.csv", "--epochs", "1", "--test-split", "0.4"])
        #expect(
            setting("validationSplit", in: tested) == "0.0" && validationHelp.contains("counted after --test-split"))
        // Built-in data sets draw He-normal for relu and leaky-relu, Glorot-uniform otherwise.
        let leaky = try summary(["--dataset", "xor", "--epochs", "1", "--activation", "leaky-relu"])
        let tanh = try summary(["--dataset", "xor", "--epochs", "1", "--activation", "tanh"])
        #expect(setting("init", in: leaky) == "he-normal" && setting("init", in: tanh) == "xavier-uniform")
        #expect(try helpLine("--init").contains("he-normal for relu and leaky-relu, else xavier-uniform"))
        // Tables' weight decay: 2 / training rows, to 3 significant digits.
        let rows = try #require(table["trainingSamples"] as? Int)
        #expect(setting("weightDecay", in: table) == "\(Double(String(format: "%.3g", 2.0 / Double(rows)))!)")
        #expect(try helpLine("--weight-decay").contains("tables 2 / training rows"))
    }

    // Examples in every help are whole commands: at 80 columns each example line is the line it is at
    // 1,000, never wrapped into a line the shell would run on its own.
    @Test(arguments: ["nn", "train", "predict", "evaluate", "info", "export", "import", "examples", "doctor"])
    func helpExamplesAreNotWrapped(_ command: String) throws {
        let arguments = command == "nn" ? ["--help"] : [command, "--help"]
        let narrow = try Executable.run(arguments, environment: ["COLUMNS": "80"]).standardOutput
            .split(separator: "\n")
        let wide = try Executable.run(arguments, environment: ["COLUMNS": "1000"]).standardOutput.split(separator: "\n")
        // An example is a line that starts with `nn`, and the lines its trailing backslash continues.
        var continues = false
        for line in wide {
            guard line.hasPrefix("  nn ") || continues else { continue }
            #expect(narrow.contains(line), "\(command): '\(line)' is wrapped at 80 columns")
            continues = line.hasSuffix("\\")
        }
    }
}
