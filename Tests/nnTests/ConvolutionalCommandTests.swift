import Foundation
import Testing

/// Issue #25's command line: the `--layers` grammar for image layers, image shapes (IDX files and
/// `--image-shape`), predict and evaluate on image models, resume, and `nn info`'s layer table,
/// all through the built `nn` on tiny made-up images.
@Suite struct ConvolutionalCommandTests {
    /// `count` images of `channels`×`side`×`side` pixels in three classes (a bright band of rows, of
    /// columns, or a square in the middle) on noise, and their labels; a small generator makes them
    /// the same on every run.
    static func images(count: Int, channels: Int = 1, side: Int = 8) -> (pixels: [[UInt8]], labels: [UInt8]) {
        var state: UInt32 = 12345
        func next() -> UInt8 {
            state = state &* 1_664_525 &+ 1_013_904_223
            return UInt8(truncatingIfNeeded: state >> 24) % 60
        }
        var pixels: [[UInt8]] = [], labels: [UInt8] = []
        for index in 0..<count {
            let label = UInt8(index % 3)
            var image = [UInt8](repeating: 0, count: channels * side * side)
            for channel in 0..<channels {
                for row in 0..<side {
                    for column in 0..<side {
                        let bright: Bool
                        switch label {
                        case 0: bright = row == 1 || row == 2
                        case 1: bright = column == 5 || column == 6
                        default: bright = (3...5).contains(row) && (3...5).contains(column)
                        }
                        image[(channel * side + row) * side + column] = bright ? 250 : next()
                    }
                }
            }
            pixels.append(image)
            labels.append(label)
        }
        return (pixels, labels)
    }

    static func bigEndian(_ value: Int) -> [UInt8] {
        [UInt8(value >> 24 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    /// Writes `images-idx3-ubyte` (or, with channels, a four-dimensional `images-idx4-ubyte`),
    /// `labels-idx1-ubyte` and `pixels.csv` (the same pixels, a `label` column last) into `folder`.
    static func writeData(count: Int = 48, channels: Int? = nil, side: Int = 8, in folder: URL) throws {
        let (pixels, labels) = images(count: count, channels: channels ?? 1, side: side)
        let dimensions = channels.map { [count, $0, side, side] } ?? [count, side, side]
        var header = [0, 0, 8, UInt8(dimensions.count)]
        for dimension in dimensions { header += bigEndian(dimension) }
        let name = channels == nil ? "images-idx3-ubyte" : "images-idx4-ubyte"
        try Data(header + pixels.flatMap { $0 }).write(to: folder.appendingPathComponent(name))
        try Data([0, 0, 8, 1] + bigEndian(count) + labels).write(to: folder.appendingPathComponent("labels-idx1-ubyte"))
        var text = (0..<pixels[0].count).map { "p\($0)" }.joined(separator: ",") + ",label\n"
        for (image, label) in zip(pixels, labels) {
            text += image.map(String.init).joined(separator: ",") + ",\(label)\n"
        }
        try text.write(to: folder.appendingPathComponent("pixels.csv"), atomically: true, encoding: .utf8)
    }

    static let idx = ["--data", "images-idx3-ubyte", "--labels", "labels-idx1-ubyte"]

    func run(_ arguments: [String], in folder: URL) throws -> CommandResult {
        let result = try Executable.run(arguments, in: folder)
        #expect(result.status == 0 && !result.crashed, "\(arguments): \(result.standardError)")
        return result
    }

    func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
    }

    func setting(_ key: String, in object: [String: Any]) -> (value: String?, source: String?) {
        let setting = (object["settings"] as? [String: Any])?[key] as? [String: Any]
        return (setting?["value"] as? String, setting?["source"] as? String)
    }

    // MARK: The grammar

    @Test("every form of token parses, and the header, --json and the history give the canonical stack")
    func tokensParseToTheirCanonicalForms() throws {
        let folder = try temporaryFolder()
        try Self.writeData(in: folder)
        let trained = try run(
            ["train"] + Self.idx + [
                "--layers", "conv4k3s1same, maxpool2s2 ,bn,avgpool2s1,dropout.25,gap,8", "--epochs", "1", "--json",
                "--history", "history.json",
            ], in: folder)
        let summary = try json(trained.standardOutput)
        let canonical = "conv4k3,pool2,batchnorm,avgpool2s1,dropout0.25,gap,8"
        #expect(setting("layers", in: summary).value == canonical, "\(summary)")
        #expect(setting("layers", in: summary).source == "option")
        #expect(setting("imageShape", in: summary).value == "1,8,8")
        #expect(setting("imageShape", in: summary).source == "inferred from the data")
        #expect(
            summary["network"] as? String
                == "1x8x8-conv4k3(relu)-pool2-batchnorm-avgpool2s1-dropout0.25-gap-8(relu)-3(identity)")
        let history = try json(
            String(decoding: try Data(contentsOf: folder.appendingPathComponent("history.json")), as: UTF8.self))
        #expect(setting("layers", in: history).value == canonical)
        #expect(setting("imageShape", in: history).value == "1,8,8")

        // Suffixes in any order; the header prints the stack that ran.
        let strided = try run(
            ["train"] + Self.idx + ["--layers", "conv2k3valids2,avgpool3,4", "--epochs", "1"], in: folder)
        #expect(
            strided.standardOutput.contains("Training 1x8x8-conv2k3s2valid(relu)-avgpool3-4(relu)-3(identity) on"),
            "\(strided.standardOutput)")
        // A dense stack reads as before, and images of known shape do not change its header.
        let dense = try run(["train"] + Self.idx + ["--layers", "16, 8", "--epochs", "1"], in: folder)
        #expect(dense.standardOutput.contains("Training 64-16(relu)-8(relu)-3(identity) on"), "\(dense.standardOutput)")
    }

    @Test("a bad token is refused naming it and its position, and what the grammar takes")
    func badTokensAreNamed() throws {
        let folder = try temporaryFolder()
        try Self.writeData(in: folder)
        let forms = "(expected N, convFkK[sS][same|valid], pool/maxpool/avgpool P[sS], gap, dropoutR, batchnorm)"
        let cases: [([String], String)] = [
            (["--layers", "conv32k3,pool2,conv32x3"], "--layers: token 3 'conv32x3' is not a layer \(forms)"),
            (["--layers", "8,Conv4k3"], "--layers: token 2 'Conv4k3' is not a layer"),
            (["--layers", "conv4k3s2s2"], "--layers: token 1 'conv4k3s2s2' is not a layer"),
            (["--layers", "8,,4"], "--layers: token 2 '' is not a layer"),
            (["--layers", "pool2x"], "--layers: token 1 'pool2x' is not a layer"),
            (
                ["--layers", "8,dropout1.5"],
                "--layers: token 2 'dropout1.5': the dropout rate must be at least 0 and below 1"
            ),
            (["--layers", "conv0k3"], "--layers: token 1 'conv0k3': a convolution needs from 1 to 65536 filters"),
            (["--layers", "pool0"], "--layers: token 1 'pool0': the pool size and stride must be from 1 to 1024"),
            (["--layers", "0"], "--layers: token 1 '0': a dense layer needs at least 1 unit"),
            // Structure, decided once the data's shape is known.
            (
                ["--layers", "8,conv4k3"],
                "--layers: token 2 'conv4k3' works on images, but token 1 '8' before it gives flat features; put the image layers first"
            ),
            (
                ["--layers", "conv4k3,gap,pool2"],
                "--layers: token 3 'pool2' works on images, but token 2 'gap' before it gives flat features"
            ),
            (
                ["--layers", "dropout0.5,8"],
                "--layers: token 1 'dropout0.5' cannot come first: the first layer must take the input's width"
            ),
            (["--layers", "pool9"], "--layers: token 1 'pool9' has a 9×9 window, larger than its (1, 8, 8) input"),
            (
                ["--layers", "conv4k3,conv2k9valid"],
                "--layers: token 2 'conv2k9valid' has a 9×9 kernel without padding, larger than its (4, 8, 8) input"
            ),
            (
                ["--layers", "conv4k3", "--activation", "softmax"],
                "--layers: token 1 'conv4k3' cannot take --activation softmax"
            ),
        ]
        for (arguments, message) in cases {
            let result = try Executable.run(["train"] + Self.idx + arguments + ["--epochs", "1"], in: folder)
            #expect(result.status == 64 && !result.crashed, "\(arguments): \(result.status) \(result.standardError)")
            #expect(result.standardError.hasPrefix("error: \(message)"), "\(arguments): \(result.standardError)")
        }
    }

    // MARK: Image shapes

    @Test("a CSV of pixels needs --image-shape for image layers, checked against its width")
    func csvImageShape() throws {
        let folder = try temporaryFolder()
        try Self.writeData(in: folder)
        let csv = ["train", "--data", "pixels.csv", "--epochs", "1"]
        let cases: [([String], Int32, String)] = [
            (
                ["--layers", "conv4k3"], 64,
                "--layers: token 1 'conv4k3' works on images, and pixels.csv has no image shape; give one with --image-shape C,H,W"
            ),
            (
                ["--layers", "conv4k3", "--image-shape", "1,8,9"], 1,
                "--image-shape 1,8,9 makes 72 values per sample, but pixels.csv has 64 features per sample"
            ),
            (
                ["--image-shape", "0,8,8"], 64,
                "--image-shape 0,8,8: channels, height and width must each be at least 1, got 0"
            ),
            (["--image-shape", "8,8"], 64, "--image-shape"),
        ]
        for (arguments, status, message) in cases {
            let result = try Executable.run(csv + arguments, in: folder)
            #expect(result.status == status && !result.crashed, "\(arguments): \(result.standardError)")
            #expect(result.standardError.contains(message), "\(arguments): \(result.standardError)")
        }
        // IDX images carry their shape: another one given is refused, naming both.
        let mismatch = try Executable.run(
            ["train"] + Self.idx + ["--image-shape", "4,4,4", "--layers", "conv2k3", "--epochs", "1"], in: folder)
        #expect(mismatch.status == 1, "\(mismatch.standardError)")
        #expect(
            mismatch.standardError.contains(
                "--image-shape 4,4,4 does not match the images of images-idx3-ubyte, which are 1,8,8"),
            "\(mismatch.standardError)")
    }

    @Test("four-dimensional IDX images carry their channels")
    func fourDimensionalIDX() throws {
        let folder = try temporaryFolder()
        try Self.writeData(count: 12, channels: 2, side: 6, in: folder)
        _ = try run(
            [
                "train", "--data", "images-idx4-ubyte", "--labels", "labels-idx1-ubyte", "--layers", "conv3k3,gap",
                "--epochs", "1", "--save", "m.safetensors",
            ], in: folder)
        let info = try json(try run(["info", "--model", "m.safetensors", "--json"], in: folder).standardOutput)
        #expect(info["imageShape"] as? [Int] == [2, 6, 6], "\(info)")
        let layers = info["layers"] as? [[String: Any]] ?? []
        #expect(layers.map { $0["outputShape"] as? [Int] ?? [] } == [[3, 6, 6], [3], [3]], "\(layers)")
        // 3 filters over 2 channels of 3×3, and their biases; then the output layer.
        #expect(layers.map { $0["parameters"] as? Int ?? -1 } == [3 * 2 * 9 + 3, 0, 3 * 3 + 3])
    }

    // MARK: Training, predict and evaluate

    @Test("a small convolutional net learns the made-up IDX images, and predict and evaluate agree")
    func trainsPredictsAndEvaluatesOnIDX() throws {
        let folder = try temporaryFolder()
        try Self.writeData(count: 96, in: folder)
        let trained = try run(
            ["train"] + Self.idx + [
                "--layers", "conv4k3,pool2,16", "--optimizer", "adam", "--learning-rate", "0.01", "--schedule",
                "constant", "--batch-size", "16", "--epochs", "15", "--save", "m.safetensors",
            ], in: folder)
        let accuracy = Double(value(after: "final accuracy: ", in: trained.standardOutput) ?? "") ?? 0
        #expect(accuracy >= 0.9, "\(trained.standardOutput)")
        #expect(trained.standardOutput.contains("scaling: inputs not scaled"))

        let evaluated = try run(["evaluate", "--model", "m.safetensors"] + Self.idx + ["--json"], in: folder)
        let score = try json(evaluated.standardOutput)
        let predicted = try run(["predict", "--model", "m.safetensors", "--data", "images-idx3-ubyte"], in: folder)
        let labels = predicted.standardOutput.split(separator: "\n").dropFirst().map(String.init)
        let truth = Self.images(count: 96).labels.map { String($0) }
        #expect(labels.count == 96)
        let correct = zip(labels, truth).filter { $0 == $1 }.count
        #expect(score["accuracy"] as? Double == Double(correct) / 96, "\(score) \(correct)")
        #expect(Double(correct) / 96 >= 0.9)
    }

    @Test("a CSV of pixels trains with --image-shape; predict needs no shape, and checks one given")
    func csvModelPredictsWithoutTheShape() throws {
        let folder = try temporaryFolder()
        try Self.writeData(count: 60, in: folder)
        let trained = try run(
            [
                "train", "--data", "pixels.csv", "--image-shape", "1,8,8", "--layers", "conv4k3,pool2,16", "--epochs",
                "20", "--save", "m.safetensors", "--json",
            ], in: folder)
        let summary = try json(trained.standardOutput)
        #expect(setting("imageShape", in: summary).value == "1,8,8")
        #expect(setting("imageShape", in: summary).source == "option")
        // Tables are standardized per feature (pixel), fitted on the training rows.
        #expect(summary["inputScaling"] as? String == "standardize")

        let plain = try run(
            ["predict", "--model", "m.safetensors", "--data", "pixels.csv", "--probabilities"], in: folder)
        let shaped = try run(
            [
                "predict", "--model", "m.safetensors", "--data", "pixels.csv", "--probabilities", "--image-shape",
                "1,8,8",
            ],
            in: folder)
        #expect(plain.standardOutput == shaped.standardOutput)
        #expect(plain.standardOutput.split(separator: "\n").count == 61)
        let other = try Executable.run(
            ["predict", "--model", "m.safetensors", "--data", "pixels.csv", "--image-shape", "4,4,4"], in: folder)
        #expect(other.status == 1, "\(other.standardError)")
        #expect(
            other.standardError.contains(
                "pixels.csv: images of shape 4,4,4, but the model m.safetensors reads images of shape 1,8,8"),
            "\(other.standardError)")
        let evaluated = try run(["evaluate", "--model", "m.safetensors", "--data", "pixels.csv"], in: folder)
        #expect(evaluated.standardOutput.contains("accuracy: "), "\(evaluated.standardOutput)")

        // A dense model has no image shape to check.
        _ = try run(["train", "--data", "pixels.csv", "--epochs", "1", "--save", "dense.safetensors"], in: folder)
        let dense = try Executable.run(
            ["predict", "--model", "dense.safetensors", "--data", "pixels.csv", "--image-shape", "1,8,8"], in: folder)
        #expect(dense.status == 64, "\(dense.standardError)")
        #expect(dense.standardError.contains("--image-shape applies to models whose first layers work on images"))
    }

    // MARK: Resume

    /// The bytes after a model file's header: every array, in order.
    func arrays(_ path: URL) throws -> Data {
        let data = try Data(contentsOf: path)
        let length = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        return data.dropFirst(8 + length)
    }

    @Test("two epochs are one and a resumed one, bit for bit, with dropout and batch normalization")
    func resumeContinuesBitForBit() throws {
        let folder = try temporaryFolder()
        try Self.writeData(in: folder)
        let common =
            ["train"] + Self.idx + [
                "--layers", "conv4k3,bn,pool2,16,dropout0.5", "--optimizer", "adam", "--learning-rate", "0.01",
                "--batch-size", "16", "-q",
            ]
        _ = try run(common + ["--epochs", "2", "--save", "two.safetensors"], in: folder)
        _ = try run(
            common + [
                "--epochs", "1", "--checkpoint-every", "1", "--checkpoint", "one.ckpt", "--save", "one.safetensors",
            ],
            in: folder)
        let resumed = try run(
            ["train"] + Self.idx + ["--resume", "one.ckpt", "--epochs", "2", "--save", "resumed.safetensors"],
            in: folder)
        #expect(
            resumed.standardOutput.contains(
                "Training 1x8x8-conv4k3(relu)-batchnorm-pool2-16(relu)-dropout0.5-3(identity) on images-idx3-ubyte"),
            "\(resumed.standardOutput)")
        let two = try arrays(folder.appendingPathComponent("two.safetensors"))
        #expect(two.count > 1000)
        #expect(try arrays(folder.appendingPathComponent("resumed.safetensors")) == two)
        #expect(try arrays(folder.appendingPathComponent("one.safetensors")) != two)

        let summary = try json(
            try run(["train"] + Self.idx + ["--resume", "one.ckpt", "--epochs", "2", "--json"], in: folder)
                .standardOutput)
        #expect(setting("layers", in: summary).value == "conv4k3,batchnorm,pool2,16,dropout0.5")
        #expect(setting("layers", in: summary).source == "checkpoint")
        #expect(setting("imageShape", in: summary).source == "checkpoint")
        // The checkpoint's network is kept: other layers are refused, naming its own.
        let other = try Executable.run(
            ["train"] + Self.idx + ["--resume", "one.ckpt", "--epochs", "2", "--layers", "conv4k3,pool2,16"],
            in: folder)
        #expect(other.status == 64, "\(other.standardError)")
        #expect(
            other.standardError.contains(
                "--layers conv4k3,pool2,16 (the checkpoint has conv4k3,batchnorm,pool2,16,dropout0.5)"),
            "\(other.standardError)")
    }

    // MARK: nn info

    @Test("nn info prints the issue's network as Keras's summary() does: 421,642 parameters")
    func infoTableOfTheIssuesNetwork() throws {
        let folder = try temporaryFolder()
        // Ten 28×28 images, one per class, so that the output layer has 10 units.
        let (pixels, _) = Self.images(count: 10, side: 28)
        try Data([0, 0, 8, 3] + Self.bigEndian(10) + Self.bigEndian(28) + Self.bigEndian(28) + pixels.flatMap { $0 })
            .write(to: folder.appendingPathComponent("images-idx3-ubyte"))
        try Data([0, 0, 8, 1] + Self.bigEndian(10) + (0..<10).map { UInt8($0) })
            .write(to: folder.appendingPathComponent("labels-idx1-ubyte"))
        _ = try run(
            ["train"] + Self.idx + [
                "--layers", "conv32k3,pool2,conv64k3,pool2,128,dropout0.5", "--epochs", "1", "--save", "m.safetensors",
            ], in: folder)
        let info = try run(["info", "--model", "m.safetensors"], in: folder).standardOutput
        let table = """
            layers:
              Sequential<Float>, 784 inputs (1, 28, 28)
              Layer                                         Output shape         Parameters
              =============================================================================
              Conv2D(32 filters 3x3, stride 1, same, relu)  (batch, 32, 28, 28)         320
              MaxPool2D(2x2, stride 2)                      (batch, 32, 14, 14)           0
              Conv2D(64 filters 3x3, stride 1, same, relu)  (batch, 64, 14, 14)       18496
              MaxPool2D(2x2, stride 2)                      (batch, 64, 7, 7)             0
              Dense(3136 -> 128, relu)                      (batch, 128)             401536
              Dropout(0.5)                                  (batch, 128)                  0
              Dense(128 -> 10, identity)                    (batch, 10)                1290
              =============================================================================
              Total parameters: 421642
            """
        #expect(info.contains(table), "\(info)")
        #expect(info.contains("layers: conv32k3,pool2,conv64k3,pool2,128,dropout0.5\n"), "\(info)")
        #expect(info.contains("imageShape: 1,28,28\n"), "\(info)")

        let object = try json(try run(["info", "--model", "m.safetensors", "--json"], in: folder).standardOutput)
        #expect(object["parameters"] as? Int == 421_642)
        #expect(object["imageShape"] as? [Int] == [1, 28, 28])
        let layers = object["layers"] as? [[String: Any]] ?? []
        #expect(
            layers.map { $0["outputShape"] as? [Int] ?? [] }
                == [[32, 28, 28], [32, 14, 14], [64, 14, 14], [64, 7, 7], [128], [128], [10]])
        #expect(layers.map { $0["parameters"] as? Int ?? -1 } == [320, 0, 18496, 0, 401_536, 0, 1290])
    }
}
