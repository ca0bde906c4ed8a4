import Foundation
import Network
import Tensor
import Testing

/// The example of the "Getting started" article (Sources/Network/Network.docc/GettingStarted.md), kept
/// here line for line (less its imports) so that it always compiles and runs; `articleMatches` fails
/// when the article's code block and the lines between the markers below differ.
@Suite struct GettingStartedArticleTests {
    // swift-format-ignore
    @Test func articleExample() throws {
        // --- article example begins ---
        // XOR, as the first notebook writes it: three inputs (the last a
        // constant 1), one output.
        let inputs: Matrix<Double> = [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]]
        let targets: Matrix<Double> = [[0], [1], [1], [0]]

        // np.random.seed(1); weights = 2 * np.random.rand(...) - 1
        var random = NumpyRandomState(seed: 1)
        let network = Sequential<Double>([
            Dense(inputSize: 3, outputSize: 4, bias: false, activation: .sigmoid,
                  weightInitializer: .uniform(low: -1, high: 1)),
            Dense(inputSize: 4, outputSize: 1, bias: false, activation: .sigmoid,
                  weightInitializer: .uniform(low: -1, high: 1)),
        ], generator: &random)

        let options = TrainingOptions(epochs: 60_000,
                                      metrics: [.meanAbsoluteError])
        let history = try network.fit(
            inputs, targets, loss: .halfSumSquaredError,
            optimizer: Optimizer(.sgd, learningRate: 1), options: options,
            random: &random)
        // 0.4964100319027254, as the notebook prints:
        print(history.metrics[.meanAbsoluteError]![0])

        // Save: one JSON file holds the layers, the weights, the loss and
        // anything you add.
        let folder = FileManager.default.temporaryDirectory
        let path = folder.appendingPathComponent("xor.json").path
        try network.save(to: path, loss: .halfSumSquaredError,
                         metadata: ["notebook": "000"])

        // Load: the file alone rebuilds the network, in either precision.
        let model = try ModelFile.read(from: path)
        let restored: Sequential<Double> = model.network()
        let predictions = try restored.predict(inputs)
        print(predictions)      // array([[0.0026057 ], [0.99672212], ...
        let classes = predictions.map { $0 > 0.5 ? 1 : 0 }
        print(classes.scalars)  // [0.0, 1.0, 1.0, 0.0]
        // --- article example ends ---
        #expect(Swift.abs(history.metrics[.meanAbsoluteError]![0] - 0.4964100319027255) < 1e-15)
        #expect(predictions == (try network.predict(inputs)), "the loaded network predicts what the trained one does")
        #expect(classes.scalars == [0, 1, 1, 0])
        #expect(model.metadata["notebook"] == "000")
        try? FileManager.default.removeItem(atPath: path)
    }

    @Test func articleMatches() throws {
        let source = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
        let lines = source.components(separatedBy: "\n")
        let begin = try #require(lines.firstIndex { $0.hasSuffix("// --- article example begins ---") })
        let end = try #require(lines.firstIndex { $0.hasSuffix("// --- article example ends ---") })
        let testCode = lines[(begin + 1)..<end].map { $0.hasPrefix("        ") ? String($0.dropFirst(8)) : $0 }

        let articleURL = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/Network/Network.docc/GettingStarted.md")
        let article = try String(contentsOf: articleURL, encoding: .utf8)
        // The article's second Swift block (the first is the Package.swift fragment), less its imports.
        let blocks = article.components(separatedBy: "```swift\n").dropFirst().map {
            $0.components(separatedBy: "```")[0]
        }
        try #require(blocks.count >= 2, "GettingStarted.md lost its example")
        var articleCode = blocks[1].components(separatedBy: "\n").filter { !$0.hasPrefix("import ") }
        while articleCode.first == "" { articleCode.removeFirst() }
        while articleCode.last == "" { articleCode.removeLast() }
        #expect(articleCode == Array(testCode), "GettingStarted.md and this test's example differ")
    }
}
