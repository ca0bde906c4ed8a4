extension NumpyRandomState {
    /// The complete state of a ``NumpyRandomState``: the same numbers as numpy's `get_state()` tuple.
    ///
    /// Save it with a checkpoint (it is `Codable`) and restore it with ``NumpyRandomState/init(state:)``
    /// to resume the stream exactly where it was. A numpy state converts field by field:
    /// `('MT19937', keys, position, hasGauss, gauss) = np.random.get_state()`.
    public struct State: Codable, Sendable, Equatable {
        /// The 624 Mersenne Twister words (numpy's `key` array).
        public var keys: [UInt32]
        /// The index of the next word to use, from 0 to 624 (624 means a new block is due; numpy's `pos`).
        public var position: Int
        /// Whether a second Gaussian from the last polar-method pair is waiting (numpy's `has_gauss`).
        public var hasGauss: Bool
        /// The waiting Gaussian, meaningful only when ``hasGauss`` is true (numpy's `cached_gaussian`).
        public var gauss: Double

        /// Creates a state from its parts; ``NumpyRandomState/init(state:)`` checks them.
        public init(keys: [UInt32], position: Int, hasGauss: Bool, gauss: Double) {
            self.keys = keys
            self.position = position
            self.hasGauss = hasGauss
            self.gauss = gauss
        }
    }

    /// Why a ``State`` cannot be restored.
    public enum StateError: Error, Equatable, CustomStringConvertible {
        /// The state has `count` keys instead of the 624 the Mersenne Twister needs.
        case wrongKeyCount(Int)
        /// The position is outside 0...624.
        case positionOutOfRange(Int)
        /// All 624 keys are zero, a state from which the Mersenne Twister only ever produces zeros.
        case allKeysZero

        /// A description naming the field to fix.
        public var description: String {
            switch self {
            case .wrongKeyCount(let count):
                return
                    "random state has \(count) keys; a Mersenne Twister state needs exactly 624 (numpy's get_state()[1])"
            case .positionOutOfRange(let position):
                return "random state position \(position) is outside 0...624 (numpy's get_state()[2])"
            case .allKeysZero:
                return
                    "random state keys are all zero; the generator would only produce zeros (was the checkpoint truncated?)"
            }
        }
    }

    /// The complete current state, for checkpoints (numpy's `get_state()`).
    public var state: State {
        State(
            keys: keys, position: position, hasGauss: hasCachedGaussian, gauss: hasCachedGaussian ? cachedGaussian : 0)
    }

    /// Restores a generator from a saved state (numpy's `set_state`); the stream continues exactly where
    /// the saved one stood.
    ///
    /// - Throws: ``StateError`` when the state does not describe a Mersenne Twister (wrong key count,
    ///   position outside 0...624, all keys zero), as a corrupted or hand-edited checkpoint might.
    public init(state: State) throws(StateError) {
        guard state.keys.count == NumpyRandomState.keyCount else { throw .wrongKeyCount(state.keys.count) }
        guard (0...NumpyRandomState.keyCount).contains(state.position) else {
            throw .positionOutOfRange(state.position)
        }
        guard state.keys.contains(where: { $0 != 0 }) else { throw .allKeysZero }
        keys = state.keys
        position = state.position
        hasCachedGaussian = state.hasGauss
        cachedGaussian = state.hasGauss ? state.gauss : 0
    }
}
