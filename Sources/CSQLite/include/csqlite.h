#ifndef CSQLITE_H
#define CSQLITE_H
#include <sqlite3.h>
// SQLITE_TRANSIENT is a macro cast Swift does not import.
static inline sqlite3_destructor_type csqlite_transient(void) { return SQLITE_TRANSIENT; }
#endif
