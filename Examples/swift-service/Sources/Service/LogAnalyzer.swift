// The service's work: parse access-log lines byte by byte and keep per-route statistics.

/// A batch of log lines, as bytes.
struct LogBatch {
    var lines: [[UInt8]]

    static let routes = ["/api/orders", "/api/orders/items", "/api/users", "/api/search", "/health", "/api/cart/checkout"]
    static let methods = ["GET", "POST", "PUT", "DELETE"]

    /// `lines` deterministic lines: `METHOD ROUTE STATUS LATENCY_US BYTES`.
    static func synthetic(seed: UInt64, lines: Int) -> LogBatch {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 1
        func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
        var batch = LogBatch(lines: [])
        batch.lines.reserveCapacity(lines)
        for _ in 0..<lines {
            let method = methods[Int(next() % UInt64(methods.count))]
            let route = routes[Int(next() % UInt64(routes.count))]
            let status = [200, 200, 200, 201, 204, 304, 404, 500][Int(next() % 8)]
            let latency = 200 + next() % 50_000
            let bytes = next() % 100_000
            batch.lines.append(Array("\(method) \(route) \(status) \(latency) \(bytes)".utf8))
        }
        return batch
    }
}

/// One parsed line.
struct Request {
    var method: UInt32
    var route: Int
    var status: Int
    var latency: Int
    var bytes: Int
}

/// Per-route counts, errors, bytes and a latency histogram (log-spaced buckets).
struct RouteStatistics {
    var requests = 0
    var errors = 0
    var bytes = 0
    var histogram = [Int](repeating: 0, count: 32)

    mutating func record(_ request: Request) {
        requests += 1
        if request.status >= 500 { errors += 1 }
        bytes += request.bytes
        histogram[bucket(of: request.latency)] += 1
    }

    func bucket(of latency: Int) -> Int {
        var bucket = 0
        var bound = 256
        while latency >= bound && bucket < 31 {
            bound += bound / 2
            bucket += 1
        }
        return bucket
    }

    /// The latency below which `fraction` of requests fall (upper bucket bound).
    func percentile(_ fraction: Double) -> Int {
        let target = Int(Double(requests) * fraction)
        var seen = 0
        var bound = 256
        for count in histogram {
            seen += count
            if seen > target { return bound }
            bound += bound / 2
        }
        return bound
    }
}

struct LogAnalyzer {
    var routes: [Int: RouteStatistics] = [:]
    var routeIDs: [[UInt8]: Int] = [:]
    var malformed = 0

    mutating func analyze(_ batch: LogBatch) {
        for line in batch.lines {
            if let request = parse(line) {
                routes[request.route, default: RouteStatistics()].record(request)
            } else {
                malformed += 1
            }
        }
    }

    /// `METHOD ROUTE STATUS LATENCY BYTES`, or nil when the line does not fit.
    mutating func parse(_ line: [UInt8]) -> Request? {
        var fields: [Range<Int>] = []
        var start = 0
        for index in line.indices where line[index] == UInt8(ascii: " ") {
            fields.append(start..<index)
            start = index + 1
        }
        fields.append(start..<line.count)
        guard fields.count == 5 else { return nil }
        var method: UInt32 = 0
        for byte in line[fields[0]] { method = method << 8 | UInt32(byte) }
        let routeBytes = Array(line[fields[1]])
        let route: Int
        if let known = routeIDs[routeBytes] {
            route = known
        } else {
            route = routeIDs.count
            routeIDs[routeBytes] = route
        }
        guard let status = number(line[fields[2]]), let latency = number(line[fields[3]]), let bytes = number(line[fields[4]]) else { return nil }
        return Request(method: method, route: route, status: status, latency: latency, bytes: bytes)
    }

    func number(_ digits: ArraySlice<UInt8>) -> Int? {
        guard !digits.isEmpty else { return nil }
        var value = 0
        for digit in digits {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(digit - UInt8(ascii: "0"))
        }
        return value
    }

    func report() -> String {
        let names = Dictionary(uniqueKeysWithValues: routeIDs.map { ($1, String(decoding: $0, as: UTF8.self)) })
        return routes.keys.sorted().map { id in
            let statistics = routes[id]!
            return "\(names[id] ?? "?"): \(statistics.requests) requests, \(statistics.errors) errors, p50 \(statistics.percentile(0.5)) us, p99 \(statistics.percentile(0.99)) us"
        }.joined(separator: "\n") + "\nmalformed: \(malformed)"
    }
}
