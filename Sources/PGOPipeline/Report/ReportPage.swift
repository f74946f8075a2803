import Foundation

/// A `ProfileReport` as one self-contained HTML page: inline CSS and SVG, no script, and a
/// Content-Security-Policy that forbids loading anything, so the file opens the same from a CI
/// artifact, an email or a laptop without network. Elements carry ids and classes a test (or a
/// reader's tool) can find: `#timeline .point`, `.outlier`, `.gap`, `#builds tr.build`,
/// `#top-flat`, `#top-cumulative`, `#fetch[data-status]`.
public enum ReportPage {
    public static func html(_ report: ProfileReport) -> String {
        var page = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape("pgo report: \(report.service)"))</title>
            <style>\(style)</style>
            </head><body><main>

            """
        page += header(report)
        page += timeline(report)
        page += builds(report)
        page += functions(report)
        page += fetch(report)
        page += problems(report)
        page += "<footer>\(escape(report.tool)), generated \(escape(shortTime(report.generatedAt)))</footer>\n</main></body></html>\n"
        return page
    }

    // MARK: Sections

    private static func header(_ r: ProfileReport) -> String {
        let cpu = r.points.reduce(Int64(0)) { $0 &+ $1.cpuNanoseconds }
        let cards: [(String, String, String)] = [
            ("profiles", "\(r.points.count)", r.rollupSpans.isEmpty ? "raw pprof profiles" : "raw, plus \(r.rollupSpans.reduce(0) { $0 + $1.profiles }) only in rollups"),
            ("cpu", seconds(cpu), "CPU in those profiles"),
            ("builds", "\(r.builds.count)", "executables profiled"),
            ("gaps", "\(r.gaps.count)", "stretches without profiles"),
            ("outliers", "\(r.outliers.count)", "profiles far from the median"),
            ("fetch", r.fetch.failure == nil ? "\(r.fetch.objects)" : "none", r.fetch.failure == nil ? "objects pgo fetch would merge" : "pgo fetch would build without PGO"),
        ]
        var out = "<header><h1>swift-pgo report: <span class=\"service\">\(escape(r.service))</span></h1>\n"
        let range = "\(shortTime(r.from)) to \(shortTime(r.to))"
        let window = r.windowDescription.hasPrefix("the last") ? "\(r.windowDescription) (\(range))" : range
        out += "<p class=\"meta\">Store <code>\(escape(r.store))</code>, window \(escape(window)), selection <code>\(escape(r.selection))</code></p>\n"
        out += "<div id=\"summary\" class=\"cards\">"
        for (id, value, label) in cards {
            out += "<div class=\"card\" id=\"card-\(id)\"><b>\(escape(value))</b><span>\(escape(label))</span></div>"
        }
        return out + "</div></header>\n"
    }

    private static func timeline(_ r: ProfileReport) -> String {
        let plot = Plot(from: r.from, to: r.to, width: 1040, height: 300, left: 64, right: 16, top: 16, bottom: 44)
        let values = r.values
        let outliers = Set(r.outliers)
        let maximum = niceCeiling((values.max() ?? 0) * 1.1)
        let unit = r.valuesAreCores ? "cores" : "CPU s"
        func y(_ value: Double) -> Double { plot.top + (1 - value / maximum) * plot.innerHeight }
        let colors = buildColors(r)

        var svg = "<svg id=\"timeline\" viewBox=\"0 0 \(plot.width) \(plot.height)\" role=\"img\" aria-label=\"CPU per profile over the window\">\n"
        // Gaps first, under everything.
        for gap in r.gaps {
            let x0 = plot.x(gap.from), x1 = plot.x(gap.to)
            svg += "<rect class=\"gap\" x=\"\(f(x0))\" y=\"\(f(plot.top))\" width=\"\(f(max(x1 - x0, 1)))\" height=\"\(f(plot.innerHeight))\">"
            svg += "<title>\(escape("no profiles for \(duration(gap.to - gap.from)): \(shortTime(gap.from)) to \(shortTime(gap.to))"))</title></rect>\n"
            if x1 - x0 > 56 {
                svg += "<text class=\"gap-label\" x=\"\(f((x0 + x1) / 2))\" y=\"\(f(plot.top + 14))\">gap \(escape(duration(gap.to - gap.from)))</text>\n"
            }
        }
        for span in r.rollupSpans {
            let x0 = plot.x(span.from), x1 = plot.x(span.to)
            svg += "<rect class=\"rollup-span\" x=\"\(f(x0))\" y=\"\(f(plot.top + plot.innerHeight - 8))\" width=\"\(f(max(x1 - x0, 2)))\" height=\"8\">"
            svg += "<title>\(escape("\(span.profiles) profiles only in rollup \(span.key)"))</title></rect>\n"
        }
        // Axes and grid.
        for step in 0...4 {
            let value = maximum * Double(step) / 4
            svg += "<line class=\"grid\" x1=\"\(f(plot.left))\" x2=\"\(f(plot.width - plot.right))\" y1=\"\(f(y(value)))\" y2=\"\(f(y(value)))\"/>"
            svg += "<text class=\"tick\" x=\"\(f(plot.left - 6))\" y=\"\(f(y(value) + 4))\" text-anchor=\"end\">\(escape(number(value)))</text>\n"
        }
        for step in 0...5 {
            let time = r.from + (r.to - r.from) * Int64(step) / 5
            let anchor = step == 0 ? "start" : step == 5 ? "end" : "middle"
            svg += "<text class=\"tick\" x=\"\(f(plot.x(time)))\" y=\"\(f(plot.height - plot.bottom + 18))\" text-anchor=\"\(anchor)\">\(escape(axisTime(time, span: r.to - r.from)))</text>\n"
        }
        svg += "<text class=\"axis-label\" x=\"14\" y=\"\(f(plot.top + plot.innerHeight / 2))\" transform=\"rotate(-90 14 \(f(plot.top + plot.innerHeight / 2)))\">\(unit) per profile</text>\n"
        // The points: every one while they fit, else each pixel column's range, with the outliers on top.
        if r.points.count <= 4000 {
            for (index, point) in r.points.enumerated() {
                let classes = "point" + (outliers.contains(index) ? " outlier" : "") + (point.usedByFetch ? "" : " unused")
                svg += "<circle class=\"\(classes)\" cx=\"\(f(plot.x(point.time)))\" cy=\"\(f(y(values[index])))\" r=\"\(outliers.contains(index) ? 5 : 3.5)\" fill=\"\(colors[point.build] ?? "#888")\">"
                svg += "<title>\(escape("\(shortTime(point.time))  \(number(values[index])) \(unit)\n\(point.key)\nbuild \(point.build)\(point.usedByFetch ? "" : "\nnot used by pgo fetch")"))</title></circle>\n"
            }
        } else {
            var columns: [Int: (low: Double, high: Double)] = [:]
            for (index, point) in r.points.enumerated() {
                let column = Int(plot.x(point.time).rounded())
                let value = values[index]
                columns[column] = columns[column].map { (min($0.low, value), max($0.high, value)) } ?? (value, value)
            }
            for (column, range) in columns.sorted(by: { $0.key < $1.key }) {
                svg += "<line class=\"range\" x1=\"\(column)\" x2=\"\(column)\" y1=\"\(f(y(range.low) + 1))\" y2=\"\(f(y(range.high) - 1))\"/>"
            }
            for index in outliers.sorted().prefix(500) {
                svg += "<circle class=\"point outlier\" cx=\"\(f(plot.x(r.points[index].time)))\" cy=\"\(f(y(values[index])))\" r=\"5\"><title>\(escape(r.points[index].key))</title></circle>\n"
            }
        }
        svg += "</svg>\n"
        let legend = "<p class=\"legend\"><span class=\"swatch ring\"></span> outlier <span class=\"swatch gap\"></span> gap (no profiles)"
            + (r.rollupSpans.isEmpty ? "" : " <span class=\"swatch rollup\"></span> only in rollups") + " <span class=\"swatch faint\"></span> not used by pgo fetch; colour: build</p>"
        let note = r.points.isEmpty ? "<p class=\"empty\">No raw pprof profiles in this window.</p>" : ""
        return "<section><h2>CPU per profile</h2>\n\(svg)\(legend)\n\(note)\(outlierTable(r, values: values, unit: unit))</section>\n"
    }

    private static func outlierTable(_ r: ProfileReport, values: [Double], unit: String) -> String {
        let outliers = r.outliers
        guard !outliers.isEmpty else { return "" }
        let median = ProfileReport.median(values)
        var out = "<details id=\"outliers\"><summary>\(outliers.count) outlier\(outliers.count == 1 ? "" : "s") (median \(escape(number(median))) \(unit))</summary><table><thead><tr><th>time</th><th>\(unit)</th><th>× median</th><th>object</th></tr></thead><tbody>\n"
        for index in outliers.prefix(50) {
            let ratio = median > 0 ? number(values[index] / median) : "–"
            out += "<tr class=\"outlier-row\"><td>\(escape(shortTime(r.points[index].time)))</td><td class=\"num\">\(escape(number(values[index])))</td><td class=\"num\">\(ratio)</td><td><code>\(escape(r.points[index].key))</code></td></tr>\n"
        }
        return out + "</tbody></table></details>\n"
    }

    private static func builds(_ r: ProfileReport) -> String {
        let builds = r.builds
        guard !builds.isEmpty else { return "" }
        let colors = buildColors(r)
        let plot = Plot(from: r.from, to: r.to, width: 1040, height: Double(builds.count * 22 + 8), left: 64, right: 16, top: 4, bottom: 4)
        var svg = "<svg id=\"build-lanes\" viewBox=\"0 0 \(plot.width) \(plot.height)\" role=\"img\" aria-label=\"when each build was profiled\">\n"
        let byBuild = Dictionary(grouping: r.points, by: \.build)
        for (row, build) in builds.enumerated() {
            let y = plot.top + Double(row * 22)
            let color = colors[build.id] ?? "#888"
            let x0 = plot.x(build.first), x1 = plot.x(build.last)
            svg += "<text class=\"tick\" x=\"\(f(plot.left - 6))\" y=\"\(f(y + 14))\" text-anchor=\"end\">\(escape(shortID(build.id)))</text>"
            svg += "<rect class=\"lane\" x=\"\(f(x0))\" y=\"\(f(y + 6))\" width=\"\(f(max(x1 - x0, 2)))\" height=\"8\" fill=\"\(color)\" opacity=\"0.35\"/>"
            if (byBuild[build.id]?.count ?? 0) <= 4000 {
                for point in byBuild[build.id] ?? [] {
                    svg += "<line class=\"mark\" x1=\"\(f(plot.x(point.time)))\" x2=\"\(f(plot.x(point.time)))\" y1=\"\(f(y + 3))\" y2=\"\(f(y + 17))\" stroke=\"\(color)\"/>"
                }
            }
            svg += "\n"
        }
        svg += "</svg>\n"
        let profiles = max(r.points.count, 1)
        let cpu = max(r.points.reduce(Int64(0)) { $0 &+ $1.cpuNanoseconds }, 1)
        var table = "<table id=\"builds\"><thead><tr><th></th><th>build</th><th>profiles</th><th>CPU</th><th>first</th><th>last</th><th>of the range</th></tr></thead><tbody>\n"
        for build in builds {
            table += "<tr class=\"build\"><td><span class=\"swatch\" style=\"background:\(colors[build.id] ?? "#888")\"></span></td>"
            table += "<td><code>\(escape(build.id.isEmpty ? "(no mappings)" : build.id))</code></td>"
            table += "<td class=\"num\">\(build.profiles) (\(percent(Double(build.profiles) / Double(profiles))))</td>"
            table += "<td class=\"num\">\(percent(Double(build.cpuNanoseconds) / Double(cpu)))</td>"
            table += "<td>\(escape(shortTime(build.first)))</td><td>\(escape(shortTime(build.last)))</td>"
            table += "<td class=\"num\">\(percent(build.coverage))</td></tr>\n"
        }
        table += "</tbody></table>\n"
        return "<section><h2>Builds</h2>\n<p class=\"note\">Each build's profiles in time, and how much of the shown range lies between its first and last.</p>\n\(svg)\(table)</section>\n"
    }

    private static func functions(_ r: ProfileReport) -> String {
        guard !r.topFlat.isEmpty || !r.topCumulative.isEmpty else {
            return "<section><h2>Top functions</h2><p class=\"empty\">No merged profile: \(escape(r.fetch.failure ?? "no samples"))</p></section>\n"
        }
        func table(_ id: String, _ title: String, _ rows: [ProfileReport.Function], byFlat: Bool) -> String {
            var out = "<div class=\"half\"><h3>\(title)</h3><table id=\"\(id)\"><thead><tr><th>#</th><th>function</th><th>flat</th><th>cum</th></tr></thead><tbody>\n"
            let total = Double(max(r.total, 1))
            for (rank, function) in rows.enumerated() {
                let share = Double(byFlat ? function.flat : function.cumulative) / total
                out += "<tr><td class=\"num\">\(rank + 1)</td><td class=\"fn\"><div class=\"bar\" style=\"width:\(f(min(share, 1) * 100))%\"></div><code>\(escape(function.name))</code></td>"
                out += "<td class=\"num\">\(percent(Double(function.flat) / total))</td><td class=\"num\">\(percent(Double(function.cumulative) / total))</td></tr>\n"
            }
            return out + "</tbody></table></div>\n"
        }
        return "<section><h2>Top functions of the merged profile</h2>\n<p class=\"note\">Shares of \(escape(r.valueType)) (\(escape(valueText(r.total, type: r.valueType)))) in what pgo fetch would merge.</p>\n<div class=\"pair\">"
            + table("top-flat", "By own samples (flat)", r.topFlat, byFlat: true)
            + table("top-cumulative", "With callees (cumulative)", r.topCumulative, byFlat: false) + "</div></section>\n"
    }

    private static func fetch(_ r: ProfileReport) -> String {
        let use = r.fetch
        var out = "<section id=\"fetch\" data-status=\"\(use.failure == nil ? "ok" : "failed")\" data-objects=\"\(use.objects)\"><h2>What pgo fetch would use</h2>\n"
        out += "<p class=\"note\"><code>pgo fetch --store \(escape(r.store)) --service \(escape(r.service)) --select \(escape(r.selection))</code> over \(escape(r.windowDescription)):</p>\n"
        if let failure = use.failure {
            out += "<p class=\"failed\">It would build <b>WITHOUT a profile</b>: \(escape(failure))</p>\n"
        } else {
            out += "<ul><li><b>\(use.objects)</b> object\(use.objects == 1 ? "" : "s"), holding \(use.profiles) profile\(use.profiles == 1 ? "" : "s")"
            out += use.rollups > 0 ? " (\(use.rollups) of them rollups)" : ""
            out += ", \(escape(byteText(use.bytes)))</li>"
            let unused = r.points.filter { !$0.usedByFetch }.count
            if unused > 0 { out += "<li>\(unused) raw profile\(unused == 1 ? "" : "s") of the window left out by the selection</li>" }
            if r.instrumentedProfiles > 0 { out += "<li>\(r.instrumentedProfiles) instrumented profiles: <code>--llvm</code> would merge those instead</li>" }
            out += "</ul>\n"
        }
        let notes = use.skipped.map { "skipped \($0)" } + use.warnings
        if !notes.isEmpty {
            out += "<ul class=\"warnings\">" + notes.prefix(50).map { "<li>\(escape($0))</li>" }.joined() + "</ul>\n"
        }
        return out + "</section>\n"
    }

    private static func problems(_ r: ProfileReport) -> String {
        guard !r.unreadable.isEmpty else { return "" }
        return "<section id=\"unreadable\"><h2>Objects that could not be read</h2><ul class=\"warnings\">"
            + r.unreadable.prefix(100).map { "<li>\(escape($0))</li>" }.joined() + "</ul></section>\n"
    }

    // MARK: Geometry and text

    private struct Plot {
        var from: Int64, to: Int64
        var width: Double, height: Double, left: Double, right: Double, top: Double, bottom: Double
        var innerHeight: Double { height - top - bottom }
        func x(_ time: Int64) -> Double {
            left + Double(time - from) / Double(max(to - from, 1)) * (width - left - right)
        }
    }

    private static let palette = ["#2563eb", "#f97316", "#16a34a", "#9333ea", "#0891b2", "#ca8a04", "#db2777", "#4b5563"]

    private static func buildColors(_ r: ProfileReport) -> [String: String] {
        Dictionary(uniqueKeysWithValues: r.builds.enumerated().map { ($1.id, palette[$0 % palette.count]) })
    }

    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    private static func f(_ value: Double) -> String { String(format: "%.1f", value) }

    private static func number(_ value: Double) -> String {
        value == 0 ? "0" : abs(value) >= 100 ? String(format: "%.0f", value) : abs(value) >= 10 ? String(format: "%.1f", value) : String(format: "%.2f", value)
    }

    private static func percent(_ share: Double) -> String { String(format: "%.1f %%", share * 100) }

    private static func seconds(_ nanoseconds: Int64) -> String { number(Double(nanoseconds) / 1e9) + " s" }

    private static func valueText(_ value: Int64, type: String) -> String {
        type.hasSuffix("/nanoseconds") ? seconds(value) : "\(value) \(type.split(separator: "/").last.map(String.init) ?? "")"
    }

    private static func byteText(_ count: Int) -> String {
        count < 1024 ? "\(count) bytes" : count < 1 << 20 ? String(format: "%.1f KiB", Double(count) / 1024) : String(format: "%.1f MiB", Double(count) / 1_048_576)
    }

    /// A rounded-up axis maximum: 1, 2, 2.5 or 5 times a power of ten.
    private static func niceCeiling(_ value: Double) -> Double {
        guard value > 0 else { return 1 }
        let power = pow(10, floor(log10(value)))
        return [1.0, 2, 2.5, 5, 10].map { $0 * power }.first { $0 >= value } ?? 10 * power
    }

    private static func duration(_ milliseconds: Int64) -> String {
        let seconds = Double(milliseconds) / 1000
        if seconds < 120 { return "\(Int(seconds)) s" }
        if seconds < 7200 { return "\(Int(seconds / 60)) min" }
        if seconds < 172_800 { return String(format: "%.1f h", seconds / 3600) }
        return String(format: "%.1f d", seconds / 86_400)
    }

    private static func shortID(_ id: String) -> String {
        id.isEmpty ? "(none)" : id.count > 10 ? String(id.prefix(8)) + "…" : id
    }

    private static func utc(_ milliseconds: Int64, _ format: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = format
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }

    private static func shortTime(_ milliseconds: Int64) -> String { utc(milliseconds, "yyyy-MM-dd HH:mm:ss'Z'") }

    private static func axisTime(_ milliseconds: Int64, span: Int64) -> String {
        utc(milliseconds, span > 172_800_000 ? "MM-dd HH:mm" : span > 600_000 ? "HH:mm" : "HH:mm:ss")
    }

    private static let style = """
        body{margin:0;background:#f8fafc;color:#0f172a;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
        main{max-width:1080px;margin:0 auto;padding:20px}
        h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:0 0 8px}h3{font-size:14px;margin:4px 0}
        .service{color:#2563eb}.meta,.note,footer{color:#475569}footer{margin:16px 0;font-size:12px}
        code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace}
        section{background:#fff;border:1px solid #e2e8f0;border-radius:8px;padding:14px 16px;margin:14px 0}
        .cards{display:flex;gap:10px;flex-wrap:wrap;margin-top:12px}
        .card{flex:1 1 140px;background:#fff;border:1px solid #e2e8f0;border-radius:8px;padding:10px 12px}
        .card b{display:block;font-size:22px}.card span{color:#475569;font-size:12px}
        svg{width:100%;height:auto;display:block}
        .grid{stroke:#e2e8f0}.tick{fill:#475569;font-size:11px}.axis-label{fill:#475569;font-size:11px;text-anchor:middle}
        .gap{fill:#fee2e2;opacity:.7}.gap-label{fill:#b91c1c;font-size:11px;text-anchor:middle}
        .rollup-span{fill:#a5b4fc}.range{stroke:#2563eb;stroke-width:1}
        .point{stroke:#fff;stroke-width:.8}.point.unused{opacity:.3}.point.outlier{stroke:#dc2626;stroke-width:2.2}
        .legend{color:#475569;font-size:12px}
        .swatch{display:inline-block;width:10px;height:10px;border-radius:2px;vertical-align:middle;margin:0 2px 0 8px}
        .swatch.ring{border:2px solid #dc2626;border-radius:50%;width:7px;height:7px}.swatch.gap{background:#fee2e2}
        .swatch.rollup{background:#a5b4fc}.swatch.faint{background:#2563eb;opacity:.3}
        table{border-collapse:collapse;width:100%;margin-top:6px}th,td{text-align:left;padding:3px 6px;border-bottom:1px solid #f1f5f9}
        th{color:#475569;font-weight:600;font-size:12px}.num{text-align:right;white-space:nowrap}
        .pair{display:flex;gap:16px;flex-wrap:wrap}.half{flex:1 1 480px;min-width:0}
        td.fn{position:relative;max-width:380px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
        .bar{position:absolute;left:0;top:3px;bottom:3px;background:#dbeafe;z-index:0}td.fn code{position:relative}
        .failed{color:#b91c1c}.warnings{color:#92400e;font-size:12px}.empty{color:#475569}
        details summary{cursor:pointer;color:#b91c1c;margin-top:6px}
        """
}
