/// Why distributed training cannot start.
public enum DistributedError: Error, Equatable, CustomStringConvertible {
    /// MPI could not be initialized; the message says what failed.
    case initializationFailed(String)

    /// A sentence for the user.
    public var description: String {
        switch self {
        case .initializationFailed(let message): return "MPI could not start: \(message)"
        }
    }
}
