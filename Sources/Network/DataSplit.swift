import Tensor

/// How the rows of a data set divide into training and validation rows: the one place that decides it,
/// used by ``Sequential/fit(_:_:loss:optimizer:options:validation:random:)`` and by `nn train`.
///
/// ``holdingOutLast(_:of:)`` splits as Keras's `validation_split` does: the first
/// `⌊n · (1 - fraction)⌋` rows train and the rest validate, taken before any shuffling.
public struct DataSplit: Sendable, Equatable {
    /// The rows that train.
    public let trainingRows: Range<Int>
    /// The rows held out for validation (empty when nothing is held out).
    public let validationRows: Range<Int>

    /// A split of `sampleCount` rows whose last `fraction` of rows (rounded as Keras rounds) validate.
    ///
    /// A `fraction` of 0 holds nothing out. A positive fraction can leave one side empty (too few rows,
    /// or a fraction near 1); ``isUsable`` says so, and the callers turn it into their own error.
    ///
    /// - Precondition: `fraction` is in `[0, 1)` and `sampleCount` is not negative.
    public static func holdingOutLast(_ fraction: Double, of sampleCount: Int) -> DataSplit {
        checkPrecondition(
            fraction >= 0 && fraction < 1 && sampleCount >= 0,
            "DataSplit.holdingOutLast: a fraction of \(fraction) of \(sampleCount) rows (the fraction must be in [0, 1))"
        )
        let kept = fraction > 0 ? Int((Double(sampleCount) * (1 - fraction)).rounded(.down)) : sampleCount
        return DataSplit(trainingRows: 0..<kept, validationRows: kept..<sampleCount, holdsOut: fraction > 0)
    }

    /// Whether something was asked to be held out.
    let holdsOut: Bool

    /// Whether both sides have rows, or, when nothing is held out, whether there are training rows.
    public var isUsable: Bool { !trainingRows.isEmpty && (!holdsOut || !validationRows.isEmpty) }

    /// The number of rows held out for validation.
    public var validationCount: Int { validationRows.count }

    /// The number of rows that train.
    public var trainingCount: Int { trainingRows.count }

    /// The training rows of `matrix` (a copy).
    public func training<Scalar: MatrixScalar>(_ matrix: Matrix<Scalar>) -> Matrix<Scalar> { matrix.rows(trainingRows) }

    /// The validation rows of `matrix` (a copy).
    public func validation<Scalar: MatrixScalar>(_ matrix: Matrix<Scalar>) -> Matrix<Scalar> {
        matrix.rows(validationRows)
    }
}
