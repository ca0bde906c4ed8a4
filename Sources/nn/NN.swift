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
              nn train --dataset fashion-mnist --save fashion.json   train a 784-256-128-10 classifier
              nn evaluate --model fashion.json --dataset fashion-mnist
              nn predict --model fashion.json --data images.npy
              nn info --model fashion.json
              nn examples                          list the seed notebooks ported as examples
              nn examples 000                      run the first notebook's XOR network
            """,
        version: "0.1.0",
        subcommands: [
            TrainCommand.self, PredictCommand.self, EvaluateCommand.self, InfoCommand.self, ExportCommand.self,
            ExamplesCommand.self, DoctorCommand.self,
        ]
    )

    /// Parses and runs; a runtime error becomes one `error: ...` line on standard error and exit
    /// code 1, a usage error ArgumentParser's message and exit code 64.
    static func main() {
        KernelSwitch.reexecuteIfNeeded()
        do {
            var command = try parseAsRoot(RawArguments.arguments())
            try command.run()
        } catch let error as NetworkError {
            DistributedRun.fail(readableMessage("\(error)"))
        } catch let error as DataIOError {
            DistributedRun.fail(readableMessage("\(error)"))
        } catch let error as CommandError {
            if case .usage = error { fail(readableMessage("\(error)"), code: 64) }
            DistributedRun.fail(readableMessage("\(error)"))
        } catch {
            if let communicator = DistributedRun.communicator { communicator.abort("\(error)", code: 1) }
            exit(withError: error)
        }
    }

    static func fail(_ message: String, code: Int32 = 1) -> Never {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        Foundation.exit(code)
    }
}
