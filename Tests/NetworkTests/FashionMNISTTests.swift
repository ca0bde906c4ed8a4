import Foundation
import Network
import Tensor
import Testing

// A seeded small Fashion-MNIST run, when the data set is installed: 2,000 training images,
// 784-64-10 ReLU with softmax cross-entropy on logits, 3 epochs of Adam in mini-batches of 32,
// then accuracy above 0.7 on 1,000 test images. The gzip'd IDX files are decoded here with
// /bin/gzip (the library's IDX reader lives in another module).

let fashionDirectory = "/usr/share/datasets/fashion-mnist"

/// The decompressed bytes of a gzip file.
func gunzip(_ path: String) throws -> Data {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/gzip")
    process.arguments = ["-dc", path]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw CocoaError(.fileReadCorruptFile) }
    return data
}

/// The first `count` images (scaled to [0, 1], one a row) and one-hot labels of an IDX pair.
func fashionSamples(images: String, labels: String, count: Int) throws -> (Matrix<Float>, Matrix<Float>, [Int]) {
    let imageBytes = try gunzip("\(fashionDirectory)/\(images)")
    let labelBytes = try gunzip("\(fashionDirectory)/\(labels)")
    // IDX headers: magic 0x00000803 and three sizes for images, 0x00000801 and one size for labels.
    #expect(Array(imageBytes.prefix(4)) == [0, 0, 8, 3] && Array(labelBytes.prefix(4)) == [0, 0, 8, 1])
    let pixels = imageBytes.dropFirst(16).prefix(count * 784).map { Float($0) / 255 }
    let classes = labelBytes.dropFirst(8).prefix(count).map { Int($0) }
    return (Matrix(rows: count, columns: 784, scalars: Array(pixels)), oneHot(classes, classes: 10), classes)
}

@Suite("Fashion-MNIST")
struct FashionMNISTTests {
    @Test(
        "2,000 samples, 784-64-10 ReLU, 3 epochs: test accuracy > 0.7",
        .enabled(
            if: FileManager.default.fileExists(atPath: "\(fashionDirectory)/t10k-labels-idx1-ubyte.gz"),
            "Fashion-MNIST is not installed"))
    func smallRun() throws {
        let (trainInputs, trainTargets, _) = try fashionSamples(
            images: "train-images-idx3-ubyte.gz", labels: "train-labels-idx1-ubyte.gz", count: 2000)
        let (testInputs, testTargets, testLabels) = try fashionSamples(
            images: "t10k-images-idx3-ubyte.gz", labels: "t10k-labels-idx1-ubyte.gz", count: 1000)
        let network = Sequential<Float>(
            [
                Dense(inputSize: 784, outputSize: 64, activation: .relu, weightInitializer: .heUniform),
                Dense(inputSize: 64, outputSize: 10, activation: .identity),
            ], seed: 42)
        var random = NumpyRandomState(seed: 42)
        let history = try network.fit(
            trainInputs, trainTargets, loss: .softmaxCrossEntropy, optimizer: Optimizer(.adam, learningRate: 1e-3),
            options: TrainingOptions(epochs: 3, batchSize: 32, metrics: [.accuracy]), random: &random)
        #expect(history.loss[2] < history.loss[0])
        let evaluation = try network.evaluate(testInputs, testTargets, loss: .softmaxCrossEntropy, metrics: [.accuracy])
        let accuracy = evaluation.metrics[.accuracy]!
        #expect(accuracy > 0.7, "test accuracy \(accuracy), loss \(evaluation.loss)")
        // The metric agrees with the arg-max of the predictions.
        let outputs = try network.predict(testInputs)
        let correct = (0..<1000).filter { row in
            let scores = (0..<10).map { outputs[row, $0] }
            return scores.firstIndex(of: scores.max()!) == testLabels[row]
        }.count
        #expect(Double(correct) / 1000 == accuracy)
    }
}
