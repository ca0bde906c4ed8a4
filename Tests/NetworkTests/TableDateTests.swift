import Foundation
import Network
import Testing

// Date columns' reading and inputs against pandas (scripts/fixtures/date_fixtures.py), and early
// stopping's tolerance against scikit-learn's rule.

private struct DateFixture: Decodable {
    struct Case: Decodable {
        let text: String, format: String, hasTime: Bool, features: [String: String], daysSinceEpoch: Int
    }
    struct Refused: Decodable {
        let text: String, format: String
    }
    let dates: [Case]
    let notDates: [Refused]
}

@Suite struct TableDateTests {
    private let fixture: DateFixture = loadFixture("date_features")

    @Test("each date's days since 1970, year, day of year (sine, cosine), day of week and seconds match pandas")
    func featuresMatchPandas() throws {
        for entry in fixture.dates {
            let reader = DateColumn(format: entry.format, hasTime: entry.hasTime, inputs: DateColumn.Input.allCases)
            let date = try #require(reader.parse(entry.text), "\(entry.text) in \(entry.format) did not parse")
            #expect(date.hasTime == entry.hasTime, "\(entry.text)")
            #expect(date.daysSinceEpoch == entry.daysSinceEpoch, "\(entry.text)")
            let features = reader.features(of: date)
            #expect(features.count == DateColumn.Input.allCases.count && features.count == reader.width)
            for (input, actual) in zip(reader.inputs, features) {
                let wanted = parse(try #require(entry.features[input.rawValue], "\(input.rawValue) in the fixture"))
                #expect(
                    Swift.abs(actual - wanted) <= 1e-12 * Swift.max(1, Swift.abs(wanted)),
                    "\(entry.text) \(input.rawValue): \(actual) vs \(wanted)")
            }
        }
    }

    @Test("a column gives its inputs in its order; a saved column without inputs (nn 0.5) reads as nn 0.5 gave them")
    func inputsAndOlderFiles() throws {
        let date = try #require(CalendarDate(iso: "2012-01-01T06:00"))
        let column = DateColumn(hasTime: true, inputs: [.secondsOfDay, .daysSinceEpoch])
        #expect(column.features(of: date) == [21_600, 15_340] && column.width == 2)
        #expect(column.inputSuffixes == ["seconds-of-day", "days-since-1970"])
        let decoder = JSONDecoder()
        let older = try decoder.decode(DateColumn.self, from: Data(#"{"format":"iso","hasTime":false}"#.utf8))
        #expect(older.inputs == [.year, .dayOfYearSine, .dayOfYearCosine, .dayOfWeek])
        let olderTimes = try decoder.decode(DateColumn.self, from: Data(#"{"format":"iso","hasTime":true}"#.utf8))
        #expect(olderTimes.inputs.last == .secondsOfDay && olderTimes.width == 5)
        let written = try JSONEncoder().encode(column)
        #expect(try decoder.decode(DateColumn.self, from: written) == column)
    }

    @Test("texts pandas does not read as dates are refused")
    func notDatesAreRefused() {
        for entry in fixture.notDates {
            #expect(
                DateColumn(format: entry.format, hasTime: false, inputs: []).parse(entry.text) == nil, "\(entry.text)")
        }
    }

    @Test("a format needs a year, a month and a day, and knows only %Y %m %d %H %M %S %%")
    func formats() {
        #expect(DateColumn(format: "%d/%m/%Y", hasTime: false, inputs: []).isValidFormat)
        #expect(DateColumn(format: DateColumn.iso, hasTime: false, inputs: []).isValidFormat)
        #expect(!DateColumn(format: "%d/%m", hasTime: false, inputs: []).isValidFormat)
        #expect(!DateColumn(format: "%d/%b/%Y", hasTime: false, inputs: []).isValidFormat)
        #expect(DateColumn(format: "%Y%%%m%%%d", hasTime: false, inputs: []).parse("2012%01%31")?.day == 31)
    }
}
