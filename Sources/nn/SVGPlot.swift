import Foundation
import Network

/// Draws training curves as a standalone SVG: a loss panel (training and validation) and, when
/// accuracy was measured, an accuracy panel below, each with axes, round-numbered ticks, labels and
/// a legend. Only layout arithmetic happens here.
enum SVGPlot {
    struct Series {
        var name: String
        var values: [Double]
        var color: String
        var dashed: Bool
    }

    static let width = 760.0
    static let panelHeight = 300.0
    static let left = 80.0, right = 24.0, top = 56.0, gap = 70.0, bottom = 56.0

    static func trainingCurves(_ history: TrainingHistory, title: String, keptEpoch: Int? = nil) -> String {
        let lossSeries = [
            Series(name: "training loss", values: history.loss, color: "#1f77b4", dashed: false),
            Series(name: "validation loss", values: history.validationLoss, color: "#ff7f0e", dashed: true),
        ].filter { !$0.values.isEmpty }
        let accuracySeries = [
            Series(
                name: "training accuracy", values: history.metrics[.accuracy] ?? [], color: "#2ca02c", dashed: false),
            Series(
                name: "validation accuracy", values: history.validationMetrics[.accuracy] ?? [], color: "#d62728",
                dashed: true),
        ].filter { !$0.values.isEmpty }
        let panels = accuracySeries.isEmpty ? 1 : 2
        let height = top + Double(panels) * panelHeight + Double(panels - 1) * gap + bottom
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="Helvetica, Arial, sans-serif">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(format(width / 2))" y="30" text-anchor="middle" font-size="17" font-weight="bold">\(escape(title))</text>

            """
        let epochs = max(history.epochCount, 1)
        svg += panel(
            lossSeries, yLabel: "loss", top: top, epochs: epochs, logarithmic: prefersLogScale(lossSeries),
            unitRange: false, keptEpoch: keptEpoch)
        if !accuracySeries.isEmpty {
            svg += panel(
                accuracySeries, yLabel: "accuracy", top: top + panelHeight + gap, epochs: epochs, logarithmic: false,
                unitRange: true, keptEpoch: keptEpoch)
        }
        svg += "</svg>\n"
        return svg
    }

    /// A log scale when the loss spans more than two decades and stays positive.
    static func prefersLogScale(_ series: [Series]) -> Bool {
        let values = series.flatMap(\.values).filter { $0.isFinite }
        guard let low = values.min(), let high = values.max(), low > 0 else { return false }
        return high / low > 100
    }

    static func panel(
        _ series: [Series], yLabel: String, top panelTop: Double, epochs: Int, logarithmic: Bool, unitRange: Bool,
        keptEpoch: Int? = nil
    ) -> String {
        let plotLeft = left, plotRight = width - right
        let plotTop = panelTop, plotBottom = panelTop + panelHeight
        var svg = ""
        let values = series.flatMap(\.values).filter { $0.isFinite && (!logarithmic || $0 > 0) }
        guard var low = values.min(), var high = values.max() else { return svg }
        if unitRange { low = min(low, 1); high = max(high, 0) }
        // The y axis.
        var ticks: [Double]
        var labels: [String]
        let map: (Double) -> Double
        if logarithmic {
            let lowExponent = Int(Foundation.floor(log10(low))), highExponent = Int(Foundation.ceil(log10(high)))
            ticks = (lowExponent...max(highExponent, lowExponent + 1)).map { Foundation.pow(10, Double($0)) }
            labels = ticks.map { shortNumber($0) }
            let lowLog = log10(ticks.first!), highLog = log10(ticks.last!)
            map = { plotBottom - (log10($0) - lowLog) / (highLog - lowLog) * (plotBottom - plotTop) }
        } else {
            if high - low < 1e-12 { high = low + max(abs(low) * 0.1, 1e-3); low -= max(abs(low) * 0.1, 1e-3) }
            let step = niceStep((high - low) / 5)
            let first = Foundation.floor(low / step) * step, last = Foundation.ceil(high / step) * step
            ticks = stride(from: first, through: last + step / 2, by: step).map { $0 }
            labels = ticks.map { shortNumber($0, step: step) }
            let lowTick = ticks.first!, highTick = ticks.last!
            map = { plotBottom - ($0 - lowTick) / (highTick - lowTick) * (plotBottom - plotTop) }
        }
        // The x axis (epochs from 1).
        let xStep = max(1, niceStep(Double(epochs) / 6))
        let xLast = max(Foundation.ceil(Double(epochs) / xStep) * xStep, 2)
        let xTicks = [1.0] + stride(from: xStep, through: xLast + xStep / 2, by: xStep).filter { $0 > 1 }
        let xMap = { (epoch: Double) in plotLeft + (epoch - 1) / (xLast - 1) * (plotRight - plotLeft) }

        svg += "<g font-size=\"12\" fill=\"#333\">\n"
        for (tick, label) in zip(ticks, labels) {
            let y = map(tick)
            svg +=
                "<line x1=\"\(format(plotLeft))\" y1=\"\(format(y))\" x2=\"\(format(plotRight))\" y2=\"\(format(y))\" stroke=\"#e4e4e4\"/>\n"
            svg += "<text x=\"\(format(plotLeft - 8))\" y=\"\(format(y + 4))\" text-anchor=\"end\">\(label)</text>\n"
        }
        for tick in xTicks {
            let x = xMap(tick)
            svg +=
                "<line x1=\"\(format(x))\" y1=\"\(format(plotTop))\" x2=\"\(format(x))\" y2=\"\(format(plotBottom))\" stroke=\"#f0f0f0\"/>\n"
            svg +=
                "<text x=\"\(format(x))\" y=\"\(format(plotBottom + 18))\" text-anchor=\"middle\">\(ProgressReporter.count(tick))</text>\n"
        }
        svg +=
            "<rect x=\"\(format(plotLeft))\" y=\"\(format(plotTop))\" width=\"\(format(plotRight - plotLeft))\" height=\"\(format(plotBottom - plotTop))\" fill=\"none\" stroke=\"#333\"/>\n"
        svg +=
            "<text x=\"\(format((plotLeft + plotRight) / 2))\" y=\"\(format(plotBottom + 40))\" text-anchor=\"middle\" font-size=\"13\">epoch</text>\n"
        svg +=
            "<text transform=\"translate(\(format(22)),\(format((plotTop + plotBottom) / 2))) rotate(-90)\" text-anchor=\"middle\" font-size=\"13\">\(yLabel)\(logarithmic ? " (log scale)" : "")</text>\n"
        if let keptEpoch, keptEpoch < epochs {
            // Early stopping kept an earlier epoch's weights: mark it.
            let x = xMap(Double(keptEpoch))
            svg +=
                "<line x1=\"\(format(x))\" y1=\"\(format(plotTop))\" x2=\"\(format(x))\" y2=\"\(format(plotBottom))\" stroke=\"#555\" stroke-dasharray=\"3,3\"/>\n"
            svg +=
                "<text x=\"\(format(x + 4))\" y=\"\(format(plotTop + 14))\" font-size=\"11\">kept epoch \(keptEpoch)</text>\n"
        }
        svg += "</g>\n"
        svg += curves(series, xMap: xMap, yMap: map, logarithmic: logarithmic)
        svg += legend(series, right: plotRight, top: plotTop, bottom: plotBottom, atBottom: unitRange)
        return svg
    }

    /// The series' polylines (and markers when there are few points): epoch i (from 0) at i + 1.
    static func curves(
        _ series: [Series], xMap: (Double) -> Double, yMap map: (Double) -> Double, logarithmic: Bool
    ) -> String {
        var svg = ""
        // At most about 1,500 points each.
        for item in series {
            let step = max(1, item.values.count / 1500)
            var indices = Array(Swift.stride(from: 0, to: item.values.count, by: step))
            if indices.last != item.values.count - 1 { indices.append(item.values.count - 1) }
            var points: [String] = []
            for index in indices {
                let value = item.values[index]
                if value.isFinite && (!logarithmic || value > 0) {
                    points.append("\(format(xMap(Double(index + 1)))),\(format(map(value)))")
                }
            }
            let marker = item.values.count <= 40
            svg +=
                "<polyline fill=\"none\" stroke=\"\(item.color)\" stroke-width=\"2\"\(item.dashed ? " stroke-dasharray=\"6,4\"" : "") points=\"\(points.joined(separator: " "))\"/>\n"
            if marker {
                for point in points {
                    let parts = point.split(separator: ",")
                    svg += "<circle cx=\"\(parts[0])\" cy=\"\(parts[1])\" r=\"3\" fill=\"\(item.color)\"/>\n"
                }
            }
        }
        return svg
    }

    /// The legend, top right inside the panel (bottom right when `atBottom`: accuracy rises towards the top).
    static func legend(
        _ series: [Series], right plotRight: Double, top plotTop: Double, bottom plotBottom: Double, atBottom: Bool
    )
        -> String
    {
        var svg = ""
        // The legend, top right inside the panel.
        let legendWidth = 170.0
        let legendHeight = Double(series.count) * 20 + 10
        // Accuracy rises towards the top, so its legend goes to the bottom.
        let legendX = plotRight - legendWidth - 10, legendY = atBottom ? plotBottom - legendHeight - 10 : plotTop + 10
        svg +=
            "<rect x=\"\(format(legendX))\" y=\"\(format(legendY))\" width=\"\(format(legendWidth))\" height=\"\(format(legendHeight))\" fill=\"white\" fill-opacity=\"0.85\" stroke=\"#bbb\"/>\n"
        for (index, item) in series.enumerated() {
            let y = legendY + 18 + Double(index) * 20
            svg +=
                "<line x1=\"\(format(legendX + 10))\" y1=\"\(format(y - 4))\" x2=\"\(format(legendX + 38))\" y2=\"\(format(y - 4))\" stroke=\"\(item.color)\" stroke-width=\"2\"\(item.dashed ? " stroke-dasharray=\"6,4\"" : "")/>\n"
            svg +=
                "<text x=\"\(format(legendX + 46))\" y=\"\(format(y))\" font-size=\"12\" fill=\"#333\">\(item.name)</text>\n"
        }
        return svg
    }

    /// 1, 2 or 5 times a power of ten, at least `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let power = Foundation.pow(10, Foundation.floor(log10(raw)))
        for factor in [1.0, 2, 5, 10] where factor * power >= raw { return factor * power }
        return 10 * power
    }

    static func shortNumber(_ value: Double, step: Double? = nil) -> String {
        if let step {
            let decimals = max(0, Int(-Foundation.floor(log10(step))))
            return String(format: "%.\(decimals)f", abs(value) < step / 2 ? 0 : value)
        }
        return value >= 1 && value < 1e6 ? ProgressReporter.count(value) : String(format: "%g", value)
    }

    static func format(_ value: Double) -> String { String(format: "%.1f", value) }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
