#pragma once
// The checks that need the whole file: references between sections, keys a
// section must have, addresses bound twice. Internal to conf/.

#include <deque>
#include <string_view>

#include "conf/error_list.h"
#include "conf/parsed_config.h"

namespace tandem::conf {

// Adds an error for each problem found. Sections marked `duplicate` are
// ignored (they are reported already). A key that appeared with a bad value
// counts as present, and when a section header was rejected the checks of
// references between sections are skipped, so one mistake gives one error,
// not a cascade. Pure.
void check_cross_references(const ParsedConfig& parsed, ErrorList& errors);

// The checks of the [sync] section (`sync` holds every [sync] header read;
// duplicates are ignored): its required keys, `listen` and `peer` of one
// family and different, `peer_timeout` above two heartbeats, `peer_node`
// not this node's own name (`node`: [global] node as the Config has it). Pure.
void check_sync(const std::deque<Parsed<SyncConf>>& sync, std::string_view node, ErrorList& errors);

}  // namespace tandem::conf
