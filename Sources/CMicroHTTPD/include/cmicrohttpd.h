#ifndef CMICROHTTPD_H
#define CMICROHTTPD_H
#include <stdarg.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <microhttpd.h>

// MHD_start_daemon and MHD_get_daemon_info are variadic, which Swift cannot call. These two
// are the only way Herald starts a server and learns its port; everything else in
// libmicrohttpd is called directly.

/// Starts a daemon bound to `bind_ip` (IPv4 or IPv6 text) and `port` (0: any free port), one
/// thread per connection, at most `connection_limit` connections, idle ones closed after
/// `timeout_seconds`. Returns NULL when the address does not parse or the bind fails.
struct MHD_Daemon *cmhd_start(const char *bind_ip, uint16_t port, unsigned int connection_limit,
                              unsigned int timeout_seconds, MHD_AccessHandlerCallback handler, void *handler_cls,
                              MHD_RequestCompletedCallback completed, void *completed_cls);

/// The port the daemon listens on (the chosen one when started with port 0).
uint16_t cmhd_port(struct MHD_Daemon *daemon);

#endif
