import Foundation

/// Something filed in the library: a link, a document, an image, a forwarded email, a note.
public struct Artifact: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable { case link, document, image, email, note }
    public enum Status: String, Sendable {
        /// Read, categorised, tagged and summarised.
        case filed
        /// Kept, but not (yet) categorised: `error` says why. `/refile` tries again.
        case uncategorised
    }

    public var id: Int64
    /// Whose it is: the stable id of the person who filed it.
    public var owner: String
    public var kind: Kind
    /// The URL or file name it came from.
    public var source: String
    /// The canonical URL of a link (dedupe key), when known.
    public var canonicalURL: String?
    public var title: String
    public var author: String?
    public var published: String?
    /// SHA-256 of the content: the dedupe key and the stored file's name.
    public var contentHash: String
    public var filePath: String?
    public var mimeType: String?
    public var text: String
    public var category: String?
    public var tags: [String]
    public var summary: String?
    public var status: Status
    public var error: String?
    public var createdAt: Date

    public init(
        id: Int64 = 0, owner: String, kind: Kind, source: String, canonicalURL: String? = nil, title: String, author: String? = nil,
        published: String? = nil, contentHash: String, filePath: String? = nil, mimeType: String? = nil, text: String,
        category: String? = nil, tags: [String] = [], summary: String? = nil, status: Status = .uncategorised, error: String? = nil,
        createdAt: Date = Date()
    ) {
        self.id = id
        self.owner = owner
        self.kind = kind
        self.source = source
        self.canonicalURL = canonicalURL
        self.title = title
        self.author = author
        self.published = published
        self.contentHash = contentHash
        self.filePath = filePath
        self.mimeType = mimeType
        self.text = text
        self.category = category
        self.tags = tags
        self.summary = summary
        self.status = status
        self.error = error
        self.createdAt = createdAt
    }

    /// One line for lists: id, title, category and tags, or why it is not categorised.
    public var line: String {
        let what = status == .filed
            ? "\(category ?? "?")" + (tags.isEmpty ? "" : " [\(tags.joined(separator: ", "))]")
            : "not categorised" + (error.map { ": \($0)" } ?? "")
        return "#\(id) \(title) (\(kind.rawValue), \(what))"
    }
}
