import Foundation
import Testing

/// `nn train` with the overlapped backward products (README, "Overlapped backward products") saves the same
/// model, byte for byte, as with them switched off (`NN_PRODUCT_OVERLAP=off`), at 1, 2 and 3 threads, in float
/// and double. Each run is a process of its own, so its thread count is its own. The network is 64-64-32-4 at
/// batch 64: the middle layer's two backward products are 64·64·32 = 131,072 multiply-adds each, which the rule
/// runs side by side from 2 threads; the first layer's 262,144 are not paired (it has no input gradient).
@Suite struct OverlapCommandTests {
    static func train(threads: Int, precision: String, overlap: Bool, in folder: URL) throws -> Data {
        let name = "\(precision)-\(threads)-\(overlap ? "on" : "off").model"
        let result = try Executable.run(
            [
                "train", "--data", "x.npy", "--targets-file", "y.npy", "--loss", "softmax-cross-entropy", "--layers",
                "64,32", "--epochs", "2", "--batch-size", "64", "--seed", "5", "--precision", precision,
                "--threads", String(threads), "--quiet", "--save", name,
            ],
            in: folder, environment: overlap ? [:] : ["NN_PRODUCT_OVERLAP": "off"])
        #expect(result.status == 0, "\(result.standardError)")
        return try Data(contentsOf: folder.appendingPathComponent(name))
    }

    @Test(arguments: [1, 2, 3])
    func theSavedModelIsTheSameWithAndWithoutTheOverlap(threads: Int) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try ThreadDeterminismTests.writeData(to: folder)
        for precision in ["float", "double"] {
            let sequential = try Self.train(threads: threads, precision: precision, overlap: false, in: folder)
            let overlapped = try Self.train(threads: threads, precision: precision, overlap: true, in: folder)
            #expect(sequential.count > 64 * 64 * 4, "\(precision): \(sequential.count) bytes")
            #expect(sequential == overlapped, "\(precision) at \(threads) thread(s): the overlap changed the model")
        }
    }
}
