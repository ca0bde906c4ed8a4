import Foundation
import Network
import Testing

// Date columns' reading and inputs against pandas (scripts/fixtures/date_fixtures.py), and early
// stopping's tolerance against scikit-learn's rule.

private struct DateFixture: Decodable {
    struct Case: Decodable {
        let text: String, format: String, hasTime: Bool, features: [String], daysSinceEpoch: Int
    }
    struct Refused: Decodable {
        let text: String, format: String
    }
    let dates: [Case]
    let notDates: [Refused]
}

@Suite struct TableDateTests {
    private let fixture: DateFixture = loadFixture("date_features")

    @Test("each date's year, day of year (sine, cosine), day of week and seconds match pandas")
    func featuresMatchPandas() throws {
        for entry in fixture.dates {
            let reader = DateColumn(format: entry.format, hasTime: entry.hasTime)
            let date = try #require(reader.parse(entry.text), "\(entry.text) in \(entry.format) did not parse")
            #expect(date.hasTime == entry.hasTime, "\(entry.text)")
            #expect(date.daysSinceEpoch == entry.daysSinceEpoch, "\(entry.text)")
            let features = reader.features(of: date)
            let expected = entry.features.map(parse)
            #expect(features.count == expected.count && features.count == reader.width, "\(entry.text)")
            for (actual, wanted) in zip(features, expected) {
                #expect(
                    Swift.abs(actual - wanted) <= 1e-12 * Swift.max(1, Swift.abs(wanted)),
                    "\(entry.text): \(features) vs \(expected)")
            }
        }
    }

    @Test("texts pandas does not read as dates are refused")
    func notDatesAreRefused() {
        for entry in fixture.notDates {
            #expect(DateColumn(format: entry.format, hasTime: false).parse(entry.text) == nil, "\(entry.text)")
        }
    }

    @Test("a format needs a year, a month and a day, and knows only %Y %m %d %H %M %S %%")
    func formats() {
        #expect(DateColumn(format: "%d/%m/%Y", hasTime: false).isValidFormat)
        #expect(DateColumn(format: DateColumn.iso, hasTime: false).isValidFormat)
        #expect(!DateColumn(format: "%d/%m", hasTime: false).isValidFormat)
        #expect(!DateColumn(format: "%d/%b/%Y", hasTime: false).isValidFormat)
        #expect(DateColumn(format: "%Y%%%m%%%d", hasTime: false).parse("2012%01%31")?.day == 31)
    }
}
