import Foundation
import Testing

/// A convolution gives the same bits at any thread count (ARCHITECTURE.md, "Convolutions"): `nn train`
/// saves the same model, byte for byte, at 1, 2 and 3 threads, in float and double. The batch splits into
/// a fixed number of parts whatever the thread count, each part's products run single-threaded, and the
/// partial weight gradients are added in part order. Each run is a process of its own, so its thread
/// count is its own.
///
/// The network: 1×14×14 images, conv 16 3×3 same, conv 32 3×3 same, max pool 2, dense 3. The second
/// convolution's per-image products are 32·144·196 = 903,168 multiply-adds, which OpenBLAS would thread
/// at 2 threads; the dense layer's, at most 24·1,568·3 = 112,896, it runs on one thread at any count.
/// Batches of 24 over 64 images (24, 24, 16) give parts of one and two images. The test fails on 0.5.0
/// (0679b61), which ran each convolution as one product per batch threaded inside OpenBLAS: the same
/// commands there save one double model at 1 thread and another at 2 and 3.
@Suite struct ConvolutionThreadCommandTests {
    static func train(threads: Int, precision: String, epochs: Int = 2, in folder: URL) throws -> Data {
        let name = "\(precision)-\(threads)-\(epochs).model"
        let result = try Executable.run(
            [
                "train", "--data", "images-idx3-ubyte", "--labels", "labels-idx1-ubyte", "--layers",
                "conv16k3,conv32k3,pool2", "--epochs", String(epochs), "--batch-size", "24", "--seed", "3",
                "--precision", precision, "--threads", String(threads), "--quiet", "--save", name,
            ],
            in: folder)
        #expect(result.status == 0, "\(result.standardError)")
        return try Data(contentsOf: folder.appendingPathComponent(name))
    }

    @Test func theSavedModelIsTheSameAtOneTwoAndThreeThreads() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try ConvolutionalCommandTests.writeData(count: 64, side: 14, in: folder)
        for precision in ["float", "double"] {
            let one = try Self.train(threads: 1, precision: precision, in: folder)
            #expect(one.count > 16 * 9 + 32 * 144, "\(precision): \(one.count) bytes")
            // The training moved the weights: a run that did nothing would compare equal too.
            #expect(one != (try Self.train(threads: 1, precision: precision, epochs: 1, in: folder)))
            for threads in [2, 3] {
                let other = try Self.train(threads: threads, precision: precision, in: folder)
                #expect(one == other, "\(precision): \(threads) threads saved another model than 1 thread")
            }
        }
    }
}
