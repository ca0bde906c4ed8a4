import Tensor

extension Sequential: CustomStringConvertible {
    /// The network as a table of its layers, as Keras's `model.summary()` prints it: each layer, the
    /// shape of its output (`batch` rows) and its number of trainable scalars, then the total.
    ///
    /// ```
    /// Sequential<Double>, 3 inputs
    /// Layer                            Output shape  Parameters
    /// =========================================================
    /// Dense(3 -> 4, sigmoid, no bias)  (batch, 4)            12
    /// Dense(4 -> 1, sigmoid, no bias)  (batch, 1)             4
    /// =========================================================
    /// Total parameters: 16
    /// ```
    ///
    /// A layer of your own appears under its own `description` when it has one, else its type's
    /// name. Image layers' outputs have their channels, height and width: `(batch, 32, 28, 28)`,
    /// and an image input its shape after the count of inputs: `784 inputs (1, 28, 28)`.
    public var description: String { summary() }

    /// The table of ``description``: each layer, the shape of its output and its number of
    /// trainable scalars, then the total, as Keras's `model.summary()` prints it.
    public func summary() -> String {
        let rows = zip(layers, sampleShapes.dropFirst()).map { layer, shape in
            (
                layer: String(describing: layer), shape: "(batch, \(shape.map(String.init).joined(separator: ", ")))",
                parameters: String(layer.parameters.reduce(0) { $0 + $1.count })
            )
        }
        let header = (layer: "Layer", shape: "Output shape", parameters: "Parameters")
        let layerWidth = rows.map(\.layer.count).max().map { max($0, header.layer.count) } ?? header.layer.count
        let shapeWidth = rows.map(\.shape.count).max().map { max($0, header.shape.count) } ?? header.shape.count
        let parameterWidth =
            rows.map(\.parameters.count).max().map { max($0, header.parameters.count) } ?? header.parameters.count
        func padded(_ text: String, _ width: Int) -> String {
            text + String(repeating: " ", count: width - text.count)
        }
        func line(_ row: (layer: String, shape: String, parameters: String)) -> String {
            padded(row.layer, layerWidth) + "  " + padded(row.shape, shapeWidth) + "  "
                + String(repeating: " ", count: parameterWidth - row.parameters.count) + row.parameters
        }
        let rule = String(repeating: "=", count: layerWidth + shapeWidth + parameterWidth + 4)
        // An image input also gives its shape: `784 inputs (1, 28, 28)`.
        let inputShape = sampleShapes[0].count > 1 ? " " + shapeText(sampleShapes[0]) : ""
        var lines = [
            "Sequential<\(Scalar.self)>, \(inputSize) input\(inputSize == 1 ? "" : "s")\(inputShape)", line(header),
            rule,
        ]
        lines += rows.map(line)
        lines += [rule, "Total parameters: \(parameterCount)"]
        return lines.joined(separator: "\n")
    }
}

extension Dense: CustomStringConvertible {
    /// The layer's sizes, activation and whether it has a bias: `Dense(3 -> 4, relu)`,
    /// `Dense(4 -> 1, sigmoid, no bias)`.
    public var description: String {
        "Dense(\(inputCount) -> \(outputCount), \(activation.rawValue)\(bias == nil ? ", no bias" : ""))"
    }
}

extension ActivationLayer: CustomStringConvertible {
    /// The layer's activation: `ActivationLayer(relu)`.
    public var description: String { "ActivationLayer(\(activation.rawValue))" }
}

extension Conv2D: CustomStringConvertible {
    /// `Conv2D(32 filters 3x3, stride 1, same, relu)`, with `no bias` when it has none.
    public var description: String {
        "Conv2D(\(filters) filters \(kernelSize)x\(kernelSize), stride \(stride), \(padding.rawValue), \(activation.rawValue)\(bias == nil ? ", no bias" : ""))"
    }
}

extension Pool2D: CustomStringConvertible {
    /// `MaxPool2D(2x2, stride 2)` or `AveragePool2D(2x2, stride 2)`.
    public var description: String { "\(operation.layerName)(\(poolSize)x\(poolSize), stride \(stride))" }
}

extension GlobalAveragePool2D: CustomStringConvertible {
    /// `GlobalAveragePool2D()`.
    public var description: String { "GlobalAveragePool2D()" }
}

extension Dropout: CustomStringConvertible {
    /// `Dropout(0.5)`.
    public var description: String { "Dropout(\(rate))" }
}

extension BatchNorm: CustomStringConvertible {
    /// `BatchNorm(32 channels)` or `BatchNorm(128 features)`.
    public var description: String {
        "BatchNorm(\(sampleShape[0]) \(sampleShape.count == 3 ? "channels" : "features"))"
    }
}
