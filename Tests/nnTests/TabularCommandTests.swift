import Foundation
import Testing

// `nn` on a user's own tables (issue 17), each point run through the built binary as a user would:
// task inference, the table defaults, columns, missing values, predict's layout, splits, metrics,
// JSON output, options that do not apply, warm starts and interruption.

/// A deterministic pseudo-random number in [0, 1) from `state`.
private func next(_ state: inout UInt64) -> Double {
    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    return Double(state >> 11) / Double(1 << 53)
}

/// Writes `text` to `name` in `folder`.
private func put(_ text: String, _ name: String, in folder: URL) throws {
    try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
}

/// A three-class table with integer labels 0, 1, 2 (by which third of x1 + x2 a row falls in), `rows` rows.
private func integerClassCSV(rows: Int, seed: UInt64 = 1, sorted: Bool = false) -> String {
    var state = seed
    var samples: [(Double, Double, Int)] = []
    for _ in 0..<rows {
        let a = next(&state), b = next(&state)
        samples.append((a, b, min(2, Int((a + b) / 2 * 3))))
    }
    if sorted { samples.sort { $0.2 < $1.2 } }
    return "x1,x2,label\n" + samples.map { "\($0.0),\($0.1),\($0.2)\n" }.joined()
}

/// A regression table with targets in the hundreds: y = 150 + 80 x1 - 40 x2.
private func largeTargetCSV(rows: Int) -> String {
    var state: UInt64 = 9
    var text = "x1,x2,y\n"
    for _ in 0..<rows {
        let a = next(&state), b = next(&state)
        text += "\(a),\(b),\(150 + 80 * a - 40 * b)\n"
    }
    return text
}

/// The JSON object a command printed on standard output.
private func jsonObject(_ result: CommandResult) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
    return try #require(object, "not a JSON object: \(result.standardOutput)")
}

@Suite struct TabularCommandTests {
    // MARK: Task inference

    @Test func integerLabelsAreClassesAndTheTaskLineIsPrintedEvenQuiet() throws {
        let folder = try temporaryFolder()
        try put(integerClassCSV(rows: 90), "digits.csv", in: folder)
        let trained = try Executable.run(["train", "--data", "digits.csv", "--epochs", "5", "--quiet"], in: folder)
        #expect(trained.status == 0, "\(trained.standardError)")
        #expect(
            trained.standardOutput.hasPrefix(
                "task: classification (3 classes: 0, 1, 2) inferred from the target 'label'"),
            "\(trained.standardOutput)")
        #expect(
            trained.standardOutput.contains("features (2): x1, x2; rows: 90 training; scaling: inputs standardized"),
            "\(trained.standardOutput)")
        // --task regress overrides; a text target cannot be regressed.
        let regressed = try Executable.run(
            ["train", "--data", "digits.csv", "--epochs", "2", "--task", "regress", "-q"], in: folder)
        #expect(regressed.standardOutput.hasPrefix("task: regression (--task) 'label'"), "\(regressed.standardOutput)")
        try put("a,label\n1,x\n2,y\n", "text.csv", in: folder)
        let refused = try Executable.run(["train", "--data", "text.csv", "--task", "regress"], in: folder)
        #expect(refused.status == 64 && refused.standardError.contains("holds text labels"), "\(refused.standardError)")
        // Many distinct whole numbers are a regression target.
        try put(
            largeTargetCSV(rows: 60).replacingOccurrences(of: ".", with: "").replacingOccurrences(
                of: "x1,x2,y", with: "x1,x2,y"), "counts.csv", in: folder)
        let counts = try Executable.run(["train", "--data", "counts.csv", "--epochs", "1", "-q"], in: folder)
        #expect(
            counts.standardOutput.hasPrefix("task: regression inferred"),
            "\(counts.standardOutput) \(counts.standardError)")
    }

    // MARK: Defaults

    @Test func regressionTargetsAreStandardizedAndPredictionsComeBackInTargetUnits() throws {
        let folder = try temporaryFolder()
        try put(largeTargetCSV(rows: 400), "data.csv", in: folder)
        let trained = try Executable.run(
            ["train", "--data", "data.csv", "--save", "model.safetensors", "-q"], in: folder)
        #expect(trained.status == 0, "\(trained.standardError)")
        #expect(trained.standardOutput.contains("targets standardized"), "\(trained.standardOutput)")
        // From 300 rows: a validation split with early stopping by default.
        #expect(trained.standardOutput.contains("40 validation"), "\(trained.standardOutput)")
        let model = try legacyObject(Data(contentsOf: folder.appendingPathComponent("model.safetensors")))
        let transform = try #require(model["targetTransform"] as? [String: Any])
        let offset = try #require((transform["offset"] as? [Double])?.first)
        #expect(abs(offset - 170) < 15, "the target mean is about 170: \(offset)")
        try put("x1,x2\n0.5,0.5\n1,0\n", "new.csv", in: folder)
        let predicted = try Executable.run(
            ["predict", "--model", "model.safetensors", "--data", "new.csv"], in: folder)
        let lines = predicted.standardOutput.split(separator: "\n")
        #expect(lines.first == "y", "\(predicted.standardOutput) \(predicted.standardError)")
        let values = lines.dropFirst().compactMap { Double($0) }
        #expect(values.count == 2 && abs(values[0] - 170) < 8 && abs(values[1] - 230) < 12, "\(values)")
        let evaluated = try Executable.run(
            ["evaluate", "--model", "model.safetensors", "--data", "data.csv"], in: folder)
        #expect(
            (Double(value(after: "R²: ", in: evaluated.standardOutput) ?? "") ?? 0) > 0.95,
            "\(evaluated.standardOutput)")
        // A run that diverges although inputs and targets were scaled is not told to scale them.
        let diverged = try Executable.run(
            ["train", "--data", "data.csv", "--learning-rate", "1e9", "--optimizer", "sgd", "--epochs", "20"],
            in: folder)
        #expect(
            diverged.status == 1 && diverged.standardError.contains("try a smaller --learning-rate than 1000000000.0")
                && !diverged.standardError.contains("--scale"), "\(diverged.standardError)")
        // SGD's step takes rate × decay of each weight: with the tables' default decay (2 / 360 training
        // rows), the message names the rate the user chose, and the decay as the default it is.
        #expect(
            diverged.standardError.contains(
                "learning rate 1000000000.0 with the default weight decay 0.00556 (2 / training rows)")
                && diverged.standardError.contains("or --weight-decay 0"), "\(diverged.standardError)")
        #expect(evaluated.standardOutput.contains("root mean squared error: "))
    }

    @Test func npyDataGetsTheTableDefaultsAndBuiltInDataSetsKeepTheirs() throws {
        let folder = try temporaryFolder()
        // Inputs in the thousands, three integer classes in the last column.
        var values: [Double] = []
        for index in 0..<60 { values += [Double(index) * 100, Double(index % 7) * 1000, Double(index / 20)] }
        try writeNPY(rows: 60, columns: 3, values: values, to: folder.appendingPathComponent("data.npy"))
        let trained = try Executable.run(["train", "--data", "data.npy", "--epochs", "2"], in: folder)
        #expect(trained.status == 0, "\(trained.standardError)")
        #expect(
            trained.standardOutput.contains("task: classification (3 classes: 0, 1, 2)")
                && trained.standardOutput.contains("inputs standardized"),
            "\(trained.standardOutput)")
        #expect(
            trained.standardOutput.contains("2-100(relu)-3(identity)")
                && trained.standardOutput.contains("optimizer adam, learning rate 0.001"),
            "\(trained.standardOutput)")
        let builtIn = try Executable.run(["train", "--dataset", "xor", "--epochs", "2"], in: folder)
        #expect(
            builtIn.standardOutput.contains("2-256(relu)-128(relu)-1(sigmoid)")
                && builtIn.standardOutput.contains("optimizer momentum (0.9), learning rate 0.05")
                && builtIn.standardOutput.contains("inputs not scaled"), "\(builtIn.standardOutput)")
    }

    // MARK: Columns

    @Test func pandasIndexColumnIsDroppedWithANote() throws {
        let folder = try temporaryFolder()
        // Sorted by class, the index would give the class away.
        try put(",a,label\n0,0.1,x\n1,0.2,x\n2,0.15,y\n3,0.12,y\n", "indexed.csv", in: folder)
        let trained = try Executable.run(["train", "--data", "indexed.csv", "--epochs", "1", "-q"], in: folder)
        #expect(trained.status == 0, "\(trained.standardError)")
        #expect(
            trained.standardError.contains("note: dropped column 0 ('')") && trained.standardError.contains("index"),
            "\(trained.standardError)")
        #expect(trained.standardOutput.contains("features (1): a;"), "\(trained.standardOutput)")
        try put("Unnamed: 0,a,label\n0,0.1,x\n1,0.2,y\n", "unnamed.csv", in: folder)
        let unnamed = try Executable.run(["train", "--data", "unnamed.csv", "--epochs", "1", "-q"], in: folder)
        #expect(
            unnamed.standardError.contains("'Unnamed: 0'") && unnamed.standardOutput.contains("features (1): a;"),
            "\(unnamed.standardOutput)")
    }

    @Test func dropAndFeatureRangesChooseColumns() throws {
        let folder = try temporaryFolder()
        try put("id,a,b,c,label\n1,0.1,0.2,0.3,x\n2,0.9,0.8,0.7,y\n3,0.2,0.1,0.2,x\n", "wide.csv", in: folder)
        let dropped = try Executable.run(
            ["train", "--data", "wide.csv", "--drop", "id,c", "--epochs", "1", "-q"], in: folder)
        #expect(
            dropped.standardOutput.contains("features (2): a, b;"), "\(dropped.standardOutput) \(dropped.standardError)"
        )
        let ranged = try Executable.run(
            ["train", "--data", "wide.csv", "--features", "1:4", "--epochs", "1", "-q"], in: folder)
        #expect(
            ranged.standardOutput.contains("features (3): a, b, c;"), "\(ranged.standardOutput) \(ranged.standardError)"
        )
        let empty = try Executable.run(["train", "--data", "wide.csv", "--features", "3:1"], in: folder)
        #expect(empty.status == 64 && empty.standardError.contains("selects no columns"), "\(empty.standardError)")
    }

    /// Standardizing scales numbers and dates only: one-hot inputs stay 0 and 1, as scikit-learn's
    /// pipeline leaves `OneHotEncoder`'s output (a category of 1 row in 40 standardized would be an
    /// input of about 6). The numeric input's offset and scale are checked against a naive mean and
    /// population standard deviation (of the values in double; training reads them as float).
    @Test func oneHotInputsAreLeftUnscaled() throws {
        let folder = try temporaryFolder()
        var text = "color,x,y\n", xs: [Double] = []
        var state: UInt64 = 5
        for row in 0..<40 {
            let color = row == 7 ? "green" : row % 3 == 0 ? "blue" : "red", x = 10 + 5 * next(&state)
            xs.append(x)
            text += "\(color),\(x),\(2 * x + (color == "blue" ? 1 : 0))\n"
        }
        try put(text, "colors.csv", in: folder)
        let trained = try Executable.run(
            ["train", "--data", "colors.csv", "--epochs", "2", "--save", "model.safetensors", "-q"], in: folder)
        #expect(trained.status == 0, "\(trained.standardError)")
        #expect(
            trained.standardOutput.contains(
                "(4 inputs after one-hot encoding); rows: 40 training; scaling: inputs standardized (one-hot inputs left 0 and 1), targets standardized"
            ), "\(trained.standardOutput)")
        let model = try legacyModelObject(bytes("model.safetensors", in: folder))
        let transform = try #require(model["inputTransform"] as? [String: Any])
        let offset = try #require(transform["offset"] as? [Double]),
            scale = try #require(transform["scale"] as? [Double])
        // Inputs: color=blue, color=green, color=red, x.
        #expect(Array(offset.prefix(3)) == [0, 0, 0] && Array(scale.prefix(3)) == [1, 1, 1], "\(offset) \(scale)")
        let mean = xs.reduce(0, +) / Double(xs.count)
        let deviation = (xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(xs.count)).squareRoot()
        #expect(abs(offset[3] - mean) < 1e-6 * mean && abs(scale[3] * deviation - 1) < 1e-6, "\(offset) \(scale)")
        // Without scaling, nothing is said of one-hot inputs.
        let unscaled = try Executable.run(
            ["train", "--data", "colors.csv", "--epochs", "2", "--scale", "none", "-q"], in: folder)
        #expect(
            unscaled.standardOutput.contains("scaling: inputs not scaled, targets standardized"),
            "\(unscaled.standardOutput)")
        // --json says the same as the task line: 3 one-hot inputs left 0 and 1, and none without scaling.
        for (arguments, expected) in [([String](), 3 as Int?), (["--scale", "none"], nil)] {
            let run = try Executable.run(
                ["train", "--data", "colors.csv", "--epochs", "2", "--json"] + arguments, in: folder)
            #expect(run.status == 0, "\(run.standardError)")
            let summary = try #require(
                try JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any])
            #expect(summary["oneHotInputsLeftUnscaled"] as? Int == expected, "\(arguments): \(run.standardOutput)")
        }
    }

    @Test func textFeaturesAreOneHotAndUnseenValuesAreNamed() throws {
        let folder = try temporaryFolder()
        var text = "sex,age,label\n"
        var state: UInt64 = 3
        for _ in 0..<60 {
            let male = next(&state) < 0.5, age = next(&state)
            text += "\(male ? "male" : "female"),\(age),\(male ? "a" : "b")\n"
        }
        try put(text, "people.csv", in: folder)
        let trained = try Executable.run(
            ["train", "--data", "people.csv", "--epochs", "60", "--save", "model.safetensors", "-q"], in: folder)
        #expect(trained.status == 0, "\(trained.standardError)")
        #expect(trained.standardOutput.contains("(3 inputs after one-hot encoding)"), "\(trained.standardOutput)")
        let info = try Executable.run(["info", "--model", "model.safetensors", "--json"], in: folder)
        let columns = try #require(try jsonObject(info)["columns"] as? [String: Any])
        let first = try #require((columns["columns"] as? [[String: Any]])?.first)
        #expect(first["categories"] as? [String] == ["female", "male"])
        try put("sex,age\nmale,0.3\nfemale,0.4\n", "known.csv", in: folder)
        let predicted = try Executable.run(
            ["predict", "--model", "model.safetensors", "--data", "known.csv"], in: folder)
        #expect(predicted.standardOutput == "label\na\nb\n", "\(predicted.standardOutput) \(predicted.standardError)")
        try put("sex,age\nother,0.3\n", "unseen.csv", in: folder)
        let unseen = try Executable.run(
            ["predict", "--model", "model.safetensors", "--data", "unseen.csv", "--unknown-categories", "error"],
            in: folder)
        #expect(
            unseen.status == 1 && unseen.standardError.contains("column 'sex' has the value 'other'")
                && unseen.standardError.contains("without --unknown-categories error"), "\(unseen.standardError)")
        let zero = try Executable.run(
            ["predict", "--model", "model.safetensors", "--data", "unseen.csv"], in: folder)
        #expect(zero.status == 0 && zero.standardOutput.split(separator: "\n").count == 2, "\(zero.standardError)")
    }

    @Test func missingValuesAreNamedOrHandledAsAsked() throws {
        let folder = try temporaryFolder()
        try put("a,b,label\n1,10,x\nNA,20,y\n3,,x\n5,40,\n7,50,y\n", "holes.csv", in: folder)
        let refused = try Executable.run(["train", "--data", "holes.csv", "--missing", "error"], in: folder)
        // The missing target is reported first (line 5); then the features, by name and line.
        #expect(
            refused.status == 1
                && refused.standardError.contains("holes.csv line 5: the target column 'label' has no value"),
            "\(refused.standardError)")
        try put("a,b,label\n1,10,x\nNA,20,y\n3,,x\n7,50,y\n", "features.csv", in: folder)
        let named = try Executable.run(["train", "--data", "features.csv", "--missing", "error"], in: folder)
        #expect(
            named.standardError.contains("features.csv line 3: column 'a' has no value")
                && named.standardError.contains("which --missing error refuses"),
            "\(named.standardError)")
        let dropped = try Executable.run(
            ["train", "--data", "holes.csv", "--missing", "drop-rows", "--epochs", "1", "-q"], in: folder)
        #expect(
            dropped.status == 0 && dropped.standardOutput.contains("rows: 2 training"),
            "\(dropped.standardOutput) \(dropped.standardError)")
        #expect(dropped.standardError.contains("dropped 1 row without a target value"), "\(dropped.standardError)")
        for (policy, fill) in [("mean", 11.0 / 3), ("median", 3.0), ("most-frequent", 1.0)] {
            let filled = try Executable.run(
                [
                    "train", "--data", "holes.csv", "--missing", policy, "--epochs", "1", "--save", "\(policy).json",
                    "-q",
                ], in: folder)
            #expect(
                filled.status == 0 && filled.standardOutput.contains("rows: 4 training"),
                "\(filled.standardOutput) \(filled.standardError)")
            let info = try jsonObject(try Executable.run(["info", "--model", "\(policy).json", "--json"], in: folder))
            let columns = (info["columns"] as? [String: Any])?["columns"] as? [[String: Any]]
            let value = columns?.first?["fillNumber"] as? Double
            #expect(value.map { abs($0 - fill) < 1e-12 } == true, "\(policy): \(String(describing: value))")
            // The classes never include the missing target.
            #expect(info["classes"] as? [String] == ["x", "y"])
        }
    }

    // MARK: Predict on the training layout

    @Test func predictReadsALabelledTestFileByNameAndWritesAHeader() throws {
        let folder = try temporaryFolder()
        try writeSmallCSV(to: folder.appendingPathComponent("train.csv"))
        let trained = try Executable.run(
            ["train", "--data", "train.csv", "--epochs", "30", "--save", "model.safetensors", "-q"], in: folder)
        #expect(trained.status == 0, "\(trained.standardError)")
        // Columns in another order, the label kept, an extra column: no option needed.
        try put("label,note,x2,x1\nhigh,a,0.9,0.9\nlow,b,0.1,0.05\n", "test.csv", in: folder)
        let predicted = try Executable.run(
            ["predict", "--model", "model.safetensors", "--data", "test.csv", "--probabilities"], in: folder)
        #expect(predicted.status == 0, "\(predicted.standardError)")
        let lines = predicted.standardOutput.split(separator: "\n")
        #expect(lines.first == "label,high,low", "\(predicted.standardOutput)")
        #expect(
            lines.count == 3 && lines[1].hasPrefix("high,") && lines[2].hasPrefix("low,"), "\(predicted.standardOutput)"
        )
        // A headerless file in the training layout: the target column is left out by position.
        try put("0.9,0.9,high\n0.05,0.1,low\n", "bare.csv", in: folder)
        let bare = try Executable.run(
            ["predict", "--model", "model.safetensors", "--data", "bare.csv", "--header", "no"], in: folder)
        #expect(bare.standardOutput == "label\nhigh\nlow\n", "\(bare.standardOutput) \(bare.standardError)")
    }

    // MARK: Splits

    @Test func testSplitIsScoredAndKeptInTheHistory() throws {
        let folder = try temporaryFolder()
        try put(integerClassCSV(rows: 120, sorted: true), "sorted.csv", in: folder)
        let trained = try Executable.run(
            [
                "train", "--data", "sorted.csv", "--test-split", "0.25", "--epochs", "80", "--history", "history.json",
                "-q",
            ], in: folder)
        #expect(trained.status == 0, "\(trained.standardError)")
        #expect(trained.standardOutput.contains("rows: 90 training, 30 test"), "\(trained.standardOutput)")
        let accuracy =
            Double(value(after: "test accuracy: ", in: trained.standardOutput)?.split(separator: " ").first ?? "") ?? 0
        #expect(accuracy > 0.8, "\(trained.standardOutput)")
        let history =
            try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("history.json")))
            as? [String: Any]
        let test = try #require(history?["test"] as? [String: Any])
        #expect(test["count"] as? Int == 30 && abs((test["accuracy"] as? Double ?? 0) - accuracy) < 1e-4)
        // Stratified: each class keeps its share of the 30 test rows.
        let support = ((test["report"] as? [String: Any])?["classes"] as? [[String: Any]])?.compactMap {
            $0["support"] as? Int
        }
        let counts = integerClassCSV(rows: 120).split(separator: "\n").dropFirst().reduce(into: [0, 0, 0]) {
            $0[Int(String($1.split(separator: ",")[2]))!] += 1
        }
        #expect(
            support == counts.map { Int((Double($0) * 0.25).rounded()) },
            "\(String(describing: support)) for class counts \(counts)")
    }

    @Test func validationSplitIsShuffledStratifiedAndSeeded() throws {
        let folder = try temporaryFolder()
        // Sorted by class: the last rows alone would all be class 2, unseen in training.
        try put(integerClassCSV(rows: 120, sorted: true), "sorted.csv", in: folder)
        let arguments = [
            "train", "--data", "sorted.csv", "--validation-split", "0.25", "--epochs", "80", "--seed", "5", "-q",
        ]
        let first = try Executable.run(arguments, in: folder)
        #expect(first.status == 0, "\(first.standardError)")
        let accuracy = Double(value(after: "validation accuracy: ", in: first.standardOutput) ?? "") ?? 0
        #expect(accuracy > 0.6, "\(first.standardOutput)")
        let again = try Executable.run(arguments, in: folder)
        #expect(
            value(after: "validation loss: ", in: again.standardOutput)
                == value(after: "validation loss: ", in: first.standardOutput))
        let otherSeed = try Executable.run(arguments.dropLast(3) + ["--seed", "6", "-q"], in: folder)
        #expect(
            value(after: "validation loss: ", in: otherSeed.standardOutput)
                != value(after: "validation loss: ", in: first.standardOutput))
    }

    // MARK: Metrics and JSON

    @Test func evaluateReportsPerClassScoresAndJSON() throws {
        let folder = try temporaryFolder()
        try writeSmallCSV(to: folder.appendingPathComponent("data.csv"))
        let trained = try Executable.run(
            ["train", "--data", "data.csv", "--epochs", "20", "--save", "model.safetensors", "--json"], in: folder)
        #expect(trained.status == 0, "\(trained.standardError)")
        let summary = try jsonObject(trained)
        #expect(summary["task"] as? String == "classification" && summary["classes"] as? [String] == ["high", "low"])
        #expect(summary["epochs"] as? Int == 20 && summary["optimizer"] as? String == "adam")
        #expect(
            trained.standardError.hasPrefix("task: classification"), "the task line goes to standard error under --json"
        )
        let evaluated = try Executable.run(
            ["evaluate", "--model", "model.safetensors", "--data", "data.csv"], in: folder)
        for text in ["precision    recall  f1-score   support", "macro avg", "weighted avg", "        high"] {
            #expect(evaluated.standardOutput.contains(text), "'\(text)' not in \(evaluated.standardOutput)")
        }
        let report = try jsonObject(
            try Executable.run(
                ["evaluate", "--model", "model.safetensors", "--data", "data.csv", "--json"], in: folder))
        let confusion = try #require(report["confusion"] as? [[Int]])
        let classes = try #require((report["report"] as? [String: Any])?["classes"] as? [[String: Any]])
        // Precision and recall of class 0 from the confusion matrix, as scikit-learn computes them.
        let precision = Double(confusion[0][0]) / Double(confusion[0][0] + confusion[1][0])
        let recall = Double(confusion[0][0]) / Double(confusion[0][0] + confusion[0][1])
        #expect(abs((classes[0]["precision"] as? Double ?? -1) - precision) < 1e-12)
        #expect(abs((classes[0]["recall"] as? Double ?? -1) - recall) < 1e-12)
        #expect(classes[0]["support"] as? Int == confusion[0][0] + confusion[0][1])
        #expect(report["samples"] as? Int == 200 && report["accuracy"] as? Double != nil)
    }

    // MARK: Options that do not apply

    @Test func optionsThatDoNotApplyAreUsageErrors() throws {
        let folder = try temporaryFolder()
        try writeSmallCSV(to: folder.appendingPathComponent("data.csv"))
        for (arguments, text) in [
            (
                ["train", "--data", "data.csv", "--targets-file", "missing.npy"],
                "--targets-file does not apply to a CSV file"
            ),
            (["train", "--data", "data.csv", "--labels", "l.idx"], "--labels does not apply to a CSV file"),
            (["train", "--data", "data.csv", "--inputs-key", "x"], "--inputs-key does not apply to a CSV file"),
            (
                ["train", "--dataset", "xor", "--target", "label"],
                "--target does not apply to the built-in data set xor"
            ),
            (["train", "--dataset", "xor", "--task", "classify"], "--task does not apply to a built-in data set"),
        ] {
            let result = try Executable.run(arguments, in: folder)
            #expect(
                result.status == 64 && result.standardError.contains(text),
                "\(arguments): \(result.status) \(result.standardError)")
        }
        try put(largeTargetCSV(rows: 20), "values.csv", in: folder)
        let trained = try Executable.run(
            ["train", "--data", "values.csv", "--epochs", "1", "--save", "regressor.safetensors", "-q"], in: folder)
        #expect(trained.status == 0, "\(trained.standardError)")
        let probabilities = try Executable.run(
            ["predict", "--model", "regressor.safetensors", "--data", "values.csv", "--probabilities"], in: folder)
        #expect(
            probabilities.status == 64
                && probabilities.standardError.contains("--probabilities applies to classifiers"),
            "\(probabilities.standardError)")
        let missing = try Executable.run(["train", "--data", "absent.csv"], in: folder)
        #expect(missing.status == 1 && missing.standardError.contains("absent.csv"), "\(missing.standardError)")
    }

    /// The format comes from the file's own name: a CSV in a folder whose name holds "idx3" (as a `mktemp`
    /// folder like `tmp.bIdx3q` can) is still a CSV, and `--target` applies to it.
    @Test func aFolderNameNeverDecidesTheFormat() throws {
        let folder = try temporaryFolder().appendingPathComponent("tmp.bIdx3q.npz-ubyte")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try put(largeTargetCSV(rows: 20), "values.csv", in: folder)
        let trained = try Executable.run(
            [
                "train", "--data", folder.appendingPathComponent("values.csv").path, "--target", "y", "--epochs", "1",
                "-q",
            ],
            in: folder)
        #expect(trained.status == 0, "\(trained.standardError)")
        let missing = try Executable.run(
            ["train", "--data", folder.appendingPathComponent("absent.csv").path, "--target", "y"], in: folder)
        #expect(
            missing.status == 1 && missing.standardError.contains("absent.csv")
                && !missing.standardError.contains("IDX"), "\(missing.standardError)")
    }

    // MARK: Warm start and interruption

    @Test func initFromContinuesASavedModelAndResumeSaysSo() throws {
        let folder = try temporaryFolder()
        try writeSmallCSV(to: folder.appendingPathComponent("data.csv"))
        let first = try Executable.run(
            ["train", "--data", "data.csv", "--epochs", "3", "--save", "first.safetensors", "-q"], in: folder)
        #expect(first.status == 0, "\(first.standardError)")
        let resumed = try Executable.run(["train", "--data", "data.csv", "--resume", "first.safetensors"], in: folder)
        #expect(
            resumed.status == 64 && resumed.standardError.contains("--init-from first.safetensors"),
            "\(resumed.standardError)"
        )
        let continued = try Executable.run(
            [
                "train", "--data", "data.csv", "--init-from", "first.safetensors", "--epochs", "30", "--save",
                "second.safetensors",
                "-q",
            ], in: folder)
        #expect(continued.status == 0, "\(continued.standardError)")
        let before = try Executable.run(["evaluate", "--model", "first.safetensors", "--data", "data.csv"], in: folder)
        let after = try Executable.run(["evaluate", "--model", "second.safetensors", "--data", "data.csv"], in: folder)
        let lossBefore = Double(value(after: "loss (bce): ", in: before.standardOutput) ?? "") ?? 0
        let lossAfter = Double(value(after: "loss (bce): ", in: after.standardOutput) ?? "") ?? 1
        #expect(lossAfter < lossBefore, "\(before.standardOutput) \(after.standardOutput)")
        let info = try jsonObject(try Executable.run(["info", "--model", "second.safetensors", "--json"], in: folder))
        #expect((info["metadata"] as? [String: String])?["initializedFrom"] == "first.safetensors")
        let layers = try Executable.run(
            ["train", "--data", "data.csv", "--init-from", "first.safetensors", "--layers", "7"], in: folder)
        #expect(
            layers.status == 64 && layers.standardError.contains("--layers does not apply with --init-from"),
            "\(layers.standardError)")
        // Another architecture's data is refused.
        try put("a,b,c,label\n1,2,3,x\n4,5,6,y\n", "wider.csv", in: folder)
        let wider = try Executable.run(
            ["train", "--data", "wider.csv", "--init-from", "first.safetensors"], in: folder)
        #expect(
            wider.status == 1 && wider.standardError.contains("the model needs column 'x1'"), "\(wider.standardError)")
    }

    /// Starts `nn` with `arguments` in `folder`, without a terminal, and returns once its standard
    /// output has shown `marker` (or ended): the process and its two pipes.
    func startTraining(_ arguments: [String], in folder: URL, until marker: String) throws -> (Process, Pipe, Pipe) {
        let process = Process()
        process.executableURL = Executable.url
        process.arguments = arguments
        process.currentDirectoryURL = folder
        var environment = ProcessInfo.processInfo.environment
        environment["NN_FORCE_TERMINAL"] = "0"
        process.environment = environment
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).contains(marker) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen.append(chunk)
        }
        return (process, output, error)
    }

    @Test func interruptSavesTheBestModelAndExits130() throws {
        let folder = try temporaryFolder()
        try writeSmallCSV(to: folder.appendingPathComponent("data.csv"))
        // Wait for the first epoch line, then interrupt.
        let (process, output, error) = try startTraining(
            [
                "train", "--data", "data.csv", "--epochs", "20000", "--batch-size", "1", "--validation-split", "0",
                "--save", "model.safetensors",
            ], in: folder, until: "epoch 1/")
        process.interrupt()
        _ = output.fileHandleForReading.readDataToEndOfFile()
        let message = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130, "\(message)")
        #expect(message.contains("saved the best model so far"), "\(message)")
        let info = try Executable.run(["info", "--model", "model.safetensors"], in: folder)
        #expect(info.status == 0, "\(info.standardError)")
        // The model says which epoch it holds and how many ran, as the message does.
        let ran = try #require(value(after: "interrupted after epoch ", in: message)?.split(separator: ";").first)
        let kept = try #require(message.components(separatedBy: "so far (epoch ").last?.split(separator: ")").first)
        #expect(info.standardOutput.contains("\nepochsRun: \(ran)\n"), "\(info.standardOutput)")
        #expect(info.standardOutput.contains("\nkeptEpoch: \(kept)\n"), "\(message) \(info.standardOutput)")
    }

    @Test func aSecondInterruptExitsAtOnce() throws {
        let folder = try temporaryFolder()
        try writeSmallCSV(to: folder.appendingPathComponent("data.csv"))
        // One epoch of a wide network on many copies takes long enough to interrupt twice within it.
        let (process, _, error) = try startTraining(
            [
                "train", "--data", "data.csv", "--layers", "2048,2048", "--batch-size", "1", "--epochs", "3",
                "--validation-split", "0", "--save", "model.safetensors",
            ], in: folder, until: "Training ")
        process.interrupt()
        Thread.sleep(forTimeInterval: 0.2)
        process.interrupt()
        let message = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130, "\(message)")
        #expect(message.contains("interrupted again: exiting without saving"), "\(message)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("model.safetensors").path))
    }
}

@Suite struct TabularPlotAndExportTests {
    @Test func aLossSpanningDecadesIsPlottedOnALogScale() throws {
        let folder = try temporaryFolder()
        var text = "x,y\n"
        for index in 0..<50 { text += "\(Double(index) / 50),\(1000 + 3000 * Double(index) / 50)\n" }
        try text.write(to: folder.appendingPathComponent("big.csv"), atomically: true, encoding: .utf8)
        let unscaled = try Executable.run(
            [
                "train", "--data", "big.csv", "--target-scale", "none", "--learning-rate", "0.05", "--epochs", "100",
                "--plot", "big.svg", "-q",
            ], in: folder)
        #expect(unscaled.status == 0, "\(unscaled.standardError)")
        let svg = try String(contentsOf: folder.appendingPathComponent("big.svg"), encoding: .utf8)
        #expect(svg.contains("loss (log scale)"))
        try writeSmallCSV(to: folder.appendingPathComponent("small.csv"))
        let flat = try Executable.run(
            ["train", "--data", "small.csv", "--epochs", "3", "--plot", "small.svg", "-q"], in: folder)
        #expect(flat.status == 0, "\(flat.standardError)")
        #expect(
            !(try String(contentsOf: folder.appendingPathComponent("small.svg"), encoding: .utf8)).contains("log scale")
        )
    }

    /// On a real terminal (a pseudo-terminal made by `script`, 60 columns wide by `stty`), the width
    /// comes from TIOCGWINSZ: every redraw fits in 59 columns.
    @Test func progressBarFollowsTheTerminalWidth() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else {
            print("script(1) is not installed: skipping the pseudo-terminal check")
            return
        }
        let command = "stty cols 60; COLUMNS= '\(Executable.url.path)' train --dataset xor --layers 4 --epochs 300"
        let result = try Executable.run(["-qec", command, "/dev/null"], executable: "/usr/bin/script")
        #expect(result.status == 0, "\(result.standardError)")
        let redraws = result.standardOutput.split(separator: "\r")
            .map {
                $0.replacingOccurrences(of: "\u{1B}[K", with: "").split(separator: "\n").first.map(String.init) ?? ""
            }
            .filter { $0.hasPrefix("Epoch") }
        #expect(!redraws.isEmpty, "\(result.standardOutput)")
        #expect(redraws.allSatisfy { $0.count <= 59 } && redraws.contains { $0.count >= 55 }, "\(redraws.map(\.count))")
    }

    /// README's numpy function (between the `numpy-predict` markers) run on an exported archive
    /// gives what `nn predict` writes, for a classifier with a text column and for a regressor.
    @Test func readmeNumpyFunctionReproducesPredict() throws {
        guard ExportCommandTests.numpyAvailable else {
            print("numpy is not installed: skipping the README numpy check")
            return
        }
        let readme = try String(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("README.md"), encoding: .utf8)
        let start = try #require(readme.range(of: "<!-- numpy-predict -->\n```python\n"))
        let end = try #require(readme.range(of: "```\n<!-- /numpy-predict -->"))
        let function = String(readme[start.upperBound..<end.lowerBound])
        let folder = try temporaryFolder()
        var classes = "color,x1,x2,label\n", values = "x1,x2,y\n"
        var state: UInt64 = 5
        func next() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
        for index in 0..<80 {
            let a = next(), b = next(), color = ["red", "green", "blue"][index % 3]
            classes += "\(color),\(a),\(b),\(a + b + (color == "red" ? 0.3 : 0) > 1 ? "high" : "low")\n"
            values += "\(a),\(b),\(300 * a - 50 * b + 20)\n"
        }
        try classes.write(to: folder.appendingPathComponent("classes.csv"), atomically: true, encoding: .utf8)
        try values.write(to: folder.appendingPathComponent("values.csv"), atomically: true, encoding: .utf8)
        for (data, precision) in [("classes.csv", "double"), ("values.csv", "double")] {
            let stem = String(data.dropLast(4))
            for arguments in [
                ["train", "--data", data, "--epochs", "40", "--precision", precision, "--save", "\(stem).json", "-q"],
                ["export", "--model", "\(stem).json", "--output", "\(stem).npz"],
                ["predict", "--model", "\(stem).json", "--data", data, "--output", "\(stem)-predicted.csv"],
            ] {
                let result = try Executable.run(arguments, in: folder)
                #expect(result.status == 0, "\(arguments): \(result.standardError)")
            }
        }
        let script =
            function + """

                import sys
                for stem in ("classes", "values"):
                    ours = nn_predict(f"{stem}.npz", f"{stem}.csv")
                    rows = list(csv.reader(open(f"{stem}-predicted.csv")))[1:]
                    if stem == "classes":
                        assert list(ours) == [row[0] for row in rows], (list(ours), rows)
                    else:
                        expected = np.array([float(row[0]) for row in rows])
                        assert np.allclose(ours[:, 0], expected, rtol=1e-9, atol=1e-9), np.abs(ours[:, 0] - expected).max()
                print("ok")
                """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        process.currentDirectoryURL = folder
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0 && output.contains("ok"), "numpy: \(output)")
    }
}
