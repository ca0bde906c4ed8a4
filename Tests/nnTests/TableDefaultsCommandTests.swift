import Foundation
import Testing

// Issue 27, tables part two, through the built `nn` on tables made here: missing values filled by
// default, rows without a target dropped, unseen categories encoded as zero with a warning, dates as
// numeric inputs, early stopping that fits the table's size, and predict's and evaluate's help.

/// Writes `text` to `name` in `folder`.
private func put(_ text: String, _ name: String, in folder: URL) throws {
    try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
}

/// The JSON object a command printed on standard output.
private func jsonObject(_ result: CommandResult) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
    return try #require(object, "not a JSON object: \(result.standardOutput) \(result.standardError)")
}

/// A regression table `a,color,y` of `rows` rows (y = 2a + 1 for red, 2a - 1 for blue), with the
/// cells of `holes` (row, column) left empty.
private func holeyTable(rows: Int, holes: Set<[Int]>) -> String {
    var text = "a,color,y\n"
    for row in 0..<rows {
        let a = Double(row % 10) / 10
        let color = row % 3 == 0 ? "blue" : "red"
        let cells = [String(a), color, String(2 * a + (color == "red" ? 1 : -1))]
        text += cells.enumerated().map { holes.contains([row, $0.offset]) ? "" : $0.element }.joined(separator: ",")
        text += "\n"
    }
    return text
}

/// The numbers a `predict` printed under its header.
private func predictions(_ result: CommandResult) -> [Double] {
    result.standardOutput.split(separator: "\n").dropFirst().compactMap { Double($0) }
}

@Suite struct MissingValueDefaultTests {
    @Test func missingFeaturesAreFilledAndRowsWithoutATargetDroppedWithNotes() throws {
        let folder = try temporaryFolder()
        // Rows 2 and 5 lack 'a', row 7 lacks 'color', row 9 lacks the target.
        try put(holeyTable(rows: 40, holes: [[2, 0], [5, 0], [7, 1], [9, 2]]), "train.csv", in: folder)
        let trained = try Executable.run(
            ["train", "--data", "train.csv", "--target", "y", "--epochs", "3", "--save", "m.safetensors", "-q"],
            in: folder)
        #expect(trained.status == 0, "\(trained.standardError)")
        #expect(
            trained.standardError.contains("note: dropped 1 row without a target value"), "\(trained.standardError)")
        #expect(
            trained.standardError.contains(
                "note: filled 3 missing cells with the training column's means (text and dates: most frequent values): 'a' 2, 'color' 1 (--missing drop-rows leaves such rows out, --missing error refuses them)"
            ), "\(trained.standardError)")
        #expect(trained.standardOutput.contains("rows: 39 training"), "\(trained.standardOutput)")
        // The fill is the mean of 'a' over the 37 rows that kept both a target and 'a' (numpy's nanmean).
        var present: [Double] = []
        for row in 0..<40 where ![2, 5, 9].contains(row) { present.append(Double(row % 10) / 10) }
        let mean = present.reduce(0, +) / Double(present.count)
        // predict fills a missing cell with that value, with a note: the same prediction as the mean written out.
        try put("a,color\n,red\n\(mean),red\n0.3,\n0.3,red\n", "new.csv", in: folder)
        let predicted = try Executable.run(["predict", "--model", "m.safetensors", "--data", "new.csv"], in: folder)
        #expect(predicted.status == 0, "\(predicted.standardError)")
        #expect(
            predicted.standardError.contains(
                "note: filled 2 missing cells with the model's training values: 'a' 1, 'color' 1"),
            "\(predicted.standardError)")
        let values = predictions(predicted)
        #expect(values.count == 4 && values[0] == values[1], "\(values)")
        // 'red' is the most frequent color of the training rows.
        #expect(values.count == 4 && values[2] == values[3], "\(values)")
        // evaluate fills too, and leaves out rows without a target with a note.
        try put("a,color,y\n,red,1.5\n0.3,,1.6\n0.5,blue,\n0.2,blue,-0.6\n", "test.csv", in: folder)
        let evaluated = try Executable.run(["evaluate", "--model", "m.safetensors", "--data", "test.csv"], in: folder)
        #expect(evaluated.status == 0, "\(evaluated.standardError)")
        #expect(
            evaluated.standardError.contains("note: left out 1 row without a target value (the first on line 4)")
                && evaluated.standardError.contains("note: filled 2 missing cells"), "\(evaluated.standardError)")
        #expect(evaluated.standardOutput.contains("test.csv: 3 samples"), "\(evaluated.standardOutput)")
    }

    @Test func missingErrorKeepsTheStrictnessAndNamesItsOwnOption() throws {
        let folder = try temporaryFolder()
        try put(holeyTable(rows: 20, holes: [[4, 0]]), "features.csv", in: folder)
        let refused = try Executable.run(["train", "--data", "features.csv", "--missing", "error"], in: folder)
        #expect(refused.status == 1, "\(refused.status) \(refused.standardError)")
        #expect(
            refused.standardError.contains(
                "features.csv line 6: column 'a' has no value (an empty cell or NA), which --missing error refuses"),
            "\(refused.standardError)")
        try put(holeyTable(rows: 20, holes: [[3, 2]]), "target.csv", in: folder)
        let target = try Executable.run(["train", "--data", "target.csv", "--missing", "error"], in: folder)
        #expect(
            target.status == 1
                && target.standardError.contains(
                    "target.csv line 5: the target column 'y' has no value (--missing error refuses it"),
            "\(target.standardError)")
    }

    @Test func everyModelStoresFillsSoPredictNeverReachesACellItCannotHandle() throws {
        let folder = try temporaryFolder()
        try put(holeyTable(rows: 30, holes: [[4, 0], [8, 1]]), "train.csv", in: folder)
        try put("a,color\n,\n0.5,blue\n", "new.csv", in: folder)
        for policy in ["drop-rows", "median", "most-frequent"] {
            let trained = try Executable.run(
                [
                    "train", "--data", "train.csv", "--missing", policy, "--epochs", "2", "--save",
                    "\(policy).safetensors", "-q",
                ],
                in: folder)
            #expect(trained.status == 0, "\(policy): \(trained.standardError)")
            let predicted = try Executable.run(
                ["predict", "--model", "\(policy).safetensors", "--data", "new.csv"], in: folder)
            #expect(predicted.status == 0 && predictions(predicted).count == 2, "\(policy): \(predicted.standardError)")
            #expect(predicted.standardError.contains("filled 2 missing cells"), "\(policy): \(predicted.standardError)")
            let info = try Executable.run(["info", "--model", "\(policy).safetensors", "--json"], in: folder)
            let columns = try #require(try jsonObject(info)["columns"] as? [String: Any])
            let layout = try #require(columns["columns"] as? [[String: Any]])
            #expect(
                layout.count == 2 && layout[0]["fillNumber"] != nil && layout[1]["fillCategory"] as? String == "red")
        }
        // A model from before fills were always stored: the error names no option predict lacks.
        try writeEditedModel("drop-rows.safetensors", to: "old.json", in: folder) { object in
            var layout = object["tableLayout"] as! [String: Any]
            var columns = layout["columns"] as! [[String: Any]]
            columns[0]["fillNumber"] = nil
            layout["columns"] = columns
            object["tableLayout"] = layout
        }
        let old = try Executable.run(["predict", "--model", "old.json", "--data", "new.csv"], in: folder)
        #expect(
            old.status == 1
                && old.standardError.contains(
                    "new.csv line 2: column 'a' has no value (an empty cell or NA), and the model stores no value to fill it with"
                )
                && !old.standardError.contains("--missing"), "\(old.standardError)")
    }

    @Test func predictAndEvaluateRefuseMissingAndDoNotListIt() throws {
        let folder = try temporaryFolder()
        try put(holeyTable(rows: 20, holes: []), "train.csv", in: folder)
        let trained = try Executable.run(
            ["train", "--data", "train.csv", "--epochs", "1", "--save", "m.safetensors", "-q"], in: folder)
        #expect(trained.status == 0, "\(trained.standardError)")
        for command in ["predict", "evaluate"] {
            let refused = try Executable.run(
                [command, "--model", "m.safetensors", "--data", "train.csv", "--missing", "mean"], in: folder)
            #expect(refused.status == 64, "\(command): \(refused.standardError)")
            let help = try Executable.run([command, "--help"], in: folder)
            #expect(!help.standardOutput.contains("--missing"), "\(command)")
            #expect(help.standardOutput.contains("--unknown-categories"), "\(command)")
            let features = try Executable.run(
                [command, "--model", "m.safetensors", "--data", "train.csv", "--drop", "a"], in: folder)
            #expect(
                features.status == 64
                    && features.standardError.contains(
                        "--features and --drop apply to models trained on .npy or .npz files"),
                "\(features.standardError)")
        }
        // --missing and --date-format are for CSV files.
        try writeNPY(rows: 4, columns: 2, values: [1, 0, 2, 1, 3, 0, 4, 1], to: folder.appendingPathComponent("d.npy"))
        let npy = try Executable.run(["train", "--data", "d.npy", "--missing", "mean"], in: folder)
        #expect(
            npy.status == 64 && npy.standardError.contains("--missing applies to CSV files only"),
            "\(npy.standardError)")
    }
}

@Suite struct UnseenCategoryTests {
    @Test func unseenValuesAreAllZeroWithACountingWarningUnlessError() throws {
        let folder = try temporaryFolder()
        try put(holeyTable(rows: 30, holes: []), "train.csv", in: folder)
        let trained = try Executable.run(
            ["train", "--data", "train.csv", "--epochs", "2", "--save", "m.safetensors", "-q"], in: folder)
        #expect(trained.status == 0, "\(trained.standardError)")
        try put("a,color\n0.1,red\n0.2,green\n0.2,teal\n0.2,green\n", "new.csv", in: folder)
        let predicted = try Executable.run(["predict", "--model", "m.safetensors", "--data", "new.csv"], in: folder)
        #expect(predicted.status == 0, "\(predicted.standardError)")
        #expect(
            predicted.standardError.contains(
                "warning: 3 values that training never saw were encoded as all-zero inputs: 'color' 3 (the first 'green' on line 3); --unknown-categories error refuses them"
            ), "\(predicted.standardError)")
        // All-zero: 'green' and 'teal' give the same prediction.
        let values = predictions(predicted)
        #expect(values.count == 4 && values[1] == values[2] && values[2] == values[3], "\(values)")
        let refused = try Executable.run(
            ["predict", "--model", "m.safetensors", "--data", "new.csv", "--unknown-categories", "error"], in: folder)
        #expect(
            refused.status == 1
                && refused.standardError.contains(
                    "new.csv line 3: column 'color' has the value 'green', which training never saw"),
            "\(refused.standardError)")
        // Text in a column of numbers is filled like a missing cell, with its own warning.
        try put("a,color\n0.2,red\nn/d,red\n", "text.csv", in: folder)
        let texts = try Executable.run(["predict", "--model", "m.safetensors", "--data", "text.csv"], in: folder)
        #expect(
            texts.status == 0
                && texts.standardError.contains(
                    "warning: 1 text cell in columns of numbers was filled with the training value: 'a' 1 (the first 'n/d' on line 3)"
                ),
            "\(texts.standardError)")
        let textRefused = try Executable.run(
            ["predict", "--model", "m.safetensors", "--data", "text.csv", "--unknown-categories", "error"], in: folder)
        #expect(
            textRefused.status == 1
                && textRefused.standardError.contains("text.csv line 3: column 'a' holds text ('n/d')"),
            "\(textRefused.standardError)")
        try put("a,color,y\n0.1,red,1.2\n0.2,green,0.4\n", "test.csv", in: folder)
        let evaluated = try Executable.run(["evaluate", "--model", "m.safetensors", "--data", "test.csv"], in: folder)
        #expect(
            evaluated.status == 0
                && evaluated.standardError.contains("warning: 1 value that training never saw was encoded"),
            "\(evaluated.standardError)")
    }
}

@Suite struct DateColumnCommandTests {
    /// A daily table from 1 January 2012 (a Sunday): a date column, a number and a target that rises
    /// with the day of the week.
    func dailyTable(days: Int, time: Bool = false, format: (Int, Int, Int) -> String? = { _, _, _ in nil }) -> String {
        var text = "day,x,y\n"
        for index in 0..<days {
            // 2012 is a leap year: days from 1 January 2012.
            var month = 1, day = index + 1
            let lengths = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
            while day > lengths[month - 1] {
                day -= lengths[month - 1]
                month += 1
            }
            let date =
                format(2012, month, day)
                ?? String(format: "2012-%02d-%02d", month, day)
                + (time ? String(format: "T%02d:30:00", index % 24) : "")
            let weekday = (index + 6) % 7  // 1 January 2012 was a Sunday (6).
            text += "\(date),\(index % 5),\(Double(weekday) + 0.1 * Double(index % 5))\n"
        }
        return text
    }

    @Test func isoDatesBecomeDaysSince1970NamedInTheTaskLineJSONAndModel() throws {
        let folder = try temporaryFolder()
        // 100 distinct dates in 100 rows: kept as a date, not dropped as an identifier.
        try put(dailyTable(days: 100), "daily.csv", in: folder)
        let trained = try Executable.run(
            ["train", "--data", "daily.csv", "--epochs", "3", "--save", "m.safetensors", "-q"], in: folder)
        #expect(trained.status == 0, "\(trained.standardError)")
        #expect(
            trained.standardOutput.contains(
                "features (2): day, x; dates: 'day' as days since 1970; rows: 100 training;"
            ), "\(trained.standardOutput)")
        #expect(!trained.standardError.contains("identifiers"), "\(trained.standardError)")
        let json = try Executable.run(["train", "--data", "daily.csv", "--epochs", "1", "--json"], in: folder)
        #expect(
            try jsonObject(json)["features"] as? [String] == ["day.days-since-1970", "x"],
            "\(json.standardOutput)")
        let info = try Executable.run(["info", "--model", "m.safetensors", "--json"], in: folder)
        let described = try jsonObject(info)
        #expect(described["features"] as? [String] == ["day.days-since-1970", "x"], "\(described)")
        let columns = try #require((described["columns"] as? [String: Any])?["columns"] as? [[String: Any]])
        #expect(
            (columns[0]["date"] as? [String: Any])?["inputs"] as? [String] == ["days-since-1970"], "\(columns)")
        // 2012-01-01 is day 15,340 since 1970: the 100 consecutive days average 15,389.5 with a
        // standard deviation of sqrt((100² - 1) / 12), which the input standardization holds.
        let transform = try #require(described["inputTransform"] as? [String: [Double]])
        let deviation = ((100.0 * 100 - 1) / 12).squareRoot()
        #expect(transform["offset"]?.first == 15_389.5, "\(transform)")
        #expect(
            Swift.abs((transform["scale"]?.first ?? 0) * deviation - 1) < 1e-5, "\(transform) against 1 / \(deviation)")
        let text = try Executable.run(["info", "--model", "m.safetensors"], in: folder)
        #expect(text.standardOutput.contains("(day: date as days since 1970)"), "\(text.standardOutput)")
        // A date from another year and a missing date (filled with the most frequent) predict; a cell
        // that is not a date is an error naming the line, column and cell.
        try put("day,x\n2013-03-01,1\n,2\n", "new.csv", in: folder)
        let predicted = try Executable.run(["predict", "--model", "m.safetensors", "--data", "new.csv"], in: folder)
        #expect(
            predicted.status == 0 && predictions(predicted).count == 2
                && predicted.standardError.contains("filled 1 missing cell with the model's training values: 'day' 1"),
            "\(predicted.standardError)")
        try put("day,x\n2013-03-01,1\n2013-02-30,2\n", "bad.csv", in: folder)
        let bad = try Executable.run(["predict", "--model", "m.safetensors", "--data", "bad.csv"], in: folder)
        #expect(
            bad.status == 1
                && bad.standardError.contains(
                    "bad.csv line 3: column 'day' holds '2013-02-30', which is not a date in the model's format (ISO"),
            "\(bad.standardError)")
    }

    @Test func dateInputsChoosesOtherInputsWhichTheModelKeeps() throws {
        let folder = try temporaryFolder()
        try put(dailyTable(days: 100), "daily.csv", in: folder)
        let trained = try Executable.run(
            [
                "train", "--data", "daily.csv", "--date-inputs", "year,day-of-year,day-of-week", "--epochs", "3",
                "--save", "m.safetensors", "-q",
            ], in: folder)
        #expect(
            trained.status == 0
                && trained.standardOutput.contains(
                    "features (2): day, x (5 inputs after dates); dates: 'day' as year, day of year (sine), day of year (cosine), day of week;"
                ), "\(trained.standardOutput) \(trained.standardError)")
        let info = try Executable.run(["info", "--model", "m.safetensors", "--json"], in: folder)
        #expect(
            try jsonObject(info)["features"] as? [String] == [
                "day.year", "day.day-of-year-sin", "day.day-of-year-cos", "day.day-of-week", "x",
            ], "\(info.standardOutput)")
        // predict reads the model's inputs, without the option.
        try put("day,x\n2013-03-01,1\n", "new.csv", in: folder)
        let predicted = try Executable.run(["predict", "--model", "m.safetensors", "--data", "new.csv"], in: folder)
        #expect(predicted.status == 0 && predictions(predicted).count == 1, "\(predicted.standardError)")
        let json = try Executable.run(
            [
                "train", "--data", "daily.csv", "--date-inputs", "day-of-week, days-since-1970", "--epochs", "1",
                "--json",
            ],
            in: folder)
        let summary = try jsonObject(json)
        let setting = try #require((summary["settings"] as? [String: [String: Any]])?["dateInputs"])
        #expect(
            setting["value"] as? String == "day-of-week,days-since-1970" && setting["source"] as? String == "option",
            "\(setting)")
        #expect(summary["features"] as? [String] == ["day.day-of-week", "day.days-since-1970", "x"], "\(summary)")
        let defaulted = try Executable.run(["train", "--data", "daily.csv", "--epochs", "1", "--json"], in: folder)
        let defaultSetting = try #require(
            (try jsonObject(defaulted)["settings"] as? [String: [String: Any]])?["dateInputs"])
        #expect(
            defaultSetting["value"] as? String == "days-since-1970"
                && defaultSetting["source"] as? String == "table default", "\(defaultSetting)")
        for bad in ["fortnight", "year,year", "", "seconds-of-day"] {
            let refused = try Executable.run(["train", "--data", "daily.csv", "--date-inputs", bad], in: folder)
            #expect(
                refused.status == 64 && refused.standardError.contains("--date-inputs"),
                "\(bad): \(refused.standardError)")
        }
    }

    @Test func dateTimesAddSecondsOfDayAndAGivenFormatIsRead() throws {
        let folder = try temporaryFolder()
        try put(dailyTable(days: 40, time: true), "times.csv", in: folder)
        let timed = try Executable.run(["train", "--data", "times.csv", "--epochs", "2", "-q"], in: folder)
        #expect(
            timed.status == 0
                && timed.standardOutput.contains("(3 inputs after dates)")
                && timed.standardOutput.contains("dates: 'day' as days since 1970, seconds of day;"),
            "\(timed.standardOutput) \(timed.standardError)")
        try put(
            dailyTable(days: 40) { year, month, day in String(format: "%02d/%02d/%d", day, month, year) }, "dmy.csv",
            in: folder)
        // Without --date-format, 31/01/2012 is text (40 distinct values in 40 rows: an identifier).
        let text = try Executable.run(["train", "--data", "dmy.csv", "--epochs", "1", "-q"], in: folder)
        #expect(text.standardError.contains("dropped column 'day'"), "\(text.standardError)")
        let read = try Executable.run(
            [
                "train", "--data", "dmy.csv", "--date-format", "%d/%m/%Y", "--epochs", "2", "--save", "dmy.safetensors",
                "-q",
            ],
            in: folder)
        #expect(
            read.status == 0 && read.standardOutput.contains("dates: 'day'"),
            "\(read.standardOutput) \(read.standardError)")
        try put("day,x\n05/03/2013,1\n", "new.csv", in: folder)
        let predicted = try Executable.run(["predict", "--model", "dmy.safetensors", "--data", "new.csv"], in: folder)
        #expect(predicted.status == 0 && predictions(predicted).count == 1, "\(predicted.standardError)")
        let weekdays = try Executable.run(
            ["train", "--data", "times.csv", "--date-inputs", "day-of-week", "--epochs", "1", "-q"], in: folder)
        #expect(
            weekdays.standardOutput.contains("dates: 'day' as day of week, seconds of day;"),
            "\(weekdays.standardOutput) \(weekdays.standardError)")
        let wrong = try Executable.run(["train", "--data", "dmy.csv", "--date-format", "%d/%b/%Y"], in: folder)
        #expect(wrong.status == 64 && wrong.standardError.contains("--date-format"), "\(wrong.standardError)")
    }

    @Test func aYearLikeDateColumnIsNumericSoALaterYearIsNoUnseenCategory() throws {
        let folder = try temporaryFolder()
        var text = "model_year,weight,mpg\n"
        for index in 0..<39 {
            let year = 1970 + index % 13
            text += "\(year)-01-01,\(2000 + 37 * index % 1500),\(10 + Double(year - 1970) * 0.8)\n"
        }
        try put(text, "cars.csv", in: folder)
        let trained = try Executable.run(
            ["train", "--data", "cars.csv", "--epochs", "2", "--save", "m.safetensors", "-q"], in: folder)
        #expect(
            trained.status == 0 && trained.standardOutput.contains("dates: 'model_year'")
                && !trained.standardOutput.contains("one-hot"), "\(trained.standardOutput)")
        try put("model_year,weight\n1983-01-01,2500\n", "new.csv", in: folder)
        let predicted = try Executable.run(["predict", "--model", "m.safetensors", "--data", "new.csv"], in: folder)
        #expect(
            predicted.status == 0 && !predicted.standardError.contains("warning"),
            "\(predicted.standardError)")
    }

    @Test func aSavedDateColumnIsValidatedOnRead() throws {
        let folder = try temporaryFolder()
        try put(dailyTable(days: 30), "daily.csv", in: folder)
        let trained = try Executable.run(
            ["train", "--data", "daily.csv", "--epochs", "1", "--save", "m.safetensors", "-q"], in: folder)
        #expect(trained.status == 0, "\(trained.standardError)")
        let edits: [(String, ([String: Any]) -> [String: Any])] = [
            (
                "date.format",
                { column in
                    var column = column
                    column["date"] = ["format": "%Y-%q", "hasTime": false, "inputs": ["days-since-1970"]]
                    return column
                }
            ),
            (
                "date.inputs",
                { column in
                    var column = column
                    column["date"] = [
                        "format": "iso", "hasTime": false, "inputs": ["days-since-1970", "days-since-1970"],
                    ]
                    return column
                }
            ),
            (
                "fillCategory",
                { column in
                    var column = column
                    column["fillCategory"] = "not a date"
                    return column
                }
            ),
        ]
        for (field, edit) in edits {
            try writeEditedModel("m.safetensors", to: "edited.json", in: folder) { object in
                var layout = object["tableLayout"] as! [String: Any]
                var columns = layout["columns"] as! [[String: Any]]
                columns[0] = edit(columns[0])
                layout["columns"] = columns
                object["tableLayout"] = layout
            }
            let read = try Executable.run(["info", "--model", "edited.json"], in: folder)
            #expect(
                read.status == 1 && read.standardError.contains("field 'tableLayout.columns.0.\(field)'"),
                "\(field): \(read.standardError)")
        }
    }
}

@Suite struct EarlyStoppingRuleTests {
    /// A regression table of `rows` rows: y = x1 - x2 with a little pattern.
    func table(rows: Int) -> String {
        var text = "x1,x2,y\n"
        for row in 0..<rows {
            let a = Double(row % 17) / 17, b = Double(row % 11) / 11
            text += "\(a),\(b),\(a - b + 0.05 * Double(row % 3))\n"
        }
        return text
    }

    @Test func smallTablesStopOnTheTrainingLossAndSayItEverywhere() throws {
        let folder = try temporaryFolder()
        try put(table(rows: 120), "small.csv", in: folder)
        let trained = try Executable.run(
            ["train", "--data", "small.csv", "--history", "h.json", "--save", "m.safetensors"], in: folder)
        #expect(trained.status == 0, "\(trained.standardError)")
        #expect(
            trained.standardOutput.contains("early stopping on the training loss (tolerance 0.0001) after 10"),
            "\(trained.standardOutput)")
        #expect(!trained.standardOutput.contains("validation"), "\(trained.standardOutput)")
        let json = try Executable.run(["train", "--data", "small.csv", "--json"], in: folder)
        let settings = try #require(try jsonObject(json)["settings"] as? [String: [String: Any]])
        let values = settings.mapValues { $0["value"] as? String ?? "" }
        #expect(values["earlyStopping"] == "10" && values["earlyStoppingMonitor"] == "training loss")
        #expect(values["earlyStoppingTolerance"] == "0.0001" && values["validationSplit"] == "0.0")
        let history = try String(contentsOf: folder.appendingPathComponent("h.json"), encoding: .utf8)
        #expect(history.contains("earlyStoppingMonitor") && history.contains("training loss"), "\(history)")
        // --early-stopping sets the patience, or turns it off: every epoch runs.
        let off = try Executable.run(
            ["train", "--data", "small.csv", "--early-stopping", "off", "--epochs", "30", "--json"], in: folder)
        let offSummary = try jsonObject(off)
        let offSettings = try #require(offSummary["settings"] as? [String: [String: Any]])
        #expect(
            offSettings["earlyStopping"]?["value"] as? String == "off" && offSettings["earlyStoppingMonitor"] == nil)
        #expect(offSummary["epochs"] as? Int == 30, "\(off.standardOutput)")
        let bad = try Executable.run(["train", "--data", "small.csv", "--early-stopping", "0"], in: folder)
        #expect(bad.status == 64 && bad.standardError.contains("at least 1 (or off)"), "\(bad.standardError)")
    }

    @Test func largeTablesStopOnTheValidationLoss() throws {
        let folder = try temporaryFolder()
        try put(table(rows: 2_300), "large.csv", in: folder)
        let trained = try Executable.run(["train", "--data", "large.csv", "--epochs", "2"], in: folder)
        #expect(trained.status == 0, "\(trained.standardError)")
        #expect(
            trained.standardOutput.contains("(+230 for validation)")
                && trained.standardOutput.contains("early stopping on the validation loss after 10"),
            "\(trained.standardOutput)")
    }
}

/// The tables' default weight decay, 2 / training rows (an L2 penalty weighed as scikit-learn weighs
/// its `alpha`, with α = 2): the same value in the header, `--json`, the history file and the model.
@Suite struct WeightDecayDefaultTests {
    @Test func tablesDecayByOneOverTheirTrainingRowsAndSayItEverywhere() throws {
        let folder = try temporaryFolder()
        try put(EarlyStoppingRuleTests().table(rows: 120), "small.csv", in: folder)
        let trained = try Executable.run(
            ["train", "--data", "small.csv", "--epochs", "2", "--history", "h.json", "--save", "m.safetensors"],
            in: folder)
        // 2 / 120 = 0.016666…, to 3 significant digits.
        #expect(
            trained.status == 0 && trained.standardOutput.contains("learning rate 0.001, weight decay 0.0167,"),
            "\(trained.standardOutput) \(trained.standardError)")
        let historyData = try Data(contentsOf: folder.appendingPathComponent("h.json"))
        let history = try #require(try JSONSerialization.jsonObject(with: historyData) as? [String: Any])
        let historySettings = try #require(history["settings"] as? [String: [String: Any]], "\(history)")
        #expect(historySettings["weightDecay"]?["value"] as? String == "0.0167", "\(historySettings)")
        let info = try Executable.run(["info", "--model", "m.safetensors"], in: folder)
        #expect(info.standardOutput.contains("weightDecay: 0.0167"), "\(info.standardOutput)")
        // A test split leaves 96 rows to train: 2 / 96 = 0.02083…; the validation split of a large
        // table leaves 2,070 of 2,300: 0.000966.
        for (arguments, rows, expected) in [
            (["--test-split", "0.2"], 120, "0.0208"), ([], 2_300, "0.000966"),
        ] {
            try put(EarlyStoppingRuleTests().table(rows: rows), "table.csv", in: folder)
            let json = try Executable.run(
                ["train", "--data", "table.csv", "--epochs", "1", "--json"] + arguments, in: folder)
            let settings = try #require(try jsonObject(json)["settings"] as? [String: [String: Any]])
            #expect(
                settings["weightDecay"]?["value"] as? String == expected
                    && settings["weightDecay"]?["source"] as? String == "table default",
                "\(settings["weightDecay"] ?? [:])")
        }
        // --weight-decay 0 turns it off (the header then names none); built-in data sets have none.
        let off = try Executable.run(
            ["train", "--data", "small.csv", "--epochs", "1", "--weight-decay", "0"], in: folder)
        #expect(off.status == 0 && !off.standardOutput.contains("weight decay"), "\(off.standardOutput)")
        let builtIn = try Executable.run(["train", "--dataset", "xor", "--epochs", "1", "--json"], in: folder)
        let builtInSettings = try #require(try jsonObject(builtIn)["settings"] as? [String: [String: Any]])
        #expect(
            builtInSettings["weightDecay"]?["value"] as? String == "0.0"
                && builtInSettings["weightDecay"]?["source"] as? String == "built-in data set default",
            "\(builtInSettings["weightDecay"] ?? [:])")
    }
}
