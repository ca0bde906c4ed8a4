import Foundation
import Network

/// Ctrl-C during training: the first SIGINT asks the run to end after the current epoch (and save
/// the best model so far); a second one exits at once with code 130.
final class Interruption: @unchecked Sendable {
    /// The process's one instance (signal handlers are process-wide).
    static let shared = Interruption()

    /// Whether a SIGINT has arrived since ``install()``.
    var requested: Bool { interruptCount > 0 }

    /// Starts catching SIGINT.
    func install() {
        interruptCount = 0
        // A parent (a test runner, a job control shell) may have left SIGINT blocked: unblock it.
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigprocmask(SIG_UNBLOCK, &signals, nil)
        signal(SIGINT) { _ in
            interruptCount += 1
            if interruptCount >= 2 {
                let message = "\ninterrupted again: exiting without saving\n"
                _ = message.withCString { Glibc.write(STDERR_FILENO, $0, strlen($0)) }
                _exit(130)
            }
            let message = "\ninterrupted: finishing the current epoch (press Ctrl-C again to exit at once)\n"
            _ = message.withCString { Glibc.write(STDERR_FILENO, $0, strlen($0)) }
        }
    }

    /// Restores the default SIGINT handling.
    func uninstall() {
        signal(SIGINT, SIG_DFL)
    }
}

/// The number of SIGINTs caught (a global, as a C signal handler cannot capture context).
nonisolated(unsafe) private var interruptCount: sig_atomic_t = 0

/// The best model of a run so far, by the monitored loss, for saving when the run is interrupted.
final class BestModelSnapshot: @unchecked Sendable {
    var model: ModelFile?
    var bestLoss = Double.infinity
    var epoch = 0
}

/// A value handed to a `@Sendable` callback that runs on the thread that made it (fit's epoch callback).
final class UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
