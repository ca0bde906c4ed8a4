import Foundation
import Tensor

extension ModelFile {
    /// Checks every field against its meaning: format, version, precision, layer kinds and sizes
    /// (whole numbers at least 1 whose product fits), that shapes chain, and that every value is
    /// finite in the model's precision (a float model's `1e40` is refused, not read as infinity).
    ///
    /// - Parameter arraysChecked: the weights are in a binary section that the caller checks (shapes
    ///   and values) as it reads them; the layers here carry none.
    func validate(path: String, arraysChecked: Bool = false) throws(NetworkError) {
        func fail(_ reason: String) -> NetworkError { .invalidModelFile(path: path, reason: reason) }
        guard format == Self.formatName else { throw fail("format is '\(format)', expected '\(Self.formatName)'") }
        guard Self.readableVersions.contains(version) else {
            throw fail(
                "field 'version': version \(version) is not supported (this build reads versions \(Self.readableVersions.lowerBound) to \(Self.readableVersions.upperBound))"
            )
        }
        guard Precision(rawValue: precision) != nil else {
            throw fail("field 'precision': precision '\(precision)' is neither float nor double")
        }
        guard !layers.isEmpty else { throw fail("no layers") }
        var width: Int? = nil
        var shape: [Int]? = nil
        for (index, layer) in layers.enumerated() {
            guard let kind = layer.kind else { throw fail("layer \(index) has unknown type '\(layer.type)'") }
            if let outputWidth = try kind.validate(
                layer, index: index, inputWidth: width, arraysChecked: arraysChecked, precision: precision, path: path)
            {
                width = outputWidth
            }
            if let shapes = kind.sampleShapes(layer) {
                if let shape, shape.count > 1, shape != shapes.input {
                    throw fail(
                        "layer \(index) takes samples of shape \(shapeText(shapes.input)) but the previous layer gives \(shapeText(shape))"
                    )
                }
                shape = shapes.output
            } else if layer.inputSize != nil || layer.outputSize != nil {
                shape = width.map { [$0] }
            }
            if !arraysChecked {
                try kind.validateDocumentArrays(layer, index: index, precision: precision, path: path)
            } else if !layer.namedArrays.isEmpty {
                throw fail("layer \(index): a version 2 file keeps weights in its binary section, not in the document")
            }
        }
        if let classNames, classNames.count != (width == 1 ? 2 : width ?? 0), !(width == 1 && classNames.count == 1) {
            throw fail("\(classNames.count) class names for \(width ?? 0) outputs")
        }
        let inputWidth = self.inputWidth, outputWidth = width ?? 0
        if let featureNames, featureNames.count != inputWidth {
            throw fail("\(featureNames.count) feature names for \(inputWidth) inputs")
        }
        if let inputTransform {
            try inputTransform.validate(
                field: "inputTransform", width: inputWidth, what: "inputs", precision: precision, path: path)
        }
        if let targetTransform {
            try targetTransform.validate(
                field: "targetTransform", width: outputWidth, what: "outputs", precision: precision, path: path)
        }
        try validateLoss(outputWidth: outputWidth, path: path)
        if let tableLayout { try tableLayout.validate(inputWidth: inputWidth, precision: precision, path: path) }
    }

    /// Checks the loss against the outputs it reads: softmax cross-entropy needs at least two outputs
    /// (a softmax over one output is always 1), and binary cross-entropy needs probabilities, each
    /// output a sigmoid (or a softmax) that `nn predict` reads as the probability of class 1 (one
    /// output) or of each class or label (several: binary cross-entropy treats each output as its own
    /// two-class problem, the multi-label form `nn train` writes for several 0/1 target columns).
    func validateLoss(outputWidth: Int, path: String) throws(NetworkError) {
        func fail(_ reason: String) -> NetworkError { .invalidModelFile(path: path, reason: reason) }
        let finalActivation = layers.last?.activation ?? .identity
        switch loss {
        case .softmaxCrossEntropy where outputWidth < 2:
            throw fail(
                "field 'loss': softmax cross-entropy needs at least 2 outputs, and the layers give \(outputWidth)")
        case .binaryCrossEntropy where finalActivation != .sigmoid && finalActivation != .softmax:
            throw fail(
                "field 'loss': binary cross-entropy needs probabilities, but the last layer's activation is \(finalActivation.rawValue), not sigmoid or softmax"
            )
        default: break
        }
    }

    /// The first whole-number field of a model document (version, layer sizes, matrix shapes) that
    /// holds a number that is not a whole `Int` (`1e30`, `3.5`), named with what it must be; `nil`
    /// when `data` is not a JSON object or every such field is whole. The JSON decoder reports such
    /// numbers as corrupt data without naming the field.
    static func numericFieldProblem(in data: Data) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        func problem(_ value: Any?, _ field: String, _ expected: String) -> String? {
            guard let number = value as? NSNumber else { return nil }
            let double = number.doubleValue
            if double.rounded() == double && abs(double) < 9.0e15 { return nil }
            return "field '\(field)' must be \(expected), found \(double)"
        }
        if let found = problem(
            object["version"], "version",
            "a whole number (\(readableVersions.lowerBound) to \(readableVersions.upperBound))")
        {
            return found
        }
        for (index, layer) in ((object["layers"] as? [Any]) ?? []).enumerated() {
            guard let layer = layer as? [String: Any] else { continue }
            for key in ["inputSize", "outputSize"] {
                if let found = problem(layer[key], "layers.\(index).\(key)", "a whole number at least 1") {
                    return found
                }
            }
            for array in ["weights", "bias"] {
                guard let matrix = layer[array] as? [String: Any] else { continue }
                for key in ["rows", "columns"] {
                    if let found = problem(matrix[key], "layers.\(index).\(array).\(key)", "a whole number at least 0")
                    {
                        return found
                    }
                }
            }
        }
        return nil
    }

    /// A decoding failure as one line naming the field and what it must be.
    static func fieldProblem(_ context: DecodingError.Context) -> String {
        guard let last = context.codingPath.last else { return "corrupt JSON: \(context.debugDescription)" }
        let field = codingPath(context.codingPath)
        let expected: String
        switch last.stringValue {
        case "inputSize", "outputSize": expected = "a whole number at least 1"
        case "version": expected = "a whole number (\(readableVersions.lowerBound) to \(readableVersions.upperBound))"
        case "rows", "columns": expected = "a whole number at least 0"
        case "stepCount", "epoch", "bestEpoch", "epochsWithoutImprovement": expected = "a whole number at least 0"
        default: expected = "a value of the documented type"
        }
        // The decoder's text names the offending number ("Parsed JSON number <1e30> does not fit in Int.").
        return "field '\(field)' must be \(expected): \(context.debugDescription)"
    }
}

extension ModelFile {
    /// The number of inputs the first layer takes: a dense layer's `inputSize`, an image layer's
    /// channels · height · width; 0 when the first layer declares neither.
    public var inputWidth: Int {
        guard let first = layers.first else { return 0 }
        if let shapes = first.kind?.sampleShapes(first) { return shapes.input.reduce(1, *) }
        if first.type == BatchNormKind.typeName { return first.integer("features") ?? 0 }
        return first.inputSize ?? 0
    }
}

/// `(1, 28, 28)`: a sample's shape as messages write it.
func shapeText(_ shape: [Int]) -> String { "(\(shape.map(String.init).joined(separator: ", ")))" }

/// The largest magnitude finite in a model's precision (`"float"` or `"double"`).
func largestFinite(precision: String) -> Double {
    (Precision(rawValue: precision) ?? .double).largestFiniteMagnitude
}

extension ModelFile.InputTransform {
    /// The magnitudes a saved scale may have: positive, at least 1e-30 and at most 1e30. Training
    /// writes `1 / std` or `1 / (max - min)`, clamped to this range (``standardizing(_:)``,
    /// ``minMax(_:)``); a scale outside it is a damaged file: 0 or a subnormal makes `output / scale`
    /// infinite, and a huge one overflows `(x - offset) * scale` for ordinary inputs.
    public static let scaleRange: ClosedRange<Double> = 1e-30...1e30

    /// Checks the transform of a model's `width` inputs or outputs (`what`): one offset and one scale
    /// each, every offset finite in `precision`, every scale in ``scaleRange``.
    func validate(field: String, width: Int, what: String, precision: String, path: String) throws(NetworkError) {
        func fail(_ reason: String) -> NetworkError { .invalidModelFile(path: path, reason: reason) }
        guard offset.count == width, scale.count == width else {
            throw fail(
                "field '\(field)': \(offset.count) offsets and \(scale.count) scales for the model's \(width) \(what)")
        }
        let largest = largestFinite(precision: precision)
        if let bad = offset.firstIndex(where: { !($0.magnitude <= largest) }) {
            throw fail("field '\(field).offset.\(bad)': \(offset[bad]) is not a finite \(precision) number")
        }
        if let bad = scale.firstIndex(where: { !Self.scaleRange.contains($0) }) {
            throw fail(
                "field '\(field).scale.\(bad)': \(scale[bad]) is not a scale from \(Self.scaleRange.lowerBound) to \(Self.scaleRange.upperBound)"
            )
        }
    }
}

extension TableLayout {
    /// The values of ``missing``.
    public static let missingPolicies = ["error", "drop-rows", "mean", "median", "most-frequent"]

    /// Checks the layout against the model's `inputWidth` and itself: the columns give that many
    /// inputs; names are distinct and none is the target's (a header with one name twice cannot be
    /// read back by name); positions are distinct and lie within ``fileColumnCount``; categories are
    /// distinct, a fill category is one of them, a fill number is finite in `precision`; a date
    /// column's format is one ``DateColumn`` reads, its inputs are distinct (at least one) and its
    /// fill is a date in it; ``missing`` is one of ``missingPolicies``.
    func validate(inputWidth: Int, precision: String, path: String) throws(NetworkError) {
        func fail(_ reason: String) -> NetworkError { .invalidModelFile(path: path, reason: reason) }
        guard !columns.isEmpty else { throw fail("field 'tableLayout.columns': no columns") }
        guard (1...(1 << 40)).contains(fileColumnCount) else {
            throw fail("field 'tableLayout.fileColumnCount': \(fileColumnCount) is not a column count")
        }
        guard Self.missingPolicies.contains(missing) else {
            throw fail(
                "field 'tableLayout.missing': '\(missing)' is none of \(Self.missingPolicies.joined(separator: ", "))")
        }
        let largest = largestFinite(precision: precision)
        var names: Set<String> = [], positions: Set<Int> = []
        var width = 0
        for (index, column) in columns.enumerated() {
            let field = "tableLayout.columns.\(index)"
            guard names.insert(column.name).inserted, column.name != targetName else {
                throw fail("field '\(field).name': the column name '\(column.name)' appears twice")
            }
            guard (0..<fileColumnCount).contains(column.position), positions.insert(column.position).inserted else {
                throw fail(
                    "field '\(field).position': \(column.position) is not a distinct column of the \(fileColumnCount) in the training file"
                )
            }
            if let fill = column.fillNumber, !(fill.magnitude <= largest) {
                throw fail("field '\(field).fillNumber': \(fill) is not a finite \(precision) number")
            }
            if let date = column.date {
                guard column.categories == nil, column.fillNumber == nil else {
                    throw fail("field '\(field).date': a date column has neither categories nor a fill number")
                }
                guard date.isValidFormat else {
                    throw fail(
                        "field '\(field).date.format': '\(date.format)' is not 'iso' or a pattern of %Y, %m, %d (and %H, %M, %S)"
                    )
                }
                guard !date.inputs.isEmpty, Set(date.inputs).count == date.inputs.count else {
                    throw fail("field '\(field).date.inputs': a date column gives distinct inputs, at least one")
                }
                if let fill = column.fillCategory, date.parse(fill) == nil {
                    throw fail("field '\(field).fillCategory': '\(fill)' is not a date in the format '\(date.format)'")
                }
            }
            if let categories = column.categories {
                guard Set(categories).count == categories.count else {
                    throw fail("field '\(field).categories': a category appears twice")
                }
                if let fill = column.fillCategory, !categories.contains(fill) {
                    throw fail("field '\(field).fillCategory': '\(fill)' is not one of the column's categories")
                }
            }
            width += column.width
        }
        guard width == inputWidth else {
            throw fail(
                "field 'tableLayout.columns': the columns give \(width) inputs but the first layer takes \(inputWidth)")
        }
    }
}
