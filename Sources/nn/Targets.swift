import ArgumentParser
import Network
import Tensor
import TensorIO

/// Targets in the form the network learns them, and what they mean.
struct PreparedTargets<Scalar: MatrixScalar> {
    /// One row per sample, one column per network output.
    var targets: Matrix<Scalar>
    /// The class names by output (or, for one sigmoid output, by 0 and 1) when the task is classification.
    var classNames: [String]?
    /// Whether accuracy means something for these targets (classes, or 0/1 values).
    var measuresAccuracy: Bool
}

/// Decides classification against regression and turns class labels into the targets a loss needs.
enum TargetPreparation {
    /// The loss to train with when `--loss` is not given: softmax cross-entropy for more than two
    /// classes, binary cross-entropy for two classes or 0/1 targets, mean squared error otherwise.
    static func defaultLoss<Scalar: MatrixScalar>(targets: Matrix<Scalar>, classNames: [String]?) -> Loss {
        if let classNames {
            return classNames.count <= 2 && targets.columns == 1 ? .binaryCrossEntropy : .softmaxCrossEntropy
        }
        if targets.columns == 1 && isZeroOne(targets) { return .binaryCrossEntropy }
        return .meanSquaredError
    }

    static func isZeroOne<Scalar: MatrixScalar>(_ targets: Matrix<Scalar>) -> Bool {
        targets.scalars.allSatisfy { $0 == 0 || $0 == 1 }
    }

    /// Class indices from a one-column target of whole numbers from 0, or a message naming the first bad row.
    static func classIndices<Scalar: MatrixScalar>(_ targets: Matrix<Scalar>, source: String) throws -> [Int] {
        var indices: [Int] = []
        indices.reserveCapacity(targets.rows)
        for (row, value) in targets.scalars.enumerated() {
            guard value >= 0, value.rounded() == value, value < 1_000_000 else {
                throw CommandError.invalidTargets(
                    "\(source): target row \(row + 1) is \(value), not a class index (a whole number from 0); use a regression loss (--loss mse) for numeric targets"
                )
            }
            indices.append(Int(value))
        }
        return indices
    }

    /// ``classIndices(_:source:)``, each checked to be one of `classNames` (the classes a model knows).
    static func classIndices<Scalar: MatrixScalar>(
        _ targets: Matrix<Scalar>, within classNames: [String], source: String
    ) throws -> [Int] {
        let indices = try classIndices(targets, source: source)
        if let row = indices.firstIndex(where: { $0 >= classNames.count }) {
            throw CommandError.invalidTargets(
                "\(source): target row \(row + 1) is class \(indices[row]), but the model knows \(classNames.count) classes (0 to \(classNames.count - 1): \(classNames.joined(separator: ", ")))"
            )
        }
        return indices
    }

    /// Maps class indices of the data's own label encoding onto the indices of `modelClassNames`.
    static func remap<Scalar: MatrixScalar>(
        _ targets: Matrix<Scalar>, dataClassNames: [String], modelClassNames: [String], source: String
    ) throws -> Matrix<Scalar> {
        let mapping: [Int]
        switch LabelEncoding(classNames: modelClassNames).indices(of: dataClassNames) {
        case .success(let indices): mapping = indices
        case .failure(let unknown):
            throw CommandError.dataMismatch(
                "\(source): class '\(unknown.label)' is not one of the model's classes (\(modelClassNames.joined(separator: ", ")))"
            )
        }
        let indices = try classIndices(targets, source: source)
        return .column(
            try indices.map { index in
                guard index < mapping.count else {
                    throw CommandError.invalidTargets("\(source): class index \(index) has no name")
                }
                return Scalar(mapping[index])
            })
    }

    /// Prepares `raw` targets for `loss`.
    ///
    /// - Parameters:
    ///   - classNames: the data's class names (already mapped to `knownClassNames` when both exist).
    ///   - knownClassNames: the class names of a model being continued or evaluated.
    static func prepare<Scalar: MatrixScalar>(
        _ raw: Matrix<Scalar>, classNames: [String]?, knownClassNames: [String]?, loss: Loss, source: String
    ) throws -> PreparedTargets<Scalar> {
        let names = knownClassNames ?? classNames
        switch loss {
        case .softmaxCrossEntropy:
            if raw.columns > 1 {
                return PreparedTargets(
                    targets: raw, classNames: names ?? (0..<raw.columns).map(String.init), measuresAccuracy: true)
            }
            let indices =
                try knownClassNames.map { known in try classIndices(raw, within: known, source: source) }
                ?? classIndices(raw, source: source)
            let classCount = max(names?.count ?? 0, (indices.max() ?? 0) + 1, 2)
            return PreparedTargets(
                targets: oneHot(classIndices: indices, classCount: classCount),
                classNames: names.map { $0 + (($0.count)..<classCount).map(String.init) }
                    ?? (0..<classCount).map(String.init),
                measuresAccuracy: true)
        case .binaryCrossEntropy:
            if raw.columns == 1 {
                if let names, names.count > 2 {
                    throw CommandError.invalidTargets(
                        "\(source): binary cross-entropy needs two classes but the targets have \(names.count); use --loss softmax-cross-entropy"
                    )
                }
                if let row = raw.scalars.firstIndex(where: { !($0 >= 0 && $0 <= 1) }) {
                    throw CommandError.invalidTargets(
                        "\(source): target row \(row + 1) is \(raw.scalars[row]); binary cross-entropy needs targets in [0, 1]"
                    )
                }
                return PreparedTargets(targets: raw, classNames: names ?? ["0", "1"], measuresAccuracy: true)
            }
            return PreparedTargets(targets: raw, classNames: nil, measuresAccuracy: isZeroOne(raw))
        case .meanSquaredError, .halfSumSquaredError, .sumSquaredError:
            if let names, raw.columns == 1, names.count > 2 {
                let indices = try classIndices(raw, within: names, source: source)
                return PreparedTargets(
                    targets: oneHot(classIndices: indices, classCount: names.count), classNames: names,
                    measuresAccuracy: true)
            }
            return PreparedTargets(targets: raw, classNames: names, measuresAccuracy: names != nil || isZeroOne(raw))
        }
    }
}

/// `--task`: classification or regression, overriding the inference from the targets.
enum TaskOption: String, ExpressibleByArgument, CaseIterable {
    case classify, regress
}

/// Decides the task from the targets when `--task` is not given (the rule README documents).
///
/// As scikit-learn's `type_of_target`, text labels are classes and numbers with a fraction are a
/// continuous (regression) target. Unlike it, whole numbers are classes only when they are few: at
/// most ``largestInferredClassCount`` distinct values, and no more than half as many as there are
/// rows (two values always count as classes), so that a count or a price in whole units
/// (diabetes' 25 to 346) trains as regression. A target of several columns is regression.
enum TaskInference {
    /// The most distinct whole-number values a classification target is inferred to have.
    static let largestInferredClassCount = 20

    static func infer<Scalar: MatrixScalar>(targets: Matrix<Scalar>, classNames: [String]?) -> TaskOption {
        if classNames != nil { return .classify }
        guard targets.columns == 1 else { return .regress }
        var distinct = Set<Scalar>()
        for value in targets.scalars {
            guard value.rounded() == value else { return .regress }
            distinct.insert(value)
            if distinct.count > largestInferredClassCount { return .regress }
        }
        return distinct.count <= 2 || distinct.count * 2 <= targets.rows ? .classify : .regress
    }

    /// Class indices and names for numeric class labels: the distinct values in increasing order
    /// become classes 0, 1, ..., named by their values (`"3"`, `"7"`).
    static func numericClasses<Scalar: MatrixScalar>(_ targets: Matrix<Scalar>, source: String) throws -> (
        indices: Matrix<Scalar>, names: [String]
    ) {
        guard targets.columns == 1 else {
            throw CommandError.usage(
                "--task classify needs one target column of class labels, and \(source) has \(targets.columns)")
        }
        if let row = targets.scalars.firstIndex(where: { $0.rounded() != $0 }) {
            throw CommandError.usage(
                "--task classify: target row \(row + 1) of \(source) is \(targets.scalars[row]), not a class label (a whole number or a text); use --task regress"
            )
        }
        let values = Set(targets.scalars).sorted()
        let index = Dictionary(uniqueKeysWithValues: values.enumerated().map { ($1, $0) })
        return (.column(targets.scalars.map { Scalar(index[$0]!) }), values.map { TableData.numberLabel(Double($0)) })
    }
}
