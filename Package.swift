// swift-tools-version: 6.0
// The package graph: CBLAS ← Tensor ← Network ← nn, and gemm-bench beside nn.
// See ARCHITECTURE.md for where each concept lives.
import PackageDescription

let package = Package(
    name: "swift-neural-numerics",
    products: [
        .library(name: "Tensor", targets: ["Tensor"]),
        .library(name: "Network", targets: ["Network"]),
        .executable(name: "nn", targets: ["nn"]),
        .executable(name: "gemm-bench", targets: ["gemm-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
    ],
    targets: [
        // OpenBLAS (cblas.h) and LAPACKE (lapacke.h) as Debian ships them.
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]
        ),
        .target(
            name: "Tensor",
            dependencies: [
                "CBLAS",
                .product(name: "RealModule", package: "swift-numerics"),
            ]
        ),
        .target(
            name: "Network",
            dependencies: ["Tensor"]
        ),
        .executableTarget(
            name: "nn",
            dependencies: [
                "Tensor",
                "Network",
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
        .testTarget(name: "CBLASTests", dependencies: ["CBLAS"]),
        .testTarget(name: "TensorTests", dependencies: ["Tensor"], resources: [.copy("Fixtures")]),
        .testTarget(name: "NetworkTests", dependencies: ["Network", "Tensor"], resources: [.copy("Fixtures")]),
        .testTarget(name: "nnTests", dependencies: ["nn"]),
    ]
)
