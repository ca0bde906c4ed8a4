import Network
import Tensor

/// One of the seed notebooks, ported to this package: a runnable example that prints what the
/// notebook printed and returns the numbers for tests.
public struct NotebookExample: Sendable {
    /// The notebook's number, such as `"000"`.
    public let name: String
    /// One line saying what the example trains.
    public let summary: String
    /// The `nn train` command line that trains the same network on the same data.
    public let commandLine: String
    /// Runs the example, writing its text to `output` line by line, and returns its numbers.
    public let run: @Sendable (_ output: (String) -> Void) throws -> ExampleResult

    /// Creates an example.
    public init(
        name: String, summary: String, commandLine: String,
        run: @escaping @Sendable (_ output: (String) -> Void) throws -> ExampleResult
    ) {
        self.name = name
        self.summary = summary
        self.commandLine = commandLine
        self.run = run
    }

    /// All five examples, in notebook order.
    public static let all: [NotebookExample] = [
        notebook000, notebook001, notebook002, notebook003, notebook004,
    ]

    /// The example with the given name (`"000"`, `"0"` and `"notebook-000"` all name the first).
    public static func named(_ name: String) -> NotebookExample? {
        let digits = name.hasPrefix("notebook-") ? String(name.dropFirst("notebook-".count)) : name
        guard let number = Int(digits) else { return nil }
        return all.first { Int($0.name) == number }
    }
}

/// The numbers an example computed, by name, for tests and for the command line's summary.
public struct ExampleResult: Sendable {
    /// Named values: each a flat list (a matrix's elements in row-major order).
    public var values: [String: [Double]] = [:]

    /// An empty result.
    public init() {}

    /// Records a matrix's elements under `name`.
    public mutating func record<Scalar: MatrixScalar>(_ name: String, _ matrix: Matrix<Scalar>) {
        values[name] = matrix.scalars.map { Double($0) }
    }
}

/// The plain (`print`) numpy format, for arrays the notebooks print with `print(...)`.
let printed = MatrixFormat(style: .plain)
