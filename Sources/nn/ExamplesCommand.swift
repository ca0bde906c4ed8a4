import ArgumentParser
import Examples
import Foundation

/// `nn examples [NAME]`: lists the notebook examples, or runs one.
struct ExamplesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "examples",
        abstract: "List the seed notebooks ported as examples, or run one.",
        discussion:
            "With no name, lists the examples. With a name (000 to 004, or all), runs it and prints what the notebook printed."
    )

    @Argument(help: "The example to run: 000, 001, 002, 003, 004, or all.")
    var name: String?

    func run() throws {
        guard let name else {
            for example in NotebookExample.all {
                print("\(example.name)  \(example.summary)")
            }
            print("")
            print("Run one with: nn examples NAME   (or: nn examples all)")
            return
        }
        let examples: [NotebookExample]
        if name == "all" {
            examples = NotebookExample.all
        } else if let example = NotebookExample.named(name) {
            examples = [example]
        } else {
            throw ValidationError(
                "no example named '\(name)'; the examples are \(NotebookExample.all.map(\.name).joined(separator: ", ")) and all"
            )
        }
        for (index, example) in examples.enumerated() {
            if index > 0 { print("") }
            print("== Notebook \(example.name): \(example.summary)")
            let clock = ContinuousClock()
            let started = clock.now
            _ = try example.run { print($0) }
            let elapsed = clock.now - started
            print("")
            print("The same training run from the command line:")
            print("  \(example.commandLine)")
            print("(\(elapsed.formatted(.units(allowed: [.milliseconds], fractionalPart: .show(length: 1)))))")
        }
    }
}
