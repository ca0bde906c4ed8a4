import Tensor

/// The mapping between string class labels and class indices, as found in a CSV target column.
///
/// The class names are kept in sorted order (as numpy's `np.unique` and scikit-learn's `LabelEncoder`
/// order them), so class `i` is `classNames[i]` and the same set of labels always gives the same
/// indices. Save it next to a model (it is `Codable`) to turn predicted indices back into names.
///
/// ```swift
/// let encoding = LabelEncoding(classNames: ["setosa", "versicolor", "virginica"])
/// encoding.index(of: "versicolor")  // 1
/// encoding.className(at: 2)         // "virginica"
/// ```
public struct LabelEncoding: Codable, Sendable, Equatable, Hashable {
    /// The class names; the position of a name is its class index.
    public var classNames: [String]

    /// Creates an encoding whose class `i` is `classNames[i]`.
    ///
    /// - Precondition: the names are distinct.
    public init(classNames: [String]) {
        checkPrecondition(
            Set(classNames).count == classNames.count, "LabelEncoding: class names must be distinct, got \(classNames)")
        self.classNames = classNames
    }

    /// The encoding scikit-learn's `LabelEncoder` fits: the distinct labels of `labels`, sorted.
    /// This is the one place a set of labels becomes class indices (CSV targets, table targets).
    public init(fitting labels: some Sequence<String>) {
        classNames = Set(labels).sorted()
    }

    /// The class index of each label, or the first label that is not a class (with its position).
    public func indices(of labels: [String]) -> Result<[Int], UnknownLabel> {
        let lookup = Dictionary(uniqueKeysWithValues: classNames.enumerated().map { ($1, $0) })
        var indices: [Int] = []
        indices.reserveCapacity(labels.count)
        for (position, label) in labels.enumerated() {
            guard let index = lookup[label] else { return .failure(UnknownLabel(position: position, label: label)) }
            indices.append(index)
        }
        return .success(indices)
    }

    /// A label that is not one of an encoding's classes, at `position` in the labels encoded.
    public struct UnknownLabel: Error, Sendable, Equatable {
        /// Where the label stands in the labels given.
        public var position: Int
        /// The label.
        public var label: String
    }

    /// The number of classes.
    public var count: Int { classNames.count }

    /// The class index of `className`, or nil when it is not one of the classes.
    public func index(of className: String) -> Int? {
        classNames.firstIndex(of: className)
    }

    /// The class name of class index `index`.
    ///
    /// - Precondition: `0 <= index < count`.
    public func className(at index: Int) -> String {
        checkPrecondition(
            index >= 0 && index < classNames.count,
            "LabelEncoding: class index \(index) out of range 0..<\(classNames.count)")
        return classNames[index]
    }
}
