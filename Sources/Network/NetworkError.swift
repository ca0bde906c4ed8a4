/// The errors the Network module throws: everything that depends on data or files from outside.
public enum NetworkError: Error, Equatable, CustomStringConvertible {
    /// The training or evaluation data does not fit the network (message names both shapes).
    case shapeMismatch(String)
    /// The loss became nan or infinite.
    case nonFiniteLoss(epoch: Int, batch: Int, learningRate: Double)
    /// A parameter became nan or infinite (the loss may still have been finite), found after the
    /// last update of an epoch.
    case nonFiniteWeights(epoch: Int, parameter: String, learningRate: Double)
    /// The settings cannot work together (message says which and why).
    case invalidConfiguration(String)
    /// A model file could not be read or does not describe a valid network.
    case invalidModelFile(path: String, reason: String)
    /// A checkpoint does not match the network or optimizer it is restored into.
    case invalidCheckpoint(String)
    /// Writing a file failed.
    case writeFailed(path: String, reason: String)
    /// The memory for `what` (a parameter, an optimizer's state, a workspace, the gradient block) could not be
    /// allocated; `bytes` is its size, or `nil` when the size does not even fit in an `Int`.
    case cannotAllocate(what: String, bytes: Int?)

    /// A one-line message a user can act on.
    public var description: String {
        switch self {
        case .shapeMismatch(let message):
            return message
        case .nonFiniteLoss(let epoch, let batch, let learningRate):
            return
                "the loss became nan or infinite at epoch \(epoch + 1), batch \(batch + 1) with learning rate \(learningRate); "
                + "try a smaller learning rate or scaled inputs"
        case .nonFiniteWeights(let epoch, let parameter, let learningRate):
            return
                "the weights became nan or infinite (\(parameter)) at epoch \(epoch + 1) with learning rate \(learningRate); "
                + "try a smaller learning rate or weight decay, or scaled inputs"
        case .invalidConfiguration(let message):
            return message
        case .invalidModelFile(let path, let reason):
            return "\(path): not a valid model file: \(reason)"
        case .invalidCheckpoint(let message):
            return "invalid checkpoint: \(message)"
        case .writeFailed(let path, let reason):
            return "\(path): could not write: \(reason)"
        case .cannotAllocate(let what, let bytes):
            let size = bytes.map { "\(Self.formattedSize($0)) (\($0) bytes)" } ?? "more bytes than an Int counts"
            return
                "cannot allocate \(size) for \(what): the system refused the memory; use a smaller network or batch size, or free memory"
        }
    }

    /// `bytes` in binary units to three significant digits, as `1.5 GiB` or `312 MiB`.
    static func formattedSize(_ bytes: Int) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        if unit == 0 { return "\(bytes) bytes" }
        let digits = value < 10 ? 2 : value < 100 ? 1 : 0
        let scale = [1.0, 10.0, 100.0][digits]
        let rounded = (value * scale).rounded() / scale
        return digits == 0 ? "\(Int(rounded)) \(units[unit])" : "\(rounded) \(units[unit])"
    }
}
