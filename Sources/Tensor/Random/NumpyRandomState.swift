/// A random number generator that reproduces numpy's legacy `np.random.RandomState` stream bit for bit.
///
/// The generator is the 32-bit Mersenne Twister (MT19937) with numpy's seeding, its 53-bit doubles and
/// its legacy algorithms on top: ``randomSample()`` is `random_sample`/`rand`, ``standardNormal()`` is
/// the legacy polar method of `randn` (which caches the second value of each pair), and
/// ``randomInteger(in:)-(Range<Int>)``, ``shuffle(_:)``, ``permutation(_:)`` and ``choice(_:count:replace:)``
/// use numpy's masked rejection sampling. Porting a numpy program therefore gives the same initial
/// weights, the same mini-batch order and the same noise, draw for draw:
///
/// ```swift
/// var random = NumpyRandomState(seed: 1)                      // np.random.seed(1)
/// let weights = 2 * Matrix<Double>.random(rows: 3, columns: 4, using: &random) - 1
/// // weights[0, 0] == -0.16595599..., exactly as 2 * np.random.rand(3, 4) - 1
/// ```
///
/// The whole state (624 keys, the position in them and the cached Gaussian) is a ``State`` value that
/// encodes to JSON, so training can be checkpointed and resumed on the same stream; ``State`` holds the
/// same numbers as numpy's `get_state()` tuple.
///
/// `NumpyRandomState` is a value: copying it forks the stream (both copies then produce the same draws).
/// Two generators are equal when their states are: they will produce the same draws from then on.
/// It also conforms to `RandomNumberGenerator` (see ``next()``), but Swift's own `Int.random(in:using:)`
/// and `shuffled(using:)` use different algorithms from numpy's; call this type's methods when the
/// numbers must match numpy.
///
/// See also ``FastRandom``, a much smaller and faster generator for code that does not need numpy's stream.
public struct NumpyRandomState: Sendable, Equatable {
    /// The number of 32-bit words in the Mersenne Twister state.
    @usableFromInline internal static let keyCount = 624

    /// The Mersenne Twister state words (numpy's `key`), always `keyCount` of them.
    @usableFromInline internal var keys: [UInt32]
    /// The index of the next word to temper and return; `keyCount` means the words must be regenerated first.
    @usableFromInline internal var position: Int
    /// Whether ``cachedGaussian`` holds the second value of the last polar-method pair.
    @usableFromInline internal var hasCachedGaussian: Bool
    /// The second value of the last polar-method pair, returned by the next ``standardNormal()``.
    @usableFromInline internal var cachedGaussian: Double

    /// Seeds the generator with one integer, as `np.random.seed(seed)` or `np.random.RandomState(seed)`.
    ///
    /// This is Matsumoto and Nishimura's `init_genrand`, which numpy's legacy seeding uses for every
    /// integer seed from 0 to 2³² − 1.
    public init(seed: UInt32) {
        keys = NumpyRandomState.initialKeys(seed: seed)
        position = NumpyRandomState.keyCount
        hasCachedGaussian = false
        cachedGaussian = 0
    }

    /// Seeds the generator with an array of integers, as `np.random.seed([a, b, ...])` does.
    ///
    /// This is Matsumoto and Nishimura's `init_by_array`, which numpy's legacy seeding uses for array
    /// seeds. A one-element array gives a different stream from the same integer passed to ``init(seed:)``,
    /// as in numpy (`seed([5])` differs from `seed(5)`). One numpy quirk: a one-element *ndarray*
    /// (`seed(np.array([5]))`) is squeezed to a scalar and seeded like `seed(5)`; match that with
    /// ``init(seed:)``. Lists and longer arrays always use `init_by_array`.
    ///
    /// - Precondition: `seedArray` is not empty (numpy raises "Seed must be non-empty").
    public init(seedArray: [UInt32]) {
        checkPrecondition(!seedArray.isEmpty, "NumpyRandomState(seedArray:): the seed array must not be empty")
        let count = NumpyRandomState.keyCount
        var keys = NumpyRandomState.initialKeys(seed: 19_650_218)
        var index = 1
        var seedIndex = 0
        for _ in 0..<Swift.max(count, seedArray.count) {
            let previous = keys[index - 1]
            keys[index] =
                (keys[index] ^ ((previous ^ (previous >> 30)) &* 1_664_525))
                &+ seedArray[seedIndex] &+ UInt32(truncatingIfNeeded: seedIndex)
            index += 1
            seedIndex += 1
            if index >= count {
                keys[0] = keys[count - 1]
                index = 1
            }
            if seedIndex >= seedArray.count { seedIndex = 0 }
        }
        for _ in 0..<(count - 1) {
            let previous = keys[index - 1]
            keys[index] =
                (keys[index] ^ ((previous ^ (previous >> 30)) &* 1_566_083_941))
                &- UInt32(truncatingIfNeeded: index)
            index += 1
            if index >= count {
                keys[0] = keys[count - 1]
                index = 1
            }
        }
        keys[0] = 0x8000_0000  // The most significant bit set assures a non-zero state.
        self.keys = keys
        position = count
        hasCachedGaussian = false
        cachedGaussian = 0
    }

    /// The 624 words `init_genrand` derives from one seed.
    private static func initialKeys(seed: UInt32) -> [UInt32] {
        var keys = [UInt32](repeating: 0, count: keyCount)
        var value = seed
        for index in 0..<keyCount {
            keys[index] = value
            value = 1_812_433_253 &* (value ^ (value >> 30)) &+ UInt32(truncatingIfNeeded: index + 1)
        }
        return keys
    }

    /// The next 32 random bits of the stream (numpy's `next_uint32`, `randint(2**32)` with `dtype=np.uint32`).
    ///
    /// Every other draw is built from these: a double takes two, an integer in a range takes one or more.
    @inlinable
    public mutating func nextUInt32() -> UInt32 {
        if position >= NumpyRandomState.keyCount { regenerateKeys() }
        var value = keys[position]
        position += 1
        value ^= value >> 11
        value ^= (value << 7) & 0x9D2C_5680
        value ^= (value << 15) & 0xEFC6_0000
        value ^= value >> 18
        return value
    }

    /// Twists all 624 words into the next block of the stream (the Mersenne Twister's `genrand` step).
    @usableFromInline
    @inline(never)
    internal mutating func regenerateKeys() {
        let count = NumpyRandomState.keyCount
        let shift = 397
        let matrixA: UInt32 = 0x9908_B0DF
        keys.withUnsafeMutableBufferPointer { keys in
            @inline(__always) func twisted(_ upper: UInt32, _ lower: UInt32, _ far: UInt32) -> UInt32 {
                let mixed = (upper & 0x8000_0000) | (lower & 0x7FFF_FFFF)
                return far ^ (mixed >> 1) ^ ((0 &- (mixed & 1)) & matrixA)
            }
            for index in 0..<(count - shift) {
                keys[index] = twisted(keys[index], keys[index + 1], keys[index + shift])
            }
            for index in (count - shift)..<(count - 1) {
                keys[index] = twisted(keys[index], keys[index + 1], keys[index + shift - count])
            }
            keys[count - 1] = twisted(keys[count - 1], keys[0], keys[shift - 1])
        }
        position = 0
    }
}

extension NumpyRandomState: RandomNumberGenerator {
    /// The next 64 random bits: the first 32-bit draw in the high half, the second in the low half.
    ///
    /// This is numpy's `next_uint64` for MT19937, so 64-bit draws interleave with the others exactly as
    /// in numpy. Swift's generic algorithms that take a `RandomNumberGenerator` (`Int.random(in:using:)`,
    /// `shuffled(using:)`) are not numpy's, so their results differ from numpy's even on the same stream.
    @inlinable
    public mutating func next() -> UInt64 {
        let high = UInt64(nextUInt32())
        let low = UInt64(nextUInt32())
        return high << 32 | low
    }
}

extension NumpyRandomState {
    /// The seed of the package's default stream, 0: the one place that decides it.
    ///
    /// Wherever a generator or a seed may be left out, the package draws from a fresh generator with this
    /// seed: `Sequential`'s initial weights, `fit`'s shuffling, and the random matrix creators without
    /// `using:` (``Matrix/random(rows:columns:)``, ``Matrix/uniform(rows:columns:low:high:)``,
    /// ``Matrix/standardNormal(rows:columns:)``, ``Matrix/normal(rows:columns:mean:standardDeviation:)``).
    public static let defaultSeed: UInt32 = 0

    /// A new generator at the start of the default stream: `NumpyRandomState(seed: defaultSeed)`, as
    /// numpy's `np.random.seed(0)`.
    ///
    /// Each use starts the stream afresh, so two draws through it give the same numbers; to continue a
    /// stream, keep one generator and pass it with `using:`.
    public static var defaultStream: NumpyRandomState { NumpyRandomState(seed: defaultSeed) }
}
