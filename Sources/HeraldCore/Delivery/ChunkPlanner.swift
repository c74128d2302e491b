/// Cuts a reply into the chunks one platform takes, from the capabilities its adapter declares:
/// dialect, length limit and unit, line orientation, and a byte cap on the encoded message.
/// Pure; the delivery stage is its only user.
public enum ChunkPlanner {
    /// The chunks of `text` for a conversation whose limit is `limit` (in the capabilities'
    /// unit). `encodedSize` measures a chunk as the platform counts it against
    /// `capabilities.maxEncodedBytes`; chunks over that are cut further.
    public static func plan(
        _ text: String, capabilities c: AdapterCapabilities, limit: Int, encodedSize: (FormattedChunk) -> Int = { _ in 0 }
    ) -> [FormattedChunk] {
        var chunks: [FormattedChunk]
        if c.lineOriented {
            let rendered = Formatter.chunks(text, dialect: c.dialect, limit: 1 << 20, unit: c.lengthUnit).map(\.text)
            chunks = Formatter.lines(rendered.joined(separator: "\n"), budget: limit).map {
                FormattedChunk(text: $0, plain: $0, source: $0)
            }
        } else if c.dialect == .markdown, Formatter.length(text, c.lengthUnit) <= limit {
            // Markdown platforms (the terminal, email) get the model's own text when it fits.
            chunks = [FormattedChunk(text: text, plain: text, source: text)]
        } else {
            chunks = Formatter.chunks(text, dialect: c.dialect, limit: limit, unit: c.lengthUnit)
        }
        guard let cap = c.maxEncodedBytes else { return chunks }
        var out: [FormattedChunk] = []
        var queue = chunks[...]
        var depth = 0
        while let next = queue.first {
            queue = queue.dropFirst()
            if encodedSize(next) <= cap || depth > 64 {
                out.append(next)
                continue
            }
            guard let pieces = split(next, capabilities: c) else {
                out.append(next)  // the platform will say; the stage fails the row then
                continue
            }
            depth += 1
            queue = pieces[...] + queue
        }
        return out
    }

    /// `chunk` cut into two or more smaller chunks, or nil when it cannot get smaller (a single
    /// character, a line-oriented line already within its budget).
    public static func split(_ chunk: FormattedChunk, capabilities c: AdapterCapabilities) -> [FormattedChunk]? {
        let size = Formatter.length(chunk.plain, c.lengthUnit)
        guard size > 1 else { return nil }
        let half = max(1, (size + 1) / 2)
        let pieces: [FormattedChunk]
        if c.lineOriented {
            pieces = Formatter.lines(chunk.text, budget: half).map { FormattedChunk(text: $0, plain: $0, source: $0) }
        } else {
            pieces = Formatter.chunks(chunk.source, dialect: c.dialect, limit: half, unit: c.lengthUnit)
        }
        return pieces.count >= 2 ? pieces : nil
    }
}
