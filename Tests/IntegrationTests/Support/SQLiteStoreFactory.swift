import HeraldCore
import HeraldStore

enum SQLiteStoreFactory {
    static func make(_ path: String) throws -> any Store { try SQLiteStore(path: path) }
}
