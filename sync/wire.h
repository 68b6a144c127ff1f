#pragma once
// The sync channel's wire format, as one include: frames (frames.h), the
// records inside UPDATES (records.h), the UPDATES batch writer
// (updates_writer.h), the stream decoder (frame_decoder.h) and its errors
// (wire_error.h). The specification is docs/sync.md; this code is its
// reference implementation. Pure: no sockets, no clock, no logging.

#include "sync/frame_decoder.h"   // IWYU pragma: export
#include "sync/frames.h"          // IWYU pragma: export
#include "sync/records.h"         // IWYU pragma: export
#include "sync/updates_writer.h"  // IWYU pragma: export
#include "sync/wire_error.h"      // IWYU pragma: export
