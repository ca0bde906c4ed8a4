internal import CVectorMath
import RealModule

// The exponential and logistic kernels of the CVectorMath C target (see its vector_math.c for the
// method and accuracy): branch-free loops, compiled for the baseline and for AVX2 with FMA and picked
// at run time. libm's `exp` is one call per element; for the notebooks' 3-4-1 network the sigmoid was
// a third of each training step. This file is the only one that imports CVectorMath.

/// Which compiled form of the vector kernels runs: the CPU's best (the default), or one forced, for
/// tests that check both forms without changing what other code in the process runs.
@usableFromInline
package enum VectorKernelForm: Sendable {
    /// AVX2 with FMA where the CPU has both, the baseline otherwise.
    case automatic
    /// The baseline (SSE2 on x86-64).
    case baseline
    /// AVX2 with FMA; the baseline where the CPU lacks either.
    case avx2

    /// Whether this form runs the AVX2+FMA kernels on this CPU.
    package var usesAVX2: Bool { cvm_uses_avx2(cForm) == 1 }

    var cForm: cvm_form {
        switch self {
        case .automatic: CVM_FORM_AUTOMATIC
        case .baseline: CVM_FORM_BASELINE
        case .avx2: CVM_FORM_AVX2
        }
    }
}

/// Replaces each of `count` elements by `e^x` (within 1 ulp of glibc's `exp`; see `vector_math.c`).
@inlinable
package func exponentialsInPlace<Scalar: MatrixScalar>(_ values: UnsafeMutablePointer<Scalar>, count: Int) {
    exponentialsInPlace(values, count: count, form: .automatic)
}

/// ``exponentialsInPlace(_:count:)`` in a chosen compiled form.
@inlinable
package func exponentialsInPlace<Scalar: MatrixScalar>(
    _ values: UnsafeMutablePointer<Scalar>, count: Int, form: VectorKernelForm
) {
    if Scalar.self == Double.self {
        exponentialsInPlace(
            UnsafeMutableRawPointer(values).assumingMemoryBound(to: Double.self), count: count, form: form)
    } else if Scalar.self == Float.self {
        exponentialsInPlace(
            UnsafeMutableRawPointer(values).assumingMemoryBound(to: Float.self), count: count, form: form)
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
    logisticsInPlace(values, rows: rows, columns: columns, addingBias: bias, form: .automatic)
}

/// ``logisticsInPlace(_:rows:columns:addingBias:)`` in a chosen compiled form.
@inlinable
package func logisticsInPlace<Scalar: MatrixScalar>(
    _ values: UnsafeMutablePointer<Scalar>, rows: Int, columns: Int, addingBias bias: UnsafePointer<Scalar>?,
    form: VectorKernelForm
) {
    if Scalar.self == Double.self {
        logisticsInPlace(
            UnsafeMutableRawPointer(values).assumingMemoryBound(to: Double.self), rows: rows, columns: columns,
            addingBias: bias.map { UnsafeRawPointer($0).assumingMemoryBound(to: Double.self) }, form: form)
    } else if Scalar.self == Float.self {
        logisticsInPlace(
            UnsafeMutableRawPointer(values).assumingMemoryBound(to: Float.self), rows: rows, columns: columns,
            addingBias: bias.map { UnsafeRawPointer($0).assumingMemoryBound(to: Float.self) }, form: form)
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
package func exponentialsInPlace(_ values: UnsafeMutablePointer<Double>, count: Int, form: VectorKernelForm) {
    cvm_exp_f64(values, count, form.cForm)
}

@usableFromInline
package func exponentialsInPlace(_ values: UnsafeMutablePointer<Float>, count: Int, form: VectorKernelForm) {
    cvm_exp_f32(values, count, form.cForm)
}

@usableFromInline
package func logisticsInPlace(
    _ values: UnsafeMutablePointer<Double>, rows: Int, columns: Int, addingBias bias: UnsafePointer<Double>?,
    form: VectorKernelForm
) {
    cvm_logistic_f64(values, rows, columns, bias, form.cForm)
}

@usableFromInline
package func logisticsInPlace(
    _ values: UnsafeMutablePointer<Float>, rows: Int, columns: Int, addingBias bias: UnsafePointer<Float>?,
    form: VectorKernelForm
) {
    cvm_logistic_f32(values, rows, columns, bias, form.cForm)
}

/// The largest (`largest` true) or smallest of `count` ≥ 1 elements, or nan if any element is nan.
@inlinable
package func extremeElement<Scalar: MatrixScalar>(_ values: UnsafePointer<Scalar>, count: Int, largest: Bool) -> Scalar
{
    extremeElement(values, count: count, largest: largest, form: .automatic)
}

/// ``extremeElement(_:count:largest:)`` in a chosen compiled form.
@inlinable
package func extremeElement<Scalar: MatrixScalar>(
    _ values: UnsafePointer<Scalar>, count: Int, largest: Bool, form: VectorKernelForm
) -> Scalar {
    if Scalar.self == Double.self {
        let result = extremeElement(
            UnsafeRawPointer(values).assumingMemoryBound(to: Double.self), count: count, largest: largest, form: form)
        return unsafeBitCast(result, to: Scalar.self)
    } else if Scalar.self == Float.self {
        let result = extremeElement(
            UnsafeRawPointer(values).assumingMemoryBound(to: Float.self), count: count, largest: largest, form: form)
        return unsafeBitCast(result, to: Scalar.self)
    } else {
        var result = values[0]
        for index in 0..<count {
            if values[index].isNaN { return .nan }
            result = largest ? Swift.max(result, values[index]) : Swift.min(result, values[index])
        }
        return result
    }
}

@usableFromInline
package func extremeElement(_ values: UnsafePointer<Double>, count: Int, largest: Bool, form: VectorKernelForm)
    -> Double
{
    largest ? cvm_max_f64(values, count, form.cForm) : cvm_min_f64(values, count, form.cForm)
}

@usableFromInline
package func extremeElement(_ values: UnsafePointer<Float>, count: Int, largest: Bool, form: VectorKernelForm) -> Float
{
    largest ? cvm_max_f32(values, count, form.cForm) : cvm_min_f32(values, count, form.cForm)
}
