import Foundation
import Tensor
import Testing

/// Creation, shape operations, slicing, concatenation, Codable and Equatable.
@Suite struct ShapeTests {
    struct LinspaceCase: Decodable, Sendable {
        let start, end: String
        let count: Int
        let expected64, expected32: FixtureMatrix
    }

    struct ArangeCase: Decodable, Sendable {
        let start, end, step: String
        let expected64, expected32: FixtureMatrix
    }

    struct Stack: Decodable, Sendable {
        let inputs: [FixtureMatrix]
        let expected: FixtureMatrix
    }

    struct Slicing: Decodable, Sendable {
        let input, rows1to3, columns1to4, fancy, reshaped2x10, transposed: FixtureMatrix
        let rowsAt: [Int]
        let diagonal: [String]
    }

    struct Fixtures: Decodable, Sendable {
        let linspace: [LinspaceCase]
        let arange: [ArangeCase]
        let hstack, vstack: Stack
        let slicing: Slicing
    }

    static let fixtures: Fixtures = loadFixture("tensor_shape")

    // MARK: Creation

    func checkSequences<S: MatrixScalar>(_: S.Type) {
        for test in Self.fixtures.linspace {
            let start = S(parse(test.start)), end = S(parse(test.end))
            let result = Matrix.linearlySpaced(from: start, to: end, count: test.count)
            // numpy computes float32 linspace in float64 and rounds, so Float may differ by an ulp.
            expectMatrix(
                result, pick(S.self, double: test.expected64, float: test.expected32),
                S.self == Double.self ? .exact : .fewUlps, "linearlySpaced(\(start), \(end), \(test.count))")
            if test.count > 1 { #expect(result.scalars.first == start && result.scalars.last == end) }
        }
        for test in Self.fixtures.arange {
            let start = S(parse(test.start)), end = S(parse(test.end)), step = S(parse(test.step))
            let result = Matrix.range(from: start, to: end, step: step)
            // numpy fills arange from its first two values, so values may differ from start + i·step by an ulp.
            let expected = pick(S.self, double: test.expected64, float: test.expected32)
            #expect(
                result.shape == expected.shape, "range(\(start), \(end), \(step)) [\(S.self)]: \(result.nestedRows)")
            if result.shape == expected.shape {
                let magnitude = Swift.max(start.magnitude, end.magnitude, step.magnitude)
                for (a, e) in zip(result.scalars, expected.scalars) {
                    #expect(
                        Swift.abs(a - e) <= 4 * magnitude.ulp,
                        "range(\(start), \(end), \(step)) [\(S.self)]: \(a) vs numpy's \(e)")
                }
            }
        }
        expectMatrix(Matrix<S>.range(from: 0, to: 5), [[0, 1, 2, 3, 4]], .exact, "range with the default step")
    }

    @Test func linearlySpacedAndRangeMatchNumpy() {
        checkSequences(Float.self)
        checkSequences(Double.self)
    }

    func checkCreation<S: MatrixScalar>(_: S.Type) {
        let literal: Matrix<S> = [[1, 2, 3], [4, 5, 6]]
        #expect(literal.shape == (2, 3) && literal.rows == 2 && literal.columns == 3 && literal.count == 6)
        #expect(literal[1, 2] == 6 && literal.scalars == [1, 2, 3, 4, 5, 6])
        expectMatrix(
            Matrix(rows: 2, columns: 3, scalars: [1, 2, 3, 4, 5, 6]), literal, .exact, "init(rows:columns:scalars:)")
        expectMatrix(Matrix(rows: 2, columns: 3) { S($0 * 3 + $1 + 1) }, literal, .exact, "init(rows:columns:element:)")
        expectMatrix(Matrix(literal.nestedRows), literal, .exact, "init(nestedRows)")
        expectMatrix(
            Matrix<S>(Matrix<Double>([[1, 2, 3], [4, 5, 6]])), literal, .exact, "conversion between precisions")
        expectMatrix(Matrix<S>.zeros(rows: 2, columns: 2), [[0, 0], [0, 0]], .exact, "zeros")
        expectMatrix(Matrix<S>.ones(rows: 1, columns: 3), [[1, 1, 1]], .exact, "ones")
        expectMatrix(Matrix<S>.filled(rows: 2, columns: 1, with: -0.0), [[-0.0], [-0.0]], .exact, "filled")
        expectMatrix(Matrix<S>.identity(size: 3), [[1, 0, 0], [0, 1, 0], [0, 0, 1]], .exact, "identity")
        #expect(Matrix<S>.identity(size: 0).shape == (0, 0))
        expectMatrix(Matrix<S>.diagonal([2, -1]), [[2, 0], [0, -1]], .exact, "diagonal")
        #expect(literal.diagonalScalars == [1, 5] && literal.transposed().diagonalScalars == [1, 5])
        expectMatrix(Matrix<S>.row([1, 2]), [[1, 2]], .exact, "row")
        expectMatrix(Matrix<S>.column([1, 2]), [[1], [2]], .exact, "column")
        #expect(Matrix<S>([]).shape == (0, 0) && Matrix<S>([]).isEmpty)
        #expect(Matrix<S>.row([1, 2]).isVector && Matrix<S>.column([1, 2]).isVector && !literal.isVector)
        #expect(literal.shapeDescription == "(2, 3)")
        var mutable = literal
        mutable[0, 1] = 9
        #expect(mutable[0, 1] == 9 && literal[0, 1] == 2)
        #expect(literal.withScalars { $0.count } == 6)
        mutable.withMutableScalars { $0[0] = -1 }
        #expect(mutable[0, 0] == -1 && literal[0, 0] == 1)
    }

    @Test func creationMatchesNumpysConstructors() {
        checkCreation(Float.self)
        checkCreation(Double.self)
    }

    // MARK: Shape operations

    func checkSlicing<S: MatrixScalar>(_: S.Type) {
        let slicing = Self.fixtures.slicing
        let x = slicing.input.matrix(S.self)
        expectMatrix(x.rows(1..<3), slicing.rows1to3.matrix(), .exact, "rows(1..<3)")
        expectMatrix(x.columns(1..<4), slicing.columns1to4.matrix(), .exact, "columns(1..<4)")
        expectMatrix(x.rows(at: slicing.rowsAt), slicing.fancy.matrix(), .exact, "rows(at:)")
        var batch = Matrix<S>(rows: slicing.rowsAt.count, columns: x.columns, repeating: .nan)
        x.gatherRows(at: slicing.rowsAt, into: &batch)
        expectMatrix(batch, slicing.fancy.matrix(), .exact, "gatherRows(at:into:)")
        expectMatrix(x.reshaped(rows: 2, columns: 10), slicing.reshaped2x10.matrix(), .exact, "reshaped")
        expectMatrix(x.transposed(), slicing.transposed.matrix(), .exact, "transposed")
        #expect(x.diagonalScalars == slicing.diagonal.map { S(parse($0)) })
        for index in 0..<x.rows {
            expectMatrix(x.row(index), x.rows(index..<(index + 1)), .exact, "row(\(index))")
        }
        for index in 0..<x.columns {
            expectMatrix(x.column(index), x.columns(index..<(index + 1)), .exact, "column(\(index))")
            expectMatrix(
                x.column(index), x.transposed().row(index).transposed(), .exact, "column(\(index)) via the transpose")
        }
        #expect(x.rows(2..<2).shape == (0, 4) && x.columns(0..<0).shape == (5, 0))
        #expect(x.rows(at: [Int]()).shape == (0, 4))
    }

    @Test func slicingMatchesNumpyIndexing() {
        checkSlicing(Float.self)
        checkSlicing(Double.self)
    }

    func checkTranspose<S: MatrixScalar>(_: S.Type) {
        // Shapes around the 32-element blocks, against the definition.
        for (rows, columns) in [(70, 45), (1, 9), (9, 1), (1, 1), (32, 32), (33, 31), (0, 3), (3, 0), (0, 0)] {
            let x = Matrix<S>(rows: rows, columns: columns) { S($0 * 1000 + $1) }
            let transposed = x.transposed()
            let expected = Matrix<S>(rows: columns, columns: rows) { x[$1, $0] }
            expectMatrix(transposed, expected, .exact, "transposed (\(rows), \(columns))")
            expectMatrix(transposed.transposed(), x, .exact, "transposed twice (\(rows), \(columns))")
        }
    }

    @Test func transposeOfVectorsEmptyAndBlockedShapes() {
        checkTranspose(Float.self)
        checkTranspose(Double.self)
    }

    func checkConcatenation<S: MatrixScalar>(_: S.Type) {
        let hstack = Self.fixtures.hstack, vstack = Self.fixtures.vstack
        expectMatrix(
            Matrix.concatenatedHorizontally(hstack.inputs.map { $0.matrix(S.self) }), hstack.expected.matrix(), .exact,
            "hstack")
        expectMatrix(
            Matrix.concatenatedVertically(vstack.inputs.map { $0.matrix(S.self) }), vstack.expected.matrix(), .exact,
            "vstack")
        let a: Matrix<S> = [[1, 2], [3, 4]], column: Matrix<S> = [[5], [6]], row: Matrix<S> = [[7, 8]]
        expectMatrix(a.appendingColumns(column), [[1, 2, 5], [3, 4, 6]], .exact, "appendingColumns")
        expectMatrix(a.appendingRows(row), [[1, 2], [3, 4], [7, 8]], .exact, "appendingRows")
        #expect(Matrix<S>.concatenatedHorizontally([]).shape == (0, 0))
        #expect(Matrix<S>.concatenatedVertically([a, .zeros(rows: 0, columns: 2)]).shape == (2, 2))
        #expect(Matrix<S>.concatenatedHorizontally([a, .zeros(rows: 2, columns: 0)]).shape == (2, 2))
    }

    @Test func concatenationMatchesHstackAndVstack() {
        checkConcatenation(Float.self)
        checkConcatenation(Double.self)
    }

    // MARK: Codable and Equatable

    func checkCodable<S: MatrixScalar>(_: S.Type) throws {
        var generator = TestGenerator(seed: 5)
        // Not short decimals: a lossless round trip is needed.
        let values = generator.matrix(S.self, rows: 3, columns: 4) / 3
        for x in [values, Matrix<S>.row([0.1, -0.0, 1e-30]), .zeros(rows: 0, columns: 0), .zeros(rows: 2, columns: 0)] {
            let decoded = try JSONDecoder().decode(Matrix<S>.self, from: JSONEncoder().encode(x))
            expectMatrix(decoded, x, .exact, "Codable round trip of \(x.shapeDescription)")
        }
        // Non-finite values need a JSON convention; with one, they survive too.
        let encoder = JSONEncoder(), decoder = JSONDecoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let special = Matrix<S>.row([.infinity, -.infinity, .nan])
        expectMatrix(
            try decoder.decode(Matrix<S>.self, from: encoder.encode(special)), special, .exact,
            "Codable with inf and nan")
        // The format is numpy-readable nested rows, and a shape that does not fit the values is an error.
        let json = String(decoding: try JSONEncoder().encode(Matrix<S>([[1, 2], [3, 4]])), as: UTF8.self)
        #expect(
            json.contains("\"values\":[[1,2],[3,4]]") && json.contains("\"rows\":2") && json.contains("\"columns\":2"))
        for bad in [
            #"{"rows":2,"columns":2,"values":[[1,2]]}"#, #"{"rows":1,"columns":3,"values":[[1,2]]}"#,
            #"{"rows":-1,"columns":0,"values":[]}"#,
        ] {
            #expect(throws: DecodingError.self) { try JSONDecoder().decode(Matrix<S>.self, from: Data(bad.utf8)) }
        }
    }

    @Test func codableRoundTripThroughJSON() throws {
        try checkCodable(Float.self)
        try checkCodable(Double.self)
    }

    func checkEquatable<S: MatrixScalar>(_: S.Type) {
        let a: Matrix<S> = [[1, 2], [3, 4]]
        #expect(a == [[1, 2], [3, 4]])
        #expect(a != [[1, 2], [3, 5]])
        #expect(a != a.reshaped(rows: 1, columns: 4))  // same elements, different shape
        #expect(Matrix<S>.row([0]) == .row([-0.0]))
        let withNaN = Matrix<S>.row([1, .nan])
        #expect(withNaN != withNaN)  // nan is never equal, not even to itself
        #expect(Matrix<S>.zeros(rows: 0, columns: 3) == .zeros(rows: 0, columns: 3))
        #expect(Matrix<S>.zeros(rows: 0, columns: 3) != .zeros(rows: 3, columns: 0))
    }

    @Test func equalityComparesShapeAndValuesAndNaNIsNeverEqual() {
        checkEquatable(Float.self)
        checkEquatable(Double.self)
    }
}
