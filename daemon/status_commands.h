#pragma once
// The daemon's own status-socket commands, registered next to the data they
// show (STYLE habit 12):
//   show status | show pools [POOL] | show conns [LIMIT] | show sticky [POOL] | show http
//   server disable|enable|drain POOL/SERVER | server weight POOL/SERVER N
//   reload | get | next | walk (over the tree mib_tree.h builds)
//
// Threading: main thread (the handlers run on the status socket's loop).

#include "daemon/status/command_registry.h"

namespace tandem {

class Daemon;

// Registers every command; `daemon` must outlive `registry`'s use.
void register_status_commands(Daemon& daemon, status::CommandRegistry& registry);

}  // namespace tandem
