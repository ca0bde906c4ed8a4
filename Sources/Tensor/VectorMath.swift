internal import CVectorMath
import RealModule

// The exponential and logistic kernels of the CVectorMath C target (see its vector_math.c for the
// method and accuracy): branch-free loops, compiled for the baseline and for AVX2 with FMA and picked
// at run time. libm's `exp` is one call per element; for the notebooks' 3-4-1 network the sigmoid was
// a third of each training step. This file is the only one that imports CVectorMath.

/// Replaces each of `count` elements by `e^x` (within 1 ulp; see `vector_math.c`).
@inlinable
package func exponentialsInPlace<Scalar: MatrixScalar>(_ values: UnsafeMutablePointer<Scalar>, count: Int) {
    if Scalar.self == Double.self {
        exponentialsInPlace(UnsafeMutableRawPointer(values).assumingMemoryBound(to: Double.self), count: count)
    } else if Scalar.self == Float.self {
        exponentialsInPlace(UnsafeMutableRawPointer(values).assumingMemoryBound(to: Float.self), count: count)
    } else {
        for index in 0..<count { values[index] = Scalar.exp(values[index]) }
    }
}

/// Replaces each element of a row-major `rows × columns` buffer by the logistic sigmoid of itself
/// plus `bias[column]` when a bias row is given: a dense layer's fused bias and activation.
@inlinable
package func logisticsInPlace<Scalar: MatrixScalar>(
    _ values: UnsafeMutablePointer<Scalar>, rows: Int, columns: Int, addingBias bias: UnsafePointer<Scalar>? = nil
) {
    if Scalar.self == Double.self {
        logisticsInPlace(
            UnsafeMutableRawPointer(values).assumingMemoryBound(to: Double.self), rows: rows, columns: columns,
            addingBias: bias.map { UnsafeRawPointer($0).assumingMemoryBound(to: Double.self) })
    } else if Scalar.self == Float.self {
        logisticsInPlace(
            UnsafeMutableRawPointer(values).assumingMemoryBound(to: Float.self), rows: rows, columns: columns,
            addingBias: bias.map { UnsafeRawPointer($0).assumingMemoryBound(to: Float.self) })
    } else {
        for row in 0..<rows {
            for column in 0..<columns {
                let index = row &* columns &+ column
                values[index] = sigmoid(values[index] + (bias?[column] ?? 0))
            }
        }
    }
}

@usableFromInline
package func exponentialsInPlace(_ values: UnsafeMutablePointer<Double>, count: Int) {
    cvm_exp_f64(values, count)
}

@usableFromInline
package func exponentialsInPlace(_ values: UnsafeMutablePointer<Float>, count: Int) {
    cvm_exp_f32(values, count)
}

@usableFromInline
package func logisticsInPlace(
    _ values: UnsafeMutablePointer<Double>, rows: Int, columns: Int, addingBias bias: UnsafePointer<Double>?
) {
    cvm_logistic_f64(values, rows, columns, bias)
}

@usableFromInline
package func logisticsInPlace(
    _ values: UnsafeMutablePointer<Float>, rows: Int, columns: Int, addingBias bias: UnsafePointer<Float>?
) {
    cvm_logistic_f32(values, rows, columns, bias)
}

/// Which compiled form of the vector kernels runs: `true` for AVX2 with FMA, `false` for the baseline.
///
/// Setting it to `true` asks for AVX2 where the CPU has it; `false` forces the baseline. For tests
/// that check both forms; a process normally leaves it alone.
package var vectorKernelsUseAVX2: Bool {
    get { cvm_vector_level() == 1 }
    set { cvm_set_vector_level(newValue ? -1 : 0) }
}
