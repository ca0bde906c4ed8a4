// Parsing a decimal number straight from a file's bytes, without making a String.
// A fast exact path covers the common short decimals; everything else goes to the C library's
// correctly rounded strtod/strtof on a small stack copy.
import Tensor

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Exact powers of ten representable in a `Double` (10⁰ … 10²²).
private let exactPowersOfTen: [Double] = (0...22).map { exponent in
    var value = 1.0
    for _ in 0..<exponent { value *= 10 }
    return value
}

/// Parses `count` bytes at `start` as a number of type `Scalar`, or returns nil when they are not one
/// (the whole range must be consumed). Accepts what `strtod` accepts except hexadecimal: decimals of
/// any length, exponents, `inf`, `infinity`, `nan`, as numpy reads them.
@inline(__always)
internal func parseScalar<Scalar: MatrixScalar>(_ start: UnsafePointer<UInt8>, count: Int, as type: Scalar.Type)
    -> Scalar?
{
    if Scalar.self == Double.self {
        return parseDouble(start, count: count).map { unsafeBitCast($0, to: Scalar.self) }
    } else if Scalar.self == Float.self {
        return parseFloat(start, count: count).map { unsafeBitCast($0, to: Scalar.self) }
    }
    return parseDouble(start, count: count).map { Scalar($0) }
}

/// The decimal's parts when it has the simple form `[-+]digits[.digits][e[-+]digits]` with at most
/// 19 significant digits; nil otherwise.
@inline(__always)
private func simpleDecimal(_ start: UnsafePointer<UInt8>, count: Int) -> (
    negative: Bool, mantissa: UInt64, exponent: Int
)? {
    var index = 0
    var negative = false
    if index < count && (start[index] == UInt8(ascii: "-") || start[index] == UInt8(ascii: "+")) {
        negative = start[index] == UInt8(ascii: "-")
        index += 1
    }
    var mantissa: UInt64 = 0
    var digits = 0
    var significantDigits = 0
    var exponent = 0
    while index < count, case let digit = start[index] &- UInt8(ascii: "0"), digit < 10 {
        if significantDigits > 0 || digit != 0 { significantDigits += 1 }
        mantissa = mantissa &* 10 &+ UInt64(digit)
        digits += 1
        index += 1
    }
    if index < count && start[index] == UInt8(ascii: ".") {
        index += 1
        while index < count, case let digit = start[index] &- UInt8(ascii: "0"), digit < 10 {
            if significantDigits > 0 || digit != 0 { significantDigits += 1 }
            mantissa = mantissa &* 10 &+ UInt64(digit)
            exponent -= 1
            digits += 1
            index += 1
        }
    }
    guard digits > 0, significantDigits <= 19 else { return nil }
    if index < count && (start[index] == UInt8(ascii: "e") || start[index] == UInt8(ascii: "E")) {
        index += 1
        var exponentNegative = false
        if index < count && (start[index] == UInt8(ascii: "-") || start[index] == UInt8(ascii: "+")) {
            exponentNegative = start[index] == UInt8(ascii: "-")
            index += 1
        }
        var written = 0
        var exponentDigits = 0
        while index < count, case let digit = start[index] &- UInt8(ascii: "0"), digit < 10 {
            if written < 10_000 { written = written * 10 + Int(digit) }
            exponentDigits += 1
            index += 1
        }
        guard exponentDigits > 0 else { return nil }
        exponent += exponentNegative ? -written : written
    }
    guard index == count else { return nil }
    return (negative, mantissa, exponent)
}

/// Parses a `Double`, correctly rounded.
internal func parseDouble(_ start: UnsafePointer<UInt8>, count: Int) -> Double? {
    guard count > 0 else { return nil }
    if let (negative, mantissa, exponent) = simpleDecimal(start, count: count),
        mantissa <= (1 << 53), exponent >= -22, exponent <= 22
    {
        // Both operands are exact, so the one rounding of × or ÷ gives the correctly rounded result.
        let magnitude =
            exponent >= 0
            ? Double(mantissa) * exactPowersOfTen[exponent]
            : Double(mantissa) / exactPowersOfTen[-exponent]
        return negative ? -magnitude : magnitude
    }
    return viaCString(start, count: count) { text, end in strtod(text, end) }
}

/// Parses a `Float`, correctly rounded (not through `Double`, which could round twice).
internal func parseFloat(_ start: UnsafePointer<UInt8>, count: Int) -> Float? {
    guard count > 0 else { return nil }
    if let (negative, mantissa, exponent) = simpleDecimal(start, count: count),
        mantissa <= (1 << 53), exponent >= -22, exponent <= 22
    {
        let double =
            exponent >= 0
            ? Double(mantissa) * exactPowersOfTen[exponent]
            : Double(mantissa) / exactPowersOfTen[-exponent]
        // Rounding the correctly rounded Double to Float is correct unless that Double lies exactly
        // halfway between two Floats (no Float midpoint can lie strictly between the exact value and
        // its nearest Double, since midpoints are Doubles), or unless the Float is subnormal.
        let isMidpoint = double.bitPattern & ((1 << 29) - 1) == (1 << 28)
        if !isMidpoint && (double == 0 || double >= Double(Float.leastNormalMagnitude)) {
            let magnitude = Float(double)
            return negative ? -magnitude : magnitude
        }
    }
    return viaCString(start, count: count) { text, end in strtof(text, end) }
}

/// Copies the bytes to a NUL-terminated stack buffer and calls `convert`; nil unless it consumes them all.
private func viaCString<Value>(
    _ start: UnsafePointer<UInt8>, count: Int,
    _ convert: (UnsafePointer<CChar>, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Value
) -> Value? {
    // Leading whitespace would be skipped by strtod; cells are trimmed before, so reject it here.
    // strtod also reads hexadecimal ("0x1A", "0x1p3"), which numpy's parsers do not: refuse an x.
    // Long cells (a decimal may be written with hundreds of digits) are copied to the heap.
    guard count < 1 << 20, start[0] > 0x20 else { return nil }
    for index in 0..<count where start[index] | 0x20 == UInt8(ascii: "x") { return nil }
    return withUnsafeTemporaryAllocation(of: CChar.self, capacity: count + 1) { buffer -> Value? in
        let base = buffer.baseAddress!
        UnsafeMutableRawPointer(base).copyMemory(from: start, byteCount: count)
        base[count] = 0
        // An embedded NUL would end the C string early; the end check below rejects it.
        var end: UnsafeMutablePointer<CChar>? = nil
        let value = convert(base, &end)
        guard let end, end - base == count else { return nil }
        return value
    }
}

/// The number a CSV cell's text holds, by the rule the CSV readers apply to every cell (spaces and
/// tabs around it set aside; decimals, exponents, `inf`, `infinity` and `nan`; no hexadecimal), or
/// nil when it holds none: code that looks at a table's text cells asks this, so that a cell is a
/// number in one place exactly when it is one in the other.
package func csvCellNumber(_ text: String) -> Double? {
    var text = text
    return text.withUTF8 { bytes -> Double? in
        guard let base = bytes.baseAddress else { return nil }
        let isBlank = { (byte: UInt8) in byte == 0x20 || byte == 0x09 }
        var start = 0
        var end = bytes.count
        while start < end && isBlank(bytes[start]) { start += 1 }
        while end > start && isBlank(bytes[end - 1]) { end -= 1 }
        return end > start ? parseDouble(base + start, count: end - start) : nil
    }
}
