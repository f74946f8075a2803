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

    static func parseListPage(_ data: Data) throws -> ListPage {
        let elements = try collect(data, records: "Contents")
        var page = ListPage()
        for record in elements.records {
            guard let key = record["Key"] else { continue }
            page.objects.append(ListedObject(key: key, size: Int(record["Size"] ?? "") ?? 0, etag: record["ETag"]))
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
    private static func collect(_ data: Data, records: String?) throws -> (topLevel: [String: String], records: [[String: String]]) {
        let delegate = Collector(recordName: records)
        let parser = XMLParser(data: data)
        parser.delegate = delegate
        guard parser.parse() else {
            throw StoreError("unreadable XML from S3: \(parser.parserError?.localizedDescription ?? "parse error")")
        }
        return (delegate.topLevel, delegate.records)
    }

    private final class Collector: NSObject, XMLParserDelegate {
        let recordName: String?
        var path: [String] = []
        var text = ""
        var topLevel: [String: String] = [:]
        var records: [[String: String]] = []
        var current: [String: String]? = nil

        init(recordName: String?) { self.recordName = recordName }

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
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
