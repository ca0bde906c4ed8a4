import Foundation
import Tensor
import Testing

/// The numpy oracle written by scripts/fixtures/random_fixtures.py.
private enum RandomFixtures {
    static func load<Value: Decodable>(_ type: Value.Type, from name: String) throws -> Value {
        let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent(name)
        return try JSONDecoder().decode(Value.self, from: Data(contentsOf: url))
    }

    static func double(_ hex: String) -> Double { Double(bitPattern: UInt64(hex, radix: 16)!) }
    static func float(_ hex: String) -> Float { Float(bitPattern: UInt32(hex, radix: 16)!) }
    static func integer(_ text: String) -> Int { Int(text)! }

    /// The fixture script's checksum: `checksum = checksum · 0x100000001B3 + bits (mod 2⁶⁴)`.
    static func checksum(_ patterns: [UInt64]) -> String {
        var total: UInt64 = 0
        for bits in patterns { total = total &* 0x1_0000_0001B3 &+ bits }
        let digits = String(total, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
    static func checksum(_ values: [Double]) -> String { checksum(values.map(\.bitPattern)) }
    static func checksum(_ values: [Int]) -> String { checksum(values.map { UInt64(bitPattern: Int64($0)) }) }
}

private struct StreamFixture: Decodable {
    struct Operation: Decodable {
        var kind: String
        var count: Int
        var head: [String]
        var checksum: String
        var low: Double?
        var high: Double?
        var mean: Double?
        var standardDeviation: Double?
        var population: Int?
        var replace: Bool?
        var lowText: String?
        var highText: String?

        enum CodingKeys: String, CodingKey {
            case kind, count, head, checksum, low, high, mean, standardDeviation, population, replace
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            kind = try container.decode(String.self, forKey: .kind)
            count = try container.decode(Int.self, forKey: .count)
            head = try container.decode([String].self, forKey: .head)
            checksum = try container.decode(String.self, forKey: .checksum)
            mean = try container.decodeIfPresent(Double.self, forKey: .mean)
            standardDeviation = try container.decodeIfPresent(Double.self, forKey: .standardDeviation)
            population = try container.decodeIfPresent(Int.self, forKey: .population)
            replace = try container.decodeIfPresent(Bool.self, forKey: .replace)
            // Integer bounds are strings (beyond 2⁵³), real bounds are numbers.
            if kind.hasPrefix("randint") {
                lowText = try container.decode(String.self, forKey: .low)
                highText = try container.decode(String.self, forKey: .high)
            } else {
                low = try container.decodeIfPresent(Double.self, forKey: .low)
                high = try container.decodeIfPresent(Double.self, forKey: .high)
            }
        }
    }
    struct FinalState: Decodable {
        var keysChecksum: String
        var position: Int
        var hasGauss: Bool
        var gauss: String
    }
    struct Stream: Decodable {
        var seed: UInt32?
        var seedArray: [UInt32]?
        var operations: [Operation]
        var finalState: FinalState
    }
    var numpy: String
    var streams: [Stream]
}

private struct ChecksFixture: Decodable {
    struct Notebook: Decodable {
        var weights0: [String]
        var weights1: [String]
    }
    struct Values: Decodable { var values: [String] }
    struct Factory: Decodable {
        var name: String
        var rows: Int
        var columns: Int
        var double: [String]
        var float: [String]
    }
    struct SavedState: Decodable {
        var keys: [UInt32]
        var position: Int
        var hasGauss: Bool
        var gauss: String
        var continuationNormal: [String]
        var continuationIntegers: [String]
        var continuationSample: [String]
    }
    struct FastReference: Decodable {
        var seed: UInt64
        var words: [String]
        var samples: [String]
    }
    var notebookSeed1: Notebook
    var uniformSeed314: Values
    var scaledNormalSeed42: Values
    var factories: [Factory]
    var state: SavedState
    var rawWordsSeed0: [String]
    var fastRandomSeed7: FastReference
    var fastRandomSeed0: FastReference
}

/// Runs one fixture operation on `random`, returning the doubles or the integers it drew.
private func perform(
    _ operation: StreamFixture.Operation, on random: inout NumpyRandomState
) -> (doubles: [Double]?, integers: [Int]?) {
    let count = operation.count
    switch operation.kind {
    case "rand":
        return ((0..<count).map { _ in random.randomSample() }, nil)
    case "randomSampleScalar":
        return ([random.randomSample()], nil)
    case "randn":
        return ((0..<count).map { _ in random.standardNormal() }, nil)
    case "uniform":
        return ((0..<count).map { _ in random.uniform(low: operation.low!, high: operation.high!) }, nil)
    case "normal":
        let mean = operation.mean!
        let deviation = operation.standardDeviation!
        return ((0..<count).map { _ in random.normal(mean: mean, standardDeviation: deviation) }, nil)
    case "randint":
        let range = Int(operation.lowText!)!..<Int(operation.highText!)!
        return (nil, random.randomIntegers(in: range, count: count))
    case "randintScalar":
        return (nil, [random.randomInteger(in: Int(operation.lowText!)!..<Int(operation.highText!)!)])
    case "permutation":
        return (nil, random.permutation(count))
    case "shuffle":
        var values = Array(0..<count)
        random.shuffle(&values)
        return (nil, values)
    case "choice", "choiceWithReplacement":
        return (nil, random.choice(operation.population!, count: count, replace: operation.replace!))
    default:
        Issue.record("unknown fixture operation \(operation.kind)")
        return (nil, nil)
    }
}

@Suite("NumpyRandomState against numpy's RandomState")
struct RandomTests {
    static let streamIndices = Array(0..<9)

    @Test("Interleaved streams of every kind match numpy bit for bit", arguments: streamIndices)
    func streamMatchesNumpy(index: Int) throws {
        let fixture = try RandomFixtures.load(StreamFixture.self, from: "random_streams.json")
        try #require(fixture.streams.count == RandomTests.streamIndices.count)
        let stream = fixture.streams[index]
        var random = stream.seed.map { NumpyRandomState(seed: $0) } ?? NumpyRandomState(seedArray: stream.seedArray!)
        var drawnValues = 0
        for (step, operation) in stream.operations.enumerated() {
            let (doubles, integers) = perform(operation, on: &random)
            if let doubles {
                drawnValues += doubles.count
                let expectedHead = operation.head.map(RandomFixtures.double)
                #expect(Array(doubles.prefix(expectedHead.count)) == expectedHead, "step \(step): \(operation.kind)")
                #expect(RandomFixtures.checksum(doubles) == operation.checksum, "step \(step): \(operation.kind)")
            }
            if let integers {
                drawnValues += integers.count
                let expectedHead = operation.head.map(RandomFixtures.integer)
                #expect(Array(integers.prefix(expectedHead.count)) == expectedHead, "step \(step): \(operation.kind)")
                #expect(RandomFixtures.checksum(integers) == operation.checksum, "step \(step): \(operation.kind)")
            }
        }
        #expect(drawnValues > 10_000)
        let state = random.state
        #expect(RandomFixtures.checksum(state.keys.map(UInt64.init)) == stream.finalState.keysChecksum)
        #expect(state.position == stream.finalState.position)
        #expect(state.hasGauss == stream.finalState.hasGauss)
        #expect(state.gauss == RandomFixtures.double(stream.finalState.gauss))
    }

    @Test("The notebook's weights after seed 1: 2·rand(3, 4) − 1, then 2·rand(4, 1) − 1")
    func notebookWeights() throws {
        let fixture = try RandomFixtures.load(ChecksFixture.self, from: "random_checks.json")
        var random = NumpyRandomState(seed: 1)
        let weights0 = 2 * Matrix<Double>.random(rows: 3, columns: 4, using: &random) - 1
        let weights1 = 2 * Matrix<Double>.random(rows: 4, columns: 1, using: &random) - 1
        #expect(weights0.scalars == fixture.notebookSeed1.weights0.map(RandomFixtures.double))
        #expect(weights1.scalars == fixture.notebookSeed1.weights1.map(RandomFixtures.double))
        // The values the notebook prints, to its 8 decimals.
        let printed: [Double] = [
            -0.16595599, 0.44064899, -0.99977125, -0.39533485, -0.70648822, -0.81532281,
            -0.62747958, -0.30887855, -0.20646505, 0.07763347, -0.16161097, 0.370439,
        ]
        for (value, expected) in zip(weights0.scalars, printed) { #expect(abs(value - expected) < 5e-9) }
        for (value, expected) in zip(weights1.scalars, [-0.5910955, 0.75623487, -0.94522481, 0.34093502]) {
            #expect(abs(value - expected) < 5e-9)
        }
    }

    @Test("uniform(size: (2, 2)) after seed 314 and randn(2, 2) · 0.1 after seed 42")
    func seededExamples() throws {
        let fixture = try RandomFixtures.load(ChecksFixture.self, from: "random_checks.json")
        var random = NumpyRandomState(seed: 314)
        let uniform = Matrix<Double>.uniform(rows: 2, columns: 2, using: &random)
        #expect(uniform.scalars == fixture.uniformSeed314.values.map(RandomFixtures.double))
        for (value, expected) in zip(uniform.scalars, [0.91687358, 0.58854191, 0.26504775, 0.78320538]) {
            #expect(abs(value - expected) < 5e-9)
        }
        random = NumpyRandomState(seed: 42)
        let normal = Matrix<Double>.standardNormal(rows: 2, columns: 2, using: &random) * 0.1
        #expect(normal.scalars == fixture.scaledNormalSeed42.values.map(RandomFixtures.double))
    }

    private func checkFactories<Scalar: MatrixScalar>(
        _: Scalar.Type, expected: (ChecksFixture.Factory) -> [Scalar]
    ) throws {
        let fixture = try RandomFixtures.load(ChecksFixture.self, from: "random_checks.json")
        var random = NumpyRandomState(seed: 7)
        for factory in fixture.factories {
            let matrix: Matrix<Scalar>
            switch factory.name {
            case "random": matrix = .random(rows: factory.rows, columns: factory.columns, using: &random)
            case "standardNormal", "standardNormalAfterOdd":
                matrix = .standardNormal(rows: factory.rows, columns: factory.columns, using: &random)
            case "uniform":
                matrix = .uniform(rows: factory.rows, columns: factory.columns, low: -2, high: 3, using: &random)
            case "normal":
                matrix = .normal(
                    rows: factory.rows, columns: factory.columns, mean: 1.5, standardDeviation: 0.25, using: &random)
            default:
                Issue.record("unknown factory \(factory.name)")
                continue
            }
            #expect(matrix.shape == (factory.rows, factory.columns), "\(factory.name)")
            #expect(matrix.scalars == expected(factory), "\(factory.name) \(Scalar.self)")
        }
    }

    @Test("Matrix factories equal numpy's float64 arrays")
    func factoriesDouble() throws {
        try checkFactories(Double.self) { $0.double.map(RandomFixtures.double) }
    }

    @Test("Matrix<Float> factories equal numpy's arrays .astype(np.float32)")
    func factoriesFloat() throws {
        try checkFactories(Float.self) { $0.float.map(RandomFixtures.float) }
    }

    @Test("The state equals numpy's get_state() and a restored state resumes the stream")
    func stateMatchesAndResumes() throws {
        let saved = try RandomFixtures.load(ChecksFixture.self, from: "random_checks.json").state
        var random = NumpyRandomState(seed: 42)
        for _ in 0..<3 { _ = random.randomSample() }
        for _ in 0..<5 { _ = random.standardNormal() }
        let numpyState = NumpyRandomState.State(
            keys: saved.keys, position: saved.position, hasGauss: saved.hasGauss,
            gauss: RandomFixtures.double(saved.gauss))
        #expect(random.state == numpyState)
        #expect(numpyState.hasGauss)

        func continuation(_ random: inout NumpyRandomState) -> ([Double], [Int], [Double]) {
            (
                (0..<4).map { _ in random.standardNormal() },
                random.randomIntegers(in: 0..<1000, count: 10),
                (0..<3).map { _ in random.randomSample() }
            )
        }
        let expected = (
            saved.continuationNormal.map(RandomFixtures.double),
            saved.continuationIntegers.map(RandomFixtures.integer),
            saved.continuationSample.map(RandomFixtures.double)
        )

        var restored = try NumpyRandomState(state: numpyState)
        let fromNumpy = continuation(&restored)
        #expect(fromNumpy.0 == expected.0 && fromNumpy.1 == expected.1 && fromNumpy.2 == expected.2)

        // A JSON checkpoint round trip resumes identically too.
        let data = try JSONEncoder().encode(random.state)
        var decoded = try NumpyRandomState(state: JSONDecoder().decode(NumpyRandomState.State.self, from: data))
        let fromCheckpoint = continuation(&decoded)
        #expect(fromCheckpoint.0 == expected.0 && fromCheckpoint.1 == expected.1 && fromCheckpoint.2 == expected.2)
        let original = continuation(&random)
        #expect(original.0 == expected.0 && original.1 == expected.1 && original.2 == expected.2)
        #expect(random.state == decoded.state)
    }

    @Test("A malformed state is rejected with a typed error")
    func malformedStateThrows() {
        let good = NumpyRandomState(seed: 3).state
        var short = good
        short.keys.removeLast()
        #expect(throws: NumpyRandomState.StateError.wrongKeyCount(623)) { try NumpyRandomState(state: short) }
        var farPosition = good
        farPosition.position = 625
        #expect(throws: NumpyRandomState.StateError.positionOutOfRange(625)) {
            try NumpyRandomState(state: farPosition)
        }
        var zeros = good
        zeros.keys = Array(repeating: 0, count: 624)
        #expect(throws: NumpyRandomState.StateError.allKeysZero) { try NumpyRandomState(state: zeros) }
        #expect(NumpyRandomState.StateError.wrongKeyCount(623).description.contains("624"))
    }

    @Test("Raw 32-bit words and the RandomNumberGenerator's 64-bit composition (first word high)")
    func rawWords() throws {
        let fixture = try RandomFixtures.load(ChecksFixture.self, from: "random_checks.json")
        let words = fixture.rawWordsSeed0.map { UInt32($0)! }
        var random = NumpyRandomState(seed: 0)
        #expect((0..<6).map { _ in random.nextUInt32() } == words)
        random = NumpyRandomState(seed: 0)
        let composed = (0..<3).map { _ in random.next() }
        #expect(composed == (0..<3).map { UInt64(words[2 * $0]) << 32 | UInt64(words[2 * $0 + 1]) })
        // A copy forks the stream.
        var copy = random
        #expect(copy.next() == random.next())
    }

    @Test("Edge cases: one-value ranges draw nothing, empty shuffles, choice without replacement is a prefix")
    func edgeCases() {
        var random = NumpyRandomState(seed: 9)
        let before = random.state
        #expect(random.randomInteger(in: 5..<6) == 5)
        #expect(random.randomInteger(in: -3 ... -3) == -3)
        var empty: [Int] = []
        random.shuffle(&empty)
        var single = [7]
        random.shuffle(&single)
        #expect(single == [7] && random.permutation(0).isEmpty && random.permutation(1) == [0])
        #expect(random.choice(5, count: 0, replace: true).isEmpty)
        #expect(random.state == before)

        var other = random
        let chosen = random.choice(50, count: 7, replace: false)
        #expect(chosen == Array(other.permutation(50).prefix(7)))
        #expect(Set(chosen).count == 7 && chosen.allSatisfy { (0..<50).contains($0) })
        let emptyMatrix = Matrix<Float>.random(rows: 0, columns: 3, using: &random)
        #expect(emptyMatrix.shape == (0, 3))
    }
}

@Suite("FastRandom")
struct FastRandomTests {
    @Test("xoshiro256** seeded by SplitMix64 matches an independent Python implementation", arguments: [0, 7])
    func matchesReference(seed: UInt64) throws {
        let fixture = try RandomFixtures.load(ChecksFixture.self, from: "random_checks.json")
        let reference = seed == 0 ? fixture.fastRandomSeed0 : fixture.fastRandomSeed7
        #expect(reference.seed == seed)
        var random = FastRandom(seed: seed)
        #expect((0..<8).map { _ in random.next() } == reference.words.map { UInt64($0, radix: 16)! })
        #expect((0..<4).map { _ in random.randomSample() } == reference.samples.map(RandomFixtures.double))
    }

    private func checkMoments<Scalar: MatrixScalar>(_: Scalar.Type) {
        var random = FastRandom(seed: 2024)
        let count = 200_000
        let uniform = Matrix<Scalar>.uniform(rows: 400, columns: 500, low: -1, high: 3, using: &random)
        let uniformValues = uniform.scalars.map(Double.init)
        #expect(uniformValues.allSatisfy { $0 >= -1 && $0 <= 3 })
        let uniformMean = uniformValues.reduce(0, +) / Double(count)
        // Mean 1, standard deviation 4/√12 ≈ 1.155; the standard error of the mean is ≈ 0.0026.
        #expect(abs(uniformMean - 1) < 0.015)

        let normal = Matrix<Scalar>.normal(rows: 400, columns: 500, mean: 2, standardDeviation: 3, using: &random)
        let values = normal.scalars.map(Double.init)
        let mean = values.reduce(0, +) / Double(count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(count - 1)
        #expect(abs(mean - 2) < 0.04)  // standard error ≈ 0.0067
        #expect(abs(variance.squareRoot() - 3) < 0.03)  // standard error ≈ 0.0047
        let withinOne = values.filter { abs($0 - 2) < 3 }.count
        #expect(abs(Double(withinOne) / Double(count) - 0.6827) < 0.006)
    }

    @Test("Uniform and normal draws have the right moments (Float and Double)")
    func moments() {
        checkMoments(Float.self)
        checkMoments(Double.self)
    }

    @Test("Equal seeds give equal streams, different seeds different ones, and the state is Codable")
    func determinism() throws {
        var first = FastRandom(seed: 11)
        var second = FastRandom(seed: 11)
        var third = FastRandom(seed: 12)
        let a = (0..<5).map { _ in first.standardNormal() }
        #expect(a == (0..<5).map { _ in second.standardNormal() })
        #expect(a != (0..<5).map { _ in third.standardNormal() })
        var restored = try JSONDecoder().decode(FastRandom.self, from: JSONEncoder().encode(first))
        #expect((0..<5).map { _ in restored.standardNormal() } == (0..<5).map { _ in first.standardNormal() })
    }
}
