import Testing
import Tensor

@Suite struct MatrixBasicsTests {
    @Test func nestedRowsAndShape() {
        let matrix: Matrix<Double> = [[1, 2, 3], [4, 5, 6]]
        #expect(matrix.shape == (2, 3))
        #expect(matrix[1, 2] == 6)
        #expect(matrix.scalars == [1, 2, 3, 4, 5, 6])
        #expect(matrix.transposed().nestedRows == [[1, 4], [2, 5], [3, 6]])
    }
}
