import Tensor

/// The small data sets of the seed notebooks, exactly as each notebook writes them.
public enum NotebookData {
    /// XOR with a constant third input standing in for a bias (notebook 000).
    public static let xorWithConstantInputs: Matrix<Double> = [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]]
    /// The XOR targets in the order 00, 01, 10, 11 (notebooks 000, 003, 004).
    public static let xorTargets: Matrix<Double> = [[0], [1], [1], [0]]
    /// The XOR inputs in the order 00, 01, 10, 11 (notebooks 003, 004).
    public static let xorInputs: Matrix<Double> = [[0, 0], [0, 1], [1, 0], [1, 1]]
    /// Notebook 002's XOR inputs, in the order 00, 10, 01, 11.
    public static let xorInputsNotebook002: Matrix<Double> = [[0, 0], [1, 0], [0, 1], [1, 1]]
    /// Notebook 002's XOR targets (for its input order).
    public static let xorTargetsNotebook002: Matrix<Double> = [[0], [1], [1], [0]]
    /// Notebook 001's regression inputs.
    public static let regressionInputs: Matrix<Double> = [[1, 1], [1, 2], [2, 1], [2, 2]]
    /// Notebook 001's regression targets.
    public static let regressionTargets: Matrix<Double> = [[0], [1], [2], [3]]

    /// The data set of a notebook by name (`notebook-000` … `notebook-004`), or plain `xor`.
    public static func named(_ name: String) -> (inputs: Matrix<Double>, targets: Matrix<Double>)? {
        switch name {
        case "xor", "notebook-003", "notebook-004": return (xorInputs, xorTargets)
        case "notebook-000": return (xorWithConstantInputs, xorTargets)
        case "notebook-001": return (regressionInputs, regressionTargets)
        case "notebook-002": return (xorInputsNotebook002, xorTargetsNotebook002)
        default: return nil
        }
    }

    /// The names ``named(_:)`` accepts.
    public static let names = ["xor", "notebook-000", "notebook-001", "notebook-002", "notebook-003", "notebook-004"]
}
