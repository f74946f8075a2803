import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The parts of S3's XML responses the client reads: ListObjectsV2 pages and errors.
enum S3XML {
    struct ListedObject: Equatable {
        var key: String
        var size: Int
        var etag: String?
        var lastModified: Date? = nil
    }

    struct ListPage: Equatable {
        var objects: [ListedObject] = []
        var isTruncated = false
        var nextContinuationToken: String?
    }

    struct ErrorBody: Equatable {
        var code: String?
        var message: String?
    }

    /// A ListObjectsV2 page; one that is cut short, has another root, or lists an object without
    /// a key or size is unreadable (a damaged response, which the client retries).
    static func parseListPage(_ data: Data) throws -> ListPage {
        let elements = try collect(data, records: "Contents")
        guard elements.root == "ListBucketResult" else {
            throw StoreError("unreadable XML from S3: a listing whose root is <\(elements.root)>, not <ListBucketResult>")
        }
        var page = ListPage()
        for record in elements.records {
            guard let key = record["Key"], let size = record["Size"].flatMap({ Int($0) }), size >= 0 else {
                throw StoreError("unreadable XML from S3: a listed object without a key or size")
            }
            page.objects.append(ListedObject(key: key, size: size, etag: record["ETag"], lastModified: record["LastModified"].flatMap(parseTime)))
        }
        page.isTruncated = elements.topLevel["IsTruncated"] == "true"
        page.nextContinuationToken = elements.topLevel["NextContinuationToken"]
        return page
    }

    /// The CommonPrefixes of a ListObjectsV2 page asked with a delimiter ("what folders are there").
    static func parseCommonPrefixes(_ data: Data) throws -> (prefixes: [String], isTruncated: Bool, nextContinuationToken: String?) {
        let elements = try collect(data, records: "CommonPrefixes")
        guard elements.root == "ListBucketResult" else {
            throw StoreError("unreadable XML from S3: a listing whose root is <\(elements.root)>, not <ListBucketResult>")
        }
        return (elements.records.compactMap { $0["Prefix"] }, elements.topLevel["IsTruncated"] == "true", elements.topLevel["NextContinuationToken"])
    }

    /// S3's times: ISO 8601 with or without fractional seconds.
    static func parseTime(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    /// The UploadId of an InitiateMultipartUploadResult.
    static func parseUploadID(_ data: Data) throws -> String {
        let elements = try collect(data, records: nil)
        guard elements.root == "InitiateMultipartUploadResult", let id = elements.topLevel["UploadId"], !id.isEmpty else {
            throw StoreError("unreadable XML from S3: no UploadId in the answer to CreateMultipartUpload (root <\(elements.root)>)")
        }
        return id
    }

    /// A CompleteMultipartUpload answer: S3 can send an error in a 200 response, so the root is checked.
    static func checkCompleted(_ data: Data) throws {
        let elements = try collect(data, records: nil)
        guard elements.root == "CompleteMultipartUploadResult" else {
            throw StoreError("S3 did not complete the multipart upload: \(elements.topLevel["Code"] ?? "<\(elements.root)>") \(elements.topLevel["Message"] ?? "")")
        }
    }

    /// The body of a CompleteMultipartUpload request.
    static func completion(etags: [String]) -> [UInt8] {
        var xml = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        for (index, etag) in etags.enumerated() {
            let escaped = etag.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "\"", with: "&quot;")
                .replacingOccurrences(of: "<", with: "&lt;")
            xml += "<Part><PartNumber>\(index + 1)</PartNumber><ETag>\(escaped)</ETag></Part>"
        }
        return Array((xml + "</CompleteMultipartUpload>").utf8)
    }

    static func parseError(_ data: Data) -> ErrorBody {
        guard let elements = try? collect(data, records: nil) else { return ErrorBody() }
        return ErrorBody(code: elements.topLevel["Code"], message: elements.topLevel["Message"])
    }

    /// Text of the root's direct children, and of the children of each `records` element.
    private static func collect(_ data: Data, records: String?) throws -> (root: String, topLevel: [String: String], records: [[String: String]]) {
        let delegate = Collector(recordName: records)
        let parser = XMLParser(data: data)
        parser.delegate = delegate
        guard parser.parse() else {
            throw StoreError("unreadable XML from S3: \(parser.parserError?.localizedDescription ?? "parse error")")
        }
        // The parser can end quietly inside an element: a document cut short.
        guard let root = delegate.root, delegate.path.isEmpty else { throw StoreError("unreadable XML from S3: the document is cut short") }
        return (root, delegate.topLevel, delegate.records)
    }

    private final class Collector: NSObject, XMLParserDelegate {
        let recordName: String?
        var path: [String] = []
        var text = ""
        var topLevel: [String: String] = [:]
        var records: [[String: String]] = []
        var current: [String: String]? = nil
        var root: String? = nil

        init(recordName: String?) { self.recordName = recordName }

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            if path.isEmpty { root = root ?? name }
            path.append(name)
            text = ""
            if path.count == 2, name == recordName { current = [:] }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if path.count == 2 {
                if name == recordName, let record = current {
                    records.append(record)
                    current = nil
                } else {
                    topLevel[name] = text
                }
            } else if path.count == 3, current != nil {
                current?[name] = text
            }
            path.removeLast()
            text = ""
        }
    }
}
