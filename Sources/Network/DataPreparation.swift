import Tensor

extension ModelFile.InputTransform {
    /// The transform that standardizes each feature of `inputs`: `(x - mean) / std` (population
    /// standard deviation, as scikit-learn's `StandardScaler`); a constant feature gets scale 1, and a
    /// scale is clamped to ``scaleRange`` (the scales a model file may hold).
    public static func standardizing<Scalar: MatrixScalar>(_ inputs: Matrix<Scalar>) -> Self {
        let (means, deviations) = columnMoments(inputs)
        return Self(offset: means, scale: deviations.map { $0 > 0 && $0.isFinite ? clampedScale(1 / $0) : 1 })
    }

    /// Each column's mean and population standard deviation, in `Double`, without a `Double` copy of
    /// `inputs` (which for a float data set is twice its size): two passes over the rows, the mean and
    /// then the squared deviations from it, as numpy's `std` computes, each summed in blocks of 4,096
    /// rows whose sums are then added, so the rounding grows with the block and block counts, not the rows.
    static func columnMoments<Scalar: MatrixScalar>(_ inputs: Matrix<Scalar>) -> (means: [Double], deviations: [Double])
    {
        let rows = inputs.rows, columns = inputs.columns
        guard rows > 0 else {
            return (Array(repeating: .nan, count: columns), Array(repeating: .nan, count: columns))
        }
        func columnSums(_ term: (Double, Int) -> Double) -> [Double] {
            inputs.withUnsafeBufferPointer { values in
                var totals = [Double](repeating: 0, count: columns)
                var block = [Double](repeating: 0, count: columns)
                var start = 0
                while start < rows {
                    let end = Swift.min(start + 4096, rows)
                    for column in 0..<columns { block[column] = 0 }
                    for row in start..<end {
                        for column in 0..<columns {
                            block[column] += term(Double(values[row * columns + column]), column)
                        }
                    }
                    for column in 0..<columns { totals[column] += block[column] }
                    start = end
                }
                return totals
            }
        }
        let means = columnSums { value, _ in value }.map { $0 / Double(rows) }
        let variances = columnSums { value, column in (value - means[column]) * (value - means[column]) }
        return (means, variances.map { ($0 / Double(rows)).squareRoot() })
    }

    /// This transform with the inputs at `indices` passed through unchanged (offset 0, scale 1): the
    /// one-hot inputs of a table stay 0 and 1, as scikit-learn's `OneHotEncoder` leaves them in a
    /// pipeline that scales only the numeric columns. Standardizing an indicator instead turns a
    /// category held by 1 row in 69 into an input of about 8, which the network then leans on
    /// (BENCHMARKS.md, "One-hot inputs left unscaled").
    ///
    /// - Precondition: every index is an input of the transform.
    public func passingThrough(_ indices: [Int]) -> Self {
        var result = self
        for index in indices {
            checkPrecondition(
                index >= 0 && index < offset.count && index < scale.count,
                "InputTransform.passingThrough: input \(index) of \(offset.count)")
            result.offset[index] = 0
            result.scale[index] = 1
        }
        return result
    }

    /// `scale` within ``scaleRange``.
    static func clampedScale(_ scale: Double) -> Double {
        Swift.min(Swift.max(scale, scaleRange.lowerBound), scaleRange.upperBound)
    }

    /// The transform that maps each feature of `inputs` onto `[0, 1]`: `(x - min) / (max - min)`; a
    /// constant feature gets scale 1, and a scale is clamped to ``scaleRange``.
    public static func minMax<Scalar: MatrixScalar>(_ inputs: Matrix<Scalar>) -> Self {
        // In the data's own precision (exact), without a Double copy of it.
        let lows = inputs.min(axis: 0).scalars.map { Double($0) }
        let highs = inputs.max(axis: 0).scalars.map { Double($0) }
        return Self(
            offset: lows,
            scale: zip(lows, highs).map { $1 > $0 && ($1 - $0).isFinite ? clampedScale(1 / ($1 - $0)) : 1 })
    }
}

/// One-hot rows for class indices: row `i` has a 1 in column `classIndices[i]`.
///
/// - Precondition: every index is in `0..<classCount`.
public func oneHot<Scalar: MatrixScalar>(classIndices: [Int], classCount: Int, as type: Scalar.Type = Scalar.self)
    -> Matrix<Scalar>
{
    var scalars = [Scalar](repeating: 0, count: classIndices.count * classCount)
    for (row, index) in classIndices.enumerated() {
        checkPrecondition(
            index >= 0 && index < classCount, "oneHot: class index \(index) out of range 0..<\(classCount)")
        scalars[row * classCount + index] = 1
    }
    return Matrix(rows: classIndices.count, columns: classCount, scalars: scalars)
}

extension Loss {
    /// The class each row of network outputs predicts: the largest output, or for a single output
    /// 1 when it reaches the threshold (0 after tanh, 0.5 otherwise) and 0 below.
    public func classIndices<Scalar: MatrixScalar>(fromOutputs outputs: Matrix<Scalar>, finalActivation: Activation)
        -> [Int]
    {
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
        for (truth, guess) in zip(actual, predicted)
        where (0..<classCount).contains(truth) && (0..<classCount).contains(guess) {
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

extension ModelFile.InputTransform {
    /// Maps standardized values back: `value / scale + offset`, per column (the inverse of ``apply(to:rows:)``).
    public func invert<Scalar: MatrixScalar>(_ values: Matrix<Scalar>) -> Matrix<Scalar> {
        let offsetRow = Matrix<Scalar>.row(offset.map { Scalar($0) })
        let inverseScaleRow = Matrix<Scalar>.row(scale.map { Scalar(1 / $0) })
        return values * inverseScaleRow + offsetRow
    }
}

/// How one column of a training table becomes network inputs; saved in the model so that new data
/// is encoded the same way.
public struct TableColumn: Codable, Sendable, Equatable {
    /// The column's header name, or `#N` (zero-based position) in a file without a header.
    public var name: String
    /// The column's zero-based position in the training file.
    public var position: Int
    /// For a text column: its categories, one input each (one-hot), in sorted order; nil for a numeric column.
    public var categories: [String]?
    /// The number that replaces a missing cell of a numeric column (its training mean, median or most
    /// frequent value), or nil when a missing cell is an error.
    public var fillNumber: Double?
    /// The category that replaces a missing cell of a text column (for a date column, the date's
    /// text), or nil when a missing cell is an error. Model files written before version 0.4 of `nn`
    /// lack fills when training refused or dropped missing cells.
    public var fillCategory: String?
    /// For a date column: how its cells are read and which inputs they give; nil otherwise.
    public var date: DateColumn?

    /// Creates a column description.
    public init(
        name: String, position: Int, categories: [String]? = nil, fillNumber: Double? = nil,
        fillCategory: String? = nil, date: DateColumn? = nil
    ) {
        self.name = name
        self.position = position
        self.categories = categories
        self.fillNumber = fillNumber
        self.fillCategory = fillCategory
        self.date = date
    }

    /// The number of network inputs the column gives: its category count, a date's inputs, or 1.
    public var width: Int { date?.width ?? categories?.count ?? 1 }

    /// The names of those inputs: the column's name, `name=category` per category, or
    /// `name.days-since-1970` (and the date's other ``DateColumn/inputs``) for a date.
    public var inputNames: [String] {
        if let date { return date.inputSuffixes.map { "\(name).\($0)" } }
        return categories.map { $0.map { "\(name)=\($0)" } } ?? [name]
    }
}

/// The columns of a training table: which one was the target, how many there were, and how each
/// feature column becomes inputs (``TableColumn``).
public struct TableLayout: Codable, Sendable, Equatable {
    /// The feature columns, in input order.
    public var columns: [TableColumn]
    /// The target column's name (or `#N`).
    public var targetName: String?
    /// The number of columns of the training file (a file without a header is matched by position).
    public var fileColumnCount: Int
    /// How missing cells were handled: `error`, `drop-rows`, `mean`, `median` or `most-frequent`.
    public var missing: String

    /// Creates a layout.
    public init(columns: [TableColumn], targetName: String?, fileColumnCount: Int, missing: String) {
        self.columns = columns
        self.targetName = targetName
        self.fileColumnCount = fileColumnCount
        self.missing = missing
    }

    /// The network's input count.
    public var inputWidth: Int { columns.reduce(0) { $0 + $1.width } }

    /// The names of the network's inputs, in order.
    public var inputNames: [String] { columns.flatMap(\.inputNames) }

    /// The positions among the inputs of the one-hot inputs of text columns (a date's inputs and
    /// numbers are not among them).
    public var oneHotInputs: [Int] {
        var result: [Int] = [], start = 0
        for column in columns {
            if column.date == nil, column.categories != nil { result += start..<(start + column.width) }
            start += column.width
        }
        return result
    }
}

/// The statistics that fill a missing number: the mean, the median (the average of the two middle
/// values for an even count, as numpy's `median`) or the most frequent value (the smallest of ties, as
/// scikit-learn's `SimpleImputer`) of the values that are not nan; nil when every value is nan.
public enum MissingFill {
    /// The mean of the non-nan `values`.
    public static func mean(_ values: [Double]) -> Double? {
        let present = values.filter { !$0.isNaN }
        guard !present.isEmpty else { return nil }
        return present.reduce(0, +) / Double(present.count)
    }

    /// The median of the non-nan `values`.
    public static func median(_ values: [Double]) -> Double? {
        let present = values.filter { !$0.isNaN }.sorted()
        guard !present.isEmpty else { return nil }
        let middle = present.count / 2
        return present.count % 2 == 1 ? present[middle] : (present[middle - 1] + present[middle]) / 2
    }

    /// The most frequent of the non-nan `values` (the smallest among ties).
    public static func mostFrequent(_ values: [Double]) -> Double? {
        var counts: [Double: Int] = [:]
        for value in values where !value.isNaN { counts[value, default: 0] += 1 }
        return counts.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key
    }

    /// The most frequent of the present `values` (the first in sorted order among ties).
    public static func mostFrequent(_ values: [String?]) -> String? {
        var counts: [String: Int] = [:]
        for case let value? in values { counts[value, default: 0] += 1 }
        return counts.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key
    }
}

/// The regression scores scikit-learn reports: R² (`r2_score`, uniform average over output columns),
/// the root mean squared error and the mean absolute error, over every value.
public struct RegressionScores: Sendable, Equatable, Codable {
    /// The coefficient of determination, `1 - SS_res / SS_tot` per column, averaged; 1 is perfect. A
    /// constant column scores 1 when predicted exactly and 0 otherwise, as scikit-learn does.
    public var r2: Double
    /// `sqrt(mean((prediction - target)²))`.
    public var rootMeanSquaredError: Double
    /// `mean(|prediction - target|)`.
    public var meanAbsoluteError: Double

    /// Scores `predictions` against `targets`.
    ///
    /// - Precondition: both have the same shape.
    public init<Scalar: MatrixScalar>(predictions: Matrix<Scalar>, targets: Matrix<Scalar>) {
        checkPrecondition(
            predictions.shape == targets.shape,
            "RegressionScores: predictions \(predictions.shapeDescription) and targets \(targets.shapeDescription) differ"
        )
        let rows = targets.rows, columns = targets.columns
        let predicted = Matrix<Double>(predictions).scalars, actual = Matrix<Double>(targets).scalars
        var squared = 0.0, absolute = 0.0, r2Sum = 0.0
        for column in 0..<columns {
            var mean = 0.0
            for row in 0..<rows { mean += actual[row * columns + column] }
            mean /= Double(max(rows, 1))
            var residual = 0.0, total = 0.0
            for row in 0..<rows {
                let index = row * columns + column
                let error = predicted[index] - actual[index]
                residual += error * error
                absolute += Swift.abs(error)
                total += (actual[index] - mean) * (actual[index] - mean)
            }
            squared += residual
            r2Sum += total > 0 ? 1 - residual / total : (residual == 0 ? 1 : 0)
        }
        let count = Double(max(rows * columns, 1))
        r2 = r2Sum / Double(max(columns, 1))
        rootMeanSquaredError = (squared / count).squareRoot()
        meanAbsoluteError = absolute / count
    }
}

/// Per-class precision, recall, F1 and support with their macro and weighted averages, as
/// scikit-learn's `classification_report` computes them (a ratio with a zero denominator is 0).
public struct ClassificationReport: Sendable, Equatable, Codable {
    /// One class's scores.
    public struct Scores: Sendable, Equatable, Codable {
        /// Of the samples predicted as the class, the fraction that are.
        public var precision: Double
        /// Of the samples of the class, the fraction predicted as it.
        public var recall: Double
        /// The harmonic mean of precision and recall.
        public var f1: Double
        /// The number of samples of the class (for an average, of all classes).
        public var support: Int
    }

    /// The scores by class index.
    public var classes: [Scores]
    /// The fraction of samples predicted right.
    public var accuracy: Double
    /// The unweighted mean of the per-class scores.
    public var macroAverage: Scores
    /// The mean of the per-class scores weighted by support.
    public var weightedAverage: Scores

    /// The report of a confusion matrix.
    public init(_ confusion: ConfusionMatrix) {
        let counts = confusion.counts
        let classCount = counts.count
        var classes: [Scores] = []
        for index in 0..<classCount {
            let truePositives = Double(counts[index][index])
            let predicted = Double(counts.reduce(0) { $0 + $1[index] })
            let support = counts[index].reduce(0, +)
            let precision = predicted > 0 ? truePositives / predicted : 0
            let recall = support > 0 ? truePositives / Double(support) : 0
            let f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
            classes.append(Scores(precision: precision, recall: recall, f1: f1, support: support))
        }
        let total = classes.reduce(0) { $0 + $1.support }
        func average(_ weight: (Scores) -> Double, _ divisor: Double) -> Scores {
            func mean(_ value: (Scores) -> Double) -> Double {
                divisor > 0 ? classes.reduce(0) { $0 + weight($1) * value($1) } / divisor : 0
            }
            return Scores(precision: mean(\.precision), recall: mean(\.recall), f1: mean(\.f1), support: total)
        }
        self.classes = classes
        accuracy = confusion.accuracy
        macroAverage = average({ _ in 1 }, Double(classCount))
        weightedAverage = average({ Double($0.support) }, Double(total))
    }
}
