import Tensor

/// A shuffled split of sample rows into a kept part and a held-out part (for validation or testing),
/// stratified by class when classes are given, drawn from a seeded numpy-compatible generator.
///
/// Without classes, the rows are permuted and the last `round(fraction · n)` (at least 1, at most
/// n - 1) are held out. With classes, each class is permuted on its own and holds out its share,
/// `round(fraction · count)` of its rows, so both parts keep the class proportions (a class of one
/// row stays in the kept part); the parts are then put back in file order. The same seed, fraction
/// and rows always give the same split.
public struct StratifiedSplit: Sendable, Equatable {
    /// The rows that stay, in ascending order.
    public var kept: [Int]
    /// The rows held out, in ascending order.
    public var heldOut: [Int]

    /// Splits `rowCount` rows.
    ///
    /// - Parameters:
    ///   - rowCount: the number of rows to split.
    ///   - fraction: the share held out, in `(0, 1)`.
    ///   - classIndices: each row's class for a stratified split, or nil.
    ///   - seed: the seed of the generator that permutes the rows.
    /// - Precondition: `fraction` is in `(0, 1)`; `classIndices`, when given, has `rowCount` entries.
    public init(rowCount: Int, fraction: Double, classIndices: [Int]? = nil, seed: UInt32) {
        checkPrecondition(fraction > 0 && fraction < 1, "StratifiedSplit: fraction \(fraction) is not in (0, 1)")
        var random = NumpyRandomState(seed: seed)
        var held: [Int] = []
        if let classIndices {
            checkPrecondition(
                classIndices.count == rowCount,
                "StratifiedSplit: \(classIndices.count) class indices for \(rowCount) rows")
            var byClass: [Int: [Int]] = [:]
            for (row, index) in classIndices.enumerated() { byClass[index, default: []].append(row) }
            for index in byClass.keys.sorted() {
                let rows = byClass[index]!
                let order = random.permutation(rows.count)
                let share = min(rows.count - 1, Int((fraction * Double(rows.count)).rounded()))
                held += order.suffix(max(share, 0)).map { rows[$0] }
            }
        } else {
            let order = random.permutation(rowCount)
            let share = min(rowCount - 1, max(1, Int((fraction * Double(rowCount)).rounded())))
            held = Array(order.suffix(max(share, 0)))
        }
        heldOut = held.sorted()
        let heldSet = Set(held)
        kept = (0..<rowCount).filter { !heldSet.contains($0) }
    }
}
