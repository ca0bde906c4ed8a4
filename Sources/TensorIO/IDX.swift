import Tensor

/// An array read from an IDX file (the MNIST format): its dimensions and its unsigned bytes in row-major order.
public struct IDXArray: Sendable, Equatable {
    /// The dimensions from the header, outermost first (for MNIST images `[count, rows, columns]`).
    public var dimensions: [Int]
    /// The elements in row-major order; `bytes.count` is the product of `dimensions`.
    public var bytes: [UInt8]

    /// Creates an array from its dimensions and bytes.
    ///
    /// - Precondition: `bytes.count` is the product of `dimensions`.
    public init(dimensions: [Int], bytes: [UInt8]) {
        // With a zero dimension the other sizes may multiply past Int.max; the product is still 0.
        var elementCount = dimensions.contains(0) ? 0 : 1
        var overflow = false
        for dimension in dimensions where elementCount != 0 && !overflow {
            (elementCount, overflow) = elementCount.multipliedReportingOverflow(by: dimension)
        }
        checkPrecondition(
            !overflow && elementCount == bytes.count,
            "IDXArray: \(bytes.count) bytes cannot fill dimensions \(dimensions)")
        self.dimensions = dimensions
        self.bytes = bytes
    }
}

/// Reads an IDX file of unsigned bytes (type `0x08`) with any number of dimensions, gzip-compressed or not.
///
/// The header is a magic number `00 00 08 d` (`d` dimensions) followed by `d` big-endian 32-bit sizes;
/// the data must hold exactly the product of the sizes in bytes.
///
/// - Throws: ``DataIOError``: a wrong magic number, a type other than unsigned bytes, a header or data
///   that ends early, dimensions whose product overflows, bytes beyond the data, and the gzip and file errors.
/// - See also: ``readIDXImages(from:as:scaleToUnitInterval:)``, ``readIDXLabels(from:)``.
public func readIDX(from path: String) throws(DataIOError) -> IDXArray {
    let bytes = try FileBytes.load(path)
    return try withExtendedLifetime(bytes) { () throws(DataIOError) -> IDXArray in
        let header = try IDXHeader(bytes, expectedDimensionCounts: nil)
        let data = UnsafeRawBufferPointer(rebasing: bytes.bytes[header.dataOffset...])
        try DataIOError.reserve(data.count, of: 1, for: "the array \(header.dimensions)", file: bytes.file)
        return IDXArray(dimensions: header.dimensions, bytes: Array(data))
    }
}

/// Reads an IDX image file (magic number `0x00000803`, as MNIST's `train-images-idx3-ubyte[.gz]`) into
/// an `(images, rows · columns)` matrix, one flattened image per row.
///
/// - Parameters:
///   - path: the file to read, gzip-compressed or not.
///   - type: the precision of the result.
///   - scaleToUnitInterval: when true (the default) each pixel becomes `pixel / 255`, in `[0, 1]`
///     (as numpy's `images / 255.0`); when false it keeps its value `0 … 255`.
/// - Throws: ``DataIOError``, as ``readIDX(from:)`` does, and ``DataIOError/wrongMagicNumber(file:expected:found:)``
///   when the file is not a three-dimensional image file (a label file, say).
public func readIDXImages<Scalar: MatrixScalar>(
    from path: String, as type: Scalar.Type = Scalar.self, scaleToUnitInterval: Bool = true
) throws(DataIOError) -> Matrix<Scalar> {
    try readIDXImages(path, dimensionCounts: 3...3, as: type, scaleToUnitInterval: scaleToUnitInterval).images
}

/// Reads an IDX image file of three dimensions (images, rows, columns; magic number `0x00000803`)
/// or four (images, channels, rows, columns; `0x00000804`) into an `(images, channels · rows ·
/// columns)` matrix, one image per row in NCHW order, with the shape of one image.
///
/// - Parameters:
///   - path: the file to read, gzip-compressed or not.
///   - type: the precision of the result.
///   - scaleToUnitInterval: when true (the default) each pixel becomes `pixel / 255`, in `[0, 1]`.
/// - Returns: the images and `[channels, rows, columns]`, with one channel for a three-dimensional file.
/// - Throws: ``DataIOError``, as ``readIDXImages(from:as:scaleToUnitInterval:)`` does, for a file of
///   another number of dimensions too.
public func readIDXImagesAndShape<Scalar: MatrixScalar>(
    from path: String, as type: Scalar.Type = Scalar.self, scaleToUnitInterval: Bool = true
) throws(DataIOError) -> (images: Matrix<Scalar>, shape: [Int]) {
    try readIDXImages(path, dimensionCounts: 3...4, as: type, scaleToUnitInterval: scaleToUnitInterval)
}

/// The images of an IDX file whose number of dimensions is in `dimensionCounts`, and one image's
/// shape `[channels, rows, columns]`.
private func readIDXImages<Scalar: MatrixScalar>(
    _ path: String, dimensionCounts: ClosedRange<Int>, as type: Scalar.Type, scaleToUnitInterval: Bool
) throws(DataIOError) -> (images: Matrix<Scalar>, shape: [Int]) {
    let bytes = try FileBytes.load(path)
    return try withExtendedLifetime(bytes) { () throws(DataIOError) -> (images: Matrix<Scalar>, shape: [Int]) in
        let header = try IDXHeader(bytes, expectedDimensionCounts: dimensionCounts)
        let dimensions = header.dimensions
        let shape = dimensions.count == 3 ? [1, dimensions[1], dimensions[2]] : Array(dimensions.dropFirst())
        try DataIOError.reserve(
            bytes.count - header.dataOffset, of: MemoryLayout<Scalar>.stride,
            for: "the images \(header.dimensions) as \(Scalar.self)", file: bytes.file)
        // Call the concrete types directly so that the optimizer specializes (and vectorizes) the loop.
        if Scalar.self == Float.self {
            let images = idxImages(bytes, header, as: Float.self, scaleToUnitInterval: scaleToUnitInterval)
            return (images as! Matrix<Scalar>, shape)
        }
        if Scalar.self == Double.self {
            let images = idxImages(bytes, header, as: Double.self, scaleToUnitInterval: scaleToUnitInterval)
            return (images as! Matrix<Scalar>, shape)
        }
        return (idxImages(bytes, header, as: Scalar.self, scaleToUnitInterval: scaleToUnitInterval), shape)
    }
}

/// Converts the validated image data to an `(images, rows · columns)` matrix.
private func idxImages<Scalar: MatrixScalar>(
    _ bytes: FileBytes, _ header: IDXHeader, as type: Scalar.Type, scaleToUnitInterval: Bool
) -> Matrix<Scalar> {
    let imageCount = header.dimensions[0]
    let pixelCount = header.dimensions.dropFirst().reduce(1, *)  // cannot overflow: IDXHeader checked it
    let total = imageCount * pixelCount
    let data = bytes.bytes.baseAddress.map { ($0 + header.dataOffset).assumingMemoryBound(to: UInt8.self) }
    let scalars = [Scalar](unsafeUninitializedCapacity: total) { buffer, initialized in
        guard let data, let output = buffer.baseAddress else { initialized = 0; return }
        if scaleToUnitInterval {
            for index in 0..<total { (output + index).initialize(to: Scalar(data[index]) / 255) }
        } else {
            for index in 0..<total { (output + index).initialize(to: Scalar(data[index])) }
        }
        initialized = total
    }
    return Matrix(rows: imageCount, columns: pixelCount, scalars: scalars)
}

/// Reads an IDX label file (magic number `0x00000801`, as MNIST's `train-labels-idx1-ubyte[.gz]`) as
/// one integer `0 … 255` per item.
///
/// - Throws: ``DataIOError``, as ``readIDX(from:)`` does, and ``DataIOError/wrongMagicNumber(file:expected:found:)``
///   when the file is not one-dimensional (an image file, say).
public func readIDXLabels(from path: String) throws(DataIOError) -> [Int] {
    let bytes = try FileBytes.load(path)
    return try withExtendedLifetime(bytes) { () throws(DataIOError) -> [Int] in
        let header = try IDXHeader(bytes, expectedDimensionCounts: 1...1)
        try DataIOError.reserve(
            bytes.count - header.dataOffset, of: MemoryLayout<Int>.stride, for: "\(header.dimensions[0]) labels",
            file: bytes.file)
        return bytes.bytes[header.dataOffset...].map { Int($0) }
    }
}

/// The validated header of an IDX file of unsigned bytes.
internal struct IDXHeader {
    var dimensions: [Int]
    var dataOffset: Int

    /// Reads and checks the header and that the data that follows has exactly the announced size.
    init(_ file: FileBytes, expectedDimensionCounts: ClosedRange<Int>?) throws(DataIOError) {
        let bytes = file.bytes
        let name = file.file
        func hex(_ value: UInt32) -> String {
            let digits = String(value, radix: 16)
            return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
        }
        guard bytes.count >= 4 else {
            throw .truncatedData(file: name, field: "magic number", expectedBytes: 4, foundBytes: bytes.count)
        }
        let magic = UInt32(bytes[0]) << 24 | UInt32(bytes[1]) << 16 | UInt32(bytes[2]) << 8 | UInt32(bytes[3])
        let expectedMagic: String =
            switch (expectedDimensionCounts?.lowerBound, expectedDimensionCounts?.upperBound) {
            case (3, 3): "0x00000803 (IDX images)"
            case (3, 4): "0x00000803 or 0x00000804 (IDX images, without or with channels)"
            case (1, 1): "0x00000801 (IDX labels)"
            case (let low?, let high?): (low...high).map { hex(0x0800 | UInt32($0)) }.joined(separator: " or ")
            default: "0x000008dd (IDX unsigned bytes, dd dimensions)"
            }
        let typeCode = bytes[2]
        let knownTypes: Set<UInt8> = [0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E]
        guard bytes[0] == 0, bytes[1] == 0, knownTypes.contains(typeCode) else {
            throw .wrongMagicNumber(file: name, expected: expectedMagic, found: hex(magic))
        }
        guard typeCode == 0x08 else { throw .unsupportedIDXType(file: name, typeCode: typeCode) }
        let dimensionCount = Int(bytes[3])
        if let expectedDimensionCounts {
            guard expectedDimensionCounts.contains(dimensionCount) else {
                throw .wrongMagicNumber(file: name, expected: expectedMagic, found: hex(magic))
            }
        } else if dimensionCount == 0 {
            throw .wrongMagicNumber(file: name, expected: expectedMagic, found: hex(magic))
        }
        let headerSize = 4 + 4 * dimensionCount
        var dimensions: [Int] = []
        for index in 0..<dimensionCount {
            let offset = 4 + 4 * index
            guard offset + 4 <= bytes.count else {
                throw .truncatedData(
                    file: name, field: "dimension \(index + 1) size", expectedBytes: 4, foundBytes: bytes.count - offset
                )
            }
            dimensions.append(
                Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8
                    | Int(bytes[offset + 3]))
        }
        // Multiply from the innermost dimension out, so that every item size (the product of the
        // dimensions after the first, as rows · columns of an image) is checked too: with a first
        // dimension of 0 the total is 0 even when the other sizes overflow.
        var elementCount = 1
        for dimension in dimensions.reversed() {
            let (product, overflow) = elementCount.multipliedReportingOverflow(by: dimension)
            guard !overflow else {
                throw .dimensionOverflow(file: name, field: "dimension sizes", dimensions: dimensions)
            }
            elementCount = product
        }
        let available = bytes.count - headerSize
        guard available >= elementCount else {
            throw .truncatedData(file: name, field: "data", expectedBytes: elementCount, foundBytes: available)
        }
        guard available == elementCount else {
            throw .trailingData(file: name, expectedBytes: elementCount, foundBytes: available)
        }
        self.dimensions = dimensions
        self.dataOffset = headerSize
    }
}
