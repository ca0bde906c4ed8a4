import Foundation

/// How a date column of a training table becomes network inputs: each cell is read as a calendar
/// date (and time of day), and gives the inputs of ``inputs``: by default (`nn train`'s
/// `TrainDefaults.dateInputs`) the days since 1970-01-01, a continuous time as scikit-learn users
/// encode a date, and for a column with times the seconds since midnight. Saved in the model's
/// ``TableLayout`` so that predict and evaluate read new dates the same way.
public struct DateColumn: Codable, Sendable, Equatable {
    /// One input a date gives.
    public enum Input: String, Codable, Sendable, CaseIterable {
        /// Days since 1970-01-01 (negative before): a continuous time.
        case daysSinceEpoch = "days-since-1970"
        /// The year.
        case year
        /// The day of the year as a point on the unit circle, sine and cosine of
        /// 2π (day - 1) / days in the year, so that 31 December and 1 January lie close.
        case dayOfYearSine = "day-of-year-sin"
        /// The cosine half of the day of the year (see ``dayOfYearSine``).
        case dayOfYearCosine = "day-of-year-cos"
        /// The day of the week, Monday 0 to Sunday 6.
        case dayOfWeek = "day-of-week"
        /// Seconds since midnight, for a column with times.
        case secondsOfDay = "seconds-of-day"

        /// The input's value for `date`.
        public func value(of date: CalendarDate) -> Double {
            let angle = 2 * Double.pi * Double(date.dayOfYear - 1) / Double(date.daysInYear)
            switch self {
            case .daysSinceEpoch: return Double(date.daysSinceEpoch)
            case .year: return Double(date.year)
            case .dayOfYearSine: return sin(angle)
            case .dayOfYearCosine: return cos(angle)
            case .dayOfWeek: return Double(date.dayOfWeek)
            case .secondsOfDay: return date.secondsOfDay
            }
        }

        /// The input in words, as the task line names it (`days since 1970`).
        public var description: String {
            switch self {
            case .daysSinceEpoch: return "days since 1970"
            case .year: return "year"
            case .dayOfYearSine: return "day of year (sine)"
            case .dayOfYearCosine: return "day of year (cosine)"
            case .dayOfWeek: return "day of week"
            case .secondsOfDay: return "seconds of day"
            }
        }
    }

    /// The format the cells are read in: ``iso`` (`2012-01-31`, `2012-01-31T08:30`, `2012-01-31 08:30:15.5`,
    /// with an optional `Z`) or a pattern of `%Y` (four-digit year), `%m`, `%d`, `%H`, `%M`, `%S`
    /// (one or two digits each), `%%` and literal characters.
    public var format: String
    /// Whether the cells carry a time of day.
    public var hasTime: Bool
    /// The inputs each cell gives, in order. Model files written before `inputs` was stored (nn 0.5)
    /// read as ``legacyInputs(hasTime:)``.
    public var inputs: [Input]

    /// The name of ISO 8601's calendar dates and date-times as a ``format``.
    public static let iso = "iso"

    /// Creates a date column read in `format`, with or without a time of day, giving `inputs`.
    public init(format: String = DateColumn.iso, hasTime: Bool, inputs: [Input]) {
        self.format = format
        self.hasTime = hasTime
        self.inputs = inputs
    }

    /// The inputs of model files written before ``inputs`` was stored: year, day of year (sine,
    /// cosine), day of week, and seconds of day with times.
    public static func legacyInputs(hasTime: Bool) -> [Input] {
        [.year, .dayOfYearSine, .dayOfYearCosine, .dayOfWeek] + (hasTime ? [.secondsOfDay] : [])
    }

    private enum CodingKeys: String, CodingKey { case format, hasTime, inputs }

    /// Reads a column; without `inputs` (files of nn 0.5 and earlier), the inputs those files had.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        format = try container.decode(String.self, forKey: .format)
        hasTime = try container.decode(Bool.self, forKey: .hasTime)
        inputs =
            try container.decodeIfPresent([Input].self, forKey: .inputs) ?? Self.legacyInputs(hasTime: hasTime)
    }

    /// The number of inputs the column gives.
    public var width: Int { inputs.count }

    /// The names of those inputs, after the column's name: `days-since-1970`, `seconds-of-day`, ….
    public var inputSuffixes: [String] { inputs.map(\.rawValue) }

    /// Whether ``format`` is ISO or a pattern whose every `%` directive is one this reader knows, with
    /// a year, a month and a day.
    public var isValidFormat: Bool {
        if format == Self.iso { return true }
        guard let directives = CalendarDate.directives(of: format) else { return false }
        return directives.contains("Y") && directives.contains("m") && directives.contains("d")
    }

    /// The cell read as a date, or nil when it is not one in ``format``.
    public func parse(_ text: String) -> CalendarDate? {
        format == Self.iso ? CalendarDate(iso: text) : CalendarDate(text, format: format)
    }

    /// The inputs of one date, in the order of ``inputs``.
    public func features(of date: CalendarDate) -> [Double] { inputs.map { $0.value(of: date) } }
}

/// A proleptic Gregorian calendar date with a time of day, as a date column's cells are read.
public struct CalendarDate: Sendable, Equatable {
    /// The year (four digits in the file).
    public var year: Int
    /// The month, 1 to 12.
    public var month: Int
    /// The day of the month, from 1.
    public var day: Int
    /// Seconds since midnight (0 for a date without a time).
    public var secondsOfDay: Double
    /// Whether the cell gave a time of day.
    public var hasTime: Bool

    /// A date from its parts, or nil when they name no day (month 13, 30 February, hour 24).
    public init?(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Double = 0, hasTime: Bool) {
        guard (1...12).contains(month), (1...Self.daysInMonth(month, year: year)).contains(day),
            (0...23).contains(hour),
            (0...59).contains(minute), second >= 0, second < 61
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
        self.secondsOfDay = Double(hour * 3600 + minute * 60) + second
        self.hasTime = hasTime
    }

    /// Whether `year` has 29 February.
    public static func isLeapYear(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    /// The days in `month` of `year`.
    public static func daysInMonth(_ month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// 365 or 366.
    public var daysInYear: Int { Self.isLeapYear(year) ? 366 : 365 }

    /// The day of the year, 1 for 1 January.
    public var dayOfYear: Int {
        (1..<month).reduce(day) { $0 + Self.daysInMonth($1, year: year) }
    }

    /// Days since 1970-01-01 (negative before), by Howard Hinnant's `days_from_civil`.
    public var daysSinceEpoch: Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The day of the week: Monday 0 to Sunday 6 (pandas' `dayofweek`).
    public var dayOfWeek: Int {
        let days = daysSinceEpoch
        // 1970-01-01 was a Thursday (3).
        return ((days % 7) + 7 + 3) % 7
    }

    /// Reads an ISO 8601 calendar date (`YYYY-MM-DD`), optionally followed by `T` or a space and a
    /// time `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fraction`, and an optional `Z`.
    public init?(iso text: String) {
        var scanner = DigitScanner(text)
        guard let year = scanner.number(digits: 4...4), scanner.skip("-"), let month = scanner.number(digits: 2...2),
            scanner.skip("-"), let day = scanner.number(digits: 2...2)
        else { return nil }
        if scanner.atEnd {
            self.init(year: year, month: month, day: day, hasTime: false)
            return
        }
        guard scanner.skip("T") || scanner.skip(" "), let hour = scanner.number(digits: 2...2), scanner.skip(":"),
            let minute = scanner.number(digits: 2...2)
        else { return nil }
        var second = 0.0
        if scanner.skip(":") {
            guard let whole = scanner.number(digits: 2...2) else { return nil }
            second = Double(whole)
            if scanner.skip(".") {
                guard let fraction = scanner.fraction() else { return nil }
                second += fraction
            }
        }
        _ = scanner.skip("Z")
        guard scanner.atEnd else { return nil }
        self.init(year: year, month: month, day: day, hour: hour, minute: minute, second: second, hasTime: true)
    }

    /// Reads a date in `format` (see ``DateColumn/format``); nil when the text does not match.
    public init?(_ text: String, format: String) {
        var scanner = DigitScanner(text)
        var parts: [Character: Int] = [:]
        var pattern = Array(format)[...]
        while let character = pattern.popFirst() {
            if character == "%" {
                guard let directive = pattern.popFirst() else { return nil }
                if directive == "%" {
                    guard scanner.skip("%") else { return nil }
                    continue
                }
                guard let value = scanner.number(digits: directive == "Y" ? 4...4 : 1...2) else { return nil }
                parts[directive] = value
            } else if !scanner.skip(character) {
                return nil
            }
        }
        guard scanner.atEnd, let year = parts["Y"], let month = parts["m"], let day = parts["d"] else { return nil }
        self.init(
            year: year, month: month, day: day, hour: parts["H"] ?? 0, minute: parts["M"] ?? 0,
            second: Double(parts["S"] ?? 0), hasTime: parts["H"] != nil)
    }

    /// The `%` directives of `format`, or nil when one is not `Y`, `m`, `d`, `H`, `M`, `S` or `%`.
    static func directives(of format: String) -> [Character]? {
        var result: [Character] = []
        var pattern = Array(format)[...]
        while let character = pattern.popFirst() {
            guard character == "%" else { continue }
            guard let directive = pattern.popFirst(), "YmdHMS%".contains(directive) else { return nil }
            if directive != "%" { result.append(directive) }
        }
        return result
    }
}

/// Reads digits and literal characters from the front of a text.
private struct DigitScanner {
    var characters: ArraySlice<Character>

    init(_ text: String) { characters = Array(text.trimmingCharacters(in: .whitespaces))[...] }

    var atEnd: Bool { characters.isEmpty }

    /// Skips `character` when it comes next.
    mutating func skip(_ character: Character) -> Bool {
        guard characters.first == character else { return false }
        characters.removeFirst()
        return true
    }

    /// A whole number of `digits` ASCII digits (as many as there are, within the range).
    mutating func number(digits: ClosedRange<Int>) -> Int? {
        var value = 0
        var count = 0
        while count < digits.upperBound, let character = characters.first, let digit = character.wholeNumberValue,
            character.isASCII
        {
            value = value * 10 + digit
            count += 1
            characters.removeFirst()
        }
        return digits.contains(count) ? value : nil
    }

    /// The digits after a decimal point as a fraction (`5` is 0.5).
    mutating func fraction() -> Double? {
        var value = 0.0
        var scale = 0.1
        var count = 0
        while let character = characters.first, character.isASCII, let digit = character.wholeNumberValue {
            value += Double(digit) * scale
            scale /= 10
            count += 1
            characters.removeFirst()
        }
        return count > 0 ? value : nil
    }
}
