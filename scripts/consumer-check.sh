#!/usr/bin/env bash
# Builds a tiny package that depends on this checkout (a path dependency) the way an adopter's would,
# using the Tensor, TensorIO, Network and DataParallel products, and fails when the build prints a
# warning from this package's sources: an adopter sees every warning of a dependency in their own
# build. The consumer also imports Swift's own Distributed module (distributed actors) beside
# DataParallel, to prove that the two names no longer clash. Then it runs the consumer once.
#
#   scripts/consumer-check.sh            # in a temporary folder, removed afterwards
#   CONSUMER_DIR=/tmp/consumer scripts/consumer-check.sh   # keep the consumer (and its .build) there
#
# Debug mode, to keep it short: the consumer's own .build compiles this package again from scratch.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd -P)
swift=${SWIFT:-swift}

if [[ -n "${CONSUMER_DIR:-}" ]]; then
    consumer=$CONSUMER_DIR
    mkdir -p "$consumer"
else
    consumer=$(mktemp -d "${TMPDIR:-/tmp}/consumer-check.XXXXXX")
    trap 'rm -rf "$consumer"' EXIT
fi

# The Distributed module ships with the toolchain on Linux and macOS; say so plainly if it does not.
probe="$consumer/probe.swift"
printf 'import Distributed\n' > "$probe"
if ! "${swift}c" -typecheck "$probe" 2>/dev/null; then
    echo "consumer-check: this toolchain has no Distributed module; the clash check needs it" >&2
    exit 1
fi
rm -f "$probe"

# A path dependency's identity is its folder's name.
identity=$(basename "$root" | tr '[:upper:]' '[:lower:]')
mkdir -p "$consumer/Sources/Consumer"
cat > "$consumer/Package.swift" <<EOF
// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Consumer",
    dependencies: [.package(path: "$root")],
    targets: [
        .executableTarget(
            name: "Consumer",
            dependencies: [
                .product(name: "Tensor", package: "$identity"),
                .product(name: "TensorIO", package: "$identity"),
                .product(name: "Network", package: "$identity"),
                .product(name: "DataParallel", package: "$identity"),
            ]
        )
    ]
)
EOF
# The same dependency versions as the checkout, when it has resolved them.
if [[ -f "$root/Package.resolved" ]]; then cp "$root/Package.resolved" "$consumer/Package.resolved"; fi

cat > "$consumer/Sources/Consumer/main.swift" <<'EOF'
import DataParallel
import Distributed  // Swift's own, beside DataParallel: no clash
import Foundation
import Network
import Tensor
import TensorIO

/// A distributed actor, which needs Swift's Distributed module.
distributed actor Greeter {
    typealias ActorSystem = LocalTestingDistributedActorSystem

    distributed func greet(_ name: String) -> String { "hello, \(name)" }
}

// Tensor: a product.
let inputs: Matrix<Double> = [[0, 0], [0, 1], [1, 0], [1, 1]]
let targets: Matrix<Double> = [[0], [1], [1], [0]]
precondition(inputs.dot(Matrix<Double>.ones(rows: 2, columns: 1)).scalars == [0, 1, 1, 2])

// Network and DataParallel: two ranks as threads train the same network with reduced gradients.
let losses = try InProcessCommunicator.run(size: 2) { communicator in
    let network = Sequential<Double>(
        [
            Dense(inputSize: 2, outputSize: 4, activation: .tanh),
            Dense(inputSize: 4, outputSize: 1, activation: .sigmoid),
        ], seed: 1)
    network.gradientHook = GradientReducer<Double>(communicator)
    let history = try network.fit(
        inputs, targets, loss: .binaryCrossEntropy, optimizer: Optimizer(.adam, learningRate: 0.05),
        options: TrainingOptions(epochs: 50))
    return history.loss.last!
}
precondition(losses[0] == losses[1], "the ranks disagree: \(losses)")

// TensorIO: an .npz archive written and read back.
let folder = FileManager.default.temporaryDirectory.appendingPathComponent("consumer-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: folder) }
let archive = folder.appendingPathComponent("arrays.npz").path
try writeNPZ(["inputs": inputs, "targets": targets], to: archive, compressed: true)
let readBack = try readNPZ(from: archive, as: Double.self)
precondition(readBack["targets"] == targets)

let greeting = try await Greeter(actorSystem: LocalTestingDistributedActorSystem()).greet("consumer")
print("consumer: \(greeting); both ranks ended at loss \(losses[0])")
EOF

echo "consumer-check: building $consumer (debug), which depends on $root"
log="$consumer/build.log"
started=$(date +%s)
if ! (cd "$consumer" && "$swift" build 2>&1) > "$log"; then
    cat "$log" >&2
    echo "consumer-check: the consumer does not build" >&2
    exit 1
fi
echo "consumer-check: built in $(($(date +%s) - started)) s"

# Warning lines: `FILE:LINE:COLUMN: warning: ...` from the compiler (sources named by absolute path),
# or `warning: ...` from the package manager; ours are those whose file lies in this checkout and the
# package manager's about this package (`warning: 'IDENTITY': ...`).
warnings=$(grep -E '^(/[^:]+:[0-9]+:[0-9]+: )?warning:' "$log" | sort -u || true)
ours=$(grep -e "$root/" -e "^warning: '$identity'" <<< "$warnings" || true)
others=$(grep -v -e "$root/" -e "^warning: '$identity'" <<< "$warnings" || true)
if [[ -n "$others" ]]; then
    echo "consumer-check: warnings from elsewhere (toolchain, other dependencies), not counted:"
    echo "$others"
fi
if [[ -n "$ours" ]]; then
    echo "consumer-check: the consumer's build shows warnings from this package:" >&2
    echo "$ours" >&2
    exit 1
fi

(cd "$consumer" && "$swift" run --skip-build Consumer)
echo "consumer-check: no warnings from this package; the consumer runs"
