import ArgumentParser

/// The `nn` command: trains, evaluates and applies neural networks built on OpenBLAS, and runs the
/// seed notebooks as examples.
@main
struct NN: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nn",
        abstract: "Train and run neural networks on OpenBLAS.",
        discussion: """
            Examples:
              nn examples                          list the seed notebooks ported as examples
              nn examples 000                      run the first notebook's XOR network
            """,
        version: "0.1.0",
        subcommands: [ExamplesCommand.self]
    )
}
