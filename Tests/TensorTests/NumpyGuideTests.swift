import Foundation
import Tensor
import Testing

// The "From numpy to Matrix" guide (Sources/Tensor/Tensor.docc/NumpyToMatrix.md), checked row by row:
// every Swift expression of its table runs here and is compared with numpy's answer, which
// scripts/fixtures/numpy_guide_fixtures.py computed and wrote to Fixtures/numpy_guide.json. That script
// holds the rows (id, numpy, Swift) and writes the article's tables; `guideRows` below has one
// `guide.check("id") { Swift }` line per row, and `tableStaysInSync` fails when the article, the JSON and
// those lines disagree about any row.

/// The answer of one row, in the form both languages' answers are compared in.
enum GuideValue: Equatable, CustomStringConvertible {
    /// A matrix (numpy's 1-D arrays become `(1, n)` rows, its booleans 0 and 1).
    case matrix(Matrix<Double>)
    /// Integers: an index, a count, a shape, a permutation.
    case integers([Int])
    /// One number.
    case scalar(Double)
    /// Printed text.
    case text(String)
    /// A yes or no.
    case boolean(Bool)

    var description: String {
        switch self {
        case .matrix(let matrix): "matrix \(matrix.shapeDescription) \(matrix.scalars)"
        case .integers(let integers): "integers \(integers)"
        case .scalar(let scalar): "scalar \(scalar)"
        case .text(let text): "text \(text.debugDescription)"
        case .boolean(let boolean): "boolean \(boolean)"
        }
    }
}

/// A Swift value a row of the guide can return.
protocol GuideResult {
    /// The value in the form it is compared in.
    var guideValue: GuideValue { get }
}

extension Matrix: GuideResult {
    var guideValue: GuideValue { .matrix(Matrix<Double>(self)) }
}

extension Double: GuideResult {
    var guideValue: GuideValue { .scalar(self) }
}

extension Int: GuideResult {
    var guideValue: GuideValue { .integers([self]) }
}

extension Bool: GuideResult {
    var guideValue: GuideValue { .boolean(self) }
}

extension String: GuideResult {
    var guideValue: GuideValue { .text(self) }
}

/// An element of an array a row can return: `[Double]` is a `(1, n)` row, `[[Double]]` and `[[Int]]`
/// matrices, `[Int]` integers.
protocol GuideArrayElement {
    static func guideValue(of elements: [Self]) -> GuideValue
}

extension Array: GuideResult where Element: GuideArrayElement {
    var guideValue: GuideValue { Element.guideValue(of: self) }
}

extension Double: GuideArrayElement {
    static func guideValue(of elements: [Double]) -> GuideValue {
        .matrix(Matrix(rows: 1, columns: elements.count, scalars: elements))
    }
}

extension Int: GuideArrayElement {
    static func guideValue(of elements: [Int]) -> GuideValue { .integers(elements) }
}

/// A number a nested array row can hold: `[[Double]]` and `[[Int]]` (argsort's indices) are matrices.
protocol GuideNumber {
    /// The number as a `Double` (exact for the indices the rows return).
    var guideDouble: Double { get }
}

extension Double: GuideNumber {
    var guideDouble: Double { self }
}

extension Int: GuideNumber {
    var guideDouble: Double { Double(self) }
}

extension Array: GuideArrayElement where Element: GuideNumber {
    static func guideValue(of elements: [[Element]]) -> GuideValue {
        .matrix(Matrix(elements.map { row in row.map(\.guideDouble) }))
    }
}

/// The Swift side of the table: each row's id and expression, in the article's order.
struct GuideRows {
    /// The rows registered so far.
    private(set) var rows: [(id: String, run: () throws -> GuideValue)] = []

    /// Registers the row `id`, whose Swift expression is `body`.
    mutating func check<Result: GuideResult>(_ id: String, _ body: @escaping () throws -> Result) {
        rows.append((id, { try body().guideValue }))
    }

    /// Registers a row that returns a shape.
    mutating func check(_ id: String, _ body: @escaping () -> (rows: Int, columns: Int)) {
        rows.append(
            (
                id,
                {
                    let shape = body(); return .integers([shape.rows, shape.columns])
                }
            ))
    }
}

/// The table's Swift expressions, one line per row, with the inputs of the article's setup block.
/// Each line is `guide.check("id") { expression }` exactly as the article shows the expression, so it
/// must stay on one line (hence swift-format-ignore).
// swift-format-ignore
func guideRows() -> GuideRows {
    let a: Matrix<Double> = [[1, -2, 3], [4, 5, -6]]
    let b: Matrix<Double> = [[0.5, 1], [-1, 2], [3, -0.25]]
    let m: Matrix<Double> = [[2, 0, 1], [1, 3, 2], [1, 1, 4]]
    let s: Matrix<Double> = [[4, 1, 2], [1, 5, 1], [2, 1, 6]]
    let y: Matrix<Double> = [[1], [2], [3]]
    let rowVector: Matrix<Double> = [[10, 20, 30]]
    let columnVector: Matrix<Double> = [[1], [-1]]
    var guide = GuideRows()
        // Creating matrices
        guide.check("array") { Matrix<Double>([[1, 2], [3, 4]]) }
        guide.check("zeros") { Matrix<Double>.zeros(rows: 2, columns: 3) }
        guide.check("ones") { Matrix<Double>.ones(rows: 2, columns: 3) }
        guide.check("full") { Matrix<Double>.filled(rows: 2, columns: 3, with: 7.5) }
        guide.check("eye") { Matrix<Double>.identity(size: 3) }
        guide.check("diag") { Matrix<Double>.diagonal([1, 2, 3]) }
        guide.check("diagonal-of") { m.diagonalScalars }
        guide.check("linspace") { Matrix<Double>.linearlySpaced(from: 0, to: 1, count: 5) }
        guide.check("arange") { Matrix<Double>.range(from: 0, to: 2, step: 0.5) }
        guide.check("row-vector") { Matrix<Double>.row([1, 2, 3]) }
        guide.check("column-vector") { Matrix<Double>.column([1, 2]) }
        guide.check("vector") { Matrix<Double>(vector: [1, 2, 3]) }
        guide.check("fromfunction") { Matrix<Double>(rows: 2, columns: 3) { row, column in Double(10 * row + column) } }
        guide.check("astype-float32") { Matrix<Float>(Matrix<Double>([[0.1, 1.0 / 3]])) }
        guide.check("copy") { var x = a; x[0, 0] = 9; return a.appendingRows(x) }

        // Shape, indexing and slicing
        guide.check("shape") { a.shape }
        guide.check("size") { a.count }
        guide.check("element") { a[1, 2] }
        guide.check("set-element") { var x = a; x[0, 1] = 0.5; return x }
        guide.check("transpose") { a.transposed() }
        guide.check("reshape") { a.reshaped(rows: 3, columns: 2) }
        guide.check("one-row") { a.row(1) }
        guide.check("one-column") { a.column(1) }
        guide.check("row-range") { m.rows(0..<2) }
        guide.check("column-range") { a.columns(1..<3) }
        guide.check("fancy-rows") { m.rows(at: [2, 0, 2]) }
        guide.check("slice-block") { a[0..<2, 1...] }
        guide.check("slice-through") { m[...1, 1..<3] }
        guide.check("slice-all-rows") { a[..., 1...] }
        guide.check("slice-column") { a[0..<2, 1] }
        guide.check("slice-row") { m[1, 0..<2] }
        guide.check("row-subscript") { a[row: 1] }
        guide.check("column-subscript") { a[column: 0] }
        guide.check("last-row") { m[row: m.rows - 1] }
        guide.check("set-block") { var x = a; x[0..<2, 1...] = [[0]]; return x }
        guide.check("set-row") { var x = m; x[row: 1] = [[7, 8, 9]]; return x }
        guide.check("set-column") { var x = m; x[column: 2] = y; return x }
        guide.check("vstack") { a.appendingRows(rowVector) }
        guide.check("hstack") { a.appendingColumns(columnVector) }
        guide.check("concatenate-rows") { Matrix.concatenatedVertically([a, a, a]) }
        guide.check("concatenate-columns") { Matrix.concatenatedHorizontally([a, columnVector]) }
        guide.check("ravel") { a.scalars }
        guide.check("tolist") { a.nestedRows }

        // Products
        guide.check("dot") { a.dot(b) }
        guide.check("matmul") { b.dot(a) }
        guide.check("matrix-vector") { m.dot(y) }
        guide.check("outer") { columnVector.outer(rowVector) }
        guide.check("transposed-product") { var out = Matrix<Double>.zeros(rows: 3, columns: 1); Matrix.multiply(a, columnVector, into: &out, transposeLeft: true); return out }
        guide.check("gemm") { var out = Matrix<Double>.identity(size: 2); Matrix.multiply(a, b, into: &out, alpha: 2, beta: 0.5); return out }

        // Elementwise arithmetic and broadcasting
        guide.check("add") { a + a }
        guide.check("subtract-scalar") { a - 1.5 }
        guide.check("multiply") { a * a }
        guide.check("divide-scalar") { a / 4 }
        guide.check("scalar-divide") { 1 / (m + 1) }
        guide.check("broadcast-row") { a + rowVector }
        guide.check("broadcast-column") { a * columnVector }
        guide.check("negate") { -a }
        guide.check("add-in-place") { var x = a; x += rowVector; return x }
        guide.check("power") { pow(a, 2) }
        guide.check("map") { a.map { $0 > 0 ? $0 : 0.1 * $0 } }

        // Elementwise functions
        guide.check("exp") { exp(a) }
        guide.check("log") { log(abs(a)) }
        guide.check("log1p") { log1p(abs(a)) }
        guide.check("sqrt") { sqrt(abs(a)) }
        guide.check("tanh") { tanh(a) }
        guide.check("sigmoid") { sigmoid(a) }
        guide.check("relu") { relu(a) }
        guide.check("maximum-scalar") { maximum(a, 2) }
        guide.check("maximum") { maximum(a, -a) }
        guide.check("minimum-scalar") { minimum(a, 1) }
        guide.check("clip") { clip(a, -1, 2) }
        guide.check("abs") { abs(a) }
        guide.check("isfinite-all") { a.isFinite }

        // Comparisons and masks
        guide.check("greater") { a .> 0 }
        guide.check("equal") { m .== 1 }
        guide.check("less-equal") { a .<= 2 * a }
        guide.check("not-equal-broadcast") { a .!= rowVector / 10 }
        guide.check("mask-multiply") { a * (a .> 0) }
        guide.check("where") { Matrix.where(a .> 0, a, -a) }
        guide.check("where-broadcast") { Matrix.where(columnVector .> 0, rowVector, a) }
        guide.check("where-scalar") { Matrix.where(a .> 0, a, 0) }

        // Reductions
        guide.check("sum") { a.sum() }
        guide.check("sum-axis0-keepdims") { a.sum(axis: 0) }
        guide.check("sum-axis1") { a.sum(axis: 1, keepingDimensions: false) }
        guide.check("sum-axis1-keepdims") { a.sum(axis: 1) }
        guide.check("mean") { a.mean() }
        guide.check("mean-axis1") { a.mean(axis: 1) }
        guide.check("max") { a.max() }
        guide.check("max-axis0") { a.max(axis: 0) }
        guide.check("min-axis1") { a.min(axis: 1) }
        guide.check("argmax") { a.argmax() }
        guide.check("argmax-axis1") { a.argmax(axis: 1) }
        guide.check("argmin-axis0") { a.argmin(axis: 0) }
        guide.check("var") { a.variance() }
        guide.check("var-ddof1-axis0") { a.variance(axis: 0, deltaDegreesOfFreedom: 1) }
        guide.check("std") { a.standardDeviation() }
        guide.check("std-axis1") { a.standardDeviation(axis: 1) }
        guide.check("norm") { a.frobeniusNorm() }

        // Sorting, counting and order statistics
        guide.check("sort") { a.sorted() }
        guide.check("sort-axis0") { a.sorted(axis: 0) }
        guide.check("sort-flattened") { a.sorted(axis: nil) }
        guide.check("sort-nan") { Matrix<Double>([[.nan, 2, -.infinity, 1]]).sorted() }
        guide.check("argsort") { a.argsort() }
        guide.check("argsort-axis0") { m.argsort(axis: 0) }
        guide.check("argsort-flattened") { m.argsort(axis: nil) }
        guide.check("unique") { m.unique() }
        guide.check("unique-counts") { m.uniqueWithCounts().counts }
        guide.check("cumsum") { a.cumulativeSum() }
        guide.check("cumsum-axis0") { a.cumulativeSum(axis: 0) }
        guide.check("cumprod-axis1") { a.cumulativeProduct(axis: 1) }
        guide.check("median") { a.median() }
        guide.check("median-axis0") { m.median(axis: 0) }
        guide.check("median-axis1") { b.median(axis: 1, keepingDimensions: false) }
        guide.check("percentile") { a.percentile(30) }
        guide.check("percentile-axis1") { a.percentile(75, axis: 1) }
        guide.check("quantile") { m.quantile(0.4) }
        guide.check("quantile-axis0") { b.quantile(0.25, axis: 0) }

        // Linear algebra (numpy.linalg)
        guide.check("solve") { try solve(m, y) }
        guide.check("inv") { try m.inverse() }
        guide.check("det") { try m.determinant() }
        guide.check("slogdet") { try m.signAndLogDeterminant().logAbsoluteDeterminant }
        guide.check("lstsq") { try leastSquares(b, y).solution }
        guide.check("svd-values") { try a.singularValues() }
        guide.check("svd") { let (u, sv, vt) = try a.singularValueDecomposition(full: false); return u.dot(Matrix.diagonal(sv)).dot(vt) }
        guide.check("eigh") { try s.symmetricEigen().values }
        guide.check("eig") { try m.eigen().eigenvalueRealParts.sorted() }
        guide.check("cholesky") { try s.cholesky() }
        guide.check("qr") { abs(try m.qr().r) }
        guide.check("pinv") { try a.pseudoInverse() }
        guide.check("matrix-rank") { try a.rank() }
        guide.check("cond") { try m.conditionNumber() }
        guide.check("norm-1") { try m.norm(.one) }
        guide.check("norm-2") { try m.norm(.two) }
        guide.check("norm-nuclear") { try m.norm(.nuclear) }

        // Random numbers (numpy's legacy np.random)
        guide.check("rand") { var random = NumpyRandomState(seed: 1); return Matrix<Double>.random(rows: 2, columns: 3, using: &random) }
        guide.check("randn") { var random = NumpyRandomState(seed: 0); return Matrix<Double>.standardNormal(rows: 2, columns: 2, using: &random) }
        guide.check("uniform") { var random = NumpyRandomState(seed: 42); return Matrix<Double>.uniform(rows: 2, columns: 3, low: -1, high: 1, using: &random) }
        guide.check("normal") { var random = NumpyRandomState(seed: 3); return Matrix<Double>.normal(rows: 3, columns: 1, mean: 5, standardDeviation: 2, using: &random) }
        guide.check("random-sample") { var random = NumpyRandomState(seed: 9); return random.randomSample() }
        guide.check("randint") { var random = NumpyRandomState(seed: 5); return random.randomIntegers(in: 0..<10, count: 4) }
        guide.check("permutation") { var random = NumpyRandomState(seed: 7); return random.permutation(6) }
        guide.check("choice") { var random = NumpyRandomState(seed: 2); return random.choice(5, count: 3) }
        guide.check("shuffle") { var random = NumpyRandomState(seed: 4); var x = Array(0..<5); random.shuffle(&x); return x }
        guide.check("rand-default") { Matrix<Double>.random(rows: 2, columns: 3) }
        guide.check("randn-default") { Matrix<Double>.standardNormal(rows: 2, columns: 2) }
        guide.check("uniform-default") { Matrix<Double>.uniform(rows: 2, columns: 3, low: -1, high: 1) }
        guide.check("normal-default") { Matrix<Double>.normal(rows: 3, columns: 1, mean: 5, standardDeviation: 2) }

        // Printing
        guide.check("repr") { a.description }
        guide.check("str") { b.formatted(MatrixFormat(style: .plain)) }
        guide.check("printoptions") { Matrix<Double>([[1.0 / 3, 2.0 / 3]]).formatted(MatrixFormat(style: .plain, precision: 3)) }
    return guide
}

@Suite struct NumpyGuideTests {
    /// numpy's answer to one row, as the fixture script wrote it.
    struct Expected: Decodable, Sendable {
        let kind: String
        let rows: Int?
        let columns: Int?
        let values: [String]?
        let integers: [Int]?
        let scalar: String?
        let text: String?
        let boolean: Bool?

        var value: GuideValue {
            switch kind {
            case "matrix": .matrix(Matrix(rows: rows!, columns: columns!, scalars: values!.map(parse)))
            case "integers": .integers(integers!)
            case "scalar": .scalar(parse(scalar!))
            case "text": .text(text!)
            case "boolean": .boolean(boolean!)
            default: fatalError("numpy_guide.json: unknown kind \(kind)")
            }
        }
    }

    /// One row of the table as the fixture script wrote it.
    struct Row: Decodable, Sendable {
        let id: String
        let section: String
        let numpy: String
        let swift: String
        /// 0 for exact agreement, otherwise the largest error relative to max(1, largest |expected|).
        let tolerance: Double
        let expected: Expected
    }

    struct Fixture: Decodable, Sendable {
        let numpy: String
        let rows: [Row]
    }

    static let fixture: Fixture = loadFixture("numpy_guide")

    /// Whether `actual` is within `tolerance · scale` of `expected` (exactly equal for tolerance 0);
    /// nan matches nan and infinities must match exactly.
    static func close(_ actual: Double, _ expected: Double, tolerance: Double, scale: Double) -> Bool {
        if actual.isNaN || expected.isNaN { return actual.isNaN && expected.isNaN }
        if tolerance == 0 || !expected.isFinite { return actual == expected }
        return Swift.abs(actual - expected) <= tolerance * scale
    }

    static func agrees(_ actual: GuideValue, _ expected: GuideValue, tolerance: Double) -> Bool {
        switch (actual, expected) {
        case (.matrix(let actual), .matrix(let expected)):
            guard actual.shape == expected.shape else { return false }
            let scale = Swift.max(1, expected.scalars.filter(\.isFinite).map(Swift.abs).max() ?? 1)
            return zip(actual.scalars, expected.scalars).allSatisfy {
                close($0, $1, tolerance: tolerance, scale: scale)
            }
        case (.scalar(let actual), .scalar(let expected)):
            return close(actual, expected, tolerance: tolerance, scale: Swift.max(1, Swift.abs(expected)))
        default:
            return actual == expected
        }
    }

    @Test("the table has at least 60 rows")
    func tableIsLarge() {
        #expect(Self.fixture.rows.count >= 60)
    }

    @Test("each Swift expression gives numpy's answer", arguments: guideRows().rows.map(\.id))
    func rowAgreesWithNumpy(id: String) throws {
        let row = try #require(Self.fixture.rows.first { $0.id == id }, "\(id) is not in numpy_guide.json")
        let run = try #require(guideRows().rows.first { $0.id == id }?.run)
        let actual = try run()
        let expected = row.expected.value
        #expect(
            Self.agrees(actual, expected, tolerance: row.tolerance),
            "\(id): Swift `\(row.swift)` gives \(actual); numpy `\(row.numpy)` gives \(expected)")
    }

    @Test("the article, the fixture and the check lines name the same rows with the same text")
    func tableStaysInSync() throws {
        let fixtureRows = Self.fixture.rows.map { [$0.id, $0.numpy, $0.swift] }

        // The check lines of this file, with their Swift text.
        let testSource = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
        let checkLine = /^\s*guide\.check\("([^"]+)"\) \{ (.*) \}$/
        let checkRows = testSource.split(separator: "\n").compactMap { line -> [String]? in
            guard let match = line.wholeMatch(of: checkLine) else { return nil }
            return [String(match.1), String(match.2)]
        }
        #expect(
            checkRows == fixtureRows.map { [$0[0], $0[2]] },
            "rerun scripts/fixtures/numpy_guide_fixtures.py, then regenerate the check lines")
        #expect(guideRows().rows.map(\.id) == fixtureRows.map { $0[0] })

        // The article's table rows, in the fixture's order: | `numpy` | `Swift` |
        let article = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/Tensor/Tensor.docc/NumpyToMatrix.md")
        let articleText = try String(contentsOf: article, encoding: .utf8)
        let tableLine = /^\| `([^`]+)` \| `([^`]+)` \|$/
        let articleRows = articleText.split(separator: "\n").compactMap { line -> [String]? in
            guard let match = line.wholeMatch(of: tableLine) else { return nil }
            return [String(match.1), String(match.2)]
        }
        #expect(
            articleRows == fixtureRows.map { [$0[1], $0[2]] },
            "rerun scripts/fixtures/numpy_guide_fixtures.py to rewrite the article's tables")
    }
}
