// swift-tools-version: 6.1
// The package graph: CBLAS ← Tensor ← Network ← DataParallel ← nn, and gemm-bench beside nn.
// The MPI trait (`swift build --traits MPI`) adds Open MPI through the CMPI system library; without it
// nothing looks MPI up.
// See ARCHITECTURE.md for where each concept lives.
import PackageDescription

let package = Package(
    name: "swift-neural-numerics",
    products: [
        .library(name: "Tensor", targets: ["Tensor"]),
        .library(name: "TensorIO", targets: ["TensorIO"]),
        .library(name: "Network", targets: ["Network"]),
        .library(name: "DataParallel", targets: ["DataParallel"]),
        .executable(name: "nn", targets: ["nn"]),
        .executable(name: "gemm-bench", targets: ["gemm-bench"]),
        .executable(name: "train-bench", targets: ["train-bench"]),
        .executable(name: "model-file-bench", targets: ["model-file-bench"]),
    ],
    traits: [
        // Data-parallel training across processes and machines on MPI (the DataParallel module's
        // MPICommunicator and `nn train --distributed`). Off by default: a build without it never looks
        // MPI up. Turn it on with `swift build --traits MPI`, or `.package(..., traits: ["MPI"])`.
        .trait(name: "MPI", description: "Data-parallel training on MPI (needs libopenmpi-dev or MPICH).")
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
        // `swift package generate-documentation` for `make docs` (the DocC catalogs in Sources/*/*.docc).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // OpenBLAS (cblas.h) and LAPACKE (lapacke.h) as Debian ships them.
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]
        ),
        // Vectorized exp, logistic and max/min kernels in C, compiled for the baseline and for AVX2(+FMA) and picked
        // at run time (Swift code cannot target AVX2 without unsafe flags). Only Tensor's VectorMath.swift imports it.
        .target(name: "CVectorMath"),
        .target(
            name: "Tensor",
            dependencies: [
                "CBLAS",
                "CVectorMath",
                .product(name: "RealModule", package: "swift-numerics"),
            ]
        ),
        // zlib (zlib.h) for gzip and zip-member inflation, zip-member deflation and CRC-32; only TensorIO's
        // internal Zlib wrapper imports it. Not named CZlib, a name other zip packages give their zlib module.
        .systemLibrary(
            name: "CZlibShim",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // Reading and writing data files (CSV, IDX, .npy, .npz, gzip) into Tensor's Matrix. A separate
        // target so that Tensor itself stays free of Foundation and zlib. The zip reader and writer are the
        // package's own (ZipReader.swift, ZipWriter.swift).
        // The one atomic file writer (temporary file, fsync, rename), shared by TensorIO and Network;
        // package-internal (no product), Foundation-free.
        .target(name: "FileSystem"),
        .target(
            name: "TensorIO",
            dependencies: [
                "Tensor",
                "FileSystem",
                "CZlibShim",
            ]
        ),
        .target(
            name: "Network",
            dependencies: ["Tensor", "FileSystem"]
        ),
        // MPI (mpi.h) as the system's `pkg-config mpi` finds it (Open MPI or MPICH), with inline functions
        // for the handles mpi.h defines as macros. Only DataParallel depends on it, and only with the MPI trait.
        .systemLibrary(
            name: "CMPI",
            pkgConfig: "mpi",
            providers: [.apt(["libopenmpi-dev"])]
        ),
        // Data-parallel training: communicators (MPI under the trait, threads always) and the gradient
        // reducer that plugs into fit.
        .target(
            name: "DataParallel",
            dependencies: [
                "Tensor",
                "Network",
                "FileSystem",
                .target(name: "CMPI", condition: .when(traits: ["MPI"])),
            ]
        ),
        // The seed notebooks as runnable examples (`nn examples`), built on Tensor and Network.
        .target(
            name: "Examples",
            dependencies: ["Tensor", "Network"]
        ),
        .executableTarget(
            name: "nn",
            dependencies: [
                "Tensor",
                "TensorIO",
                "FileSystem",
                "Network",
                "DataParallel",
                "Examples",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "gemm-bench",
            dependencies: [
                "CBLAS",
                "Tensor",
                "Network",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "benchmarks/gemm-bench"
        ),
        .executableTarget(
            name: "train-bench",
            dependencies: [
                "CBLAS",
                "Tensor",
                "TensorIO",
                "Network",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "benchmarks/train-bench"
        ),
        // Save/load time and peak memory of model files (benchmarks/model-file.sh).
        .executableTarget(
            name: "model-file-bench",
            dependencies: ["Tensor", "Network"],
            path: "benchmarks/model-file-bench"
        ),
        // libFuzzer targets, one per reader: scripts/fuzz.sh builds them with -DFUZZING and
        // -sanitize=fuzzer,address in .build-fuzz. Built normally, each replays the files named on its
        // command line (so a crash file can be re-run in a debugger).
        .systemLibrary(name: "CLibFuzzer", path: "Fuzz/CLibFuzzer"),
        .target(name: "FuzzSupport", dependencies: ["CLibFuzzer"], path: "Fuzz/FuzzSupport"),
        .executableTarget(name: "FuzzCSV", dependencies: ["FuzzSupport", "TensorIO"], path: "Fuzz/FuzzCSV"),
        .executableTarget(name: "FuzzIDX", dependencies: ["FuzzSupport", "TensorIO"], path: "Fuzz/FuzzIDX"),
        .executableTarget(name: "FuzzNPY", dependencies: ["FuzzSupport", "TensorIO"], path: "Fuzz/FuzzNPY"),
        .executableTarget(
            name: "FuzzModelFile", dependencies: ["FuzzSupport", "Network", "Tensor"], path: "Fuzz/FuzzModelFile"),
        .executableTarget(
            name: "FuzzCheckpoint", dependencies: ["FuzzSupport", "Network", "Tensor"], path: "Fuzz/FuzzCheckpoint"),
        // One folder for every temporary file of a test process, removed when it exits.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "CBLASTests", dependencies: ["CBLAS"]),
        .testTarget(name: "FileSystemTests", dependencies: ["FileSystem"]),
        .testTarget(name: "TensorTests", dependencies: ["Tensor"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "TensorIOTests", dependencies: ["Tensor", "TensorIO", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "NetworkTests", dependencies: ["Network", "Tensor", "TensorIO", "TestSupport"],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "DataParallelTests", dependencies: ["DataParallel", "Network", "Tensor", "TensorIO"]),
        .testTarget(name: "ExamplesTests", dependencies: ["Examples"], resources: [.copy("Fixtures")]),
        // Runs the built nn executable (swift test builds every product first); imports no module of it.
        .testTarget(name: "nnTests", dependencies: ["TestSupport"], exclude: ["Snapshots", "Fixtures"]),
    ]
)
