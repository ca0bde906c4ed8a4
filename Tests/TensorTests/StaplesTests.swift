import Foundation
import Tensor
import Testing

/// sorted, argsort, unique, cumulativeSum, cumulativeProduct, median, quantile and percentile against
/// numpy (Fixtures/tensor_staples.json, from scripts/fixtures/staples_fixtures.py) on special inputs
/// (nan, ±inf, ±0, ties, an empty matrix), in both precisions, and against naive loops.
@Suite struct StaplesTests {
    struct Operation: Decodable, Sendable {
        let operation: String
        let axis: Int?
        let q: Double?
        let expected64, expected32: FixtureMatrix
    }

    struct Case: Decodable, Sendable {
        let name: String
        let input: FixtureMatrix
        let operations: [Operation]
    }

    struct Fixture: Decodable, Sendable {
        let cases: [Case]
    }

    static let fixture: Fixture = loadFixture("tensor_staples")

    /// The Swift answer to one fixture operation, as a matrix in the form the fixture stores it.
    static func answer<S: MatrixScalar>(_ input: Matrix<S>, _ operation: Operation) -> Matrix<S> {
        let axis = operation.axis
        switch operation.operation {
        case "sort": return input.sorted(axis: axis)
        case "argsort":
            let indices = input.argsort(axis: axis)
            let columns = axis == nil ? input.count : input.columns
            return Matrix(rows: indices.count, columns: columns, scalars: indices.flatMap { $0.map { S($0) } })
        case "cumsum": return input.cumulativeSum(axis: axis)
        case "cumprod": return input.cumulativeProduct(axis: axis)
        case "median":
            guard let axis else { return Matrix(vector: [input.median()]) }
            return input.median(axis: axis)
        case "quantile":
            guard let axis else { return Matrix(vector: [input.quantile(operation.q!)]) }
            return input.quantile(operation.q!, axis: axis)
        case "percentile":
            guard let axis else { return Matrix(vector: [input.percentile(operation.q!)]) }
            return input.percentile(operation.q!, axis: axis)
        case "unique": return input.unique()
        case "unique-counts": return Matrix(vector: input.uniqueWithCounts().counts.map { S($0) })
        default: fatalError("tensor_staples.json: unknown operation \(operation.operation)")
        }
    }

    func checkAgainstNumpy<S: MatrixScalar>(_: S.Type) {
        for test in Self.fixture.cases {
            let input = test.input.matrix(S.self)
            for operation in test.operations {
                let expected = pick(S.self, double: operation.expected64, float: operation.expected32)
                // Equal values: numpy and Matrix may keep a different one of two equal zeros.
                expectMatrix(
                    Self.answer(input, operation), expected, .equalValues,
                    "\(operation.operation)(axis: \(operation.axis.map(String.init) ?? "nil"), q: \(operation.q ?? -1)) of \(test.name)"
                )
            }
        }
    }

    @Test func matchesNumpyInDouble() { checkAgainstNumpy(Double.self) }
    @Test func matchesNumpyInFloat() { checkAgainstNumpy(Float.self) }

    @Test func fixtureCoversEveryOperationAndTheSpecialInputs() {
        let operations = Set(Self.fixture.cases.flatMap { $0.operations.map(\.operation) })
        #expect(
            operations == [
                "sort", "argsort", "cumsum", "cumprod", "median", "quantile", "percentile", "unique", "unique-counts",
            ])
        let scalars = Self.fixture.cases.flatMap { $0.input.values }
        #expect(scalars.contains("nan") && scalars.contains("inf") && scalars.contains("-inf"))
        #expect(scalars.contains("-0.0") && Self.fixture.cases.contains { $0.input.rows == 0 })
    }

    // MARK: Naive oracles

    /// Insertion sort with nan last, the plainest statement of numpy's order; stable.
    static func insertionSorted<S: MatrixScalar>(_ values: [S]) -> (values: [S], indices: [Int]) {
        var indices: [Int] = []
        for index in values.indices {
            var position = indices.count
            while position > 0 {
                let previous = values[indices[position - 1]], value = values[index]
                let before = value < previous || (previous.isNaN && !value.isNaN)
                if !before { break }
                position -= 1
            }
            indices.insert(index, at: position)
        }
        return (indices.map { values[$0] }, indices)
    }

    func checkAgainstLoops<S: MatrixScalar>(_: S.Type) {
        var generator = TestGenerator(seed: 28)
        for (rows, columns) in [(1, 1), (3, 5), (8, 2), (17, 13), (1, 40)] {
            // Rounded to eighths, so that there are many ties.
            var input = generator.matrix(S.self, rows: rows, columns: columns).map { ($0 * 8).rounded() / 8 }
            if rows * columns > 4 {
                input[0, columns - 1] = .nan
                input[rows - 1, 0] = -.infinity
            }
            let nested = input.nestedRows
            // Along each row.
            let sorted = input.sorted(), order = input.argsort()
            for row in 0..<rows {
                let oracle = Self.insertionSorted(nested[row])
                #expect(order[row] == oracle.indices, "argsort row \(row) of \(input.shapeDescription) [\(S.self)]")
                expectMatrix(sorted.row(row), Matrix(vector: oracle.values), .equalValues, "sorted row \(row)")
            }
            // Down each column, and flattened.
            let columnOrder = input.argsort(axis: 0)
            for column in 0..<columns {
                let oracle = Self.insertionSorted(nested.map { $0[column] })
                #expect(oracle.indices == (0..<rows).map { columnOrder[$0][column] }, "argsort column \(column)")
            }
            #expect(input.argsort(axis: nil) == [Self.insertionSorted(input.scalars).indices])
            // Running sums and products, left to right in S.
            var sums = [S](), products = [S]()
            var sum: S = 0, product: S = 1
            for value in input.scalars {
                sum += value
                product *= value
                sums.append(sum)
                products.append(product)
            }
            expectMatrix(input.cumulativeSum(), Matrix(vector: sums), .equalValues, "cumulativeSum()")
            expectMatrix(input.cumulativeProduct(), Matrix(vector: products), .equalValues, "cumulativeProduct()")
            let columnSums = Matrix(rows: rows, columns: columns) { row, column in
                (0...row).reduce(S(0)) { $0 + nested[$1][column] }
            }
            expectMatrix(input.cumulativeSum(axis: 0), columnSums, .equalValues, "cumulativeSum(axis: 0)")
            // Medians of the finite rows: the middle of the sorted row.
            for row in 0..<rows where nested[row].allSatisfy(\.isFinite) {
                let values = nested[row].sorted(), middle = columns / 2
                let median = columns % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2
                expectScalar(input.median(axis: 1)[row, 0], median, .equalValues, "median of row \(row)")
                expectScalar(input.row(row).quantile(0), values[0], .exact, "quantile 0 of row \(row)")
                expectScalar(input.row(row).quantile(1), values[columns - 1], .exact, "quantile 1 of row \(row)")
            }
        }
    }

    @Test func matchesNaiveLoopsInDouble() { checkAgainstLoops(Double.self) }
    @Test func matchesNaiveLoopsInFloat() { checkAgainstLoops(Float.self) }

    @Test func uniqueCollapsesNaNAndZerosAndCountsEverything() {
        let input: Matrix<Double> = [[.nan, 0, -0.0, 2], [.nan, 2, -.infinity, .nan]]
        let (values, counts) = input.uniqueWithCounts()
        #expect(values.shape == (1, 4) && values[0, 0] == -.infinity && values[0, 1] == 0 && values[0, 2] == 2)
        #expect(values[0, 3].isNaN && counts == [1, 2, 2, 3] && counts.reduce(0, +) == input.count)
        #expect(Matrix<Float>.zeros(rows: 0, columns: 4).unique().shape == (1, 0))
        #expect(Matrix<Float>.zeros(rows: 0, columns: 4).uniqueWithCounts().counts.isEmpty)
    }

    @Test func emptyMatricesKeepTheirShapes() {
        let empty = Matrix<Double>.zeros(rows: 0, columns: 3)
        #expect(empty.sorted().shape == (0, 3) && empty.sorted(axis: nil).shape == (1, 0))
        #expect(empty.argsort().isEmpty && empty.argsort(axis: nil) == [[]])
        #expect(empty.cumulativeSum().shape == (1, 0) && empty.cumulativeProduct(axis: 0).shape == (0, 3))
        #expect(empty.median().isNaN && empty.median(axis: 1).shape == (0, 1))
    }
}

/// The messages of the new operations' programming errors.
@Suite struct StaplesErrorMessageTests {
    @Test func quantileOutsideZeroToOneNamesTheOperation() async throws {
        let result = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Matrix<Double>.ones(rows: 2, columns: 2).quantile(1.5, axis: 0)
        }
        let message = String(decoding: result.standardErrorContent, as: UTF8.self)
        #expect(message.contains("quantile(_:axis:): quantile 1.5 is outside [0, 1]"), "\(message)")
    }

    @Test func percentileOfAnEmptyMatrixNamesTheShape() async throws {
        let result = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Matrix<Float>.zeros(rows: 0, columns: 2).percentile(50)
        }
        let message = String(decoding: result.standardErrorContent, as: UTF8.self)
        #expect(message.contains("percentile(_:): the matrix (0, 2) is empty"), "\(message)")
    }

    @Test func sortingAlongAxisTwoNamesTheAxis() async throws {
        let result = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Matrix<Double>.ones(rows: 2, columns: 2).sorted(axis: 2)
        }
        let message = String(decoding: result.standardErrorContent, as: UTF8.self)
        #expect(message.contains("sorted(axis:): axis 2 is out of range for a matrix (0, 1 or nil)"), "\(message)")
    }
}
