import Foundation
import Network
import Tensor
import Testing

// Shared by the Network tests: reading the numpy fixtures of scripts/fixtures/network_fixtures.py,
// comparing matrices within a relative tolerance, and small builders.

// MARK: Fixtures

/// A matrix as the fixture script writes it: its shape and its row-major elements as Python reprs
/// of float64 values, which `Double(String)` reads back exactly.
struct FixtureMatrix: Decodable, Sendable {
    let rows: Int
    let columns: Int
    let values: [String]

    /// The matrix in precision `S` (a Float matrix rounds each double to nearest).
    func matrix<S: MatrixScalar>(_: S.Type = S.self) -> Matrix<S> {
        Matrix(rows: rows, columns: columns, scalars: values.map { S(parse($0)) })
    }
}

/// Reads a number the fixture script wrote with Python's `repr`.
func parse(_ text: String) -> Double {
    guard let value = Double(text) else { fatalError("fixture: \(text) is not a number") }
    return value
}

/// Reads and decodes `Fixtures/<name>.json` from the test bundle.
func loadFixture<T: Decodable>(_ name: String, as type: T.Type = T.self) -> T {
    guard let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures") else {
        fatalError("fixture \(name).json is missing; run scripts/fixtures/network_fixtures.py")
    }
    do {
        return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
    } catch {
        fatalError("fixture \(name).json does not decode: \(error)")
    }
}

// MARK: Comparisons

/// The largest elementwise relative difference `|a - e| / max(|e|, floor)` between two matrices of
/// the same shape (`floor` keeps elements near zero from dominating).
func largestRelativeDifference<S: MatrixScalar>(_ actual: Matrix<S>, _ expected: Matrix<S>, floor: Double) -> Double {
    var worst = 0.0
    for (a, e) in zip(actual.scalars, expected.scalars) {
        let difference = Swift.abs(Double(a) - Double(e)) / Swift.max(Swift.abs(Double(e)), floor)
        if !(difference <= worst) { worst = difference }  // nan counts as the worst
    }
    return worst
}

/// Expects `actual` to have `expected`'s shape and to agree elementwise within `tolerance` relative
/// (absolute below `floor`); prints both operands on failure.
func expectClose<S: MatrixScalar>(
    _ actual: Matrix<S>, _ expected: Matrix<S>, tolerance: Double, floor: Double = 1e-12, _ label: String = "",
    sourceLocation: SourceLocation = #_sourceLocation
) {
    guard actual.shape == expected.shape else {
        Issue.record(
            "\(label): shape \(actual.shapeDescription) but expected \(expected.shapeDescription)",
            sourceLocation: sourceLocation)
        return
    }
    let difference = largestRelativeDifference(actual, expected, floor: floor)
    #expect(
        difference <= tolerance,
        "\(label): relative difference \(difference) > \(tolerance)\nactual:   \(actual.scalars)\nexpected: \(expected.scalars)",
        sourceLocation: sourceLocation)
}

/// Expects two numbers to agree within `tolerance` relative (absolute below `floor`).
func expectClose(
    _ actual: Double, _ expected: Double, tolerance: Double, floor: Double = 1e-12, _ label: String = "",
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let difference = Swift.abs(actual - expected) / Swift.max(Swift.abs(expected), floor)
    #expect(
        difference <= tolerance, "\(label): \(actual) vs expected \(expected) (relative \(difference))",
        sourceLocation: sourceLocation)
}

/// Tolerances for results compared with float64 numpy: a few ulps' worth of accumulated rounding.
func tolerance<S: MatrixScalar>(_: S.Type, double: Double = 1e-12, float: Double = 2e-5) -> Double {
    S.self == Double.self ? double : float
}

// MARK: Builders

/// The dense layers of a network, in order.
func denseLayers<S: MatrixScalar>(_ network: Sequential<S>) -> [Dense<S>] {
    network.layers.compactMap { $0 as? Dense<S> }
}

/// A matrix of draws uniform on `[low, high)` from a seeded numpy generator.
func uniformMatrix<S: MatrixScalar>(rows: Int, columns: Int, low: Double = -1, high: Double = 1, seed: UInt32)
    -> Matrix<S>
{
    var random = NumpyRandomState(seed: seed)
    return Matrix(rows: rows, columns: columns) { _, _ in S(low + (high - low) * random.randomSample()) }
}

/// One-hot rows for `labels` over `classes` classes.
func oneHot<S: MatrixScalar>(_ labels: [Int], classes: Int) -> Matrix<S> {
    Matrix(rows: labels.count, columns: classes) { row, column in labels[row] == column ? 1 : 0 }
}

/// The network's parameter values, copied.
func parameterValues<S: MatrixScalar>(_ network: Sequential<S>) -> [Matrix<S>] {
    network.parameters.map { $0.value }
}
