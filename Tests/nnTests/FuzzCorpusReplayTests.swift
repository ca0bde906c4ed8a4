import Foundation
import Testing

/// The fuzz targets, built normally, replay the committed seed corpus (Fuzz/Corpus/TARGET, which also
/// holds every input a fuzzing run crashed on): so the targets cannot rot, and under
/// `swift test --sanitize=address` the corpus runs through the readers with AddressSanitizer.
/// Fuzzing itself is `scripts/fuzz.sh`.
@Suite struct FuzzCorpusReplayTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/Corpus")

    @Test(arguments: ["CSV", "IDX", "NPY", "ModelFile", "Checkpoint"])
    func replaysTheCorpus(_ target: String) throws {
        let folder = Self.corpus.appendingPathComponent(target)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted().map {
            folder.appendingPathComponent($0).path
        }
        #expect(!files.isEmpty)
        let result = try Executable.run(files, executable: "Fuzz\(target)")
        #expect(result.status == 0 && !result.crashed, "\(result.standardError)")
        #expect(result.standardOutput.split(separator: "\n").count == files.count, "\(result.standardOutput)")
    }
}
