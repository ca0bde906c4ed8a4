/// A random number generator that also draws real numbers: uniform on `[0, 1)` and standard normal.
///
/// The ``Matrix`` random factories (``Matrix/random(rows:columns:using:)``,
/// ``Matrix/standardNormal(rows:columns:using:)`` and the others) accept any conforming generator:
/// ``NumpyRandomState`` when the numbers must equal numpy's, ``FastRandom`` when only speed and
/// statistical quality matter.
public protocol RealRandomNumberGenerator: RandomNumberGenerator {
    /// A uniformly distributed double in `[0, 1)` with 53 random bits (numpy's `random_sample`).
    mutating func randomSample() -> Double

    /// A draw from the standard normal distribution, mean 0 and standard deviation 1 (numpy's `randn`).
    mutating func standardNormal() -> Double
}

extension RealRandomNumberGenerator {
    /// A uniformly distributed double in `[low, high)`, computed as numpy does: `low + (high - low) · u`
    /// with `u` from ``randomSample()``.
    ///
    /// With `low > high` the interval is `(high, low]`, as in numpy. Rounding can make the result equal
    /// `high` when the interval is wide compared with its ends.
    ///
    /// - Precondition: `high - low` is finite (numpy raises `OverflowError`).
    @inlinable
    public mutating func uniform(low: Double = 0, high: Double = 1) -> Double {
        let width = high - low
        checkPrecondition(width.isFinite, "uniform(low:high:): the range \(low) to \(high) is not finite")
        return low + width * randomSample()
    }

    /// A draw from the normal distribution with the given mean and standard deviation:
    /// `mean + standardDeviation · z` with `z` from ``standardNormal()`` (numpy's `normal(loc, scale)`).
    ///
    /// - Precondition: `standardDeviation >= 0` (numpy raises `ValueError` for a negative scale).
    @inlinable
    public mutating func normal(mean: Double = 0, standardDeviation: Double = 1) -> Double {
        checkPrecondition(
            standardDeviation >= 0, "normal(mean:standardDeviation:): negative standard deviation \(standardDeviation)")
        return mean + standardDeviation * standardNormal()
    }
}
