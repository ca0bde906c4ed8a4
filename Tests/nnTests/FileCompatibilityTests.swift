import Foundation
import Testing

/// Files written by nn 0.3.0, before saved layers carried settings and named arrays
/// (`Fixtures/compat-0.3.0`, with the commands that wrote them): the current build reads the
/// model and gives the same probabilities and description, and resumes the checkpoint to the
/// same model as 0.3.0 did.
@Suite struct FileCompatibilityTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/compat-0.3.0")

    static func fixture(_ name: String) -> String { folder.appendingPathComponent(name).path }

    static func text(_ name: String) throws -> String { try String(contentsOfFile: fixture(name), encoding: .utf8) }

    @Test("a 0.3.0 model file predicts as 0.3.0 did, and nn info describes it as 0.3.0 did")
    func modelFile() throws {
        let folder = try temporaryFolder()
        let output = folder.appendingPathComponent("probabilities.csv").path
        let predicted = try Executable.run([
            "predict", "--model", Self.fixture("model-v2-0.3.0.nn"), "--data", Self.fixture("old.csv"),
            "--probabilities", "--output", output,
        ])
        #expect(predicted.status == 0, "\(predicted.standardError)")
        #expect(try String(contentsOfFile: output, encoding: .utf8) == Self.text("probabilities.csv"))
        let info = try Executable.run(["info", "--model", "model-v2-0.3.0.nn"], in: Self.folder)
        #expect(info.status == 0, "\(info.standardError)")
        #expect(info.standardOutput == (try Self.text("info.txt")))
    }

    @Test("a 0.3.0 checkpoint resumes to the model 0.3.0 resumed it to")
    func checkpoint() throws {
        let folder = try temporaryFolder()
        let checkpoint = folder.appendingPathComponent("ck.tmp").path
        try FileManager.default.copyItem(atPath: Self.fixture("checkpoint-v3-0.3.0.nnckpt"), toPath: checkpoint)
        let model = folder.appendingPathComponent("resumed.nn").path
        let trained = try Executable.run([
            "train", "--data", Self.fixture("old.csv"), "--target", "label", "--resume", checkpoint, "--epochs", "5",
            "--save", model,
        ])
        #expect(trained.status == 0, "\(trained.standardError)")
        let output = folder.appendingPathComponent("resumed-probabilities.csv").path
        let predicted = try Executable.run([
            "predict", "--model", model, "--data", Self.fixture("old.csv"), "--probabilities", "--output", output,
        ])
        #expect(predicted.status == 0, "\(predicted.standardError)")
        #expect(try String(contentsOfFile: output, encoding: .utf8) == Self.text("resumed-probabilities.csv"))
    }
}

/// A model with a date column written by nn 0.5.0 (`Fixtures/compat-0.5.0`, with the commands that
/// wrote it), before model files stored a date column's inputs: the current build reads the column
/// as 0.5.0 did (year, day of year, day of week) and predicts what 0.5.0 predicted.
@Suite struct DateColumnCompatibilityTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/compat-0.5.0")

    @Test func aDateModelOf050PredictsAs050Did() throws {
        let folder = try temporaryFolder()
        let output = folder.appendingPathComponent("predictions.csv").path
        let predicted = try Executable.run(
            ["predict", "--model", "dates-0.5.0.safetensors", "--data", "new.csv", "--output", output], in: Self.folder)
        #expect(predicted.status == 0, "\(predicted.standardError)")
        let expected = try String(contentsOf: Self.folder.appendingPathComponent("predictions.csv"), encoding: .utf8)
        #expect(try String(contentsOfFile: output, encoding: .utf8) == expected)
        let info = try Executable.run(["info", "--model", "dates-0.5.0.safetensors"], in: Self.folder)
        #expect(
            info.standardOutput.contains(
                "features (5): day.year, day.day-of-year-sin, day.day-of-year-cos, day.day-of-week, x")
                && info.standardOutput.contains(
                    "(day: date as year, day of year (sine), day of year (cosine), day of week)"),
            "\(info.standardOutput)")
    }
}
