#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How ``Matrix/formatted(_:)`` lays a matrix out.
public struct MatrixFormat: Sendable, Equatable {
    /// numpy's two textual forms of an array.
    public enum Style: Sendable, Equatable {
        /// `repr`: `array([[ 1. , -0.5]])`, with commas, as a notebook cell shows an array.
        case representation
        /// `str`: `[[ 1.  -0.5]]`, as `print(array)` shows it.
        case plain
    }

    /// The style; ``Style/representation`` by default.
    public var style: Style
    /// The largest number of fractional digits printed (numpy's `precision`, 8 by default).
    public var precision: Int
    /// The line width at which rows wrap (numpy's `linewidth`, 75 by default).
    public var lineWidth: Int
    /// Matrices with more elements than this are summarised with `...` (numpy's `threshold`, 1000).
    public var summaryThreshold: Int
    /// How many rows and columns are shown at each edge of a summarised matrix (numpy's `edgeitems`, 3).
    public var edgeItems: Int

    /// A format with numpy's defaults, changing whatever is given.
    public init(
        style: Style = .representation, precision: Int = 8, lineWidth: Int = 75,
        summaryThreshold: Int = 1000, edgeItems: Int = 3
    ) {
        self.style = style
        self.precision = Swift.max(0, precision)
        self.lineWidth = lineWidth
        self.summaryThreshold = summaryThreshold
        self.edgeItems = Swift.max(1, edgeItems)
    }
}

extension Matrix: CustomStringConvertible, CustomDebugStringConvertible {
    /// numpy's `repr` of the matrix: `array([[-0.16595599,  0.44064899], ...])`.
    public var description: String { formatted(MatrixFormat()) }

    /// The same as ``description``.
    public var debugDescription: String { description }

    /// The matrix as numpy would print it with the given options (`np.array2string` / `repr`).
    ///
    /// Values are printed with the fewest digits that identify them, at most `precision` fractional
    /// digits, aligned on the decimal point; numpy's switch to scientific notation (values of 1e8 or
    /// more, non-zero values below 1e-4, or a ratio above 1000 between the largest and smallest
    /// magnitudes) is followed, as is its summary of large matrices.
    public func formatted(_ format: MatrixFormat) -> String {
        let prefix = format.style == .representation ? "array(" : ""
        let suffix = format.style == .representation ? ")" : ""
        let separator = format.style == .representation ? ", " : " "
        let summarise = count > format.summaryThreshold
        let edge = format.edgeItems
        let rowIndices = Matrix.shownIndices(rowCount, summarise: summarise, edge: edge)
        let columnIndices = Matrix.shownIndices(columnCount, summarise: summarise, edge: edge)
        var shown: [Double] = []
        for row in rowIndices.compactMap({ $0 }) {
            for column in columnIndices.compactMap({ $0 }) { shown.append(Double(self[row, column])) }
        }
        let formatter = NumberFormatter(values: shown, precision: format.precision, isSingle: Scalar.self == Float.self)
        let hangingIndent = String(repeating: " ", count: 1 + prefix.count)
        let width = format.lineWidth - suffix.count
        if rowCount == 0 || columnCount == 0 {
            return prefix + "[]" + (format.style == .representation ? ", shape=(\(rowCount), \(columnCount))" : "")
                + suffix
        }
        // Rows, as numpy's _formatArray lays out the last axis inside the first.
        let rowIndent = hangingIndent + " "
        var rowTexts: [String] = []
        for row in rowIndices {
            guard let row else {
                rowTexts.append("...")
                continue
            }
            var text = ""
            var line = rowIndent
            let elementWidth = width - 1 - Swift.max(separator.trimmingSuffixSpaces.count, 1)
            for (position, column) in columnIndices.enumerated() {
                let word = column.map { formatter.format(Double(self[row, $0])) } ?? "..."
                let isLast = position == columnIndices.count - 1
                if line.count + word.count > elementWidth && line.count > rowIndent.count {
                    text += line.trimmingSuffixSpaces + "\n"
                    line = rowIndent
                }
                line += word
                if !isLast { line += separator }
            }
            text += line
            rowTexts.append("[" + text.dropFirst(rowIndent.count) + "]")
        }
        let lineSeparator = separator.trimmingSuffixSpaces + "\n"
        var body = ""
        for (index, text) in rowTexts.enumerated() {
            body += (index == 0 ? "" : hangingIndent) + text
            if index < rowTexts.count - 1 { body += lineSeparator }
        }
        // numpy 2 names the shape of a summarised array in its repr.
        let shapeNote = summarise && format.style == .representation ? ", shape=(\(rowCount), \(columnCount))" : ""
        return prefix + "[" + body + "]" + shapeNote + suffix
    }

    /// The indices shown along one axis: all of them, or the edges with `nil` standing for `...`.
    static func shownIndices(_ length: Int, summarise: Bool, edge: Int) -> [Int?] {
        if summarise && length > 2 * edge {
            return Array(0..<edge) + [nil] + Array((length - edge)..<length)
        }
        return Array(0..<length)
    }
}

extension String {
    fileprivate var trimmingSuffixSpaces: String {
        var result = self
        while result.last == " " { result.removeLast() }
        return result
    }
}

/// numpy's `FloatingFormat` with `floatmode='maxprec'`: chooses positional or scientific notation
/// from the values shown, then pads every value to a common width.
private struct NumberFormatter {
    let precision: Int
    let isSingle: Bool
    var scientific = false
    var padLeft = 0
    var padRight = 0
    var exponentDigits = 0
    var mantissaDigits = 0

    init(values: [Double], precision: Int, isSingle: Bool) {
        self.precision = precision
        self.isSingle = isSingle
        let finite = values.filter { $0.isFinite }
        let nonZero = finite.filter { $0 != 0 }.map { Swift.abs($0) }
        if let largest = nonZero.max(), let smallest = nonZero.min() {
            scientific = largest >= 1e8 || smallest < 0.0001 || largest / smallest > 1000
        }
        if scientific {
            let parts = finite.map { scientificParts($0, fractionDigits: precision, minimumDigits: 0) }
            mantissaDigits = parts.map { $0.fraction.count }.max() ?? 0
            exponentDigits = Swift.max(2, parts.map { $0.exponent.count }.max() ?? 2)
            padLeft = parts.map { $0.integer.count }.max() ?? 1
            padRight = exponentDigits + 2 + mantissaDigits
        } else {
            let parts = finite.map { positionalParts($0) }
            padLeft = parts.map { $0.integer.count }.max() ?? 1
            padRight = parts.map { $0.fraction.count }.max() ?? 0
        }
        if finite.count != values.count {
            let hasNegativeInfinity = values.contains { $0 == -.infinity }
            padLeft = Swift.max(padLeft, 3 - (padRight + 1), 3 + (hasNegativeInfinity ? 1 : 0) - (padRight + 1))
        }
    }

    func format(_ value: Double) -> String {
        if !value.isFinite {
            let text = value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf")
            return String(repeating: " ", count: Swift.max(0, padLeft + padRight + 1 - text.count)) + text
        }
        if scientific {
            let parts = scientificParts(value, fractionDigits: mantissaDigits, minimumDigits: mantissaDigits)
            let exponent =
                String(repeating: "0", count: Swift.max(0, exponentDigits - parts.exponent.count)) + parts.exponent
            let integer = String(repeating: " ", count: Swift.max(0, padLeft - parts.integer.count)) + parts.integer
            return integer + "." + parts.fraction + "e" + parts.exponentSign + exponent
        }
        let parts = positionalParts(value)
        return String(repeating: " ", count: Swift.max(0, padLeft - parts.integer.count)) + parts.integer + "."
            + parts.fraction + String(repeating: " ", count: Swift.max(0, padRight - parts.fraction.count))
    }

    /// The shortest digits that identify `value` (in its own precision), as (digits, decimal exponent)
    /// with value = 0.d1d2d3... × 10^exponent.
    private func shortestDigits(_ value: Double) -> (digits: [UInt8], exponent: Int) {
        let text = isSingle ? Float(value).description : value.description
        var digits: [UInt8] = []
        var exponent = 0
        var seenPoint = false
        var pointPosition = 0
        var mantissaEnd = text.endIndex
        if let eIndex = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: eIndex)...]) ?? 0
            mantissaEnd = eIndex
        }
        for character in text[..<mantissaEnd] {
            if character == "." {
                seenPoint = true
            } else if let digit = character.wholeNumberValue {
                digits.append(UInt8(digit))
                if !seenPoint { pointPosition += 1 }
            }
        }
        // Normalise: strip leading zeros (adjusting the point) and trailing zeros.
        var leading = 0
        while leading < digits.count - 1 && digits[leading] == 0 { leading += 1 }
        digits.removeFirst(leading)
        pointPosition -= leading
        while digits.count > 1 && digits.last == 0 { digits.removeLast() }
        if digits == [0] { return ([0], 1) }
        return (digits, pointPosition + exponent)
    }

    /// Integer and fractional digit strings of `value` in positional notation, at most `precision`
    /// fractional digits, trailing zeros removed (numpy's `dragon4_positional`, unique, trim '.').
    private func positionalParts(_ value: Double) -> (integer: String, fraction: String) {
        let sign = value.sign == .minus ? "-" : ""
        let (digits, exponent) = shortestDigits(Swift.abs(value))
        let fractionCount = Swift.max(0, digits.count - exponent)
        if fractionCount > precision {
            // More digits than allowed: round the exact binary value, as Dragon4 with a cutoff does.
            var text = cFormat(Swift.abs(value), "%.\(precision)f")
            if text.contains(".") {
                while text.last == "0" { text.removeLast() }
            }
            let pieces = text.split(separator: ".", omittingEmptySubsequences: false)
            return (sign + pieces[0], pieces.count > 1 ? String(pieces[1]) : "")
        }
        var integer = ""
        var fraction = ""
        if exponent <= 0 {
            integer = "0"
            fraction = String(repeating: "0", count: -exponent) + digits.map(String.init).joined()
        } else {
            for index in 0..<Swift.max(exponent, digits.count) {
                let digit = index < digits.count ? String(digits[index]) : "0"
                if index < exponent { integer += digit } else { fraction += digit }
            }
        }
        if digits == [0] { fraction = "" }
        return (sign + integer, fraction)
    }

    /// Mantissa and exponent strings of `value` in scientific notation with at most `fractionDigits`
    /// fractional digits of mantissa (at least `minimumDigits`, zero-padded).
    private func scientificParts(_ value: Double, fractionDigits: Int, minimumDigits: Int)
        -> (integer: String, fraction: String, exponentSign: String, exponent: String)
    {
        let sign = value.sign == .minus ? "-" : ""
        var (digits, exponent) = shortestDigits(Swift.abs(value))
        if digits.count - 1 > fractionDigits {
            let text = cFormat(Swift.abs(value), "%.\(fractionDigits)e")
            let pieces = text.split(separator: "e")
            let mantissa = pieces[0].filter { $0 != "." }
            digits = mantissa.compactMap { $0.wholeNumberValue }.map(UInt8.init)
            exponent = (Int(pieces[1]) ?? 0) + 1
            while digits.count > 1 && digits.last == 0 { digits.removeLast() }
        }
        let decimalExponent = digits == [0] ? 0 : exponent - 1
        var fraction = digits.dropFirst().map(String.init).joined()
        if fraction.count < minimumDigits { fraction += String(repeating: "0", count: minimumDigits - fraction.count) }
        return (sign + String(digits[0]), fraction, decimalExponent < 0 ? "-" : "+", String(Swift.abs(decimalExponent)))
    }

    private func cFormat(_ value: Double, _ format: String) -> String {
        var buffer = [CChar](repeating: 0, count: 512)
        _ = withVaList([value]) { vsnprintf(&buffer, buffer.count, format, $0) }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
