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
            page.objects.append(ListedObject(key: key, size: size, etag: record["ETag"]))
        }
        page.isTruncated = elements.topLevel["IsTruncated"] == "true"
        page.nextContinuationToken = elements.topLevel["NextContinuationToken"]
        return page
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
