#pragma once
// The cross-checks that concern mode http: keys only an http frontend may
// have, routes naming pools, pools whose settings need HTTP behind a tcp
// frontend, and the head size limits. Internal to conf/.

#include <vector>

#include "conf/error_list.h"
#include "conf/parsed_config.h"

namespace tandem::conf {

// Adds an error for each problem, at the line of the key that causes it.
// `frontends` and `pools` are the sections that count (no duplicates). The
// checks of references between sections (routes, a tcp frontend's pool) run
// only when `check_references`; a frontend whose `mode` had a bad value is
// not checked for its mode. Pure.
void check_http(const std::vector<const Parsed<FrontendConf>*>& frontends,
                const std::vector<const Parsed<PoolConf>*>& pools, bool check_references, ErrorList& errors);

// Completes what depends on more than one key of a frontend: an unset
// max_header_line never exceeds max_head_size. Call on a checked frontend.
void finish_http_frontend(Parsed<FrontendConf>& frontend);

}  // namespace tandem::conf
