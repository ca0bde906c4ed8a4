import Foundation
import Testing

/// `nn train` and `nn evaluate` on a small slice of Fashion-MNIST; skipped when the data set is absent.
@Suite struct FashionMNISTCommandTests {
    static let installed = FileManager.default.fileExists(
        atPath: "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")

    @Test(.enabled(if: installed, "Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)"))
    func trainsOnASubset() throws {
        let folder = try temporaryFolder()
        let trained = try Executable.run(
            [
                "train", "--dataset", "fashion-mnist", "--limit", "2000", "--layers", "64", "--epochs", "3", "--save",
                "f.safetensors",
            ],
            in: folder)
        #expect(trained.status == 0, "\(trained.standardError)")
        let accuracy =
            Double(value(after: "test accuracy: ", in: trained.standardOutput)?.split(separator: " ").first ?? "") ?? 0
        #expect(accuracy > 0.65)
        let evaluated = try Executable.run(
            ["evaluate", "--model", "f.safetensors", "--dataset", "fashion-mnist", "--limit", "1000"], in: folder)
        #expect(evaluated.status == 0, "\(evaluated.standardError)")
        #expect(evaluated.standardOutput.contains("Ankle boot"))
        #expect(evaluated.standardOutput.contains("fashion-mnist test set: 1000 samples"))
    }
}
