import Foundation
import Network
import Tensor
import TensorIO
import Testing

/// The "A convolutional network on Fashion-MNIST" article
/// (Sources/Network/Network.docc/ConvolutionalNetwork.md): its code is copied here line for line (less
/// its imports), so that it always compiles; `articleMatches` fails when the two differ. Training five
/// epochs on 60,000 images takes minutes, so `articleExample` runs only with NN_FASHION_ARTICLE=1 and
/// the dataset installed (BENCHMARKS.md has its figures).
@Suite struct ConvolutionalArticleTests {
    static var runs: Bool {
        ProcessInfo.processInfo.environment["NN_FASHION_ARTICLE"] == "1"
            && FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz")
    }

    // swift-format-ignore
    @Test(.enabled(if: runs)) func articleExample() throws {
        // --- article example begins ---
        let folder = "/usr/share/datasets/fashion-mnist"
        let images: Matrix<Float> = try readIDXImages(
            from: "\(folder)/train-images-idx3-ubyte.gz", as: Float.self)
        let labels = try readIDXLabels(from: "\(folder)/train-labels-idx1-ubyte.gz")
        let testImages: Matrix<Float> = try readIDXImages(
            from: "\(folder)/t10k-images-idx3-ubyte.gz", as: Float.self)
        let testLabels = try readIDXLabels(from: "\(folder)/t10k-labels-idx1-ubyte.gz")

        var random = NumpyRandomState(seed: 0)
        let network = Sequential<Float>([
            try Conv2D<Float>(inputShape: (1, 28, 28), filters: 32, kernelSize: 3,
                              padding: .same, activation: .relu, weightInitializer: .heUniform),
            try MaxPool2D<Float>(inputShape: (32, 28, 28), poolSize: 2),
            try Conv2D<Float>(inputShape: (32, 14, 14), filters: 64, kernelSize: 3,
                              padding: .same, activation: .relu, weightInitializer: .heUniform),
            try MaxPool2D<Float>(inputShape: (64, 14, 14), poolSize: 2),
            Dense<Float>(inputSize: 3136, outputSize: 128, activation: .relu,
                         weightInitializer: .heUniform),
            try Dropout<Float>(rate: 0.5),
            Dense<Float>(inputSize: 128, outputSize: 10),
        ], generator: &random)
        print(network.summary())

        func oneHot(_ labels: [Int]) -> Matrix<Float> {
            var targets = Matrix<Float>.zeros(rows: labels.count, columns: 10)
            for (row, label) in labels.enumerated() { targets[row, label] = 1 }
            return targets
        }

        try network.fit(images, oneHot(labels), loss: .softmaxCrossEntropy,
                        optimizer: Optimizer(.adam, learningRate: 1e-3),
                        options: TrainingOptions(epochs: 5, batchSize: 128,
                                                 progress: ProgressPrinter()),
                        random: &random)
        let test = try network.evaluate(testImages, oneHot(testLabels),
                                        loss: .softmaxCrossEntropy, metrics: [.accuracy])
        print("test accuracy:", test.metrics[.accuracy]!)
        try network.save(to: "fashion-cnn.nn")
        // --- article example ends ---
        #expect(test.metrics[.accuracy]! >= 0.88)
    }

    @Test func articleMatches() throws {
        let source = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
        let lines = source.components(separatedBy: "\n")
        let begin = try #require(lines.firstIndex { $0.hasSuffix("// --- article example begins ---") })
        let end = try #require(lines.firstIndex { $0.hasSuffix("// --- article example ends ---") })
        let testCode = lines[(begin + 1)..<end].map { $0.hasPrefix("        ") ? String($0.dropFirst(8)) : $0 }
        let articleURL = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/Network/Network.docc/ConvolutionalNetwork.md")
        let article = try String(contentsOf: articleURL, encoding: .utf8)
        let block = try #require(article.components(separatedBy: "```swift\n").dropFirst().first)
        let articleCode = block.components(separatedBy: "```")[0].components(separatedBy: "\n")
            .filter { !$0.hasPrefix("import ") }
        let trimmed = Array(articleCode.drop { $0.isEmpty }.reversed().drop { $0.isEmpty }.reversed())
        #expect(trimmed == testCode, "the article's code and the test's differ")
    }
}
