// train-bench cnn: epochs of the convolutional network on Fashion-MNIST (conv 32 3×3 same
// relu, max pool 2, conv 64 3×3 same relu, max pool 2, dense 128 relu, dropout 0.5, dense 10;
// Adam 1e-3, batch 128), the test accuracy after them, and the floor: the epoch's im2col passes
// and matrix products called raw on the same shapes.
import ArgumentParser
import Foundation
import Network
import Tensor
import TensorIO

struct ConvolutionBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cnn",
        abstract: "Time epochs of the Fashion-MNIST convolutional network and their im2col-and-product floor.")

    @Option(help: "OpenBLAS thread counts to run with, comma-separated (default: 1,2).")
    var threads: String = "1,2"

    @Option(help: "Epochs to train for each thread count (all are timed; accuracy is after the last).")
    var epochs = 5

    @Option(help: "Train on the first N training images only (default: all 60,000).")
    var samples: Int?

    @Option(help: "The folder holding the Fashion-MNIST IDX files.")
    var dataset = "/usr/share/datasets/fashion-mnist"

    @Option(help: "Write the results as JSON to this file.")
    var json: String?

    @Flag(inversion: .prefixedNo, help: "Time the floor beside each epoch (--no-floor for an accuracy run).")
    var floor = true

    func run() throws {
        let threadCounts = threads.split(separator: ",").compactMap { Int($0) }
        var trainImages: Matrix<Float> = try readIDXImages(
            from: "\(dataset)/train-images-idx3-ubyte.gz", as: Float.self)
        var trainLabels = try readIDXLabels(from: "\(dataset)/train-labels-idx1-ubyte.gz")
        if let samples, samples < trainImages.rows {
            trainImages = trainImages[0..<samples, 0...]
            trainLabels = Array(trainLabels.prefix(samples))
        }
        let testImages: Matrix<Float> = try readIDXImages(from: "\(dataset)/t10k-images-idx3-ubyte.gz", as: Float.self)
        let testLabels = try readIDXLabels(from: "\(dataset)/t10k-labels-idx1-ubyte.gz")
        // readIDXImages scales the pixels to [0, 1], as torchvision's ToTensor does.
        let scaledTest = testImages
        print(
            "cnn: OpenBLAS \(BLASLibrary.coreName) kernels, \(Processor.current.usableCoreCount) usable cores, \(trainImages.rows) training images"
        )
        var records: [Record] = []
        for threadCount in threadCounts {
            BLASLibrary.threadCount = threadCount
            var random = NumpyRandomState(seed: 0)
            let network = Sequential<Float>(
                [
                    try Conv2D<Float>(
                        inputShape: (1, 28, 28), filters: 32, kernelSize: 3, padding: .same, activation: .relu,
                        weightInitializer: .heUniform),
                    try MaxPool2D<Float>(inputShape: (32, 28, 28), poolSize: 2),
                    try Conv2D<Float>(
                        inputShape: (32, 14, 14), filters: 64, kernelSize: 3, padding: .same, activation: .relu,
                        weightInitializer: .heUniform),
                    try MaxPool2D<Float>(inputShape: (64, 14, 14), poolSize: 2),
                    Dense<Float>(inputSize: 3136, outputSize: 128, activation: .relu, weightInitializer: .heUniform),
                    try Dropout<Float>(rate: 0.5),
                    Dense<Float>(inputSize: 128, outputSize: 10),
                ], generator: &random)
            let optimizer = Optimizer<Float>(.adam, learningRate: 1e-3)
            let targets = oneHot(trainLabels)
            let floorEpoch = floor ? ConvolutionFloor(samples: trainImages.rows) : nil
            var times: [Double] = [], floorTimes: [Double] = []
            for epoch in 0..<epochs {
                var started = now()
                floorEpoch?.run()
                floorTimes.append(floor ? now() - started : .nan)
                started = now()
                try network.fit(
                    trainImages, targets, loss: .softmaxCrossEntropy, optimizer: optimizer,
                    options: TrainingOptions(epochs: 1, batchSize: 128, initialEpoch: epoch), random: &random)
                times.append(now() - started)
                print(
                    String(
                        format: "  %d thread(s) epoch %d: %.2f s (floor %.2f s)", threadCount, epoch + 1, times.last!,
                        floorTimes.last!))
            }
            let accuracy = try network.evaluate(
                scaledTest, oneHot(testLabels), loss: .softmaxCrossEntropy, metrics: [.accuracy]
            ).metrics[.accuracy]!
            let steady = times.count > 1 ? Array(times.dropFirst()) : times
            let steadyFloor = floorTimes.count > 1 ? Array(floorTimes.dropFirst()) : floorTimes
            let ratio = median(zip(steady, steadyFloor).map { $0 / $1 })
            print(
                String(
                    format:
                        "cnn float %d thread(s): median epoch %.2f s, floor %.2f s, ratio %.2f; test accuracy %.4f after %d epochs",
                    threadCount, median(steady), median(steadyFloor), ratio, accuracy, epochs))
            records.append(
                Record(
                    workload: "fashion-mnist-cnn-epoch", precision: "float", threads: threadCount, seconds: times,
                    medianSeconds: median(steady), floorSeconds: floor ? median(steadyFloor) : nil,
                    ratioToFloor: floor ? ratio : nil,
                    nonProductSeconds: floor ? median(zip(steady, steadyFloor).map { $0 - $1 }) : nil,
                    testAccuracy: accuracy))
        }
        try emit(records, json: json)
    }

    func oneHot(_ labels: [Int]) -> Matrix<Float> {
        var targets = Matrix<Float>.zeros(rows: labels.count, columns: 10)
        for (row, label) in labels.enumerated() { targets[row, label] = 1 }
        return targets
    }
}

/// One epoch of the network's products and unrolling, raw on preallocated buffers: per batch, for
/// each convolution im2col, the forward product, the weight-gradient product and (for the second)
/// the input-gradient product; for each dense layer the forward, weight-gradient and
/// input-gradient products. What is left of an epoch beyond this is col2im, the layout moves,
/// pooling, activations, dropout, the loss and the optimizer.
final class ConvolutionFloor {
    let samples: Int
    let batch = 128
    let first = ImageGeometry(channels: 1, height: 28, width: 28, kernelSize: 3, stride: 1, same: true)
    let second = ImageGeometry(channels: 32, height: 14, width: 14, kernelSize: 3, stride: 1, same: true)
    var images1: [Float], columns1: [Float], rows1: [Float], weights1: [Float], gradient1: [Float]
    var images2: [Float], columns2: [Float], rows2: [Float], weights2: [Float], gradient2: [Float]
    var dense1: [Float], denseGradient1: [Float], hidden: [Float], hiddenGradient: [Float], flat: [Float]
    var dense2: [Float], denseGradient2: [Float], logits: [Float]

    init(samples: Int) {
        func buffer(_ count: Int) -> [Float] { (0..<count).map { Float(($0 * 7919) % 1000) / 100_000 - 0.005 } }
        self.samples = samples
        let b = batch
        images1 = buffer(b * 784)
        columns1 = buffer(b * 784 * 9)
        rows1 = buffer(b * 784 * 32)
        weights1 = buffer(32 * 9)
        gradient1 = buffer(32 * 9)
        images2 = buffer(b * 32 * 196)
        columns2 = buffer(b * 196 * 288)
        rows2 = buffer(b * 196 * 64)
        weights2 = buffer(64 * 288)
        gradient2 = buffer(64 * 288)
        flat = buffer(b * 3136)
        dense1 = buffer(3136 * 128)
        denseGradient1 = buffer(3136 * 128)
        hidden = buffer(b * 128)
        hiddenGradient = buffer(b * 128)
        dense2 = buffer(128 * 10)
        denseGradient2 = buffer(128 * 10)
        logits = buffer(b * 10)
    }

    func run() {
        let batches = (samples + batch - 1) / batch
        typealias F = FloorEpoch<Float>
        for index in 0..<batches {
            let n = min(batch, samples - index * batch)
            images1.withUnsafeBufferPointer { x in
                columns1.withUnsafeMutableBufferPointer {
                    first.imageToColumns(x.baseAddress!, images: n, into: $0.baseAddress!)
                }
            }
            F.gemm(false, true, n * 784, 32, 9, columns1, weights1, 0, &rows1)
            images2.withUnsafeBufferPointer { x in
                columns2.withUnsafeMutableBufferPointer {
                    second.imageToColumns(x.baseAddress!, images: n, into: $0.baseAddress!)
                }
            }
            F.gemm(false, true, n * 196, 64, 288, columns2, weights2, 0, &rows2)
            F.gemm(false, false, n, 128, 3136, flat, dense1, 0, &hidden)
            F.gemm(false, false, n, 10, 128, hidden, dense2, 0, &logits)
            // Backward.
            F.gemm(true, false, 128, 10, n, hidden, logits, 0, &denseGradient2)
            F.gemm(false, true, n, 128, 10, logits, dense2, 0, &hiddenGradient)
            F.gemm(true, false, 3136, 128, n, flat, hiddenGradient, 0, &denseGradient1)
            F.gemm(false, true, n, 3136, 128, hiddenGradient, dense1, 0, &flat)
            F.gemm(true, false, 64, 288, n * 196, rows2, columns2, 0, &gradient2)
            F.gemm(false, false, n * 196, 288, 64, rows2, weights2, 0, &columns2)
            F.gemm(true, false, 32, 9, n * 784, rows1, columns1, 0, &gradient1)
        }
    }
}
