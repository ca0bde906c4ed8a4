import CBLAS
import Testing

/// Proves that OpenBLAS and LAPACKE are really linked and compute the right answers:
/// `cblas_dgemm` and `cblas_sgemm` against a naive triple loop, `LAPACKE_dgesv` against a known solution.
@Suite struct LinkTests {
    /// A small deterministic generator so that these tests need nothing but CBLAS.
    struct LinearCongruential {
        var state: UInt64
        mutating func next() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53) * 2 - 1
        }
    }

    func naiveProduct(_ a: [Double], _ b: [Double], m: Int, n: Int, k: Int) -> [Double] {
        var c = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k { sum += a[i * k + p] * b[p * n + j] }
                c[i * n + j] = sum
            }
        }
        return c
    }

    @Test(arguments: [(1, 1, 1), (4, 3, 4), (7, 5, 9), (33, 17, 65)])
    func dgemmMatchesNaiveLoop(shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        var generator = LinearCongruential(state: UInt64(m * 1000 + n * 10 + k))
        let a = (0..<(m * k)).map { _ in generator.next() }
        let b = (0..<(k * n)).map { _ in generator.next() }
        var c = [Double](repeating: 0, count: m * n)
        cblas_dgemm(
            CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k),
            1, a, Int32(k), b, Int32(n), 0, &c, Int32(n))
        let expected = naiveProduct(a, b, m: m, n: n, k: k)
        for index in 0..<(m * n) {
            #expect(abs(c[index] - expected[index]) <= 1e-12 * Double(k), "element \(index)")
        }
    }

    @Test(arguments: [(1, 1, 1), (4, 3, 4), (16, 16, 16), (31, 7, 40)])
    func sgemmMatchesNaiveLoop(shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        var generator = LinearCongruential(state: UInt64(m * 7 + n * 3 + k))
        let a = (0..<(m * k)).map { _ in Float(generator.next()) }
        let b = (0..<(k * n)).map { _ in Float(generator.next()) }
        var c = [Float](repeating: 0, count: m * n)
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k),
            1, a, Int32(k), b, Int32(n), 0, &c, Int32(n))
        let expected = naiveProduct(a.map(Double.init), b.map(Double.init), m: m, n: n, k: k)
        for index in 0..<(m * n) {
            #expect(abs(Double(c[index]) - expected[index]) <= 1e-5 * Double(k), "element \(index)")
        }
    }

    @Test func dgesvSolvesKnownSystem() {
        // 2x + y - z = 8; -3x - y + 2z = -11; -2x + y + 2z = -3  has the solution (2, 3, -1).
        var a: [Double] = [2, 1, -1, -3, -1, 2, -2, 1, 2]
        var b: [Double] = [8, -11, -3]
        var pivots = [Int32](repeating: 0, count: 3)
        let info = LAPACKE_dgesv(LAPACK_ROW_MAJOR, 3, 1, &a, 3, &pivots, &b, 1)
        #expect(info == 0)
        for (value, expected) in zip(b, [2.0, 3.0, -1.0]) {
            #expect(abs(value - expected) < 1e-12)
        }
    }

    @Test func dgesvReportsSingularMatrix() {
        var a: [Double] = [1, 2, 2, 4]
        var b: [Double] = [1, 2]
        var pivots = [Int32](repeating: 0, count: 2)
        let info = LAPACKE_dgesv(LAPACK_ROW_MAJOR, 2, 1, &a, 2, &pivots, &b, 1)
        #expect(info > 0, "a singular matrix must give a positive info")
    }
}
