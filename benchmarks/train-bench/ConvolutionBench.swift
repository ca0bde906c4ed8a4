// train-bench cnn: epochs of the convolutional network on Fashion-MNIST (conv 32 3×3 same
// relu, max pool 2, conv 64 3×3 same relu, max pool 2, dense 128 relu, dropout 0.5, dense 10;
// Adam 1e-3, batch 128), the test accuracy after them, and the floor: the epoch's im2col passes
// and matrix products called raw on the same shapes.
import ArgumentParser
import CBLAS
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

/// One epoch of the network's products and unrolling, raw on preallocated buffers, on the shapes
/// and threads `Conv2D` runs them: per batch, each convolution's images split into the parts
/// `ThreadRule.convolutionParts` gives, the parts on the kernel pool with single-threaded products
/// (as the layer runs them); per image im2col in Caffe's layout and the forward product `weights ·
/// columns`; backward, per image, the weight-gradient product `∂Y · columnsᵀ` and (for the second
/// convolution) the input-gradient product `weightsᵀ · ∂Y`. For each dense layer the forward,
/// weight-gradient and input-gradient products (threaded by OpenBLAS, as the layer runs them).
/// What is left of an epoch beyond this is the backward pass's im2col (recomputed), col2im, the
/// bias, pooling, activations, the partial gradients' sums, dropout, the loss and the optimizer.
final class ConvolutionFloor {
    let samples: Int
    let batch = 128
    let first = ImageGeometry(channels: 1, height: 28, width: 28, kernelSize: 3, stride: 1, same: true)
    let second = ImageGeometry(channels: 32, height: 14, width: 14, kernelSize: 3, stride: 1, same: true)
    let filters1 = 32, filters2 = 64
    let images1: UnsafeMutablePointer<Float>, windows1: UnsafeMutablePointer<Float>
    let outputs1: UnsafeMutablePointer<Float>, weights1: UnsafeMutablePointer<Float>
    let gradients1: UnsafeMutablePointer<Float>
    let images2: UnsafeMutablePointer<Float>, windows2: UnsafeMutablePointer<Float>
    let outputs2: UnsafeMutablePointer<Float>, weights2: UnsafeMutablePointer<Float>
    let gradients2: UnsafeMutablePointer<Float>
    let flat: UnsafeMutablePointer<Float>, dense1: UnsafeMutablePointer<Float>
    let denseGradient1: UnsafeMutablePointer<Float>, hidden: UnsafeMutablePointer<Float>
    let hiddenGradient: UnsafeMutablePointer<Float>, dense2: UnsafeMutablePointer<Float>
    let denseGradient2: UnsafeMutablePointer<Float>, logits: UnsafeMutablePointer<Float>
    var allocated: [UnsafeMutablePointer<Float>] = []

    init(samples: Int) {
        var allocated: [UnsafeMutablePointer<Float>] = []
        func buffer(_ count: Int) -> UnsafeMutablePointer<Float> {
            let pointer = UnsafeMutablePointer<Float>.allocate(capacity: count)
            for index in 0..<count { pointer[index] = Float((index * 7919) % 1000) / 100_000 - 0.005 }
            allocated.append(pointer)
            return pointer
        }
        self.samples = samples
        let b = batch, parts = ThreadRule.maximumConvolutionParts
        images1 = buffer(b * first.inputCount)
        windows1 = buffer(parts * first.patchCount * first.positions)
        outputs1 = buffer(b * filters1 * first.positions)
        weights1 = buffer(filters1 * first.patchCount)
        gradients1 = buffer(parts * filters1 * first.patchCount)
        images2 = buffer(b * second.inputCount)
        windows2 = buffer(parts * second.patchCount * second.positions)
        outputs2 = buffer(b * filters2 * second.positions)
        weights2 = buffer(filters2 * second.patchCount)
        gradients2 = buffer(parts * filters2 * second.patchCount)
        flat = buffer(b * 3136)
        dense1 = buffer(3136 * 128)
        denseGradient1 = buffer(3136 * 128)
        hidden = buffer(b * 128)
        hiddenGradient = buffer(b * 128)
        dense2 = buffer(128 * 10)
        denseGradient2 = buffer(128 * 10)
        logits = buffer(b * 10)
        self.allocated = allocated
    }

    deinit { for pointer in allocated { pointer.deallocate() } }

    func run() {
        let batches = (samples + batch - 1) / batch
        let gemm = Self.gemm
        for index in 0..<batches {
            let n = min(batch, samples - index * batch)
            let patch1 = first.patchCount, positions1 = first.positions
            let patch2 = second.patchCount, positions2 = second.positions
            // Forward: the convolutions image by image, as the layer runs them.
            forward(n, first, filters: filters1, images1, windows1, weights1, outputs1)
            forward(n, second, filters: filters2, images2, windows2, weights2, outputs2)
            gemm(false, false, n, 128, 3136, flat, dense1, 0, hidden)
            gemm(false, false, n, 10, 128, hidden, dense2, 0, logits)
            // Backward.
            gemm(true, false, 128, 10, n, hidden, logits, 0, denseGradient2)
            gemm(false, true, n, 128, 10, logits, dense2, 0, hiddenGradient)
            gemm(true, false, 3136, 128, n, flat, hiddenGradient, 0, denseGradient1)
            gemm(false, true, n, 3136, 128, hiddenGradient, dense1, 0, flat)
            forEachImage(n, second) { part, image, firstOfPart in
                let windows = windows2 + part * patch2 * positions2
                let gradient = outputs2 + image * filters2 * positions2
                gemm(
                    false, true, filters2, patch2, positions2, gradient, windows, firstOfPart ? 0 : 1,
                    gradients2 + part * filters2 * patch2)
                gemm(true, false, patch2, positions2, filters2, weights2, gradient, 0, windows)
            }
            forEachImage(n, first) { part, image, firstOfPart in
                gemm(
                    false, true, filters1, patch1, positions1, outputs1 + image * filters1 * positions1,
                    windows1 + part * patch1 * positions1, firstOfPart ? 0 : 1, gradients1 + part * filters1 * patch1)
            }
        }
    }

    /// One convolution's forward products over `images` images: per image, im2col into its part's
    /// window matrix in `windows`, then `weights · columns` into the image's output planes.
    func forward(
        _ images: Int, _ geometry: ImageGeometry, filters: Int, _ input: UnsafePointer<Float>,
        _ windows: UnsafeMutablePointer<Float>, _ weights: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>
    ) {
        let patch = geometry.patchCount, positions = geometry.positions
        forEachImage(images, geometry) { part, image, _ in
            let partWindows = windows + part * patch * positions
            geometry.unrollWindows(input + image * geometry.inputCount, into: partWindows)
            Self.gemm(
                false, false, filters, positions, patch, weights, partWindows, 0, output + image * filters * positions)
        }
    }

    /// Calls `body(part, image, isFirstOfPart)` for each of `images` images, in the parts the layer
    /// splits them into, on the kernel pool with single-threaded products.
    func forEachImage(_ images: Int, _ geometry: ImageGeometry, _ body: (Int, Int, Bool) -> Void) {
        let parts = ThreadRule.convolutionParts(images: images, windowScalars: geometry.patchCount * geometry.positions)
        KernelPool.shared.runWithSingleThreadedProducts(parts: parts) { part in
            let start = KernelPool.blockStart(part, of: parts, count: images)
            for image in start..<KernelPool.blockStart(part + 1, of: parts, count: images) {
                body(part, image, image == start)
            }
        }
    }

    /// `C = op(A)·op(B) + beta·C` through cblas, row-major, with `m × k` = op(A) and `k × n` = op(B).
    static func gemm(
        _ transposeA: Bool, _ transposeB: Bool, _ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Float>,
        _ b: UnsafePointer<Float>, _ beta: Float, _ c: UnsafeMutablePointer<Float>
    ) {
        let lda = transposeA ? m : k, ldb = transposeB ? k : n
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans, Int32(m),
            Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), beta, c, Int32(n))
    }
}
