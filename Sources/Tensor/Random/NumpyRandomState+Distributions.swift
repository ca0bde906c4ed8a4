import RealModule

extension NumpyRandomState: RealRandomNumberGenerator {
    /// A uniformly distributed double in `[0, 1)`, as `np.random.random_sample()` or `np.random.rand()`.
    ///
    /// Takes two 32-bit draws `a` and `b` and returns `((a >> 5) · 2²⁶ + (b >> 6)) / 2⁵³`, so every
    /// multiple of 2⁻⁵³ in `[0, 1)` is equally likely.
    @inlinable
    public mutating func randomSample() -> Double {
        let high = Double(nextUInt32() >> 5)
        let low = Double(nextUInt32() >> 6)
        return (high * 67_108_864.0 + low) / 9_007_199_254_740_992.0
    }

    /// A draw from the standard normal distribution, as `np.random.standard_normal()` or `np.random.randn()`.
    ///
    /// numpy's legacy polar (Marsaglia) method: draw points `(x, y)` uniformly in the square `[-1, 1)²`
    /// until `0 < r² = x² + y² < 1`, then `f = √(−2 ln r² / r²)`; return `f · y` and keep `f · x` for the
    /// next call, which returns it without drawing. The cached value is part of ``State``.
    @inlinable
    public mutating func standardNormal() -> Double {
        if hasCachedGaussian {
            hasCachedGaussian = false
            let value = cachedGaussian
            cachedGaussian = 0
            return value
        }
        var first: Double
        var second: Double
        var radiusSquared: Double
        repeat {
            first = 2.0 * randomSample() - 1.0
            second = 2.0 * randomSample() - 1.0
            radiusSquared = first * first + second * second
        } while radiusSquared >= 1.0 || radiusSquared == 0.0
        let factor = (-2.0 * Double.log(radiusSquared) / radiusSquared).squareRoot()
        cachedGaussian = factor * first
        hasCachedGaussian = true
        return factor * second
    }

    /// A uniformly distributed integer in `0...bound`, by numpy's masked rejection (`random_interval`).
    ///
    /// Masks each draw to the fewest low bits that can hold `bound` and rejects values above it; uses one
    /// 32-bit draw per try when `bound < 2³²`, one 64-bit draw (two 32-bit draws) otherwise.
    @inlinable
    internal mutating func maskedInteger(upTo bound: UInt64) -> UInt64 {
        if bound == 0 { return 0 }
        let mask = UInt64.max >> UInt64(bound.leadingZeroBitCount)
        if bound <= UInt64(UInt32.max) {
            let mask32 = UInt32(truncatingIfNeeded: mask)
            let bound32 = UInt32(truncatingIfNeeded: bound)
            while true {
                let value = nextUInt32() & mask32
                if value <= bound32 { return UInt64(value) }
            }
        }
        while true {
            let value = next() & mask
            if value <= bound { return value }
        }
    }

    /// A uniformly distributed integer in `range`, as `np.random.randint(range.lowerBound, range.upperBound)`
    /// with numpy's default 64-bit integers.
    ///
    /// numpy's legacy algorithm: for a range of `n` values, `n - 1` is bounded by the smallest all-ones
    /// mask, and masked draws are rejected until one fits; a range of exactly 2³² values takes one raw
    /// 32-bit draw, ranges above 2³² take 64-bit draws. A one-value range draws nothing.
    ///
    /// - Precondition: the range is not empty (numpy raises "low >= high").
    @inlinable
    public mutating func randomInteger(in range: Range<Int>) -> Int {
        checkPrecondition(
            !range.isEmpty,
            "randomInteger(in:): empty range \(range.lowerBound)..<\(range.upperBound) (numpy: low >= high)")
        return randomInteger(in: range.lowerBound...(range.upperBound - 1))
    }

    /// A uniformly distributed integer in `range`, both ends included (numpy's `randint(low, high + 1)`,
    /// or `integers(low, high, endpoint=True)` in the newer API, but on the legacy stream).
    @inlinable
    public mutating func randomInteger(in range: ClosedRange<Int>) -> Int {
        let offset = UInt64(bitPattern: Int64(range.lowerBound))
        let span = UInt64(bitPattern: Int64(range.upperBound)) &- offset
        let value: UInt64
        if span == UInt64(UInt32.max) {
            value = UInt64(nextUInt32())
        } else if span == UInt64.max {
            value = next()
        } else {
            value = maskedInteger(upTo: span)
        }
        return Int(Int64(bitPattern: offset &+ value))
    }

    /// `count` uniformly distributed integers in `range`, as `np.random.randint(low, high, size=count)`.
    @inlinable
    public mutating func randomIntegers(in range: Range<Int>, count: Int) -> [Int] {
        checkPrecondition(count >= 0, "randomIntegers(in:count:): negative count \(count)")
        checkPrecondition(
            !range.isEmpty,
            "randomIntegers(in:count:): empty range \(range.lowerBound)..<\(range.upperBound) (numpy: low >= high)")
        var result: [Int] = []
        result.reserveCapacity(count)
        for _ in 0..<count { result.append(randomInteger(in: range.lowerBound...(range.upperBound - 1))) }
        return result
    }

    /// Shuffles a collection in place, as `np.random.shuffle(x)` does for a list or a one-dimensional array.
    ///
    /// numpy's legacy Fisher–Yates: for `i` from `count − 1` down to 1, swap element `i` with element
    /// `j`, a uniform integer in `0...i` drawn by masked rejection. A collection of 0 or 1 elements draws
    /// nothing. To shuffle the rows of several matrices together (inputs and labels), draw one
    /// ``permutation(_:)`` and index all of them with it.
    @inlinable
    public mutating func shuffle<Elements: MutableCollection & RandomAccessCollection>(_ elements: inout Elements) {
        let count = elements.count
        guard count > 1 else { return }
        let start = elements.startIndex
        for offset in stride(from: count - 1, through: 1, by: -1) {
            let other = Int(maskedInteger(upTo: UInt64(offset)))
            elements.swapAt(elements.index(start, offsetBy: offset), elements.index(start, offsetBy: other))
        }
    }

    /// A random ordering of `0..<count`, as `np.random.permutation(count)`: ``shuffle(_:)`` applied to
    /// `[0, 1, ..., count − 1]`.
    ///
    /// - Precondition: `count >= 0`.
    @inlinable
    public mutating func permutation(_ count: Int) -> [Int] {
        checkPrecondition(count >= 0, "permutation(_:): negative count \(count)")
        var result = Array(0..<count)
        shuffle(&result)
        return result
    }

    /// `count` indices drawn from `0..<populationSize`, as `np.random.choice(populationSize, count, replace)`.
    ///
    /// Without replacement numpy's legacy method takes the first `count` entries of a full
    /// ``permutation(_:)`` of the population (so it draws as much as the whole permutation); with
    /// replacement it is ``randomIntegers(in:count:)`` over `0..<populationSize`.
    ///
    /// - Precondition: `count >= 0`; `populationSize > 0` when `count > 0`; `count <= populationSize`
    ///   without replacement (numpy: "Cannot take a larger sample than population").
    @inlinable
    public mutating func choice(_ populationSize: Int, count: Int, replace: Bool = true) -> [Int] {
        checkPrecondition(count >= 0, "choice(_:count:replace:): negative count \(count)")
        checkPrecondition(populationSize >= 0, "choice(_:count:replace:): negative population size \(populationSize)")
        if replace {
            guard count > 0 else { return [] }
            checkPrecondition(
                populationSize > 0, "choice(_:count:replace:): cannot draw \(count) from an empty population")
            return randomIntegers(in: 0..<populationSize, count: count)
        }
        checkPrecondition(
            count <= populationSize,
            "choice(_:count:replace:): cannot take \(count) without replacement from a population of \(populationSize)")
        return Array(permutation(populationSize).prefix(count))
    }
}
