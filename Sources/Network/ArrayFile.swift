internal import FileSystem
import Foundation
import Tensor

/// The binary container of model files (version 2) and checkpoints (version 3), in the layout of
/// [safetensors](https://github.com/huggingface/safetensors): an 8-byte little-endian header length
/// `N`, `N` bytes of JSON (padded with spaces to a multiple of 8), then the arrays' little-endian bytes,
/// back to back.
///
/// The JSON maps each array's name to `{"dtype": "F32" | "F64", "shape": [rows, columns],
/// "data_offsets": [begin, end]}` (offsets from the start of the data), and `"__metadata__"` to a
/// dictionary of strings: `format`, `version` and `document`, the JSON of the model or checkpoint
/// without its arrays. Python reads the arrays with `safetensors.numpy.load_file(path)`.
///
/// The same code writes and reads PyTorch state dicts (`ModelFile+Torch.swift`): their tensors may
/// have from one to four dimensions (a `Linear` module's bias `[outputs]`, a `Conv2d` weight
/// `[filters, channels, k, k]`, read as `filters` rows), a batch-norm module's `num_batches_tracked`
/// is an `I64` scalar (shape `[]`), and their metadata is PyTorch's (`format: pt`) or none. A reader
/// opened to accept them (``Accepted``) takes such files; the default one refuses them by name,
/// before looking at their tensors, and takes only two-dimensional floating-point arrays.
///
/// Writing streams the arrays through ``AtomicFileWriter`` (no whole-file buffer in memory); reading
/// checks the header against the file's size before allocating anything, so the largest accepted
/// file is sized by the shapes it declares, and reads each array straight into its destination.
enum ArrayFile {
    /// An array's element type in the file.
    enum DataType: String {
        case float32 = "F32"
        case float64 = "F64"
        /// PyTorch's `torch.long`: only a state dict's scalar counts (`num_batches_tracked`), never read as values.
        case int64 = "I64"

        /// Bytes per element.
        var size: Int { self == .float32 ? 4 : 8 }

        /// The type that stores a model of `precision`.
        init(precision: Precision) { self = precision == .float ? .float32 : .float64 }

        /// The precision this type stores.
        var precision: Precision { self == .float32 ? .float : .double }
    }

    /// One array to write: its name, type, shape and a function that writes exactly its bytes.
    struct Entry {
        var name: String
        var dataType: DataType
        /// The shape in the header: `[rows, columns]`, `[count]` for a vector, `[]` for a scalar, or a
        /// PyTorch tensor's (a `Conv2d` weight's four dimensions).
        var shape: [Int]
        /// Whether every value is finite in `dataType` (checked before anything is written).
        var isFinite: () -> Bool
        var write: (inout AtomicFileWriter) throws(FileWriteError) -> Void

        /// An entry that writes `count` scalars from `pointer` (which must stay valid until the file is
        /// written), converted to `dataType`.
        static func scalars<Scalar: MatrixScalar>(
            _ name: String, _ pointer: UnsafePointer<Scalar>, rows: Int, columns: Int, as dataType: DataType
        ) -> Entry {
            let buffer = UnsafeBufferPointer(start: pointer, count: rows * columns)
            return Entry(
                name: name, dataType: dataType, shape: [rows, columns],
                isFinite: { ArrayFile.allFinite(buffer, as: dataType) },
                write: { (writer: inout AtomicFileWriter) throws(FileWriteError) in
                    try ArrayFile.write(buffer, as: dataType, into: &writer)
                })
        }

        /// An entry of `shape` that writes nothing: what a header's size is measured with before the
        /// arrays exist (``ModelFile/checkHeaderSize(for:)``).
        static func shape(_ name: String, _ shape: [Int], as dataType: DataType) -> Entry {
            Entry(
                name: name, dataType: dataType, shape: shape, isFinite: { true },
                write: { (_: inout AtomicFileWriter) throws(FileWriteError) in })
        }

        /// An entry that writes `matrix`, converted to `dataType`, under `shape` (a PyTorch tensor's:
        /// `[count]` for a bias, `[filters, channels, k, k]` for a convolution's weight; the same
        /// number of elements in the same order) or, by default, `[rows, columns]`.
        static func matrix<Scalar: MatrixScalar>(
            _ name: String, _ matrix: Matrix<Scalar>, as dataType: DataType, shape: [Int]? = nil
        ) -> Entry {
            checkPrecondition(
                shape.map { $0.reduce(1, *) == matrix.count } ?? true,
                "ArrayFile.Entry.matrix: shape \(shape ?? []) for \(matrix.shapeDescription)")
            return Entry(
                name: name, dataType: dataType, shape: shape ?? [matrix.rows, matrix.columns],
                isFinite: { matrix.withUnsafeBufferPointer { ArrayFile.allFinite($0, as: dataType) } },
                write: { (writer: inout AtomicFileWriter) throws(FileWriteError) in
                    try matrix.withUnsafeBufferPointer { (buffer: UnsafeBufferPointer<Scalar>) throws(FileWriteError) in
                        try ArrayFile.write(buffer, as: dataType, into: &writer)
                    }
                })
        }

        /// An entry that writes `value` as an `I64` scalar (shape `[]`): a batch-norm module's
        /// `num_batches_tracked` in a PyTorch state dict.
        static func count(_ name: String, _ value: Int64) -> Entry {
            Entry(
                name: name, dataType: .int64, shape: [], isFinite: { true },
                write: { (writer: inout AtomicFileWriter) throws(FileWriteError) in
                    try writer.write(contentsOf: withUnsafeBytes(of: value.littleEndian) { Array($0) })
                })
        }
    }

    /// Which files a ``Reader`` opens.
    enum Accepted {
        /// Model files and checkpoints that nn wrote.
        case nnFiles
        /// Those, and PyTorch state dicts that `nn export --format torch` wrote (their metadata holds
        /// the model's document under ``ModelFile/torchDocumentKey``).
        case nnFilesAndTorchExports
        /// Any safetensors file of `F32`/`F64` tensors of one or two dimensions.
        case stateDicts
    }

    /// The largest JSON header read and written: the metadata (class and feature names) is small beside
    /// the arrays. ``header(metadata:entries:path:what:)`` refuses to write a larger one.
    static let largestHeader = 64 << 20

    /// The most arrays a file may declare, read and written: a checkpoint holds a few per layer (the
    /// weights, their gradients, the optimizer's state, the best weights), so this allows thousands of
    /// layers. The reader counts the header's JSON objects before it materialises any
    /// (``countJSONContainers(_:limit:)``), so a header of a million empty arrays costs a scan, not
    /// gigabytes of dictionaries.
    static let largestArrayCount = 1 << 16

    /// The number of JSON objects and lists (`{` and `[` outside strings) in `bytes`, counting no
    /// further than `limit + 1`: one pass over the bytes, nothing allocated.
    static func countJSONContainers(_ bytes: [UInt8], limit: Int) -> Int {
        var count = 0, inString = false, escaped = false
        for byte in bytes {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
            } else if byte == UInt8(ascii: "\"") {
                inString = true
            } else if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") {
                count += 1
                if count > limit { return count }
            }
        }
        return count
    }

    /// Whether every element is finite once stored as `dataType`.
    static func allFinite<Scalar: MatrixScalar>(_ scalars: UnsafeBufferPointer<Scalar>, as dataType: DataType) -> Bool {
        let largest = Scalar(
            Swift.min(dataType.precision.largestFiniteMagnitude, Double(Scalar.greatestFiniteMagnitude)))
        var finite = true
        for value in scalars { finite = finite && value.magnitude <= largest }
        return finite
    }

    /// Writes `document` (JSON with sorted keys, the arrays left out) as the header's `document`, named
    /// `format` at `version`, then `entries`: the one layout of model files and checkpoints. `what`
    /// names the file in an encoding error ("the model", "the checkpoint").
    static func write<Document: Encodable>(
        _ document: Document, format: String, version: Int, what: String, entries: [Entry], to path: String
    ) throws(NetworkError) {
        let metadata = try self.metadata(document, format: format, version: version, what: what)
        try write(to: path, metadata: metadata, entries: entries, what: what)
    }

    /// The header's `__metadata__` for `document`: its JSON (sorted keys) as `document`, with `format`
    /// and `version`.
    static func metadata<Document: Encodable>(
        _ document: Document, format: String, version: Int, what: String
    ) throws(NetworkError) -> [String: String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json: Data
        do {
            json = try encoder.encode(document)
        } catch {
            throw .invalidConfiguration("\(what) cannot be saved: \(error) (are all values finite?)")
        }
        return ["format": format, "version": String(version), "document": String(decoding: json, as: UTF8.self)]
    }

    /// Writes `entries` after a header holding `metadata`, atomically. Arrays with a value that is not
    /// finite are refused before anything is written, and so is a header the reader would refuse
    /// (``header(metadata:entries:path:what:)``).
    static func write(
        to path: String, metadata: [String: String], entries: [Entry], what: String = "the model"
    ) throws(NetworkError) {
        if let bad = entries.first(where: { !$0.isFinite() }) {
            throw .invalidConfiguration(
                "\(path): \(what) cannot be saved: '\(bad.name)' holds nan or infinite values")
        }
        let json = try Self.header(metadata: metadata, entries: entries, path: path, what: what)
        var length = UInt64(json.count).littleEndian
        do {
            var writer = try AtomicFileWriter(path: path)
            try writer.write(contentsOf: withUnsafeBytes(of: &length) { Array($0) } + json)
            for entry in entries { try entry.write(&writer) }
            try writer.commit()
        } catch {
            throw .writeFailed(path: path, reason: error.reason)
        }
    }

    /// The JSON header (padded with spaces to a multiple of 8) for `metadata` and `entries`, checked
    /// against the reader's limits, the one rule for both sides: at most ``largestHeader`` bytes and
    /// ``largestArrayCount`` arrays. A description too large to be read back (a million feature
    /// names, a category value of many megabytes) is refused here, before anything is written.
    static func header(
        metadata: [String: String], entries: [Entry], path: String, what: String
    ) throws(NetworkError) -> [UInt8] {
        guard entries.count <= largestArrayCount else {
            throw .invalidConfiguration(
                "\(path): \(what) cannot be saved: it has \(entries.count) arrays, more than the \(largestArrayCount) a file may hold; use fewer layers"
            )
        }
        var header: [String: Any] = ["__metadata__": metadata]
        var offset = 0
        for entry in entries {
            let end = offset + entry.shape.reduce(1, *) * entry.dataType.size
            header[entry.name] = [
                "dtype": entry.dataType.rawValue, "shape": entry.shape, "data_offsets": [offset, end],
            ]
            offset = end
        }
        var json: [UInt8]
        do {
            json = Array(
                try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys, .withoutEscapingSlashes]))
        } catch {
            throw .invalidConfiguration("\(path): the header cannot be encoded: \(error)")
        }
        json.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - json.count % 8) % 8))
        guard json.count <= largestHeader else {
            let largest = metadata["document"].map { largestStrings(inDocument: $0) } ?? ""
            throw .invalidConfiguration(
                "\(path): \(what) cannot be saved: its description (names, classes, table layout) takes \(json.count) bytes, more than the \(largestHeader >> 20) MiB a file's header may have, so it could not be read back\(largest); use fewer or shorter feature names and category values"
            )
        }
        return json
    }

    /// What takes the room in a document too large to save, in words: the number of feature names
    /// and the longest string, as `; it has 1000000 feature names; its longest text has 70000000 bytes`.
    static func largestStrings(inDocument document: String) -> String {
        var parts: [String] = []
        if let object = try? JSONSerialization.jsonObject(with: Data(document.utf8)) as? [String: Any] {
            let model = object["model"] as? [String: Any] ?? object
            if let names = model["featureNames"] as? [Any], names.count > 1000 {
                parts.append("it has \(names.count) feature names")
            }
        }
        var longest = 0, current = 0, inString = false, escaped = false
        for byte in document.utf8 {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                    longest = Swift.max(longest, current)
                }
                current += 1
            } else if byte == UInt8(ascii: "\"") {
                inString = true
                current = 0
            }
        }
        if longest > 1 << 20 { parts.append("its longest text has \(longest) bytes") }
        return parts.isEmpty ? "" : "; " + parts.joined(separator: ", ")
    }

    /// Writes `scalars` as little-endian `dataType`, converting in 64 Ki-element chunks when the types differ.
    static func write<Scalar: MatrixScalar>(
        _ scalars: UnsafeBufferPointer<Scalar>, as dataType: DataType, into writer: inout AtomicFileWriter
    ) throws(FileWriteError) {
        #if !_endian(little)
            #error("ArrayFile writes arrays by copying memory, which assumes a little-endian host")
        #endif
        if (Scalar.self == Float.self && dataType == .float32) || (Scalar.self == Double.self && dataType == .float64) {
            try writer.write(UnsafeRawBufferPointer(scalars))
            return
        }
        let chunk = 1 << 16
        var start = 0
        while start < scalars.count {
            let end = Swift.min(start + chunk, scalars.count)
            let bytes: [UInt8] =
                dataType == .float32
                ? (start..<end).map { Float(scalars[$0]) }.withUnsafeBytes { Array($0) }
                : (start..<end).map { Double(scalars[$0]) }.withUnsafeBytes { Array($0) }
            try writer.write(contentsOf: bytes)
            start = end
        }
    }

    /// The index of the first element of `bytes` (of `dataType`) that is not finite, if any.
    static func firstNonFinite(_ bytes: UnsafeRawBufferPointer, as dataType: DataType) -> Int? {
        if dataType == .float32 {
            let values = bytes.bindMemory(to: Float.self)
            var finite = true
            for value in values { finite = finite && value.isFinite }
            return finite ? nil : values.firstIndex { !$0.isFinite }
        }
        let values = bytes.bindMemory(to: Double.self)
        var finite = true
        for value in values { finite = finite && value.isFinite }
        return finite ? nil : values.firstIndex { !$0.isFinite }
    }

    /// Converts the elements in `source` (of `from`) into `destination` (of `to`) from element `offset`
    /// on; returns the index within `source` of the first value not finite in `to`, or -1.
    static func convert(
        _ source: UnsafeRawBufferPointer, from: DataType, into destination: UnsafeMutableRawBufferPointer,
        at offset: Int, as to: DataType
    ) -> Int {
        if from == .float32 && to == .float64 {
            let input = source.bindMemory(to: Float.self), output = destination.bindMemory(to: Double.self)
            for index in input.indices {
                guard input[index].isFinite else { return index }
                output[offset + index] = Double(input[index])
            }
        } else if from == .float64 && to == .float32 {
            let input = source.bindMemory(to: Double.self), output = destination.bindMemory(to: Float.self)
            for index in input.indices {
                let value = Float(input[index])
                guard value.isFinite else { return index }
                output[offset + index] = value
            }
        }
        return -1
    }

    /// Whether `prefix` (a file's first bytes) starts an array file rather than JSON: a plausible header
    /// length followed by `{`. A JSON file's first 8 bytes read as a length far beyond its size.
    static func isArrayFile(prefix: [UInt8], fileSize: Int) -> Bool {
        guard let length = headerLength(prefix: prefix) else { return false }
        return length >= 2 && length <= UInt64(fileSize - 8)
    }

    /// The header length that a safetensors file's first 8 bytes give (little-endian), when `prefix`
    /// begins as one (its ninth byte opens the JSON header, `{`); nil otherwise.
    static func headerLength(prefix: [UInt8]) -> UInt64? {
        guard prefix.count >= 9, prefix[8] == UInt8(ascii: "{") else { return nil }
        return prefix[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
    }

    /// Why an array file cannot be read, in words.
    struct Failure: Error {
        let reason: String
    }

    /// One array's place in the file. A tensor of another rank (only in a reader that accepts state
    /// dicts) is read as rows of its first dimension: a vector is one row, a `Conv2d` weight
    /// `[filters, channels, k, k]` is `filters` rows of `channels · k²`, a scalar one value.
    struct Array2D {
        var dataType: DataType
        var rows: Int
        var columns: Int
        /// The shape in the header.
        var shape: [Int]
        /// The number of dimensions in the header: 2 for nn's arrays.
        var rank: Int { shape.count }
        /// From the start of the file.
        var offset: Int
        var byteCount: Int
    }

    /// An opened array file: its metadata and the table of its arrays, checked against the file's size.
    final class Reader {
        private enum Source {
            case descriptor(Int32)
            case bytes(Data)
        }

        private let source: Source
        /// The strings of `__metadata__`.
        let metadata: [String: String]
        /// The arrays by name.
        let arrays: [String: Array2D]

        deinit {
            if case .descriptor(let descriptor) = source { close(descriptor) }
        }

        /// Opens `path` (a regular file) and reads its header; a file that `accepted` does not include
        /// is refused, naming its format, before its tensors are looked at.
        convenience init(path: String, accepting accepted: Accepted = .nnFiles) throws(Failure) {
            // Without blocking, so that a named pipe without a writer is refused rather than waited on.
            let descriptor = RawPath.withCString(path) { open($0, O_RDONLY | O_CLOEXEC | O_NONBLOCK) }
            guard descriptor >= 0 else { throw Failure(reason: String(cString: strerror(errno))) }
            var status = stat()
            guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
                close(descriptor)
                throw Failure(reason: "is not a regular file")
            }
            try self.init(
                source: .descriptor(descriptor), size: Int(status.st_size), accepting: accepted)
        }

        /// Reads the header of an array file held in memory.
        convenience init(data: Data, accepting accepted: Accepted = .nnFiles) throws(Failure) {
            try self.init(source: .bytes(data), size: data.count, accepting: accepted)
        }

        private init(source: Source, size: Int, accepting accepted: Accepted) throws(Failure) {
            self.source = source
            func fail(_ reason: String) -> Failure {
                if case .descriptor(let descriptor) = source { close(descriptor) }
                return Failure(reason: reason)
            }
            var lengthBytes = [UInt8](repeating: 0, count: 8)
            guard size >= 8, Self.read(source, at: 0, into: &lengthBytes) else {
                throw fail("the file ends inside its 8-byte header length")
            }
            let length = lengthBytes.enumerated().reduce(UInt64(0)) {
                $0 | UInt64($1.element) << (8 * UInt64($1.offset))
            }
            guard length <= UInt64(Swift.min(size - 8, ArrayFile.largestHeader)) else {
                throw fail(
                    "the header length \(length) exceeds the file's \(size) bytes or the \(ArrayFile.largestHeader >> 20) MiB header limit"
                )
            }
            var headerBytes = [UInt8](repeating: 0, count: Int(length))
            guard Self.read(source, at: 8, into: &headerBytes) else { throw fail("cannot read the header") }
            // Each array is one object and two lists: more containers than the most arrays allowed
            // is refused before the JSON parser builds a dictionary for each.
            let containerLimit = 3 * ArrayFile.largestArrayCount + 2
            guard ArrayFile.countJSONContainers(headerBytes, limit: containerLimit) <= containerLimit else {
                throw fail(
                    "the header declares more than \(ArrayFile.largestArrayCount) arrays (more than \(containerLimit) JSON objects and lists)"
                )
            }
            let header: [String: Any]
            do {
                guard let object = try JSONSerialization.jsonObject(with: Data(headerBytes)) as? [String: Any] else {
                    throw fail("the header is not a JSON object")
                }
                header = object
            } catch let failure as Failure {
                throw failure
            } catch {
                throw fail("the header is not valid JSON")
            }
            // A safetensors file from elsewhere (a PyTorch state dict) is named as such before its
            // arrays are looked at: it is not a broken file of ours.
            let metadata = header["__metadata__"] as? [String: String]
            let format = metadata?["format"]
            let isOurs = format.map { [ModelFile.formatName, TrainingCheckpoint.formatName].contains($0) } ?? false
            let isTorchExport = metadata?[ModelFile.torchDocumentKey] != nil
            guard
                isOurs || accepted == .stateDicts || (accepted == .nnFilesAndTorchExports && isTorchExport)
            else {
                throw fail(
                    "a safetensors file that nn did not write (its metadata names format '\(format ?? "none")', not '\(ModelFile.formatName)'); nn reads the model files and checkpoints 'nn train' writes, and a PyTorch state dict through 'nn import' or 'nn train --init-from'"
                )
            }
            let dataStart = 8 + Int(length)
            let dataSize = size - dataStart
            var arrays: [String: Array2D] = [:]
            var extents: [(begin: Int, end: Int, name: String)] = []
            for (name, value) in header where name != "__metadata__" {
                guard let entry = value as? [String: Any],
                    let typeName = entry["dtype"] as? String, let dataType = DataType(rawValue: typeName),
                    dataType != .int64 || !isOurs
                else {
                    guard isOurs else {
                        let typeName = (value as? [String: Any])?["dtype"] as? String ?? "none"
                        throw fail(
                            "tensor '\(name)' is \(typeName); nn reads F32 and F64 tensors (in PyTorch, save model.float().state_dict())"
                        )
                    }
                    throw fail("array '\(name)': 'dtype' must be \"F32\" or \"F64\"")
                }
                // nn's own arrays are (rows, columns). A state dict's tensors have one to four
                // dimensions, read as rows of the first (a vector is one row), and its I64 tensors
                // are scalar counts (shape []).
                let shape = (entry["shape"] as? [Any] ?? []).map { Self.integer($0) ?? -1 }
                let rank = shape.count
                let rankAccepted =
                    isOurs
                    ? rank == 2
                    : dataType == .int64 ? rank == 0 : (1...4).contains(rank)
                guard rankAccepted, shape.allSatisfy({ $0 >= 0 }), (entry["shape"] as? [Any]) != nil else {
                    guard isOurs else {
                        throw fail(
                            dataType == .int64
                                ? "tensor '\(name)': an I64 tensor must be a scalar count (shape []), as a batch-norm module's num_batches_tracked; nn reads F32 and F64 tensors"
                                : "tensor '\(name)': 'shape' must be one to four whole numbers at least 0"
                        )
                    }
                    throw fail("array '\(name)': 'shape' must be two whole numbers at least 0")
                }
                let rows = rank >= 2 ? shape[0] : 1
                var columns = 1, overflow = false
                for size in shape.dropFirst(rank >= 2 ? 1 : 0) {
                    let (product, productOverflow) = columns.multipliedReportingOverflow(by: size)
                    columns = product
                    overflow = overflow || productOverflow
                }
                guard !overflow else { throw fail("tensor '\(name)': shape \(shape) is too large") }
                guard let offsets = entry["data_offsets"] as? [Any], offsets.count == 2,
                    let begin = Self.integer(offsets[0]), let end = Self.integer(offsets[1]), 0 <= begin, begin <= end,
                    end <= dataSize
                else {
                    throw fail(
                        "array '\(name)': 'data_offsets' must be two whole numbers within the file's \(dataSize) data bytes"
                    )
                }
                let (count, countOverflow) = rows.multipliedReportingOverflow(by: columns)
                let (bytes, bytesOverflow) = count.multipliedReportingOverflow(by: dataType.size)
                guard !countOverflow, !bytesOverflow, bytes == end - begin else {
                    throw fail(
                        "array '\(name)': shape (\(rows), \(columns)) of \(typeName) needs \(count &* dataType.size) bytes but its offsets span \(end - begin)"
                    )
                }
                arrays[name] = Array2D(
                    dataType: dataType, rows: rows, columns: columns, shape: shape, offset: dataStart + begin,
                    byteCount: bytes)
                extents.append((begin, end, name))
            }
            // The arrays tile the data section exactly: no overlap, no hole, nothing after the last.
            var position = 0
            for extent in extents.sorted(by: { ($0.begin, $0.end) < ($1.begin, $1.end) }) {
                guard extent.begin == position else {
                    throw fail(
                        "array '\(extent.name)' starts at data byte \(extent.begin), expected \(position) (arrays must follow each other)"
                    )
                }
                position = extent.end
            }
            guard position == dataSize else {
                throw fail("the arrays end at data byte \(position) but the file has \(dataSize) data bytes")
            }
            self.metadata = metadata ?? [:]
            self.arrays = arrays
        }

        /// A JSON number that is a whole `Int` (not `3.5`, not `1e30`).
        private static func integer(_ value: Any) -> Int? {
            guard let number = value as? NSNumber else { return nil }
            let double = number.doubleValue
            guard double.rounded() == double, abs(double) < 9.0e15 else { return nil }
            return number.intValue
        }

        /// Reads `buffer.count` bytes at `offset`; false when the file is shorter.
        private static func read(_ source: Source, at offset: Int, into buffer: inout [UInt8]) -> Bool {
            buffer.withUnsafeMutableBytes { read(source, at: offset, into: $0) }
        }

        private static func read(_ source: Source, at offset: Int, into buffer: UnsafeMutableRawBufferPointer) -> Bool {
            switch source {
            case .bytes(let data):
                guard offset >= 0, offset + buffer.count <= data.count else { return false }
                data.withUnsafeBytes { bytes in
                    if buffer.count > 0 {
                        buffer.baseAddress!.copyMemory(from: bytes.baseAddress! + offset, byteCount: buffer.count)
                    }
                }
                return true
            case .descriptor(let descriptor):
                var done = 0
                while done < buffer.count {
                    let count = pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
                    if count < 0 && errno == EINTR { continue }
                    guard count > 0 else { return false }
                    done += count
                }
                return true
            }
        }

        /// Reads the array `name` into `destination` (which has its element count), converting it to
        /// `Scalar`; fails when a value is not finite in `Scalar`'s precision. The loops are written for
        /// the concrete types, so that a generic caller in another module still runs at memory speed.
        func read<Scalar: MatrixScalar>(_ name: String, into destination: UnsafeMutableBufferPointer<Scalar>)
            throws(Failure)
        {
            guard let array = arrays[name] else { throw Failure(reason: "array '\(name)' is missing") }
            guard array.dataType != .int64 else { throw Failure(reason: "tensor '\(name)' is I64, not F32 or F64") }
            let count = array.rows * array.columns
            checkPrecondition(destination.count == count, "ArrayFile.read: \(destination.count) elements for \(count)")
            let target: DataType = Scalar.self == Float.self ? .float32 : .float64
            let raw = UnsafeMutableRawBufferPointer(destination)
            if array.dataType == target {
                guard Self.read(source, at: array.offset, into: raw) else {
                    throw Failure(reason: "array '\(name)' is cut short")
                }
                if let bad = ArrayFile.firstNonFinite(UnsafeRawBufferPointer(raw), as: target) {
                    throw Failure(reason: "array '\(name)': element \(bad) is not a finite number")
                }
                return
            }
            // Converting: through a 64 Ki-element buffer.
            let chunk = 1 << 16
            var buffer = [UInt8](repeating: 0, count: chunk * array.dataType.size)
            var start = 0
            while start < count {
                let end = Swift.min(start + chunk, count)
                let failed: Int?? = buffer.withUnsafeMutableBytes { bytes in
                    let part = UnsafeMutableRawBufferPointer(rebasing: bytes[0..<((end - start) * array.dataType.size)])
                    guard Self.read(source, at: array.offset + start * array.dataType.size, into: part) else {
                        return .some(nil)
                    }
                    return .some(
                        ArrayFile.convert(
                            UnsafeRawBufferPointer(part), from: array.dataType, into: raw, at: start, as: target))
                }
                guard let outcome = failed else { throw Failure(reason: "array '\(name)' is cut short") }
                guard let conversionFailure = outcome else { throw Failure(reason: "array '\(name)' is cut short") }
                if conversionFailure >= 0 {
                    throw Failure(
                        reason:
                            "array '\(name)': element \(start + conversionFailure) is not a finite number in \(target == .float32 ? "float" : "double") precision"
                    )
                }
                start = end
            }
        }

        /// The array `name` as a matrix.
        func matrix<Scalar: MatrixScalar>(_ name: String, as type: Scalar.Type = Scalar.self) throws(Failure) -> Matrix<
            Scalar
        > {
            guard let array = arrays[name] else { throw Failure(reason: "array '\(name)' is missing") }
            var matrix = Matrix<Scalar>(rows: array.rows, columns: array.columns, repeating: 0)
            try matrix.withUnsafeMutableBufferPointer { (buffer: UnsafeMutableBufferPointer<Scalar>) throws(Failure) in
                try read(name, into: buffer)
            }
            return matrix
        }
    }
}
