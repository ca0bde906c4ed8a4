import Foundation
import Network
import Tensor
import TensorIO
import TestSupport
import Testing

/// The "Training on your own data" article (Sources/Network/Network.docc/TrainingOnYourOwnData.md): its
/// code blocks, joined in order, run here on a small generated iris-like CSV. `articleMatches` fails when
/// the article's code and the lines between the markers differ (file names in the article are written
/// `path("name")` here, so that the files live in a temporary folder).
@Suite struct TrainingArticleTests {
    /// Writes `iris.csv` (60 samples of 4 features, 3 well-separated classes, in mixed order, with a
    /// header and a text label) and `new-flowers.csv` (3 unlabelled samples) into a new folder.
    static func makeData() throws -> URL {
        let folder = testTemporaryDirectory.appendingPathComponent("training-article-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let species = ["setosa", "versicolor", "virginica"]
        var random = NumpyRandomState(seed: 7)
        var lines = ["sepal_length,sepal_width,petal_length,petal_width,species"]
        for sample in random.permutation(60) {
            let kind = sample % 3
            let features = (0..<4).map { feature in
                Double(kind * 2 + feature) + 0.3 * random.standardNormal()
            }
            lines.append(features.map { String(format: "%.3f", $0) }.joined(separator: ",") + "," + species[kind])
        }
        try (lines.joined(separator: "\n") + "\n").write(
            to: folder.appendingPathComponent("iris.csv"), atomically: true, encoding: .utf8)
        let newRows = "sepal_length,sepal_width,petal_length,petal_width\n0,1,2,3\n2,3,4,5\n4,5,6,7\n"
        try newRows.write(to: folder.appendingPathComponent("new-flowers.csv"), atomically: true, encoding: .utf8)
        return folder
    }

    // swift-format-ignore
    @Test func articleExample() throws {
        let folder = try Self.makeData()
        defer { try? FileManager.default.removeItem(at: folder) }
        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

        // --- article example begins ---
        let data = try readCSV(from: path("iris.csv"), as: Float.self,
                               options: CSVReadOptions(targetColumn: "species"))
        // ["setosa", "versicolor", "virginica"]
        let classNames = data.labelEncoding!.classNames
        let classIndices = data.classIndices!   // [0, 2, 1, ...]

        let targets = oneHot(classIndices: classIndices,
                             classCount: classNames.count, as: Float.self)

        let samples = data.features.rows
        let trainingCount = Int((Double(samples) * 0.8).rounded(.down))
        let trainingRows = data.features.rows(0..<trainingCount)
        let transform = ModelFile.InputTransform.standardizing(trainingRows)
        let inputs = transform.apply(to: data.features)

        var random = NumpyRandomState(seed: 0)
        let network = Sequential<Float>([
            Dense(inputSize: inputs.columns, outputSize: 16,
                  activation: .relu, weightInitializer: .heNormal),
            // Logits: the identity activation, for softmax cross-entropy.
            Dense(inputSize: 16, outputSize: classNames.count),
        ], generator: &random)

        let optimizer = Optimizer<Float>(
            .sgd(momentum: 0.9, nesterov: false), learningRate: 0.05,
            schedule: .exponential(decay: 0.9))
        let options = TrainingOptions(
            epochs: 100, batchSize: 16, metrics: [.accuracy],
            validationSplit: 0.2, earlyStoppingPatience: 10)
        let history = try network.fit(
            inputs, targets, loss: .softmaxCrossEntropy, optimizer: optimizer,
            options: options, random: &random)
        print(history.validationMetrics[.accuracy]!.last!)

        let test = try network.evaluate(
            inputs.rows(trainingCount..<samples),
            targets.rows(trainingCount..<samples),
            loss: .softmaxCrossEntropy, metrics: [.accuracy])
        print(test.loss, test.metrics[.accuracy]!)

        try network.save(
            to: path("iris.safetensors"), loss: .softmaxCrossEntropy, classNames: classNames,
            inputTransform: transform, featureNames: data.featureNames)

        // Later, or in another program (this is what nn predict does):
        let model = try ModelFile.read(from: path("iris.safetensors"))
        let restored = model.network(as: Float.self)
        let newRows = try readCSVMatrix(from: path("new-flowers.csv"), as: Float.self)
        let scaled = model.inputTransform?.apply(to: newRows) ?? newRows
        let outputs = try restored.predict(scaled)
        let predicted = model.loss.classIndices(
            fromOutputs: outputs, finalActivation: restored.finalActivation)
        print(predicted.map { model.classNames![$0] })
        // --- article example ends ---

        #expect(classNames == ["setosa", "versicolor", "virginica"])
        #expect(history.validationMetrics[.accuracy]!.last! >= 0.9, "the article's network learns the generated data")
        #expect(test.metrics[.accuracy]! >= 0.9)
        #expect(predicted == [0, 1, 2], "the new rows sit at the three classes' centres")
    }

    @Test func articleMatches() throws {
        let source = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
        let lines = source.components(separatedBy: "\n")
        let begin = try #require(lines.firstIndex { $0.hasSuffix("// --- article example begins ---") })
        let end = try #require(lines.firstIndex { $0.hasSuffix("// --- article example ends ---") })
        let testCode = lines[(begin + 1)..<end]
            .map { $0.hasPrefix("        ") ? String($0.dropFirst(8)) : $0 }
            .map { $0.replacing(/path\("([^"]+)"\)/) { "\"\($0.1)\"" } }

        let articleURL = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/Network/Network.docc/TrainingOnYourOwnData.md")
        let article = try String(contentsOf: articleURL, encoding: .utf8)
        // Every Swift block, less its imports, one blank line between blocks.
        var articleCode: [String] = []
        for block in article.components(separatedBy: "```swift\n").dropFirst() {
            let code = block.components(separatedBy: "```")[0].components(separatedBy: "\n")
            articleCode += code.filter { !$0.hasPrefix("import ") }.dropLast() + [""]
        }
        while articleCode.first == "" { articleCode.removeFirst() }
        while articleCode.last == "" { articleCode.removeLast() }
        #expect(articleCode == Array(testCode), "TrainingOnYourOwnData.md and this test's example differ")
    }
}
