import Tensor

extension ModelFile.InputTransform {
    /// The transform that standardizes each feature of `inputs`: `(x - mean) / std` (population
    /// standard deviation, as scikit-learn's `StandardScaler`); a constant feature gets scale 1.
    public static func standardizing<Scalar: MatrixScalar>(_ inputs: Matrix<Scalar>) -> Self {
        let wide = Matrix<Double>(inputs)
        let means = wide.mean(axis: 0).scalars
        let deviations = wide.standardDeviation(axis: 0).scalars
        return Self(offset: means, scale: deviations.map { $0 > 0 && $0.isFinite ? 1 / $0 : 1 })
    }

    /// The transform that maps each feature of `inputs` onto `[0, 1]`: `(x - min) / (max - min)`; a
    /// constant feature gets scale 1.
    public static func minMax<Scalar: MatrixScalar>(_ inputs: Matrix<Scalar>) -> Self {
        let wide = Matrix<Double>(inputs)
        let lows = wide.min(axis: 0).scalars
        let highs = wide.max(axis: 0).scalars
        return Self(offset: lows, scale: zip(lows, highs).map { $1 > $0 ? 1 / ($1 - $0) : 1 })
    }
}

/// One-hot rows for class indices: row `i` has a 1 in column `classIndices[i]`.
///
/// - Precondition: every index is in `0..<classCount`.
public func oneHot<Scalar: MatrixScalar>(classIndices: [Int], classCount: Int, as type: Scalar.Type = Scalar.self) -> Matrix<Scalar> {
    var scalars = [Scalar](repeating: 0, count: classIndices.count * classCount)
    for (row, index) in classIndices.enumerated() {
        checkPrecondition(index >= 0 && index < classCount, "oneHot: class index \(index) out of range 0..<\(classCount)")
        scalars[row * classCount + index] = 1
    }
    return Matrix(rows: classIndices.count, columns: classCount, scalars: scalars)
}

extension Loss {
    /// The class each row of network outputs predicts: the largest output, or for a single output
    /// 1 when it reaches the threshold (0 after tanh, 0.5 otherwise) and 0 below.
    public func classIndices<Scalar: MatrixScalar>(fromOutputs outputs: Matrix<Scalar>, finalActivation: Activation) -> [Int] {
        if outputs.columns == 1 {
            let threshold: Scalar = finalActivation == .tanh ? 0 : 0.5
            return outputs.scalars.map { $0 >= threshold ? 1 : 0 }
        }
        return outputs.argmax(axis: 1)
    }
}

/// Counts of predicted against actual classes.
public struct ConfusionMatrix: Sendable, Equatable {
    /// `counts[actual][predicted]`.
    public var counts: [[Int]]

    /// Counts the pairs; indices outside `0..<classCount` are ignored.
    public init(actual: [Int], predicted: [Int], classCount: Int) {
        counts = Array(repeating: Array(repeating: 0, count: classCount), count: classCount)
        for (truth, guess) in zip(actual, predicted) where (0..<classCount).contains(truth) && (0..<classCount).contains(guess) {
            counts[truth][guess] += 1
        }
    }

    /// The fraction on the diagonal.
    public var accuracy: Double {
        let total = counts.joined().reduce(0, +)
        let right = counts.indices.reduce(0) { $0 + counts[$1][$1] }
        return total == 0 ? 0 : Double(right) / Double(total)
    }
}
