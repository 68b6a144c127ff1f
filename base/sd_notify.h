#pragma once
// The systemd notification protocol (sd_notify(3)), spoken directly so the
// daemon needs no libsystemd: one datagram to $NOTIFY_SOCKET per call.
// A no-op when NOTIFY_SOCKET is unset (not started by systemd).

#include <string_view>

namespace tandem::base {

// Sends `state`, e.g. "READY=1", "RELOADING=1\nMONOTONIC_USEC=…", "STOPPING=1",
// "STATUS=…". Returns false if the socket is set but the send failed.
bool sd_notify(std::string_view state);

// "RELOADING=1" with the MONOTONIC_USEC field systemd 253+ asks for.
bool sd_notify_reloading();

}  // namespace tandem::base
