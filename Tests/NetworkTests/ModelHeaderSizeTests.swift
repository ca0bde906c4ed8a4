import Foundation
import Network
import Tensor
import Testing

/// The JSON header of a model file at `path`: its 8-byte length and the parsed object.
private func header(of path: String) throws -> (length: Int, object: [String: Any]) {
    let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    let length = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
    let object = try JSONSerialization.jsonObject(with: bytes.subdata(in: 8..<(8 + length))) as? [String: Any]
    return (length, try #require(object))
}

/// Issue 29 D5: one rule for sizes, what the writer writes the reader reads.
@Suite struct ModelHeaderSizeTests {
    /// The largest header: a model whose metadata is padded to within 8 bytes of the 64 MiB limit is
    /// written and read back; 8 bytes more are refused by the writer (and by `checkHeaderSize`, which
    /// `nn train` calls before training), naming the limit, and nothing is written.
    @Test func largestHeaderTheWriterAllowsIsRead() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let network = Sequential<Float>([Dense(inputSize: 2, outputSize: 1)], seed: 1)
        let limit = 64 << 20
        func model(padding: Int) -> ModelFile {
            ModelFile(
                network: network, loss: .meanSquaredError, metadata: ["pad": String(repeating: "x", count: padding)])
        }
        let small = directory.appendingPathComponent("small.safetensors").path
        try model(padding: 0).write(to: small)
        let unpadded = try header(of: small).length
        // The header is the padded JSON: with `limit - unpadded` more bytes of text it is at most `limit`.
        let largest = directory.appendingPathComponent("largest.safetensors").path
        try model(padding: limit - unpadded).write(to: largest)
        let written = try header(of: largest).length
        #expect(written <= limit && written > limit - 16, "\(written)")
        let read = try ModelFile.read(from: largest)
        #expect(read.metadata["pad"]?.count == limit - unpadded)

        let tooLarge = directory.appendingPathComponent("too-large.safetensors").path
        let attempts: [() throws -> Void] = [
            { try model(padding: limit - unpadded + 8).write(to: tooLarge) },
            { try model(padding: limit - unpadded + 8).checkHeaderSize(for: tooLarge) },
        ]
        for attempt in attempts {
            #expect {
                try attempt()
            } throws: { error in
                "\(error)".hasPrefix("\(tooLarge): the model cannot be saved: its description")
                    && "\(error)".contains(
                        "more than the 64 MiB a file's header may have, so it could not be read back")
            }
        }
        #expect(!FileManager.default.fileExists(atPath: tooLarge))
    }

    /// Feature names that are the table layout's input names (`column=value` per category) are not
    /// stored beside the layout, which holds every category already, and reading derives them again.
    @Test func oneHotFeatureNamesAreStoredOnceThroughTheLayout() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let layout = TableLayout(
            columns: [
                TableColumn(name: "color", position: 0, categories: ["blue", "red"]),
                TableColumn(name: "f", position: 1),
            ], targetName: "label", fileColumnCount: 3, missing: "error")
        let network = Sequential<Double>([Dense(inputSize: 3, outputSize: 1)], seed: 2)
        var file = ModelFile(network: network, loss: .meanSquaredError, featureNames: layout.inputNames)
        file.tableLayout = layout
        let path = directory.appendingPathComponent("m.safetensors").path
        try file.write(to: path)
        let metadata = try #require(try header(of: path).object["__metadata__"] as? [String: String])
        let documentText = try #require(metadata["document"])
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(documentText.utf8)) as? [String: Any])
        #expect(document["featureNames"] == nil)
        #expect(document["tableLayout"] != nil)
        let read = try ModelFile.read(from: path)
        #expect(read.featureNames == ["color=blue", "color=red", "f"])
        #expect(read == file.withoutWeightsForComparison(read))

        // Names of their own (not the layout's) are kept.
        file.featureNames = ["x", "y", "z"]
        try file.write(to: path)
        #expect(try ModelFile.read(from: path).featureNames == ["x", "y", "z"])
    }
}

extension ModelFile {
    /// This file with `other`'s layers, so that two files that differ only in how their weights were
    /// carried (inline or read back) compare by their other fields.
    fileprivate func withoutWeightsForComparison(_ other: ModelFile) -> ModelFile {
        var copy = self
        copy.layers = other.layers
        return copy
    }
}
