import Foundation
import Tensor
import Testing

/// `Matrix.description` and `formatted(_:)` against numpy's `repr` and `str`, character by character.
@Suite struct DescriptionTests {
    struct Case: Decodable {
        let name: String
        let dtype: String
        let rows: Int
        let columns: Int
        let values: [String]
        let repr: String
        let str: String
    }

    static let cases: [Case] = {
        let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
            .appendingPathComponent("description_cases.json")
        return try! JSONDecoder().decode([Case].self, from: Data(contentsOf: url))
    }()

    func matrix<Scalar: MatrixScalar>(_ testCase: Case, as type: Scalar.Type) -> Matrix<Scalar> {
        Matrix(rows: testCase.rows, columns: testCase.columns, scalars: testCase.values.map { Scalar(Double($0)!) })
    }

    @Test(arguments: DescriptionTests.cases.map(\.name))
    func matchesNumpy(name: String) {
        let testCase = Self.cases.first { $0.name == name }!
        let representation: String
        let plain: String
        if testCase.dtype == "float32" {
            let value = matrix(testCase, as: Float.self)
            representation = value.description
            plain = value.formatted(MatrixFormat(style: .plain))
        } else {
            let value = matrix(testCase, as: Double.self)
            representation = value.description
            plain = value.formatted(MatrixFormat(style: .plain))
        }
        let expectedRepresentation =
            testCase.dtype == "float32"
            ? testCase.repr.replacingOccurrences(of: ", dtype=float32)", with: ")") : testCase.repr
        #expect(representation == expectedRepresentation, "\(name)\n\(representation)\n---\n\(expectedRepresentation)")
        #expect(plain == testCase.str, "\(name)\n\(plain)\n---\n\(testCase.str)")
    }

    @Test func precisionOption() {
        let value: Matrix<Double> = [[1.0 / 3, 2.0 / 3]]
        #expect(value.formatted(MatrixFormat(precision: 3)) == "array([[0.333, 0.667]])")
    }
}
