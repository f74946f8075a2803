import Foundation
import PGOPipeline
import PGOSystem
import ProfileStore

/// `pgo get`: one profile to a file, or a window of them into a directory.
public enum GetCommand: Command {
    public static let spec = CommandSpec(
        name: "get",
        summary: "Download one profile (--at TIME -o FILE) or a window of profiles (-d DIR).",
        positionals: "",
        options: StoreArguments.options + StoreArguments.windowOptions + [
            OptionSpec(["--at"], value: "TIME", help: "Download the profile saved at TIME."),
            OptionSpec(["-o", "--output"], value: "FILE", help: "With --at: where to write it ('-' for standard output)."),
            OptionSpec(["-d", "--output-dir"], value: "DIR", help: "With a window: the directory to download into (created if missing)."),
            StoreArguments.selectOption,
            OptionSpec(["-j", "--jobs"], value: "N", help: "Downloads at once (default 8)."),
        ],
        discussion: """
            Files in DIR are named after the keys' last component; each is written atomically. Without a
            window, -d downloads everything the service has.

            \(StoreArguments.windowHelp)
            """)

    public static func run(_ arguments: ParsedArguments, context: CommandContext) async throws {
        guard arguments.positionals.isEmpty else { throw UsageError("get takes no arguments, only options") }
        let service = try StoreArguments.service(arguments)
        let jobs = try arguments.integer("--jobs", default: 8, range: 1...64)
        if let time = try StoreArguments.time(arguments, "--at") {
            guard let output = arguments.value("--output") else { throw UsageError("--at needs -o FILE") }
            guard arguments.value("--output-dir") == nil, arguments.value("--since") == nil, arguments.value("--from") == nil,
                  arguments.value("--to") == nil
            else { throw UsageError("--at downloads one profile: it takes -o FILE and no window") }
            let store = try StoreArguments.open(arguments, context: context)
            let bytes: [UInt8]
            do { bytes = try await store.get(service: service, createdAt: time) } catch let error as StoreError {
                // `inspect` prints times to the second; keys hold the millisecond.
                guard time.unixMilliseconds % 1000 == 0,
                      let near = try? await store.list(service: service, window: TimeWindow(from: time, to: time.addingTimeInterval(0.999))).profiles,
                      !near.isEmpty
                else { throw error }
                throw CommandError("\(error): --at needs the time to the millisecond, as 'pgo list' prints it; in that second: "
                    + near.prefix(3).map { formatTimestamp($0.createdAt) }.joined(separator: ", ")
                    + " (pgo list --store \(arguments.value("--store") ?? "") --service \(service))")
            }
            try context.writeBinary(bytes, to: output)
            context.writeError("downloaded \(bytes.count) bytes to \(output == "-" ? "standard output" : output)\n")
            return
        }
        guard let directory = arguments.value("--output-dir") else {
            throw UsageError("give --at TIME -o FILE for one profile, or -d DIR for a window")
        }
        guard arguments.value("--output") == nil else { throw UsageError("-o is for one profile (--at); a window goes to -d DIR") }
        let window = try StoreArguments.window(arguments, required: false)
        let selection = try StoreArguments.selection(arguments)
        let store = try StoreArguments.open(arguments, context: context)
        let selected = try await selection.select(in: store, service: service, window: window, diagnostics: context.diagnostics())
        let (objects, downloaded) = (selected.objects, selected.downloaded)
        let target = context.resolve(directory)
        do { try AtomicFile.createDirectory(target) } catch {
            throw CommandError("cannot create \(directory): \(error.localizedDescription)")
        }
        let names = objects.map { ($0.key as NSString).lastPathComponent }
        if Set(names).count != names.count {
            throw CommandError("keys in the window share file names; cannot download them into one directory")
        }
        _ = try await boundedMap(Array(zip(objects, names)), concurrency: jobs) { object, name in
            let bytes: [UInt8]
            if let ranked = downloaded[object.key] { bytes = ranked } else { bytes = try await store.get(object) }
            try AtomicFile.write(bytes, to: target + "/" + name)
        }
        for (object, name) in zip(objects, names) { context.print("\(object.key) -> \(directory)/\(name)\n") }
        context.writeError("downloaded \(objects.count) profiles to \(directory)\n")
    }
}
