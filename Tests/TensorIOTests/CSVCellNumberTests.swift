import TensorIO
import Testing

/// `csvCellNumber` is the CSV reader's own rule for a cell, asked by code that looks at text cells:
/// a cell is a number there exactly when `readCSV` reads it as one.
@Suite struct CSVCellNumberTests {
    @Test func theReadersRuleBlanksIncluded() throws {
        let cells = [
            " 3", "3\t", "+1", ".5", "5.", "1e-3", "-2.5e2", "nan", "inf", "0x10", "1,000", "\u{A0}3", "", " ", "x",
        ]
        var parsed: [Double?] = []
        for cell in cells { parsed.append(csvCellNumber(cell)) }
        #expect(parsed[0] == 3 && parsed[1] == 3 && parsed[2] == 1 && parsed[3] == 0.5 && parsed[4] == 5)
        #expect(parsed[5] == 1e-3 && parsed[6] == -250 && parsed[7]!.isNaN && parsed[8] == .infinity)
        // Hexadecimal, separators, a no-break space (not a blank to the reader), nothing and text: none.
        #expect(parsed[9...].allSatisfy { $0 == nil }, "\(parsed)")
        // The reader agrees, cell by cell: a one-column file of each cell reads as a number or fails.
        for (cell, number) in zip(cells, parsed) where !cell.trimmingCharacters(in: [" ", "\t"]).isEmpty {
            let file = "/tmp/csv-cell-\(abs(cell.hashValue)).csv"
            try ("a\n" + cell + "\n").write(toFile: file, atomically: true, encoding: .utf8)
            let read = try? readCSV(from: file, as: Double.self, options: CSVReadOptions(header: .present))
            let value = read?.features.scalars.first
            #expect(
                (value == nil) == (number == nil) && (value.map { $0.isNaN || $0 == number } ?? true),
                "'\(cell)': reader \(String(describing: value)), csvCellNumber \(String(describing: number))")
        }
    }
}
