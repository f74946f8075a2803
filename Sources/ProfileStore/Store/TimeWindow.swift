import Foundation

/// A closed interval of time, both ends included, as the seed's window is.
public struct TimeWindow: Hashable, Sendable {
    public var from: Date
    public var to: Date

    public init(from: Date, to: Date) {
        self.from = from
        self.to = to
    }

    /// The last `duration` seconds up to `now`.
    public static func last(_ duration: TimeInterval, now: Date = Date()) -> TimeWindow {
        TimeWindow(from: now.addingTimeInterval(-duration), to: now)
    }

    /// Everything, from the epoch to the end of the key space.
    public static let all = TimeWindow(from: Date(timeIntervalSince1970: 0), to: Date(timeIntervalSince1970: 9_999_999_999.999))

    /// The times a key can hold: 13 digits of Unix milliseconds, 1970-01-01 to 2286-11-20.
    public static let keyMilliseconds: ClosedRange<Int64> = 0...9_999_999_999_999

    /// The longest duration a window, retention or schedule takes: 100 years (a longer one would
    /// reach before the key space and overflow time arithmetic).
    public static let longestDuration: TimeInterval = 36_500 * 86_400

    /// Whether `date` can be a profile's time in a key.
    public static func isKeyTime(_ date: Date) -> Bool {
        let millis = date.timeIntervalSince1970 * 1000
        return millis.isFinite && millis.rounded() >= Double(keyMilliseconds.lowerBound) && millis.rounded() <= Double(keyMilliseconds.upperBound)
    }

    public func contains(milliseconds: Int64) -> Bool {
        milliseconds >= from.unixMilliseconds && milliseconds <= to.unixMilliseconds
    }
}

extension Date {
    /// Milliseconds since the Unix epoch, as profile keys carry them (rounded to the nearest, so
    /// that a time made from milliseconds gives the same milliseconds back).
    /// Saturates beyond Int64's range (and is 0 for NaN) instead of trapping.
    public var unixMilliseconds: Int64 {
        let millis = (timeIntervalSince1970 * 1000).rounded()
        guard millis.isFinite else { return millis.isNaN ? 0 : (millis > 0 ? .max : .min) }
        if millis >= Double(Int64.max) { return .max }  // 2^63: one past Int64.max
        if millis < Double(Int64.min) { return .min }
        return Int64(millis)
    }

    public init(unixMilliseconds: Int64) {
        self.init(timeIntervalSince1970: Double(unixMilliseconds) / 1000)
    }
}

/// RFC 3339 in UTC with milliseconds, e.g. 2026-11-25T14:46:14.123Z.
public func formatTimestamp(_ date: Date) -> String {
    // By arithmetic: an ISO8601DateFormatter costs an ICU formatter per call, which was a sixth of
    // a 2,000-profile fetch (its manifest formats every object's time).
    let millis = Int64((date.timeIntervalSince1970 * 1000).rounded())
    let (days, dayMillis) = millis.quotientAndRemainder(dividingBy: 86_400_000)
    let (day, milli) = dayMillis < 0 ? (days - 1, dayMillis + 86_400_000) : (days, dayMillis)
    // Days since 1970-01-01 to a civil date (proleptic Gregorian).
    let z = day + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let dayOfEra = z - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let monthIndex = (5 * dayOfYear + 2) / 153
    let dayOfMonth = dayOfYear - (153 * monthIndex + 2) / 5 + 1
    let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
    let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    func pad(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
    return "\(pad(year, 4))-\(pad(month, 2))-\(pad(dayOfMonth, 2))T\(pad(milli / 3_600_000, 2)):\(pad(milli / 60_000 % 60, 2)):\(pad(milli / 1000 % 60, 2)).\(pad(milli % 1000, 3))Z"
}

/// Parses the time forms the CLI accepts: RFC 3339 (with or without fractional seconds, any
/// offset) or integer Unix milliseconds.
public func parseTimestamp(_ text: String) -> Date? {
    if let millis = Int64(text), millis >= 0 { return Date(unixMilliseconds: millis) }
    let formatter = ISO8601DateFormatter()
    for options: ISO8601DateFormatter.Options in [[.withInternetDateTime, .withFractionalSeconds], [.withInternetDateTime]] {
        formatter.formatOptions = options
        if let date = formatter.date(from: text) { return date }
    }
    return nil
}

/// Parses durations like `500ms`, `30s`, `90m`, `24h`, `7d`, `2w` or `1h30m`.
public func parseDuration(_ text: String) -> TimeInterval? {
    let units: [Character: TimeInterval] = ["s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604_800]
    var total: TimeInterval = 0
    var number = ""
    var sawUnit = false
    var characters = Array(text)[...]
    while let character = characters.popFirst() {
        if character.isASCII && character.isNumber {
            number.append(character)
        } else if character == "m", characters.first == "s", let value = Double(number) {
            characters.removeFirst()  // milliseconds
            total += value / 1000
            number = ""
            sawUnit = true
        } else if let unit = units[character], let value = Double(number) {
            total += value * unit
            number = ""
            sawUnit = true
        } else {
            return nil
        }
    }
    guard number.isEmpty, sawUnit, total > 0, total.isFinite else { return nil }
    return total
}
