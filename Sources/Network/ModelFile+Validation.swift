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
        let largest = scalarPrecision.largestFiniteMagnitude
        let precisionName = precision
        var width: Int? = nil
        for (index, layer) in layers.enumerated() {
            guard let kind = layer.kind else { throw fail("layer \(index) has unknown type '\(layer.type)'") }
            if let outputWidth = try kind.validate(
                layer, index: index, inputWidth: width, arraysChecked: arraysChecked, precision: precision, path: path)
            {
                width = outputWidth
            }
        }
        if let classNames, classNames.count != (width == 1 ? 2 : width ?? 0), !(width == 1 && classNames.count == 1) {
            throw fail("\(classNames.count) class names for \(width ?? 0) outputs")
        }
        if let featureNames, featureNames.count != layers[0].inputSize {
            throw fail("\(featureNames.count) feature names for \(layers[0].inputSize ?? 0) inputs")
        }
        if let transform = inputTransform {
            if transform.offset.count != layers[0].inputSize || transform.scale.count != layers[0].inputSize {
                throw fail(
                    "the input transform has \(transform.offset.count) offsets and \(transform.scale.count) scales for \(layers[0].inputSize ?? 0) inputs"
                )
            }
            if let bad = transform.offset.firstIndex(where: { !($0.magnitude <= largest) }) {
                throw fail(
                    "field 'inputTransform.offset.\(bad)': \(transform.offset[bad]) is not a finite \(precisionName) number"
                )
            }
            if let bad = transform.scale.firstIndex(where: { !($0.magnitude <= largest) }) {
                throw fail(
                    "field 'inputTransform.scale.\(bad)': \(transform.scale[bad]) is not a finite \(precisionName) number"
                )
            }
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
