import ArgumentParser
import Foundation
import Network
import Tensor
import TensorIO

/// `--missing`: what a missing cell (empty, `NA`, `nan`, ... as pandas reads them) does in training.
/// Whatever the choice, the model stores a fill value for every column, which predict and evaluate use.
enum MissingOption: String, ExpressibleByArgumentCaseIterable {
    case mean, median
    case mostFrequent = "most-frequent"
    case dropRows = "drop-rows"
    case error

    /// Whether missing feature cells are filled in training.
    var fills: Bool { self == .mean || self == .median || self == .mostFrequent }

    /// What fills a missing number, for notes: `means`, `medians`, `most frequent values`.
    var fillDescription: String {
        switch self {
        case .median: return "medians"
        case .mostFrequent: return "most frequent values"
        default: return "means"
        }
    }
}

/// `--unknown-categories`: what a text value that training never saw does at predict time.
enum UnknownCategoryOption: String, ExpressibleByArgumentCaseIterable {
    /// The column's one-hot inputs are all zero, with a warning that counts such values.
    case zero
    /// An error naming the column and the value.
    case error

    /// The option's help, shared by predict and evaluate.
    static var help: ArgumentHelp {
        "For a model trained on a CSV table: what a text value training never saw does: zero (its one-hot inputs are all zero; text in a column of numbers is filled with the training value; a warning counts both) or error (naming the column, line and value) (default: zero)."
    }
}

/// A table's rows as inputs, with what encoding them did: the missing cells it filled and the
/// values training never saw, per column.
struct EncodedTable<Scalar: MatrixScalar> {
    var inputs: Matrix<Scalar>
    /// Per column (its label), the missing cells filled.
    var filled: [(label: String, count: Int)] = []
    /// Per column (its label), the unseen values encoded as all-zero, with the first one and its line.
    var unknown: [(label: String, count: Int, first: String, line: Int)] = []
    /// Per numeric column (its label), the text cells filled with the training value, with the first one and its line.
    var textInNumbers: [(label: String, count: Int, first: String, line: Int)] = []

    /// `'Ozone' 37, 'Solar.R' 7`.
    static func counts(_ counts: [(label: String, count: Int)]) -> String {
        counts.map { "\($0.label) \($0.count)" }.joined(separator: ", ")
    }

    /// The total of `counts`.
    static func total(_ counts: [(label: String, count: Int)]) -> Int { counts.reduce(0) { $0 + $1.count } }

    /// The warnings about unseen values and text in numeric columns.
    var warnings: [String] {
        /// `'color' 3 (the first 'green' on line 3)`, per column.
        func columns(_ list: [(label: String, count: Int, first: String, line: Int)]) -> String {
            list.map { "\($0.label) \($0.count) (the first '\($0.first)' on line \($0.line))" }.joined(separator: ", ")
        }
        var result: [String] = []
        if !unknown.isEmpty {
            let total = unknown.reduce(0) { $0 + $1.count }
            result.append(
                "\(total) value\(total == 1 ? "" : "s") that training never saw \(total == 1 ? "was" : "were") encoded as all-zero inputs: \(columns(unknown)); --unknown-categories error refuses them"
            )
        }
        if !textInNumbers.isEmpty {
            let total = textInNumbers.reduce(0) { $0 + $1.count }
            result.append(
                "\(total) text cell\(total == 1 ? "" : "s") in columns of numbers \(total == 1 ? "was" : "were") filled with the training value: \(columns(textInNumbers)); --unknown-categories error refuses them"
            )
        }
        return result
    }
}

/// A CSV table turned into network inputs and targets: the columns are chosen (`--target`,
/// `--features`, `--drop`, pandas' index column), text feature columns one-hot encoded, and missing
/// cells handled by `--missing`. Training fits a ``TableLayout``; predict and evaluate apply the
/// model's.
enum TableData {
    /// The header names pandas gives its unnamed index column.
    static func isIndexName(_ name: String) -> Bool { name == "" || name == "Unnamed: 0" }

    /// The columns `--features` or `--drop` name: comma-separated names, indices (negative from the
    /// end) and index ranges `START:END` (end excluded, either side may be left out, as Python slices).
    static func columnList(_ text: String, table: CSVTable, option: String, file: String) throws -> [Int] {
        var result: [Int] = []
        let count = table.columns.count
        for rawPart in text.split(separator: ",", omittingEmptySubsequences: false) {
            let part = rawPart.trimmingCharacters(in: .whitespaces)
            if let colon = part.firstIndex(of: ":"), table.names?.contains(part) != true {
                let startText = part[..<colon].trimmingCharacters(in: .whitespaces)
                let endText = part[part.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                guard let start = startText.isEmpty ? 0 : Int(startText),
                    let end = endText.isEmpty ? count : Int(endText)
                else {
                    throw CommandError.usage("\(option) \(text): '\(part)' is not a range of column indices START:END")
                }
                let from = start < 0 ? start + count : start, to = end < 0 ? end + count : min(end, count)
                guard from >= 0, from < to else {
                    throw CommandError.usage(
                        "\(option) \(text): the range '\(part)' selects no columns of the \(count) in \(file)")
                }
                result += Array(from..<to)
            } else {
                do {
                    result.append(try table.resolve(csvColumn(part), file: file))
                } catch {
                    throw CommandError.usage("\(option): \(error)")
                }
            }
        }
        return result
    }

    /// The table's first `limit` data rows (all of them when `limit` is nil). `--limit` cuts a table
    /// here, before its rows are dropped, filled or encoded, so that the fill values, categories and
    /// notes describe the rows that are used, not the whole file.
    static func firstRows(of table: CSVTable, _ limit: Int?) -> CSVTable {
        guard let limit, limit < table.rowCount else { return table }
        let columns = table.columns.map { column -> CSVTable.Column in
            switch column {
            case .numbers(let values): return .numbers(Array(values.prefix(limit)))
            case .text(let values): return .text(Array(values.prefix(limit)))
            }
        }
        return CSVTable(names: table.names, columns: columns, lines: Array(table.lines.prefix(limit)))
    }

    /// Reads a training table: chooses the columns, fits the layout (categories, fill values) and
    /// encodes the rows.
    static func loadForTraining<Scalar: MatrixScalar>(_ request: DataRequest, as type: Scalar.Type) throws
        -> LoadedData<Scalar>
    {
        let path = request.data!
        var table = firstRows(
            of: try readCSVTable(from: path, header: request.header, delimiter: request.delimiter), request.limit)
        var notes: [String] = []
        let columnCount = table.columns.count
        let (target, chosen) = try trainingColumns(request, table: table, path: path, notes: &notes)
        let policy = request.missing
        let rows = try trainingRows(
            table, target: target, features: chosen, policy: policy, path: path, notes: &notes)
        let dates = dateColumns(
            table, features: chosen, rows: rows, format: request.dateFormat, inputs: request.dateInputs)
        for position in [target] + chosen where dates[position] == nil {
            try refuseCommaNumbers(table, position: position, rows: rows, path: path)
        }
        let features =
            request.features == nil
            ? try withoutIdentifiers(table, features: chosen, rows: rows, dates: dates, path: path, notes: &notes)
            : chosen
        let layoutColumns = try fittedColumns(
            table, features: features, rows: rows, policy: policy, dates: dates, path: path)
        let layout = TableLayout(
            columns: layoutColumns, targetName: table.names?[target] ?? "#\(target)", fileColumnCount: columnCount,
            missing: policy.rawValue)
        // One-hot encoding is as wide as the categories: estimate it before allocating (the encoded
        // rows and the scaled copy training makes of them).
        let encodedBytes = 2 * Double(rows.count) * Double(layout.inputWidth) * Double(MemoryLayout<Scalar>.size)
        try MemoryEstimate.check(
            estimate: encodedBytes, force: request.force,
            what: "\(path): \(rows.count) rows of \(layout.inputWidth) inputs after one-hot encoding",
            remedy: "leave text columns with many categories out with --drop")
        let encoded: EncodedTable<Scalar> = try encode(
            &table, rows: rows, layout: layout, positions: features, unknown: .error, path: path)
        let inputs = encoded.inputs
        if !encoded.filled.isEmpty {
            let total = EncodedTable<Scalar>.total(encoded.filled)
            notes.append(
                "filled \(total) missing cell\(total == 1 ? "" : "s") with the training column's \(policy.fillDescription) (text and dates: most frequent values): \(EncodedTable<Scalar>.counts(encoded.filled)) (--missing drop-rows leaves such rows out, --missing error refuses them)"
            )
        }

        // The target: class labels from a text column, numbers otherwise.
        var targets: Matrix<Scalar>
        var classNames: [String]? = nil
        switch table.columns[target] {
        case .text(let values):
            let labels = rows.map { values[$0]! }
            let encoding = LabelEncoding(fitting: labels)
            targets = .column(try encoding.indices(of: labels).get().map { Scalar($0) })
            classNames = encoding.classNames
        case .numbers(let values):
            targets = .column(rows.map { Scalar(values[$0]) })
        }
        var loaded = LoadedData(
            inputs: inputs, targets: targets, classNames: classNames, name: path, featureNames: layout.inputNames)
        loaded.layout = layout
        loaded.notes = notes
        loaded.targetName = layout.targetName
        return loaded
    }

    /// A saved model's targets from a table: class labels by the model's class names, or numbers.
    static func savedTargets<Scalar: MatrixScalar>(
        _ table: CSVTable, target: Int, rows: [Int], knownClassNames: [String]?, path: String, as type: Scalar.Type
    ) throws -> (Matrix<Scalar>, [String]?) {
        var targets: Matrix<Scalar>
        var classNames: [String]? = nil
        /// The class index of each label, or an error naming the line of the first label the model does not know.
        func classIndices(_ labels: [String], with encoding: LabelEncoding, lines: [Int]) throws -> [Scalar] {
            switch encoding.indices(of: labels) {
            case .success(let indices): return indices.map { Scalar($0) }
            case .failure(let unknown):
                throw CommandError.dataMismatch(
                    "\(path) line \(lines[unknown.position]): class '\(unknown.label)' is not one of the model's classes (\(encoding.classNames.joined(separator: ", ")))"
                )
            }
        }
        switch table.columns[target] {
        case .text(let values):
            let labels = rows.map { values[$0]! }
            let encoding = knownClassNames.map(LabelEncoding.init(classNames:)) ?? LabelEncoding(fitting: labels)
            targets = .column(try classIndices(labels, with: encoding, lines: rows.map { table.lines[$0] }))
            classNames = encoding.classNames
        case .numbers(let values):
            if let known = knownClassNames {
                // Numeric class labels ("0", "7") are the model's class names.
                targets = .column(
                    try classIndices(
                        rows.map { numberLabel(values[$0]) }, with: LabelEncoding(classNames: known),
                        lines: rows.map { table.lines[$0] }))
                classNames = known
            } else {
                targets = .column(rows.map { Scalar(values[$0]) })
            }
        }
        return (targets, classNames)
    }

    /// The target column and the feature columns of a training table (`--target`, `--features`,
    /// `--drop`, pandas' index column left out with a note); refuses repeated header names.
    static func trainingColumns(_ request: DataRequest, table: CSVTable, path: String, notes: inout [String]) throws
        -> (target: Int, features: [Int])
    {
        let columnCount = table.columns.count
        let target =
            try request.target.map { text -> Int in
                do { return try table.resolve(csvColumn(text), file: path) } catch {
                    throw CommandError.usage("--target: \(error)")
                }
            } ?? columnCount - 1
        let dropped = try request.drop.map { try columnList($0, table: table, option: "--drop", file: path) } ?? []
        var features: [Int]
        if let list = request.features {
            features = try columnList(list, table: table, option: "--features", file: path)
            // A column listed twice (`a,a`, `0:2,1`) is the list's mistake, not the header's.
            var listed = Set<Int>()
            for position in features where !listed.insert(position).inserted {
                throw CommandError.usage(
                    "--features lists column \(table.label(of: position)) twice; list each column once")
            }
            if features.contains(target) {
                throw CommandError.usage(
                    "--features includes the target column \(table.label(of: target)); leave it out")
            }
            features.removeAll { dropped.contains($0) }
        } else {
            features = (0..<columnCount).filter { $0 != target && !dropped.contains($0) }
            if let names = table.names, let first = features.first, first == 0, isIndexName(names[0]) {
                features.removeFirst()
                notes.append(
                    "dropped column 0 ('\(names[0])'): it is pandas' unnamed index column (write the file with index=False, or keep it with --features)"
                )
            }
        }
        if let names = table.names {
            // predict and evaluate find the training columns by name: two of one name cannot be told apart.
            var seen: [String: Int] = [:]
            for position in ([target] + features).sorted() {
                if let first = seen.updateValue(position, forKey: names[position]) {
                    throw CommandError.dataMismatch(
                        "\(path): the header names column '\(names[position])' twice (columns \(first + 1) and \(position + 1)); predict and evaluate find columns by name, so rename one, or leave one out with --drop \(position)"
                    )
                }
            }
        }
        guard !features.isEmpty else {
            throw CommandError.dataMismatch(
                "\(path): no feature columns are left (the target is \(table.label(of: target))\(dropped.isEmpty ? "" : ", \(dropped.count) dropped"))\(DataSource.delimiterHint(path))"
            )
        }

        return (target, features)
    }

    /// The rows a training table keeps: a missing target is dropped with a note (or an error), and
    /// `--missing` decides what a missing feature does.
    static func trainingRows(
        _ table: CSVTable, target: Int, features: [Int], policy: MissingOption, path: String, notes: inout [String]
    ) throws -> [Int] {
        var keep = [Bool](repeating: true, count: table.rowCount)
        if let row = (0..<table.rowCount).first(where: { isMissing(table.columns[target], $0) }) {
            if policy == .error {
                throw CommandError.dataMismatch(
                    "\(path) line \(table.lines[row]): the target column \(table.label(of: target)) has no value (--missing error refuses it; without it, rows without a target are dropped with a note)"
                )
            }
            var count = 0
            for row in 0..<table.rowCount where isMissing(table.columns[target], row) {
                keep[row] = false
                count += 1
            }
            notes.append("dropped \(count) row\(count == 1 ? "" : "s") without a target value")
        }
        if policy == .error {
            // The first missing cell in file order (a column at a time, so that a wide file is scanned quickly).
            var first: (row: Int, column: Int)? = nil
            for column in features {
                let row: Int?
                switch table.columns[column] {
                case .numbers(let values): row = values.indices.first { values[$0].isNaN && keep[$0] }
                case .text(let values): row = values.indices.first { values[$0] == nil && keep[$0] }
                }
                if let row, first == nil || row < first!.row { first = (row, column) }
            }
            if let first {
                throw CommandError.dataMismatch(
                    "\(path) line \(table.lines[first.row]): column \(table.label(of: first.column)) has no value (an empty cell or NA), which --missing error refuses; without it, missing cells are filled with the column's mean (text and dates: the most frequent value), and --missing drop-rows leaves such rows out"
                )
            }
        } else if policy == .dropRows {
            var count = 0
            for row in 0..<table.rowCount
            where keep[row] && features.contains(where: { isMissing(table.columns[$0], row) }) {
                keep[row] = false
                count += 1
            }
            if count > 0 {
                notes.append("dropped \(count) row\(count == 1 ? "" : "s") with missing values (--missing drop-rows)")
            }
        }
        let rows = (0..<table.rowCount).filter { keep[$0] }
        guard !rows.isEmpty else {
            throw CommandError.dataMismatch("\(path): no rows are left after dropping those with missing values")
        }

        return rows
    }

    /// Whether a text column looks like names or identifiers rather than categories: more than 20
    /// distinct values, and more than half as many as rows (245 names in 304 rows), so that one-hot
    /// encoding it would learn each row by heart. Returns the count of distinct values when it does.
    static func looksLikeIdentifiers(_ table: CSVTable, position: Int, rows: [Int]) -> Int? {
        guard case .text(let values) = table.columns[position] else { return nil }
        let distinct = Set(rows.compactMap { values[$0] }).count
        return distinct > 20 && distinct * 2 > rows.count ? distinct : nil
    }

    /// The features less the text columns that look like identifiers, each dropped with a note that
    /// says why and how to keep it. A column of numbers with a few text cells is kept, to be refused
    /// as the data error it is, and so is a column of dates.
    static func withoutIdentifiers(
        _ table: CSVTable, features: [Int], rows: [Int], dates: [Int: DateColumn], path: String,
        notes: inout [String]
    ) throws -> [Int] {
        var kept: [Int] = []
        for position in features {
            if dates[position] != nil {
                kept.append(position)
                continue
            }
            // A column of numbers with a few text cells stays, to be refused as the data error it is.
            let mostlyNumeric = strayTextCells(table, position: position, rows: rows) != nil
            if let distinct = looksLikeIdentifiers(table, position: position, rows: rows), !mostlyNumeric {
                notes.append(
                    "dropped column \(table.label(of: position)): its \(distinct) different values in \(rows.count) rows look like names or identifiers, not categories (keep it by listing the columns to use with --features)"
                )
            } else {
                kept.append(position)
            }
        }
        guard !kept.isEmpty else {
            throw CommandError.dataMismatch(
                "\(path): no feature columns are left: every one looks like names or identifiers; choose them with --features"
            )
        }
        return kept
    }

    /// Refuses a text column whose cells are all numbers, some written with a comma (`0,5`, `1,000`,
    /// `1.234,5`): a decimal comma (a German spreadsheet's CSV, separated by `;`) or a thousands
    /// separator, which the reader does not take for a number. Such a column was one-hot encoded as
    /// categories without a word, or dropped as identifiers. The error names the column, the line and
    /// the cell.
    static func refuseCommaNumbers(_ table: CSVTable, position: Int, rows: [Int], path: String) throws {
        guard case .text(let values) = table.columns[position] else { return }
        var first: Int? = nil
        for row in rows {
            guard let text = values[row] else { continue }
            if isCommaNumber(text) {
                if first == nil { first = row }
            } else if csvCellNumber(text) == nil {
                return
            }
        }
        guard let first else { return }
        throw CommandError.dataMismatch(
            "\(path) line \(table.lines[first]): column \(table.label(of: position)) holds numbers written with a comma ('\(values[first]!)'), a decimal comma or a thousands separator, which nn does not read; write them with a decimal point and no separators"
        )
    }

    /// Whether `text` is a number written with a comma: an optional sign, then digits, commas and
    /// points only, at least one comma, beginning and ending with a digit.
    static func isCommaNumber(_ text: String) -> Bool {
        let body = text.first == "-" || text.first == "+" ? text.dropFirst() : Substring(text)
        guard let head = body.first, let tail = body.last, head.isASCII, head.isNumber, tail.isASCII, tail.isNumber
        else { return false }
        return body.contains(",") && body.allSatisfy { ($0.isASCII && $0.isNumber) || $0 == "," || $0 == "." }
    }

    /// Refuses a column of numbers with a few text cells (`3,x,1`): it is a data error, not a text
    /// column to one-hot encode (pandas would warn of mixed types). The error names the column, the
    /// line and the cell. "Mostly" is at least 90 % of the non-missing cells and at most 5 text cells.
    static func refuseMostlyNumeric(_ table: CSVTable, position: Int, rows: [Int], path: String) throws {
        guard let stray = strayTextCells(table, position: position, rows: rows),
            case .text(let values) = table.columns[position]
        else { return }
        let first = stray.rows[0]
        let more =
            stray.rows.count > 1
            ? " (and \(stray.rows.count - 1) more text cell\(stray.rows.count > 2 ? "s" : ""))" : ""
        throw CommandError.dataMismatch(
            "\(path) line \(table.lines[first]): column \(table.label(of: position)) holds numbers (\(stray.numeric) cells) but '\(values[first]!)' here\(more); fix the cell, or leave it empty to mark it missing"
        )
    }

    /// The rows of the few text cells in a text column that otherwise holds numbers, and how many
    /// numbers it holds; nil for a column that is text (more than 5 text cells, or under 90 % numbers).
    static func strayTextCells(_ table: CSVTable, position: Int, rows: [Int]) -> (rows: [Int], numeric: Int)? {
        guard case .text(let values) = table.columns[position] else { return nil }
        var numeric = 0
        var textRows: [Int] = []
        for row in rows {
            guard let value = values[row] else { continue }
            if csvCellNumber(value) != nil {
                numeric += 1
            } else {
                textRows.append(row)
                if textRows.count > 5 { return nil }
            }
        }
        guard !textRows.isEmpty, numeric >= 9 * textRows.count, numeric >= 5 else { return nil }
        return (textRows, numeric)
    }

    /// The text feature columns whose every present cell (in `rows`, at least one) is an ISO date or
    /// date-time, or a date in `format`: each with how it is read and the inputs it gives, `inputs`
    /// and for a column with times the seconds of day.
    static func dateColumns(
        _ table: CSVTable, features: [Int], rows: [Int], format: String?, inputs: [DateColumn.Input]
    ) -> [Int: DateColumn] {
        var result: [Int: DateColumn] = [:]
        for position in features {
            guard case .text(let values) = table.columns[position] else { continue }
            let present = rows.compactMap { values[$0] }
            guard !present.isEmpty else { continue }
            for candidate in [DateColumn.iso] + (format.map { [$0] } ?? []) {
                let reader = DateColumn(format: candidate, hasTime: false, inputs: [])
                var hasTime = false
                let all = present.allSatisfy { text in
                    guard let date = reader.parse(text) else { return false }
                    if date.hasTime { hasTime = true }
                    return true
                }
                if all {
                    result[position] = DateColumn(
                        format: candidate, hasTime: hasTime, inputs: inputs + (hasTime ? [.secondsOfDay] : []))
                    break
                }
            }
        }
        return result
    }

    /// The training layout's columns: each feature's categories (or date reading) and fill value, from
    /// the kept rows. Every column gets a fill value, whatever `policy`, so that predict and evaluate
    /// can fill a missing cell: the mean (`--missing median` or `most-frequent`: that) of a numeric
    /// column, the most frequent category or date of the others.
    static func fittedColumns(
        _ table: CSVTable, features: [Int], rows: [Int], policy: MissingOption, dates: [Int: DateColumn], path: String
    ) throws -> [TableColumn] {
        var layoutColumns: [TableColumn] = []
        for position in features {
            let name = table.names?[position] ?? "#\(position)"
            var column = TableColumn(name: name, position: position)
            switch table.columns[position] {
            case .numbers(let values):
                let kept = rows.map { values[$0] }
                switch policy {
                case .median: column.fillNumber = MissingFill.median(kept)
                case .mostFrequent: column.fillNumber = MissingFill.mostFrequent(kept)
                case .mean, .error, .dropRows: column.fillNumber = MissingFill.mean(kept)
                }
                if column.fillNumber == nil {
                    throw CommandError.dataMismatch(
                        "\(path): column \(table.label(of: position)) has no values at all; leave it out with --drop \(name)"
                    )
                }
            case .text(let values):
                let kept = rows.map { values[$0] }
                column.fillCategory = MissingFill.mostFrequent(kept)
                if let date = dates[position] {
                    column.date = date
                } else {
                    try refuseMostlyNumeric(table, position: position, rows: rows, path: path)
                    column.categories = Set(kept.compactMap { $0 }).sorted()
                }
            }
            layoutColumns.append(column)
        }
        return layoutColumns
    }

    /// Reads a table with a saved model's layout: features by name (or, without a header, by their
    /// training positions), the target when `needsTargets` or when it is present.
    static func load<Scalar: MatrixScalar>(
        _ request: DataRequest, layout: TableLayout, knownClassNames: [String]?, needsTargets: Bool,
        as type: Scalar.Type
    ) throws -> LoadedData<Scalar> {
        let path = request.data!
        var table = firstRows(
            of: try readCSVTable(from: path, header: request.header, delimiter: request.delimiter), request.limit)
        var positions: [Int] = []
        if let names = table.names {
            for column in layout.columns {
                guard let index = names.firstIndex(of: column.name) else {
                    throw CommandError.dataMismatch(
                        "\(path): the model needs column '\(column.name)', which the file lacks (its header names \(names.prefix(12).map { "'\($0)'" }.joined(separator: ", "))\(names.count > 12 ? ", …" : ""))"
                    )
                }
                if let again = names[(index + 1)...].firstIndex(of: column.name) {
                    throw CommandError.dataMismatch(
                        "\(path): the model reads column '\(column.name)' by name, and the header names it twice (columns \(index + 1) and \(again + 1)); rename one"
                    )
                }
                positions.append(index)
            }
        } else {
            let targetPosition = layout.targetName.flatMap { $0.hasPrefix("#") ? Int($0.dropFirst()) : nil }
            if table.columns.count == layout.fileColumnCount {
                positions = layout.columns.map(\.position)
            } else if let targetPosition, table.columns.count == layout.fileColumnCount - 1 {
                positions = layout.columns.map { $0.position > targetPosition ? $0.position - 1 : $0.position }
            } else {
                throw CommandError.dataMismatch(
                    "\(path): \(table.columns.count) columns and no header, but the model was trained on \(layout.fileColumnCount) columns; give the file the training layout (or a header with the column names)"
                )
            }
        }
        // The target column: --target, else the training target when the file has it.
        var target: Int? = nil
        if let text = request.target {
            do { target = try table.resolve(csvColumn(text), file: path) } catch {
                throw CommandError.usage("--target: \(error)")
            }
        } else if let name = layout.targetName {
            if let names = table.names {
                target = names.firstIndex(of: name)
            } else if name.hasPrefix("#"), let position = Int(name.dropFirst()),
                table.columns.count == layout.fileColumnCount
            {
                target = position
            }
            // A file whose target has another name: its last column, when that is not a feature.
            if target == nil, needsTargets, let last = table.columns.indices.last, !positions.contains(last) {
                target = last
            }
        }
        if needsTargets && target == nil {
            throw CommandError.dataMismatch(
                "\(path): no target column '\(layout.targetName ?? "?")' to evaluate against; name it with --target")
        }
        var rows = Array(0..<table.rowCount)
        var notes: [String] = []
        if let target, needsTargets {
            let missing = rows.filter { isMissing(table.columns[target], $0) }
            if let first = missing.first {
                let left = Set(missing)
                rows.removeAll { left.contains($0) }
                notes.append(
                    "left out \(missing.count) row\(missing.count == 1 ? "" : "s") without a target value (the first on line \(table.lines[first]))"
                )
            }
        }
        // The targets first: encoding releases the feature columns.
        var targets: (Matrix<Scalar>, [String]?)? = nil
        if let target, needsTargets {
            targets = try savedTargets(
                table, target: target, rows: rows, knownClassNames: knownClassNames, path: path, as: Scalar.self)
        }
        let encoded: EncodedTable<Scalar> = try encode(
            &table, rows: rows, layout: layout, positions: positions, unknown: request.unknownCategories, path: path)
        if !encoded.filled.isEmpty {
            let total = EncodedTable<Scalar>.total(encoded.filled)
            notes.append(
                "filled \(total) missing cell\(total == 1 ? "" : "s") with the model's training values: \(EncodedTable<Scalar>.counts(encoded.filled))"
            )
        }
        var loaded = LoadedData<Scalar>(inputs: encoded.inputs, name: path, featureNames: layout.inputNames)
        loaded.layout = layout
        loaded.notes = notes
        loaded.warnings = encoded.warnings
        if let targets { (loaded.targets, loaded.classNames) = targets }
        // The column the targets came from, which may not be the training target's name (--target, or
        // a file whose last column stands in for it): the reports name it.
        if let target, needsTargets { loaded.targetName = table.names?[target] ?? "#\(target)" }
        return loaded
    }

    /// A number as a class name: `7` for 7.0, `2.5` otherwise.
    static func numberLabel(_ value: Double) -> String {
        value.rounded() == value && Swift.abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    static func isMissing(_ column: CSVTable.Column, _ row: Int) -> Bool {
        switch column {
        case .numbers(let values): return values[row].isNaN
        case .text(let values): return values[row] == nil
        }
    }

    /// The error for a missing cell that a model written before fills were always saved cannot fill.
    static func missingMessage(path: String, line: Int, label: String) -> String {
        "\(path) line \(line): column \(label) has no value (an empty cell or NA), and the model stores no value to fill it with (it was trained by nn 0.3 or earlier, which refused or dropped missing cells); fill the cell, or train the model again"
    }

    /// The rows' inputs under `layout`, with the layout's columns at `positions` of the table: missing
    /// cells filled with the layout's values (counted), text one-hot encoded (a value training never
    /// saw all-zero and counted, or an error under `unknown` `.error`), dates as their inputs. Each
    /// column's cells are released from `table` once encoded (its lines and names stay): read the
    /// targets before.
    static func encode<Scalar: MatrixScalar>(
        _ table: inout CSVTable, rows: [Int], layout: TableLayout, positions: [Int], unknown: UnknownCategoryOption,
        path: String
    ) throws -> EncodedTable<Scalar> {
        let width = layout.inputWidth, count = rows.count
        // Filled input by input (column-major, transposed at the end) in the model's precision, each
        // table column released once encoded: at the peak the table and one column's encoding, then
        // the encoding and its transpose, where a Double copy of the whole encoding beside the whole
        // table was 2.6 times a float data set's file (#29 D9). `Scalar(value)` from a Double is
        // BinaryFloatingPoint's own requirement (a witness call, not the generic conversion).
        var scalars = [Scalar](repeating: 0, count: count * width)
        var filled: [(label: String, count: Int)] = []
        var unseen: [(label: String, count: Int, first: String, line: Int)] = []
        var textInNumbers: [(label: String, count: Int, first: String, line: Int)] = []
        var offset = 0
        for (column, position) in zip(layout.columns, positions) {
            var encoder = ColumnEncoder(
                table: table, rows: rows, column: column, label: table.label(of: position), unknown: unknown,
                path: path)
            /// Writes input `place` of the column for the row at `index`.
            func put(_ index: Int, _ place: Int, _ value: Double) {
                scalars[(offset + place) * count + index] = Scalar(value)
            }
            switch (table.columns[position], column.categories, column.date) {
            case (.numbers(let values), nil, nil):
                for (index, row) in rows.enumerated() {
                    put(index, 0, values[row].isNaN ? try encoder.fill(column.fillNumber, row: row) : values[row])
                }
            case (.text(let values), nil, nil):
                try encoder.numbers(fromText: values, put: put)
                if let odd = encoder.odd { textInNumbers.append((encoder.label, odd.count, odd.first, odd.line)) }
            case (let cells, nil, let date?):
                try encoder.dates(cells, date: date, put: put)
            case (let cells, let categories?, _):
                try encoder.categories(cells, categories: categories, put: put)
                if let odd = encoder.odd { unseen.append((encoder.label, odd.count, odd.first, odd.line)) }
            }
            if encoder.fills > 0 { filled.append((encoder.label, encoder.fills)) }
            offset += column.width
            // The column is encoded: its cells go, so that the table and its encoding are not both
            // whole at the peak (nothing reads a feature column after this).
            table.columns[position] = .numbers([])
        }
        var encoded = EncodedTable(inputs: Matrix<Scalar>(rows: width, columns: count, scalars: scalars).transposed())
        encoded.filled = filled
        encoded.unknown = unseen
        encoded.textInNumbers = textInNumbers
        return encoded
    }

    /// One column of a table encoded under a saved layout: it counts the missing cells it fills and
    /// the cells training never saw (a category, or text in a column of numbers).
    struct ColumnEncoder {
        let table: CSVTable, rows: [Int], column: TableColumn, label: String
        let unknown: UnknownCategoryOption
        let path: String
        /// Missing cells filled.
        var fills = 0
        /// Cells training never saw, with the first one and its line.
        var odd: (count: Int, first: String, line: Int)? = nil

        /// The fill of a missing cell in `row`, or the error for a model that has none.
        mutating func fill<Value>(_ value: Value?, row: Int) throws -> Value {
            guard let value else {
                throw CommandError.dataMismatch(missingMessage(path: path, line: table.lines[row], label: label))
            }
            fills += 1
            return value
        }

        /// Counts a cell training never saw.
        mutating func noteOdd(_ text: String, row: Int) {
            odd = (count: (odd?.count ?? 0) + 1, first: odd?.first ?? text, line: odd?.line ?? table.lines[row])
        }

        /// A column of numbers in training that holds text here: its numbers are read, and a cell that
        /// is no number is, like an unseen category, filled (with a warning) or an error.
        mutating func numbers(fromText values: [String?], put: (Int, Int, Double) -> Void) throws {
            for (index, row) in rows.enumerated() {
                guard let text = values[row] else {
                    put(index, 0, try fill(column.fillNumber, row: row))
                    continue
                }
                if let value = csvCellNumber(text) {
                    put(index, 0, value)
                } else if unknown == .error {
                    throw CommandError.dataMismatch(
                        "\(path) line \(table.lines[row]): column \(label) holds text ('\(text)') but the model was trained on numbers there; without --unknown-categories error, such cells are filled with the training value, with a warning"
                    )
                } else {
                    guard let value = column.fillNumber else {
                        throw CommandError.dataMismatch(
                            missingMessage(path: path, line: table.lines[row], label: label))
                    }
                    put(index, 0, value)
                    noteOdd(text, row: row)
                }
            }
        }

        /// A date column: each cell's inputs, a missing cell as the fill date.
        mutating func dates(_ cells: CSVTable.Column, date: DateColumn, put: (Int, Int, Double) -> Void) throws {
            for (index, row) in rows.enumerated() {
                let text = try cellText(cells, row: row) ?? fill(column.fillCategory, row: row)
                guard let parsed = date.parse(text) else {
                    throw CommandError.dataMismatch(
                        "\(path) line \(table.lines[row]): column \(label) holds '\(text)', which is not a date in the model's format (\(date.format == DateColumn.iso ? "ISO, as 2012-01-31 or 2012-01-31T08:30:00" : date.format))"
                    )
                }
                for (place, value) in date.features(of: parsed).enumerated() { put(index, place, value) }
            }
        }

        /// A one-hot column: a 1 at each cell's category; an unseen value all-zero (counted) or an error.
        mutating func categories(_ cells: CSVTable.Column, categories: [String], put: (Int, Int, Double) -> Void)
            throws
        {
            let lookup = Dictionary(uniqueKeysWithValues: categories.enumerated().map { ($1, $0) })
            for (index, row) in rows.enumerated() {
                let text = try cellText(cells, row: row) ?? fill(column.fillCategory, row: row)
                if let category = lookup[text] {
                    put(index, category, 1)
                } else if unknown == .error {
                    throw CommandError.dataMismatch(
                        "\(path) line \(table.lines[row]): column \(label) has the value '\(text)', which training never saw (it knows \(categories.prefix(10).map { "'\($0)'" }.joined(separator: ", "))\(categories.count > 10 ? ", …" : "")); without --unknown-categories error, unseen values are encoded as all-zero with a warning"
                    )
                } else {
                    noteOdd(text, row: row)
                }
            }
        }
    }

    /// A cell as text (a number as ``numberLabel(_:)`` writes it), or nil when it is missing.
    static func cellText(_ cells: CSVTable.Column, row: Int) -> String? {
        switch cells {
        case .text(let values): return values[row]
        case .numbers(let values): return values[row].isNaN ? nil : numberLabel(values[row])
        }
    }
}

/// An option whose values are an enumeration's raw values.
typealias ExpressibleByArgumentCaseIterable = ExpressibleByArgument & CaseIterable
