import Foundation
import Tensor
import Testing

/// Range subscripts and their setters, `Matrix(vector:)`, `Matrix.where` and the random creators'
/// default stream, against naive loops and numpy (the guide's rows check numpy's values for Double).
@Suite struct SlicingTests {
    /// The block `rows` × `columns` of `matrix`, element by element.
    static func naiveBlock<S: MatrixScalar>(_ matrix: Matrix<S>, _ rows: Range<Int>, _ columns: Range<Int>) -> Matrix<S>
    {
        Matrix(rows: rows.count, columns: columns.count) { row, column in
            matrix[rows.lowerBound + row, columns.lowerBound + column]
        }
    }

    func checkRangeForms<S: MatrixScalar>(_: S.Type) {
        var generator = TestGenerator(seed: 7)
        var a = generator.matrix(S.self, rows: 5, columns: 4)
        a[0, 0] = .nan
        a[4, 3] = -.infinity
        func expect(_ actual: Matrix<S>, _ rows: Range<Int>, _ columns: Range<Int>, _ form: String) {
            expectMatrix(actual, Self.naiveBlock(a, rows, columns), .exact, form)
        }
        expect(a[1..<3, 0..<2], 1..<3, 0..<2, "a[1..<3, 0..<2]")
        expect(a[1...3, 2...3], 1..<4, 2..<4, "a[1...3, 2...3]")
        expect(a[2..., 1...], 2..<5, 1..<4, "a[2..., 1...]")
        expect(a[..<2, ..<3], 0..<2, 0..<3, "a[..<2, ..<3]")
        expect(a[...1, ...0], 0..<2, 0..<1, "a[...1, ...0]")
        expect(a[..., 1..<3], 0..<5, 1..<3, "a[..., 1..<3]")
        expect(a[3..., ...], 3..<5, 0..<4, "a[3..., ...]")
        expect(a[..., ...], 0..<5, 0..<4, "a[..., ...]")
        expect(a[1..<4, 2], 1..<4, 2..<3, "a[1..<4, 2]")
        expect(a[..., 3], 0..<5, 3..<4, "a[..., 3]")
        expect(a[4, 1...], 4..<5, 1..<4, "a[4, 1...]")
        expect(a[0, ...], 0..<1, 0..<4, "a[0, ...]")
        expect(a[row: 2], 2..<3, 0..<4, "a[row: 2]")
        expect(a[column: 0], 0..<5, 0..<1, "a[column: 0]")
        expect(a.rows(3...), 3..<5, 0..<4, "a.rows(3...)")
        expect(a.columns(..<2), 0..<5, 0..<2, "a.columns(..<2)")
        // Empty ranges give empty matrices, at either end.
        #expect(a[2..<2, ...].shape == (0, 4) && a[..., 4...].shape == (5, 0) && a[5..., 0].shape == (0, 1))
        #expect(Matrix<S>.zeros(rows: 0, columns: 0)[..., ...].shape == (0, 0))
    }

    @Test func rangeFormsMatchNaiveLoopsInDouble() { checkRangeForms(Double.self) }
    @Test func rangeFormsMatchNaiveLoopsInFloat() { checkRangeForms(Float.self) }

    func checkSetters<S: MatrixScalar>(_: S.Type) {
        var generator = TestGenerator(seed: 11)
        let original = generator.matrix(S.self, rows: 4, columns: 5)
        let block = generator.matrix(S.self, rows: 2, columns: 3)
        var a = original
        a[1..<3, 2...] = block
        let expected = Matrix<S>(rows: 4, columns: 5) { row, column in
            (1..<3).contains(row) && column >= 2 ? block[row - 1, column - 2] : original[row, column]
        }
        expectMatrix(a, expected, .exact, "a[1..<3, 2...] = block")
        // Broadcasting assignments: a (1, 1) matrix, a row, a column.
        var b = original
        b[..., 1...2] = [[S.infinity]]
        #expect((0..<4).allSatisfy { b[$0, 1] == .infinity && b[$0, 2] == .infinity && b[$0, 0] == original[$0, 0] })
        var c = original
        c[1...2, ...] = Matrix(vector: [1, 2, 3, 4, 5])
        expectMatrix(c[row: 2], Matrix(vector: [1, 2, 3, 4, 5]), .exact, "rows broadcast a row")
        expectMatrix(c[row: 3], original[row: 3], .exact, "rows outside the block stay")
        var d = original
        d[column: 4] = .column([9, 8, 7, 6])
        d[row: 0] = [[S.nan]]
        #expect(d[1, 4] == 8 && d[3, 4] == 6 && d[row: 0].scalars.allSatisfy(\.isNaN))
        var e = original
        e[2, 1..<3] = [[-1, -2]]
        e[..., 0] = [[0]]
        e[3, ...] = [[5]]
        #expect(e[2, 1] == -1 && e[2, 2] == -2 && e[0, 0] == 0 && e[2, 0] == 0 && e[row: 3].scalars == [5, 5, 5, 5, 5])
        var f = original
        f[..., ...] = [[0]]
        #expect(f == .zeros(rows: 4, columns: 5))
        // Value semantics: the copy the slice was taken from is untouched.
        let copy = original
        var g = copy
        g[0..<1, 0..<1] = [[42]]
        #expect(copy == original && g[0, 0] == 42)
    }

    @Test func settersWriteTheBlockAndBroadcastInDouble() { checkSetters(Double.self) }
    @Test func settersWriteTheBlockAndBroadcastInFloat() { checkSetters(Float.self) }

    @Test func vectorIsARow() {
        #expect(Matrix<Double>(vector: [1, 2, 3]).shape == (1, 3))
        #expect(Matrix<Float>(vector: []).shape == (1, 0))
        #expect(Matrix<Float>(vector: [.nan, .infinity]).scalars[1] == .infinity)
        // A vector broadcasts over every row, as a numpy 1-D array does.
        let a: Matrix<Double> = [[1, 2], [3, 4]]
        #expect(a + Matrix(vector: [10, 20]) == [[11, 22], [13, 24]])
    }

    func checkWhere<S: MatrixScalar>(_: S.Type) {
        var generator = TestGenerator(seed: 3)
        let a = generator.matrix(S.self, rows: 4, columns: 3)
        let b = generator.matrix(S.self, rows: 4, columns: 3)
        let condition: Matrix<S> = [[1, 0, .nan], [0, -0.0, 2], [.infinity, 0, 0], [1, 1, 1]]
        let result = Matrix.where(condition, a, b)
        for row in 0..<4 {
            for column in 0..<3 {
                // numpy's bool(): any non-zero element, nan included, is true.
                let taken = condition[row, column] != 0 ? a[row, column] : b[row, column]
                #expect(result[row, column] == taken, "where at (\(row), \(column)) [\(S.self)]")
            }
        }
        // Broadcasting of all three operands: (4, 1), (1, 3) and (1, 1).
        let column: Matrix<S> = [[1], [0], [1], [0]]
        let broadcast = Matrix.where(column, Matrix(vector: [1, 2, 3]), [[-1]])
        #expect(broadcast == [[1, 2, 3], [-1, -1, -1], [1, 2, 3], [-1, -1, -1]])
        #expect(Matrix.where(a .> 0, a, 0) == relu(a))
        #expect(Matrix.where(a .> 0, 1, a) == Matrix(rows: 4, columns: 3) { a[$0, $1] > 0 ? 1 : a[$0, $1] })
        #expect(Matrix.where(condition, S(1), S(-1)).scalars == [1, -1, 1, -1, -1, 1, 1, -1, -1, 1, 1, 1])
        #expect(Matrix.where(Matrix<S>.zeros(rows: 0, columns: 3), a[0..<0, ...], b[0..<0, ...]).shape == (0, 3))
    }

    @Test func whereChoosesByTheMaskInDouble() { checkWhere(Double.self) }
    @Test func whereChoosesByTheMaskInFloat() { checkWhere(Float.self) }

    @Test func randomCreatorsWithoutAGeneratorUseTheDefaultStream() {
        var random = NumpyRandomState(seed: 0)
        #expect(NumpyRandomState.defaultStream == random)
        #expect(
            Matrix<Double>.random(rows: 3, columns: 2) == Matrix<Double>.random(rows: 3, columns: 2, using: &random))
        random = NumpyRandomState.defaultStream
        #expect(
            Matrix<Float>.standardNormal(rows: 2, columns: 2) == .standardNormal(rows: 2, columns: 2, using: &random))
        random = NumpyRandomState.defaultStream
        #expect(
            Matrix<Float>.uniform(rows: 1, columns: 4, low: -2, high: 2)
                == .uniform(rows: 1, columns: 4, low: -2, high: 2, using: &random))
        random = NumpyRandomState.defaultStream
        #expect(
            Matrix<Double>.normal(rows: 4, columns: 1, mean: 1, standardDeviation: 3)
                == .normal(rows: 4, columns: 1, mean: 1, standardDeviation: 3, using: &random))
        // A fresh stream each call: two calls agree.
        #expect(Matrix<Double>.random(rows: 2, columns: 2) == Matrix<Double>.random(rows: 2, columns: 2))
    }
}

/// Slicing's programming errors name the operation, the positions and the shape.
@Suite struct SlicingErrorMessageTests {
    @Test func rangePastTheEndNamesTheShape() async throws {
        let result = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Matrix<Double>.zeros(rows: 2, columns: 3)[0..<3, ...]
        }
        let message = String(decoding: result.standardErrorContent, as: UTF8.self)
        #expect(
            message.contains("Matrix subscript [rows, columns]: rows 0..<3 out of range for shape (2, 3)"), "\(message)"
        )
    }

    @Test func partialRangePastTheEndIsWrittenAsTyped() async throws {
        let result = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Matrix<Float>.zeros(rows: 2, columns: 3)[1, 4...]
        }
        let message = String(decoding: result.standardErrorContent, as: UTF8.self)
        #expect(
            message.contains("Matrix subscript [row, columns]: columns 4... out of range for shape (2, 3)"),
            "\(message)")
    }

    @Test func negativeRowSaysNegativeIndicesDoNotCountFromTheEnd() async throws {
        let result = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var a = Matrix<Double>.zeros(rows: 2, columns: 3)
            a[row: -1] = [[1]]
        }
        let message = String(decoding: result.standardErrorContent, as: UTF8.self)
        #expect(message.contains("Matrix subscript [row:]: row -1 out of range for shape (2, 3)"), "\(message)")
        #expect(message.contains("negative indices do not count from the end"), "\(message)")
    }

    @Test func setterThatDoesNotBroadcastNamesBothShapes() async throws {
        let result = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var a = Matrix<Double>.zeros(rows: 3, columns: 3)
            a[0..<2, ...] = .zeros(rows: 3, columns: 3)
        }
        let message = String(decoding: result.standardErrorContent, as: UTF8.self)
        #expect(message.contains("(2, 3)") && message.contains("(3, 3)"), "\(message)")
    }

    @Test func whereThatDoesNotBroadcastNamesTheThreeShapes() async throws {
        let result = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Matrix.where(
                Matrix<Double>.ones(rows: 2, columns: 3), .ones(rows: 3, columns: 1), .ones(rows: 1, columns: 3))
        }
        let message = String(decoding: result.standardErrorContent, as: UTF8.self)
        #expect(message.contains("where: shapes (2, 3), (3, 1) and (1, 3) do not broadcast"), "\(message)")
    }
}
