import Foundation
import PGOSystem
import TestSupport
import Testing

/// `pgo report` as a user runs it: `Examples/report/make-report.sh` (a day of real profiles
/// with a gap, an empty profile and a second build), the page rendered by headless Chromium,
/// its elements read back from the DOM Chromium built, and no message on Chromium's console.
@Suite struct ReportCommandTests {
    /// Chromium's console, as `--enable-logging=stderr` prints it: one `CONSOLE` line per
    /// message (errors, uncaught exceptions, blocked loads), whatever its level.
    static func consoleLines(_ stderr: String) -> [String] {
        stderr.split(separator: "\n").map(String.init).filter { $0.contains(":CONSOLE") }
    }

    /// Runs headless Chromium on a page: `--dump-dom` gives the DOM after rendering.
    static func chromium(_ arguments: [String], page: String) throws -> ProgramRun {
        let chromium = try Peer.chromium.require()
        return try runProgram(
            "/usr/bin/timeout", ["120", chromium, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0"] + arguments + ["file://" + page])
    }

    static func count(_ needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }

    @Test(.enabled(if: Peer.chromium.shouldRun, Peer.chromium.skipComment))
    func theExamplesReportRendersInChromiumWithItsElementsAndNoConsoleMessage() throws {
        let pgo = try RecipeTests.debugPGO()
        let directory = try temporaryDirectory("pgo-report")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let page = directory + "/report.html", screenshot = directory + "/report.png"
        let chromiumDirectory = (try Peer.chromium.require() as NSString).deletingLastPathComponent
        let made = try runProgram(
            "/bin/bash", [RecipeTests.root + "/Examples/report/make-report.sh", directory + "/store", page, screenshot], in: directory,
            environment: ["PGO": pgo, "PATH": chromiumDirectory + ":/usr/bin:/bin"])
        #expect(made.status == 0, "\(made.combined)")
        #expect(made.errors.contains("pgo: report of 60 profiles of 'demo' (2026-11-25T00:00:00.000Z to 2026-11-25T23:59:59.000Z) -> \(page)"), "\(made.errors)")
        #expect(made.errors.contains("pgo fetch would merge 60 objects; 1 gap, 1 outlier, 2 builds"), "\(made.errors)")

        // The screenshot the script took: a PNG of the window's size with something drawn in it.
        let png = try BoundedFile.read(screenshot)
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
        let width = png.count > 24 ? png[16..<20].reduce(0) { $0 << 8 | Int($1) } : 0
        let height = png.count > 24 ? png[20..<24].reduce(0) { $0 << 8 | Int($1) } : 0
        #expect(width == 1120 && height == 1960, "\(width)x\(height)")
        #expect(png.count > 40_000, "a blank page compresses to a few kilobytes: \(png.count) bytes")

        // The DOM Chromium made of the page, and its console while doing so.
        let rendered = try Self.chromium(["--dump-dom"], page: page)
        #expect(rendered.status == 0, "\(rendered.errors)")
        let dom = rendered.output
        #expect(Self.consoleLines(rendered.errors).isEmpty, "\(Self.consoleLines(rendered.errors))")
        #expect(Self.count("<circle class=\"point", in: dom) == 60)
        #expect(Self.count("class=\"point outlier", in: dom) == 1, "the profile with no samples")
        #expect(Self.count("<rect class=\"gap\"", in: dom) == 1, "09:00 to 13:00")
        #expect(dom.contains("gap 4.3 h"))
        #expect(Self.count("<tr class=\"build\"", in: dom) == 2)
        #expect(dom.contains("id=\"fetch\" data-status=\"ok\" data-objects=\"60\""))
        for table in ["top-flat", "top-cumulative"] {
            let body = dom.components(separatedBy: "id=\"\(table)\"").dropFirst().first?.components(separatedBy: "</table>").first ?? ""
            #expect(Self.count("<tr><td class=\"num\">", in: body) == 25, "\(table)")
        }
        #expect(dom.contains("<code>main.sieve</code>") || dom.contains("<code>main.mix64</code>"), "a hot go-workload function")

        // The console check sees what it looks for: the same page with an error in it.
        let broken = directory + "/broken.html"
        try (try String(contentsOfFile: page, encoding: .utf8)).replacingOccurrences(of: "</main>", with: "</main><img src=\"https://example.invalid/x.png\">")
            .write(toFile: broken, atomically: true, encoding: .utf8)
        let blocked = try Self.chromium(["--dump-dom"], page: broken)
        #expect(Self.consoleLines(blocked.errors).contains { $0.contains("Content Security Policy") }, "\(blocked.errors.suffix(2000))")
    }

    @Test func reportSaysWhatItWroteAndWhatAFetchWouldDo() throws {
        let pgo = try RecipeTests.debugPGO()
        let directory = try temporaryDirectory("pgo-report-cli")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = directory + "/store"
        try runChecked(pgo, ["upload", "--store", store, "--service", "api", "--at", "2026-11-25T10:00:00Z", Fixtures.path("profiles/small-1.pb.gz"), Fixtures.path("profiles/small-2.pb.gz")])

        // A misspelt service: a page all the same, exit 0, and the fetch's reason with the services there are.
        let misspelt = try runProgram(pgo, ["report", "--store", store, "--service", "apl", "--from", "2026-11-25T00:00:00Z", "-o", "out/r.html", "--cache", "none"], in: directory)
        #expect(misspelt.status == 0, "\(misspelt.combined)")
        #expect(misspelt.errors.contains("pgo: report of 0 profiles of 'apl'"), "\(misspelt.errors)")
        #expect(misspelt.errors.contains("pgo fetch would build WITHOUT a profile: no profiles of service 'apl'") && misspelt.errors.contains("only: api"), "\(misspelt.errors)")
        let page = try String(contentsOfFile: directory + "/out/r.html", encoding: .utf8)
        #expect(page.contains("data-status=\"failed\""))

        // To standard output with -o -.
        let piped = try runProgram(pgo, ["report", "--store", store, "--service", "api", "--from", "2026-11-25T00:00:00Z", "-o", "-", "--cache", "none"], in: directory)
        #expect(piped.status == 0 && piped.output.hasPrefix("<!DOCTYPE html>") && Self.count("<circle class=\"point", in: piped.output) == 2, "\(piped.errors)")
        #expect(piped.errors.contains("pgo fetch would merge 2 objects; 0 gaps, 0 outliers, 1 build"), "\(piped.errors)")

        // Usage errors name the option; nothing is written.
        let bad = try runProgram(pgo, ["report", "--store", store, "--service", "api", "--select", "best:3", "-o", "bad.html"], in: directory)
        #expect(bad.status == 2 && bad.errors.contains("--select takes all, newest:N, largest:N or cpu:N, not 'best:3'"), "\(bad.combined)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/bad.html"))
        let help = try runProgram(pgo, ["report", "--help"])
        #expect(help.status == 0 && help.output.contains("Usage: pgo report [options]") && help.output.contains("Content-Security-Policy"))
    }
}
