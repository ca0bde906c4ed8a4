// The products compared: two Swift loops (the textbook i-j-k order and a cache-friendly order), the
// raw CBLAS call, and the reference the results are checked against. `Matrix.dot` and
// `Matrix.multiply(_:_:into:)` are called from GemmBench.swift as a user would call them.
import CBLAS
import Tensor

/// One product shape: `op(A)` is `m × k`, `op(B)` is `k × n`, `C` is `m × n`.
struct ProductShape: Sendable, Hashable, Codable {
    var m: Int
    var n: Int
    var k: Int
    /// Whether A is stored `k × m` and used transposed (a weight gradient `Aᵀ·dZ`).
    var transposeLeft = false
    /// Whether B is stored `n × k` and used transposed (an input gradient `dZ·Wᵀ`).
    var transposeRight = false

    /// The stored shape of A.
    var leftRows: Int { transposeLeft ? k : m }
    var leftColumns: Int { transposeLeft ? m : k }
    /// The stored shape of B.
    var rightRows: Int { transposeRight ? n : k }
    var rightColumns: Int { transposeRight ? k : n }

    /// The floating-point operations of one product (a multiply and an add per term).
    var flops: Double { 2 * Double(m) * Double(n) * Double(k) }

    var isSquare: Bool { m == n && n == k && !transposeLeft && !transposeRight }

    /// `256²` for squares; `128×784·784×256` otherwise, with `ᵀ` on a transposed operand (stored shape).
    var label: String {
        if isSquare { return "\(m)²" }
        let left = transposeLeft ? "(\(k)×\(m))ᵀ" : "\(m)×\(k)"
        let right = transposeRight ? "(\(n)×\(k))ᵀ" : "\(k)×\(n)"
        return "\(left)·\(right)"
    }

    static func square(_ size: Int) -> ProductShape { ProductShape(m: size, n: size, k: size) }

    /// The shapes of one mini-batch step of the 784-256-128-10 network with batches of 128, and the
    /// small shapes that measure per-call overhead.
    static let rectangular: [ProductShape] = [
        ProductShape(m: 4, n: 4, k: 3),  // the XOR network's hidden layer
        ProductShape(m: 128, n: 256, k: 784),  // forward X·W1
        ProductShape(m: 128, n: 128, k: 256),  // forward A1·W2
        ProductShape(m: 128, n: 10, k: 128),  // forward A2·W3
        ProductShape(m: 784, n: 256, k: 128, transposeLeft: true),  // dW1 = Xᵀ·dZ1
        ProductShape(m: 128, n: 784, k: 256, transposeRight: true),  // dX = dZ1·W1ᵀ
    ]
}

/// The CBLAS routine of each precision, called directly on the caller's buffers.
protocol BenchmarkScalar: MatrixScalar {
    /// `C = op(A)·op(B)` through `cblas_sgemm` or `cblas_dgemm`, row-major.
    static func rawGemm(
        _ shape: ProductShape, _ a: UnsafePointer<Self>, _ b: UnsafePointer<Self>, _ c: UnsafeMutablePointer<Self>)
    static var precisionName: String { get }
}

extension Double: BenchmarkScalar {
    @inline(__always)
    static func rawGemm(
        _ shape: ProductShape, _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ c: UnsafeMutablePointer<Double>
    ) {
        cblas_dgemm(
            CblasRowMajor, shape.transposeLeft ? CblasTrans : CblasNoTrans,
            shape.transposeRight ? CblasTrans : CblasNoTrans,
            Int32(shape.m), Int32(shape.n), Int32(shape.k), 1, a, Int32(shape.leftColumns),
            b, Int32(shape.rightColumns), 0, c, Int32(shape.n))
    }
    static var precisionName: String { "double" }
}

extension Float: BenchmarkScalar {
    @inline(__always)
    static func rawGemm(
        _ shape: ProductShape, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>
    ) {
        cblas_sgemm(
            CblasRowMajor, shape.transposeLeft ? CblasTrans : CblasNoTrans,
            shape.transposeRight ? CblasTrans : CblasNoTrans,
            Int32(shape.m), Int32(shape.n), Int32(shape.k), 1, a, Int32(shape.leftColumns),
            b, Int32(shape.rightColumns), 0, c, Int32(shape.n))
    }
    static var precisionName: String { "float" }
}

/// The textbook triple loop, `C[i][j] = Σ_p op(A)[i][p] · op(B)[p][j]`, in i-j-k order.
@inline(never)
func naiveProduct<Scalar: BenchmarkScalar>(
    _ shape: ProductShape, _ a: UnsafePointer<Scalar>, _ b: UnsafePointer<Scalar>, _ c: UnsafeMutablePointer<Scalar>
) {
    let lda = shape.leftColumns, ldb = shape.rightColumns
    // op(A)[i][p] and op(B)[p][j] through strides, so a transposed operand is read in place.
    let (aRow, aInner) = shape.transposeLeft ? (1, lda) : (lda, 1)
    let (bRow, bColumn) = shape.transposeRight ? (1, ldb) : (ldb, 1)
    for i in 0..<shape.m {
        for j in 0..<shape.n {
            var sum: Scalar = 0
            for p in 0..<shape.k {
                sum += a[i * aRow + p * aInner] * b[p * bRow + j * bColumn]
            }
            c[i * shape.n + j] = sum
        }
    }
}

/// The same product in the loop order that walks memory contiguously in the innermost loop:
/// i-k-j for `A·B` (a row of C accumulates scaled rows of B), k-i-j for `Aᵀ·B` (both stored row-major
/// with k outermost), and i-j-k for `A·Bᵀ` (a row of A against a row of B, a dot product).
@inline(never)
func cacheFriendlyProduct<Scalar: BenchmarkScalar>(
    _ shape: ProductShape, _ a: UnsafePointer<Scalar>, _ b: UnsafePointer<Scalar>, _ c: UnsafeMutablePointer<Scalar>
) {
    let m = shape.m, n = shape.n, k = shape.k
    let lda = shape.leftColumns, ldb = shape.rightColumns
    if shape.transposeRight {
        for i in 0..<m {
            let aRow = a + i * lda
            for j in 0..<n {
                let bRow = b + j * ldb
                var sum: Scalar = 0
                for p in 0..<k { sum += aRow[p] * bRow[p] }
                c[i * n + j] = sum
            }
        }
        return
    }
    c.update(repeating: 0, count: m * n)
    if shape.transposeLeft {
        for p in 0..<k {
            let aRow = a + p * lda, bRow = b + p * ldb
            for i in 0..<m {
                let scale = aRow[i]
                let cRow = c + i * n
                for j in 0..<n { cRow[j] += scale * bRow[j] }
            }
        }
    } else {
        for i in 0..<m {
            let aRow = a + i * lda, cRow = c + i * n
            for p in 0..<k {
                let scale = aRow[p]
                let bRow = b + p * ldb
                for j in 0..<n { cRow[j] += scale * bRow[j] }
            }
        }
    }
}

/// The exact-as-practical product for checking: a triple loop accumulating in `Double`, over every row
/// when the product is small and over `sampledRows` spread rows when it is large.
struct ReferenceProduct {
    /// The rows computed, in increasing order.
    var rows: [Int]
    /// `rows.count × n` values, row-major.
    var values: [Double]
    /// `Σ_p |op(A)[i][p]| · |op(B)[p][j]|` for the same entries: the scale a rounding error is relative to.
    var magnitudes: [Double]

    init<Scalar: BenchmarkScalar>(_ shape: ProductShape, _ a: [Scalar], _ b: [Scalar], sampledRows: Int = 16) {
        let m = shape.m, n = shape.n, k = shape.k
        if shape.flops <= 2 * 256 * 256 * 256 || m <= sampledRows {
            rows = Array(0..<m)
        } else {
            rows = (0..<sampledRows).map { $0 * (m - 1) / (sampledRows - 1) }
        }
        let lda = shape.leftColumns, ldb = shape.rightColumns
        values = []
        magnitudes = []
        values.reserveCapacity(rows.count * n)
        magnitudes.reserveCapacity(rows.count * n)
        for i in rows {
            for j in 0..<n {
                var sum = 0.0, magnitude = 0.0
                for p in 0..<k {
                    let left = Double(shape.transposeLeft ? a[p * lda + i] : a[i * lda + p])
                    let right = Double(shape.transposeRight ? b[j * ldb + p] : b[p * ldb + j])
                    sum += left * right
                    magnitude += abs(left * right)
                }
                values.append(sum)
                magnitudes.append(magnitude)
            }
        }
    }

    /// The largest error of `c` relative to its tolerance, `|c − exact| / (tolerance · magnitude)`,
    /// where the tolerance is `4 · √k · ε` plus a few ulps: a sum of k rounded products in any order
    /// stays well inside it, and a wrong product (a wrong transpose, a stale buffer) misses it by orders
    /// of magnitude. A result is correct when this is at most 1.
    func worstError<Scalar: BenchmarkScalar>(_ c: [Scalar], shape: ProductShape) -> (
        ratio: Double, row: Int, column: Int
    ) {
        let epsilon = Double(Scalar.ulpOfOne)
        let tolerance = (4 * Double(shape.k).squareRoot() + 4) * epsilon
        var worst = (ratio: 0.0, row: 0, column: 0)
        for (index, i) in rows.enumerated() {
            for j in 0..<shape.n {
                let exact = values[index * shape.n + j]
                let error = abs(Double(c[i * shape.n + j]) - exact)
                let ratio = error / (tolerance * magnitudes[index * shape.n + j] + Double.leastNormalMagnitude)
                if !(ratio <= worst.ratio) { worst = (ratio, i, j) }
            }
        }
        return worst
    }
}
