import Foundation
import Tensor
import Testing

// Shared by the Tensor tests: reading the numpy fixtures of scripts/fixtures/tensor_fixtures.py,
// and comparing matrices exactly or within a few ulps.

// MARK: Fixtures

/// A matrix as the fixture script writes it: its shape and its row-major elements as Python reprs
/// of float64 values ("0.1", "-0.0", "inf", "nan"), which `Double(String)` reads back exactly.
struct FixtureMatrix: Decodable, Sendable {
    let rows: Int
    let columns: Int
    let values: [String]

    /// The matrix in precision `S`; a Float matrix rounds each double to nearest, as numpy's `astype`.
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
        fatalError("fixture \(name).json is missing; run scripts/fixtures/tensor_fixtures.py")
    }
    do {
        return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
    } catch {
        fatalError("fixture \(name).json does not decode: \(error)")
    }
}

/// Picks the float64 or the float32 expectation of a fixture, by the precision under test.
func pick<S: MatrixScalar>(_: S.Type, double: FixtureMatrix, float: FixtureMatrix) -> Matrix<S> {
    S.self == Double.self ? double.matrix(S.self) : float.matrix(S.self)
}

// MARK: Comparisons

/// How two matrices must agree.
enum Agreement: CustomStringConvertible {
    /// Bit for bit, except that any nan matches any nan; the sign of zero counts.
    case exact
    /// Equal values (so `-0.0` matches `0.0`), nan matching nan.
    case equalValues
    /// Within `max(4 ulps of the expected value, 1e-6 (Float) or 1e-14 (Double) relative)`;
    /// infinities and nan must match exactly.
    case fewUlps

    var description: String {
        switch self {
        case .exact: "exactly"
        case .equalValues: "in value"
        case .fewUlps: "within a few ulps"
        }
    }
}

/// The relative tolerance of elementary functions in each precision.
func relativeTolerance<S: MatrixScalar>(_: S.Type) -> S {
    S.self == Float.self ? S(1e-6) : S(1e-14)
}

/// Whether `actual` agrees with `expected` as `agreement` asks.
func agrees<S: MatrixScalar>(_ actual: S, _ expected: S, _ agreement: Agreement) -> Bool {
    if expected.isNaN || actual.isNaN { return expected.isNaN && actual.isNaN }
    switch agreement {
    case .exact:
        return actual == expected && actual.sign == expected.sign
    case .equalValues:
        return actual == expected
    case .fewUlps:
        if expected.isInfinite || actual.isInfinite { return actual == expected }
        let allowed = Swift.max(4 * expected.ulp, relativeTolerance(S.self) * Swift.abs(expected))
        return Swift.abs(actual - expected) <= allowed
    }
}

/// Expects `actual` to have `expected`'s shape and elements; on failure prints both operands.
func expectMatrix<S: MatrixScalar>(
    _ actual: Matrix<S>, _ expected: Matrix<S>, _ agreement: Agreement, _ context: @autoclosure () -> String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    guard actual.shape == expected.shape else {
        Issue.record(
            "\(context()) [\(S.self)]: shape \(actual.shapeDescription), expected \(expected.shapeDescription)",
            sourceLocation: sourceLocation)
        return
    }
    let mismatches = zip(actual.scalars, expected.scalars).enumerated().filter {
        !agrees($0.element.0, $0.element.1, agreement)
    }
    if let first = mismatches.first {
        Issue.record(
            """
            \(context()) [\(S.self)]: \(mismatches.count) elements differ (\(agreement)), first at row-major \
            index \(first.offset): \(first.element.0) vs \(first.element.1)
            actual:   \(actual.nestedRows)
            expected: \(expected.nestedRows)
            """,
            sourceLocation: sourceLocation)
    }
}

/// Expects two scalars to agree; on failure prints both.
func expectScalar<S: MatrixScalar>(
    _ actual: S, _ expected: S, _ agreement: Agreement, _ context: @autoclosure () -> String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(
        agrees(actual, expected, agreement), "\(context()) [\(S.self)]: \(actual) vs \(expected) (\(agreement))",
        sourceLocation: sourceLocation)
}

// MARK: Deterministic inputs

/// A small deterministic generator (PCG-style LCG) so that tests need no fixture for plain random inputs.
struct TestGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    /// A value in [-1, 1), a multiple of 2⁻⁸ so that it is exact in both precisions.
    mutating func next<S: MatrixScalar>(_: S.Type = S.self) -> S {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return S(Int(state >> 55) - 256) / 256
    }

    mutating func matrix<S: MatrixScalar>(_: S.Type, rows: Int, columns: Int) -> Matrix<S> {
        Matrix(rows: rows, columns: columns, scalars: (0..<(rows * columns)).map { _ in next(S.self) })
    }
}
