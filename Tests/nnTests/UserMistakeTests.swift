import Foundation
import Testing

// Realistic mistakes a user makes with `nn`, each of which once ended in a crash, a destroyed file, a
// long run thrown away, or a silent wrong answer: now each ends in one clear message (exit 1, or 64
// for a command line refused before any work) or in the right interpretation of the data.

/// Runs `nn` and checks that it refused the command line: status 64, no signal, a message mentioning `mentions`.
private func expectUsageError(
    _ arguments: [String], in folder: URL, mentions: [String], sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let result = try Executable.run(arguments, in: folder)
    #expect(
        !result.crashed && result.status == 64, "\(arguments): status \(result.status): \(result.standardError)",
        sourceLocation: sourceLocation)
    for text in mentions {
        #expect(
            result.standardError.contains(text), "\(arguments): '\(text)' not in \(result.standardError)",
            sourceLocation: sourceLocation)
    }
}

@Suite struct UserMistakeTests {
    @Test func semicolonSeparatedFileHasNoFeatureColumns() throws {
        let folder = try catalogFolder()
        try "a;b;y\n1;2;1\n3;4;0\n".write(
            to: folder.appendingPathComponent("semi.csv"), atomically: true, encoding: .utf8)
        try expectCleanFailure(
            ["train", "--data", "semi.csv"], in: folder,
            mentions: ["semi.csv", "no feature columns", "--delimiter ';'"])
        try "label\nx\ny\n".write(to: folder.appendingPathComponent("only.csv"), atomically: true, encoding: .utf8)
        try expectCleanFailure(
            ["train", "--data", "only.csv"], in: folder, mentions: ["only.csv", "no feature columns"])
    }

    @Test func delimiterAndHeaderOptionsReadWhatAutoDetectionCannot() throws {
        let folder = try catalogFolder()
        try "a;b;y\n0.1;0.2;x\n0.9;0.8;y\n0.2;0.1;x\n0.8;0.9;y\n".write(
            to: folder.appendingPathComponent("semi.csv"), atomically: true, encoding: .utf8)
        let semi = try Executable.run(
            ["train", "--data", "semi.csv", "--delimiter", ";", "--layers", "3", "--epochs", "2"], in: folder)
        #expect(
            semi.status == 0 && semi.standardOutput.contains("2-3(relu)-1")
                && semi.standardOutput.contains("4 samples"),
            "\(semi.standardOutput) \(semi.standardError)")
        try "a\tb\ty\n0.1\t0.2\tx\n0.9\t0.8\ty\n".write(
            to: folder.appendingPathComponent("tabs.csv"), atomically: true, encoding: .utf8)
        // A tab as `tab` in any case, or as pandas writes it, `\t` (a backslash and a t from the shell).
        for spelling in ["tab", "TAB", "\\t"] {
            let tabs = try Executable.run(
                ["train", "--data", "tabs.csv", "--delimiter", spelling, "--layers", "3", "--epochs", "2"], in: folder)
            #expect(
                tabs.status == 0 && tabs.standardOutput.contains("2 samples"),
                "\(spelling): \(tabs.standardOutput) \(tabs.standardError)")
        }
        let twoCharacters = try Executable.run(
            ["train", "--data", "tabs.csv", "--delimiter", "\\n", "--layers", "3", "--epochs", "2"], in: folder)
        #expect(twoCharacters.status == 64, "\(twoCharacters.standardError)")
        // pandas' default header for unnamed columns is numeric: detection reads it as data, --header yes does not.
        try "0,1,2\n0.1,0.2,0\n0.9,0.8,1\n0.2,0.1,0\n".write(
            to: folder.appendingPathComponent("numeric.csv"), atomically: true, encoding: .utf8)
        let detected = try Executable.run(
            ["train", "--data", "numeric.csv", "--layers", "3", "--epochs", "2"], in: folder)
        let declared = try Executable.run(
            ["train", "--data", "numeric.csv", "--header", "yes", "--layers", "3", "--epochs", "2"], in: folder)
        #expect(
            detected.standardOutput.contains("4 samples") && declared.standardOutput.contains("3 samples"),
            "\(detected.standardOutput) | \(declared.standardOutput)")
        try expectUsageError(
            ["train", "--data", "semi.csv", "--delimiter", ";;"], in: folder, mentions: ["--delimiter"])
    }

    @Test func aCheckpointIsNotAModelFile() throws {
        let folder = try catalogFolder()
        try writeCatalogCheckpoint(in: folder)
        try expectCleanFailure(
            ["info", "--model", "run.safetensors"], in: folder,
            mentions: ["run.safetensors", "training checkpoint", "--resume"])
        try expectCleanFailure(
            ["predict", "--model", "run.safetensors", "--data", "good.csv", "--target", "label"], in: folder,
            mentions: ["run.safetensors", "training checkpoint"])
    }

    @Test func emptyLabelIsMissingNotAClass() throws {
        let folder = try catalogFolder()
        try "f1,f2,label\n0.1,0.2,x\n0.9,0.8,\n0.2,0.1,y\n".write(
            to: folder.appendingPathComponent("gap.csv"), atomically: true, encoding: .utf8)
        try expectCleanFailure(
            ["train", "--data", "gap.csv", "--missing", "error"], in: folder,
            mentions: ["gap.csv line 3", "target column 'label' has no value", "--missing error"])
        // By default the row is dropped with a note, and 'label' keeps its two classes.
        let dropped = try Executable.run(["train", "--data", "gap.csv", "--epochs", "1"], in: folder)
        #expect(
            dropped.status == 0 && dropped.standardError.contains("note: dropped 1 row without a target value")
                && dropped.standardOutput.contains("2 classes: x, y"),
            "\(dropped.standardOutput) \(dropped.standardError)")
    }

    @Test func optionsThatAResumedRunCannotHonour() throws {
        let folder = try catalogFolder()
        try writeCatalogCheckpoint(in: folder)
        try expectCleanFailure(
            [
                "train", "--data", "good.csv", "--resume", "run.safetensors", "--layers", "7,7", "--loss", "mse",
                "--epochs",
                "3",
            ],
            in: folder, mentions: ["--layers 7,7 (the checkpoint has 2)", "--loss mse", "resumed run keeps"], status: 64
        )
        // Repeating the original options is fine.
        let repeated = try Executable.run(
            [
                "train", "--data", "good.csv", "--resume", "run.safetensors", "--layers", "2", "--epochs", "2",
                "--quiet",
            ],
            in: folder)
        #expect(repeated.status == 0, "\(repeated.standardError)")
        try expectUsageError(
            ["train", "--data", "good.csv", "--checkpoint", "c.safetensors", "--epochs", "1"], in: folder,
            mentions: ["add --checkpoint-every"])
    }

    @Test func regressionModelOnClassLabels() throws {
        let folder = try catalogFolder()
        try "f1,f2,value\n0.1,0.2,1.5\n0.9,0.8,2.5\n0.2,0.1,0.5\n".write(
            to: folder.appendingPathComponent("values.csv"), atomically: true, encoding: .utf8)
        let trained = try Executable.run(
            [
                "train", "--data", "values.csv", "--layers", "2", "--epochs", "2", "--save", "regressor.safetensors",
                "--quiet",
            ],
            in: folder)
        #expect(trained.status == 0, "\(trained.standardError)")
        try expectCleanFailure(
            ["evaluate", "--model", "regressor.safetensors", "--data", "good.csv"], in: folder,
            mentions: ["good.csv", "class labels", "regression model"])
    }

    @Test func predictTakesFeaturesByTheNamesTheModelWasTrainedOn() throws {
        let folder = try catalogFolder()
        // The same samples as good.csv with the features swapped and an extra column in front.
        try "id,f2,f1,label\n7,0.2,0.1,x\n8,0.8,0.9,y\n9,0.1,0.2,x\n10,0.9,0.8,y\n".write(
            to: folder.appendingPathComponent("shuffled.csv"), atomically: true, encoding: .utf8)
        let info = try Executable.run(["info", "--model", "model.safetensors"], in: folder)
        #expect(info.standardOutput.contains("features (2): f1, f2"), "\(info.standardOutput)")
        let straight = try Executable.run(
            ["predict", "--model", "model.safetensors", "--data", "good.csv", "--target", "label", "--probabilities"],
            in: folder)
        let shuffled = try Executable.run(
            [
                "predict", "--model", "model.safetensors", "--data", "shuffled.csv", "--target", "label",
                "--probabilities",
            ],
            in: folder)
        #expect(straight.status == 0 && shuffled.status == 0, "\(straight.standardError) \(shuffled.standardError)")
        #expect(
            !straight.standardOutput.isEmpty && straight.standardOutput == shuffled.standardOutput,
            "\(straight.standardOutput) vs \(shuffled.standardOutput)")
        // A file without one of the names says which.
        try "f1,g,label\n0.1,0.2,x\n".write(
            to: folder.appendingPathComponent("renamed.csv"), atomically: true, encoding: .utf8)
        try expectCleanFailure(
            ["predict", "--model", "model.safetensors", "--data", "renamed.csv", "--target", "label"], in: folder,
            mentions: ["renamed.csv", "f2"])
    }

    @Test func validationSplitOfOneSample() throws {
        let folder = try catalogFolder()
        try "f1,f2,label\n0.1,0.2,x\n".write(
            to: folder.appendingPathComponent("one.csv"), atomically: true, encoding: .utf8)
        try expectCleanFailure(
            ["train", "--data", "one.csv", "--validation-split", "0.5"], in: folder,
            mentions: ["at least 2 samples", "one.csv"])
    }

    @Test func initializersThatCannotDraw() throws {
        let folder = try catalogFolder()
        for bad in [
            "normal:0,-1", "normal:0,0", "uniform:1,1", "uniform:-1e308,1e308", "constant:1e300", "constant:nan",
        ] {
            try expectUsageError(
                ["train", "--data", "good.csv", "--init", bad, "--epochs", "1"], in: folder, mentions: ["--init"])
        }
    }

    @Test func sizesBeyondMemoryOrIntegerRange() throws {
        let folder = try catalogFolder()
        for layers in ["100000000000", "9223372036854775807", "3000000,3000000"] {
            try expectCleanFailure(
                ["train", "--data", "good.csv", "--layers", layers, "--epochs", "1"], in: folder,
                mentions: ["--layers", "parameters"])
        }
        for epochs in ["1000000000000", "9223372036854775807"] {
            try expectUsageError(
                ["train", "--data", "good.csv", "--epochs", epochs], in: folder, mentions: ["--epochs must be at most"])
        }
    }

    @Test func outputsThatWouldDestroyAnInput() throws {
        let folder = try catalogFolder()
        let data = try bytes("good.csv", in: folder), model = try bytes("model.safetensors", in: folder)
        try expectCleanFailure(
            ["train", "--data", "good.csv", "--save", "good.csv"], in: folder, mentions: ["--save good.csv", "--data"])
        try expectCleanFailure(
            ["train", "--data", "./good.csv", "--history", "good.csv"], in: folder, mentions: ["--history", "--data"])
        try expectCleanFailure(
            [
                "predict", "--model", "model.safetensors", "--data", "good.csv", "--target", "label", "--output",
                "good.csv",
            ],
            in: folder, mentions: ["--output good.csv", "--data"])
        let first = try Executable.run(["export", "--model", "model.safetensors", "--output", "m.npz"], in: folder)
        #expect(first.status == 0, "\(first.standardError)")
        let archive = try bytes("m.npz", in: folder)
        try expectCleanFailure(
            ["export", "--model", "m.npz", "--output", "m.npz"], in: folder, mentions: ["--output m.npz", "--model"])
        #expect(
            try bytes("good.csv", in: folder) == data && bytes("model.safetensors", in: folder) == model
                && bytes("m.npz", in: folder) == archive)
    }

    @Test func outputFolderThatDoesNotExistIsFoundBeforeTraining() throws {
        let folder = try catalogFolder()
        // 10,000 epochs would take a while: the error must come before them.
        let started = Date()
        try expectCleanFailure(
            ["train", "--data", "good.csv", "--epochs", "10000", "--save", "missing/dir/m.safetensors"], in: folder,
            mentions: ["missing/dir/m.safetensors", "does not exist"])
        #expect(Date().timeIntervalSince(started) < 5)
    }

    @Test func exportNeverDeletesWhatIsAtItsOutput() throws {
        let folder = try catalogFolder()
        // A folder named like the archive keeps its contents.
        let directory = folder.appendingPathComponent("p.npz")
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try "notes".write(to: directory.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        try expectCleanFailure(
            ["export", "--model", "model.safetensors", "--output", "p.npz"], in: folder, mentions: ["p.npz", "folder"])
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("notes.txt").path))
        // A symbolic link is followed: the file it names is replaced and the link stays.
        let target = folder.appendingPathComponent("real.npz")
        try Data("old".utf8).write(to: target)
        try FileManager.default.createSymbolicLink(
            atPath: folder.appendingPathComponent("link.npz").path, withDestinationPath: target.path)
        let exported = try Executable.run(
            ["export", "--model", "model.safetensors", "--output", "link.npz"], in: folder)
        #expect(exported.status == 0, "\(exported.standardError)")
        #expect(
            try FileManager.default.destinationOfSymbolicLink(atPath: folder.appendingPathComponent("link.npz").path)
                == target.path)
        #expect(try Data(contentsOf: target).prefix(2) == Data("PK".utf8))
        // No temporary file is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).allSatisfy { !$0.hasSuffix(".tmp") })
    }

    @Test func binaryCrossEntropyNeedsProbabilities() throws {
        let folder = try catalogFolder()
        for activation in ["identity", "relu", "tanh"] {
            try expectCleanFailure(
                ["train", "--data", "good.csv", "--loss", "bce", "--output-activation", activation, "--epochs", "1"],
                in: folder, mentions: ["--loss bce", activation], status: 64)
        }
    }

    @Test func oneDimensionalArraysAreSamplesOfOneFeature() throws {
        let folder = try catalogFolder()
        try writeNPY(
            rows: 1, columns: 6, values: [0, 1, 2, 3, 4, 5], to: folder.appendingPathComponent("x.npy"),
            oneDimensional: true)
        try writeNPY(
            rows: 1, columns: 6, values: [0, 0, 0, 1, 1, 1], to: folder.appendingPathComponent("y.npy"),
            oneDimensional: true)
        let result = try Executable.run(
            ["train", "--data", "x.npy", "--targets-file", "y.npy", "--layers", "3", "--epochs", "2"], in: folder)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(
            result.standardOutput.contains("1-3(relu)-1") && result.standardOutput.contains("6 samples"),
            "\(result.standardOutput)")
    }
}
