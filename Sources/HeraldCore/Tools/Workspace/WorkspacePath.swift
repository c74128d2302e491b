import Foundation

/// A path the model names, resolved inside a workspace folder or refused. Absolute paths,
/// `..` and symbolic links are refused outright (a link is how a path inside points outside:
/// checking where it points would race with whoever changes it), so every file a workspace tool
/// touches is a plain file or folder under the root.
public enum WorkspacePath {
    /// The absolute path of `relative` under `root`; `mustExist` for reading.
    public static func resolve(_ relative: String, in root: String, mustExist: Bool = false) throws(ToolError) -> String {
        let trimmed = relative.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("/") || trimmed.hasPrefix("~") {
            throw ToolError("'\(relative)' is outside the workspace: paths are relative to it")
        }
        let parts = trimmed.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
        if parts.contains("..") { throw ToolError("'\(relative)' leaves the workspace ('..' is not allowed)") }
        if parts.contains(where: { $0.contains("\0") }) { throw ToolError("'\(relative)' is not a valid path") }
        var path = root
        for (i, part) in parts.enumerated() {
            path += "/" + part
            var st = stat()
            if lstat(path, &st) != 0 {
                if mustExist { throw ToolError("'\(relative)' does not exist in the workspace") }
                // The rest does not exist yet (the caller makes it): nothing there is a link.
                return root + "/" + parts.joined(separator: "/")
            }
            if (st.st_mode & S_IFMT) == S_IFLNK { throw ToolError("'\(relative)' goes through a symbolic link, which workspace tools do not follow") }
            if i < parts.count - 1 && (st.st_mode & S_IFMT) != S_IFDIR { throw ToolError("'\(parts[0...i].joined(separator: "/"))' is not a folder") }
        }
        return path
    }

    /// `path` relative to `root`, for showing the model.
    public static func relative(_ path: String, to root: String) -> String {
        path.hasPrefix(root + "/") ? String(path.dropFirst(root.count + 1)) : path == root ? "." : path
    }
}
