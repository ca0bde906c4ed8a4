import ArgumentParser
import Foundation
import Network
import TensorIO

/// The `nn` command: trains, evaluates and applies neural networks built on OpenBLAS, and runs the
/// seed notebooks as examples.
@main
struct NN: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nn",
        abstract: "Train and run neural networks on OpenBLAS.",
        discussion: """
            Examples:
              nn train --dataset fashion-mnist --save fashion.safetensors
              nn evaluate --model fashion.safetensors --dataset fashion-mnist
              nn predict --model fashion.safetensors --data images.npy
              nn info --model fashion.safetensors
              nn examples        list the seed notebooks ported as examples
              nn examples 000    run the first notebook's XOR network
            """,
        version: PackageVersion.current,
        subcommands: [
            TrainCommand.self, PredictCommand.self, EvaluateCommand.self, InfoCommand.self, ExportCommand.self,
            ImportCommand.self, ExamplesCommand.self, DoctorCommand.self,
        ]
    )

    /// Parses and runs. Every error is one `error: ...` message on standard error: a usage error
    /// (an option that is wrong, missing or does not apply) exits with 64, as ArgumentParser's own
    /// do, and a runtime failure with 1.
    static func main() {
        // A closed standard output (`nn train ... | head -1`) is an error on write, not a signal that
        // kills the run before it saves: `write(_:)` stops printing and the work goes on.
        signal(SIGPIPE, SIG_IGN)
        KernelSwitch.reexecuteIfNeeded()
        var command: any ParsableCommand
        do {
            command = try parseAsRoot(RawArguments.arguments())
        } catch {
            let code = exitCode(for: error)
            // --help and --version are clean exits, printed as ArgumentParser prints them.
            if code == .success { exitCleanly(error) }
            fail(usageMessage(fullMessage(for: error)), code: code.rawValue)
        }
        do {
            try command.run()
            finishOutput()
        } catch let error as NetworkError {
            DistributedRun.fail(readableMessage("\(error)"))
        } catch let error as DataIOError {
            DistributedRun.fail(readableMessage("\(error)"))
        } catch let error as CommandError {
            if error.isUsage { fail(readableMessage("\(error)"), code: 64) }
            DistributedRun.fail(readableMessage("\(error)"))
        } catch let error as ValidationError {
            // Thrown by a command's run (an unknown example's name): a usage error in the one style, where
            // ArgumentParser would print `Error:` and the root command's usage.
            fail(readableMessage(error.message), code: 64)
        } catch {
            if let communicator = DistributedRun.communicator { communicator.abort("\(error)", code: 1) }
            // `nn help` and `nn SUBCOMMAND --help` end here, as clean exits.
            if exitCode(for: error) == .success { exitCleanly(error) }
            exit(withError: error)
        }
    }

    /// ArgumentParser's message in this command's one style: `error: ` in lower case, as every other error.
    static func usageMessage(_ message: String) -> String {
        message.hasPrefix("Error: ") ? String(message.dropFirst("Error: ".count)) : message
    }

    static func fail(_ message: String, code: Int32 = 1) -> Never {
        writeError("error: \(message)\n")
        Foundation.exit(code)
    }

    /// Prints the help or version text a clean exit carries, as ArgumentParser prints it, and exits with 0,
    /// or with 1 when it could not be written.
    static func exitCleanly(_ error: any Error) -> Never {
        print(fullMessage(for: error))
        finishOutput()
        Foundation.exit(0)
    }

    /// Exits with 1 when what the command printed did not all reach standard output (a full disk, an
    /// I/O error): predictions or a report that were lost are a failure, not a success. A reader that
    /// went away (`| head -1`) or a closed standard output is no failure. The command's files are
    /// written by then.
    static func finishOutput() {
        if let reason = StandardStream.outputFailure() { fail("standard output: could not write: \(reason)") }
    }
}
